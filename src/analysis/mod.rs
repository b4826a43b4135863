//! Race analyses of a logged run, computed once into its report, and who waits for what in a
//! deadlock. Renderers put these into words (`render::words`); nothing here formats text.
//!
//! - **Lost update** (`updates`): a write computed from a read that predates another thread's
//!   write, which it then overwrites.
//! - **Torn read** (`updates`): two reads of one pass that saw another thread's pair of writes
//!   half done.
//! - **Stale check** (`checks`, check-then-act): a `require` or `if` passed on a value (a
//!   balance, a queue's length) that another thread changed before this thread acted on it.
//! - **Lost wakeup** and **stolen permit** (`wakeups`): a `notify` that came before the `wait`
//!   it was meant for; a permit released while one thread waited and taken by another.
//! - **Waiting** (`waiting`): what each thread of a deadlock waits for.
//! - **Blocking** (`blocking`): every stretch of the run in which a thread was blocked, on what,
//!   and the step that let it go on (for the pictures).

mod blocking;
mod checks;
mod updates;
mod waiting;
mod wakeups;

pub use blocking::{BlockedSpan, Blocking, Wake, blocking};
pub use checks::{StaleCheck, Subject, stale_checks};
pub use updates::{LostUpdate, TornRead, lost_updates, torn_reads};
pub use waiting::{Waiting, WaitingOn, waiting};
pub use wakeups::{LostWakeup, StolenPermit, lost_wakeups, stolen_permits};

use crate::engine::{Event, State};
use crate::outcome::Status;
use crate::scenario::{Scenario, ThreadId};

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

/// Everything the analyses found in one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunAnalysis {
    pub lost_updates: Vec<LostUpdate>,
    pub stale_checks: Vec<StaleCheck>,
    pub torn_reads: Vec<TornRead>,
    pub lost_wakeups: Vec<LostWakeup>,
    pub stolen_permits: Vec<StolenPermit>,
    /// After a deadlock: each blocked thread and what it waits for.
    pub waiting: Vec<Waiting>,
    /// When threads were blocked during the run, and what let them go on.
    pub blocking: Blocking,
}

impl RunAnalysis {
    /// The kinds of race this run shows.
    pub fn races(&self) -> RaceKinds {
        let mut kinds = RaceKinds::default();
        let found = [
            (RaceKind::LostUpdate, self.lost_updates.is_empty()),
            (RaceKind::StaleCheck, self.stale_checks.is_empty()),
            (RaceKind::TornRead, self.torn_reads.is_empty()),
            (RaceKind::LostWakeup, self.lost_wakeups.is_empty()),
            (RaceKind::StolenPermit, self.stolen_permits.is_empty()),
        ];
        for (kind, none) in found {
            if !none {
                kinds.insert(kind);
            }
        }
        kinds
    }
}

/// The kinds of race the analyses find, in the order reports list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RaceKind {
    LostUpdate,
    StaleCheck,
    TornRead,
    LostWakeup,
    StolenPermit,
}

impl RaceKind {
    /// Every kind, in report order.
    pub const ALL: [RaceKind; 5] = [
        RaceKind::LostUpdate,
        RaceKind::StaleCheck,
        RaceKind::TornRead,
        RaceKind::LostWakeup,
        RaceKind::StolenPermit,
    ];

    /// The kind's name in JSON: `lost_update`, `stale_check`, ...
    pub fn key(self) -> &'static str {
        match self {
            RaceKind::LostUpdate => "lost_update",
            RaceKind::StaleCheck => "stale_check",
            RaceKind::TornRead => "torn_read",
            RaceKind::LostWakeup => "lost_wakeup",
            RaceKind::StolenPermit => "stolen_permit",
        }
    }
}

/// Which kinds of race a run (an outcome's witness) shows: a set of [`RaceKind`]s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RaceKinds(u8);

impl RaceKinds {
    pub fn insert(&mut self, kind: RaceKind) {
        self.0 |= 1 << kind as u8;
    }

    pub fn contains(self, kind: RaceKind) -> bool {
        self.0 & (1 << kind as u8) != 0
    }

    pub fn any(self) -> bool {
        self.0 != 0
    }

    /// The kinds in the set, in report order.
    pub fn iter(self) -> impl Iterator<Item = RaceKind> {
        RaceKind::ALL.into_iter().filter(move |k| self.contains(*k))
    }

    /// The first kind in report order: the one an outcome is classed under.
    pub fn first(self) -> Option<RaceKind> {
        self.iter().next()
    }
}

/// All analyses of a run that ended with `status` in `state`.
pub fn analyse(scenario: &Scenario, events: &[Event], status: &Status, state: &State) -> RunAnalysis {
    RunAnalysis {
        lost_updates: lost_updates(scenario, events),
        stale_checks: stale_checks(scenario, events, (*status == Status::Deadlock).then_some(state)),
        torn_reads: torn_reads(scenario, events),
        lost_wakeups: lost_wakeups(scenario, events, state),
        stolen_permits: stolen_permits(scenario, events),
        waiting: if *status == Status::Deadlock {
            waiting(scenario, state)
        } else {
            Vec::new()
        },
        blocking: blocking(scenario, events, status),
    }
}

/// The races that replaying `witness` shows (explore classifies each outcome by its witness).
pub fn witness_races(scenario: &Scenario, witness: &[ThreadId]) -> RaceKinds {
    let choice = crate::run::PolicyChoice::Scripted {
        schedule: witness.to_vec(),
    };
    crate::run::run_limited(scenario, &choice, None).analysis.races()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{PolicyChoice, run};
    use crate::scenario::{parse, parse_schedule};

    const LESSON: &str = include_str!("../../scenarios/bank_account.toml");

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

    const NODELAY: &str = include_str!("../../scenarios/bank_account_nodelay.toml");

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
        let sc = parse(
            "lock.toml",
            include_str!("../../scenarios/bank_account_lock.toml"),
        )
        .unwrap();
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
