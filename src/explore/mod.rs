//! explore: every interleaving of a scenario, exactly — reachable outcomes, the number of
//! complete schedules reaching each, the probability of each under the `random` policy, and a
//! replayable witness schedule with the fewest preemptions.
//!
//! Every step advances one thread, so the state graph is a DAG levelled by the number of steps
//! taken. A forward pass over the levels carries path counts and probabilities; only the current
//! and the next level keep their (compact, byte-encoded: `codec`) states. What survives a level
//! is a small witness table (`level`): for each state and each "last thread", the fewest
//! preemptions of a path that reaches it and the predecessor on that path. States are memoized
//! with time taken relative to now, so the work grows with distinct states, not with schedules.
//! The successor function is the engine's own `step`.

mod codec;
mod count;
mod graph;
mod intern;
mod level;
mod prob;
mod serial;

use std::collections::BTreeMap;

use num_bigint::BigUint;

pub use codec::Codec;
use codec::{ENDED_DEADLOCK, ENDED_OK, LIVE};
use count::Count;
use level::{Level, Witness};
pub use serial::serial_outcomes;

use crate::analysis::RaceKinds;
use crate::engine::{End, Layout, Settled, State};
use crate::expect::{Check, ExploreVerdicts, holds};
use crate::outcome::{EndState, ErrorKind, OutcomeKey, RunError, Status};
use crate::scenario::{Scenario, ThreadId};
use prob::Prob;

/// The most states explored by default.
pub const DEFAULT_MAX_STATES: u64 = 20_000_000;

/// The memory explore may use by default when the caller knows nothing of the machine (the
/// command line uses half of its memory).
pub const DEFAULT_MAX_MEMORY: u64 = 4 << 30;

/// How far explore may go: distinct states and bytes of its own tables, both checked as states
/// are found (inside a level, not after it), like SPIN's MEMLIM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_states: u64,
    pub max_memory: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_states: DEFAULT_MAX_STATES,
            max_memory: DEFAULT_MAX_MEMORY,
        }
    }
}

/// The default `--max-states`.
pub fn default_max_states(_scenario: &Scenario) -> u64 {
    DEFAULT_MAX_STATES
}

/// An outcome that some interleaving reaches.
#[derive(Debug, Clone, PartialEq)]
pub struct ExploredOutcome {
    /// How the runs end; an error names the failing step of the witness.
    pub status: Status,
    pub balances: Vec<i64>,
    /// Every queue's contents at the end, front first.
    pub queues: Vec<Vec<i64>>,
    /// Complete interleavings ending here.
    pub schedules: Schedules,
    /// The chance of this outcome under the `random` policy.
    pub probability: f64,
    /// A schedule that `run --schedule` replays to this outcome, with the fewest preemptions.
    pub witness: Vec<ThreadId>,
    pub preemptions: u32,
    /// Reachable when the transactions run one at a time, in some order (no race needed).
    pub serial: bool,
    /// The races the witness run shows (see `analysis`).
    pub races: RaceKinds,
    /// A livelock's way round: after `witness` and `stem`, `cycle` leads back to where it
    /// started, forever.
    pub lasso: Option<Lasso>,
}

/// How many schedules reach an outcome: a number, or infinitely many when a cycle of the
/// state graph can reach it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Schedules {
    Finite(BigUint),
    Infinite,
}

impl Schedules {
    /// The number, unless it is infinite.
    pub fn finite(&self) -> Option<&BigUint> {
        match self {
            Schedules::Finite(n) => Some(n),
            Schedules::Infinite => None,
        }
    }

    pub fn is_one(&self) -> bool {
        *self == Schedules::Finite(BigUint::from(1u8))
    }
}

impl std::fmt::Display for Schedules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Schedules::Finite(n) => write!(f, "{n}"),
            Schedules::Infinite => f.write_str("infinite"),
        }
    }
}

impl std::ops::AddAssign<&Schedules> for Schedules {
    fn add_assign(&mut self, other: &Schedules) {
        match (&mut *self, other) {
            (Schedules::Finite(a), Schedules::Finite(b)) => *a += b,
            _ => *self = Schedules::Infinite,
        }
    }
}

/// A livelock's repetition: `stem` (possibly empty) from the first point of no return to a
/// state on a cycle, and `cycle` (not empty) from that state back to itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lasso {
    pub stem: Vec<ThreadId>,
    pub cycle: Vec<ThreadId>,
}

