//! Lost updates and torn reads: what reads and writes of accounts say about each other.
//!
//! - Thread T's `write` to account A at step w clobbers thread U's earlier write to A at step u
//!   when T's most recent read of A before w happened at step r < u: T wrote a value computed
//!   from a stale read, so U's change is gone. A step that reads A in its own expression (`write
//!   a = a + 1`), an `atomic_add` and a successful `cas` read and write in one atomic action:
//!   they can be clobbered, but never clobber.
//! - T read accounts A and B (in one pass of its steps) while another thread U wrote both (in
//!   one pass of its own): one of T's reads saw A before U's write and the other saw B after
//!   it, so T saw a state that never existed at any one instant. It matters only where T puts
//!   the two values together: both flow (through its locals) into one expression of a later
//!   step, as an auditor's `x + y` does; two reads that are never combined are not torn.

use super::At;
use crate::engine::{Effect, Event};
use crate::scenario::{AccountId, Scenario, ThreadId, Var};

/// One lost update: `lost`'s write was overwritten by `clobber`, which was computed from
/// `stale_read`, a read made before `lost` happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LostUpdate {
    pub account: AccountId,
    /// The write (or `atomic_add`, or `cas`) whose change disappeared.
    pub lost: At,
    /// The change the lost write made, relative to what its thread had read: +50 for a deposit
    /// that read 100 and wrote 150. `None` for a blind write (no earlier read of the account).
    pub change: Option<i64>,
    /// The clobbering thread's read of the account that the clobbering write was based on.
    pub stale_read: At,
    /// The write that overwrote the lost one.
    pub clobber: At,
}

/// Two reads by `reader` that saw a write of `writer` half done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornRead {
    pub reader: ThreadId,
    pub writer: ThreadId,
    /// The read that came before the writer's write to its account (saw the old value).
    pub old: (AccountId, At),
    /// That write, after the read.
    pub old_write: At,
    /// The read that came after the writer's write to its account (saw the new value).
    pub new: (AccountId, At),
    /// That write, before the read.
    pub new_write: At,
}

/// The account written by an event, with the value written (a failed `cas` writes nothing).
pub(super) fn written(e: &Event) -> Option<(AccountId, i64)> {
    match e.effect {
        Effect::Write { account, value, .. } | Effect::AtomicAdd { account, value, .. } => {
            Some((account, value))
        }
        Effect::Cas {
            account,
            value,
            swapped: true,
            ..
        } => Some((account, value)),
        _ => None,
    }
}

/// Whether the step of `e` reads `account` in the same atomic action (in its expression).
fn reads_in_step(scenario: &Scenario, e: &Event, account: AccountId) -> bool {
    let op = &scenario.transactions[e.thread].steps[e.pc as usize].op;
    let mut reads = false;
    for code in op.codes() {
        code.expr
            .for_each_var(&mut |v| reads |= v == Var::Account(account as u32));
    }
    reads
}

/// Every lost update of a run, ordered by the clobbering write's step, then the lost write's.
/// A write is reported lost at most once: by the first write that clobbers it.
pub fn lost_updates(scenario: &Scenario, events: &[Event]) -> Vec<LostUpdate> {
    let accounts = scenario.accounts.len();
    let threads = scenario.transactions.len();
    // last_read[t * accounts + a]: thread t's most recent read of account a.
    let mut last_read: Vec<Option<At>> = vec![None; threads * accounts];
    // Every write so far, per account: (write, its change, already reported lost).
    let mut writes: Vec<Vec<(At, Option<i64>, bool)>> = vec![Vec::new(); accounts];
    let mut out = Vec::new();
    for e in events {
        let at = |value| At::of(e, value);
        match e.effect {
            Effect::Read { account, value, .. } => {
                last_read[e.thread * accounts + account] = Some(at(value));
            }
            Effect::Cas {
                account,
                old,
                swapped: false,
                ..
            } => last_read[e.thread * accounts + account] = Some(at(old)),
            Effect::Write { account, value, .. } if !reads_in_step(scenario, e, account) => {
                let read = last_read[e.thread * accounts + account];
                if let Some(read) = read {
                    for (w, change, reported) in &mut writes[account] {
                        if w.thread != e.thread && w.step > read.step && !*reported {
                            *reported = true;
                            out.push(LostUpdate {
                                account,
                                lost: *w,
                                change: *change,
                                stale_read: read,
                                clobber: at(value),
                            });
                        }
                    }
                }
                let change = read.map(|r| value.wrapping_sub(r.value));
                writes[account].push((at(value), change, false));
            }
            // Read and written in one atomic action: this step's change is relative to what it
            // saw, and it clobbers nothing.
            Effect::Write { account, value, old }
            | Effect::AtomicAdd {
                account, value, old, ..
            }
            | Effect::Cas {
                account,
                value,
                old,
                swapped: true,
                ..
            } => writes[account].push((at(value), Some(value.wrapping_sub(old)), false)),
            _ => {}
        }
    }
    out
}

