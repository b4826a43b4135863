//! Race analyses of a logged run, computed once into its report: lost updates, checks made
//! stale before their act (check-then-act), torn reads, and who waits for what in a deadlock.
//! Renderers put these into words (`render::words`); nothing here formats text.
//!
//! - **Lost update.** Thread T's `write` to account A at step w clobbers thread U's earlier write
//!   to A at step u when T's most recent read of A before w happened at step r < u: T wrote a
//!   value computed from a stale read, so U's change is gone. `atomic_add` can be clobbered (its
//!   change is lost the same way) but never clobbers, because it reads and writes in one step.
//! - **Stale check.** T's `require` passed on values that T read from account A at step r; before
//!   T's next write to A (the act, step w), another thread changed A (step u, r < u < w). The
//!   check no longer held when T acted on it.
//! - **Torn read.** T read accounts A and B (in one pass of its steps) while another thread U
//!   wrote both (in one pass of its own): one of T's reads saw A before U's write and the other
//!   saw B after it, so T saw a state that never existed at any one instant.

use crate::engine::{Effect, Event, Phase, State, holder};
use crate::outcome::Status;
use crate::scenario::{AccountId, LockId, Op, Scenario, ThreadId};

/// One step of an analysis: who did it, when, and the value read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    pub thread: ThreadId,
    pub step: u64,
    pub value: i64,
}

impl At {
    /// The step of `event`, with `value`.
    fn of(event: &Event, value: i64) -> At {
        At {
            thread: event.thread,
            step: event.step,
            value,
        }
    }
}

/// One lost update: `lost`'s write was overwritten by `clobber`, which was computed from
/// `stale_read`, a read made before `lost` happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LostUpdate {
    pub account: AccountId,
    /// The write (or `atomic_add`) whose change disappeared.
    pub lost: At,
    /// The change the lost write made, relative to what its thread had read: +50 for a deposit
    /// that read 100 and wrote 150. `None` for a blind write (no earlier read of the account).
    pub change: Option<i64>,
    /// The clobbering thread's read of the account that the clobbering write was based on.
    pub stale_read: At,
    /// The write that overwrote the lost one.
    pub clobber: At,
}

/// A check that was stale by the time of its act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleCheck {
    pub thread: ThreadId,
    pub account: AccountId,
    /// The checking thread's read of the account that the check was based on.
    pub read: At,
    /// The step of the `require` that passed.
    pub check: u64,
    /// Another thread's write to the account after the read, before the act.
    pub change: At,
    /// The checking thread's write to the account after the check.
    pub act: At,
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

/// What a thread blocked forever waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitingOn {
    /// A lock, and who holds it (possibly the waiter itself: locks are not re-entrant).
    Lock { lock: LockId, holder: Option<ThreadId> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub thread: ThreadId,
    pub on: WaitingOn,
}

/// Everything the analyses found in one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunAnalysis {
    pub lost_updates: Vec<LostUpdate>,
    pub stale_checks: Vec<StaleCheck>,
    pub torn_reads: Vec<TornRead>,
    /// After a deadlock: each blocked thread and what it waits for.
    pub waiting: Vec<Waiting>,
}

impl RunAnalysis {
    /// The kinds of race this run shows.
    pub fn races(&self) -> RaceKinds {
        RaceKinds {
            lost_update: !self.lost_updates.is_empty(),
            stale_check: !self.stale_checks.is_empty(),
            torn_read: !self.torn_reads.is_empty(),
        }
    }
}

/// Which kinds of race a run (an outcome's witness) shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RaceKinds {
    pub lost_update: bool,
    pub stale_check: bool,
    pub torn_read: bool,
}

impl RaceKinds {
    pub fn any(&self) -> bool {
        self.lost_update || self.stale_check || self.torn_read
    }
}