/// An `always` or `at_end` condition that fails somewhere, with the shortest schedule to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub check: Check,
    pub schedule: Vec<ThreadId>,
    pub balances: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct Exploration {
    /// Distinct states visited (scheduling points and end states).
    pub states: u64,
    /// Complete interleavings.
    pub schedules: Schedules,
    /// Sorted by probability (highest first), then by outcome.
    pub outcomes: Vec<ExploredOutcome>,
    /// At most one per condition, in the order of `[expect]`.
    pub violations: Vec<Violation>,
    /// What the transactions give when run one at a time (see [`serial_outcomes`]), reachable
    /// or not: status, balances and queues.
    pub serial: Vec<(Status, Vec<i64>, Vec<Vec<i64>>)>,
    /// `[expect]` judged over every interleaving.
    pub verdicts: ExploreVerdicts,
}

impl Exploration {
    /// Whether every interleaving ends the same way.
    pub fn race_free(&self) -> bool {
        self.outcomes.len() == 1
    }
}

/// explore stopped at one of its [`Limits`], having found `states` distinct states in about
/// `bytes` of tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooManyStates {
    pub limit: Limit,
    pub states: u64,
    pub bytes: u64,
    /// Steps explored when the limit was hit, and the most any run can take.
    pub depth: u64,
    pub max_depth: u64,
}

/// Which limit stopped explore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    States(u64),
    Memory(u64),
}

/// Explores every interleaving of `scenario`, up to `max_states` distinct states (and the
/// default memory limit).
pub fn explore(scenario: &Scenario, max_states: u64) -> Result<Exploration, TooManyStates> {
    explore_within(
        scenario,
        &Limits {
            max_states,
            ..Limits::default()
        },
    )
}

/// Explores every interleaving of `scenario` within `limits`.
pub fn explore_within(scenario: &Scenario, limits: &Limits) -> Result<Exploration, TooManyStates> {
    explore_as(scenario, limits, scenario.has_loops())
}

/// Explores with the explorer for graphs that may have cycles (`graph`) or the level-by-level
/// one; `racesim` picks by whether the scenario has a `while`. Both give the same answer on an
/// acyclic graph (the tests compare them).
#[doc(hidden)]
pub fn explore_as(scenario: &Scenario, limits: &Limits, cyclic: bool) -> Result<Exploration, TooManyStates> {
    if cyclic {
        return graph::explore_graph(scenario, limits).map(|found| assemble(scenario, found));
    }
    // Counts fit in u128 for most scenarios; fall back to big integers only when they do not.
    match Explorer::<u128>::new(scenario, *limits).run() {
        Ok(x) => Ok(assemble(scenario, x)),
        Err(Abort::Limit(e)) => Err(e),
        Err(Abort::Overflow) => match Explorer::<BigUint>::new(scenario, *limits).run() {
            Ok(x) => Ok(assemble(scenario, x)),
            Err(Abort::Limit(e)) => Err(e),
            Err(Abort::Overflow) => unreachable!("big integers do not overflow"),
        },
    }
}

enum Abort {
    Limit(TooManyStates),
    Overflow,
}

/// Where a witness path ends: (level, state index, last-thread slot), plus an optional final
/// step that did not produce a stored state (a fault).
#[derive(Clone, Copy)]
struct PathEnd {
    level: usize,
    state: usize,
    slot: usize,
    extra: Option<ThreadId>,
}

struct OutcomeAcc<C> {
    count: C,
    probability: Prob,
    best: (u64, PathEnd),
}

struct Explorer<'s, C> {
    scenario: &'s Scenario,
    codec: Codec<'s>,
    limits: Limits,
    /// New states between two checks of the memory limit: often enough that the witness links
    /// of the states found in between stay under about 128 KiB.
    check_every: u64,
    threads: usize,
    /// Witness slots per state: one per thread as the last to run, plus "none" (initial state).
    slots: usize,
    outcomes: BTreeMap<EndState, OutcomeAcc<C>>,
    violations: Vec<Option<(PathEnd, Vec<i64>)>>,
    witness_levels: Vec<Vec<u64>>,
    /// The bytes `witness_levels` holds.
    kept_bytes: usize,
}

