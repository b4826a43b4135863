//! Lost-update detection: which writes of a run overwrote another thread's change without
//! having seen it, and a plain sentence saying so.
//!
//! A thread T's `write` to account A at step w clobbers thread U's earlier write to A at step u
//! when T's most recent read of A before w happened at step r < u: T wrote a value computed from
//! a stale read, so U's change is gone. `atomic_add` can be clobbered (its change is lost the
//! same way) but never clobbers, because it reads and writes in one step.

use crate::engine::{Effect, Event};
use crate::scenario::{AccountId, Scenario, ThreadId};

/// One step of a lost update: who did it, when, and the value read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    pub thread: ThreadId,
    pub step: u64,
    pub value: i64,
}

/// One lost update: `lost`'s write was overwritten by `clobber`, which was computed from
/// `stale_read`, a read made before `lost` happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LostUpdate {
    pub account: AccountId,
    /// The write (or atomic_add) whose change disappeared.
    pub lost: At,
    /// The change the lost write made, relative to what its thread had read: +50 for a deposit
    /// that read 100 and wrote 150. `None` for a blind write (no earlier read of the account).
    pub change: Option<i64>,
    /// The clobbering thread's read of the account that the clobbering write was based on.
    pub stale_read: At,
    /// The write that overwrote the lost one.
    pub clobber: At,
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
        let at = |value| At {
            thread: e.thread,
            step: e.step,
            value,
        };
        match e.effect {
            Effect::Read { account, value, .. } => {
                last_read[e.thread * accounts + account] = Some(at(value));
            }
            Effect::Write { account, value, .. } => {
                let read = last_read[e.thread * accounts + account];
                if let Some(read) = read {
                    for (w, change, reported) in writes[account].iter_mut() {
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
            Effect::AtomicAdd {
                account,
                added,
                value,
                ..
            } => writes[account].push((at(value), Some(added), false)),
            _ => {}
        }
    }
    out
}

/// "+50", "-150", "0".
fn signed(v: i64) -> String {
    if v > 0 { format!("+{v}") } else { v.to_string() }
}

/// The lost change in a few words: "deposit's +50", or "deposit's +50 to savings" when the
/// scenario has more than one account.
pub fn headline(scenario: &Scenario, lost: &LostUpdate) -> String {
    let who = scenario.thread_name(lost.lost.thread);
    let what = match lost.change {
        Some(c) => signed(c),
        None => format!("write of {}", lost.lost.value),
    };
    if scenario.accounts.len() > 1 {
        format!("{who}'s {what} to {}", scenario.accounts[lost.account].name)
    } else {
        format!("{who}'s {what}")
    }
}

/// One sentence: "deposit's +50 was lost: withdrawal read 100 at step 2 before deposit wrote
/// 150 at step 9, then wrote -50 at step 11".
pub fn explain(scenario: &Scenario, lost: &LostUpdate) -> String {
    format!(
        "{} was lost: {} read {} at step {} before {} wrote {} at step {}, then wrote {} at step {}",
        headline(scenario, lost),
        scenario.thread_name(lost.clobber.thread),
        lost.stale_read.value,
        lost.stale_read.step,
        scenario.thread_name(lost.lost.thread),
        lost.lost.value,
        lost.lost.step,
        lost.clobber.value,
        lost.clobber.step
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{PolicyChoice, run};
    use crate::scenario::{parse, parse_schedule};

    const LESSON: &str = include_str!("../scenarios/bank_account.toml");

    fn lost_under(source: &str, schedule: &str) -> (Scenario, Vec<LostUpdate>) {
        let sc = parse("lesson.toml", source).unwrap();
        let schedule = parse_schedule(&sc, schedule).unwrap();
        let report = run(&sc, &PolicyChoice::Scripted { schedule });
        assert_eq!(report.summary.outcome.status.name(), "ok");
        let lost = lost_updates(&sc, &report.events);
        (sc, lost)
    }

    fn at(thread: ThreadId, step: u64, value: i64) -> At {
        At { thread, step, value }
    }

    #[test]
    fn the_lesson_loses_the_deposit_when_withdrawal_writes_last() {
        // The run of seed 0: both read 100, deposit writes 150 at step 9, withdrawal -50 at 11.
        let (sc, lost) = lost_under(
            LESSON,
            "withdrawal*2,deposit*4,withdrawal*2,deposit*2,withdrawal*2",
        );
        assert_eq!(
            lost,
            vec![LostUpdate {
                account: 0,
                lost: at(0, 9, 150),
                change: Some(50),
                stale_read: at(1, 2, 100),
                clobber: at(1, 11, -50),
            }]
        );
        assert_eq!(
            explain(&sc, &lost[0]),
            "deposit's +50 was lost: withdrawal read 100 at step 2 before deposit wrote 150 \
             at step 9, then wrote -50 at step 11"
        );
    }

    #[test]
    fn the_lesson_loses_the_withdrawal_when_deposit_writes_last() {
        let (sc, lost) = lost_under(LESSON, "deposit*2,withdrawal*2,deposit*2,withdrawal*4,deposit*2");
        assert_eq!(lost.len(), 1);
        assert_eq!(
            explain(&sc, &lost[0]),
            "withdrawal's -150 was lost: deposit read 100 at step 2 before withdrawal wrote -50 \
             at step 9, then wrote 150 at step 11"
        );
    }

    const NODELAY: &str = include_str!("../scenarios/bank_account_nodelay.toml");

    #[test]
    fn one_at_a_time_nothing_is_lost() {
        // The lesson's sleep forces an interleaving; without it the threads can take turns.
        let (_, lost) = lost_under(NODELAY, "deposit*5,withdrawal*5");
        assert!(lost.is_empty(), "{lost:?}");
        let (_, lost) = lost_under(NODELAY, "withdrawal*5,deposit*5");
        assert!(lost.is_empty(), "{lost:?}");
    }

    #[test]
    fn a_read_after_the_other_write_is_not_stale() {
        // Withdrawal reads only after deposit has written: its write builds on 150.
        let (_, lost) = lost_under(NODELAY, "deposit*4,withdrawal*2,deposit,withdrawal*3");
        assert!(lost.is_empty(), "{lost:?}");
        let (sc, lost) = lost_under(NODELAY, "withdrawal*3,deposit*5,withdrawal*2");
        assert_eq!(lost.len(), 1);
        assert_eq!(
            explain(&sc, &lost[0]),
            "deposit's +50 was lost: withdrawal read 100 at step 2 before deposit wrote 150 \
             at step 7, then wrote -50 at step 9"
        );
    }

    #[test]
    fn the_lock_fix_loses_nothing_under_any_seed() {
        let sc = parse("lock.toml", include_str!("../scenarios/bank_account_lock.toml")).unwrap();
        for seed in 0..50 {
            let report = run(&sc, &PolicyChoice::Random { seed });
            assert!(lost_updates(&sc, &report.events).is_empty(), "seed {seed}");
        }
    }

    #[test]
    fn an_atomic_add_can_be_clobbered_and_each_write_is_lost_once() {
        let source = r#"
            [[accounts]]
            name = "a"
            balance = 10
            [[accounts]]
            name = "b"
            [[transactions]]
            name = "slow"
            steps = [{ read = "a", into = "x" }, { write = "a", value = "x + 1" }, { write = "a", value = "x + 2" }]
            [[transactions]]
            name = "adder"
            steps = [{ atomic_add = "a", value = "5" }]
        "#;
        let (sc, lost) = lost_under(source, "slow,adder,slow*2");
        assert_eq!(
            lost,
            vec![LostUpdate {
                account: 0,
                lost: at(1, 2, 15),
                change: Some(5),
                stale_read: at(0, 1, 10),
                clobber: at(0, 3, 11),
            }]
        );
        assert_eq!(
            explain(&sc, &lost[0]),
            "adder's +5 to a was lost: slow read 10 at step 1 before adder wrote 15 at step 2, \
             then wrote 11 at step 3"
        );
    }

    #[test]
    fn a_blind_write_that_is_lost_is_named_by_its_value() {
        let source = r#"
            [[accounts]]
            name = "a"
            [[transactions]]
            name = "reader"
            steps = [{ read = "a", into = "x" }, { write = "a", value = "x + 1" }]
            [[transactions]]
            name = "blind"
            steps = [{ write = "a", value = "7" }]
        "#;
        let (sc, lost) = lost_under(source, "reader,blind,reader");
        assert_eq!(lost.len(), 1);
        assert_eq!(lost[0].change, None);
        assert!(explain(&sc, &lost[0]).starts_with("blind's write of 7 was lost: reader read 0"));
    }
}
