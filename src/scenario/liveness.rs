//! Liveness of locals: which locals a transaction may still read at each step. explore leaves
//! dead locals (overwritten before any read) out of its states.

use super::{Op, Transaction};

/// Backward liveness over a transaction's steps, with the edge from the last step back to the
/// first when it repeats (a declined `require` only ends paths, so it adds no reads).
/// `live[pc * locals + slot]`: local `slot` may be read at or after step `pc`.
pub fn live_locals(tx: &Transaction) -> Vec<bool> {
    let n = tx.locals.len();
    let len = tx.steps.len();
    let mut live = vec![false; len * n];
    let mut changed = true;
    while changed {
        changed = false;
        for pc in (0..len).rev() {
            let mut set = vec![false; n];
            let next = if pc + 1 < len {
                Some(pc + 1)
            } else if tx.repeat > 1 {
                Some(0)
            } else {
                None
            };
            if let Some(next) = next {
                set.copy_from_slice(&live[next * n..(next + 1) * n]);
            }
            let (uses, def) = match &tx.steps[pc].op {
                Op::Read { into, .. } => (None, Some(*into)),
                Op::Set { local, value } => (Some(value), Some(*local)),
                Op::Write { value, .. } | Op::AtomicAdd { value, .. } => (Some(value), None),
                Op::Require(cond) => (Some(cond), None),
                _ => (None, None),
            };
            if let Some(d) = def {
                set[d as usize] = false;
            }
            if let Some(code) = uses {
                code.expr.for_each_var(&mut |v| set[v as usize] = true);
            }
            if live[pc * n..(pc + 1) * n] != set[..] {
                live[pc * n..(pc + 1) * n].copy_from_slice(&set);
                changed = true;
            }
        }
    }
    live
}
