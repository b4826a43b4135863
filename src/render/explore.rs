//! Reports of `explore`: a table for people (outcomes by probability, witnesses as command
//! lines, a plain verdict on races) and the stable JSON of the spec.

use std::fmt::Write;

use serde_json::{Map, Value, json};

use super::balances;
use crate::analysis::lost_updates;
use crate::engine::Status;
use crate::explore::{Condition, Exploration, ExploredOutcome};
use crate::run::{self, PolicyChoice};
use crate::scenario::{ExpectedOutcome, Scenario, format_schedule};

/// "account = -50", "deadlock (account = 100)", "error: ... (account = 3)".
pub fn outcome_label(sc: &Scenario, status: &Status, values: &[i64]) -> String {
    match status {
        Status::Ok => balances(sc, values),
        Status::Deadlock => format!("deadlock ({})", balances(sc, values)),
        Status::Error(m) => format!("error: {m} ({})", balances(sc, values)),
    }
}

fn expected_label(sc: &Scenario, e: &ExpectedOutcome) -> String {
    match e {
        ExpectedOutcome::Ok(b) => balances(sc, b),
        ExpectedOutcome::Deadlock => "deadlock".into(),
        ExpectedOutcome::Error => "error".into(),
    }
}

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

/// Expectation verdicts of an exploration, one line each; the bool says whether all hold.
pub fn verdicts(sc: &Scenario, x: &Exploration, file: &str) -> (Vec<String>, bool) {
    let mut lines = Vec::new();
    let mut ok = true;
    let e = &sc.expect;
    if let Some(expected) = &e.outcomes {
        let (missing, unexpected) = x.outcome_mismatch(expected);
        if missing.is_empty() && unexpected.is_empty() {
            lines.push(format!("outcomes: ok, exactly the {} expected", expected.len()));
        } else {
            ok = false;
            let mut line = "outcomes: FAILED".to_string();
            if !missing.is_empty() {
                let names: Vec<String> = missing.iter().map(|m| expected_label(sc, m)).collect();
                let _ = write!(line, "; expected but unreachable: {}", names.join("; "));
            }
            if !unexpected.is_empty() {
                let names: Vec<String> = unexpected
                    .iter()
                    .map(|o| outcome_label(sc, &o.status, &o.balances))
                    .collect();
                let _ = write!(line, "; reachable but not expected: {}", names.join("; "));
            }
            lines.push(line);
        }
    }
    if let Some(f) = &e.final_balances {
        if x.final_holds(f) {
            lines.push(format!("final {}: ok in every interleaving", balances(sc, f)));
        } else {
            ok = false;
            lines.push(format!(
                "final {}: FAILED, other outcomes are reachable",
                balances(sc, f)
            ));
        }
    }
    for (i, cond) in e.always.iter().enumerate() {
        lines.push(condition_verdict(
            sc,
            x,
            file,
            "always",
            &cond.text,
            Condition::Always(i),
            &mut ok,
        ));
    }
    for (i, cond) in e.at_end.iter().enumerate() {
        lines.push(condition_verdict(
            sc,
            x,
            file,
            "at_end",
            &cond.text,
            Condition::AtEnd(i),
            &mut ok,
        ));
    }
    (lines, ok)
}

fn condition_verdict(
    sc: &Scenario,
    x: &Exploration,
    file: &str,
    kind: &str,
    text: &str,
    which: Condition,
    ok: &mut bool,
) -> String {
    match x.violations.iter().find(|v| v.condition == which) {
        None => format!("{kind} {text}: ok in every reachable state"),
        Some(v) => {
            *ok = false;
            format!(
                "{kind} {text}: FAILED ({}) after {} steps: {}",
                balances(sc, &v.balances),
                v.schedule.len(),
                replay_command(sc, file, &v.schedule)
            )
        }
    }
}

pub fn replay_command(sc: &Scenario, file: &str, schedule: &[usize]) -> String {
    format!(
        "racesim run {} --schedule {}",
        file,
        format_schedule(sc, schedule)
    )
}