impl<'s, C: Count> Explorer<'s, C> {
    fn new(scenario: &'s Scenario, limits: Limits) -> Self {
        let threads = scenario.transactions.len();
        let conditions = scenario.expect.always.len() + scenario.expect.at_end.len();
        Explorer {
            scenario,
            codec: Codec::new(scenario),
            limits,
            check_every: ((1 << 14) / (threads as u64 + 1)).clamp(1, 256),
            kept_bytes: 0,
            threads,
            slots: threads + 1,
            outcomes: BTreeMap::new(),
            violations: vec![None; conditions],
            witness_levels: Vec::new(),
        }
    }

    fn run(mut self) -> Result<Found, Abort> {
        let sc = self.scenario;
        let layout = Layout::new(sc);
        let mut scratch = State::initial(sc, &layout);
        let mut work = scratch.clone();
        let mut key = Vec::with_capacity(64);
        let mut ready = Vec::with_capacity(self.threads);
        let none = self.threads;

        let root = PathEnd {
            level: 0,
            state: 0,
            slot: none,
            extra: None,
        };
        self.check_always(&scratch, root);
        let tag = tag_of(scratch.settle(sc, &layout));
        let mut current = Level::<C>::new();
        let mut spare = Level::<C>::new();
        self.codec.encode(&scratch, tag, &mut key);
        current.intern(&key, self.slots);
        current.counts.push(C::one());
        current.probabilities.push(Prob::ONE);
        current.witness[none] = Witness::pack(0, none, 0);
        let mut states = 1u64;
        let mut level = 0usize;

        while current.len() > 0 {
            let mut next = std::mem::replace(&mut spare, Level::new());
            next.clear();
            for i in 0..current.len() {
                let tag = self.codec.decode(current.key(i), &mut scratch);
                scratch.steps = level as u64;
                let slots = &current.witness[i * self.slots..(i + 1) * self.slots];
                if tag != LIVE {
                    let (cost, slot) = best_slot(slots);
                    let end = PathEnd {
                        level,
                        state: i,
                        slot,
                        extra: None,
                    };
                    let status = if tag == ENDED_OK {
                        OutcomeKey::Ok
                    } else {
                        OutcomeKey::Deadlock
                    };
                    self.check_at_end(&scratch, end);
                    self.add_outcome(
                        status,
                        &scratch,
                        &current.counts[i],
                        current.probabilities[i],
                        cost,
                        end,
                    )?;
                    continue;
                }
                ready.clear();
                scratch.ready_threads(sc, &layout, &mut ready);
                let share = current.probabilities[i].div(ready.len());
                for &t in &ready {
                    // Fewest preemptions of a path through state i that runs t next.
                    let mut best = (u64::MAX, none);
                    for (p, &w) in slots.iter().enumerate() {
                        if w == Witness::NONE {
                            continue;
                        }
                        let preempts = p != none && p != t && ready.contains(&p);
                        let cost = Witness::cost(w) + u64::from(preempts);
                        if cost < best.0 {
                            best = (cost, p);
                        }
                    }
                    work.clone_from(&scratch);
                    if let Err(fault) = work.step(sc, &layout, t, &mut ()) {
                        let end = PathEnd {
                            level,
                            state: i,
                            slot: best.1,
                            extra: Some(t),
                        };
                        self.check_at_end(&scratch, end);
                        let status = OutcomeKey::Error {
                            thread: Some(t),
                            kind: ErrorKind::Fault(fault),
                        };
                        self.add_outcome(status, &scratch, &current.counts[i], share, best.0, end)?;
                        continue;
                    }
                    let tag = tag_of(work.settle(sc, &layout));
                    key.clear();
                    self.codec.encode(&work, tag, &mut key);
                    let before = next.len();
                    let j = next.intern(&key, self.slots);
                    if j == before {
                        next.counts.push(current.counts[i].clone());
                        next.probabilities.push(share);
                        states += 1;
                        // Checked as states are found, so that one wide level cannot overshoot;
                        // bytes every few states (and every state when states are large).
                        if states > self.limits.max_states
                            || (states.is_multiple_of(self.check_every)
                                && self.bytes(&current, &next, &spare) > self.limits.max_memory)
                        {
                            return Err(self.stopped(states, level as u64 + 1, &current, &next, &spare));
                        }
                    } else {
                        if !next.counts[j].add(&current.counts[i]) {
                            return Err(Abort::Overflow);
                        }
                        next.probabilities[j] = next.probabilities[j].add(share);
                    }
                    let w = &mut next.witness[j * self.slots + t];
                    if *w == Witness::NONE || best.0 < Witness::cost(*w) {
                        *w = Witness::pack(best.0, best.1, i);
                    }
                    // Every path to a state has the same length, so the first is a shortest.
                    if j == before && !sc.expect.always.is_empty() {
                        let end = PathEnd {
                            level: level + 1,
                            state: j,
                            slot: t,
                            extra: None,
                        };
                        self.check_always(&work, end);
                    }
                }
            }
            if self.bytes(&current, &next, &spare) > self.limits.max_memory {
                return Err(self.stopped(states, level as u64 + 1, &current, &next, &spare));
            }
            self.kept_bytes += current.witness.capacity() * 8;
            self.witness_levels.push(std::mem::take(&mut current.witness));
            // The finished level's buffers hold the level after next: no regrowing from empty.
            spare = std::mem::replace(&mut current, next);
            level += 1;
        }
        self.witness_levels.push(current.witness);
        Ok(self.finish(states))
    }

