//! The oracle explore is checked against: a brute force that walks every interleaving one by
//! one (no memoization) with the engine's `State::step`, and checks that explore's outcomes,
//! schedule counts, probabilities and witness preemption counts equal its own, and that every
//! witness replays.

use std::collections::BTreeMap;

use num_bigint::BigUint;
use racesim::engine::{Layout, Settled, State};
use racesim::expect::holds;
use racesim::explore::{self, Exploration};
use racesim::outcome::{ErrorKind, OutcomeKey, Status};
use racesim::run::{self, PolicyChoice};
use racesim::scenario::{Scenario, ThreadId};

use crate::common::ready_threads;

/// A state limit far above anything the tests need (the inline scenarios have at most a few
/// thousand states; the bench scenarios about two million).
pub const LIMIT: u64 = 50_000_000;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Explores `sc` with the library, panicking on the state limit.
pub fn explore_ok(sc: &Scenario) -> Exploration {
    explore::explore(sc, LIMIT).unwrap_or_else(|e| panic!("{}: {e:?}", sc.name))
}

/// Steps `schedule` through the engine from the initial state, checking every named thread is
/// ready. Returns the state after the last step and the schedule's preemptions: switches away
/// from the thread that ran the previous step while that thread is still ready.
pub fn replay_prefix(sc: &Scenario, schedule: &[ThreadId]) -> (State, u32) {
    let layout = Layout::new(sc);
    let mut state = State::initial(sc, &layout);
    let mut last: Option<ThreadId> = None;
    let mut preemptions = 0;
    for (i, &t) in schedule.iter().enumerate() {
        assert_eq!(
            state.settle(sc, &layout),
            Settled::Ready,
            "step {}: the run ended",
            i + 1
        );
        let ready = ready_threads(sc, &state);
        assert!(
            ready.contains(&t),
            "step {}: {} is not ready",
            i + 1,
            sc.thread_name(t)
        );
        if last.is_some_and(|p| p != t && ready.contains(&p)) {
            preemptions += 1;
        }
        if i + 1 < schedule.len() {
            state
                .step(sc, &layout, t, &mut ())
                .unwrap_or_else(|f| panic!("step {}: {f:?}", i + 1));
        } else if state.step(sc, &layout, t, &mut ()).is_err() {
            // A fault ends a run (the last step of an error outcome's witness).
        }
        last = Some(t);
    }
    (state, preemptions)
}

pub fn names(sc: &Scenario, schedule: &[ThreadId]) -> String {
    racesim::scenario::format_schedule(sc, schedule)
}

// ---------------------------------------------------------------------------------------------
// The brute force
// ---------------------------------------------------------------------------------------------

/// How a run ended: its status (an error with its thread and fault), the final balances and the
/// queues' contents.
pub type Key = (OutcomeKey, Vec<i64>, Vec<Vec<i64>>);

/// What the brute force found for one outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    /// Complete interleavings ending here.
    pub schedules: u64,
    /// The chance under the `random` policy: the sum over those interleavings of the product
    /// of 1/(number of ready threads) at each step.
    pub probability: f64,
    /// The fewest preemptions of any of those interleavings.
    pub min_preemptions: u32,
}

/// Every interleaving, one at a time: at each scheduling point, for each ready thread, a copy of
/// the state steps that thread and the walk recurses. No memoization, so it is only for small
/// scenarios; it shares nothing with explore but the engine's `State`.
pub struct BruteForce<'s> {
    sc: &'s Scenario,
    layout: Layout,
    pub outcomes: BTreeMap<Key, Tally>,
    /// Complete interleavings.
    pub leaves: u64,
}

