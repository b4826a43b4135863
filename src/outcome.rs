//! How runs end, as data: a run's [`Status`] and the [`RunError`] that ended it, and the
//! [`OutcomeKey`] by which explore and sweep count end states. No message is built here: words
//! are the renderers' job (`render::words`).

use crate::engine::Fault;
use crate::policy::ScheduleError;
use crate::scenario::ThreadId;
use crate::threads::RunnerError;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Every transaction finished.
    Ok,
    /// No thread can ever run again and some have not finished.
    Deadlock,
    /// The run executed `--max-steps` steps without ending.
    Limit { steps: u64 },
    /// explore: a point of no return (no end can be reached; the threads step forever).
    Livelock,
    /// A step failed (a runtime fault) or the schedule did not fit the scenario.
    Error(RunError),
}

/// What ended a run early: the step that failed (1-based), the thread that tried it, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    pub step: u64,
    /// `None` when no thread was involved (a schedule with names left over).
    pub thread: Option<ThreadId>,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// The engine refused the step: overflow, a bad unlock, ...
    Fault(Fault),
    /// A scripted schedule did not fit the run (a usage error of `--schedule`).
    Schedule(ScheduleError),
    /// The os-threads runner could not run the scenario at all.
    Runner(RunnerError),
}

impl Status {
    /// The status as the contract names it: `ok`, `deadlock`, `limit`, `error`.
    pub fn name(&self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Deadlock => "deadlock",
            Status::Limit { .. } => "limit",
            Status::Livelock => "livelock",
            Status::Error(_) => "error",
        }
    }

    pub fn error(&self) -> Option<&RunError> {
        match self {
            Status::Error(e) => Some(e),
            _ => None,
        }
    }

    /// The run did not fit (a schedule that does not fit the scenario, real threads that could
    /// not start): it says nothing about the scenario, and its expectations are not checked.
    pub fn is_usage_error(&self) -> bool {
        matches!(
            self,
            Status::Error(RunError {
                kind: ErrorKind::Schedule(_) | ErrorKind::Runner(_),
                ..
            })
        )
    }

    /// The run reached an end state of the scenario (ok, deadlock or a runtime fault).
    pub fn is_end(&self) -> bool {
        match self {
            Status::Ok | Status::Deadlock => true,
            Status::Limit { .. } | Status::Livelock => false,
            Status::Error(e) => matches!(e.kind, ErrorKind::Fault(_)),
        }
    }

    /// The identity of this end as an outcome: the step at which an error happened does not
    /// matter (the same fault reached after a different number of steps is the same outcome).
    pub fn key(&self) -> OutcomeKey {
        match self {
            Status::Ok => OutcomeKey::Ok,
            Status::Deadlock => OutcomeKey::Deadlock,
            Status::Limit { .. } => OutcomeKey::Limit,
            Status::Livelock => OutcomeKey::Livelock,
            Status::Error(e) => OutcomeKey::Error {
                thread: e.thread,
                kind: e.kind.clone(),
            },
        }
    }
}

/// An outcome as explore tells them apart: its status and the balances and queue contents it
/// ends with. Ordered by status first, so equally likely outcomes list ok before errors.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EndState {
    pub key: OutcomeKey,
    pub balances: Vec<i64>,
    pub queues: Vec<Vec<i64>>,
}

impl EndState {
    /// The outcome `key` with the balances and queues of `state`.
    pub fn of(key: OutcomeKey, state: &crate::engine::State) -> EndState {
        EndState {
            key,
            balances: state.balances.clone(),
            queues: state.queues.clone(),
        }
    }
}

/// What distinguishes one outcome's status from another's, in the order outcomes are listed
/// when they are equally likely: ok, deadlock, limit, then errors by thread and kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutcomeKey {
    Ok,
    Deadlock,
    Limit,
    Livelock,
    Error {
        thread: Option<ThreadId>,
        kind: ErrorKind,
    },
}

impl OutcomeKey {
    pub fn name(&self) -> &'static str {
        match self {
            OutcomeKey::Ok => "ok",
            OutcomeKey::Deadlock => "deadlock",
            OutcomeKey::Limit => "limit",
            OutcomeKey::Livelock => "livelock",
            OutcomeKey::Error { .. } => "error",
        }
    }
}
