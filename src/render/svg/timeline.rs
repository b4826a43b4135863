//! The timeline of one run: [`layout`] places everything (lanes, rows, step boxes, lock bars,
//! sleeps, blocked threads, race marks, the lines below) in a [`TimelineLayout`], a pure value;
//! [`emit`] writes that layout as SVG and decides nothing.

use std::fmt::Write;

use super::palette::{
    BACKGROUND, CLOBBER, Colours, GREY, LOCK_HELD, LOCK_TEXT, MUTED, RED, RULE, SLEEPING, StepKind,
};
use super::{
    Badge, Header, Legend, Look, MARGIN, Swatch, badge, draw_legend, escape, legend_layout, open, text,
    text_width, truncate,
};
use crate::analysis::WaitingOn;
use crate::engine::{Effect, Event};
use crate::outcome::Status;
use crate::render::describe;
use crate::render::words::{self, balances};
use crate::run::RunReport;

/// Left column with the step numbers and the virtual time.
const GUTTER: i32 = 84;
const LANE_GAP: i32 = 76;
const ROW_H: i32 = 28;
const BOX_H: i32 = 21;
/// The band that marks a jump of virtual time.
const TIME_H: i32 = 26;
const LOCK_W: i32 = 18;
/// The arrowhead of race marks.
const ARROW: &str = "racesim-arrow";

/// A box on the timeline: left, top, width (every box is `BOX_H` high).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub x: i32,
    pub y: i32,
    pub w: i32,
}

/// A thread's column: its name centred over its boxes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    pub name: String,
    /// The middle of the lane's boxes.
    pub centre: i32,
}

/// Where virtual time moves on: a label, and from the second time on a dashed band.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeMark {
    pub label: String,
    /// The baseline of the label.
    pub text_y: i32,
    /// The y of the band's line (none before the first step).
    pub band: Option<i32>,
}

/// One step of the run as a box in its thread's lane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepBox {
    pub step: u64,
    pub time: u64,
    pub at: Placed,
    pub colours: Colours,
    pub stroke_width: u32,
    /// Sleeps are drawn dashed.
    pub dashed: bool,
    /// The step in words, cut to fit (`tooltip` has all of it).
    pub label: String,
    pub tooltip: String,
    /// Virtual time moved on just before this step.
    pub time_mark: Option<TimeMark>,
}

/// A thread blocked forever at the end of a deadlocked run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub at: Placed,
    pub words: String,
}

/// A vertical line from (x, top) to (x, bottom).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifeline {
    pub x: i32,
    pub top: i32,
    pub bottom: i32,
}

/// A sleeping thread: a dashed gap below the step that slept, up to its next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sleep {
    /// The lane's middle.
    pub x: i32,
    pub from: i32,
    pub to: i32,
    /// "sleeps until t=3", where there is room for it.
    pub label: Option<String>,
}

/// A lock held: a bar beside the lane from the lock to the unlock (or to the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockBar {
    pub x: i32,
    pub top: i32,
    pub bottom: i32,
    pub lock: String,
    pub tooltip: String,
}

/// An arrow from (x1, y1) to (x2, y2), or a curve bulging out to `bulge` between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrow {
    pub x1: i32,
    pub y1: i32,
    pub x2: i32,
    pub y2: i32,
}

/// A lost update: the clobbering write, the stale read it was built on, the lost write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostMark {
    pub n: usize,
    pub explanation: String,
    pub clobber: Placed,
    pub stale_read: Placed,
    pub lost_write: Placed,
    /// From the lost write to the write that replaced it.
    pub overwrite: Arrow,
    /// From the stale read to the clobbering write, bulging right to `bulge`.
    pub arrow: Arrow,
    pub bulge: i32,
    pub badge: Badge,
}

/// A line of text below the lanes, with a badge before it when it explains a mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextLine {
    pub x: i32,
    pub y: i32,
    pub text: String,
    pub look: Look,
    pub badge: Option<Badge>,
}

/// Everything the timeline draws, placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineLayout {
    pub width: i32,
    pub height: i32,
    pub title: String,
    pub header: Header,
    /// Baseline of the lane names (and of "time step").
    pub lanes_top: i32,
    pub lanes: Vec<Lane>,
    /// The rule under the lane names, and the right end of it and of the time bands.
    pub rule_y: i32,
    pub rule_right: i32,
    pub steps: Vec<StepBox>,
    pub blocked: Vec<Blocked>,
    pub lifelines: Vec<Lifeline>,
    pub sleeps: Vec<Sleep>,
    pub lock_bars: Vec<LockBar>,
    pub lost: Vec<LostMark>,
    /// The lines below the lanes: status, balances, verdicts, races.
    pub lines: Vec<TextLine>,
    pub legend: Legend,
    pub replay: TextLine,
}

