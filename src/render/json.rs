//! Machine-readable output, from typed `Serialize` structs: the key names and their order are
//! the contract (`docs/scenario-format.md`, README "Output formats").
//!
//! # `run --format jsonl`
//! One object per executed step, then one summary object; every line has a `"type"`:
//! - `{"type": "step", "step", "time", "thread", "op", ...}` with, per `op`: `read` →
//!   `account, into, value`; `write` → `account, value, old`; `set` → `local, value`;
//!   `atomic_add` → `account, add, value, old`; `lock`/`unlock` → `lock`; `require` →
//!   `value, passed`; `sleep` → `ticks`; `log` → `message`; `error` (the step that failed) →
//!   `message`. Then `expr` (the expression a value came from, as written), `delay` (ticks until
//!   the thread runs again), `finished` (the transaction ended) and `started` (a queued
//!   transaction started on the freed worker) when they apply.
//! - `{"type": "summary", "status", "final": {ACCOUNT: BALANCE}, "schedule": [NAME...],
//!   "message"?, "waiting"?: [{"thread", "lock", "held_by"}], "steps", "expect_passed",
//!   "expect"?: [LINE...]}`.
//!
//! # `explore --format json`
//! `{"scenario", "states", "schedules": "DECIMAL", "outcomes": [{"status", "balances",
//! "schedules": "DECIMAL", "probability", "witness": [NAME...], "message"?, "preemptions",
//! "serial", "races"}], "race_free", "violations": [{"kind", "condition", "balances",
//! "schedule"}], "expect_passed", "expect": [LINE...]}`.
//!
//! # `sweep --format json`
//! `{"seeds", "outcomes": [{"status", "balances", "count", "first_seed", "message"?,
//! "serial"}], "expect_passed", "first_failing_seed"}`.

use serde::Serialize;
use serde::ser::SerializeMap;

use super::words;
use crate::analysis::{RaceKind, RaceKinds, WaitingOn};
use crate::engine::{Effect, Event};
use crate::expect::Check;
use crate::explore::Exploration;
use crate::run::RunReport;
use crate::scenario::{Op, Scenario, ThreadId};
use crate::sweep::Sweep;

/// Account balances as a JSON object in the scenario's account order.
pub struct Balances<'a>(pub &'a Scenario, pub &'a [i64]);

impl Serialize for Balances<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.1.len()))?;
        for (a, v) in self.0.accounts.iter().zip(self.1) {
            map.serialize_entry(&a.name, v)?;
        }
        map.end()
    }
}

/// Thread names of a schedule.
struct Names<'a>(&'a Scenario, &'a [ThreadId]);

impl Serialize for Names<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.1.iter().map(|&t| self.0.thread_name(t)))
    }
}

#[derive(Serialize)]
struct StepLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    step: u64,
    time: crate::engine::Time,
    thread: &'a str,
    #[serde(flatten)]
    op: OpFields<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expr: Option<&'a str>,
    #[serde(skip_serializing_if = "is_zero")]
    delay: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    finished: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    also_finished: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    started: Vec<&'a str>,
}

// serde's skip_serializing_if passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(v: &u64) -> bool {
    *v == 0
}