    /// The bytes explore's tables hold: the witness links of every level so far, and the
    /// levels being read, written and kept for reuse.
    fn bytes(&self, current: &Level<C>, next: &Level<C>, spare: &Level<C>) -> u64 {
        (self.kept_bytes + current.bytes() + next.bytes() + spare.bytes()) as u64
    }

    fn stopped(
        &self,
        states: u64,
        depth: u64,
        current: &Level<C>,
        next: &Level<C>,
        spare: &Level<C>,
    ) -> Abort {
        let bytes = self.bytes(current, next, spare);
        Abort::Limit(TooManyStates {
            limit: if states > self.limits.max_states {
                Limit::States(self.limits.max_states)
            } else {
                Limit::Memory(self.limits.max_memory)
            },
            states,
            bytes,
            depth,
            max_depth: self.scenario.step_bound(),
        })
    }

    fn check_always(&mut self, state: &State, end: PathEnd) {
        check_conditions(self.scenario, state, true, &mut self.violations, end);
    }

    fn check_at_end(&mut self, state: &State, end: PathEnd) {
        check_conditions(self.scenario, state, false, &mut self.violations, end);
    }

    fn add_outcome(
        &mut self,
        status: OutcomeKey,
        state: &State,
        count: &C,
        probability: Prob,
        cost: u64,
        end: PathEnd,
    ) -> Result<(), Abort> {
        let key = EndState::of(status, state);
        match self.outcomes.get_mut(&key) {
            Some(acc) => {
                if !acc.count.add(count) {
                    return Err(Abort::Overflow);
                }
                acc.probability = acc.probability.add(probability);
                if cost < acc.best.0 {
                    acc.best = (cost, end);
                }
            }
            None => {
                self.outcomes.insert(
                    key,
                    OutcomeAcc {
                        count: count.clone(),
                        probability,
                        best: (cost, end),
                    },
                );
            }
        }
        Ok(())
    }

    /// The schedule of the path ending at `end`, following predecessor links back to the root.
    fn path(&self, end: PathEnd) -> Vec<ThreadId> {
        let mut out = Vec::with_capacity(end.level + 1);
        if let Some(t) = end.extra {
            out.push(t);
        }
        let (mut level, mut state, mut slot) = (end.level, end.state, end.slot);
        while level > 0 {
            out.push(slot);
            let w = self.witness_levels[level][state * self.slots + slot];
            state = Witness::parent(w);
            slot = Witness::parent_last(w);
            level -= 1;
        }
        out.reverse();
        out
    }

    fn finish(self, states: u64) -> Found {
        let outcomes = self
            .outcomes
            .iter()
            .map(|(end, acc)| {
                let count = Schedules::Finite(acc.count.big());
                let witness = self.path(acc.best.1);
                (end.clone(), count, acc.probability, witness, acc.best.0, None)
            })
            .collect();
        let violations = self
            .violations
            .iter()
            .map(|v| v.as_ref().map(|(end, b)| (self.path(*end), b.clone())))
            .collect();
        Found {
            states,
            outcomes,
            violations,
        }
    }
}

/// What an explorer found, before it is sorted, analysed and judged: per outcome its end
/// state, schedules, probability, witness, preemptions and lasso; per `[expect]` condition
/// (`always`, then `at_end`) the schedule and balances where it first failed.
struct Found {
    states: u64,
    outcomes: Vec<FoundOutcome>,
    violations: Vec<Option<(Vec<ThreadId>, Vec<i64>)>>,
}

