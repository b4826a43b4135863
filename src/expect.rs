//! `[expect]` as data: every check of a scenario judged against one run, an exploration or a
//! sweep, as typed verdicts. The CLI takes exit statuses from them and `racesim test` its
//! failure reasons; renderers only put them into words.

use crate::engine::{Effect, Event};
use crate::explore::{Exploration, ExploredOutcome};
use crate::outcome::Status;
use crate::scenario::{Condition, Env, ExpectedOutcome, Scenario, ThreadId};

/// One expectation of `[expect]`, by its place in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    Outcomes,
    Final,
    Always(usize),
    AtEnd(usize),
}

/// A condition over the shared state; an evaluation error (overflow, division by zero) counts
/// as false.
#[inline]
pub fn holds(condition: &Condition, env: &Env) -> bool {
    matches!(condition.eval(env), Ok(v) if v != 0)
}

/// What a runner gathers as a run goes: where each expectation first failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunChecks {
    /// Per `always` condition: the first step after which it was false (0: the initial state).
    pub always: Vec<Option<u64>>,
    /// Per `at_end` condition: false where the run stopped.
    pub at_end: Vec<bool>,
    /// `final` was given and the run did not end (or stop) with those balances and queues.
    pub final_failed: bool,
}

impl RunChecks {
    pub fn passed(&self) -> bool {
        !self.final_failed && self.always.iter().all(Option::is_none) && !self.at_end.contains(&true)
    }
}

/// How one run failed an expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunFailure {
    /// `final`: the run ended (or stopped at the step limit) with other balances or queues.
    Final,
    /// `always` was false after `step` (0: in the initial state), with these balances.
    Always { step: u64, balances: Vec<i64> },
    /// `at_end` was false where the run stopped.
    AtEnd,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunVerdict {
    pub check: Check,
    pub failure: Option<RunFailure>,
}

/// Every expectation of a run, in the order of `[expect]` (`outcomes` is judged by explore).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunVerdicts {
    Checked(Vec<RunVerdict>),
    /// The schedule did not fit the scenario: the run says nothing about the expectations.
    NotChecked,
}

impl RunVerdicts {
    pub fn passed(&self) -> bool {
        match self {
            RunVerdicts::Checked(v) => v.iter().all(|v| v.failure.is_none()),
            RunVerdicts::NotChecked => false,
        }
    }

    pub fn failures(&self) -> impl Iterator<Item = &RunVerdict> {
        let all: &[RunVerdict] = match self {
            RunVerdicts::Checked(v) => v,
            RunVerdicts::NotChecked => &[],
        };
        all.iter().filter(|v| v.failure.is_some())
    }
}

/// Judges a finished run: `checks` as the runner gathered them, `events` its log (for the
/// balances where an `always` failed).
pub fn judge_run(scenario: &Scenario, status: &Status, checks: &RunChecks, events: &[Event]) -> RunVerdicts {
    if status.is_usage_error() {
        return RunVerdicts::NotChecked;
    }
    let expect = &scenario.expect;
    let mut out = Vec::new();
    if expect.final_state.is_some() {
        let failure = checks.final_failed.then_some(RunFailure::Final);
        out.push(RunVerdict {
            check: Check::Final,
            failure,
        });
    }
    for (i, first) in checks.always.iter().enumerate() {
        out.push(RunVerdict {
            check: Check::Always(i),
            failure: first.map(|step| RunFailure::Always {
                step,
                balances: balances_after(scenario, events, step),
            }),
        });
    }
    for (i, failed) in checks.at_end.iter().enumerate() {
        out.push(RunVerdict {
            check: Check::AtEnd(i),
            failure: failed.then_some(RunFailure::AtEnd),
        });
    }
    RunVerdicts::Checked(out)
}

/// The balances after `step` steps of a logged run (0: the initial balances).
pub fn balances_after(scenario: &Scenario, events: &[Event], step: u64) -> Vec<i64> {
    let mut values = scenario.initial_balances();
    for e in events.iter().take_while(|e| e.step <= step) {
        match e.effect {
            Effect::Write { account, value, .. } | Effect::AtomicAdd { account, value, .. } => {
                values[account] = value;
            }
            _ => {}
        }
    }
    values
}