#[derive(Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum OpFields<'a> {
    Read {
        account: &'a str,
        into: &'a str,
        value: i64,
    },
    Write {
        account: &'a str,
        value: i64,
        old: i64,
    },
    Set {
        local: &'a str,
        value: i64,
    },
    AtomicAdd {
        account: &'a str,
        add: i64,
        value: i64,
        old: i64,
    },
    Lock {
        lock: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        count: Option<u32>,
    },
    Unlock {
        lock: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        count: Option<u32>,
    },
    TryLock {
        lock: &'a str,
        into: &'a str,
        value: i64,
    },
    Acquire {
        semaphore: &'a str,
        value: i64,
    },
    Release {
        semaphore: &'a str,
        value: i64,
    },
    TryAcquire {
        semaphore: &'a str,
        into: &'a str,
        acquired: bool,
        value: i64,
    },
    Signal {
        event: &'a str,
        was: bool,
    },
    Clear {
        event: &'a str,
        was: bool,
    },
    /// `wait` on an event, a condition or a barrier: one of the three keys.
    Wait {
        #[serde(skip_serializing_if = "Option::is_none")]
        event: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        condition: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        lock: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        waiting: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        barrier: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        arrived: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        parties: Option<u32>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        woken: Vec<&'a str>,
    },
    Reacquire {
        condition: &'a str,
        lock: &'a str,
    },
    Notify {
        condition: &'a str,
        woken: Vec<&'a str>,
    },
    NotifyAll {
        condition: &'a str,
        woken: Vec<&'a str>,
    },
    Put {
        queue: &'a str,
        value: i64,
        contents: Vec<i64>,
    },
    Get {
        queue: &'a str,
        into: &'a str,
        value: i64,
        contents: Vec<i64>,
    },
    Join {
        transaction: &'a str,
    },
    Await {
        value: i64,
    },
    Assert {
        value: i64,
    },
    Cas {
        account: &'a str,
        expected: i64,
        value: i64,
        old: i64,
        swapped: bool,
        into: &'a str,
    },
    If {
        value: i64,
        branch: &'static str,
    },
    While {
        value: i64,
        looped: bool,
    },
    Require {
        value: i64,
        passed: bool,
    },
    Sleep {
        ticks: u64,
    },
    Log {
        message: &'a str,
    },
    Error {
        message: String,
    },
}

fn op_fields<'a>(sc: &'a Scenario, e: &'a Event) -> OpFields<'a> {
    let tx = &sc.transactions[e.thread];
    let op = &tx.steps[e.pc as usize].op;
    let account = |a: usize| sc.accounts[a].name.as_str();
    let local = |slot: u16| tx.locals[usize::from(slot)].as_str();
    let names = |ts: &'a [usize]| ts.iter().map(|&t| sc.thread_name(t)).collect::<Vec<_>>();
    let contents = || e.queue.clone().unwrap_or_default();
    let into_of = || match op {
        Op::TryLock { into, .. } | Op::TryAcquire { into, .. } => local(*into),
        _ => "",
    };
    match e.effect {
        Effect::Read {
            account: a,
            into,
            value,
        } => OpFields::Read {
            account: account(a),
            into: local(into),
            value,
        },
        Effect::Write {
            account: a,
            value,
            old,
        } => OpFields::Write {
            account: account(a),
            value,
            old,
        },
        Effect::Set { local: l, value } => OpFields::Set {
            local: local(l),
            value,
        },
        Effect::AtomicAdd {
            account: a,
            added,
            old,
            value,
        } => OpFields::AtomicAdd {
            account: account(a),
            add: added,
            value,
            old,
        },
        Effect::Lock { lock, count } => OpFields::Lock {
            lock: &sc.locks[lock].name,
            count: sc.locks[lock].reentrant.then_some(count),
        },
        Effect::Unlock { lock, count } => OpFields::Unlock {
            lock: &sc.locks[lock].name,
            count: sc.locks[lock].reentrant.then_some(count),
        },
        Effect::TryLock { lock, got, .. } => OpFields::TryLock {
            lock: &sc.locks[lock].name,
            into: into_of(),
            value: i64::from(got),
        },
        Effect::Acquire { semaphore, value } => OpFields::Acquire {
            semaphore: &sc.semaphores[semaphore].name,
            value,
        },
        Effect::Release { semaphore, value } => OpFields::Release {
            semaphore: &sc.semaphores[semaphore].name,
            value,
        },
        Effect::TryAcquire {
            semaphore,
            got,
            value,
        } => OpFields::TryAcquire {
            semaphore: &sc.semaphores[semaphore].name,
            into: into_of(),
            acquired: got,
            value,
        },
        Effect::Signal { event, was } => OpFields::Signal {
            event: &sc.events[event],
            was,
        },
        Effect::Clear { event, was } => OpFields::Clear {
            event: &sc.events[event],
            was,
        },
        Effect::WaitEvent { event } => OpFields::Wait {
            event: Some(&sc.events[event]),
            condition: None,
            lock: None,
            waiting: None,
            barrier: None,
            arrived: None,
            parties: None,
            woken: Vec::new(),
        },
        Effect::WaitCondition { cond, lock, waiting } => OpFields::Wait {
            event: None,
            condition: Some(&sc.conditions[cond].name),
            lock: Some(&sc.locks[lock].name),
            waiting: Some(waiting),
            barrier: None,
            arrived: None,
            parties: None,
            woken: Vec::new(),
        },
        Effect::WaitBarrier {
            barrier,
            arrived,
            parties,
        } => OpFields::Wait {
            event: None,
            condition: None,
            lock: None,
            waiting: None,
            barrier: Some(&sc.barriers[barrier].name),
            arrived: Some(arrived),
            parties: Some(parties),
            woken: names(&e.woken),
        },
        Effect::Reacquire { cond, lock } => OpFields::Reacquire {
            condition: &sc.conditions[cond].name,
            lock: &sc.locks[lock].name,
        },
        Effect::Notify { cond } => OpFields::Notify {
            condition: &sc.conditions[cond].name,
            woken: names(&e.woken),
        },
        Effect::NotifyAll { cond } => OpFields::NotifyAll {
            condition: &sc.conditions[cond].name,
            woken: names(&e.woken),
        },
        Effect::Put { queue, value, .. } => OpFields::Put {
            queue: &sc.queues[queue].name,
            value,
            contents: contents(),
        },
        Effect::Get {
            queue, into, value, ..
        } => OpFields::Get {
            queue: &sc.queues[queue].name,
            into: local(into),
            value,
            contents: contents(),
        },
        Effect::Join { target } => OpFields::Join {
            transaction: sc.thread_name(target),
        },
        Effect::Await { value } => OpFields::Await { value },
        Effect::Assert { value } => OpFields::Assert { value },
        Effect::Cas {
            account: a,
            expected,
            value,
            old,
            swapped,
            into,
        } => OpFields::Cas {
            account: account(a),
            expected,
            value,
            old,
            swapped,
            into: local(into),
        },
        Effect::If { value, taken } => OpFields::If {
            value,
            branch: if taken { "then" } else { "else" },
        },
        Effect::While { value } => OpFields::While {
            value,
            looped: value != 0,
        },
        Effect::Require { value } => OpFields::Require {
            value,
            passed: value != 0,
        },
        Effect::Sleep(n) => OpFields::Sleep { ticks: n },
        Effect::Log => OpFields::Log {
            message: match op {
                Op::Log(m) => m,
                _ => "",
            },
        },
        Effect::Fault(_) => OpFields::Error {
            message: super::describe(sc, e),
        },
    }
}

