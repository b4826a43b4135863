//! One self-contained HTML page per report: a summary (for a run: its status, every verdict and
//! every race), the SVG inline, the text report and the scenario source, with a little CSS and
//! no JavaScript, so it opens offline from a single file.

use std::fmt::Write;

use super::svg::palette::{AMBER, GREEN, INK, MUTED, RED, RULE, TRACK};
use super::svg::{self, escape};
use super::text::verdict_lines;
use super::words;
use crate::explore::Exploration;
use crate::outcome::Status;
use crate::run::RunReport;
use crate::scenario::Scenario;
use crate::sweep::{SeededPolicy, Sweep};

/// The page's CSS, in the pictures' palette.
fn style() -> String {
    format!(
        "body{{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:{INK};\
margin:2rem auto;max-width:80rem;padding:0 1rem;line-height:1.45}}\
h1{{margin-bottom:.2rem}}.muted{{color:{MUTED};margin-top:0}}\
figure{{margin:1.5rem 0;overflow-x:auto}}figure svg{{max-width:none;height:auto}}\
pre{{background:{TRACK};border:1px solid {RULE};border-radius:6px;padding:1rem;overflow-x:auto;\
font-size:.85rem}}.lost{{color:{RED}}}.ok{{color:{GREEN}}}.warn{{color:{AMBER}}}\
.verdicts .lost{{font-weight:bold}}"
    )
}

fn page(
    sc: &Scenario,
    kind: &str,
    file: &str,
    summary: &str,
    svg: &str,
    sections: &[(&str, &str)],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "<!DOCTYPE html>");
    let _ = writeln!(out, r#"<html lang="en">"#);
    let _ = writeln!(out, "<head>");
    let _ = writeln!(out, r#"<meta charset="utf-8">"#);
    let _ = writeln!(
        out,
        r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#
    );
    let _ = writeln!(out, "<title>racesim {kind}: {}</title>", escape(&sc.name));
    let _ = writeln!(out, "<style>{}</style>", style());
    let _ = writeln!(out, "</head>");
    let _ = writeln!(out, "<body>");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&sc.name));
    let _ = writeln!(
        out,
        r#"<p class="muted">racesim {kind} of <code>{}</code>{}</p>"#,
        escape(file),
        sc.description
            .as_deref()
            .map(|d| format!(": {}", escape(d.trim())))
            .unwrap_or_default()
    );
    out.push_str(summary);
    let _ = writeln!(out, "<figure>");
    out.push_str(svg);
    let _ = writeln!(out, "</figure>");
    for (title, body) in sections {
        let _ = writeln!(out, "<h2>{}</h2>", escape(title));
        let _ = writeln!(out, "<pre>{}</pre>", escape(body));
    }
    let _ = writeln!(out, "</body>");
    let _ = writeln!(out, "</html>");
    out
}

/// The page of one run. `source` is the scenario file's text, `log` the text report.
pub fn run(report: &RunReport, file: &str, source: &str, log: &str) -> String {
    page(
        report.scenario,
        "run",
        file,
        &run_summary(report),
        &svg::run(report, file),
        &[("Log", log), ("Scenario", source)],
    )
}

/// A run's status and message, what blocked threads wait for, every verdict (failures in red),
/// and every race by kind, or that there was none.
fn run_summary(report: &RunReport) -> String {
    let sc = report.scenario;
    let status = &report.summary.outcome.status;
    let class = match status {
        Status::Ok => "ok",
        Status::Error(_) => "lost",
        Status::Deadlock | Status::Limit { .. } | Status::Livelock => "warn",
    };
    let mut out = String::new();
    let _ = writeln!(out, r#"<section class="summary">"#);
    let _ = write!(
        out,
        r#"<p class="status">status <strong class="{class}">{}</strong>"#,
        escape(status.name())
    );
    if let Some(m) = words::run_message(sc, status) {
        let _ = write!(out, r#": <span class="lost">{}</span>"#, escape(&m));
    }
    let _ = writeln!(out, "</p>");
    if !report.analysis.waiting.is_empty() {
        let _ = writeln!(out, r#"<ul class="waiting">"#);
        for w in &report.analysis.waiting {
            let _ = writeln!(out, r#"<li class="lost">{}</li>"#, escape(&words::waiting(sc, w)));
        }
        let _ = writeln!(out, "</ul>");
    }
    let verdicts = verdict_lines(report);
    let failed = verdicts.iter().any(|(_, f)| *f);
    let _ = writeln!(
        out,
        r#"<h2 class="{}">{}</h2>"#,
        if failed { "lost" } else { "ok" },
        escape(&words::expect_summary(&report.verdicts))
    );
    let _ = writeln!(out, r#"<ul class="verdicts">"#);
    for (line, failed) in &verdicts {
        let _ = writeln!(
            out,
            r#"<li class="{}">{}</li>"#,
            if *failed { "lost" } else { "ok" },
            escape(line)
        );
    }
    let _ = writeln!(out, "</ul>");
    let races = words::races_by_kind(report);
    if races.is_empty() {
        let _ = writeln!(out, r#"<p class="ok">{}</p>"#, escape(words::NO_RACE));
    }
    for (kind, group) in &races {
        let _ = writeln!(
            out,
            "<h2 class=\"lost\">{}</h2>\n<ol class=\"lost\">",
            escape(&kind.heading(group.len()))
        );
        for sentence in group {
            let _ = writeln!(out, "<li>{}</li>", escape(sentence));
        }
        let _ = writeln!(out, "</ol>");
    }
    let _ = writeln!(out, "</section>");
    out
}

/// The page of an exploration. `report` is the text report of `explore`.
pub fn explore(sc: &Scenario, x: &Exploration, file: &str, source: &str, report: &str) -> String {
    page(
        sc,
        "explore",
        file,
        "",
        &svg::explore(sc, x, file),
        &[("Report", report), ("Scenario", source)],
    )
}

/// The page of a sweep. `report` is the text report of `sweep`.
pub fn sweep(
    sc: &Scenario,
    s: &Sweep,
    file: &str,
    policy: SeededPolicy,
    range: &str,
    source: &str,
    report: &str,
) -> String {
    page(
        sc,
        "sweep",
        file,
        "",
        &svg::sweep(sc, s, file, policy, range),
        &[("Report", report), ("Scenario", source)],
    )
}
