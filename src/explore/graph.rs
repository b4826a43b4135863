//! explore for scenarios that can loop: the whole state graph is built once, and its strongly
//! connected components give everything exactly — points of no return (livelocks), counts
//! ("infinite" where a cycle can reach an outcome), absorption probabilities, and
//! fewest-preemption witnesses with the stem and cycle of a livelock.
//!
//! The phases, each a pass over compact arrays (no per-state allocation):
//! 1. breadth-first construction: interned states and their edges (one per ready thread, to a
//!    state or to an outcome: an end, or a step's fault);
//! 2. Tarjan's algorithm, iterative; components come out successors first;
//! 3. over the components: which can still reach an end (the others are points of no return),
//!    which are reachable from a cycle (their outcomes have infinitely many schedules), path
//!    counts over the acyclic rest, and the flow of probability, solved inside each cyclic
//!    component by state elimination;
//! 4. a 0-1 breadth-first search over (state, last thread) for the fewest preemptions.
//!
//! The probabilities inside a cyclic component come from eliminating its states one by one
//! (Gaussian elimination on `(I - P)ᵀ v = inflow`, the expected visits), in the
//! subtraction-free form of Grassmann, Taksar and Heyman: a state's escape probability is the
//! sum of its other transitions, never `1 - self-loop`. Every operation is then a sum, product
//! or quotient of positive double-double numbers, each with a relative error near 2⁻¹⁰⁴, so
//! the error stays far below 1e-12 however close to 1 a loop's probability is.

use std::collections::{BTreeMap, VecDeque};

use rustc_hash::FxHashMap;

use super::codec::{Codec, LIVE};
use super::count::Count;
use super::intern::Interner;
use super::level::Witness;
use super::prob::Prob;
use super::{Found, Lasso, Limit, Limits, Schedules, TooManyStates, check_conditions, tag_of};
use crate::engine::{Layout, State};
use crate::outcome::{EndState, ErrorKind, OutcomeKey};
use crate::scenario::{Scenario, ThreadId};

/// An edge's target with this bit set is an outcome's index, not a state.
const SINK: u32 = 1 << 31;
/// The thread of an end state's edge to its outcome (no step is taken).
const NO_THREAD: u16 = u16::MAX;

/// Where a condition failed or an outcome is reached: a state, and the step from it that
/// faulted or led out of the region that can still end (if any).
#[derive(Clone, Copy)]
struct Mark {
    state: u32,
    extra: Option<ThreadId>,
}

/// The state graph: interned states and, per state, its edges in the order of its ready
/// threads.
struct Graph {
    keys: Interner,
    /// The edges of state `i` are `first[i]..first[i + 1]`.
    first: Vec<u32>,
    to: Vec<u32>,
    by: Vec<u16>,
    outcomes: Vec<EndState>,
    outcome_index: BTreeMap<EndState, u32>,
    /// Per `[expect]` condition (`always`, then `at_end`), where it first failed and the balances.
    violations: Vec<Option<(Mark, Vec<i64>)>>,
}

impl Graph {
    fn len(&self) -> usize {
        self.keys.len()
    }

    #[inline]
    fn edges(&self, s: usize) -> std::ops::Range<usize> {
        self.first[s] as usize..self.first[s + 1] as usize
    }

    fn bytes(&self) -> usize {
        self.keys.bytes() + self.first.capacity() * 4 + self.to.capacity() * 4 + self.by.capacity() * 2
    }

    fn outcome(&mut self, end: EndState) -> u32 {
        if let Some(&i) = self.outcome_index.get(&end) {
            return i;
        }
        let i = self.outcomes.len() as u32;
        self.outcomes.push(end.clone());
        self.outcome_index.insert(end, i);
        i
    }

    /// Whether thread `t` is ready at `s` (it has an edge there).
    #[inline]
    fn ready(&self, s: usize, t: usize) -> bool {
        self.edges(s).any(|e| usize::from(self.by[e]) == t)
    }
}

