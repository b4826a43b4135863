//! JSON Lines log of a run: one object per executed step, then one summary line (stable keys,
//! documented in the README).

use serde_json::{Map, Value, json};

use super::text::verdicts;
use crate::engine::Effect;
use crate::run::RunReport;
use crate::scenario::Op;

pub fn render(report: &RunReport) -> String {
    let sc = report.scenario;
    let mut out = String::new();
    for e in &report.events {
        let tx = &sc.transactions[e.thread];
        let mut o = Map::new();
        o.insert("step".into(), json!(e.step));
        o.insert("time".into(), json!(e.time));
        o.insert("thread".into(), json!(tx.name));
        let account = |a: usize| json!(sc.accounts[a].name);
        let (op, fields): (&str, Vec<(&str, Value)>) = match e.effect {
            Effect::Read {
                account: a,
                into,
                value,
            } => (
                "read",
                vec![
                    ("account", account(a)),
                    ("into", json!(tx.locals[into as usize])),
                    ("value", json!(value)),
                ],
            ),
            Effect::Write {
                account: a,
                value,
                old,
            } => (
                "write",
                vec![
                    ("account", account(a)),
                    ("value", json!(value)),
                    ("old", json!(old)),
                ],
            ),
            Effect::Set { local, value } => (
                "set",
                vec![
                    ("local", json!(tx.locals[local as usize])),
                    ("value", json!(value)),
                ],
            ),
            Effect::AtomicAdd {
                account: a,
                added,
                old,
                value,
            } => (
                "atomic_add",
                vec![
                    ("account", account(a)),
                    ("add", json!(added)),
                    ("value", json!(value)),
                    ("old", json!(old)),
                ],
            ),
            Effect::Lock(l) => ("lock", vec![("lock", json!(sc.locks[l]))]),
            Effect::Unlock(l) => ("unlock", vec![("lock", json!(sc.locks[l]))]),
            Effect::Require { value } => (
                "require",
                vec![("value", json!(value)), ("passed", json!(value != 0))],
            ),
            Effect::Sleep(n) => ("sleep", vec![("ticks", json!(n))]),
            Effect::Log(m) => ("log", vec![("message", json!(m))]),
            Effect::Fault(_) => ("error", vec![("message", json!(super::describe(sc, e)))]),
        };
        o.insert("op".into(), json!(op));
        for (k, v) in fields {
            o.insert(k.into(), v);
        }
        // The expression a value came from, as written in the scenario.
        let code = match &tx.steps[e.pc as usize].op {
            Op::Write { value, .. } | Op::Set { value, .. } | Op::AtomicAdd { value, .. } => Some(value),
            Op::Require(cond) => Some(cond),
            _ => None,
        };
        if let Some(code) = code.filter(|_| !matches!(e.effect, Effect::Fault(_))) {
            o.insert("expr".into(), json!(code.text));
        }
        if e.delay > 0 {
            o.insert("delay".into(), json!(e.delay));
        }
        if e.finished {
            o.insert("finished".into(), json!(true));
        }
        if let Some(next) = e.started {
            o.insert("started".into(), json!(sc.thread_name(next)));
        }
        out.push_str(&Value::Object(o).to_string());
        out.push('\n');
    }
    let summary = &report.summary;
    let mut last = Map::new();
    last.insert("status".into(), json!(summary.outcome.status.name()));
    let balances: Map<String, Value> = sc
        .accounts
        .iter()
        .zip(&summary.outcome.balances)
        .map(|(a, v)| (a.name.clone(), json!(v)))
        .collect();
    last.insert("final".into(), Value::Object(balances));
    last.insert(
        "schedule".into(),
        json!(
            report
                .schedule
                .iter()
                .map(|&t| sc.thread_name(t))
                .collect::<Vec<_>>()
        ),
    );
    if let Some(m) = summary.outcome.status.message() {
        last.insert("message".into(), json!(m));
    }
    if !summary.waiting.is_empty() {
        let waiting: Vec<Value> = summary
            .waiting
            .iter()
            .map(|w| {
                json!({
                    "thread": sc.thread_name(w.thread),
                    "lock": sc.locks[w.lock],
                    "held_by": w.holder.map(|h| sc.thread_name(h)),
                })
            })
            .collect();
        last.insert("waiting".into(), json!(waiting));
    }
    last.insert("steps".into(), json!(summary.steps));
    last.insert("expect_passed".into(), json!(summary.checks.passed()));
    let has_expect = {
        let e = &sc.expect;
        e.final_balances.is_some() || !e.always.is_empty() || !e.at_end.is_empty()
    };
    if has_expect {
        last.insert("expect".into(), json!(verdicts(report)));
    }
    out.push_str(&Value::Object(last).to_string());
    out.push('\n');
    out
}