/// All analyses of a run that ended with `status` in `state`.
pub fn analyse(scenario: &Scenario, events: &[Event], status: &Status, state: &State) -> RunAnalysis {
    RunAnalysis {
        lost_updates: lost_updates(scenario, events),
        stale_checks: stale_checks(scenario, events),
        torn_reads: torn_reads(scenario, events),
        waiting: if *status == Status::Deadlock {
            waiting(scenario, state)
        } else {
            Vec::new()
        },
    }
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
            Effect::Write { account, value, .. } => {
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

/// The account written by an event, with the value written.
fn written(e: &Event) -> Option<(AccountId, i64)> {
    match e.effect {
        Effect::Write { account, value, .. } | Effect::AtomicAdd { account, value, .. } => {
            Some((account, value))
        }
        _ => None,
    }
}

/// Every check that was stale when its thread acted on it, in the order of the acts.
pub fn stale_checks(scenario: &Scenario, events: &[Event]) -> Vec<StaleCheck> {
    let threads = scenario.transactions.len();
    // Per thread and local: the account reads its value was computed from.
    let mut taint: Vec<Vec<Vec<(AccountId, At)>>> = scenario
        .transactions
        .iter()
        .map(|t| vec![Vec::new(); t.locals.len()])
        .collect();
    // Per thread: passed checks waiting for their act, (account, its read, the check's step).
    let mut pending: Vec<Vec<(AccountId, At, u64)>> = vec![Vec::new(); threads];
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let t = e.thread;
        let op = &scenario.transactions[t].steps[e.pc as usize].op;
        match (e.effect, op) {
            (Effect::Read { account, into, value }, _) => {
                taint[t][into as usize] = vec![(
                    account,
                    At {
                        thread: t,
                        step: e.step,
                        value,
                    },
                )];
            }
            (Effect::Set { local, .. }, Op::Set { value, .. }) => {
                let mut from: Vec<(AccountId, At)> = Vec::new();
                value
                    .expr
                    .for_each_var(&mut |v| from.extend(taint[t][v as usize].iter().copied()));
                from.sort_by_key(|(a, at)| (*a, at.step));
                from.dedup();
                taint[t][local as usize] = from;
            }
            (Effect::Require { value }, Op::Require(code)) if value != 0 => {
                code.expr.for_each_var(&mut |v| {
                    for &(account, read) in &taint[t][v as usize] {
                        if !pending[t].iter().any(|p| p.0 == account && p.1 == read) {
                            pending[t].push((account, read, e.step));
                        }
                    }
                });
            }
            _ => {}
        }
        let Some((account, value)) = written(e) else {
            continue;
        };
        let act = At {
            thread: t,
            step: e.step,
            value,
        };
        let mut reported = false;
        pending[t].retain(|&(a, read, check)| {
            if a != account {
                return true;
            }
            let change = events[..i].iter().find(|w| {
                w.thread != t && w.step > read.step && written(w).is_some_and(|(wa, _)| wa == account)
            });
            if let (Some(w), false) = (change, reported) {
                reported = true;
                out.push(StaleCheck {
                    thread: t,
                    account,
                    read,
                    check,
                    change: At {
                        thread: w.thread,
                        step: w.step,
                        value: written(w).map_or(0, |(_, v)| v),
                    },
                    act,
                });
            }
            false
        });
    }
    out
}

/// Every torn read of a run: per reader, pass and writer, the first pair of reads that saw the
/// writer's pass half done.
pub fn torn_reads(scenario: &Scenario, events: &[Event]) -> Vec<TornRead> {
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
    let _ = scenario;
    let mut out: Vec<TornRead> = Vec::new();
    for (i, &(rt, ri, ra, r1)) in reads.iter().enumerate() {
        for &(_, _, rb, r2) in reads[i + 1..]
            .iter()
            .filter(|r| r.0 == rt && r.1 == ri && r.2 != ra)
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

/// The races that replaying `witness` shows (explore classifies each outcome by its witness).
pub fn witness_races(scenario: &Scenario, witness: &[ThreadId]) -> RaceKinds {
    let choice = crate::run::PolicyChoice::Scripted {
        schedule: witness.to_vec(),
    };
    crate::run::run_limited(scenario, &choice, None).analysis.races()
}

/// Who waits for what in a state where no thread can run.
pub fn waiting(scenario: &Scenario, state: &State) -> Vec<Waiting> {
    (0..state.threads.len())
        .filter(|&t| state.threads[t].phase == Phase::Running)
        .filter_map(|t| match *state.next_op(scenario, t) {
            Op::Lock(lock) => Some(Waiting {
                thread: t,
                on: WaitingOn::Lock {
                    lock,
                    holder: holder(state.holders[lock]),
                },
            }),
            _ => None,
        })
        .collect()
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
            crate::render::words::lost_update(&sc, &lost[0]),
            "deposit's +50 was lost: withdrawal read 100 at step 2 before deposit wrote 150 \
             at step 9, then wrote -50 at step 11"
        );
    }

    #[test]
    fn the_lesson_loses_the_withdrawal_when_deposit_writes_last() {
        let (sc, lost) = lost_under(LESSON, "deposit*2,withdrawal*2,deposit*2,withdrawal*4,deposit*2");
        assert_eq!(lost.len(), 1);
        assert_eq!(
            crate::render::words::lost_update(&sc, &lost[0]),
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
            crate::render::words::lost_update(&sc, &lost[0]),
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
            crate::render::words::lost_update(&sc, &lost[0]),
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
        assert!(
            crate::render::words::lost_update(&sc, &lost[0])
                .starts_with("blind's write of 7 was lost: reader read 0")
        );
    }
}