/// Explores a scenario whose state graph may have cycles.
pub(super) fn explore_graph(sc: &Scenario, limits: &Limits) -> Result<Found, TooManyStates> {
    let layout = Layout::new(sc);
    let codec = Codec::new(sc);
    let g = build(sc, &layout, &codec, limits)?;
    let comps = Components::of(&g);
    let analysis = Analysis::new(&g, &comps);
    let mut g = g;
    // Livelock outcomes are named by the first state of no return, known only now: the
    // initial state if it is one, else every target of an edge into the region that cannot
    // end from a state that can.
    let mut scratch = State::initial(sc, &layout);
    let mut livelock_outcome: FxHashMap<u32, u32> = FxHashMap::default();
    let mut entries: Vec<u32> = Vec::new();
    if analysis.can_end(&comps, 0) {
        for s in 0..g.len() {
            if analysis.can_end(&comps, s) {
                entries.extend(
                    g.edges(s)
                        .map(|e| g.to[e])
                        .filter(|&w| w & SINK == 0 && !analysis.can_end(&comps, w as usize)),
                );
            }
        }
    } else {
        entries.push(0);
    }
    for x in entries {
        if let std::collections::hash_map::Entry::Vacant(v) = livelock_outcome.entry(x) {
            codec.decode(g.keys.get(x as usize), &mut scratch);
            v.insert(g.outcome(EndState::of(OutcomeKey::Livelock, &scratch)));
        }
    }
    let n_outcomes = g.outcomes.len();
    let schedules = match counts::<u128>(&g, &comps, &analysis, n_outcomes, &livelock_outcome) {
        Ok(c) => c,
        Err(Overflow) => counts::<num_bigint::BigUint>(&g, &comps, &analysis, n_outcomes, &livelock_outcome)
            .unwrap_or_else(|Overflow| unreachable!("big integers do not overflow")),
    };
    let probabilities = probabilities(&g, &comps, &analysis, n_outcomes, &livelock_outcome, limits)?;
    let witnesses = Witnesses::search(&g, sc.transactions.len());
    let bests = witnesses.bests(&g, &comps, &analysis, n_outcomes, &livelock_outcome);

    let mut found = Vec::with_capacity(n_outcomes);
    for (i, end) in g.outcomes.iter().enumerate() {
        let Some((cost, mark, slot, into)) = bests[i] else {
            unreachable!("every outcome is reached by some edge");
        };
        let mut witness = witnesses.path(mark.state as usize, slot);
        witness.extend(mark.extra);
        let lasso = (end.key == OutcomeKey::Livelock).then(|| lasso(&g, &comps, into));
        found.push((
            end.clone(),
            schedules[i].clone(),
            probabilities[i],
            witness,
            cost,
            lasso,
        ));
    }
    let violations = g
        .violations
        .iter()
        .map(|v| {
            v.as_ref().map(|(mark, balances)| {
                let s = mark.state as usize;
                let mut schedule = witnesses.path(s, witnesses.best_slot(s).1);
                schedule.extend(mark.extra);
                (schedule, balances.clone())
            })
        })
        .collect();
    Ok(Found {
        states: g.len() as u64,
        outcomes: found,
        violations,
    })
}

