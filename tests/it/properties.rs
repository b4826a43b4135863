//! Property tests: random valid scenarios built from every version-2 object and step, where
//! explore must agree with the brute force (`oracle.rs`) on outcomes, counts, probabilities and
//! fewest preemptions, every witness must replay, and seeded runs must end only in explored
//! outcomes.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use proptest::prelude::*;
use racesim::run::{PolicyChoice, run};
use racesim::scenario::Scenario;

use crate::common;
use crate::oracle::assert_exact;

/// A few steps that belong together (a lock and its unlock, a read and its write-back).
#[derive(Debug, Clone)]
enum Unit {
    Update(i64),
    AtomicAdd(i64),
    DoubleInPlace,
    Locked(i64),
    RLocked,
    Acquire,
    Release,
    TryAcquire,
    Signal,
    Clear,
    WaitEvent,
    WaitCondition,
    Notify { all: bool },
    Put(i64),
    Get,
    GetIfAny,
    Barrier,
    Join,
    Await(i64),
    Assert(i64),
    Cas(i64, i64),
    TryLock,
    Sleep(u64),
}

fn unit() -> impl Strategy<Value = Unit> {
    prop_oneof![
        (-3i64..=3).prop_map(Unit::Update),
        (-3i64..=3).prop_map(Unit::AtomicAdd),
        Just(Unit::DoubleInPlace),
        (-3i64..=3).prop_map(Unit::Locked),
        Just(Unit::RLocked),
        Just(Unit::Acquire),
        Just(Unit::Release),
        Just(Unit::TryAcquire),
        Just(Unit::Signal),
        Just(Unit::Clear),
        Just(Unit::WaitEvent),
        Just(Unit::WaitCondition),
        any::<bool>().prop_map(|all| Unit::Notify { all }),
        (0i64..=3).prop_map(Unit::Put),
        Just(Unit::Get),
        Just(Unit::GetIfAny),
        Just(Unit::Barrier),
        Just(Unit::Join),
        (-1i64..=2).prop_map(Unit::Await),
        (0i64..=4).prop_map(Unit::Assert),
        ((-1i64..=2), (0i64..=3)).prop_map(|(e, v)| Unit::Cas(e, v)),
        Just(Unit::TryLock),
        (0u64..=2).prop_map(Unit::Sleep),
    ]
}

