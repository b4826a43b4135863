//! One simulated run: the engine driven by a policy, with `[expect]` checked as it goes.
//!
//! `Runner` owns reusable buffers so that sweeps can run millions of seeds without allocating
//! per run or per step; `run` is the convenience form for a single run with a full log and its
//! analyses. [`PolicyChoice::resolve`] is the one place that decides which policy a run uses.

use std::time::Duration;

use crate::analysis::{self, RunAnalysis};
use crate::engine::{Event, Layout, Observer, Settled, State};
use crate::expect::{self, RunChecks, RunVerdicts, holds};
use crate::outcome::{ErrorKind, RunError, Status};
use crate::policy::{AnyPolicy, Pct, Policy, Random, RoundRobin, Scripted};
use crate::scenario::{PolicyKind, Scenario, ThreadId};

/// The policy of a run and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyChoice {
    Random {
        seed: u64,
    },
    RoundRobin {
        quantum: u32,
    },
    Scripted {
        schedule: Vec<ThreadId>,
    },
    Pct {
        seed: u64,
        depth: u32,
    },
    /// Real threads (the `threads` runner, not a simulator policy).
    OsThreads {
        tick: Duration,
    },
}

/// What the command line may override in the scenario's `[scheduler]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub policy: Option<PolicyKind>,
    pub seed: Option<u64>,
    pub depth: Option<u32>,
    pub quantum: Option<u32>,
    /// A schedule implies `scripted`.
    pub schedule: Option<Vec<ThreadId>>,
    pub tick: Option<Duration>,
}

/// Why no policy could be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyError {
    /// `scripted` without a schedule in the file or on the command line.
    ScriptedWithoutSchedule,
    /// A schedule was given together with another policy.
    ScheduleWithPolicy(PolicyKind),
}

impl PolicyChoice {
    /// The policy a run uses: the scenario's `[scheduler]` with the overrides applied.
    pub fn resolve(scenario: &Scenario, o: &Overrides) -> Result<PolicyChoice, PolicyError> {
        let s = &scenario.scheduler;
        let mut kind = o.policy.unwrap_or(s.policy);
        if o.schedule.is_some() {
            match o.policy {
                Some(PolicyKind::Scripted) | None => kind = PolicyKind::Scripted,
                Some(other) => return Err(PolicyError::ScheduleWithPolicy(other)),
            }
        }
        let seed = o.seed.unwrap_or(s.seed);
        Ok(match kind {
            PolicyKind::Random => PolicyChoice::Random { seed },
            PolicyKind::RoundRobin => PolicyChoice::RoundRobin {
                quantum: o.quantum.unwrap_or(s.quantum),
            },
            PolicyKind::Pct => PolicyChoice::Pct {
                seed,
                depth: o.depth.unwrap_or(s.depth),
            },
            PolicyKind::Scripted => PolicyChoice::Scripted {
                schedule: o
                    .schedule
                    .clone()
                    .or_else(|| s.schedule.clone())
                    .ok_or(PolicyError::ScriptedWithoutSchedule)?,
            },
            PolicyKind::OsThreads => PolicyChoice::OsThreads {
                tick: o.tick.unwrap_or(s.tick),
            },
        })
    }

    /// The simulator policy (`None` for os-threads, which has its own runner).
    pub fn build(&self, scenario: &Scenario) -> Option<AnyPolicy> {
        Some(match self {
            PolicyChoice::Random { seed } => AnyPolicy::Random(Random::new(*seed)),
            PolicyChoice::RoundRobin { quantum } => AnyPolicy::RoundRobin(RoundRobin::new(*quantum)),
            PolicyChoice::Scripted { schedule } => AnyPolicy::Scripted(Scripted::new(schedule.clone())),
            PolicyChoice::Pct { seed, depth } => AnyPolicy::Pct(Pct::for_scenario(scenario, *seed, *depth)),
            PolicyChoice::OsThreads { .. } => return None,
        })
    }

    pub fn kind(&self) -> PolicyKind {
        match self {
            PolicyChoice::Random { .. } => PolicyKind::Random,
            PolicyChoice::RoundRobin { .. } => PolicyKind::RoundRobin,
            PolicyChoice::Scripted { .. } => PolicyKind::Scripted,
            PolicyChoice::Pct { .. } => PolicyKind::Pct,
            PolicyChoice::OsThreads { .. } => PolicyKind::OsThreads,
        }
    }
}

