//! explore: every interleaving of a scenario, exactly — reachable outcomes, the number of
//! complete schedules reaching each, the probability of each under the `random` policy, and a
//! replayable witness schedule with the fewest preemptions.
//!
//! Every step advances one thread, so the state graph is a DAG levelled by the number of steps
//! taken. A forward pass over the levels carries path counts and probabilities; only the current
//! and the next level keep their (compact, byte-encoded) states. What survives a level is a small
//! witness table: for each state and each "last thread", the fewest preemptions of a path that
//! reaches it and the predecessor on that path. States are memoized with time taken relative to
//! now, so the work grows with distinct states, not with schedules. The successor function is the
//! engine's own `step`.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hasher;

use hashbrown::HashTable;
use num_bigint::BigUint;

use crate::engine::{Layout, Phase, Settled, State, Status, ThreadState};
use crate::run::holds;
use crate::scenario::{ExpectedOutcome, Scenario, ThreadId};

/// The most states explored by default, for scenarios with few threads.
pub const DEFAULT_MAX_STATES: u64 = 20_000_000;

/// Memory that the default limit keeps explore under: the witness table grows with every state
/// (and with the thread count), the two live levels with their keys.
const DEFAULT_MEMORY: u64 = 2 << 30;

/// The default `--max-states` for `scenario`: [`DEFAULT_MAX_STATES`], lowered so that the
/// states fit in about 2 GiB at the scenario's per-state cost (the witness table keeps
/// (threads + 1) × 8 bytes per state; keys, counts and hashes take about 64 more while a state
/// is in a live level).
pub fn default_max_states(scenario: &Scenario) -> u64 {
    let per_state = (scenario.transactions.len() as u64 + 1) * 8 + 64;
    DEFAULT_MAX_STATES.min(DEFAULT_MEMORY / per_state)
}

/// An outcome that some interleaving reaches.
#[derive(Debug, Clone, PartialEq)]
pub struct ExploredOutcome {
    pub status: Status,
    pub balances: Vec<i64>,
    /// Complete interleavings ending here.
    pub schedules: BigUint,
    /// The chance of this outcome under the `random` policy.
    pub probability: f64,
    /// A schedule that `run --schedule` replays to this outcome, with the fewest preemptions.
    pub witness: Vec<ThreadId>,
    pub preemptions: u32,
    /// Reachable when the transactions run one at a time, in some order (no race needed).
    pub serial: bool,
}

/// An `always` or `at_end` condition that fails somewhere, with the shortest schedule to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub condition: Condition,
    pub schedule: Vec<ThreadId>,
    pub balances: Vec<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Always(usize),
    AtEnd(usize),
}

#[derive(Debug, Clone)]
pub struct Exploration {
    /// Distinct states visited (scheduling points and end states).
    pub states: u64,
    /// Complete interleavings.
    pub schedules: BigUint,
    /// Sorted by probability (highest first), then by outcome.
    pub outcomes: Vec<ExploredOutcome>,
    /// At most one per condition, in the order of `[expect]`.
    pub violations: Vec<Violation>,
    /// What the transactions give when run one at a time (see [`serial_outcomes`]), reachable
    /// or not.
    pub serial: Vec<(Status, Vec<i64>)>,
}

/// `--max-states` was exceeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooManyStates {
    pub limit: u64,
    pub states: u64,
    /// Steps explored when the limit was hit, and the most any run can take.
    pub depth: u64,
    pub max_depth: u64,
}

impl std::fmt::Display for TooManyStates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "explore stopped at the state limit of {} (--max-states): {} distinct states after exploring {} of at most {} steps",
            self.limit, self.states, self.depth, self.max_depth
        )
    }
}

impl Exploration {
    /// Expected outcomes that no interleaving reaches, and reached outcomes not expected.
    pub fn outcome_mismatch(
        &self,
        expected: &[ExpectedOutcome],
    ) -> (Vec<ExpectedOutcome>, Vec<&ExploredOutcome>) {
        let matches = |e: &ExpectedOutcome, o: &ExploredOutcome| match (e, &o.status) {
            (ExpectedOutcome::Ok(b), Status::Ok) => *b == o.balances,
            (ExpectedOutcome::Deadlock, Status::Deadlock) => true,
            (ExpectedOutcome::Error, Status::Error(_)) => true,
            _ => false,
        };
        let missing = expected
            .iter()
            .filter(|e| !self.outcomes.iter().any(|o| matches(e, o)))
            .cloned()
            .collect();
        let unexpected = self
            .outcomes
            .iter()
            .filter(|o| !expected.iter().any(|e| matches(e, o)))
            .collect();
        (missing, unexpected)
    }