/// Phase 1: every state reachable from the initial one, breadth first.
fn build(sc: &Scenario, layout: &Layout, codec: &Codec<'_>, limits: &Limits) -> Result<Graph, TooManyStates> {
    let conditions = sc.expect.always.len() + sc.expect.at_end.len();
    let mut g = Graph {
        keys: Interner::default(),
        first: vec![0],
        to: Vec::new(),
        by: Vec::new(),
        outcomes: Vec::new(),
        outcome_index: BTreeMap::new(),
        violations: vec![None; conditions],
    };
    let threads = sc.transactions.len();
    let check_every = ((1 << 14) / (threads as u64 + 1)).clamp(1, 256);
    let mut scratch = State::initial(sc, layout);
    let mut work = scratch.clone();
    let mut key = Vec::with_capacity(64);
    let mut ready = Vec::with_capacity(threads);
    check_conditions(
        sc,
        &scratch,
        true,
        &mut g.violations,
        Mark {
            state: 0,
            extra: None,
        },
    );
    let tag = tag_of(scratch.settle(sc, layout));
    codec.encode(&scratch, tag, &mut key);
    g.keys.intern(&key);
    // Breadth-first levels, to say how deep a limit was hit.
    let (mut depth, mut level_end) = (0u64, 1usize);
    let mut s = 0usize;
    while s < g.len() {
        if s == level_end {
            depth += 1;
            level_end = g.len();
        }
        let tag = codec.decode(g.keys.get(s), &mut scratch);
        scratch.steps = 0;
        let here = Mark {
            state: s as u32,
            extra: None,
        };
        if tag != LIVE {
            check_conditions(sc, &scratch, false, &mut g.violations, here);
            let status = if tag == super::codec::ENDED_OK {
                OutcomeKey::Ok
            } else {
                OutcomeKey::Deadlock
            };
            let o = g.outcome(EndState::of(status, &scratch));
            g.to.push(SINK | o);
            g.by.push(NO_THREAD);
            g.first.push(g.to.len() as u32);
            s += 1;
            continue;
        }
        ready.clear();
        scratch.ready_threads(sc, layout, &mut ready);
        for &t in &ready {
            work.clone_from(&scratch);
            let target = if let Err(fault) = work.step(sc, layout, t, &mut ()) {
                let mark = Mark {
                    state: s as u32,
                    extra: Some(t),
                };
                check_conditions(sc, &scratch, false, &mut g.violations, mark);
                let status = OutcomeKey::Error {
                    thread: Some(t),
                    kind: ErrorKind::Fault(fault),
                };
                SINK | g.outcome(EndState::of(status, &scratch))
            } else {
                let tag = tag_of(work.settle(sc, layout));
                key.clear();
                codec.encode(&work, tag, &mut key);
                let (j, new) = g.keys.intern(&key);
                if new {
                    let states = g.len() as u64;
                    if states > limits.max_states
                        || (states.is_multiple_of(check_every) && g.bytes() as u64 > limits.max_memory)
                    {
                        return Err(stopped(sc, limits, &g, depth + 1));
                    }
                    let mark = Mark {
                        state: j as u32,
                        extra: None,
                    };
                    check_conditions(sc, &work, true, &mut g.violations, mark);
                }
                j as u32
            };
            g.to.push(target);
            g.by.push(t as u16);
        }
        g.first.push(g.to.len() as u32);
        s += 1;
    }
    Ok(g)
}

fn stopped(sc: &Scenario, limits: &Limits, g: &Graph, depth: u64) -> TooManyStates {
    let states = g.len() as u64;
    TooManyStates {
        limit: if states > limits.max_states {
            Limit::States(limits.max_states)
        } else {
            Limit::Memory(limits.max_memory)
        },
        states,
        bytes: g.bytes() as u64,
        depth,
        max_depth: sc.step_bound(),
    }
}

/// Phase 2: the strongly connected components, numbered successors first (Tarjan's order), so
/// that counting down visits every component after all its predecessors.
struct Components {
    of: Vec<u32>,
    /// The members of component `c` are `members[start[c]..start[c + 1]]`, ascending.
    members: Vec<u32>,
    start: Vec<u32>,
    /// Two or more states, or one with a step back to itself.
    cyclic: Vec<bool>,
}