#[derive(Serialize)]
struct SummaryLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    #[serde(rename = "final")]
    final_balances: Balances<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    queues: Option<Queues<'a>>,
    schedule: Names<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    waiting: Vec<WaitingEntry<'a>>,
    steps: u64,
    expect_passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    expect: Option<Vec<String>>,
}

/// One blocked thread of a deadlock: `{"thread", "waits_for": KIND, ...}` with the keys of
/// its kind (a lock's waiter also has `"lock"` and `"held_by"`, as in version 1).
#[derive(Serialize)]
struct WaitingEntry<'a> {
    thread: &'a str,
    #[serde(flatten)]
    on: WaitsFor<'a>,
}

#[derive(Serialize)]
#[serde(tag = "waits_for", rename_all = "snake_case")]
enum WaitsFor<'a> {
    Lock {
        lock: &'a str,
        held_by: Option<&'a str>,
    },
    Semaphore {
        semaphore: &'a str,
    },
    Event {
        event: &'a str,
    },
    Notify {
        condition: &'a str,
    },
    Reacquire {
        condition: &'a str,
        lock: &'a str,
        held_by: Option<&'a str>,
    },
    Barrier {
        barrier: &'a str,
        arrived: u32,
        parties: u32,
    },
    QueueEmpty {
        queue: &'a str,
    },
    QueueFull {
        queue: &'a str,
        capacity: u64,
    },
    Join {
        transaction: &'a str,
        started: bool,
    },
    Guard {
        guard: &'a str,
        values: Vec<(String, i64)>,
    },
    Worker {},
}