/// The end of a run, without its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub balances: Vec<i64>,
    /// Every queue's contents, front first (empty when the scenario has no queues).
    pub queues: Vec<Vec<i64>>,
}

/// A finished run: how it ended, its steps, and what the expectations saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    pub outcome: Outcome,
    /// Steps executed (a failed step is not counted).
    pub steps: u64,
    pub checks: RunChecks,
}

/// Reusable state for many runs of one scenario.
pub struct Runner<'s> {
    pub scenario: &'s Scenario,
    pub layout: Layout,
    initial: State,
    state: State,
    ready: Vec<ThreadId>,
    /// Stop with status `limit` after this many steps.
    limit: Option<u64>,
    always: Vec<Option<u64>>,
    /// `always` verdicts on the initial state, the same for every run: computed once.
    initial_always: Vec<Option<u64>>,
}

impl<'s> Runner<'s> {
    /// A runner with the scenario's own step limit (`[scheduler] max_steps`).
    pub fn new(scenario: &'s Scenario) -> Runner<'s> {
        let layout = Layout::new(scenario);
        let initial = State::initial(scenario, &layout);
        let initial_always = scenario
            .expect
            .always
            .iter()
            .map(|c| (!holds(c, &initial.shared_env())).then_some(0))
            .collect();
        Runner {
            scenario,
            state: initial.clone(),
            initial,
            layout,
            ready: Vec::with_capacity(scenario.transactions.len()),
            limit: scenario.scheduler.max_steps,
            always: vec![None; scenario.expect.always.len()],
            initial_always,
        }
    }

    /// Stops every run after `limit` steps with status `limit` (`None`: never).
    pub fn with_limit(mut self, limit: Option<u64>) -> Self {
        self.limit = limit;
        self
    }

    /// Runs once from the initial state. `schedule`, when given, receives the thread of every
    /// step. Only an error (rare) allocates.
    pub fn run_with<P: Policy, O: Observer>(
        &mut self,
        policy: &mut P,
        observer: &mut O,
        mut schedule: Option<&mut Vec<ThreadId>>,
    ) -> Status {
        let scenario = self.scenario;
        self.state.clone_from(&self.initial);
        self.always.clone_from(&self.initial_always);
        loop {
            if let Settled::Ended(end) = self.state.settle_ready(scenario, &self.layout, &mut self.ready) {
                return match policy.finish(self.state.steps) {
                    Ok(()) => end.into(),
                    Err(e) => self.error(None, ErrorKind::Schedule(e)),
                };
            }
            // Tested after the step that reached it settled, so that a run whose last step is
            // the limit's reports how it ended.
            if self.limit == Some(self.state.steps) {
                return Status::Limit {
                    steps: self.state.steps,
                };
            }
            let t = match policy.pick(&self.ready, self.state.steps + 1) {
                Ok(t) => t,
                Err(e) => {
                    let thread = match &e {
                        crate::policy::ScheduleError::NotReady { wanted, .. } => Some(*wanted),
                        _ => None,
                    };
                    return self.error(thread, ErrorKind::Schedule(e));
                }
            };
            if let Some(s) = schedule.as_deref_mut() {
                s.push(t);
            }
            // `always` reads balances, queue lengths and event flags: only steps that change
            // them can change it.
            let writes = self.state.next_op(scenario, t).changes_shared();
            if let Err(fault) = self.state.step(scenario, &self.layout, t, observer) {
                return self.error(Some(t), ErrorKind::Fault(fault));
            }
            if writes {
                self.check_always(self.state.steps);
            }
        }
    }

    fn error(&self, thread: Option<ThreadId>, kind: ErrorKind) -> Status {
        Status::Error(RunError {
            step: self.state.steps + 1,
            thread,
            kind,
        })
    }

    fn check_always(&mut self, step: u64) {
        let env = self.state.shared_env();
        for (first, cond) in self.always.iter_mut().zip(&self.scenario.expect.always) {
            if first.is_none() && !holds(cond, &env) {
                *first = Some(step);
            }
        }
    }

    /// Runs once and gathers every expectation's result.
    pub fn run<P: Policy, O: Observer>(
        &mut self,
        policy: &mut P,
        observer: &mut O,
        schedule: Option<&mut Vec<ThreadId>>,
    ) -> RunSummary {
        let status = self.run_with(policy, observer, schedule);
        let checks = self.final_checks();
        RunSummary {
            outcome: Outcome {
                status,
                balances: self.state.balances.clone(),
                queues: self.state.queues.clone(),
            },
            steps: self.state.steps,
            checks,
        }
    }

    /// Whether the last run passed every expectation, without allocating (for sweeps).
    pub fn last_run_passed(&self) -> bool {
        let expect = &self.scenario.expect;
        let env = self.state.shared_env();
        self.always.iter().all(Option::is_none)
            && expect.at_end.iter().all(|c| holds(c, &env))
            && expect
                .final_state
                .as_ref()
                .is_none_or(|f| f.matches(&self.state.balances, &self.state.queues))
    }

    fn final_checks(&self) -> RunChecks {
        let expect = &self.scenario.expect;
        let env = self.state.shared_env();
        RunChecks {
            always: self.always.clone(),
            at_end: expect.at_end.iter().map(|c| !holds(c, &env)).collect(),
            final_failed: expect
                .final_state
                .as_ref()
                .is_some_and(|f| !f.matches(&self.state.balances, &self.state.queues)),
        }
    }

    /// The state the last run ended in.
    pub fn state(&self) -> &State {
        &self.state
    }
}

/// A complete run with its log, verdicts and analyses, ready for the renderers.
#[derive(Debug, Clone)]
pub struct RunReport<'s> {
    pub scenario: &'s Scenario,
    pub policy: PolicyChoice,
    pub events: Vec<Event>,
    pub schedule: Vec<ThreadId>,
    pub summary: RunSummary,
    pub verdicts: RunVerdicts,
    pub analysis: RunAnalysis,
}

