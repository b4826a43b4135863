//! The outcome bar charts of `explore` and `sweep`: one bar per outcome, marked expected ✓ or
//! unexpected ✗ by `[expect]`, hatched when only an interleaving reaches it (no run of the
//! transactions one at a time does), with the command that reproduces it, and the verdicts
//! below (failed ones in red).

use std::fmt::Write;

use super::palette::{BLUE, Colours, GREEN, GREY, HATCH, MUTED, RED, TRACK};
use super::{CW, Header, Look, MARGIN, Swatch, draw_legend, escape, legend_layout, open, text, text_width};
use crate::explore::Exploration;
use crate::render::explore::{percent, race_verdict, verdict_lines};
use crate::render::sweep::seed_command;
use crate::render::words::{self, outcome_label};
use crate::render::wrap;
use crate::scenario::Scenario;
use crate::sweep::{SeededPolicy, Sweep};

/// One bar of an outcome chart.
struct Bar {
    label: String,
    /// 0..=1 of the axis.
    share: f64,
    value: String,
    witness: String,
    expected: Option<bool>,
    /// Reachable when the transactions run one at a time; `false`: it needs an interleaving.
    serial: bool,
}

impl Bar {
    /// What the bar's shading says: the class on its group, and the words beside its value.
    fn interleaving(&self) -> (&'static str, &'static str) {
        if self.serial {
            ("serial", words::SERIAL_TOO)
        } else {
            ("racy", words::NEEDS_INTERLEAVING)
        }
    }
}

/// The hatching over the bars of outcomes that need an interleaving.
const HATCHING: &str = "racesim-hatch";

const BAR_MAX: i32 = 360;
const BAR_ROW: i32 = 50;

