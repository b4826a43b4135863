//! One simulated run: the engine driven by a policy, with `[expect]` checked as it goes.
//!
//! `Runner` owns reusable buffers so that sweeps can run millions of seeds without allocating
//! per run or per step; `run` is the convenience form for a single run with a full log.

use crate::engine::{Event, Layout, Observer, Settled, State, Status};
use crate::policy::{AnyPolicy, Pct, Policy, Random, RoundRobin, Scripted};
use crate::scenario::{Condition, Op, PolicyKind, Scenario, ThreadId};

/// Which simulator policy to use and its parameters (os-threads has its own runner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyChoice {
    Random { seed: u64 },
    RoundRobin { quantum: u32 },
    Scripted { schedule: Vec<ThreadId> },
    Pct { seed: u64, depth: u32 },
}

impl PolicyChoice {
    /// The policy the scenario file asks for (`None` for os-threads).
    pub fn from_scenario(scenario: &Scenario) -> Option<PolicyChoice> {
        let s = &scenario.scheduler;
        Some(match s.policy {
            PolicyKind::Random => PolicyChoice::Random { seed: s.seed },
            PolicyKind::RoundRobin => PolicyChoice::RoundRobin { quantum: s.quantum },
            PolicyKind::Scripted => PolicyChoice::Scripted {
                schedule: s.schedule.clone().unwrap_or_default(),
            },
            PolicyKind::Pct => PolicyChoice::Pct {
                seed: s.seed,
                depth: s.depth,
            },
            PolicyKind::OsThreads => return None,
        })
    }

    pub fn build(&self, scenario: &Scenario) -> AnyPolicy {
        match self {
            PolicyChoice::Random { seed } => AnyPolicy::Random(Random::new(*seed)),
            PolicyChoice::RoundRobin { quantum } => AnyPolicy::RoundRobin(RoundRobin::new(*quantum)),
            PolicyChoice::Scripted { schedule } => AnyPolicy::Scripted(Scripted::new(
                schedule.clone(),
                scenario.transactions.iter().map(|t| t.name.clone()).collect(),
            )),
            PolicyChoice::Pct { seed, depth } => AnyPolicy::Pct(Pct::new(
                *seed,
                scenario.transactions.len(),
                *depth,
                scenario.max_steps(),
            )),
        }
    }

    /// "random, seed 7" — for log headers.
    pub fn describe(&self) -> String {
        match self {
            PolicyChoice::Random { seed } => format!("random, seed {seed}"),
            PolicyChoice::RoundRobin { quantum } => format!("round-robin, quantum {quantum}"),
            PolicyChoice::Scripted { .. } => "scripted".to_string(),
            PolicyChoice::Pct { seed, depth } => format!("pct, seed {seed}, depth {depth}"),
        }
    }
}

/// The end of a run, without its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub balances: Vec<i64>,
}

/// Where each expectation first failed, if it did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checks {
    /// Per `always` condition: the first step after which it was false (0: the initial state).
    pub always: Vec<Option<u64>>,
    /// Per `at_end` condition: false in the final state.
    pub at_end: Vec<bool>,
    /// `final` was given and the run did not end ok with exactly those balances.
    pub final_failed: bool,
}

impl Checks {
    pub fn passed(&self) -> bool {
        !self.final_failed && self.always.iter().all(Option::is_none) && !self.at_end.iter().any(|f| *f)
    }
}

/// A condition over balances; an evaluation error (overflow, division by zero) counts as false.
#[inline]
pub fn holds(condition: &Condition, balances: &[i64]) -> bool {
    matches!(condition.eval(balances), Ok(v) if v != 0)
}

/// A finished run: how it ended, its steps, and the verdicts.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub outcome: Outcome,
    pub steps: u64,
    pub checks: Checks,
    /// The policy rejected the run (a script that does not fit the scenario).
    pub policy_error: bool,
    /// After a deadlock: each blocked thread, the lock it waits for, and who holds it.
    pub waiting: Vec<Waiting>,
}

/// A thread blocked forever on a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub thread: ThreadId,
    pub lock: usize,
    /// The holder (possibly `thread` itself: locks are not re-entrant), or `None` if the lock
    /// was free (a thread still queued in the pool, with no worker to run it).
    pub holder: Option<ThreadId>,
}

/// Reusable state for many runs of one scenario.
pub struct Runner<'s> {
    pub scenario: &'s Scenario,
    pub layout: Layout,
    initial: State,
    state: State,
    ready: Vec<ThreadId>,
    always: Vec<Option<u64>>,
    /// `always` verdicts on the initial state, the same for every run: computed once.
    initial_always: Vec<Option<u64>>,
}

