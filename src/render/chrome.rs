//! Chrome trace-event JSON of a run, for Perfetto and <chrome://tracing>: one track per thread,
//! one complete ("X") event per step, a complete event (category `blocked`, named by what it
//! waited for) for each stretch in which a thread was blocked, a flow ("s"/"f") and an instant
//! (category `wake`) for each step that let a blocked thread go on, counters ("C") for the
//! length of every queue and the value of every semaphore, an instant ("i") event where each
//! race bites, and the run's status, message, verdicts, races, blocked stretches and wakes in
//! `otherData`.
//!
//! Steps take no virtual time, so timestamps are synthetic but deterministic: each step gets
//! its own slot after the previous one, and each tick of virtual time adds a wider gap, so
//! sleeps show as gaps on the tracks.

use serde_json::{Value, json};

use super::text::verdicts;
use super::words;
use super::{blocked_stretches, describe};
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
    let n = report.events.len() as u64;
    let time_of = |step: u64| report.events[step as usize - 1].time;
    // A stretch starts where the slot of step `since + 1` would start (after any time jump)
    // less the gap between slices, and ends with the slice of the step that let the thread
    // go on (or at the slot after the last step): it never overlaps the thread's own steps.
    let gap = STEP_US - SLICE_US;
    let end_time = report.events.last().map_or(0, |e| e.time);
    for (span, label) in blocked_stretches(report) {
        let start = timestamp(span.since + 1, span.time).saturating_sub(gap);
        let end = match span.until {
            Some(u) => timestamp(u, time_of(u)) + SLICE_US,
            None => timestamp(n + 1, end_time.max(span.time)),
        };
        events.push(json!({
            "name": label,
            "cat": "blocked",
            "ph": "X",
            "ts": start,
            "dur": end.saturating_sub(start),
            "pid": 1,
            "tid": span.thread + 1,
            "args": {"since": span.since, "until": span.until, "explanation": words::blocked_span(sc, &span)},
        }));
    }
    // Each wake: a flow from the waking step's slice into the woken thread's blocked slice, and
    // an instant on the woken thread's track with the sentence.
    for (id, w) in report.analysis.blocking.wakes.iter().enumerate() {
        let ts = timestamp(w.step, time_of(w.step)) + SLICE_US / 2;
        let sentence = words::wake(sc, w);
        events.push(json!({
            "name": "wake", "cat": "wake", "ph": "s", "id": id + 1,
            "ts": ts, "pid": 1, "tid": w.by + 1,
        }));
        events.push(json!({
            "name": "wake", "cat": "wake", "ph": "f", "bp": "e", "id": id + 1,
            "ts": ts, "pid": 1, "tid": w.thread + 1,
        }));
        events.push(json!({
            "name": format!("woken by {}", sc.thread_name(w.by)),
            "cat": "wake",
            "ph": "i",
            "s": "t",
            "ts": ts,
            "pid": 1,
            "tid": w.thread + 1,
            "args": {"explanation": sentence},
        }));
    }
    // Counters: every queue's length and every semaphore's value, from the start.
    for q in &sc.queues {
        events.push(json!({
            "name": format!("queue {}", q.name), "ph": "C", "ts": 0, "pid": 1, "args": {"len": 0},
        }));
    }
    for s in &sc.semaphores {
        events.push(json!({
            "name": format!("semaphore {}", s.name), "ph": "C", "ts": 0, "pid": 1,
            "args": {"value": s.initial},
        }));
    }
    for e in &report.events {
        let (name, args) = match e.effect {
            Effect::Put { queue, len, .. } | Effect::Get { queue, len, .. } => {
                (format!("queue {}", sc.queues[queue].name), json!({"len": len}))
            }
            Effect::Acquire { semaphore, value }
            | Effect::Release { semaphore, value }
            | Effect::TryAcquire {
                semaphore,
                got: true,
                value,
            } => (
                format!("semaphore {}", sc.semaphores[semaphore].name),
                json!({"value": value}),
            ),
            _ => continue,
        };
        events.push(json!({
            "name": name, "ph": "C", "ts": timestamp(e.step, e.time) + SLICE_US, "pid": 1,
            "args": args,
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
    for (i, l) in a.lost_wakeups.iter().enumerate() {
        races.push((l.wait, RaceKind::LostWakeup, i + 1, words::lost_wakeup(sc, l)));
    }
    for (i, p) in a.stolen_permits.iter().enumerate() {
        races.push((
            p.thief.step,
            RaceKind::StolenPermit,
            i + 1,
            words::stolen_permit(sc, p),
        ));
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
    let queues: serde_json::Map<String, Value> = sc
        .queues
        .iter()
        .zip(&outcome.queues)
        .map(|(q, v)| (q.name.clone(), json!(v)))
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
            "queues": queues,
            "expect": verdicts(report),
            "expect_passed": report.verdicts.passed(),
            "races": words::races(report).into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
            "blocked": a.blocking.spans.iter().map(|s| words::blocked_span(sc, s)).collect::<Vec<_>>(),
            "wakes": a.blocking.wakes.iter().map(|w| words::wake(sc, w)).collect::<Vec<_>>(),
            "time_scale": format!("synthetic: {STEP_US}us per step, {TICK_US}us per tick of virtual time"),
        },
    });
    let mut out = serde_json::to_string_pretty(&doc).expect("JSON values serialize");
    out.push('\n');
    out
}