fn waits_for<'a>(sc: &'a Scenario, w: &'a crate::analysis::Waiting) -> WaitsFor<'a> {
    let name = |t: usize| sc.thread_name(t);
    match &w.on {
        WaitingOn::Lock { lock, holder } => WaitsFor::Lock {
            lock: &sc.locks[*lock].name,
            held_by: holder.map(name),
        },
        WaitingOn::Semaphore { semaphore } => WaitsFor::Semaphore {
            semaphore: &sc.semaphores[*semaphore].name,
        },
        WaitingOn::Event { event } => WaitsFor::Event {
            event: &sc.events[*event],
        },
        WaitingOn::Notify { cond } => WaitsFor::Notify {
            condition: &sc.conditions[*cond].name,
        },
        WaitingOn::Reacquire { cond, lock, holder } => WaitsFor::Reacquire {
            condition: &sc.conditions[*cond].name,
            lock: &sc.locks[*lock].name,
            held_by: holder.map(name),
        },
        WaitingOn::Barrier {
            barrier,
            arrived,
            parties,
        } => WaitsFor::Barrier {
            barrier: &sc.barriers[*barrier].name,
            arrived: *arrived,
            parties: *parties,
        },
        WaitingOn::QueueEmpty { queue } => WaitsFor::QueueEmpty {
            queue: &sc.queues[*queue].name,
        },
        WaitingOn::QueueFull { queue, capacity } => WaitsFor::QueueFull {
            queue: &sc.queues[*queue].name,
            capacity: *capacity,
        },
        WaitingOn::Join { target, pending } => WaitsFor::Join {
            transaction: name(*target),
            started: !pending,
        },
        WaitingOn::Guard { pc, values } => WaitsFor::Guard {
            guard: sc.transactions[w.thread].steps[*pc as usize]
                .op
                .codes()
                .first()
                .map_or("", |c| c.text.as_str()),
            values: values
                .iter()
                .map(|(v, x)| (words::var_name(sc, w.thread, *v), *x))
                .collect(),
        },
        WaitingOn::Worker => WaitsFor::Worker {},
    }
}

/// Queue contents as a JSON object in the scenario's queue order.
pub struct Queues<'a>(pub &'a Scenario, pub &'a [Vec<i64>]);

impl Serialize for Queues<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.1.len()))?;
        for (q, v) in self.0.queues.iter().zip(self.1) {
            map.serialize_entry(&q.name, v)?;
        }
        map.end()
    }
}

/// `run --format jsonl`: one line per step, then the summary line.
pub fn run_jsonl(report: &RunReport) -> String {
    let sc = report.scenario;
    let mut out = String::new();
    for e in &report.events {
        let op = &sc.transactions[e.thread].steps[e.pc as usize].op;
        let code = op.codes().first().copied();
        let line = StepLine {
            kind: "step",
            step: e.step,
            time: e.time,
            thread: sc.thread_name(e.thread),
            op: op_fields(sc, e),
            expr: code
                .filter(|_| !matches!(e.effect, Effect::Fault(_)) && !matches!(op, Op::Cas { .. }))
                .map(|c| c.text.as_str()),
            delay: e.delay,
            finished: e.finished,
            also_finished: e.also_finished.iter().map(|&t| sc.thread_name(t)).collect(),
            started: e.started.iter().map(|&(t, _)| sc.thread_name(t)).collect(),
        };
        push_line(&mut out, &line);
    }
    let summary = &report.summary;
    let expect = &sc.expect;
    let has_expect = expect.final_state.is_some() || !expect.always.is_empty() || !expect.at_end.is_empty();
    let line = SummaryLine {
        kind: "summary",
        status: summary.outcome.status.name(),
        final_balances: Balances(sc, &summary.outcome.balances),
        queues: (!sc.queues.is_empty()).then(|| Queues(sc, &summary.outcome.queues)),
        schedule: Names(sc, &report.schedule),
        message: words::run_message(sc, &summary.outcome.status),
        waiting: report
            .analysis
            .waiting
            .iter()
            .map(|w| WaitingEntry {
                thread: sc.thread_name(w.thread),
                on: waits_for(sc, w),
            })
            .collect(),
        steps: summary.steps,
        expect_passed: report.verdicts.passed(),
        expect: has_expect.then(|| super::text::verdicts(report)),
    };
    push_line(&mut out, &line);
    out
}

fn push_line(out: &mut String, value: &impl Serialize) {
    // Serializing these structs cannot fail: every map key is a string.
    if let Ok(text) = serde_json::to_string(value) {
        out.push_str(&text);
    }
    out.push('\n');
}

fn pretty(value: &impl Serialize) -> String {
    let mut out = serde_json::to_string_pretty(value).unwrap_or_default();
    out.push('\n');
    out
}