impl Components {
    fn of(g: &Graph) -> Components {
        const UNSEEN: u32 = u32::MAX;
        let n = g.len();
        let mut index = vec![UNSEEN; n];
        let mut low = vec![0u32; n];
        let mut of = vec![UNSEEN; n];
        let mut stack: Vec<u32> = Vec::new();
        let mut call: Vec<(u32, u32)> = Vec::new();
        let mut members = Vec::with_capacity(n);
        let mut start = vec![0u32];
        let mut cyclic = Vec::new();
        let mut next = 0u32;
        index[0] = 0;
        low[0] = 0;
        next += 1;
        stack.push(0);
        call.push((0, g.first[0]));
        while let Some(top) = call.last_mut() {
            let v = top.0 as usize;
            if top.1 < g.first[v + 1] {
                let w = g.to[top.1 as usize];
                top.1 += 1;
                if w & SINK != 0 {
                    continue;
                }
                let wi = w as usize;
                if index[wi] == UNSEEN {
                    index[wi] = next;
                    low[wi] = next;
                    next += 1;
                    stack.push(w);
                    call.push((w, g.first[wi]));
                } else if of[wi] == UNSEEN {
                    low[v] = low[v].min(index[wi]);
                }
                continue;
            }
            call.pop();
            if let Some(&(u, _)) = call.last() {
                low[u as usize] = low[u as usize].min(low[v]);
            }
            if low[v] == index[v] {
                let c = start.len() as u32 - 1;
                let from = members.len();
                loop {
                    let x = stack.pop().expect("v is on the stack");
                    of[x as usize] = c;
                    members.push(x);
                    if x as usize == v {
                        break;
                    }
                }
                members[from..].sort_unstable();
                start.push(members.len() as u32);
                let size = members.len() - from;
                cyclic.push(size > 1 || g.edges(v).any(|e| g.to[e] as usize == v));
            }
        }
        Components {
            of,
            members,
            start,
            cyclic,
        }
    }

    fn len(&self) -> usize {
        self.cyclic.len()
    }

    fn members(&self, c: usize) -> &[u32] {
        &self.members[self.start[c] as usize..self.start[c + 1] as usize]
    }
}

/// Phase 3a: which components can still reach an end, and which are reachable from a cycle
/// (through states that can still end).
struct Analysis {
    can_end: Vec<bool>,
    after_cycle: Vec<bool>,
}

impl Analysis {
    fn new(g: &Graph, comps: &Components) -> Analysis {
        let k = comps.len();
        let mut can_end = vec![false; k];
        for c in 0..k {
            can_end[c] = comps.members(c).iter().any(|&s| {
                g.edges(s as usize).any(|e| {
                    let w = g.to[e];
                    w & SINK != 0 || {
                        let d = comps.of[w as usize] as usize;
                        d != c && can_end[d]
                    }
                })
            });
        }
        let mut after_cycle = vec![false; k];
        for c in (0..k).rev() {
            if !can_end[c] {
                continue;
            }
            after_cycle[c] |= comps.cyclic[c];
            if after_cycle[c] {
                for &s in comps.members(c) {
                    for e in g.edges(s as usize) {
                        let w = g.to[e];
                        if w & SINK == 0 {
                            after_cycle[comps.of[w as usize] as usize] = true;
                        }
                    }
                }
            }
        }
        Analysis { can_end, after_cycle }
    }

    #[inline]
    fn can_end(&self, comps: &Components, s: usize) -> bool {
        self.can_end[comps.of[s] as usize]
    }
}

struct Overflow;