/// A sentence on whether the scenario is race-free and which outcomes need an interleaving.
pub fn race_verdict(sc: &Scenario, x: &Exploration) -> String {
    let label = |o: &ExploredOutcome| outcome_label(sc, &o.status, &o.balances);
    if x.outcomes.len() == 1 {
        return format!(
            "race-free: every interleaving ends with {}",
            label(&x.outcomes[0])
        );
    }
    let serial: Vec<String> = x
        .serial
        .iter()
        .map(|(status, b)| outcome_label(sc, status, b))
        .collect();
    let racy: Vec<&ExploredOutcome> = x.outcomes.iter().filter(|o| !o.serial).collect();
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
    // Name lost updates only where the witness run really loses one; other racy outcomes
    // (a stale check, a deadlock, an error) are only "from interleavings".
    let loses_update = |o: &ExploredOutcome| {
        let choice = PolicyChoice::Scripted {
            schedule: o.witness.clone(),
        };
        !lost_updates(sc, &run::run(sc, &choice).events).is_empty()
    };
    let (lost, other): (Vec<&ExploredOutcome>, Vec<&ExploredOutcome>) = racy
        .iter()
        .partition(|o| o.status == Status::Ok && loses_update(o));
    if !lost.is_empty() {
        let names: Vec<String> = lost.iter().map(|o| label(o)).collect();
        let _ = write!(
            out,
            "; {} only from interleavings (lost updates)",
            names.join(" and ")
        );
    }
    if !other.is_empty() {
        let names: Vec<String> = other.iter().map(|o| label(o)).collect();
        let _ = write!(out, "; {} only from interleavings", names.join(" and "));
    }
    out
}

pub fn text(sc: &Scenario, x: &Exploration, file: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario  {}", sc.name);
    let _ = writeln!(
        out,
        "explored  {} states, {} complete interleaving{}",
        x.states,
        x.schedules,
        if x.schedules == num_bigint::BigUint::from(1u8) {
            ""
        } else {
            "s"
        }
    );
    let _ = writeln!(out);
    let labels: Vec<String> = x
        .outcomes
        .iter()
        .map(|o| outcome_label(sc, &o.status, &o.balances))
        .collect();
    let width = labels.iter().map(|l| l.len()).max().unwrap_or(7).max(7);
    let counts: Vec<String> = x.outcomes.iter().map(|o| o.schedules.to_string()).collect();
    let cwidth = counts.iter().map(|c| c.len()).max().unwrap_or(9).max(9);
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
            replay_command(sc, file, &o.witness),
            o.preemptions,
            if o.preemptions == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "verdict   {}", race_verdict(sc, x));
    let (lines, _) = verdicts(sc, x, file);
    for (i, line) in lines.iter().enumerate() {
        let _ = writeln!(out, "{}{line}", if i == 0 { "expect    " } else { "          " });
    }
    out
}

pub fn json(sc: &Scenario, x: &Exploration, file: &str) -> String {
    let names = |s: &[usize]| json!(s.iter().map(|&t| sc.thread_name(t)).collect::<Vec<_>>());
    let outcomes: Vec<Value> = x
        .outcomes
        .iter()
        .map(|o| {
            let mut m = Map::new();
            m.insert("status".into(), json!(o.status.name()));
            m.insert("balances".into(), balances_object(sc, &o.balances));
            m.insert("schedules".into(), json!(o.schedules.to_string()));
            m.insert("probability".into(), json!(o.probability));
            m.insert("witness".into(), names(&o.witness));
            if let Some(msg) = o.status.message() {
                m.insert("message".into(), json!(msg));
            }
            m.insert("preemptions".into(), json!(o.preemptions));
            m.insert("serial".into(), json!(o.serial));
            Value::Object(m)
        })
        .collect();
    let (lines, ok) = verdicts(sc, x, file);
    let violations: Vec<Value> = x
        .violations
        .iter()
        .map(|v| {
            let (kind, text) = match v.condition {
                Condition::Always(i) => ("always", &sc.expect.always[i].text),
                Condition::AtEnd(i) => ("at_end", &sc.expect.at_end[i].text),
            };
            json!({"kind": kind, "condition": text, "balances": balances_object(sc, &v.balances), "schedule": names(&v.schedule)})
        })
        .collect();
    let v = json!({
        "scenario": sc.name,
        "states": x.states,
        "schedules": x.schedules.to_string(),
        "outcomes": outcomes,
        "race_free": x.outcomes.len() == 1,
        "violations": violations,
        "expect_passed": ok,
        "expect": lines,
    });
    let mut s = serde_json::to_string_pretty(&v).expect("JSON values serialize");
    s.push('\n');
    s
}

pub fn balances_object(sc: &Scenario, values: &[i64]) -> Value {
    Value::Object(
        sc.accounts
            .iter()
            .zip(values)
            .map(|(a, v)| (a.name.clone(), json!(v)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_percentages_keep_two_significant_digits() {
        assert_eq!(super::percent(0.375), "37.50%");
        assert_eq!(super::percent(1.0), "100.00%");
        assert_eq!(super::percent(1.3709068298339844e-6), "0.00014%");
        assert_eq!(super::percent(0.00005), "0.0050%");
        assert_eq!(super::percent(0.0), "0.00%");
        assert_eq!(super::percent(0.9999986290931702), "99.99986%");
    }
}
