//! Chrome trace-event JSON of a run, for Perfetto and <chrome://tracing>: one track per thread,
//! one complete ("X") event per step, an instant ("i") event where each race bites, and the
//! run's status, message, verdicts and races in `otherData`.
//!
//! Steps take no virtual time, so timestamps are synthetic but deterministic: each step gets
//! its own slot after the previous one, and each tick of virtual time adds a wider gap, so
//! sleeps show as gaps on the tracks.

use serde_json::{Value, json};

use super::describe;
use super::text::verdicts;
use super::words;
use crate::analysis::RaceKind;
use crate::engine::Effect;
use crate::run::RunReport;

/// Microseconds between the starts of consecutive steps.
pub const STEP_US: u64 = 100;
/// Microseconds a step's slice lasts (less than `STEP_US`, so slices never touch).
pub const SLICE_US: u64 = 80;
/// Extra microseconds per tick of virtual time.
pub const TICK_US: u64 = 1000;

/// The category of a step: its operation's key, or `error` for the step that failed.
fn op_name(sc: &crate::scenario::Scenario, e: &crate::engine::Event) -> &'static str {
    match e.effect {
        Effect::Fault(_) => "error",
        _ => sc.transactions[e.thread].steps[e.pc as usize].op.name(),
    }
}

/// The synthetic start of a step: its order plus a gap per tick of virtual time.
pub fn timestamp(step: u64, time: crate::engine::Time) -> u64 {
    let time = u64::try_from(time).unwrap_or(u64::MAX);
    (step.saturating_sub(1))
        .saturating_mul(STEP_US)
        .saturating_add(time.saturating_mul(TICK_US))
}

pub fn render(report: &RunReport) -> String {
    let sc = report.scenario;
    let mut events = vec![json!({
        "name": "process_name", "ph": "M", "pid": 1, "tid": 0,
        "args": {"name": format!("racesim: {}", sc.name)}
    })];
    for (t, tx) in sc.transactions.iter().enumerate() {
        events.push(json!({
            "name": "thread_name", "ph": "M", "pid": 1, "tid": t + 1,
            "args": {"name": tx.name}
        }));
        events.push(json!({
            "name": "thread_sort_index", "ph": "M", "pid": 1, "tid": t + 1,
            "args": {"sort_index": t}
        }));
    }
    for e in &report.events {
        events.push(json!({
            "name": describe(sc, e),
            "cat": op_name(sc, e),
            "ph": "X",
            "ts": timestamp(e.step, e.time),
            "dur": SLICE_US,
            "pid": 1,
            "tid": e.thread + 1,
            "args": {"step": e.step, "time": e.time, "delay": e.delay, "finished": e.finished},
        }));
    }
    // Each race where it bites: (step, kind, number, explanation).
    let a = &report.analysis;
    let mut races: Vec<(u64, RaceKind, usize, String)> = Vec::new();
    for (i, l) in a.lost_updates.iter().enumerate() {
        races.push((
            l.clobber.step,
            RaceKind::LostUpdate,
            i + 1,
            words::lost_update(sc, l),
        ));
    }
    for (i, c) in a.stale_checks.iter().enumerate() {
        races.push((c.act.step, RaceKind::StaleCheck, i + 1, words::stale_check(sc, c)));
    }
    for (i, t) in a.torn_reads.iter().enumerate() {
        let last = t.old.1.step.max(t.new.1.step);
        races.push((last, RaceKind::TornRead, i + 1, words::torn_read(sc, t)));
    }
    for (step, kind, n, explanation) in races {
        let Ok(k) = report.events.binary_search_by_key(&step, |e| e.step) else {
            continue;
        };
        let e = &report.events[k];
        events.push(json!({
            "name": format!("{} {n}", kind.name()),
            "cat": kind.name().replace(' ', "_"),
            "ph": "i",
            "s": "t",
            "ts": timestamp(e.step, e.time) + SLICE_US / 2,
            "pid": 1,
            "tid": e.thread + 1,
            "args": {"explanation": explanation},
        }));
    }
    let outcome = &report.summary.outcome;
    let finals: serde_json::Map<String, Value> = sc
        .accounts
        .iter()
        .zip(&outcome.balances)
        .map(|(a, v)| (a.name.clone(), json!(v)))
        .collect();
    let doc = json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "scenario": sc.name,
            "policy": words::policy(&report.policy),
            "status": outcome.status.name(),
            "message": words::run_message(sc, &outcome.status),
            "waiting": a.waiting.iter().map(|w| words::waiting(sc, w)).collect::<Vec<_>>(),
            "final": finals,
            "expect": verdicts(report),
            "expect_passed": report.verdicts.passed(),
            "races": words::races(report).into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
            "time_scale": format!("synthetic: {STEP_US}us per step, {TICK_US}us per tick of virtual time"),
        },
    });
    let mut out = serde_json::to_string_pretty(&doc).expect("JSON values serialize");
    out.push('\n');
    out
}
