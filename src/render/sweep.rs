//! Reports of `sweep`: the outcome histogram with the first seed of each, as text or JSON.

use std::fmt::Write;

use serde_json::{Map, Value, json};

use super::explore::{balances_object, outcome_label};
use crate::scenario::Scenario;
use crate::sweep::{SeededPolicy, Sweep};

/// The histogram for people. `target` names the scenario in commands (see `render::target`).
pub fn text(sc: &Scenario, s: &Sweep, target: &str, policy: SeededPolicy, range: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario  {}", sc.name);
    let _ = writeln!(
        out,
        "sweep     {} seeds ({range}), policy {}",
        s.seeds,
        describe(policy)
    );
    let _ = writeln!(out);
    let labels: Vec<String> = s
        .outcomes
        .iter()
        .map(|o| outcome_label(sc, &o.status, &o.balances))
        .collect();
    let width = labels.iter().map(|l| l.len()).max().unwrap_or(7).max(7);
    let _ = writeln!(
        out,
        "{:<width$}  {:>12}  {:>8}  first seed",
        "outcome", "count", "percent"
    );
    for (o, label) in s.outcomes.iter().zip(&labels) {
        let _ = writeln!(
            out,
            "{label:<width$}  {:>12}  {:>7.2}%  {}",
            o.count,
            o.count as f64 * 100.0 / s.seeds as f64,
            o.first_seed
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "replay    {}  (N: a first seed above)",
        seed_command(target, policy, "N")
    );
    match s.first_failure {
        None => {
            let _ = writeln!(out, "expect    ok on every seed");
        }
        Some(seed) => {
            let _ = writeln!(
                out,
                "expect    FAILED, first on seed {seed}: {}",
                seed_command(target, policy, seed)
            );
        }
    }
    out
}

/// "random" or "pct, depth 3".
pub fn describe(policy: SeededPolicy) -> String {
    match policy {
        SeededPolicy::Random => "random".into(),
        SeededPolicy::Pct { depth } => format!("pct, depth {depth}"),
    }
}

pub fn json(sc: &Scenario, s: &Sweep) -> String {
    let outcomes: Vec<Value> = s
        .outcomes
        .iter()
        .map(|o| {
            let mut m = Map::new();
            m.insert("status".into(), json!(o.status.name()));
            m.insert("balances".into(), balances_object(sc, &o.balances));
            m.insert("count".into(), json!(o.count));
            m.insert("first_seed".into(), json!(o.first_seed));
            if let Some(msg) = o.status.message() {
                m.insert("message".into(), json!(msg));
            }
            Value::Object(m)
        })
        .collect();
    let v = json!({
        "seeds": s.seeds,
        "outcomes": outcomes,
        "expect_passed": s.first_failure.is_none(),
        "first_failing_seed": s.first_failure,
    });
    let mut out = serde_json::to_string_pretty(&v).expect("JSON values serialize");
    out.push('\n');
    out
}

/// The command that reproduces a sweep's seed with `run` (`target`: see `render::target`).
pub fn seed_command(target: &str, policy: SeededPolicy, seed: impl std::fmt::Display) -> String {
    // The policy is always spelled out: the file's own policy may be another one, and a
    // command that states it keeps meaning the same thing if the file changes.
    match policy {
        SeededPolicy::Random => format!("racesim run {target} --policy random --seed {seed}"),
        SeededPolicy::Pct { depth } => {
            format!("racesim run {target} --policy pct --depth {depth} --seed {seed}")
        }
    }
}