#[derive(Serialize)]
struct ExploreReport<'a> {
    scenario: &'a str,
    states: u64,
    schedules: String,
    outcomes: Vec<ExploredEntry<'a>>,
    race_free: bool,
    violations: Vec<ViolationEntry<'a>>,
    expect_passed: bool,
    expect: Vec<String>,
}

#[derive(Serialize)]
struct ExploredEntry<'a> {
    status: &'static str,
    balances: Balances<'a>,
    /// Only when the scenario declares queues.
    #[serde(skip_serializing_if = "Option::is_none")]
    queues: Option<Queues<'a>>,
    schedules: String,
    probability: f64,
    witness: Names<'a>,
    /// A livelock's way round (see `Lasso`).
    #[serde(skip_serializing_if = "Option::is_none")]
    stem: Option<Names<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cycle: Option<Names<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    preemptions: u32,
    serial: bool,
    races: Races,
}

/// The race kinds an outcome's witness shows, by name.
#[derive(Serialize)]
struct Races(Vec<&'static str>);

impl From<RaceKinds> for Races {
    fn from(r: RaceKinds) -> Races {
        Races(r.iter().map(RaceKind::key).collect())
    }
}

#[derive(Serialize)]
struct ViolationEntry<'a> {
    kind: &'static str,
    condition: &'a str,
    balances: Balances<'a>,
    schedule: Names<'a>,
}

/// `explore --format json`. `file` names the scenario in the verdicts' commands.
pub fn explore_json(sc: &Scenario, x: &Exploration, file: &str) -> String {
    let report = ExploreReport {
        scenario: &sc.name,
        states: x.states,
        schedules: x.schedules.to_string(),
        outcomes: x
            .outcomes
            .iter()
            .map(|o| ExploredEntry {
                status: o.status.name(),
                balances: Balances(sc, &o.balances),
                queues: (!sc.queues.is_empty()).then(|| Queues(sc, &o.queues)),
                schedules: o.schedules.to_string(),
                probability: o.probability,
                witness: Names(sc, &o.witness),
                stem: o.lasso.as_ref().map(|l| Names(sc, &l.stem)),
                cycle: o.lasso.as_ref().map(|l| Names(sc, &l.cycle)),
                message: words::outcome_message(sc, &o.status),
                preemptions: o.preemptions,
                serial: o.serial,
                races: o.races.into(),
            })
            .collect(),
        race_free: x.race_free(),
        violations: x
            .violations
            .iter()
            .map(|v| {
                let (kind, condition) = match v.check {
                    Check::Always(i) => ("always", sc.expect.always[i].text.as_str()),
                    Check::AtEnd(i) => ("at_end", sc.expect.at_end[i].text.as_str()),
                    Check::Outcomes | Check::Final => ("", ""),
                };
                ViolationEntry {
                    kind,
                    condition,
                    balances: Balances(sc, &v.balances),
                    schedule: Names(sc, &v.schedule),
                }
            })
            .collect(),
        expect_passed: x.verdicts.passed(),
        expect: x
            .verdicts
            .0
            .iter()
            .map(|v| words::explore_verdict(sc, x, file, v))
            .collect(),
    };
    pretty(&report)
}

#[derive(Serialize)]
struct SweepReport<'a> {
    seeds: u64,
    outcomes: Vec<SweepEntry<'a>>,
    expect_passed: bool,
    first_failing_seed: Option<u64>,
}

#[derive(Serialize)]
struct SweepEntry<'a> {
    status: &'static str,
    balances: Balances<'a>,
    /// Only when the scenario declares queues.
    #[serde(skip_serializing_if = "Option::is_none")]
    queues: Option<Queues<'a>>,
    count: u64,
    first_seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    serial: bool,
}

/// `sweep --format json`.
pub fn sweep_json(sc: &Scenario, s: &Sweep) -> String {
    let report = SweepReport {
        seeds: s.seeds,
        outcomes: s
            .outcomes
            .iter()
            .map(|o| SweepEntry {
                status: o.status.name(),
                balances: Balances(sc, &o.balances),
                queues: (!sc.queues.is_empty()).then(|| Queues(sc, &o.queues)),
                count: o.count,
                first_seed: o.first_seed,
                message: words::outcome_message(sc, &o.status),
                serial: o.serial,
            })
            .collect(),
        expect_passed: s.verdict.passed(),
        first_failing_seed: s.verdict.first_failing_seed,
    };
    pretty(&report)
}