/// Phase 3b: each outcome's number of schedules. An outcome reached from a state that a cycle
/// can reach has infinitely many (go round the cycle once more); so does every livelock. The
/// rest are path counts over the acyclic states, in topological order.
fn counts<C: Count>(
    g: &Graph,
    comps: &Components,
    an: &Analysis,
    n_outcomes: usize,
    livelock_outcome: &FxHashMap<u32, u32>,
) -> Result<Vec<Schedules>, Overflow> {
    let mut per_state: Vec<C> = vec![C::zero(); g.len()];
    let mut per_outcome: Vec<C> = vec![C::zero(); n_outcomes];
    let mut infinite = vec![false; n_outcomes];
    for &o in livelock_outcome.values() {
        infinite[o as usize] = true;
    }
    per_state[0] = C::one();
    for c in (0..comps.len()).rev() {
        if !an.can_end[c] {
            continue;
        }
        for &s in comps.members(c) {
            let s = s as usize;
            for e in g.edges(s) {
                let w = g.to[e];
                if w & SINK != 0 {
                    let o = (w & !SINK) as usize;
                    if an.after_cycle[c] {
                        infinite[o] = true;
                    } else if !per_outcome[o].add(&per_state[s]) {
                        return Err(Overflow);
                    }
                } else if !an.after_cycle[c] && an.can_end(comps, w as usize) {
                    // A successor of an acyclic state outside every cycle's reach: its
                    // count gathers from predecessors that all come before it.
                    let (a, b) = two(&mut per_state, s, w as usize);
                    if !b.add(a) {
                        return Err(Overflow);
                    }
                }
            }
        }
    }
    Ok(per_outcome
        .into_iter()
        .zip(infinite)
        .map(|(n, inf)| {
            if inf {
                Schedules::Infinite
            } else {
                Schedules::Finite(n.big())
            }
        })
        .collect())
}

/// Borrows `v[a]` and `v[b]` (`a != b`) at once.
fn two<T>(v: &mut [T], a: usize, b: usize) -> (&T, &mut T) {
    debug_assert_ne!(a, b);
    if a < b {
        let (x, y) = v.split_at_mut(b);
        (&x[a], &mut y[0])
    } else {
        let (x, y) = v.split_at_mut(a);
        (&y[0], &mut x[b])
    }
}

/// Phase 3c: the probability of each outcome under `random`: the flow of a unit of probability
/// from the initial state, component by component in topological order. A point of no return
/// absorbs what flows into it, for its livelock outcome.
fn probabilities(
    g: &Graph,
    comps: &Components,
    an: &Analysis,
    n_outcomes: usize,
    livelock_outcome: &FxHashMap<u32, u32>,
    limits: &Limits,
) -> Result<Vec<Prob>, TooManyStates> {
    let mut out = vec![Prob::default(); n_outcomes];
    if let Some(&o) = livelock_outcome.get(&0).filter(|_| !an.can_end(comps, 0)) {
        out[o as usize] = Prob::ONE;
        return Ok(out);
    }
    let mut mass = vec![Prob::default(); g.len()];
    mass[0] = Prob::ONE;
    let mut visits = Vec::new();
    for c in (0..comps.len()).rev() {
        if !an.can_end[c] {
            continue;
        }
        let members = comps.members(c);
        visits.clear();
        if comps.cyclic[c] {
            let used = g.bytes() + mass.capacity() * 16;
            solve(g, comps, c, &mass, &mut visits, limits, used)?;
        } else {
            visits.push(mass[members[0] as usize]);
        }
        for (&s, &v) in members.iter().zip(&visits) {
            let s = s as usize;
            if v.is_zero() {
                continue;
            }
            let share = v.div(g.edges(s).len());
            for e in g.edges(s) {
                let w = g.to[e];
                if w & SINK != 0 {
                    let o = (w & !SINK) as usize;
                    out[o] = out[o].add(share);
                } else if comps.of[w as usize] as usize == c {
                    // Inside the component: accounted for by its visits.
                } else if let Some(&o) = livelock_outcome.get(&w) {
                    out[o as usize] = out[o as usize].add(share);
                } else {
                    mass[w as usize] = mass[w as usize].add(share);
                }
            }
        }
    }
    Ok(out)
}