/// The pairs of read steps `(earlier, later)` whose values some later step of the same thread
/// uses in one expression, directly or through locals computed from them; sorted.
fn combined_reads(scenario: &Scenario, events: &[Event]) -> Vec<(u64, u64)> {
    // Per thread and local: the read steps its value comes from.
    let mut taint: Vec<Vec<Vec<u64>>> = scenario
        .transactions
        .iter()
        .map(|t| vec![Vec::new(); t.locals.len()])
        .collect();
    let mut pairs = Vec::new();
    for e in events {
        let t = e.thread;
        let op = &scenario.transactions[t].steps[e.pc as usize].op;
        if let Effect::Read { into, .. } = e.effect {
            taint[t][usize::from(into)] = vec![e.step];
            continue;
        }
        let mut from: Vec<u64> = Vec::new();
        for code in op.codes() {
            code.expr.for_each_var(&mut |v| {
                if let Var::Local(slot) = v {
                    from.extend_from_slice(&taint[t][usize::from(slot)]);
                }
            });
        }
        from.sort_unstable();
        from.dedup();
        for (i, &a) in from.iter().enumerate() {
            for &b in &from[i + 1..] {
                pairs.push((a, b));
            }
        }
        match e.effect {
            Effect::Set { local, .. } => taint[t][usize::from(local)] = from,
            // Locals assigned from something other than an account read.
            Effect::Get { into, .. } | Effect::Cas { into, .. } => taint[t][usize::from(into)].clear(),
            _ => {}
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Every torn read of a run: per reader, pass and writer, the first pair of reads that saw the
/// writer's pass half done.
pub fn torn_reads(scenario: &Scenario, events: &[Event]) -> Vec<TornRead> {
    let combined = combined_reads(scenario, events);
    // Reads and writes of each (thread, iteration), in step order.
    let mut reads: Vec<(ThreadId, u32, AccountId, At)> = Vec::new();
    let mut writes: Vec<(ThreadId, u32, AccountId, At)> = Vec::new();
    for e in events {
        let at = |value| At::of(e, value);
        match e.effect {
            Effect::Read { account, value, .. } => reads.push((e.thread, e.iteration, account, at(value))),
            _ => {
                if let Some((account, value)) = written(e) {
                    writes.push((e.thread, e.iteration, account, at(value)));
                }
            }
        }
    }
    let mut out: Vec<TornRead> = Vec::new();
    for (i, &(rt, ri, ra, r1)) in reads.iter().enumerate() {
        for &(_, _, rb, r2) in reads[i + 1..]
            .iter()
            .filter(|r| r.0 == rt && r.1 == ri && r.2 != ra)
            .filter(|r| combined.binary_search(&(r1.step, r.3.step)).is_ok())
        {
            // A writer pass that wrote both accounts, one on each side of the reads.
            let found = writes
                .iter()
                .filter(|w| w.0 != rt)
                .find_map(|&(wt, wi, wa, wa_at)| {
                    let partner = |acc: AccountId| {
                        writes
                            .iter()
                            .filter(move |w| w.0 == wt && w.1 == wi && w.2 == acc)
                            .map(|w| w.3)
                    };
                    if wa == ra && r1.step < wa_at.step {
                        // Saw `ra` old; a write of `rb` by the same pass before r2 means `rb` new.
                        partner(rb)
                            .find(|wb| wb.step < r2.step)
                            .map(|wb| ((ra, r1), wa_at, (rb, r2), wb, wt))
                    } else if wa == rb && r2.step < wa_at.step {
                        partner(ra)
                            .find(|wb| wb.step < r1.step)
                            .map(|wb| ((rb, r2), wa_at, (ra, r1), wb, wt))
                    } else {
                        None
                    }
                });
            if let Some((old, old_write, new, new_write, writer)) = found {
                let duplicate = out.iter().any(|t| {
                    t.reader == rt
                        && t.writer == writer
                        && (t.old.1.step == old.1.step || t.new.1.step == new.1.step)
                });
                if !duplicate {
                    out.push(TornRead {
                        reader: rt,
                        writer,
                        old,
                        old_write,
                        new,
                        new_write,
                    });
                }
            }
        }
    }
    out.sort_by_key(|t| t.old.1.step.max(t.new.1.step));
    out
}
