//! SVG pictures: the timeline of one run (a lane per thread, lost updates drawn in red) and the
//! outcome bar charts of `explore` and `sweep`.
//!
//! The SVG is written by hand as text so that the output is byte-for-byte deterministic and needs
//! no dependency. All text is monospace, which makes its width predictable enough to lay out
//! boxes without measuring fonts. Element ids (`lost-update-N`, `lost-arrow-N`, `outcome-N`) are
//! stable so that tests and stylesheets can find the parts.

use std::fmt::Write;

use super::describe;
use super::explore::{race_verdict, verdict_lines};
use super::words::{self, balances, outcome_label};
use crate::analysis::WaitingOn;
use crate::engine::Effect;
use crate::explore::Exploration;
use crate::outcome::Status;
use crate::run::RunReport;
use crate::scenario::Scenario;
use crate::sweep::{SeededPolicy, Sweep};

/// Escapes text for SVG/XML/HTML content and attribute values. Control characters that XML 1.0
/// forbids become U+FFFD, so a strange log message cannot make the document unreadable.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push('\u{fffd}')
            }
            c => out.push(c),
        }
    }
    out
}

const FONT: &str = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace";
/// Advance of one character of the 12px monospace font (DejaVu Sans Mono: 0.602 em).
const CW: f64 = 7.3;
const MARGIN: i32 = 24;
/// Left column with the step numbers and the virtual time.
const GUTTER: i32 = 84;
const LANE_GAP: i32 = 76;
const ROW_H: i32 = 28;
const BOX_H: i32 = 21;
/// The band that marks a jump of virtual time.
const TIME_H: i32 = 26;
const LOCK_W: i32 = 18;
/// Longer labels are cut with an ellipsis (the full text is in the box's tooltip).
const MAX_LABEL: usize = 52;

const INK: &str = "#1f2328";
const MUTED: &str = "#656d76";
const RED: &str = "#d1242f";

/// Fill and stroke of a step's box, by what the step did.
fn colours(effect: &Effect) -> (&'static str, &'static str) {
    match effect {
        Effect::Read { .. } => ("#ddeeff", "#2f6fb3"),
        Effect::Write { .. } | Effect::AtomicAdd { .. } => ("#dcf3e0", "#2e8540"),
        Effect::Lock(_) | Effect::Unlock(_) => ("#eee4f8", "#7b4fa6"),
        Effect::Log(_) => ("#fff8d6", "#b08800"),
        Effect::Sleep(_) => ("#ffffff", "#8c959f"),
        Effect::Fault(_) => ("#ffd8d3", "#82071e"),
        Effect::Set { .. } | Effect::Require { .. } => ("#f3f4f6", "#8c959f"),
    }
}

fn text_width(s: &str) -> i32 {
    (s.chars().count() as f64 * CW).ceil() as i32
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= MAX_LABEL {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_LABEL - 1).collect();
        t.push('…');
        t
    }
}

fn open(out: &mut String, width: i32, height: i32, title: &str) {
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="12" fill="{INK}">"#
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(
        out,
        r##"<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>"##
    );
}

fn text(out: &mut String, x: i32, y: i32, attrs: &str, content: &str) {
    let _ = writeln!(
        out,
        r#"<text x="{x}" y="{y}"{}{attrs}>{}</text>"#,
        if attrs.is_empty() { "" } else { " " },
        escape(content)
    );
}

/// A red disc with a number: marks a lost update in the picture and in the list below it.
fn badge(out: &mut String, cx: i32, cy: i32, n: usize) {
    let _ = writeln!(
        out,
        r##"<circle cx="{cx}" cy="{cy}" r="8" fill="{RED}"/><text x="{cx}" y="{}" font-size="11" font-weight="bold" fill="#ffffff" text-anchor="middle">{n}</text>"##,
        cy + 4
    );
}

/// Where a step's box is.
#[derive(Clone, Copy)]
struct Placed {
    x: i32,
    y: i32,
    w: i32,
}