    /// `final` holds when every reachable outcome is ok with exactly those balances.
    pub fn final_holds(&self, balances: &[i64]) -> bool {
        self.outcomes
            .iter()
            .all(|o| o.status == Status::Ok && o.balances == balances)
    }
}

/// Explores every interleaving of `scenario`, up to `max_states` distinct states.
pub fn explore(scenario: &Scenario, max_states: u64) -> Result<Exploration, TooManyStates> {
    // Counts fit in u128 for most scenarios; fall back to big integers only when they do not.
    match Explorer::<u128>::new(scenario, max_states).run() {
        Ok(x) => Ok(x),
        Err(Abort::Limit(e)) => Err(e),
        Err(Abort::Overflow) => match Explorer::<BigUint>::new(scenario, max_states).run() {
            Ok(x) => Ok(x),
            Err(Abort::Limit(e)) => Err(e),
            Err(Abort::Overflow) => unreachable!("big integers do not overflow"),
        },
    }
}

enum Abort {
    Limit(TooManyStates),
    Overflow,
}

/// A path count: u128 on the fast path, `BigUint` when that overflows.
trait Count: Clone {
    fn one() -> Self;
    /// `false` on overflow.
    fn add(&mut self, other: &Self) -> bool;
    fn big(&self) -> BigUint;
}

impl Count for u128 {
    fn one() -> Self {
        1
    }
    #[inline]
    fn add(&mut self, other: &Self) -> bool {
        match self.checked_add(*other) {
            Some(v) => {
                *self = v;
                true
            }
            None => false,
        }
    }
    fn big(&self) -> BigUint {
        BigUint::from(*self)
    }
}

impl Count for BigUint {
    fn one() -> Self {
        BigUint::from(1u8)
    }
    fn add(&mut self, other: &Self) -> bool {
        *self += other;
        true
    }
    fn big(&self) -> BigUint {
        self.clone()
    }
}

/// Tags of encoded states: a scheduling point, or how the run ended there.
const LIVE: u8 = 0;
const ENDED_OK: u8 = 1;
const ENDED_DEADLOCK: u8 = 2;

/// Encodes states as short byte strings: varints, time relative to now, and only the locals
/// that can still be read (not those of threads that are not running, nor dead ones: a local
/// that every path overwrites before reading it). States that differ only in what can never
/// matter are one state, which keeps counts exact and the graph small.
pub struct Codec<'s> {
    scenario: &'s Scenario,
    layout: Layout,
    /// `live[t][pc * locals + slot]`: thread t's local `slot` may be read at or after step pc.
    live: Vec<Vec<bool>>,
}