impl<'s> RunReport<'s> {
    /// Judges and analyses a finished run; `state` is the state it ended in.
    pub fn new(
        scenario: &'s Scenario,
        policy: PolicyChoice,
        events: Vec<Event>,
        schedule: Vec<ThreadId>,
        summary: RunSummary,
        state: &State,
    ) -> RunReport<'s> {
        let verdicts = expect::judge_run(scenario, &summary.outcome.status, &summary.checks, &events);
        let analysis = analysis::analyse(scenario, &events, &summary.outcome.status, state);
        RunReport {
            scenario,
            policy,
            events,
            schedule,
            summary,
            verdicts,
            analysis,
        }
    }
}

/// Runs `scenario` once under `choice`, recording every event and the schedule, stopping with
/// status `limit` after `limit` steps (`None`: never). os-threads runs on real threads.
pub fn run_limited<'s>(scenario: &'s Scenario, choice: &PolicyChoice, limit: Option<u64>) -> RunReport<'s> {
    let Some(mut policy) = choice.build(scenario) else {
        let PolicyChoice::OsThreads { tick } = choice else {
            unreachable!("every simulator policy builds")
        };
        return crate::threads::run(scenario, *tick, limit);
    };
    let mut runner = Runner::new(scenario).with_limit(limit);
    let mut events = Vec::new();
    let mut schedule = Vec::new();
    let summary = runner.run(&mut policy, &mut events, Some(&mut schedule));
    RunReport::new(
        scenario,
        choice.clone(),
        events,
        schedule,
        summary,
        runner.state(),
    )
}

/// The most steps a logged run records when neither the scenario nor the command line sets a
/// limit: the log of each step is kept in memory, so a scenario of a billion steps must stop
/// somewhere (with status `limit`; `--max-steps` chooses another bound).
pub const DEFAULT_LOG_STEPS: u64 = 1_000_000;

/// The step limit of a logged run of `scenario`: its own `max_steps`, else
/// [`DEFAULT_LOG_STEPS`] when a run could take more steps than that.
pub fn log_limit(scenario: &Scenario) -> Option<u64> {
    scenario.scheduler.max_steps.or_else(|| {
        (scenario.has_loops() || scenario.step_bound() > DEFAULT_LOG_STEPS).then_some(DEFAULT_LOG_STEPS)
    })
}

/// Runs `scenario` once under `choice` with its log limit (see [`log_limit`]).
pub fn run<'s>(scenario: &'s Scenario, choice: &PolicyChoice) -> RunReport<'s> {
    run_limited(scenario, choice, log_limit(scenario))
}