/// The expected number of visits of each member of cyclic component `c`, given the
/// probability flowing into each from outside (`mass`): `v = inflow + Pᵀ v` solved by
/// eliminating the members in order and substituting back (see the module's comment).
fn solve(
    g: &Graph,
    comps: &Components,
    c: usize,
    mass: &[Prob],
    visits: &mut Vec<Prob>,
    limits: &Limits,
    used: usize,
) -> Result<(), TooManyStates> {
    let members = comps.members(c);
    let n = members.len();
    // Internal transitions as sorted rows (local indices), and each member's escape.
    let local: FxHashMap<u32, u32> = members.iter().enumerate().map(|(i, &s)| (s, i as u32)).collect();
    let mut rows: Vec<Vec<(u32, Prob)>> = vec![Vec::new(); n];
    let mut escape = vec![Prob::default(); n];
    let mut inflow: Vec<Prob> = members.iter().map(|&s| mass[s as usize]).collect();
    for (i, &s) in members.iter().enumerate() {
        let out = g.edges(s as usize);
        let share = Prob::ONE.div(out.len());
        for e in out {
            let w = g.to[e];
            match (w & SINK == 0).then(|| local.get(&w)).flatten() {
                Some(&j) => add_entry(&mut rows[i], j, share),
                None => escape[i] = escape[i].add(share),
            }
        }
    }
    let mut preds: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (i, row) in rows.iter().enumerate() {
        for &(j, _) in row {
            preds[j as usize].push(i as u32);
        }
    }
    let mut entries: usize = rows.iter().map(Vec::len).sum();
    let mut eliminated = vec![false; n];
    // Per eliminated member: its escape in the reduced chain, its inflow then, and the
    // transitions into it from members still there (the factor for substituting back).
    let mut recorded: Vec<Eliminated> = Vec::with_capacity(n);
    let mut scratch: Vec<(u32, Prob)> = Vec::new();
    for s in 0..n {
        let row: Vec<(u32, Prob)> = std::mem::take(&mut rows[s])
            .into_iter()
            .filter(|&(q, _)| q as usize != s)
            .collect();
        let d = row.iter().fold(escape[s], |acc, &(_, p)| acc.add(p));
        let mut ps = std::mem::take(&mut preds[s]);
        ps.sort_unstable();
        ps.dedup();
        let mut column = Vec::new();
        for p in ps {
            let p = p as usize;
            if p == s || eliminated[p] {
                continue;
            }
            let Ok(at) = rows[p].binary_search_by_key(&(s as u32), |&(q, _)| q) else {
                continue;
            };
            let w = rows[p].remove(at).1;
            column.push((p as u32, w));
            let f = w.div_by(d);
            escape[p] = escape[p].add(f.mul(escape[s]));
            // rows[p] += f * row, merged in order; new targets learn their predecessor.
            scratch.clear();
            let (mut a, mut b) = (0, 0);
            let old = &rows[p];
            while a < old.len() || b < row.len() {
                if b == row.len() || (a < old.len() && old[a].0 < row[b].0) {
                    scratch.push(old[a]);
                    a += 1;
                } else if a == old.len() || row[b].0 < old[a].0 {
                    scratch.push((row[b].0, f.mul(row[b].1)));
                    preds[row[b].0 as usize].push(p as u32);
                    b += 1;
                } else {
                    scratch.push((old[a].0, old[a].1.add(f.mul(row[b].1))));
                    a += 1;
                    b += 1;
                }
            }
            entries += scratch.len() - rows[p].len();
            rows[p].clone_from(&scratch);
        }
        if !inflow[s].is_zero() {
            let g = inflow[s].div_by(d);
            for &(q, p) in &row {
                inflow[q as usize] = inflow[q as usize].add(g.mul(p));
            }
        }
        entries -= row.len();
        recorded.push((d, inflow[s], column));
        eliminated[s] = true;
        // Fill-in is the one thing here that can grow beyond the graph itself.
        if (used + entries * 24) as u64 > limits.max_memory {
            return Err(TooManyStates {
                limit: Limit::Memory(limits.max_memory),
                states: g.len() as u64,
                bytes: (used + entries * 24) as u64,
                depth: 0,
                max_depth: 0,
            });
        }
    }
    visits.clear();
    visits.resize(n, Prob::default());
    for s in (0..n).rev() {
        let (d, inflow, column) = &recorded[s];
        let total = column
            .iter()
            .fold(*inflow, |acc, &(p, w)| acc.add(visits[p as usize].mul(w)));
        visits[s] = total.div_by(*d);
    }
    Ok(())
}

