//! Scenarios: the validated, immutable description of accounts, synchronization objects,
//! transactions (compiled to flat programs) and expectations that every runner (run, sweep,
//! explore, os-threads) executes.
//!
//! A `Scenario` can only be built by [`parse`] / [`parse_bytes`], which resolve every name to an index
//! and compile every expression, so nothing downstream re-checks user input.

pub mod error;
pub mod expr;
pub(crate) mod liveness;
mod raw;
mod validate;

use std::time::Duration;

pub use error::ScenarioError;
pub use expr::{Env, EvalError, Expr, Var};
pub use validate::parse_duration;

/// Index of a transaction, which is also the index of its logical thread.
pub type ThreadId = usize;
pub type AccountId = usize;
/// Index into `Scenario::locks` (plain locks and rlocks share the space).
pub type LockId = usize;
pub type SemaphoreId = usize;
pub type EventId = usize;
pub type CondId = usize;
pub type BarrierId = usize;
pub type QueueId = usize;

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub accounts: Vec<Account>,
    /// The `locks`, then the `rlocks`, each in file order.
    pub locks: Vec<Lock>,
    pub semaphores: Vec<Semaphore>,
    pub events: Vec<String>,
    pub conditions: Vec<CondVar>,
    pub barriers: Vec<Barrier>,
    pub queues: Vec<Queue>,
    pub transactions: Vec<Transaction>,
    pub scheduler: SchedulerConfig,
    /// Size of the worker pool, at least 1.
    pub workers: usize,
    pub expect: Expect,
}

/// A lock: plain (owned, not re-entrant) or an rlock (re-entrant, counted).
#[derive(Debug, Clone)]
pub struct Lock {
    pub name: String,
    pub reentrant: bool,
}

/// A counting semaphore; a bounded one may not be released above its initial value.
#[derive(Debug, Clone)]
pub struct Semaphore {
    pub name: String,
    pub initial: i64,
    pub bounded: bool,
}

/// A condition variable over a plain lock.
#[derive(Debug, Clone)]
pub struct CondVar {
    pub name: String,
    pub lock: LockId,
}

/// A reusable barrier of `parties` threads.
#[derive(Debug, Clone)]
pub struct Barrier {
    pub name: String,
    pub parties: u32,
}

/// A FIFO queue of integers; `capacity` 0 is unbounded.
#[derive(Debug, Clone)]
pub struct Queue {
    pub name: String,
    pub capacity: u64,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub balance: i64,
}

#[derive(Debug, Clone)]
pub struct Transaction {
    pub name: String,
    /// The program: at least one step; `if`, `while` and the generated `reacquire` of a
    /// condition `wait` are steps too, and every step names the step that follows it.
    pub steps: Vec<Step>,
    /// At least 1.
    pub repeat: u32,
    /// Names of the thread's locals, indexed by slot.
    pub locals: Vec<String>,
    /// `live[pc * locals.len() + slot]`: local `slot` may be read at or after step `pc`
    /// (explore leaves dead locals out of its states).
    pub live: Vec<bool>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub op: Op,
    /// Ticks the thread sleeps after the step.
    pub delay: u64,
    /// The step that runs next (`steps.len()` ends a pass of the body).
    /// For `if` the first step of `then`, for `while` the first step of the loop's body.
    pub next: u32,
    /// For `if` the first step of `else`, for `while` the step after the loop; else `next`.
    pub alt: u32,
}

/// An expression with the text it was compiled from, for logs.
#[derive(Debug, Clone)]
pub struct Code {
    pub expr: Expr,
    pub program: expr::Program,
    pub text: String,
}

impl Code {
    pub fn new(expr: Expr, text: impl Into<String>) -> Code {
        Code {
            program: expr::Program::compile(&expr),
            expr,
            text: text.into(),
        }
    }

    #[inline]
    pub fn eval(&self, env: &Env) -> Result<i64, EvalError> {
        self.program.eval(env)
    }
}

/// One step of a program, with its names resolved. Locals are slots (u16).
#[derive(Debug, Clone)]
pub enum Op {
    Read {
        account: AccountId,
        into: u16,
    },
    Write {
        account: AccountId,
        value: Code,
    },
    Set {
        local: u16,
        value: Code,
    },
    AtomicAdd {
        account: AccountId,
        value: Code,
    },
    /// On a plain lock or an rlock (by the lock's kind).
    Lock(LockId),
    Unlock(LockId),
    TryLock {
        lock: LockId,
        into: u16,
    },
    Acquire(SemaphoreId),
    Release(SemaphoreId),
    TryAcquire {
        semaphore: SemaphoreId,
        into: u16,
    },
    Signal(EventId),
    Clear(EventId),
    WaitEvent(EventId),
    /// Release the condition's lock and join its wait set.
    WaitCondition(CondId),
    /// Generated after every `WaitCondition`: take the lock back once notified.
    Reacquire(CondId),
    Notify(CondId),
    NotifyAll(CondId),
    WaitBarrier(BarrierId),
    Put {
        queue: QueueId,
        value: Code,
    },
    Get {
        queue: QueueId,
        into: u16,
    },
    Join(ThreadId),
    Await(Code),
    Assert {
        condition: Code,
        message: Option<String>,
    },
    Cas {
        account: AccountId,
        expect: Code,
        value: Code,
        into: u16,
    },
    /// Goes on at `next` when the condition is non-zero, else at `alt`.
    If(Code),
    /// Goes on at `next` (the body) when the condition is non-zero, else at `alt`.
    While(Code),
    Require(Code),
    Sleep(u64),
    Log(String),
}