impl<'s> BruteForce<'s> {
    pub fn run(sc: &'s Scenario) -> BruteForce<'s> {
        let layout = Layout::new(sc);
        let initial = State::initial(sc, &layout);
        let mut bf = BruteForce {
            sc,
            layout,
            outcomes: BTreeMap::new(),
            leaves: 0,
        };
        bf.walk(initial, 1.0, None, 0);
        bf
    }

    fn walk(&mut self, mut state: State, probability: f64, last: Option<ThreadId>, preemptions: u32) {
        match state.settle(self.sc, &self.layout) {
            Settled::Ended(end) => {
                let status = Status::from(end).key();
                self.record(status, &state, probability, preemptions);
            }
            Settled::Ready => {
                let ready = ready_threads(self.sc, &state);
                let share = probability / ready.len() as f64;
                for &t in &ready {
                    let preempted = last.is_some_and(|p| p != t && ready.contains(&p));
                    let cost = preemptions + u32::from(preempted);
                    let mut next = state.clone();
                    match next.step(self.sc, &self.layout, t, &mut ()) {
                        Ok(()) => self.walk(next, share, Some(t), cost),
                        // A runtime error ends the run; the faulting step changed nothing.
                        Err(fault) => {
                            let status = OutcomeKey::Error {
                                thread: Some(t),
                                kind: ErrorKind::Fault(fault),
                            };
                            self.record(status, &state, share, cost);
                        }
                    }
                }
            }
        }
    }

    fn record(&mut self, status: OutcomeKey, state: &State, probability: f64, preemptions: u32) {
        self.leaves += 1;
        let key = (status, state.balances.clone(), state.queues.clone());
        let tally = self.outcomes.entry(key).or_insert(Tally {
            schedules: 0,
            probability: 0.0,
            min_preemptions: u32::MAX,
        });
        tally.schedules += 1;
        tally.probability += probability;
        tally.min_preemptions = tally.min_preemptions.min(preemptions);
    }

    /// The fewest steps after which `always` condition `i` is false (0: the initial state).
    pub fn shortest_violation(sc: &Scenario, i: usize) -> Option<usize> {
        fn walk(
            sc: &Scenario,
            layout: &Layout,
            mut state: State,
            depth: usize,
            i: usize,
            best: &mut Option<usize>,
        ) {
            if !holds(&sc.expect.always[i], &state.shared_env()) {
                *best = Some(best.map_or(depth, |b| b.min(depth)));
                return;
            }
            if best.is_some_and(|b| b <= depth) {
                return;
            }
            if state.settle(sc, layout) != Settled::Ready {
                return;
            }
            for t in ready_threads(sc, &state) {
                let mut next = state.clone();
                if next.step(sc, layout, t, &mut ()).is_ok() {
                    walk(sc, layout, next, depth + 1, i, best);
                }
            }
        }
        let layout = Layout::new(sc);
        let mut best = None;
        walk(sc, &layout, State::initial(sc, &layout), 0, i, &mut best);
        best
    }
}

/// Checks explore against the brute force on `sc`: the same outcomes, schedule counts,
/// probabilities (to rounding) and fewest preemptions; probabilities sum to one; outcomes come
/// most likely first; every witness replays. Returns the exploration for further checks.
pub fn assert_exact(sc: &Scenario) -> Exploration {
    let what = &sc.name;
    let x = explore_ok(sc);
    let bf = BruteForce::run(sc);
    let found: Vec<&Key> = bf.outcomes.keys().collect();
    let mut explored: Vec<Key> = x
        .outcomes
        .iter()
        .map(|o| (o.status.key(), o.balances.clone(), o.queues.clone()))
        .collect();
    explored.sort();
    assert_eq!(
        explored.iter().collect::<Vec<_>>(),
        found,
        "{what}: explore's outcomes (left) differ from the brute force's (right)"
    );
    assert_eq!(
        x.schedules.finite(),
        Some(&BigUint::from(bf.leaves)),
        "{what}: total interleavings"
    );
    for o in &x.outcomes {
        let tally = &bf.outcomes[&(o.status.key(), o.balances.clone(), o.queues.clone())];
        let label = format!("{what}: outcome {:?} {:?}", o.status, o.balances);
        assert_eq!(
            o.schedules.finite(),
            Some(&BigUint::from(tally.schedules)),
            "{label}: schedules"
        );
        assert!(
            (o.probability - tally.probability).abs() <= 1e-12,
            "{label}: probability {} (brute force: {})",
            o.probability,
            tally.probability
        );
        assert_eq!(
            o.preemptions,
            tally.min_preemptions,
            "{label}: the witness {} should have the fewest preemptions",
            names(sc, &o.witness)
        );
    }
    let total: f64 = x.outcomes.iter().map(|o| o.probability).sum();
    assert!(
        (total - 1.0).abs() < 1e-12,
        "{what}: probabilities sum to {total}"
    );
    assert!(
        x.outcomes
            .windows(2)
            .all(|w| w[0].probability >= w[1].probability),
        "{what}: outcomes are listed most likely first"
    );
    assert_witnesses_replay(sc, &x);
    x
}

/// Every witness, replayed by `run` with a scripted policy, ends in its outcome with no policy
/// error; its preemptions are the ones reported.
pub fn assert_witnesses_replay(sc: &Scenario, x: &Exploration) {
    for o in &x.outcomes {
        let label = format!(
            "{}: witness {} of {:?} {:?}",
            sc.name,
            names(sc, &o.witness),
            o.status,
            o.balances
        );
        let report = run::run(
            sc,
            &PolicyChoice::Scripted {
                schedule: o.witness.clone(),
            },
        );
        let end = &report.summary.outcome;
        assert!(
            !report.summary.outcome.status.is_usage_error(),
            "{label}: policy error {:?}",
            end.status
        );
        assert_eq!(
            end.status.name(),
            o.status.name(),
            "{label}: status {:?}",
            end.status
        );
        if let (Status::Error(replayed), Status::Error(explored)) = (&end.status, &o.status) {
            // The same fault of the same thread, at the witness's last step.
            assert_eq!(replayed, explored, "{label}");
            assert_eq!(replayed.step, o.witness.len() as u64, "{label}: the failing step");
        }
        assert_eq!(end.balances, o.balances, "{label}: balances");
        assert_eq!(report.schedule, o.witness, "{label}: the steps taken");
        let (_, preemptions) = replay_prefix(sc, &o.witness);
        assert_eq!(preemptions, o.preemptions, "{label}: preemptions");
    }
}

pub fn outcome<'x>(x: &'x Exploration, balances: &[i64]) -> &'x explore::ExploredOutcome {
    x.outcomes
        .iter()
        .find(|o| o.status == Status::Ok && o.balances == balances)
        .unwrap_or_else(|| panic!("no ok outcome with balances {balances:?}"))
}