/// How an exploration failed an expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExploreFailure {
    /// `outcomes`: entries no interleaving reaches, and reached outcomes (indices into the
    /// exploration's outcomes) that no entry matches.
    Outcomes {
        missing: Vec<ExpectedOutcome>,
        unexpected: Vec<usize>,
    },
    /// `final`: other outcomes are reachable (indices); `reached` says whether any
    /// interleaving ends ok with the expected balances at all.
    Final { others: Vec<usize>, reached: bool },
    /// `always` or `at_end`: false in a reachable state, with the shortest schedule to it.
    Condition {
        schedule: Vec<ThreadId>,
        balances: Vec<i64>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExploreVerdict {
    pub check: Check,
    pub failure: Option<ExploreFailure>,
}

/// Every expectation judged over every interleaving, in the order of `[expect]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExploreVerdicts(pub Vec<ExploreVerdict>);

impl ExploreVerdicts {
    pub fn passed(&self) -> bool {
        self.0.iter().all(|v| v.failure.is_none())
    }

    pub fn failures(&self) -> impl Iterator<Item = &ExploreVerdict> {
        self.0.iter().filter(|v| v.failure.is_some())
    }
}

/// Whether an outcome (a status, balances and queues) matches an `outcomes` entry.
pub fn matches(expected: &ExpectedOutcome, status: &Status, balances: &[i64], queues: &[Vec<i64>]) -> bool {
    match (expected, status) {
        (ExpectedOutcome::Ok(p), Status::Ok) => p.matches(balances, queues),
        (ExpectedOutcome::Deadlock, Status::Deadlock)
        | (ExpectedOutcome::Livelock, Status::Livelock)
        | (ExpectedOutcome::Error, Status::Error(_)) => true,
        _ => false,
    }
}

/// Whether the scenario expects an outcome: it matches an `outcomes` entry or `final`.
/// `None` when the scenario names no expected outcome.
pub fn is_expected(
    scenario: &Scenario,
    status: &Status,
    balances: &[i64],
    queues: &[Vec<i64>],
) -> Option<bool> {
    let e = &scenario.expect;
    if e.outcomes.is_none() && e.final_state.is_none() {
        return None;
    }
    let listed = e
        .outcomes
        .as_ref()
        .is_some_and(|list| list.iter().any(|x| matches(x, status, balances, queues)));
    let is_final = e
        .final_state
        .as_ref()
        .is_some_and(|f| *status == Status::Ok && f.matches(balances, queues));
    Some(listed || is_final)
}

/// Judges an exploration against the scenario's `[expect]`.
pub fn judge_exploration(scenario: &Scenario, x: &Exploration) -> ExploreVerdicts {
    let e = &scenario.expect;
    let mut out = Vec::new();
    if let Some(expected) = &e.outcomes {
        let missing: Vec<ExpectedOutcome> = expected
            .iter()
            .filter(|e| {
                !x.outcomes
                    .iter()
                    .any(|o| matches(e, &o.status, &o.balances, &o.queues))
            })
            .cloned()
            .collect();
        let unexpected: Vec<usize> = (0..x.outcomes.len())
            .filter(|&i| {
                let o = &x.outcomes[i];
                !expected
                    .iter()
                    .any(|e| matches(e, &o.status, &o.balances, &o.queues))
            })
            .collect();
        let failed = !missing.is_empty() || !unexpected.is_empty();
        out.push(ExploreVerdict {
            check: Check::Outcomes,
            failure: failed.then_some(ExploreFailure::Outcomes { missing, unexpected }),
        });
    }
    if let Some(f) = &e.final_state {
        // Livelocks have no end state: `final` says nothing about them.
        let is_final =
            |o: &ExploredOutcome| o.status == Status::Livelock || f.matches(&o.balances, &o.queues);
        let others: Vec<usize> = (0..x.outcomes.len())
            .filter(|&i| !is_final(&x.outcomes[i]))
            .collect();
        let reached = x.outcomes.iter().any(is_final);
        out.push(ExploreVerdict {
            check: Check::Final,
            failure: (!others.is_empty()).then_some(ExploreFailure::Final { others, reached }),
        });
    }
    let conditions = (0..e.always.len())
        .map(Check::Always)
        .chain((0..e.at_end.len()).map(Check::AtEnd));
    for check in conditions {
        let failure = x
            .violations
            .iter()
            .find(|v| v.check == check)
            .map(|v| ExploreFailure::Condition {
                schedule: v.schedule.clone(),
                balances: v.balances.clone(),
            });
        out.push(ExploreVerdict { check, failure });
    }
    ExploreVerdicts(out)
}

/// A sweep's verdict: every seed's run passed every expectation, or the first that did not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepVerdict {
    pub first_failing_seed: Option<u64>,
}

impl SweepVerdict {
    pub fn passed(&self) -> bool {
        self.first_failing_seed.is_none()
    }
}