/// The page title block: scenario name, description, one line of context.
fn header(out: &mut String, sc: &Scenario, context: &str) -> i32 {
    text(
        out,
        MARGIN,
        MARGIN + 14,
        r#"font-size="18" font-weight="bold""#,
        &sc.name,
    );
    let mut y = MARGIN + 14;
    if let Some(d) = &sc.description {
        y += 20;
        text(out, MARGIN, y, &format!(r#"fill="{MUTED}""#), d.trim());
    }
    y += 18;
    text(out, MARGIN, y, &format!(r#"fill="{MUTED}""#), context);
    y
}

fn header_width(sc: &Scenario, context: &str) -> i32 {
    let name = (sc.name.chars().count() as f64 * CW * 1.5).ceil() as i32;
    let d = sc.description.as_deref().map_or(0, |d| text_width(d.trim()));
    name.max(d).max(text_width(context))
}

/// A legend entry: a swatch drawn by `draw` (given x and the row's middle y) and its words.
type Swatch = Box<dyn Fn(&mut String, i32, i32)>;

fn boxed(fill: &'static str, stroke: &'static str, extra: &'static str) -> Swatch {
    Box::new(move |out: &mut String, x: i32, y: i32| {
        let _ = writeln!(
            out,
            r#"<rect x="{x}" y="{}" width="22" height="14" rx="3" fill="{fill}" stroke="{stroke}"{extra}/>"#,
            y - 7
        );
    })
}

/// Lays legend entries out in rows that fit `width`; returns the y below the legend.
fn legend(out: &mut String, entries: Vec<(Swatch, String)>, top: i32, width: i32) -> i32 {
    text(out, MARGIN, top + 12, r#"font-weight="bold""#, "legend");
    let mut x = MARGIN + 64;
    let mut y = top + 8;
    for (draw, words) in entries {
        let w = 30 + text_width(&words) + 22;
        if x + w > width - MARGIN && x > MARGIN + 64 {
            x = MARGIN + 64;
            y += 22;
        }
        draw(out, x, y);
        text(out, x + 30, y + 4, "", &words);
        x += w;
    }
    y + 16
}

/// The run's timeline as an SVG document.
pub fn run(report: &RunReport, file: &str) -> String {
    let sc = report.scenario;
    let events = &report.events;
    let threads = sc.transactions.len();
    let lost = &report.analysis.lost_updates;

    // Lock bars: (thread, lock, slot, first step, last step or None while still held).
    let mut bars: Vec<(usize, usize, i32, u64, Option<u64>)> = Vec::new();
    let mut slots_needed = 0;
    for e in events {
        match e.effect {
            Effect::Lock(l) => {
                let used: Vec<i32> = bars
                    .iter()
                    .filter(|b| b.0 == e.thread && b.4.is_none())
                    .map(|b| b.2)
                    .collect();
                let slot = (0..).find(|s| !used.contains(s)).unwrap_or(0);
                slots_needed = slots_needed.max(slot + 1);
                bars.push((e.thread, l, slot, e.step, None));
            }
            Effect::Unlock(l) => {
                if let Some(b) = bars
                    .iter_mut()
                    .find(|b| b.0 == e.thread && b.1 == l && b.4.is_none())
                {
                    b.4 = Some(e.step);
                }
            }
            _ => {}
        }
    }
    let blocked = blocked_threads(report);

    let labels: Vec<String> = events.iter().map(|e| truncate(&describe(sc, e))).collect();
    let longest = labels
        .iter()
        .map(|l| text_width(l))
        .chain(blocked.iter().map(|(_, b)| text_width(b)))
        .chain(sc.transactions.iter().map(|t| text_width(&t.name)))
        .max()
        .unwrap_or(0);
    let box_w = (longest + 16).max(170);
    let lock_area = if slots_needed > 0 {
        slots_needed * LOCK_W + 4
    } else {
        0
    };
    let lane_w = lock_area + box_w;
    let lane_x = |t: usize| MARGIN + GUTTER + t as i32 * (lane_w + LANE_GAP);
    let box_x = |t: usize| lane_x(t) + lock_area;
    let lanes_right = lane_x(threads.saturating_sub(1)) + lane_w + LANE_GAP;

    let start = balances(sc, &sc.initial_balances());
    let context = format!(
        "policy {} · {} worker{} · start {start}",
        words::policy(&report.policy),
        sc.workers,
        if sc.workers == 1 { "" } else { "s" }
    );
    let final_line = format!(
        "final  {}  (status {})",
        balances(sc, &report.summary.outcome.balances),
        report.summary.outcome.status.name()
    );
    let message = words::run_message(sc, &report.summary.outcome.status).map(|m| format!("       {m}"));
    let explanations: Vec<String> = lost.iter().map(|l| words::lost_update(sc, l)).collect();
    let width = [
        lanes_right + MARGIN,
        MARGIN * 2 + header_width(sc, &context),
        MARGIN * 2 + text_width(&final_line),
        MARGIN * 2 + message.as_deref().map_or(0, text_width),
        MARGIN * 2 + 24 + explanations.iter().map(|e| text_width(e)).max().unwrap_or(0),
        640,
    ]
    .into_iter()
    .max()
    .unwrap_or(640);

    // Body first (into its own buffer) because the document's height is known only at the end.
    let mut body = String::new();
    let head_bottom = header(&mut body, sc, &context);
    let lanes_top = head_bottom + 22;
    text(
        &mut body,
        MARGIN,
        lanes_top + 14,
        &format!(r#"fill="{MUTED}""#),
        "time  step",
    );
    for (t, tx) in sc.transactions.iter().enumerate() {
        text(
            &mut body,
            box_x(t) + box_w / 2,
            lanes_top + 14,
            r#"font-size="13" font-weight="bold" text-anchor="middle""#,
            &tx.name,
        );
    }
    let mut y = lanes_top + 26;
    let _ = writeln!(
        body,
        r##"<line x1="{MARGIN}" y1="{y}" x2="{}" y2="{y}" stroke="#d0d7de"/>"##,
        lanes_right - LANE_GAP / 2
    );
    y += 6;

    // Rows: one per step, plus a band wherever virtual time moves on.
    let mut placed: Vec<Placed> = Vec::with_capacity(events.len());
    let mut rows = String::new();
    let mut now = None;
    for (e, label) in events.iter().zip(&labels) {
        if now != Some(e.time) {
            if now.is_some() {
                let mid = y + TIME_H / 2;
                let _ = writeln!(
                    rows,
                    r##"<line x1="{MARGIN}" y1="{mid}" x2="{}" y2="{mid}" stroke="#8c959f" stroke-dasharray="2 4"/>"##,
                    lanes_right - LANE_GAP / 2
                );
                text(
                    &mut rows,
                    MARGIN,
                    mid - 4,
                    r#"font-weight="bold""#,
                    &format!("t={}", e.time),
                );
                y += TIME_H;
            } else {
                text(
                    &mut rows,
                    MARGIN,
                    y + 15,
                    r#"font-weight="bold""#,
                    &format!("t={}", e.time),
                );
            }
            now = Some(e.time);
        }
        let x = box_x(e.thread);
        placed.push(Placed { x, y, w: box_w });
        text(
            &mut rows,
            MARGIN + GUTTER - 14,
            y + 15,
            &format!(r#"fill="{MUTED}" text-anchor="end""#),
            &e.step.to_string(),
        );
        let (fill, stroke) = colours(&e.effect);
        let clobbers = lost.iter().any(|l| l.clobber.step == e.step);
        let (fill, stroke, sw) = if clobbers {
            ("#ffd8d3", RED, 2)
        } else {
            (fill, stroke, 1)
        };
        let dash = if matches!(e.effect, Effect::Sleep(_)) {
            r#" stroke-dasharray="4 3""#
        } else {
            ""
        };
        let _ = writeln!(
            rows,
            r#"<g class="step" id="step-{}"><title>step {}, t={}: {}</title><rect x="{x}" y="{y}" width="{box_w}" height="{BOX_H}" rx="4" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"{dash}/>"#,
            e.step,
            e.step,
            e.time,
            escape(&describe(sc, e))
        );
        text(&mut rows, x + 8, y + 15, "", label);
        rows.push_str("</g>\n");
        y += ROW_H;
    }
    let blocked_y = y;
    for (t, words) in &blocked {
        let x = box_x(*t);
        let _ = writeln!(
            rows,
            r##"<g class="blocked"><rect x="{x}" y="{y}" width="{box_w}" height="{BOX_H}" rx="4" fill="#ffffff" stroke="{RED}" stroke-dasharray="5 3"/>"##
        );
        text(&mut rows, x + 8, y + 15, &format!(r#"fill="{RED}""#), words);
        rows.push_str("</g>\n");
    }
    if !blocked.is_empty() {
        y += ROW_H;
    }
    let end_y = y;

    // Lifelines: from a thread's first box to its last, so a gap reads as "not running".
    for t in 0..threads {
        let mine: Vec<&Placed> = events
            .iter()
            .zip(&placed)
            .filter(|(e, _)| e.thread == t)
            .map(|(_, p)| p)
            .collect();
        let (Some(first), Some(last)) = (mine.first(), mine.last()) else {
            continue;
        };
        let bottom = if blocked.iter().any(|(b, _)| *b == t) {
            blocked_y
        } else {
            last.y
        };
        let cx = box_x(t) + box_w / 2;
        let _ = writeln!(
            body,
            r##"<line x1="{cx}" y1="{}" x2="{cx}" y2="{bottom}" stroke="#d0d7de" stroke-width="2"/>"##,
            first.y
        );
    }
    // Sleeps: a dashed gap from the sleeping step to the thread's next step.
    for (i, e) in events.iter().enumerate() {
        if e.delay == 0 || e.finished {
            continue;
        }
        let from = placed[i].y + BOX_H;
        let to = events[i + 1..]
            .iter()
            .position(|n| n.thread == e.thread)
            .map_or(end_y, |k| placed[i + 1 + k].y);
        if to - from < 6 {
            continue;
        }
        let cx = box_x(e.thread) + box_w / 2;
        let _ = writeln!(
            body,
            r##"<g class="sleep"><rect x="{}" y="{from}" width="8" height="{}" fill="#f6f8fa" stroke="#8c959f" stroke-dasharray="3 3"/>"##,
            cx - 4,
            to - from
        );
        // Just below the sleeping step: the band of the time jump usually follows further down.
        if to - from >= 18 {
            text(
                &mut body,
                cx + 10,
                from + 13,
                &format!(r#"fill="{MUTED}" font-style="italic" font-size="11""#),
                &format!("sleeps until t={}", e.time + e.delay),
            );
        }
        body.push_str("</g>\n");
    }
    // Lock bars beside the lane.
    for &(t, l, slot, first, last) in &bars {
        let top = placed[index_of(events, first)].y;
        let bottom = match last {
            Some(s) => placed[index_of(events, s)].y + BOX_H,
            None => end_y - (ROW_H - BOX_H),
        };
        let x = lane_x(t) + slot * LOCK_W;
        let _ = writeln!(
            body,
            r##"<g class="lock-held"><title>{} holds {}</title><rect x="{x}" y="{top}" width="{}" height="{}" rx="3" fill="#c8b2e3" stroke="#7b4fa6"/>"##,
            escape(sc.thread_name(t)),
            escape(&sc.locks[l]),
            LOCK_W - 4,
            bottom - top
        );
        let _ = writeln!(
            body,
            r##"<text transform="translate({} {}) rotate(90)" font-size="11" fill="#3c1f5c">{}</text></g>"##,
            x + 4,
            top + 5,
            escape(&sc.locks[l])
        );
    }
    body.push_str(&rows);

    // Lost updates on top of everything: the clobbering write outlined in red with a badge,
    // the stale read joined to it by an arrow, and the overwritten write outlined and joined to it.
    let step_index = |s: u64| index_of(events, s);
    for (i, l) in lost.iter().enumerate() {
        let n = i + 1;
        let r = placed[step_index(l.stale_read.step)];
        let w = placed[step_index(l.clobber.step)];
        let v = placed[step_index(l.lost.step)];
        let _ = writeln!(
            body,
            r#"<g class="lost-update" id="lost-update-{n}"><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="5" fill="none" stroke="{RED}" stroke-width="2.5"/></g>"#,
            escape(&words::lost_update(sc, l)),
            w.x - 3,
            w.y - 3,
            w.w + 6,
            BOX_H + 6
        );
        let _ = writeln!(
            body,
            r#"<rect class="stale-read" id="stale-read-{n}" x="{}" y="{}" width="{}" height="{BOX_H}" rx="4" fill="none" stroke="{RED}" stroke-width="1.5" stroke-dasharray="5 3"/>"#,
            r.x, r.y, r.w
        );
        let _ = writeln!(
            body,
            r#"<rect class="lost-write" id="lost-write-{n}" x="{}" y="{}" width="{}" height="{BOX_H}" rx="4" fill="none" stroke="{RED}" stroke-width="1.5" stroke-dasharray="5 3"/>"#,
            v.x, v.y, v.w
        );
        // The overwrite: from the lost write to the write that replaced it.
        let (x1, x2) = if v.x < w.x {
            (v.x + v.w, w.x - 4)
        } else {
            (v.x, w.x + w.w + 4)
        };
        let _ = writeln!(
            body,
            r#"<line class="lost-overwrite" id="lost-overwrite-{n}" x1="{x1}" y1="{}" x2="{x2}" y2="{}" stroke="{RED}" stroke-width="1.5" stroke-dasharray="2 3" marker-end="url(#racesim-arrow)"/>"#,
            v.y + BOX_H / 2,
            w.y + BOX_H / 2
        );
        // The stale read's arrow bulges out to the right of the lane, clear of the boxes.
        let bulge = r.x + r.w + 26 + (i as i32 % 3) * 14;
        let (ry, wy) = (r.y + BOX_H / 2, w.y + BOX_H / 2);
        let _ = writeln!(
            body,
            r#"<path class="lost-arrow" id="lost-arrow-{n}" d="M {} {ry} C {bulge} {ry} {bulge} {wy} {} {wy}" fill="none" stroke="{RED}" stroke-width="2" marker-end="url(#racesim-arrow)"/>"#,
            r.x + r.w,
            r.x + r.w + 5
        );
        badge(&mut body, bulge - 5, (ry + wy) / 2, n);
    }

    // Below the lanes: the final balances, the lost updates in words, the legend.
    let mut y = end_y + 20;
    text(&mut body, MARGIN, y, r#"font-weight="bold""#, &final_line);
    if let Some(m) = &message {
        y += 18;
        text(&mut body, MARGIN, y, &format!(r#"fill="{RED}""#), m);
    }
    if lost.is_empty() {
        y += 20;
        text(
            &mut body,
            MARGIN,
            y,
            &format!(r#"fill="{MUTED}""#),
            "no update was lost in this run",
        );
    } else {
        y += 24;
        text(
            &mut body,
            MARGIN,
            y,
            &format!(r#"font-weight="bold" fill="{RED}""#),
            if lost.len() == 1 {
                "lost update"
            } else {
                "lost updates"
            },
        );
        for (i, e) in explanations.iter().enumerate() {
            y += 22;
            badge(&mut body, MARGIN + 8, y - 4, i + 1);
            text(&mut body, MARGIN + 24, y, "", e);
        }
    }
    let arrow = |out: &mut String, x: i32, y: i32| {
        let _ = writeln!(
            out,
            r#"<path d="M {x} {y} L {} {y}" stroke="{RED}" stroke-width="2" marker-end="url(#racesim-arrow)"/>"#,
            x + 20
        );
    };
    let mut entries: Vec<(Swatch, String)> = vec![
        (boxed("#ddeeff", "#2f6fb3", ""), "read".into()),
        (boxed("#dcf3e0", "#2e8540", ""), "write".into()),
        (boxed("#f3f4f6", "#8c959f", ""), "local".into()),
        (boxed("#fff8d6", "#b08800", ""), "log".into()),
        (
            boxed("#f6f8fa", "#8c959f", r#" stroke-dasharray="3 3""#),
            "sleeping".into(),
        ),
    ];
    if !sc.locks.is_empty() {
        entries.push((boxed("#eee4f8", "#7b4fa6", ""), "lock/unlock".into()));
        entries.push((boxed("#c8b2e3", "#7b4fa6", ""), "lock held".into()));
    }
    if !lost.is_empty() {
        entries.push((
            boxed("#ffd8d3", RED, r#" stroke-width="2""#),
            "lost update: write built on a stale read".into(),
        ));
        entries.push((Box::new(arrow), "from the stale read".into()));
        entries.push((
            boxed("#dcf3e0", RED, r#" stroke-dasharray="5 3""#),
            "the write whose change was lost".into(),
        ));
    }
    let y = legend(&mut body, entries, y + 22, width);
    let replay = format!(
        "replay: {}",
        words::replay_command(
            sc,
            file,
            &report.schedule,
            matches!(report.summary.outcome.status, Status::Limit { .. })
        )
    );
    let height = y + 24 + MARGIN;
    let mut out = String::new();
    open(&mut out, width, height, &format!("racesim run: {}", sc.name));
    let _ = writeln!(
        out,
        r#"<defs><marker id="racesim-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{RED}"/></marker></defs>"#
    );
    out.push_str(&body);
    text(
        &mut out,
        MARGIN,
        y + 20,
        &format!(r#"fill="{MUTED}" font-size="11""#),
        &replay,
    );
    out.push_str("</svg>\n");
    out
}

/// The position of step `step` in the run's events (they are in step order).
fn index_of(events: &[crate::engine::Event], step: u64) -> usize {
    events
        .binary_search_by_key(&step, |e| e.step)
        .unwrap_or_else(|i| i.min(events.len().saturating_sub(1)))
}

/// Threads blocked forever at the end of a deadlocked run, with what they wait for.
fn blocked_threads(report: &RunReport) -> Vec<(usize, String)> {
    let sc = report.scenario;
    report
        .analysis
        .waiting
        .iter()
        .map(|w| {
            let words = match w.on {
                WaitingOn::Lock { lock, holder } => match holder {
                    Some(h) if h == w.thread => format!("blocked: lock {} (held by itself)", sc.locks[lock]),
                    Some(h) => format!("blocked: lock {} (held by {})", sc.locks[lock], sc.thread_name(h)),
                    None => format!("blocked: lock {}", sc.locks[lock]),
                },
            };
            (w.thread, words)
        })
        .collect()
}

/// Splits `line` into pieces of at most `columns` characters at spaces (a longer word stays
/// whole), for sentences that would make a picture too wide.
fn wrap(line: &str, columns: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in line.split(' ') {
        let fits = current.chars().count() + 1 + word.chars().count() <= columns;
        if !current.is_empty() && !fits {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    out.push(current);
    out
}

/// One bar of an outcome chart.
struct Bar {
    label: String,
    /// 0..=1 of the axis.
    share: f64,
    value: String,
    witness: String,
    expected: Option<bool>,
}

const BAR_MAX: i32 = 360;
const BAR_ROW: i32 = 50;

/// A horizontal bar chart of outcomes, shared by explore and sweep.
fn chart(sc: &Scenario, title: &str, context: &str, bars: &[Bar], footer: &[String]) -> String {
    let label_w = bars
        .iter()
        .map(|b| text_width(&b.label))
        .max()
        .unwrap_or(0)
        .max(text_width("outcome"));
    let bar_x = MARGIN + 22 + label_w + 14;
    let value_w = bars.iter().map(|b| text_width(&b.value)).max().unwrap_or(0);
    let witness_w = bars
        .iter()
        .map(|b| text_width(&b.witness) * 11 / 12)
        .max()
        .unwrap_or(0);
    let width = [
        bar_x + BAR_MAX + 12 + value_w + MARGIN,
        bar_x + 8 + witness_w + MARGIN,
        MARGIN * 2 + header_width(sc, context),
        MARGIN * 2
            + footer
                .iter()
                .map(|f| text_width(f))
                .max()
                .unwrap_or(0)
                .min(text_width(&"x".repeat(100))),
        560,
    ]
    .into_iter()
    .max()
    .unwrap_or(560);

    let mut body = String::new();
    let y = header(&mut body, sc, context);
    let mut y = y + 30;
    text(
        &mut body,
        MARGIN,
        y,
        r#"font-size="14" font-weight="bold""#,
        title,
    );
    y += 24;
    text(
        &mut body,
        MARGIN + 22,
        y,
        &format!(r#"fill="{MUTED}""#),
        "outcome",
    );
    y += 10;
    let axis_top = y;
    for (i, b) in bars.iter().enumerate() {
        let n = i + 1;
        let (fill, mark, class) = match b.expected {
            Some(true) => ("#2e8540", "✓", "expected"),
            Some(false) => (RED, "✗", "unexpected"),
            None => ("#2f6fb3", "", "outcome"),
        };
        let len = ((b.share.clamp(0.0, 1.0) * BAR_MAX as f64).round() as i32).max(2);
        let _ = writeln!(
            body,
            r#"<g class="{class}" id="outcome-{n}"><title>{}: {}</title>"#,
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
            r##"<rect x="{bar_x}" y="{}" width="{BAR_MAX}" height="20" fill="#f6f8fa"/><rect x="{bar_x}" y="{}" width="{len}" height="20" rx="2" fill="{fill}"/>"##,
            y + 2,
            y + 2
        );
        text(
            &mut body,
            bar_x + BAR_MAX + 10,
            y + 16,
            r#"font-weight="bold""#,
            &b.value,
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
        r##"<line x1="{bar_x}" y1="{axis_top}" x2="{bar_x}" y2="{}" stroke="#8c959f"/>"##,
        y - 8
    );
    y += 14;
    let columns = (((width - 2 * MARGIN) as f64 / CW) as usize).max(60);
    for line in footer {
        for (i, part) in wrap(line, columns).iter().enumerate() {
            let indent = if i == 0 { 0 } else { 2 * CW as i32 };
            text(&mut body, MARGIN + indent, y, "", part);
            y += 18;
        }
    }
    let mut entries: Vec<(Swatch, String)> = Vec::new();
    if bars.iter().any(|b| b.expected.is_some()) {
        entries.push((boxed("#2e8540", "#2e8540", ""), "✓ expected by [expect]".into()));
        entries.push((boxed(RED, RED, ""), "✗ not expected".into()));
    } else {
        entries.push((
            boxed("#2f6fb3", "#2f6fb3", ""),
            "outcome ([expect] names none)".into(),
        ));
    }
    let y = legend(&mut body, entries, y + 4, width);
    let height = y + MARGIN;
    let mut out = String::new();
    open(&mut out, width, height, &format!("racesim: {}", sc.name));
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
            label: outcome_label(sc, &o.status, &o.balances),
            share: o.probability,
            value: format!(
                "{}  ({} of {} schedules)",
                super::explore::percent(o.probability),
                o.schedules,
                x.schedules
            ),
            witness: format!("witness: {}", words::replay_command(sc, file, &o.witness, false)),
            expected: crate::expect::is_expected(sc, &o.status, &o.balances),
        })
        .collect();
    let mut footer = vec![race_verdict(sc, x)];
    footer.extend(
        verdict_lines(sc, x, file)
            .into_iter()
            .map(|l| format!("expect: {l}")),
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
            label: outcome_label(sc, &o.status, &o.balances),
            share: o.count as f64 / total,
            value: format!("{}  ({:.2}%)", o.count, o.count as f64 * 100.0 / total),
            witness: format!(
                "first seed: {}",
                super::sweep::seed_command(file, policy, o.first_seed)
            ),
            expected: crate::expect::is_expected(sc, &o.status, &o.balances),
        })
        .collect();
    let footer = vec![match s.verdict.first_failing_seed {
        None => "expect: ok on every seed".to_string(),
        Some(seed) => format!(
            "expect: FAILED, first on seed {seed}: {}",
            super::sweep::seed_command(file, policy, seed)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_handles_markup_quotes_and_control_characters() {
        assert_eq!(
            escape(r#"a<b>&"c"'d'"#),
            "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;"
        );
        assert_eq!(escape("bell\u{7}"), "bell\u{fffd}");
        assert_eq!(escape("tab\tok"), "tab\tok");
    }

    #[test]
    fn long_labels_are_cut() {
        let long = "x".repeat(80);
        let cut = truncate(&long);
        assert_eq!(cut.chars().count(), MAX_LABEL);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short"), "short");
    }

    #[test]
    fn wrap_breaks_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("aaaaaaa b", 3), vec!["aaaaaaa", "b"]);
        assert_eq!(wrap("", 3), vec![""]);
    }
}
