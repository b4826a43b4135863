//! The text report of `sweep`: the outcome histogram with the first seed of each.

use std::fmt::Write;

use super::style::Paint;
use super::words::{self, outcome_label};
use crate::scenario::Scenario;
use crate::sweep::{SeededPolicy, Sweep};

/// The histogram for people. `target` names the scenario in commands (see `render::target`).
pub fn text(sc: &Scenario, s: &Sweep, target: &str, policy: SeededPolicy, range: &str) -> String {
    text_with(sc, s, target, policy, range, Paint::PLAIN)
}

/// `text`, coloured when `color` (the expectation verdict).
pub fn text_styled(
    sc: &Scenario,
    s: &Sweep,
    target: &str,
    policy: SeededPolicy,
    range: &str,
    color: bool,
) -> String {
    text_with(sc, s, target, policy, range, Paint::new(color))
}

fn text_with(
    sc: &Scenario,
    s: &Sweep,
    target: &str,
    policy: SeededPolicy,
    range: &str,
    paint: Paint,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario  {}", words::printable(&sc.name));
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
        .map(|o| outcome_label(sc, &o.status, &o.balances, &o.queues))
        .collect();
    let width = super::column_width(&labels, 7);
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
    match s.verdict.first_failing_seed {
        None => {
            let _ = writeln!(out, "expect    {}", paint.good("ok on every seed"));
        }
        Some(seed) => {
            let line = format!(
                "FAILED, first on seed {seed}: {}",
                seed_command(target, policy, seed)
            );
            let _ = writeln!(out, "expect    {}", paint.bad(&line));
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