/// A member as it was eliminated: its escape in the reduced chain, its inflow then, and the
/// transitions into it from the members still there.
type Eliminated = (Prob, Prob, Vec<(u32, Prob)>);

/// Adds `p` to the entry for `j` of a row kept sorted by target.
fn add_entry(row: &mut Vec<(u32, Prob)>, j: u32, p: Prob) {
    match row.binary_search_by_key(&j, |&(q, _)| q) {
        Ok(at) => row[at].1 = row[at].1.add(p),
        Err(at) => row.insert(at, (j, p)),
    }
}

/// Phase 4: the fewest preemptions to reach each (state, last thread), by a 0-1 breadth-first
/// search (a step that preempts costs 1, any other 0), with the predecessor on such a path.
struct Witnesses {
    slots: usize,
    links: Vec<u64>,
}

impl Witnesses {
    fn search(g: &Graph, threads: usize) -> Witnesses {
        let slots = threads + 1;
        let none = threads;
        let mut links = vec![Witness::NONE; g.len() * slots];
        links[none] = Witness::pack(0, none, 0);
        let mut queue: VecDeque<(u32, u16, u16)> = VecDeque::new();
        queue.push_back((0, none as u16, 0));
        while let Some((s, last, cost)) = queue.pop_front() {
            let (s, last) = (s as usize, usize::from(last));
            if Witness::cost(links[s * slots + last]) < u64::from(cost) {
                continue;
            }
            let last_ready = last != none && g.ready(s, last);
            for e in g.edges(s) {
                let (w, t) = (g.to[e], usize::from(g.by[e]));
                if w & SINK != 0 {
                    continue;
                }
                let preempts = last_ready && last != t;
                let c = (u64::from(cost) + u64::from(preempts)).min(Witness::MAX_COST);
                let link = &mut links[w as usize * slots + t];
                if *link == Witness::NONE || c < Witness::cost(*link) {
                    *link = Witness::pack(c, last, s);
                    let item = (w, t as u16, c as u16);
                    if preempts {
                        queue.push_back(item);
                    } else {
                        queue.push_front(item);
                    }
                }
            }
        }
        Witnesses { slots, links }
    }

    /// The cheapest way to be at `s`: its cost and last thread.
    fn best_slot(&self, s: usize) -> (u64, usize) {
        (0..self.slots)
            .filter_map(|l| {
                let w = self.links[s * self.slots + l];
                (w != Witness::NONE).then(|| (Witness::cost(w), l))
            })
            .min()
            .expect("every state is reachable")
    }

    /// The cheapest way to take the step of thread `t` at `s`: its cost and the last thread.
    fn best_before(&self, g: &Graph, s: usize, t: usize) -> (u64, usize) {
        let none = self.slots - 1;
        (0..self.slots)
            .filter_map(|l| {
                let w = self.links[s * self.slots + l];
                (w != Witness::NONE).then(|| {
                    let preempts = l != none && l != t && g.ready(s, l);
                    (Witness::cost(w) + u64::from(preempts), l)
                })
            })
            .min()
            .expect("every state is reachable")
    }