impl<'s> Runner<'s> {
    pub fn new(scenario: &'s Scenario) -> Runner<'s> {
        let layout = Layout::new(scenario);
        let initial = State::initial(scenario, &layout);
        let initial_always = scenario
            .expect
            .always
            .iter()
            .map(|c| (!holds(c, &initial.balances)).then_some(0))
            .collect();
        Runner {
            scenario,
            state: initial.clone(),
            initial,
            layout,
            ready: Vec::with_capacity(scenario.transactions.len()),
            always: vec![None; scenario.expect.always.len()],
            initial_always,
        }
    }

    /// Runs once from the initial state. `schedule`, when given, receives the thread of every
    /// step. Only the status message (rare) allocates.
    pub fn run_with<P: Policy, O: Observer<'s>>(
        &mut self,
        policy: &mut P,
        observer: &mut O,
        mut schedule: Option<&mut Vec<ThreadId>>,
    ) -> (Status, bool) {
        let scenario = self.scenario;
        self.state.clone_from(&self.initial);
        self.always.clone_from(&self.initial_always);
        let mut policy_error = false;
        let status = loop {
            match self.state.settle_ready(scenario, &mut self.ready) {
                Settled::Ended(status) => {
                    if let Err(message) = policy.finish(self.state.steps) {
                        policy_error = true;
                        break Status::Error(message);
                    }
                    break status;
                }
                Settled::Ready => {}
            }
            let t = match policy.pick(&self.ready, self.state.steps + 1) {
                Ok(t) => t,
                Err(message) => {
                    policy_error = true;
                    break Status::Error(message);
                }
            };
            if let Some(s) = schedule.as_deref_mut() {
                s.push(t);
            }
            // `always` reads balances only, so only steps that write a balance can change it.
            let th = &self.state.threads[t];
            let writes = matches!(
                scenario.transactions[t].steps[th.pc as usize].op,
                Op::Write { .. } | Op::AtomicAdd { .. }
            );
            if let Err(fault) = self.state.step(scenario, &self.layout, t, observer) {
                break Status::Error(format!(
                    "step {}: {}",
                    self.state.steps + 1,
                    fault.describe(scenario, t)
                ));
            }
            if writes {
                self.check_always(self.state.steps);
            }
        };
        (status, policy_error)
    }

    fn check_always(&mut self, step: u64) {
        for (first, cond) in self.always.iter_mut().zip(&self.scenario.expect.always) {
            if first.is_none() && !holds(cond, &self.state.balances) {
                *first = Some(step);
            }
        }
    }

    /// Runs once and evaluates every expectation.
    pub fn run<P: Policy, O: Observer<'s>>(
        &mut self,
        policy: &mut P,
        observer: &mut O,
        schedule: Option<&mut Vec<ThreadId>>,
    ) -> RunSummary {
        let (status, policy_error) = self.run_with(policy, observer, schedule);
        let checks = self.final_checks(&status);
        let waiting = if status == Status::Deadlock {
            self.waiting()
        } else {
            Vec::new()
        };
        RunSummary {
            outcome: Outcome {
                status,
                balances: self.state.balances.clone(),
            },
            steps: self.state.steps,
            checks,
            policy_error,
            waiting,
        }
    }

    /// Whether the last run passed every expectation, without allocating (for sweeps).
    pub fn last_run_passed(&self, status: &Status) -> bool {
        let expect = &self.scenario.expect;
        self.always.iter().all(Option::is_none)
            && expect.at_end.iter().all(|c| holds(c, &self.state.balances))
            && expect
                .final_balances
                .as_ref()
                .is_none_or(|f| *status == Status::Ok && *f == self.state.balances)
    }

    fn final_checks(&self, status: &Status) -> Checks {
        let expect = &self.scenario.expect;
        Checks {
            always: self.always.clone(),
            at_end: expect
                .at_end
                .iter()
                .map(|c| !holds(c, &self.state.balances))
                .collect(),
            final_failed: expect
                .final_balances
                .as_ref()
                .is_some_and(|f| *status != Status::Ok || *f != self.state.balances),
        }
    }

    /// Who waits for which lock in the current state.
    fn waiting(&self) -> Vec<Waiting> {
        let st = &self.state;
        (0..st.threads.len())
            .filter(|&t| st.threads[t].phase == crate::engine::Phase::Running)
            .filter_map(
                |t| match self.scenario.transactions[t].steps[st.threads[t].pc as usize].op {
                    Op::Lock(lock) => Some(Waiting {
                        thread: t,
                        lock,
                        holder: (st.holders[lock] != crate::engine::FREE)
                            .then_some(st.holders[lock] as usize),
                    }),
                    _ => None,
                },
            )
            .collect()
    }

    /// The state the last run ended in.
    pub fn state(&self) -> &State {
        &self.state
    }
}

/// A complete run with its log, ready for the renderers.
#[derive(Debug, Clone)]
pub struct RunReport<'s> {
    pub scenario: &'s Scenario,
    /// "random, seed 7", "os-threads, tick 1ms", ...
    pub policy: String,
    pub events: Vec<Event<'s>>,
    pub schedule: Vec<ThreadId>,
    pub summary: RunSummary,
}

/// Runs `scenario` once under `choice`, recording every event and the schedule.
pub fn run<'s>(scenario: &'s Scenario, choice: &PolicyChoice) -> RunReport<'s> {
    let mut runner = Runner::new(scenario);
    let mut policy = choice.build(scenario);
    let mut events = Vec::new();
    let mut schedule = Vec::new();
    let summary = runner.run(&mut policy, &mut events, Some(&mut schedule));
    RunReport {
        scenario,
        policy: choice.describe(),
        events,
        schedule,
        summary,
    }
}