impl Unit {
    /// The unit's steps for thread `t` of `n` (a join names the next thread), with `delay` on
    /// the first.
    fn steps(&self, t: usize, n: usize, delay: u64) -> Vec<String> {
        let s: Vec<String> = match self {
            Unit::Update(k) => vec![
                r#"{ read = "a", into = "x" }"#.into(),
                format!(r#"{{ write = "a", value = "x + {k}" }}"#),
            ],
            Unit::AtomicAdd(k) => vec![format!(r#"{{ atomic_add = "a", value = "{k}" }}"#)],
            Unit::DoubleInPlace => vec![r#"{ write = "a", value = "a * 2" }"#.into()],
            Unit::Locked(k) => vec![
                r#"{ lock = "m" }"#.into(),
                format!(r#"{{ atomic_add = "a", value = "{k}" }}"#),
                r#"{ unlock = "m" }"#.into(),
            ],
            Unit::RLocked => vec![
                r#"{ lock = "r" }"#.into(),
                r#"{ lock = "r" }"#.into(),
                r#"{ unlock = "r" }"#.into(),
                r#"{ unlock = "r" }"#.into(),
            ],
            Unit::Acquire => vec![r#"{ acquire = "s" }"#.into()],
            Unit::Release => vec![r#"{ release = "s" }"#.into()],
            Unit::TryAcquire => vec![
                r#"{ try_acquire = "s", into = "y" }"#.into(),
                r#"{ if = "y", then = [{ release = "s" }] }"#.into(),
            ],
            Unit::Signal => vec![r#"{ signal = "e" }"#.into()],
            Unit::Clear => vec![r#"{ clear = "e" }"#.into()],
            Unit::WaitEvent => vec![r#"{ wait = "e" }"#.into()],
            Unit::WaitCondition => vec![
                r#"{ lock = "m" }"#.into(),
                r#"{ wait = "c" }"#.into(),
                r#"{ unlock = "m" }"#.into(),
            ],
            Unit::Notify { all } => vec![
                r#"{ lock = "m" }"#.into(),
                format!(r#"{{ {} = "c" }}"#, if *all { "notify_all" } else { "notify" }),
                r#"{ unlock = "m" }"#.into(),
            ],
            Unit::Put(k) => vec![format!(r#"{{ put = "q", value = "a + {k}" }}"#)],
            Unit::Get => vec![
                r#"{ get = "q", into = "z" }"#.into(),
                r#"{ atomic_add = "a", value = "z" }"#.into(),
            ],
            Unit::GetIfAny => vec![
                r#"{ if = "len(q) > 0", then = [{ get = "q", into = "z" }], else = [{ set = "z", value = "0" }] }"#
                    .into(),
                r#"{ atomic_add = "a", value = "z" }"#.into(),
            ],
            Unit::Barrier => vec![r#"{ wait = "b" }"#.into()],
            Unit::Join => vec![format!(r#"{{ join = "t{}" }}"#, (t + 1) % n)],
            Unit::Await(k) => vec![format!(r#"{{ await = "a > {k} || is_set(e)" }}"#)],
            Unit::Assert(k) => vec![format!(r#"{{ assert = "a < {k} || len(q) > 0" }}"#)],
            Unit::Cas(e, v) => vec![format!(
                r#"{{ cas = "a", expect = "{e}", value = "{v}", into = "w" }}"#
            )],
            Unit::TryLock => vec![
                r#"{ try_lock = "m", into = "v" }"#.into(),
                r#"{ if = "v", then = [{ unlock = "m" }] }"#.into(),
            ],
            Unit::Sleep(k) => vec![format!("{{ sleep = {k} }}")],
        };
        let mut s = s;
        if delay > 0 {
            let first = &mut s[0];
            first.truncate(first.len() - 2);
            let _ = write!(first, ", delay = {delay} }}");
        }
        s
    }

    /// Steps executed at most (the `if` bodies count once).
    fn len(&self) -> usize {
        self.steps(0, 2, 0).len() + usize::from(matches!(self, Unit::WaitCondition))
    }
}

/// A thread: its units, and a delay for each unit's first step.
type Thread = Vec<(Unit, u64)>;

fn threads() -> impl Strategy<Value = (Vec<Thread>, usize)> {
    let thread = prop::collection::vec((unit(), prop_oneof![4 => Just(0u64), 1 => 1u64..=2]), 1..=3);
    prop::collection::vec(thread, 2..=3)
        .prop_filter("small enough for the brute force", |ts| {
            ts.iter().flatten().map(|(u, _)| u.len()).sum::<usize>() <= 10
        })
        .prop_flat_map(|ts| {
            let n = ts.len();
            (Just(ts), 1..=n)
        })
}

fn scenario_text(ts: &[Thread], workers: usize) -> String {
    let mut text = String::from(
        r#"locks = ["m"]
rlocks = ["r"]
semaphores = [{ name = "s", value = 1, bounded = true }]
events = ["e"]
conditions = [{ name = "c", lock = "m" }]
barriers = [{ name = "b", parties = 2 }]
queues = [{ name = "q", capacity = 1 }]
accounts = [{ name = "a", balance = 1 }]
"#,
    );
    let _ = writeln!(text, "[pool]\nworkers = {workers}");
    for (t, units) in ts.iter().enumerate() {
        let steps: Vec<String> = units.iter().flat_map(|(u, d)| u.steps(t, ts.len(), *d)).collect();
        let _ = writeln!(
            text,
            "[[transactions]]\nname = \"t{t}\"\nsteps = [{}]",
            steps.join(", ")
        );
    }
    text
}

/// Every seeded run ends in one of explore's outcomes.
fn assert_runs_end_in_explored_outcomes(sc: &Scenario, explored: &BTreeSet<String>) {
    for seed in 0..16 {
        for policy in [
            PolicyChoice::Random { seed },
            PolicyChoice::Pct { seed, depth: 2 },
        ] {
            let report = run(sc, &policy);
            let o = &report.summary.outcome;
            let label = racesim::render::words::outcome_label(sc, &o.status, &o.balances, &o.queues);
            assert!(
                explored.contains(&label),
                "{policy:?} ended in {label}, which explore did not find: {explored:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn explore_agrees_with_the_brute_force((ts, workers) in threads()) {
        let text = scenario_text(&ts, workers);
        let sc = common::parse(&text);
        let x = assert_exact(&sc);
        let explored: BTreeSet<String> = x
            .outcomes
            .iter()
            .map(|o| racesim::render::words::outcome_label(&sc, &o.status, &o.balances, &o.queues))
            .collect();
        assert_runs_end_in_explored_outcomes(&sc, &explored);
    }
}
