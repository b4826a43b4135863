//! The text log of a run, for people: header, one line per step, status, final balances,
//! `[expect]` verdicts, the schedule as a ready-to-paste `--schedule` argument, and a sentence
//! per lost update saying whose change disappeared and why.

use std::fmt::Write;

use super::describe;
use super::style::Paint;
use super::words;
use crate::engine::Effect;
use crate::expect::RunVerdicts;
use crate::outcome::{ErrorKind, Status};
use crate::run::RunReport;
use crate::scenario::format_schedule;

/// Renders the log of `report`; `file` is the scenario's path as the user gave it.
pub fn render(report: &RunReport, file: &str) -> String {
    render_with(report, file, Paint::PLAIN)
}

/// `render`, coloured when `color` (verdicts, status and races).
pub fn render_styled(report: &RunReport, file: &str, color: bool) -> String {
    render_with(report, file, Paint::new(color))
}

fn render_with(report: &RunReport, file: &str, paint: Paint) -> String {
    let sc = report.scenario;
    let mut out = String::new();
    let name_width = sc
        .transactions
        .iter()
        .map(|t| t.name.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(out, "scenario  {}", words::printable(&sc.name));
    if let Some(d) = &sc.description {
        let _ = writeln!(out, "          {}", words::printable(d.trim()));
    }
    let _ = writeln!(out, "policy    {}", words::policy(&report.policy));
    let _ = writeln!(
        out,
        "pool      {} worker{} for {} transaction{}",
        sc.workers,
        plural(sc.workers),
        sc.transactions.len(),
        plural(sc.transactions.len())
    );
    let _ = writeln!(
        out,
        "start     {}",
        words::shared_state(sc, &sc.initial_balances(), &sc.initial_queues())
    );
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
            let _ = write!(line, ", {then}until t={}", e.wakes_at());
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
        for &u in &e.also_finished {
            let _ = writeln!(
                out,
                "{:>4}  {:>4}  {:name_width$}  released by the barrier; done",
                e.time,
                "-",
                sc.thread_name(u)
            );
        }
        for &(next, at) in &e.started {
            let _ = writeln!(
                out,
                "{:>4}  {:>4}  {:name_width$}  starts on the freed worker, ready at t={at}",
                e.time,
                "-",
                sc.thread_name(next),
            );
        }
    }
    let summary = &report.summary;
    let _ = writeln!(out);
    let status = summary.outcome.status.name();
    let status = match summary.outcome.status {
        Status::Ok => paint.good(status),
        Status::Error(_) => paint.bad(status),
        Status::Deadlock | Status::Limit { .. } | Status::Livelock => paint.warn(status),
    };
    let _ = writeln!(out, "status    {status}");
    if let Some(m) = words::run_message(sc, &summary.outcome.status) {
        let _ = writeln!(out, "message   {m}");
    }
    for (i, w) in report.analysis.waiting.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}{}",
            if i == 0 { "waiting   " } else { "          " },
            words::waiting(sc, w)
        );
    }
    let _ = writeln!(
        out,
        "final     {}",
        words::shared_state(sc, &summary.outcome.balances, &summary.outcome.queues)
    );
    for (i, (line, failed)) in verdict_lines(report).iter().enumerate() {
        let line = if *failed { paint.bad(line) } else { line.clone() };
        let _ = writeln!(out, "{}{line}", if i == 0 { "expect    " } else { "          " });
    }
    if report.schedule.is_empty() {
        let _ = writeln!(out, "schedule  (no steps were taken)");
    } else {
        let schedule = format_schedule(sc, &report.schedule);
        let _ = writeln!(out, "schedule  {schedule}");
        let stop = matches!(summary.outcome.status, Status::Limit { .. });
        let _ = writeln!(
            out,
            "replay    {}",
            words::replay_command(sc, file, &report.schedule, stop)
        );
    }
    // Race-free runs keep exactly the log they always had: the section appears only when needed.
    let races = race_lines(report);
    if !races.is_empty() {
        let _ = writeln!(out);
        for (i, line) in races.iter().enumerate() {
            let _ = writeln!(
                out,
                "{}{}",
                if i == 0 { "race      " } else { "          " },
                paint.bad(line)
            );
        }
    }
    out
}

/// One sentence per race the run shows: lost updates, stale checks, torn reads.
pub fn race_lines(report: &RunReport) -> Vec<String> {
    words::races(report).into_iter().map(|(_, line)| line).collect()
}

/// One line per expectation: what it says and whether (and where) it failed.
pub fn verdicts(report: &RunReport) -> Vec<String> {
    verdict_lines(report).into_iter().map(|(line, _)| line).collect()
}

/// The verdict lines, each with whether it reports a failure (every picture shows these).
pub fn verdict_lines(report: &RunReport) -> Vec<(String, bool)> {
    match &report.verdicts {
        RunVerdicts::Checked(v) => {
            if v.is_empty() {
                return vec![("(none)".into(), false)];
            }
            v.iter()
                .map(|v| (words::run_verdict(report, v), v.failure.is_some()))
                .collect()
        }
        RunVerdicts::NotChecked => vec![(not_checked(report), true)],
    }
}

fn not_checked(report: &RunReport) -> String {
    let schedule = report
        .summary
        .outcome
        .status
        .error()
        .is_some_and(|e| matches!(e.kind, ErrorKind::Schedule(_)));
    if schedule {
        "not checked: the schedule does not fit the scenario".into()
    } else {
        "not checked: the run could not take place".into()
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
