//! The text log of a run, for people: header, one line per step, status, final balances,
//! `[expect]` verdicts, the schedule as a ready-to-paste `--schedule` argument, and a sentence
//! per lost update saying whose change disappeared and why.

use std::fmt::Write;

use super::{balances, balances_after, describe};
use crate::analysis::{explain, lost_updates};
use crate::engine::Effect;
use crate::run::RunReport;
use crate::scenario::format_schedule;

/// Renders the log of `report`; `file` is the scenario's path as the user gave it.
pub fn render(report: &RunReport, file: &str) -> String {
    let sc = report.scenario;
    let mut out = String::new();
    let name_width = sc
        .transactions
        .iter()
        .map(|t| t.name.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(out, "scenario  {}", sc.name);
    if let Some(d) = &sc.description {
        let _ = writeln!(out, "          {}", d.trim());
    }
    let _ = writeln!(out, "policy    {}", report.policy);
    let _ = writeln!(
        out,
        "pool      {} worker{} for {} transaction{}",
        sc.workers,
        plural(sc.workers),
        sc.transactions.len(),
        plural(sc.transactions.len())
    );
    let _ = writeln!(out, "start     {}", balances(sc, &sc.initial_balances()));
    let _ = writeln!(out);
    let _ = writeln!(out, "time  step  {:name_width$}  operation", "thread");
    for e in &report.events {
        let mut line = describe(sc, e);
        if e.delay > 0 {
            let then = if matches!(e.effect, Effect::Sleep(_)) {
                ""
            } else {
                "then sleeps "
            };
            let _ = write!(line, ", {then}until t={}", e.time + e.delay);
        }
        if e.finished {
            line.push_str("; done");
        }
        let _ = writeln!(
            out,
            "{:>4}  {:>4}  {:name_width$}  {line}",
            e.time,
            e.step,
            sc.thread_name(e.thread)
        );
        if let Some(next) = e.started {
            let _ = writeln!(
                out,
                "{:>4}  {:>4}  {:name_width$}  starts on the freed worker, ready at t={}",
                e.time,
                "-",
                sc.thread_name(next),
                e.time + e.delay
            );
        }
    }
    let summary = &report.summary;
    let _ = writeln!(out);
    let _ = writeln!(out, "status    {}", summary.outcome.status.name());
    if let Some(m) = summary.outcome.status.message() {
        let _ = writeln!(out, "message   {m}");
    }
    for (i, w) in summary.waiting.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}{}",
            if i == 0 { "waiting   " } else { "          " },
            waiting(sc, w)
        );
    }
    let _ = writeln!(out, "final     {}", balances(sc, &summary.outcome.balances));
    let verdicts = verdicts(report);
    for (i, v) in verdicts.iter().enumerate() {
        let _ = writeln!(out, "{}{v}", if i == 0 { "expect    " } else { "          " });
    }
    if report.schedule.is_empty() {
        let _ = writeln!(out, "schedule  (no steps were taken)");
    } else {
        let schedule = format_schedule(sc, &report.schedule);
        let _ = writeln!(out, "schedule  {schedule}");
        let _ = writeln!(out, "replay    racesim run {file} --schedule {schedule}");
    }
    // Race-free runs keep exactly the log they always had: the section appears only when needed.
    let lost = lost_updates(sc, &report.events);
    if !lost.is_empty() {
        let _ = writeln!(out);
        for (i, l) in lost.iter().enumerate() {
            let _ = writeln!(
                out,
                "{}{}",
                if i == 0 { "race      " } else { "          " },
                explain(sc, l)
            );
        }
    }
    out
}

/// One line per expectation: what it says and whether (and where) it failed.
pub fn verdicts(report: &RunReport) -> Vec<String> {
    let sc = report.scenario;
    let expect = &sc.expect;
    let checks = &report.summary.checks;
    let outcome = &report.summary.outcome;
    if report.summary.policy_error {
        return vec!["not checked: the schedule does not fit the scenario".into()];
    }
    let mut out = Vec::new();
    if let Some(f) = &expect.final_balances {
        let mut line = format!("final {}: ", balances(sc, f));
        if !checks.final_failed {
            line.push_str("ok");
        } else if outcome.status.name() != "ok" {
            let _ = write!(
                line,
                "FAILED: the run ended with status {}",
                outcome.status.name()
            );
        } else {
            let _ = write!(
                line,
                "FAILED: the run ended with {} (step {})",
                balances(sc, &outcome.balances),
                report.summary.steps
            );
        }
        out.push(line);
    }
    for (cond, failed) in expect.always.iter().zip(&checks.always) {
        out.push(match failed {
            None => format!("always {}: ok", cond.text),
            Some(0) => format!(
                "always {}: FAILED in the initial state ({})",
                cond.text,
                balances(sc, &sc.initial_balances())
            ),
            Some(step) => format!(
                "always {}: FAILED at step {step} ({})",
                cond.text,
                balances(sc, &balances_after(report, *step))
            ),
        });
    }
    for (cond, failed) in expect.at_end.iter().zip(&checks.at_end) {
        out.push(if *failed {
            format!(
                "at_end {}: FAILED at the end, step {} ({})",
                cond.text,
                report.summary.steps,
                balances(sc, &outcome.balances)
            )
        } else {
            format!("at_end {}: ok", cond.text)
        });
    }
    if out.is_empty() {
        out.push("(none)".into());
    }
    out
}

/// "b_to_a waits for la, held by a_to_b".
pub fn waiting(sc: &crate::scenario::Scenario, w: &crate::run::Waiting) -> String {
    let who = sc.thread_name(w.thread);
    let lock = &sc.locks[w.lock];
    match w.holder {
        Some(h) if h == w.thread => {
            format!("{who} waits for {lock}, which it holds itself (locks are not re-entrant)")
        }
        Some(h) => format!("{who} waits for {lock}, held by {}", sc.thread_name(h)),
        None => format!("{who} waits for {lock}"),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Quotes a path for a shell command line when it needs it.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:=@%,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
