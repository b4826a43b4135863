//! The text report of `explore`, for people: outcomes by probability, witnesses as command
//! lines, a plain verdict on races, and the `[expect]` verdicts.

use std::fmt::Write;

use super::style::Paint;
use super::words::{self, outcome_label};
use crate::analysis::RaceKind;
use crate::explore::{Exploration, ExploredOutcome};
use crate::scenario::Scenario;

/// A percentage with two decimals, or with two significant digits of its distance from 0% or
/// 100% when that is smaller (rare outcomes are the interesting ones: 0.00014% says more than
/// "<0.01%", and 99.99986% does not round to a misleading 100.00%).
pub fn percent(p: f64) -> String {
    let v = p * 100.0;
    // The digits needed to show what is left of 0% (or of 100%) with two significant digits.
    let rest = v.min(100.0 - v);
    if rest > 0.0 && rest < 0.01 {
        let decimals = (1.0 - rest.log10().floor()) as usize;
        format!("{v:.decimals$}%")
    } else {
        format!("{v:.2}%")
    }
}

/// The exploration's `[expect]` verdicts, one line each.
pub fn verdict_lines(sc: &Scenario, x: &Exploration, file: &str) -> Vec<String> {
    x.verdicts
        .0
        .iter()
        .map(|v| words::explore_verdict(sc, x, file, v))
        .collect()
}

/// A sentence on whether the scenario is race-free and which outcomes need an interleaving.
pub fn race_verdict(sc: &Scenario, x: &Exploration) -> String {
    let label = |o: &ExploredOutcome| outcome_label(sc, &o.status, &o.balances, &o.queues);
    if x.race_free() {
        return format!(
            "race-free: every interleaving ends with {}",
            label(&x.outcomes[0])
        );
    }
    if x.outcomes.iter().all(|o| o.serial) {
        return format!(
            "not race-free: {} outcomes, each one the transactions give one at a time in some order (the order decides; no outcome needs an interleaving)",
            x.outcomes.len()
        );
    }
    let serial: Vec<String> = x
        .serial
        .iter()
        .map(|(status, b, q)| outcome_label(sc, status, b, q))
        .collect();
    let mut out = format!("not race-free: {} outcomes", x.outcomes.len());
    if !serial.is_empty() {
        let reached = x.outcomes.iter().any(|o| o.serial);
        let _ = write!(
            out,
            "; one at a time the transactions give {}{}",
            serial.join(" or "),
            if reached {
                ""
            } else {
                ", which no interleaving reaches"
            }
        );
    }
    // Name the race only where the witness run really shows one; other outcomes that need an
    // interleaving are only "from interleavings".
    let racy: Vec<&ExploredOutcome> = x.outcomes.iter().filter(|o| !o.serial).collect();
    // Each outcome is classed under the first kind of race its witness shows.
    for kind in RaceKind::ALL {
        let names: Vec<String> = racy
            .iter()
            .filter(|o| o.races.first() == Some(kind))
            .map(|o| label(o))
            .collect();
        if !names.is_empty() {
            let _ = write!(
                out,
                "; {} only from interleavings ({})",
                names.join(" and "),
                kind.class()
            );
        }
    }
    let other: Vec<String> = racy.iter().filter(|o| !o.races.any()).map(|o| label(o)).collect();
    if !other.is_empty() {
        let _ = write!(out, "; {} only from interleavings", other.join(" and "));
    }
    out
}

pub fn text(sc: &Scenario, x: &Exploration, file: &str) -> String {
    text_with(sc, x, file, Paint::PLAIN)
}

/// `text`, coloured when `color` (failed expectations, the race verdict).
pub fn text_styled(sc: &Scenario, x: &Exploration, file: &str, color: bool) -> String {
    text_with(sc, x, file, Paint::new(color))
}

fn text_with(sc: &Scenario, x: &Exploration, file: &str, paint: Paint) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario  {}", words::printable(&sc.name));
    let _ = writeln!(
        out,
        "explored  {}, {} complete interleaving{}",
        words::count(x.states, "state", "states"),
        x.schedules,
        if x.schedules.is_one() { "" } else { "s" }
    );
    let _ = writeln!(out);
    let labels: Vec<String> = x
        .outcomes
        .iter()
        .map(|o| outcome_label(sc, &o.status, &o.balances, &o.queues))
        .collect();
    let width = super::column_width(&labels, 7);
    let counts: Vec<String> = x.outcomes.iter().map(|o| o.schedules.to_string()).collect();
    let cwidth = super::column_width(&counts, 9);
    let _ = writeln!(
        out,
        "{:<width$}  {:>11}  {:>cwidth$}  witness (fewest preemptions)",
        "outcome", "probability", "schedules"
    );
    for ((o, label), count) in x.outcomes.iter().zip(&labels).zip(&counts) {
        let _ = writeln!(
            out,
            "{label:<width$}  {:>11}  {count:>cwidth$}  {} ({} preemption{})",
            percent(o.probability),
            match &o.lasso {
                None => words::replay_command(sc, file, &o.witness, false),
                // The livelock's whole lasso: witness, stem, and the cycle twice, stopped at
                // the step limit, so that the repetition shows.
                Some(l) => {
                    let mut all = o.witness.clone();
                    all.extend(&l.stem);
                    all.extend(&l.cycle);
                    all.extend(&l.cycle);
                    words::replay_command(sc, file, &all, true)
                }
            },
            o.preemptions,
            if o.preemptions == 1 { "" } else { "s" }
        );
        if let Some(l) = &o.lasso {
            let then = if l.stem.is_empty() {
                String::new()
            } else {
                format!("then {}, ", crate::scenario::format_schedule(sc, &l.stem))
            };
            let _ = writeln!(
                out,
                "{:<width$}  {:>11}  {:>cwidth$}  {then}then repeat: {}",
                "",
                "",
                "",
                crate::scenario::format_schedule(sc, &l.cycle)
            );
        }
    }
    let _ = writeln!(out);
    let verdict = race_verdict(sc, x);
    let verdict = if x.race_free() {
        paint.good(&verdict)
    } else {
        paint.warn(&verdict)
    };
    let _ = writeln!(out, "verdict   {verdict}");
    for (i, (v, line)) in x.verdicts.0.iter().zip(verdict_lines(sc, x, file)).enumerate() {
        let line = if v.failure.is_some() {
            paint.bad(&line)
        } else {
            line
        };
        let _ = writeln!(out, "{}{line}", if i == 0 { "expect    " } else { "          " });
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_percentages_keep_two_significant_digits() {
        assert_eq!(super::percent(0.375), "37.50%");
        assert_eq!(super::percent(1.0), "100.00%");
        assert_eq!(super::percent(1.370_906_829_833_984_4e-6), "0.00014%");
        assert_eq!(super::percent(0.00005), "0.0050%");
        assert_eq!(super::percent(0.0), "0.00%");
        assert_eq!(super::percent(0.999_998_629_093_170_2), "99.99986%");
    }
}