/// A horizontal bar chart of outcomes, shared by explore and sweep. `footer`: lines below the
/// bars, each with whether it reports a failure.
fn chart(sc: &Scenario, title: &str, context: &str, bars: &[Bar], footer: &[(String, bool)]) -> String {
    let head = Header::new(sc, context.to_string());
    let label_w = bars
        .iter()
        .map(|b| text_width(&b.label))
        .max()
        .unwrap_or(0)
        .max(text_width("outcome"));
    let bar_x = MARGIN + 22 + label_w + 14;
    let value_w = bars
        .iter()
        .map(|b| text_width(&b.value) + 12 + text_width(b.interleaving().1) * 11 / 12)
        .max()
        .unwrap_or(0);
    let witness_w = bars
        .iter()
        .map(|b| text_width(&b.witness) * 11 / 12)
        .max()
        .unwrap_or(0);
    let width = [
        bar_x + BAR_MAX + 12 + value_w + MARGIN,
        bar_x + 8 + witness_w + MARGIN,
        MARGIN * 2 + head.width(),
        MARGIN * 2
            + footer
                .iter()
                .map(|(f, _)| text_width(f))
                .max()
                .unwrap_or(0)
                .min(text_width(&"x".repeat(100))),
        560,
    ]
    .into_iter()
    .max()
    .unwrap_or(560);

    let mut body = String::new();
    let y = head.draw(&mut body);
    let mut y = y + 30;
    text(
        &mut body,
        MARGIN,
        y,
        r#"font-size="14" font-weight="bold""#,
        title,
    );
    y += 24;
    text(&mut body, MARGIN + 22, y, &Look::fill(MUTED).attrs(), "outcome");
    y += 10;
    let axis_top = y;
    for (i, b) in bars.iter().enumerate() {
        let n = i + 1;
        let (fill, mark, class) = match b.expected {
            Some(true) => (GREEN, "✓", "expected"),
            Some(false) => (RED, "✗", "unexpected"),
            None => (BLUE, "", "outcome"),
        };
        let len = ((b.share.clamp(0.0, 1.0) * f64::from(BAR_MAX)).round() as i32).max(2);
        let (shading, shading_words) = b.interleaving();
        let _ = writeln!(
            body,
            r#"<g class="{class} {shading}" id="outcome-{n}"><title>{}: {} ({shading_words})</title>"#,
            escape(&b.label),
            escape(&b.value)
        );
        if !mark.is_empty() {
            text(
                &mut body,
                MARGIN + 4,
                y + 16,
                &format!(r#"font-size="15" font-weight="bold" fill="{fill}""#),
                mark,
            );
        }
        text(&mut body, MARGIN + 22, y + 16, "", &b.label);
        let _ = writeln!(
            body,
            r#"<rect x="{bar_x}" y="{}" width="{BAR_MAX}" height="20" fill="{TRACK}"/><rect x="{bar_x}" y="{}" width="{len}" height="20" rx="2" fill="{fill}"/>"#,
            y + 2,
            y + 2
        );
        if !b.serial {
            let _ = writeln!(
                body,
                r#"<rect class="hatch" x="{bar_x}" y="{}" width="{len}" height="20" rx="2" fill="url(#{HATCHING})"/>"#,
                y + 2
            );
        }
        text(
            &mut body,
            bar_x + BAR_MAX + 10,
            y + 16,
            &Look::BOLD.attrs(),
            &b.value,
        );
        text(
            &mut body,
            bar_x + BAR_MAX + 10 + text_width(&b.value) + 12,
            y + 16,
            &format!(r#"font-size="11" font-style="italic" fill="{MUTED}""#),
            shading_words,
        );
        text(
            &mut body,
            bar_x + 8,
            y + 38,
            &format!(r#"font-size="11" fill="{MUTED}""#),
            &b.witness,
        );
        body.push_str("</g>\n");
        y += BAR_ROW;
    }
    let _ = writeln!(
        body,
        r#"<line x1="{bar_x}" y1="{axis_top}" x2="{bar_x}" y2="{}" stroke="{GREY}"/>"#,
        y - 8
    );
    y += 14;
    let columns = ((f64::from(width - 2 * MARGIN) / CW) as usize).max(60);
    for (line, failed) in footer {
        let look = if *failed { Look::bold(RED) } else { Look::PLAIN };
        for (i, part) in wrap(line, columns).iter().enumerate() {
            let indent = if i == 0 { 0 } else { 2 * CW as i32 };
            text(&mut body, MARGIN + indent, y, &look.attrs(), part);
            y += 18;
        }
    }
    let solid = |c: &'static str| Swatch::Box {
        colours: Colours { fill: c, stroke: c },
        extra: "",
    };
    let mut entries: Vec<(Swatch, String)> = Vec::new();
    if bars.iter().any(|b| b.expected.is_some()) {
        entries.push((solid(GREEN), "✓ expected by [expect]".into()));
        entries.push((solid(RED), "✗ not expected".into()));
    } else {
        entries.push((solid(BLUE), "outcome ([expect] names none)".into()));
    }
    if bars.iter().any(|b| !b.serial) {
        entries.push((
            Swatch::Hatched {
                fill: GREY,
                pattern: HATCHING,
            },
            words::NEEDS_INTERLEAVING.into(),
        ));
    }
    if bars.iter().any(|b| b.serial) {
        entries.push((solid(GREY), words::SERIAL_TOO.into()));
    }
    let legend = legend_layout(entries, y + 4, width);
    draw_legend(&mut body, &legend);
    let height = legend.bottom + MARGIN;
    let mut out = String::new();
    open(&mut out, width, height, &format!("racesim: {}", sc.name));
    let _ = writeln!(
        out,
        r#"<defs><pattern id="{HATCHING}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect x="0" y="0" width="3" height="6" fill="{HATCH}" fill-opacity="0.55"/></pattern></defs>"#
    );
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

/// `explore`'s outcomes: probability under the random policy, witness schedule per bar.
pub fn explore(sc: &Scenario, x: &Exploration, file: &str) -> String {
    let bars: Vec<Bar> = x
        .outcomes
        .iter()
        .map(|o| Bar {
            label: outcome_label(sc, &o.status, &o.balances, &o.queues),
            share: o.probability,
            value: format!(
                "{}  ({} of {} schedules)",
                percent(o.probability),
                o.schedules,
                x.schedules
            ),
            witness: format!("witness: {}", words::replay_command(sc, file, &o.witness, false)),
            expected: crate::expect::is_expected(sc, &o.status, &o.balances, &o.queues),
            serial: o.serial,
        })
        .collect();
    let mut footer = vec![(race_verdict(sc, x), false)];
    footer.extend(
        verdict_lines(sc, x, file)
            .into_iter()
            .zip(&x.verdicts.0)
            .map(|(l, v)| (format!("expect: {l}"), v.failure.is_some())),
    );
    chart(
        sc,
        "outcomes of every interleaving (probability under the random policy)",
        &format!(
            "explore · {} states · {} complete interleavings",
            x.states, x.schedules
        ),
        &bars,
        &footer,
    )
}

/// `sweep`'s outcomes: how many seeds reached each, with the first seed's command per bar.
pub fn sweep(sc: &Scenario, s: &Sweep, file: &str, policy: SeededPolicy, range: &str) -> String {
    let total = s.seeds.max(1) as f64;
    let bars: Vec<Bar> = s
        .outcomes
        .iter()
        .map(|o| Bar {
            label: outcome_label(sc, &o.status, &o.balances, &o.queues),
            share: o.count as f64 / total,
            value: format!("{}  ({:.2}%)", o.count, o.count as f64 * 100.0 / total),
            witness: format!("first seed: {}", seed_command(file, policy, o.first_seed)),
            expected: crate::expect::is_expected(sc, &o.status, &o.balances, &o.queues),
            serial: o.serial,
        })
        .collect();
    let footer = vec![match s.verdict.first_failing_seed {
        None => ("expect: ok on every seed".to_string(), false),
        Some(seed) => (
            format!(
                "expect: FAILED, first on seed {seed}: {}",
                seed_command(file, policy, seed)
            ),
            true,
        ),
    }];
    let name = match policy {
        SeededPolicy::Random => "random".to_string(),
        SeededPolicy::Pct { depth } => format!("pct, depth {depth}"),
    };
    chart(
        sc,
        &format!("outcomes of {} seeds (count)", s.seeds),
        &format!("sweep · seeds {range} · policy {name}"),
        &bars,
        &footer,
    )
}