type FoundOutcome = (EndState, Schedules, Prob, Vec<ThreadId>, u64, Option<Lasso>);

/// Records, for each `[expect]` condition of the kind checked here (`always` in every state,
/// else `at_end` where a run ends) that fails in `state` for the first time, where.
fn check_conditions<M: Copy>(
    sc: &Scenario,
    state: &State,
    always: bool,
    violations: &mut [Option<(M, Vec<i64>)>],
    mark: M,
) {
    let env = state.shared_env();
    let (conditions, offset) = if always {
        (&sc.expect.always, 0)
    } else {
        (&sc.expect.at_end, sc.expect.always.len())
    };
    for (i, cond) in conditions.iter().enumerate() {
        if violations[offset + i].is_none() && !holds(cond, &env) {
            violations[offset + i] = Some((mark, state.balances.clone()));
        }
    }
}

/// The exploration from what an explorer found: outcomes sorted by probability (highest
/// first, then by outcome), their races, the serial outcomes and the verdicts.
fn assemble(sc: &Scenario, found: Found) -> Exploration {
    let serial = serial_outcomes(sc);
    let mut schedules = Schedules::Finite(BigUint::from(0u8));
    let mut outcomes: Vec<(OutcomeKey, ExploredOutcome)> = found
        .outcomes
        .into_iter()
        .map(|(end, count, probability, witness, cost, lasso)| {
            schedules += &count;
            let outcome = ExploredOutcome {
                serial: serial.contains(&end),
                status: status_of(&end.key, witness.len() as u64),
                balances: end.balances,
                queues: end.queues,
                schedules: count,
                probability: probability.to_f64(),
                witness,
                preemptions: cost as u32,
                races: RaceKinds::default(),
                lasso,
            };
            (end.key, outcome)
        })
        .collect();
    outcomes.sort_by(|(ka, a), (kb, b)| {
        b.probability
            .total_cmp(&a.probability)
            .then_with(|| (ka, &a.balances, &a.queues).cmp(&(kb, &b.balances, &b.queues)))
    });
    let mut outcomes: Vec<ExploredOutcome> = outcomes.into_iter().map(|(_, o)| o).collect();
    for o in &mut outcomes {
        o.races = crate::analysis::witness_races(sc, &o.witness);
    }
    let always = sc.expect.always.len();
    let violations = found
        .violations
        .into_iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let (schedule, balances) = v?;
            Some(Violation {
                check: if i < always {
                    Check::Always(i)
                } else {
                    Check::AtEnd(i - always)
                },
                schedule,
                balances,
            })
        })
        .collect();
    let mut x = Exploration {
        states: found.states,
        schedules,
        outcomes,
        violations,
        serial: serial
            .into_iter()
            .map(|end| (status_of(&end.key, 0), end.balances, end.queues))
            .collect(),
        verdicts: ExploreVerdicts::default(),
    };
    x.verdicts = crate::expect::judge_exploration(sc, &x);
    x
}

/// An outcome's status, with an error placed at `step` (the last step of its witness).
fn status_of(key: &OutcomeKey, step: u64) -> Status {
    match key {
        OutcomeKey::Ok => Status::Ok,
        OutcomeKey::Deadlock => Status::Deadlock,
        OutcomeKey::Limit => Status::Limit { steps: step },
        OutcomeKey::Livelock => Status::Livelock,
        OutcomeKey::Error { thread, kind } => Status::Error(RunError {
            step,
            thread: *thread,
            kind: kind.clone(),
        }),
    }
}

/// The codec tag of a settled state.
fn tag_of(settled: Settled) -> u8 {
    match settled {
        Settled::Ready => LIVE,
        Settled::Ended(End::Ok) => ENDED_OK,
        Settled::Ended(End::Deadlock) => ENDED_DEADLOCK,
    }
}