/// Backward liveness over a transaction's steps, with the edge from the last step back to the
/// first when it repeats (a declined `require` only ends paths, so it adds no reads).
fn live_locals(tx: &crate::scenario::Transaction) -> Vec<bool> {
    use crate::scenario::Op;
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

#[inline]
fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
fn take(bytes: &[u8], at: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = bytes[*at];
        *at += 1;
        v |= ((b & 0x7f) as u64) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

#[inline]
fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

#[inline]
fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

impl<'s> Codec<'s> {
    pub fn new(scenario: &'s Scenario) -> Codec<'s> {
        Codec {
            scenario,
            layout: Layout::new(scenario),
            live: scenario.transactions.iter().map(live_locals).collect(),
        }
    }

    pub fn encode(&self, st: &State, tag: u8, out: &mut Vec<u8>) {
        out.push(tag);
        for &b in &st.balances {
            put(out, zigzag(b));
        }
        for &h in &st.holders {
            put(out, h.wrapping_add(1) as u64);
        }
        for (t, th) in st.threads.iter().enumerate() {
            match th.phase {
                Phase::Pending => out.push(0),
                Phase::Finished => out.push(1),
                Phase::Running => {
                    // pc first, offset by 2 so it never collides with the two markers above.
                    put(out, th.pc as u64 + 2);
                    if self.scenario.transactions[t].repeat > 1 {
                        put(out, th.iteration as u64);
                    }
                    put(out, th.ready_at.saturating_sub(st.now));
                    let n = self.scenario.transactions[t].locals.len();
                    let base = self.layout.local_base[t];
                    let live = &self.live[t][th.pc as usize * n..(th.pc as usize + 1) * n];
                    for (&v, _) in st.locals[base..base + n].iter().zip(live).filter(|(_, l)| **l) {
                        put(out, zigzag(v));
                    }
                }
            }
        }
    }

    /// Decodes into `st` (whose vectors already have the right lengths); returns the tag.
    pub fn decode(&self, bytes: &[u8], st: &mut State) -> u8 {
        let mut at = 1;
        st.now = 0;
        for b in st.balances.iter_mut() {
            *b = unzigzag(take(bytes, &mut at));
        }
        for h in st.holders.iter_mut() {
            *h = (take(bytes, &mut at) as u32).wrapping_sub(1);
        }
        let mut started = 0;
        for t in 0..st.threads.len() {
            let head = take(bytes, &mut at);
            let tx = &self.scenario.transactions[t];
            let base = self.layout.local_base[t];
            let locals = &mut st.locals[base..base + tx.locals.len()];
            st.threads[t] = match head {
                0 => {
                    locals.fill(0);
                    ThreadState {
                        phase: Phase::Pending,
                        pc: 0,
                        iteration: 0,
                        ready_at: 0,
                        worker: u32::MAX,
                    }
                }
                1 => {
                    started += 1;
                    locals.fill(0);
                    ThreadState {
                        phase: Phase::Finished,
                        pc: 0,
                        iteration: tx.repeat,
                        ready_at: 0,
                        worker: 0,
                    }
                }
                pc => {
                    started += 1;
                    let iteration = if tx.repeat > 1 {
                        take(bytes, &mut at) as u32
                    } else {
                        0
                    };
                    let ready_at = take(bytes, &mut at);
                    let pc = (pc - 2) as usize;
                    let n = tx.locals.len();
                    for (v, &live) in locals.iter_mut().zip(&self.live[t][pc * n..(pc + 1) * n]) {
                        // A dead local is overwritten before any read: 0 stands for every value.
                        *v = if live { unzigzag(take(bytes, &mut at)) } else { 0 };
                    }
                    ThreadState {
                        phase: Phase::Running,
                        pc: pc as u32,
                        iteration,
                        ready_at,
                        worker: 0,
                    }
                }
            };
        }
        st.next_pending = started;
        bytes[0]
    }
}

/// One level of the state DAG: states reached after the same number of steps.
struct Level<C> {
    arena: Vec<u8>,
    ends: Vec<u32>,
    hashes: Vec<u64>,
    table: HashTable<u32>,
    counts: Vec<C>,
    probabilities: Vec<f64>,
    /// `slots` entries per state (see `Witness`).
    witness: Vec<u64>,
}

impl<C: Count> Level<C> {
    fn new() -> Self {
        Level {
            arena: Vec::new(),
            ends: Vec::new(),
            hashes: Vec::new(),
            table: HashTable::new(),
            counts: Vec::new(),
            probabilities: Vec::new(),
            witness: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Empties the level, keeping its allocations.
    fn clear(&mut self) {
        self.arena.clear();
        self.ends.clear();
        self.hashes.clear();
        self.table.clear();
        self.counts.clear();
        self.probabilities.clear();
        self.witness.clear();
    }

    fn key(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.arena[start..self.ends[i] as usize]
    }

    /// The index of `key`, inserting it (with zero weight) if new.
    #[inline]
    fn intern(&mut self, key: &[u8], slots: usize) -> usize {
        let mut h = rustc_hash::FxHasher::default();
        h.write(key);
        let hash = h.finish();
        let Level {
            arena,
            ends,
            hashes,
            table,
            ..
        } = self;
        let found = table.find(hash, |&i| {
            let i = i as usize;
            let start = if i == 0 { 0 } else { ends[i - 1] as usize };
            &arena[start..ends[i] as usize] == key
        });
        if let Some(&i) = found {
            return i as usize;
        }
        let i = ends.len();
        arena.extend_from_slice(key);
        ends.push(arena.len() as u32);
        hashes.push(hash);
        let hashes_ref = &*hashes;
        table.insert_unique(hash, i as u32, |&j| hashes_ref[j as usize]);
        self.witness.extend(std::iter::repeat_n(Witness::NONE, slots));
        i
    }
}

/// Fewest preemptions to reach a (state, last thread) and the predecessor on such a path,
/// packed in a u64: cost (16 bits) | parent's last thread (16 bits) | parent index (32 bits).
struct Witness;

impl Witness {
    const NONE: u64 = u64::MAX;
    const MAX_COST: u64 = 0xFFFE;

    fn pack(cost: u64, parent_last: usize, parent: usize) -> u64 {
        (cost.min(Self::MAX_COST) << 48) | ((parent_last as u64) << 32) | parent as u64
    }
    fn cost(w: u64) -> u64 {
        w >> 48
    }
    fn parent_last(w: u64) -> usize {
        ((w >> 32) & 0xFFFF) as usize
    }
    fn parent(w: u64) -> usize {
        (w & 0xFFFF_FFFF) as usize
    }
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
    probability: f64,
    best: (u64, PathEnd),
}

struct Explorer<'s, C> {
    scenario: &'s Scenario,
    codec: Codec<'s>,
    max_states: u64,
    threads: usize,
    /// Witness slots per state: one per thread as the last to run, plus "none" (initial state).
    slots: usize,
    outcomes: BTreeMap<(Status, Vec<i64>), OutcomeAcc<C>>,
    violations: Vec<Option<(PathEnd, Vec<i64>)>>,
    witness_levels: Vec<Vec<u64>>,
}

impl<'s, C: Count> Explorer<'s, C> {
    fn new(scenario: &'s Scenario, max_states: u64) -> Self {
        let threads = scenario.transactions.len();
        let conditions = scenario.expect.always.len() + scenario.expect.at_end.len();
        Explorer {
            scenario,
            codec: Codec::new(scenario),
            max_states,
            threads,
            slots: threads + 1,
            outcomes: BTreeMap::new(),
            violations: vec![None; conditions],
            witness_levels: Vec::new(),
        }
    }

    fn run(mut self) -> Result<Exploration, Abort> {
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
        self.check_always(&scratch.balances, root);
        let tag = match scratch.settle(sc) {
            Settled::Ready => LIVE,
            Settled::Ended(Status::Ok) => ENDED_OK,
            Settled::Ended(_) => ENDED_DEADLOCK,
        };
        let mut current = Level::<C>::new();
        let mut spare = Level::<C>::new();
        self.codec.encode(&scratch, tag, &mut key);
        current.intern(&key, self.slots);
        current.counts.push(C::one());
        current.probabilities.push(1.0);
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
                        Status::Ok
                    } else {
                        Status::Deadlock
                    };
                    self.check_at_end(&scratch.balances, end);
                    self.add_outcome(
                        status,
                        &scratch.balances,
                        &current.counts[i],
                        current.probabilities[i],
                        cost,
                        end,
                    )?;
                    continue;
                }
                ready.clear();
                scratch.ready_threads(sc, &mut ready);
                let share = current.probabilities[i] / ready.len() as f64;
                for &t in &ready {
                    // Fewest preemptions of a path through state i that runs t next.
                    let mut best = (u64::MAX, none);
                    for (p, &w) in slots.iter().enumerate() {
                        if w == Witness::NONE {
                            continue;
                        }
                        let preempts = p != none && p != t && ready.contains(&p);
                        let cost = Witness::cost(w) + preempts as u64;
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
                        self.check_at_end(&scratch.balances, end);
                        let status = Status::Error(fault.describe(sc, t));
                        self.add_outcome(status, &scratch.balances, &current.counts[i], share, best.0, end)?;
                        continue;
                    }
                    let tag = match work.settle(sc) {
                        Settled::Ready => LIVE,
                        Settled::Ended(Status::Ok) => ENDED_OK,
                        Settled::Ended(_) => ENDED_DEADLOCK,
                    };
                    key.clear();
                    self.codec.encode(&work, tag, &mut key);
                    let before = next.len();
                    let j = next.intern(&key, self.slots);
                    if j == before {
                        next.counts.push(current.counts[i].clone());
                        next.probabilities.push(share);
                    } else {
                        if !next.counts[j].add(&current.counts[i]) {
                            return Err(Abort::Overflow);
                        }
                        next.probabilities[j] += share;
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
                        self.check_always(&work.balances, end);
                    }
                }
            }
            states += next.len() as u64;
            if states > self.max_states {
                return Err(Abort::Limit(TooManyStates {
                    limit: self.max_states,
                    states,
                    depth: level as u64 + 1,
                    max_depth: sc.max_steps(),
                }));
            }
            self.witness_levels.push(std::mem::take(&mut current.witness));
            // The finished level's buffers hold the level after next: no regrowing from empty.
            spare = std::mem::replace(&mut current, next);
            level += 1;
        }
        self.witness_levels.push(current.witness);
        Ok(self.finish(states))
    }

    fn check_always(&mut self, balances: &[i64], end: PathEnd) {
        for (i, cond) in self.scenario.expect.always.iter().enumerate() {
            if self.violations[i].is_none() && !holds(cond, balances) {
                self.violations[i] = Some((end, balances.to_vec()));
            }
        }
    }

    fn check_at_end(&mut self, balances: &[i64], end: PathEnd) {
        let offset = self.scenario.expect.always.len();
        for (i, cond) in self.scenario.expect.at_end.iter().enumerate() {
            if self.violations[offset + i].is_none() && !holds(cond, balances) {
                self.violations[offset + i] = Some((end, balances.to_vec()));
            }
        }
    }

    fn add_outcome(
        &mut self,
        status: Status,
        balances: &[i64],
        count: &C,
        probability: f64,
        cost: u64,
        end: PathEnd,
    ) -> Result<(), Abort> {
        match self.outcomes.get_mut(&(status.clone(), balances.to_vec())) {
            Some(acc) => {
                if !acc.count.add(count) {
                    return Err(Abort::Overflow);
                }
                acc.probability += probability;
                if cost < acc.best.0 {
                    acc.best = (cost, end);
                }
            }
            None => {
                self.outcomes.insert(
                    (status, balances.to_vec()),
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

    fn finish(self, states: u64) -> Exploration {
        let serial = serial_outcomes(self.scenario);
        let mut schedules = BigUint::from(0u8);
        let mut outcomes: Vec<ExploredOutcome> = self
            .outcomes
            .iter()
            .map(|((status, balances), acc)| {
                let count = acc.count.big();
                schedules += &count;
                ExploredOutcome {
                    serial: serial.contains(&(status.clone(), balances.clone())),
                    status: status.clone(),
                    balances: balances.clone(),
                    schedules: count,
                    probability: acc.probability,
                    witness: self.path(acc.best.1),
                    preemptions: acc.best.0 as u32,
                }
            })
            .collect();
        outcomes.sort_by(|a, b| {
            b.probability
                .total_cmp(&a.probability)
                .then_with(|| (&a.status, &a.balances).cmp(&(&b.status, &b.balances)))
        });
        let always = self.scenario.expect.always.len();
        let violations = self
            .violations
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let (end, balances) = v.as_ref()?;
                Some(Violation {
                    condition: if i < always {
                        Condition::Always(i)
                    } else {
                        Condition::AtEnd(i - always)
                    },
                    schedule: self.path(*end),
                    balances: balances.clone(),
                })
            })
            .collect();
        Exploration {
            states,
            schedules,
            outcomes,
            violations,
            serial: serial.into_iter().collect(),
        }
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

/// Outcomes reachable when transactions run one at a time: each started thread, once chosen,
/// runs to its end before any other thread steps (its sleeps simply pass). Whatever explore
/// finds beyond these needs an interleaving: a race.
pub fn serial_outcomes(scenario: &Scenario) -> BTreeSet<(Status, Vec<i64>)> {
    let layout = Layout::new(scenario);
    let codec = Codec::new(scenario);
    let mut seen = BTreeSet::new();
    let mut out = BTreeSet::new();
    let mut stack = vec![State::initial(scenario, &layout)];
    let mut key = Vec::new();
    while let Some(state) = stack.pop() {
        key.clear();
        codec.encode(&state, LIVE, &mut key);
        if !seen.insert(key.clone()) {
            continue;
        }
        let candidates: Vec<ThreadId> = (0..state.threads.len())
            .filter(|&t| state.threads[t].phase == Phase::Running)
            .collect();
        if candidates.is_empty() {
            out.insert((Status::Ok, state.balances.clone()));
            continue;
        }
        for t in candidates {
            let mut s = state.clone();
            loop {
                if s.threads[t].phase != Phase::Running {
                    stack.push(s);
                    break;
                }
                s.now = s.now.max(s.threads[t].ready_at);
                if !s.is_ready(scenario, t) {
                    out.insert((Status::Deadlock, s.balances.clone()));
                    break;
                }
                if let Err(fault) = s.step(scenario, &layout, t, &mut ()) {
                    out.insert((Status::Error(fault.describe(scenario, t)), s.balances.clone()));
                    break;
                }
            }
        }
    }
    out
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
        balances.sort();
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
            st.settle(&sc);
            if st.is_ready(&sc, t) {
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
        let live = live_locals(&sc.transactions[0]);
        let at = |pc: usize| (live[pc * 2], live[pc * 2 + 1]);
        assert_eq!(
            [at(0), at(1), at(2), at(3)],
            [(false, false), (true, false), (true, true), (true, false)]
        );
    }

    #[test]
    fn the_default_limit_shrinks_with_the_thread_count() {
        assert_eq!(default_max_states(&lesson(0)), DEFAULT_MAX_STATES);
        let mut many = lesson(0);
        many.transactions = vec![many.transactions[0].clone(); 200];
        // 201 witness slots of 8 bytes plus 64: 1672 bytes a state, 2 GiB in all.
        assert_eq!(default_max_states(&many), (2u64 << 30) / 1672);
    }

    #[test]
    fn the_limit_stops_cleanly() {
        let e = explore(&lesson(0), 10).unwrap_err();
        assert_eq!(e.limit, 10);
        assert!(e.states > 10);
    }
}
