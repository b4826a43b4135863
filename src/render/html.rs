//! One self-contained HTML page per report: the SVG inline, the text report and the scenario
//! source, with a little CSS and no JavaScript, so it opens offline from a single file.

use std::fmt::Write;

use super::svg::{self, escape};
use super::words;
use crate::explore::Exploration;
use crate::run::RunReport;
use crate::scenario::Scenario;
use crate::sweep::{SeededPolicy, Sweep};

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;\
margin:2rem auto;max-width:80rem;padding:0 1rem;line-height:1.45}\
h1{margin-bottom:.2rem}.muted{color:#656d76;margin-top:0}\
figure{margin:1.5rem 0;overflow-x:auto}figure svg{max-width:none;height:auto}\
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:1rem;overflow-x:auto;\
font-size:.85rem}.lost{color:#d1242f}.ok{color:#2e8540}";

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
    let _ = writeln!(out, "<style>{STYLE}</style>");
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
    let sc = report.scenario;
    let lost = &report.analysis.lost_updates;
    let mut summary = String::new();
    if lost.is_empty() {
        let _ = writeln!(summary, r#"<p class="ok">No update was lost in this run.</p>"#);
    } else {
        let _ = writeln!(
            summary,
            "<h2 class=\"lost\">Lost update{}</h2>\n<ol class=\"lost\">",
            if lost.len() == 1 { "" } else { "s" }
        );
        for l in lost {
            let _ = writeln!(summary, "<li>{}</li>", escape(&words::lost_update(sc, l)));
        }
        let _ = writeln!(summary, "</ol>");
    }
    page(
        sc,
        "run",
        file,
        &summary,
        &svg::run(report, file),
        &[("Log", log), ("Scenario", source)],
    )
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