impl Op {
    /// Whether the step may change what `[expect]` conditions read (balances, queue lengths,
    /// event flags): only after such a step can an `always` change.
    #[inline]
    pub fn changes_shared(&self) -> bool {
        matches!(
            self,
            Op::Write { .. }
                | Op::AtomicAdd { .. }
                | Op::Cas { .. }
                | Op::Put { .. }
                | Op::Get { .. }
                | Op::Signal(_)
                | Op::Clear(_)
        )
    }

    /// The local a step assigns, if any.
    pub fn assigns(&self) -> Option<u16> {
        match self {
            Op::Read { into, .. }
            | Op::TryLock { into, .. }
            | Op::TryAcquire { into, .. }
            | Op::Get { into, .. }
            | Op::Cas { into, .. } => Some(*into),
            Op::Set { local, .. } => Some(*local),
            _ => None,
        }
    }

    /// The expressions a step evaluates, in the order it evaluates them.
    pub fn codes(&self) -> Vec<&Code> {
        match self {
            Op::Write { value, .. }
            | Op::Set { value, .. }
            | Op::AtomicAdd { value, .. }
            | Op::Put { value, .. } => vec![value],
            Op::Await(c) | Op::If(c) | Op::While(c) | Op::Require(c) => vec![c],
            Op::Assert { condition, .. } => vec![condition],
            Op::Cas { expect, value, .. } => vec![expect, value],
            _ => Vec::new(),
        }
    }

    /// The key that names the step in files and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Read { .. } => "read",
            Op::Write { .. } => "write",
            Op::Set { .. } => "set",
            Op::AtomicAdd { .. } => "atomic_add",
            Op::Lock(_) => "lock",
            Op::Unlock(_) => "unlock",
            Op::TryLock { .. } => "try_lock",
            Op::Acquire(_) => "acquire",
            Op::Release(_) => "release",
            Op::TryAcquire { .. } => "try_acquire",
            Op::Signal(_) => "signal",
            Op::Clear(_) => "clear",
            Op::WaitEvent(_) | Op::WaitCondition(_) | Op::WaitBarrier(_) => "wait",
            Op::Reacquire(_) => "reacquire",
            Op::Notify(_) => "notify",
            Op::NotifyAll(_) => "notify_all",
            Op::Put { .. } => "put",
            Op::Get { .. } => "get",
            Op::Join(_) => "join",
            Op::Await(_) => "await",
            Op::Assert { .. } => "assert",
            Op::Cas { .. } => "cas",
            Op::If(_) => "if",
            Op::While(_) => "while",
            Op::Require(_) => "require",
            Op::Sleep(_) => "sleep",
            Op::Log(_) => "log",
        }
    }
}

/// A scheduler policy, as files and the command line name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PolicyKind {
    Random,
    RoundRobin,
    Scripted,
    Pct,
    OsThreads,
}

impl PolicyKind {
    pub const ALL: [(&'static str, PolicyKind); 5] = [
        ("random", PolicyKind::Random),
        ("round-robin", PolicyKind::RoundRobin),
        ("scripted", PolicyKind::Scripted),
        ("pct", PolicyKind::Pct),
        ("os-threads", PolicyKind::OsThreads),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("?", |(n, _)| *n)
    }

    pub fn from_name(name: &str) -> Option<PolicyKind> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }
}

#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    pub policy: PolicyKind,
    pub seed: u64,
    pub depth: u32,
    pub quantum: u32,
    pub schedule: Option<Vec<ThreadId>>,
    pub tick: Duration,
    /// Stop a run with status `limit` after this many steps (`None`: never).
    pub max_steps: Option<u64>,
}

/// A condition over account balances, queue lengths and event flags, with its source text.
pub type Condition = Code;

#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// Every run must end `ok` with these values (of the accounts and queues it names).
    pub final_state: Option<Pattern>,
    pub always: Vec<Condition>,
    pub at_end: Vec<Condition>,
    /// The exact set of reachable outcomes (checked by explore).
    pub outcomes: Option<Vec<ExpectedOutcome>>,
}

/// Values of some accounts and queues: `None` matches any value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pattern {
    /// One per account, in file order.
    pub balances: Vec<Option<i64>>,
    /// One per queue, in file order.
    pub queues: Vec<Option<Vec<i64>>>,
}