fn best_slot(slots: &[u64]) -> (u64, usize) {
    slots
        .iter()
        .enumerate()
        .filter(|(_, w)| **w != Witness::NONE)
        .map(|(s, w)| (Witness::cost(*w), s))
        .min()
        .unwrap_or((0, slots.len() - 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse;

    fn lesson(delay: u32) -> Scenario {
        parse(
            "t.toml",
            &format!(
                r#"
                [[accounts]]
                name = "account"
                balance = 100
                [[transactions]]
                name = "deposit"
                kind = "update"
                account = "account"
                amount = 50
                delay = {delay}
                [[transactions]]
                name = "withdrawal"
                kind = "update"
                account = "account"
                amount = -150
                delay = {delay}
                "#
            ),
        )
        .unwrap()
    }

    fn summary(x: &Exploration) -> Vec<(String, Vec<i64>, String)> {
        x.outcomes
            .iter()
            .map(|o| {
                (
                    o.status.name().to_string(),
                    o.balances.clone(),
                    o.schedules.to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn the_lesson_without_delay_has_three_outcomes() {
        let x = explore(&lesson(0), 1000).unwrap();
        // Five steps each: C(10,5) = 252 interleavings.
        assert_eq!(x.schedules.to_string(), "252");
        // Counted and weighed independently by brute force over the 252 schedules.
        let expected: Vec<(String, Vec<i64>, String)> = vec![
            ("ok".into(), vec![0], "52".into()),
            ("ok".into(), vec![-50], "100".into()),
            ("ok".into(), vec![150], "100".into()),
        ];
        assert_eq!(summary(&x), expected);
        let probabilities: Vec<f64> = x.outcomes.iter().map(|o| o.probability).collect();
        assert_eq!(probabilities, [0.375, 0.3125, 0.3125]);
        assert!(x.outcomes.iter().all(|o| o.serial == (o.balances == [0])));
    }

    #[test]
    fn the_lesson_with_delay_always_loses_an_update() {
        let x = explore(&lesson(1), 1000).unwrap();
        let mut balances: Vec<i64> = x.outcomes.iter().map(|o| o.balances[0]).collect();
        balances.sort_unstable();
        assert_eq!(balances, [-50, 150]);
    }

    #[test]
    fn codec_round_trips() {
        let sc = lesson(2);
        let layout = Layout::new(&sc);
        let codec = Codec::new(&sc);
        let mut st = State::initial(&sc, &layout);
        let mut buf = Vec::new();
        let mut back = st.clone();
        for t in [0, 0, 1, 0, 0] {
            st.settle(&sc, &layout);
            if st.is_ready(&sc, &layout, t) {
                st.step(&sc, &layout, t, &mut ()).unwrap();
            }
            buf.clear();
            codec.encode(&st, LIVE, &mut buf);
            codec.decode(&buf, &mut back);
            let mut again = Vec::new();
            codec.encode(&back, LIVE, &mut again);
            assert_eq!(buf, again);
            assert_eq!(back.balances, st.balances);
        }
    }

    #[test]
    fn locals_are_live_only_until_overwritten() {
        let sc = parse(
            "t.toml",
            r#"
            [[accounts]]
            name = "c"
            [[transactions]]
            name = "t"
            repeat = 2
            steps = [
              { read = "c", into = "x" },
              { set = "y", value = "x + 1" },
              { write = "c", value = "y" },
              { require = "x > 0" },
            ]
            "#,
        )
        .unwrap();
        // Locals in order of assignment: x, y. Step 0 overwrites x; y is read only at step 2.
        let live = &sc.transactions[0].live;
        let at = |pc: usize| (live[pc * 2], live[pc * 2 + 1]);
        assert_eq!(
            [at(0), at(1), at(2), at(3)],
            [(false, false), (true, false), (true, true), (true, false)]
        );
    }

    #[test]
    fn the_memory_limit_stops_inside_a_level() {
        // 200 threads of one step each: level 1 alone has 200 states of 201 witness slots.
        let mut many = lesson(0);
        many.transactions = vec![many.transactions[0].clone(); 200];
        many.workers = 200;
        for (i, t) in many.transactions.iter_mut().enumerate() {
            t.name = format!("t{i}");
        }
        let limits = Limits {
            max_states: u64::MAX,
            max_memory: 64 << 10,
        };
        let e = explore_within(&many, &limits).unwrap_err();
        assert_eq!(e.limit, Limit::Memory(64 << 10));
        assert_eq!(e.depth, 1, "stopped while building level 1: {e:?}");
        assert!(e.states < 200, "{e:?}");
    }

    #[test]
    fn the_limit_stops_cleanly() {
        let e = explore(&lesson(0), 10).unwrap_err();
        assert_eq!(e.limit, Limit::States(10));
        assert!(e.states > 10);
    }
}