    /// Each outcome's cheapest witness: (cost, where it ends, the last thread there, and for
    /// a livelock the first point of no return).
    fn bests(
        &self,
        g: &Graph,
        comps: &Components,
        an: &Analysis,
        n_outcomes: usize,
        livelock_outcome: &FxHashMap<u32, u32>,
    ) -> Vec<Option<(u64, Mark, usize, u32)>> {
        let mut best: Vec<Option<(u64, Mark, usize, u32)>> = vec![None; n_outcomes];
        let mut offer = |o: usize, cand: (u64, Mark, usize, u32)| {
            if best[o].is_none_or(|b| cand.0 < b.0) {
                best[o] = Some(cand);
            }
        };
        if !an.can_end(comps, 0) {
            let o = livelock_outcome[&0] as usize;
            let none = self.slots - 1;
            offer(
                o,
                (
                    0,
                    Mark {
                        state: 0,
                        extra: None,
                    },
                    none,
                    0,
                ),
            );
            return best;
        }
        for s in 0..g.len() {
            if !an.can_end(comps, s) {
                continue;
            }
            for e in g.edges(s) {
                let (w, t) = (g.to[e], g.by[e]);
                let (o, into) = if w & SINK != 0 {
                    ((w & !SINK) as usize, 0)
                } else if let Some(&o) = livelock_outcome.get(&w) {
                    (o as usize, w)
                } else {
                    continue;
                };
                if t == NO_THREAD {
                    let (cost, slot) = self.best_slot(s);
                    offer(
                        o,
                        (
                            cost,
                            Mark {
                                state: s as u32,
                                extra: None,
                            },
                            slot,
                            into,
                        ),
                    );
                } else {
                    let t = usize::from(t);
                    let (cost, slot) = self.best_before(g, s, t);
                    let mark = Mark {
                        state: s as u32,
                        extra: Some(t),
                    };
                    offer(o, (cost, mark, slot, into));
                }
            }
        }
        best
    }

    /// The schedule of the cheapest path found to (`s`, last thread `slot`).
    fn path(&self, mut s: usize, mut slot: usize) -> Vec<ThreadId> {
        let none = self.slots - 1;
        let mut out = Vec::new();
        while slot != none {
            out.push(slot);
            let w = self.links[s * self.slots + slot];
            s = Witness::parent(w);
            slot = Witness::parent_last(w);
        }
        out.reverse();
        out
    }
}

/// A livelock's stem and cycle from its first point of no return `x`: the shortest way to a
/// state on a cycle, then the shortest way round that cycle (both breadth first, so the same
/// every time).
fn lasso(g: &Graph, comps: &Components, x: u32) -> Lasso {
    // Breadth first from x to the nearest state of a cyclic component.
    let mut parent: FxHashMap<u32, (u32, u16)> = FxHashMap::default();
    let mut queue = VecDeque::from([x]);
    parent.insert(x, (x, NO_THREAD));
    let mut y = x;
    while let Some(s) = queue.pop_front() {
        if comps.cyclic[comps.of[s as usize] as usize] {
            y = s;
            break;
        }
        for e in g.edges(s as usize) {
            let w = g.to[e];
            if w & SINK == 0 && !parent.contains_key(&w) {
                parent.insert(w, (s, g.by[e]));
                queue.push_back(w);
            }
        }
    }
    let stem = back(&parent, x, y);
    // The shortest way from y back to itself, inside its component.
    let c = comps.of[y as usize];
    let mut parent: FxHashMap<u32, (u32, u16)> = FxHashMap::default();
    let mut queue = VecDeque::from([y]);
    let mut cycle = Vec::new();
    'search: while let Some(s) = queue.pop_front() {
        for e in g.edges(s as usize) {
            let w = g.to[e];
            if w & SINK != 0 || comps.of[w as usize] != c {
                continue;
            }
            if w == y {
                cycle = back(&parent, y, s);
                cycle.push(usize::from(g.by[e]));
                break 'search;
            }
            if let std::collections::hash_map::Entry::Vacant(v) = parent.entry(w) {
                v.insert((s, g.by[e]));
                queue.push_back(w);
            }
        }
    }
    debug_assert!(
        !cycle.is_empty(),
        "a cyclic component has a cycle through each member"
    );
    Lasso { stem, cycle }
}

/// The threads of the breadth-first tree path from `from` to `to`.
fn back(parent: &FxHashMap<u32, (u32, u16)>, from: u32, mut to: u32) -> Vec<ThreadId> {
    let mut out = Vec::new();
    while to != from {
        let (p, t) = parent[&to];
        out.push(usize::from(t));
        to = p;
    }
    out.reverse();
    out
}