impl Pattern {
    /// Whether an end state has the pattern's values.
    pub fn matches(&self, balances: &[i64], queues: &[Vec<i64>]) -> bool {
        self.balances
            .iter()
            .zip(balances)
            .all(|(want, have)| want.is_none_or(|w| w == *have))
            && self
                .queues
                .iter()
                .zip(queues)
                .all(|(want, have)| want.as_ref().is_none_or(|w| w == have))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExpectedOutcome {
    /// Status ok with these values.
    Ok(Pattern),
    Deadlock,
    Livelock,
    /// Any runtime error.
    Error,
}

impl Scenario {
    pub fn thread_name(&self, t: ThreadId) -> &str {
        &self.transactions[t].name
    }

    pub fn thread_by_name(&self, name: &str) -> Option<ThreadId> {
        self.transactions.iter().position(|t| t.name == name)
    }

    /// An upper bound on the number of steps of any run (every transaction runs every step of
    /// every repeat; a failed `require` only shortens a run).
    pub fn step_bound(&self) -> u64 {
        self.transactions
            .iter()
            .map(|t| t.steps.len() as u64 * u64::from(t.repeat))
            .sum()
    }

    /// Whether some run may never end (a `while` loop): then there is no static step bound.
    pub fn has_loops(&self) -> bool {
        self.transactions
            .iter()
            .any(|t| t.steps.iter().any(|s| matches!(s.op, Op::While(_))))
    }

    pub fn initial_balances(&self) -> Vec<i64> {
        self.accounts.iter().map(|a| a.balance).collect()
    }

    /// The queues' contents at the start: all empty.
    pub fn initial_queues(&self) -> Vec<Vec<i64>> {
        vec![Vec::new(); self.queues.len()]
    }
}

/// Parses and validates scenario text. `path` is only used in error messages.
pub fn parse(path: &str, source: &str) -> Result<Scenario, Box<ScenarioError>> {
    validate::validate(path, source)
}

/// Validates scenario bytes as read from a file (non-UTF-8 input is an error with a position).
pub fn parse_bytes(path: &str, bytes: &[u8]) -> Result<Scenario, Box<ScenarioError>> {
    match std::str::from_utf8(bytes) {
        Ok(source) => parse(path, source),
        Err(e) => {
            let lossy = String::from_utf8_lossy(bytes).into_owned();
            let at = e.valid_up_to();
            Err(Box::new(ScenarioError::at(
                path,
                &lossy,
                at..at + 1,
                "the file is not valid UTF-8",
            )))
        }
    }
}

/// The most entries a schedule of a scenario with loops may have (without loops, no run takes
/// more steps than the scenario's step bound, so neither may a schedule).
pub const MAX_SCHEDULE: u64 = 100_000_000;

/// Parses a schedule argument: comma-separated transaction names, `name*N` repeats a name.
/// A schedule longer than any run of the scenario (by more than the one entry that a replay
/// reports as left over) is refused before it is expanded.
pub fn parse_schedule(scenario: &Scenario, text: &str) -> Result<Vec<ThreadId>, String> {
    let cap = if scenario.has_loops() {
        MAX_SCHEDULE
    } else {
        scenario.step_bound().saturating_add(1)
    };
    let mut total: u64 = 0;
    let mut out = Vec::new();
    for (i, item) in text.split(',').enumerate() {
        let item = item.trim();
        if item.is_empty() {
            if text.trim().is_empty() {
                break;
            }
            return Err(format!("schedule entry {} is empty", i + 1));
        }
        let (name, count) = match item.split_once('*') {
            Some((name, n)) => {
                let count: usize = n.trim().parse().map_err(|_| {
                    format!("`{item}`: the repeat count after `*` must be a positive integer")
                })?;
                if count == 0 {
                    return Err(format!("`{item}`: the repeat count after `*` must be at least 1"));
                }
                (name.trim(), count)
            }
            None => (item, 1),
        };
        let t = scenario.thread_by_name(name).ok_or_else(|| {
            let names: Vec<&str> = scenario.transactions.iter().map(|t| t.name.as_str()).collect();
            let mut msg = format!("schedule names an unknown transaction `{name}`");
            if let Some(s) = error::did_you_mean(name, names.iter().copied()) {
                msg.push_str(&format!(" (did you mean `{s}`?)"));
            } else {
                msg.push_str(&format!(" (transactions: {})", names.join(", ")));
            }
            msg
        })?;
        total = total.saturating_add(count as u64);
        if total > cap {
            return Err(if scenario.has_loops() {
                format!("the schedule has more than {cap} entries, the most racesim replays")
            } else {
                format!(
                    "the schedule has at least {total} entries, but no run of this scenario takes more than {} steps",
                    cap - 1
                )
            });
        }
        out.extend(std::iter::repeat_n(t, count));
    }
    Ok(out)
}

/// Formats a schedule compactly, the inverse of [`parse_schedule`].
pub fn format_schedule(scenario: &Scenario, schedule: &[ThreadId]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < schedule.len() {
        let t = schedule[i];
        let run = schedule[i..].iter().take_while(|&&x| x == t).count();
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(scenario.thread_name(t));
        if run > 1 {
            out.push_str(&format!("*{run}"));
        }
        i += run;
    }
    out
}
