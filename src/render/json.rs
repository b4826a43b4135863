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
use crate::analysis::{RaceKinds, WaitingOn};
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
    time: u64,
    thread: &'a str,
    #[serde(flatten)]
    op: OpFields<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expr: Option<&'a str>,
    #[serde(skip_serializing_if = "is_zero")]
    delay: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    finished: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    started: Option<&'a str>,
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
    },
    Unlock {
        lock: &'a str,
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

fn op_fields<'a>(sc: &'a Scenario, e: &Event<'a>) -> OpFields<'a> {
    let tx = &sc.transactions[e.thread];
    let account = |a: usize| sc.accounts[a].name.as_str();
    match e.effect {
        Effect::Read {
            account: a,
            into,
            value,
        } => OpFields::Read {
            account: account(a),
            into: &tx.locals[into as usize],
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
        Effect::Set { local, value } => OpFields::Set {
            local: &tx.locals[local as usize],
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
        Effect::Lock(l) => OpFields::Lock { lock: &sc.locks[l] },
        Effect::Unlock(l) => OpFields::Unlock { lock: &sc.locks[l] },
        Effect::Require { value } => OpFields::Require {
            value,
            passed: value != 0,
        },
        Effect::Sleep(n) => OpFields::Sleep { ticks: n },
        Effect::Log(m) => OpFields::Log { message: m },
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

#[derive(Serialize)]
struct WaitingEntry<'a> {
    thread: &'a str,
    lock: &'a str,
    held_by: Option<&'a str>,
}

/// `run --format jsonl`: one line per step, then the summary line.
pub fn run_jsonl(report: &RunReport) -> String {
    let sc = report.scenario;
    let mut out = String::new();
    for e in &report.events {
        let code = match &sc.transactions[e.thread].steps[e.pc as usize].op {
            Op::Write { value, .. } | Op::Set { value, .. } | Op::AtomicAdd { value, .. } => Some(value),
            Op::Require(cond) => Some(cond),
            _ => None,
        };
        let line = StepLine {
            kind: "step",
            step: e.step,
            time: e.time,
            thread: sc.thread_name(e.thread),
            op: op_fields(sc, e),
            expr: code
                .filter(|_| !matches!(e.effect, Effect::Fault(_)))
                .map(|c| c.text.as_str()),
            delay: e.delay,
            finished: e.finished,
            started: e.started.map(|t| sc.thread_name(t)),
        };
        push_line(&mut out, &line);
    }
    let summary = &report.summary;
    let expect = &sc.expect;
    let has_expect =
        expect.final_balances.is_some() || !expect.always.is_empty() || !expect.at_end.is_empty();
    let line = SummaryLine {
        kind: "summary",
        status: summary.outcome.status.name(),
        final_balances: Balances(sc, &summary.outcome.balances),
        schedule: Names(sc, &report.schedule),
        message: words::run_message(sc, &summary.outcome.status),
        waiting: report
            .analysis
            .waiting
            .iter()
            .map(|w| match w.on {
                WaitingOn::Lock { lock, holder } => WaitingEntry {
                    thread: sc.thread_name(w.thread),
                    lock: &sc.locks[lock],
                    held_by: holder.map(|h| sc.thread_name(h)),
                },
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
    schedules: String,
    probability: f64,
    witness: Names<'a>,
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
        let mut v = Vec::new();
        if r.lost_update {
            v.push("lost_update");
        }
        if r.stale_check {
            v.push("stale_check");
        }
        if r.torn_read {
            v.push("torn_read");
        }
        Races(v)
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
                schedules: o.schedules.to_string(),
                probability: o.probability,
                witness: Names(sc, &o.witness),
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