/// A lock held from `first` to `last` (`None`: still held at the end).
struct HeldLock {
    thread: usize,
    lock: usize,
    slot: i32,
    first: u64,
    last: Option<u64>,
}

/// Places the run's timeline. `file` names the scenario in the replay command.
pub fn layout(report: &RunReport, file: &str) -> TimelineLayout {
    let sc = report.scenario;
    let events = &report.events;
    let threads = sc.transactions.len();
    let lost = &report.analysis.lost_updates;

    // Lock bars: which slot beside the lane each held lock takes.
    let mut held: Vec<HeldLock> = Vec::new();
    let mut slots_needed = 0;
    for e in events {
        match e.effect {
            Effect::Lock(lock) => {
                let used: Vec<i32> = held
                    .iter()
                    .filter(|b| b.thread == e.thread && b.last.is_none())
                    .map(|b| b.slot)
                    .collect();
                let slot = (0..).find(|s| !used.contains(s)).unwrap_or(0);
                slots_needed = slots_needed.max(slot + 1);
                held.push(HeldLock {
                    thread: e.thread,
                    lock,
                    slot,
                    first: e.step,
                    last: None,
                });
            }
            Effect::Unlock(lock) => {
                if let Some(b) = held
                    .iter_mut()
                    .find(|b| b.thread == e.thread && b.lock == lock && b.last.is_none())
                {
                    b.last = Some(e.step);
                }
            }
            _ => {}
        }
    }
    let blocked_words = blocked_threads(report);

    let labels: Vec<String> = events.iter().map(|e| truncate(&describe(sc, e))).collect();
    let longest = labels
        .iter()
        .map(|l| text_width(l))
        .chain(blocked_words.iter().map(|(_, b)| text_width(b)))
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
    let head = Header::new(sc, context);
    let width = [
        lanes_right + MARGIN,
        MARGIN * 2 + head.width(),
        MARGIN * 2 + text_width(&final_line),
        MARGIN * 2 + message.as_deref().map_or(0, text_width),
        MARGIN * 2 + 24 + explanations.iter().map(|e| text_width(e)).max().unwrap_or(0),
        640,
    ]
    .into_iter()
    .max()
    .unwrap_or(640);

    let lanes_top = head.bottom() + 22;
    let lanes = sc
        .transactions
        .iter()
        .enumerate()
        .map(|(t, tx)| Lane {
            name: tx.name.clone(),
            centre: box_x(t) + box_w / 2,
        })
        .collect();
    let rule_y = lanes_top + 26;
    let rule_right = lanes_right - LANE_GAP / 2;
    let mut y = rule_y + 6;

    // Rows: one per step, plus a band wherever virtual time moves on.
    let mut steps: Vec<StepBox> = Vec::with_capacity(events.len());
    let mut now = None;
    for (e, label) in events.iter().zip(&labels) {
        let mut time_mark = None;
        if now != Some(e.time) {
            let label = format!("t={}", e.time);
            time_mark = Some(if now.is_some() {
                let mid = y + TIME_H / 2;
                y += TIME_H;
                TimeMark {
                    label,
                    text_y: mid - 4,
                    band: Some(mid),
                }
            } else {
                TimeMark {
                    label,
                    text_y: y + 15,
                    band: None,
                }
            });
            now = Some(e.time);
        }
        let clobbers = lost.iter().any(|l| l.clobber.step == e.step);
        let (colours, stroke_width) = if clobbers {
            (CLOBBER, 2)
        } else {
            (StepKind::of(&e.effect).colours(), 1)
        };
        steps.push(StepBox {
            step: e.step,
            time: e.time,
            at: Placed {
                x: box_x(e.thread),
                y,
                w: box_w,
            },
            colours,
            stroke_width,
            dashed: matches!(e.effect, Effect::Sleep(_)),
            label: label.clone(),
            tooltip: describe(sc, e),
            time_mark,
        });
        y += ROW_H;
    }
    let blocked_y = y;
    let blocked: Vec<Blocked> = blocked_words
        .iter()
        .map(|(t, words)| Blocked {
            at: Placed {
                x: box_x(*t),
                y,
                w: box_w,
            },
            words: words.clone(),
        })
        .collect();
    if !blocked.is_empty() {
        y += ROW_H;
    }
    let end_y = y;
    let placed = |i: usize| steps[i].at;

    // Lifelines: from a thread's first box to its last, so a gap reads as "not running".
    let mut lifelines = Vec::new();
    for t in 0..threads {
        let mut mine = events.iter().enumerate().filter(|(_, e)| e.thread == t);
        let Some((first, _)) = mine.next() else {
            continue;
        };
        let last = mine.next_back().map_or(first, |(i, _)| i);
        let bottom = if blocked_words.iter().any(|(b, _)| *b == t) {
            blocked_y
        } else {
            placed(last).y
        };
        lifelines.push(Lifeline {
            x: box_x(t) + box_w / 2,
            top: placed(first).y,
            bottom,
        });
    }
    // Sleeps: a dashed gap from the sleeping step to the thread's next step.
    let mut sleeps = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if e.delay == 0 || e.finished {
            continue;
        }
        let from = placed(i).y + BOX_H;
        let to = events[i + 1..]
            .iter()
            .position(|n| n.thread == e.thread)
            .map_or(end_y, |k| placed(i + 1 + k).y);
        if to - from < 6 {
            continue;
        }
        // Just below the sleeping step: the band of the time jump usually follows further down.
        sleeps.push(Sleep {
            x: box_x(e.thread) + box_w / 2,
            from,
            to,
            label: (to - from >= 18).then(|| format!("sleeps until t={}", e.time + e.delay)),
        });
    }
    // Lock bars beside the lane.
    let lock_bars = held
        .iter()
        .map(|h| {
            let top = placed(index_of(events, h.first)).y;
            let bottom = match h.last {
                Some(s) => placed(index_of(events, s)).y + BOX_H,
                None => end_y - (ROW_H - BOX_H),
            };
            LockBar {
                x: lane_x(h.thread) + h.slot * LOCK_W,
                top,
                bottom,
                lock: sc.locks[h.lock].clone(),
                tooltip: format!("{} holds {}", sc.thread_name(h.thread), sc.locks[h.lock]),
            }
        })
        .collect();

    // Lost updates: the clobbering write outlined with a badge, the stale read joined to it by
    // an arrow, and the overwritten write outlined and joined to it.
    let at_step = |s: u64| placed(index_of(events, s));
    let lost_marks = lost
        .iter()
        .zip(&explanations)
        .enumerate()
        .map(|(i, (l, explanation))| {
            let r = at_step(l.stale_read.step);
            let w = at_step(l.clobber.step);
            let v = at_step(l.lost.step);
            let (x1, x2) = if v.x < w.x {
                (v.x + v.w, w.x - 4)
            } else {
                (v.x, w.x + w.w + 4)
            };
            // The stale read's arrow bulges out to the right of the lane, clear of the boxes.
            let bulge = r.x + r.w + 26 + (i as i32 % 3) * 14;
            let (ry, wy) = (r.y + BOX_H / 2, w.y + BOX_H / 2);
            LostMark {
                n: i + 1,
                explanation: explanation.clone(),
                clobber: w,
                stale_read: r,
                lost_write: v,
                overwrite: Arrow {
                    x1,
                    y1: v.y + BOX_H / 2,
                    x2,
                    y2: w.y + BOX_H / 2,
                },
                arrow: Arrow {
                    x1: r.x + r.w,
                    y1: ry,
                    x2: r.x + r.w + 5,
                    y2: wy,
                },
                bulge,
                badge: Badge {
                    cx: bulge - 5,
                    cy: (ry + wy) / 2,
                    n: i + 1,
                    colour: RED,
                },
            }
        })
        .collect();

    // Below the lanes: the final balances, the lost updates in words, the legend.
    let mut lines = Vec::new();
    let mut line = |y: i32, x: i32, text: &str, look: Look, badge: Option<Badge>| {
        lines.push(TextLine {
            x,
            y,
            text: text.to_string(),
            look,
            badge,
        })
    };
    let mut y = end_y + 20;
    line(y, MARGIN, &final_line, Look::BOLD, None);
    if let Some(m) = &message {
        y += 18;
        line(y, MARGIN, m, Look::fill(RED), None);
    }
    if lost.is_empty() {
        y += 20;
        line(
            y,
            MARGIN,
            "no update was lost in this run",
            Look::fill(MUTED),
            None,
        );
    } else {
        y += 24;
        line(
            y,
            MARGIN,
            if lost.len() == 1 {
                "lost update"
            } else {
                "lost updates"
            },
            Look::bold(RED),
            None,
        );
        for (i, e) in explanations.iter().enumerate() {
            y += 22;
            let b = Badge {
                cx: MARGIN + 8,
                cy: y - 4,
                n: i + 1,
                colour: RED,
            };
            line(y, MARGIN + 24, e, Look::PLAIN, Some(b));
        }
    }
    let step = StepKind::colours;
    let boxed = |colours: Colours, extra: &'static str| Swatch::Box { colours, extra };
    let mut entries: Vec<(Swatch, String)> = vec![
        (boxed(step(StepKind::Read), ""), "read".into()),
        (boxed(step(StepKind::Write), ""), "write".into()),
        (boxed(step(StepKind::Local), ""), "local".into()),
        (boxed(step(StepKind::Log), ""), "log".into()),
        (boxed(SLEEPING, r#" stroke-dasharray="3 3""#), "sleeping".into()),
    ];
    if !sc.locks.is_empty() {
        entries.push((boxed(step(StepKind::Lock), ""), "lock/unlock".into()));
        entries.push((boxed(LOCK_HELD, ""), "lock held".into()));
    }
    if !lost.is_empty() {
        entries.push((
            boxed(CLOBBER, r#" stroke-width="2""#),
            "lost update: write built on a stale read".into(),
        ));
        entries.push((
            Swatch::Arrow {
                colour: RED,
                marker: ARROW,
            },
            "from the stale read".into(),
        ));
        entries.push((
            boxed(
                Colours {
                    fill: step(StepKind::Write).fill,
                    stroke: RED,
                },
                r#" stroke-dasharray="5 3""#,
            ),
            "the write whose change was lost".into(),
        ));
    }
    let legend = legend_layout(entries, y + 22, width);
    let replay = TextLine {
        x: MARGIN,
        y: legend.bottom + 20,
        text: format!(
            "replay: {}",
            words::replay_command(
                sc,
                file,
                &report.schedule,
                matches!(report.summary.outcome.status, Status::Limit { .. })
            )
        ),
        look: Look::fill(MUTED),
        badge: None,
    };
    TimelineLayout {
        width,
        height: legend.bottom + 24 + MARGIN,
        title: format!("racesim run: {}", sc.name),
        header: head,
        lanes_top,
        lanes,
        rule_y,
        rule_right,
        steps,
        blocked,
        lifelines,
        sleeps,
        lock_bars,
        lost: lost_marks,
        lines,
        legend,
        replay,
    }
}

/// The position of step `step` in the run's events (they are in step order).
fn index_of(events: &[Event], step: u64) -> usize {
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

fn rect_outline(out: &mut String, class: &str, id: &str, p: Placed, colour: &str, width: &str) {
    let _ = writeln!(
        out,
        r#"<rect class="{class}" id="{id}" x="{}" y="{}" width="{}" height="{BOX_H}" rx="4" fill="none" stroke="{colour}" stroke-width="{width}" stroke-dasharray="5 3"/>"#,
        p.x, p.y, p.w
    );
}

/// Writes the laid-out timeline as an SVG document.
pub fn emit(l: &TimelineLayout) -> String {
    let mut body = String::new();
    l.header.draw(&mut body);
    text(
        &mut body,
        MARGIN,
        l.lanes_top + 14,
        &Look::fill(MUTED).attrs(),
        "time  step",
    );
    for lane in &l.lanes {
        text(
            &mut body,
            lane.centre,
            l.lanes_top + 14,
            r#"font-size="13" font-weight="bold" text-anchor="middle""#,
            &lane.name,
        );
    }
    let _ = writeln!(
        body,
        r#"<line x1="{MARGIN}" y1="{y}" x2="{}" y2="{y}" stroke="{RULE}"/>"#,
        l.rule_right,
        y = l.rule_y
    );
    for f in &l.lifelines {
        let _ = writeln!(
            body,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{RULE}" stroke-width="2"/>"#,
            f.top,
            f.bottom,
            x = f.x
        );
    }
    for s in &l.sleeps {
        let _ = writeln!(
            body,
            r#"<g class="sleep"><rect x="{}" y="{}" width="8" height="{}" fill="{}" stroke="{}" stroke-dasharray="3 3"/>"#,
            s.x - 4,
            s.from,
            s.to - s.from,
            SLEEPING.fill,
            SLEEPING.stroke
        );
        if let Some(label) = &s.label {
            text(
                &mut body,
                s.x + 10,
                s.from + 13,
                &format!(r#"fill="{MUTED}" font-style="italic" font-size="11""#),
                label,
            );
        }
        body.push_str("</g>\n");
    }
    for b in &l.lock_bars {
        let _ = writeln!(
            body,
            r#"<g class="lock-held"><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}" stroke="{}"/>"#,
            escape(&b.tooltip),
            b.x,
            b.top,
            LOCK_W - 4,
            b.bottom - b.top,
            LOCK_HELD.fill,
            LOCK_HELD.stroke
        );
        let _ = writeln!(
            body,
            r#"<text transform="translate({} {}) rotate(90)" font-size="11" fill="{LOCK_TEXT}">{}</text></g>"#,
            b.x + 4,
            b.top + 5,
            escape(&b.lock)
        );
    }
    for s in &l.steps {
        if let Some(m) = &s.time_mark {
            if let Some(mid) = m.band {
                let _ = writeln!(
                    body,
                    r#"<line x1="{MARGIN}" y1="{mid}" x2="{}" y2="{mid}" stroke="{GREY}" stroke-dasharray="2 4"/>"#,
                    l.rule_right
                );
            }
            text(&mut body, MARGIN, m.text_y, &Look::BOLD.attrs(), &m.label);
        }
        let Placed { x, y, w } = s.at;
        text(
            &mut body,
            MARGIN + GUTTER - 14,
            y + 15,
            &format!(r#"fill="{MUTED}" text-anchor="end""#),
            &s.step.to_string(),
        );
        let _ = writeln!(
            body,
            r#"<g class="step" id="step-{}"><title>step {}, t={}: {}</title><rect x="{x}" y="{y}" width="{w}" height="{BOX_H}" rx="4" fill="{}" stroke="{}" stroke-width="{}"{}/>"#,
            s.step,
            s.step,
            s.time,
            escape(&s.tooltip),
            s.colours.fill,
            s.colours.stroke,
            s.stroke_width,
            if s.dashed {
                r#" stroke-dasharray="4 3""#
            } else {
                ""
            }
        );
        text(&mut body, x + 8, y + 15, "", &s.label);
        body.push_str("</g>\n");
    }
    for b in &l.blocked {
        let Placed { x, y, w } = b.at;
        let _ = writeln!(
            body,
            r#"<g class="blocked"><rect x="{x}" y="{y}" width="{w}" height="{BOX_H}" rx="4" fill="{BACKGROUND}" stroke="{RED}" stroke-dasharray="5 3"/>"#
        );
        text(&mut body, x + 8, y + 15, &Look::fill(RED).attrs(), &b.words);
        body.push_str("</g>\n");
    }
    for m in &l.lost {
        let n = m.n;
        let w = m.clobber;
        let _ = writeln!(
            body,
            r#"<g class="lost-update" id="lost-update-{n}"><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="5" fill="none" stroke="{RED}" stroke-width="2.5"/></g>"#,
            escape(&m.explanation),
            w.x - 3,
            w.y - 3,
            w.w + 6,
            BOX_H + 6
        );
        rect_outline(
            &mut body,
            "stale-read",
            &format!("stale-read-{n}"),
            m.stale_read,
            RED,
            "1.5",
        );
        rect_outline(
            &mut body,
            "lost-write",
            &format!("lost-write-{n}"),
            m.lost_write,
            RED,
            "1.5",
        );
        let o = m.overwrite;
        let _ = writeln!(
            body,
            r#"<line class="lost-overwrite" id="lost-overwrite-{n}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{RED}" stroke-width="1.5" stroke-dasharray="2 3" marker-end="url(#{ARROW})"/>"#,
            o.x1, o.y1, o.x2, o.y2
        );
        let a = m.arrow;
        let _ = writeln!(
            body,
            r#"<path class="lost-arrow" id="lost-arrow-{n}" d="M {} {ry} C {bulge} {ry} {bulge} {wy} {} {wy}" fill="none" stroke="{RED}" stroke-width="2" marker-end="url(#{ARROW})"/>"#,
            a.x1,
            a.x2,
            ry = a.y1,
            wy = a.y2,
            bulge = m.bulge
        );
        badge(&mut body, &m.badge);
    }
    for line in &l.lines {
        if let Some(b) = &line.badge {
            badge(&mut body, b);
        }
        text(&mut body, line.x, line.y, &line.look.attrs(), &line.text);
    }
    draw_legend(&mut body, &l.legend);

    let mut out = String::new();
    open(&mut out, l.width, l.height, &l.title);
    let _ = writeln!(
        out,
        r#"<defs><marker id="{ARROW}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{RED}"/></marker></defs>"#
    );
    out.push_str(&body);
    text(
        &mut out,
        l.replay.x,
        l.replay.y,
        &format!(r#"fill="{MUTED}" font-size="11""#),
        &l.replay.text,
    );
    out.push_str("</svg>\n");
    out
}
