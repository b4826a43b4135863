//! Liveness of locals: which locals a transaction may still read at each step. explore leaves
//! dead locals (overwritten before any read, or never read again) out of its states.
//!
//! Backward dataflow over the program's successors (`next`, and `alt` for `if` and `while`),
//! with the edge from the end of the body back to its first step when the transaction repeats.
//! A declined `require` only ends paths, so it adds no reads.

use super::{Op, Transaction};

/// The most (steps × locals) bits computed: a transaction bigger than that keeps every local
/// live (states are larger, counts are the same).
const MAX_BITS: usize = 1 << 24;

/// `live[pc * locals + slot]`: local `slot` may be read at or after step `pc`. Empty when the
/// transaction is too big to analyse: then every local is live everywhere.
pub fn live_locals(tx: &Transaction) -> Vec<bool> {
    let n = tx.locals.len();
    let len = tx.steps.len();
    if n == 0 || len.saturating_mul(n) > MAX_BITS {
        return Vec::new();
    }
    let words = n.div_ceil(64);
    let mut live = vec![0u64; len * words];
    let mut changed = true;
    let mut set = vec![0u64; words];
    while changed {
        changed = false;
        for pc in (0..len).rev() {
            set.fill(0);
            let step = &tx.steps[pc];
            let successors = match step.op {
                Op::If(_) | Op::While(_) => [Some(step.next), Some(step.alt)],
                _ => [Some(step.next), None],
            };
            for next in successors.into_iter().flatten() {
                let next = next as usize;
                let next = if next < len {
                    Some(next)
                } else if tx.repeat > 1 {
                    Some(0)
                } else {
                    None
                };
                if let Some(next) = next {
                    for (w, l) in set.iter_mut().zip(&live[next * words..(next + 1) * words]) {
                        *w |= l;
                    }
                }
            }
            if let Some(d) = step.op.assigns() {
                set[usize::from(d) / 64] &= !(1 << (d % 64));
            }
            for code in step.op.codes() {
                code.expr
                    .for_each_local(&mut |v| set[usize::from(v) / 64] |= 1 << (v % 64));
            }
            let here = &mut live[pc * words..(pc + 1) * words];
            if here != &set[..] {
                here.copy_from_slice(&set);
                changed = true;
            }
        }
    }
    (0..len * n)
        .map(|i| {
            let (pc, slot) = (i / n, i % n);
            live[pc * words + slot / 64] >> (slot % 64) & 1 == 1
        })
        .collect()
}
