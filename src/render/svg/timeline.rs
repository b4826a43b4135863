//! The timeline of one run: [`layout`] places everything (lanes, rows, step boxes, lock bars,
//! sleeps, blocked stretches and the wakes that end them, queue columns, threads blocked forever,
//! race marks, the lines below) in a [`TimelineLayout`], a pure value; [`emit`] writes that
//! layout as SVG and decides nothing.

use std::fmt::Write;

use super::palette::{
    self, BACKGROUND, BLOCKED_FILL, CLOBBER, Colours, GREEN, GREY, LOCK_HELD, LOCK_TEXT, MUTED, QUEUE, RED,
    RULE, SLEEPING, StepKind, WAKE,
};
use super::{
    Badge, CW, Header, Legend, Look, MARGIN, Swatch, badge, draw_legend, escape, legend_layout, open, text,
    text_width, truncate,
};
use crate::analysis::BlockedSpan;
use crate::analysis::RaceKind;
use crate::engine::{Effect, Event};
use crate::outcome::Status;
use crate::render::text::verdict_lines;
use crate::render::words;
use crate::render::{blocked_stretches, describe, wrap};
use crate::run::RunReport;

/// Left column with the step numbers and the virtual time.
const GUTTER: i32 = 84;
const LANE_GAP: i32 = 76;
const ROW_H: i32 = 28;
const BOX_H: i32 = 21;
/// The band that marks a jump of virtual time.
const TIME_H: i32 = 26;
const LOCK_W: i32 = 18;
/// Sentences below the lanes wrap at this many columns, or at the lanes' width when wider.
const MIN_COLUMNS: usize = 120;
/// The labels before the lines below the lanes ("status", "final") take this many columns.
const LABEL: usize = 9;

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
    pub time: crate::engine::Time,
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
    /// What it waits for, in a sentence.
    pub tooltip: String,
}

/// A stretch of a run in which a thread was blocked: its lane hatched from where it became
/// blocked to the row of the step that let it go on (or to the end), with what it waited for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedStretch {
    pub thread: usize,
    pub x: i32,
    pub w: i32,
    pub top: i32,
    pub bottom: i32,
    /// "waits for lock m (held by a)", where there is room for it.
    pub label: Option<String>,
    pub tooltip: String,
}

/// A step that let a blocked thread go on: an arrow from its box to the woken thread's lane, in
/// the step's row (where the thread's blocked stretch ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WakeArrow {
    pub step: u64,
    pub arrow: Arrow,
    pub tooltip: String,
}

/// A queue's column right of the lanes: its name on top, its contents beside every step that
/// changes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueColumn {
    pub name: String,
    /// "queue q", over the column.
    pub heading: String,
    pub x: i32,
    pub w: i32,
    pub chips: Vec<QueueChip>,
}

/// A queue's contents after a `put` or `get`, in that step's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueChip {
    pub step: u64,
    pub at: Placed,
    pub text: String,
    pub tooltip: String,
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

/// A race drawn over the steps it involves: the step where it bites outlined (in the group
/// `{class}-{n}`, whose tooltip explains it), the other steps outlined dashed, arrows between
/// lanes, a curve within the lane, and a numbered badge on the curve (on the first arrow when
/// the race's steps are all in different lanes and there is no curve).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaceMark {
    pub kind: RaceKind,
    pub n: usize,
    pub explanation: String,
    pub outlined: Vec<Placed>,
    /// (class, box): the element's id is `{class}-{n}`.
    pub dashed: Vec<(&'static str, Placed)>,
    /// (class, arrow) between lanes, dashed.
    pub links: Vec<(&'static str, Arrow)>,
    /// (class, from the first to the last step in the lane): bulges out right to `bulge`.
    pub curve: Option<(&'static str, Arrow)>,
    pub bulge: i32,
    pub badge: Badge,
}

impl RaceMark {
    /// The class of the mark's group, and its id without the number.
    pub fn class(&self) -> &'static str {
        match self.kind {
            RaceKind::LostUpdate => "lost-update",
            RaceKind::StaleCheck => "stale-check",
            RaceKind::TornRead => "torn-read",
            RaceKind::LostWakeup => "lost-wakeup",
            RaceKind::StolenPermit => "stolen-permit",
        }
    }
}

/// The arrowhead of wakes, and the hatching of blocked stretches.
const WAKE_MARKER: &str = "racesim-arrow-wake";
const BLOCKED_HATCH: &str = "racesim-blocked";

/// What the legend needs to explain besides steps, locks and races.
#[derive(Debug, Clone, Copy)]
struct Shown {
    /// Threads blocked forever.
    blocked: bool,
    stretches: bool,
    wakes: bool,
}

/// The id of the arrowhead in a race's colour.
fn marker(kind: RaceKind) -> &'static str {
    match kind {
        RaceKind::LostUpdate => "racesim-arrow",
        RaceKind::StaleCheck | RaceKind::LostWakeup => "racesim-arrow-stale",
        RaceKind::TornRead | RaceKind::StolenPermit => "racesim-arrow-torn",
    }
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
    /// The run in one line under the header: status, verdicts, races, each in its colour.
    pub headline: Vec<TextLine>,
    /// Baseline of the lane names (and of "time step").
    pub lanes_top: i32,
    pub lanes: Vec<Lane>,
    /// The rule under the lane names, and the right end of it and of the time bands.
    pub rule_y: i32,
    pub rule_right: i32,
    pub steps: Vec<StepBox>,
    /// Virtual time moved on after the last step, before the threads were found blocked.
    pub end_mark: Option<TimeMark>,
    pub blocked: Vec<Blocked>,
    pub stretches: Vec<BlockedStretch>,
    pub wakes: Vec<WakeArrow>,
    pub queues: Vec<QueueColumn>,
    /// The bottom of the lanes' rows (where queue columns end).
    pub rows_bottom: i32,
    pub lifelines: Vec<Lifeline>,
    pub sleeps: Vec<Sleep>,
    pub lock_bars: Vec<LockBar>,
    /// Lost updates, then stale checks, then torn reads.
    pub races: Vec<RaceMark>,
    /// The arrowheads the picture uses: (id, colour).
    pub markers: Vec<(&'static str, &'static str)>,
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
    let analysis = &report.analysis;
    let lost = &analysis.lost_updates;

    // Lock bars: which slot beside the lane each held lock takes.
    let mut held: Vec<HeldLock> = Vec::new();
    let mut slots_needed = 0;
    for e in events {
        match e.effect {
            Effect::Lock { lock, count: 1 }
            | Effect::TryLock {
                lock,
                got: true,
                count: 1,
            }
            | Effect::Reacquire { lock, .. } => {
                let used: Vec<i32> = held
                    .iter()
                    .filter(|b| b.thread == e.thread && b.last.is_none())
                    .map(|b| b.slot)
                    .collect();
                let slot = (0..=used.len() as i32).find(|s| !used.contains(s)).unwrap_or(0);
                slots_needed = slots_needed.max(slot + 1);
                held.push(HeldLock {
                    thread: e.thread,
                    lock,
                    slot,
                    first: e.step,
                    last: None,
                });
            }
            Effect::Unlock { lock, count: 0 } | Effect::WaitCondition { lock, .. } => {
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
    // Threads blocked forever at the end of a deadlocked run, with what they wait for.
    let waiting: Vec<(usize, String, String)> = analysis
        .waiting
        .iter()
        .map(|w| (w.thread, words::blocked(sc, w), words::waiting(sc, w)))
        .collect();

    let spans = blocked_stretches(report);

    let labels: Vec<String> = events.iter().map(|e| truncate(&describe(sc, e))).collect();
    let longest = labels
        .iter()
        .map(|l| text_width(l))
        .chain(waiting.iter().map(|(_, b, _)| text_width(b)))
        .chain(spans.iter().map(|(_, l)| text_width(l)))
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
    // Queue columns right of the lanes, each as wide as its name and its longest contents.
    let mut queues: Vec<QueueColumn> = Vec::with_capacity(sc.queues.len());
    let mut columns_right = lanes_right;
    for (q, queue) in sc.queues.iter().enumerate() {
        let widest = events
            .iter()
            .filter(|e| queue_of(&e.effect) == Some(q))
            .filter_map(|e| e.queue.as_deref())
            .map(|c| text_width(&truncate(&words::queue_contents(c))))
            .chain([text_width(&queue_heading(&queue.name))])
            .max()
            .unwrap_or(0);
        let w = (widest + 16).max(80);
        queues.push(QueueColumn {
            name: queue.name.clone(),
            heading: queue_heading(&queue.name),
            x: columns_right,
            w,
            chips: Vec::new(),
        });
        columns_right += w + LANE_GAP / 2;
    }

    let start = words::end_state(sc, &sc.initial_balances(), &sc.initial_queues());
    let context = format!(
        "policy {} · {} worker{} · start {start}",
        words::policy(&report.policy),
        sc.workers,
        if sc.workers == 1 { "" } else { "s" }
    );
    let head = Header::new(sc, context);
    let headline = headline(report, head.bottom() + 18);
    let headline_right = headline.last().map_or(0, |l| l.x + text_width(&l.text));
    // The lines below the lanes wrap at the picture's width, and at no fewer than MIN_COLUMNS.
    let base_width = [
        columns_right + MARGIN,
        MARGIN * 2 + head.width(),
        headline_right + MARGIN,
        640,
    ]
    .into_iter()
    .max()
    .unwrap_or(640);
    let columns = ((f64::from(base_width - 2 * MARGIN) / CW) as usize).max(MIN_COLUMNS);

    let lanes_top = headline[0].y + 22;
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
    let rule_right = if queues.is_empty() {
        lanes_right - LANE_GAP / 2
    } else {
        columns_right - LANE_GAP / 2
    };
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
    // The clock moved on after the last step before threads were found blocked (a deadlock
    // after everyone's sleep): a band says when.
    let last_time = events.last().map(|e| e.time);
    let end_time = spans
        .iter()
        .filter(|(s, _)| s.since == events.len() as u64 && Some(s.time) > last_time)
        .map(|(s, _)| s.time)
        .max();
    let end_mark = match (end_time, last_time) {
        (Some(t), Some(_)) => {
            let mid = y + TIME_H / 2;
            y += TIME_H;
            Some(TimeMark {
                label: format!("t={t}"),
                text_y: mid - 4,
                band: Some(mid),
            })
        }
        _ => None,
    };
    let rows_bottom = y - (ROW_H - BOX_H);
    let blocked_y = y;
    let blocked: Vec<Blocked> = waiting
        .iter()
        .map(|(t, words, sentence)| Blocked {
            at: Placed {
                x: box_x(*t),
                y,
                w: box_w,
            },
            words: words.clone(),
            tooltip: sentence.clone(),
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
        let bottom = if waiting.iter().any(|(b, _, _)| *b == t) {
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
    // Blocked stretches: from the row after the step where the thread became blocked (from the
    // band, when the clock moved on first) to the bottom of the row of the step that let it go
    // on; open ones to its blocked box, or to the last row.
    let first_top = rule_y + 6;
    let top_after = |since: u64, time: crate::engine::Time| -> i32 {
        let i = since as usize;
        if i == 0 {
            return steps.first().map_or(first_top, |s| s.at.y);
        }
        let moved = time > events[i - 1].time;
        let band = if i < steps.len() {
            steps[i].time_mark.as_ref().and_then(|m| m.band)
        } else {
            end_mark.as_ref().and_then(|m| m.band)
        };
        match band {
            Some(mid) if moved => mid,
            _ => placed(i - 1).y + BOX_H,
        }
    };
    let stretches: Vec<BlockedStretch> = spans
        .iter()
        .filter_map(|(span, label)| {
            let forever = waiting.iter().any(|(b, _, _)| *b == span.thread);
            // Blocked only after the last step: its blocked box says it all.
            if forever && span.until.is_none() && span.since == events.len() as u64 {
                return None;
            }
            let top = top_after(span.since, span.time);
            let bottom = match span.until {
                Some(u) => placed(index_of(events, u)).y + BOX_H,
                None if forever => blocked_y,
                None => rows_bottom,
            };
            (bottom > top).then(|| BlockedStretch {
                thread: span.thread,
                x: box_x(span.thread),
                w: box_w,
                top,
                bottom,
                label: (bottom - top >= 20).then(|| label.clone()),
                tooltip: words::blocked_span(sc, span),
            })
        })
        .collect();
    // Wakes: across the waking step's row, from its box to the woken thread's lane; the wakes
    // of one step (a notify_all, a barrier's release) spread over the box's height.
    let mut wakes: Vec<WakeArrow> = Vec::with_capacity(analysis.blocking.wakes.len());
    for group in analysis.blocking.wakes.chunk_by(|a, b| a.step == b.step) {
        let from = placed(index_of(events, group[0].step));
        for (nth, w) in group.iter().enumerate() {
            let (x1, x2) = if from.x < box_x(w.thread) {
                (from.x + from.w, box_x(w.thread) - 2)
            } else {
                (from.x, box_x(w.thread) + box_w + 2)
            };
            let y = from.y + BOX_H * (nth as i32 + 1) / (group.len() as i32 + 1);
            wakes.push(WakeArrow {
                step: w.step,
                arrow: Arrow { x1, y1: y, x2, y2: y },
                tooltip: words::wake(sc, w),
            });
        }
    }
    // Queue contents beside each step that changes them.
    for (i, e) in events.iter().enumerate() {
        let (Some(q), Some(contents)) = (queue_of(&e.effect), e.queue.as_deref()) else {
            continue;
        };
        let column = &mut queues[q];
        let text = words::queue_contents(contents);
        column.chips.push(QueueChip {
            step: e.step,
            at: Placed {
                x: column.x,
                y: placed(i).y,
                w: column.w,
            },
            text: truncate(&text),
            tooltip: format!("after step {}: {} = {text}", e.step, sc.queues[q].name),
        });
    }
    // Sleeps: a dashed gap from the sleeping step to the thread's next step, or to where it is
    // found blocked once the sleep is over.
    let mut spans_of: Vec<Vec<&BlockedSpan>> = vec![Vec::new(); threads];
    for (s, _) in &spans {
        spans_of[s.thread].push(s);
    }
    let mut sleeps = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if e.delay == 0 || e.finished {
            continue;
        }
        let from = placed(i).y + BOX_H;
        let next = events[i + 1..]
            .iter()
            .position(|n| n.thread == e.thread)
            .map_or(end_y, |k| placed(i + 1 + k).y);
        let theirs = &spans_of[e.thread];
        let blocked_from = theirs
            .get(theirs.partition_point(|s| s.since < e.step))
            .map_or(next, |s| top_after(s.since, s.time));
        let to = next.min(blocked_from);
        if to - from < 6 {
            continue;
        }
        // Just below the sleeping step: the band of the time jump usually follows further down.
        sleeps.push(Sleep {
            x: box_x(e.thread) + box_w / 2,
            from,
            to,
            label: (to - from >= 18).then(|| format!("sleeps until t={}", e.wakes_at())),
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
                lock: sc.locks[h.lock].name.clone(),
                tooltip: format!("{} holds {}", sc.thread_name(h.thread), sc.locks[h.lock].name),
            }
        })
        .collect();

    let races = race_marks(report, &|s: u64| placed(index_of(events, s)));
    let mut markers: Vec<(&'static str, &'static str)> = vec![(marker(RaceKind::LostUpdate), RED)];
    for kind in &RaceKind::ALL[1..] {
        let id = marker(*kind);
        if races.iter().any(|m| m.kind == *kind) && !markers.iter().any(|(m, _)| *m == id) {
            markers.push((id, palette::race(*kind)));
        }
    }
    if !wakes.is_empty() {
        markers.push((WAKE_MARKER, WAKE));
    }

    // Below the lanes: status, balances, verdicts, races in words; then the legend.
    let (lines, y) = below_lanes(report, end_y, columns);
    let width = lines
        .iter()
        .map(|l| l.x + text_width(&l.text) + MARGIN)
        .chain([base_width])
        .max()
        .unwrap_or(base_width);
    let shown = Shown {
        blocked: !blocked.is_empty(),
        stretches: !stretches.is_empty(),
        wakes: !wakes.is_empty(),
    };
    let legend = legend_layout(legend_entries(report, shown), y + 22, width);
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
        headline,
        lanes_top,
        lanes,
        rule_y,
        rule_right,
        steps,
        end_mark,
        blocked,
        stretches,
        wakes,
        queues,
        rows_bottom,
        lifelines,
        sleeps,
        lock_bars,
        races,
        markers,
        lines,
        legend,
        replay,
    }
}

/// The queue a step changed, for `put` and `get`.
fn queue_of(effect: &Effect) -> Option<usize> {
    match effect {
        Effect::Put { queue, .. } | Effect::Get { queue, .. } => Some(*queue),
        _ => None,
    }
}

/// The heading of a queue's column.
fn queue_heading(name: &str) -> String {
    format!("queue {name}")
}

/// The run in one line: "status ok · expect: 1 of 2 FAILED · races: 1 lost update", each part
/// in the colour of what it says.
fn headline(report: &RunReport, y: i32) -> Vec<TextLine> {
    let status = &report.summary.outcome.status;
    let verdicts = &report.verdicts;
    let expect_look = match verdicts {
        _ if !verdicts.passed() => Look::bold(RED),
        crate::expect::RunVerdicts::Checked(v) if v.is_empty() => Look::fill(MUTED),
        _ => Look::fill(GREEN),
    };
    let races = report.analysis.races().any();
    let parts = [
        (words::status_summary(status), Look::bold(palette::status(status))),
        (words::expect_summary(verdicts), expect_look),
        (
            words::race_summary(report),
            if races { Look::bold(RED) } else { Look::fill(MUTED) },
        ),
    ];
    let mut out = Vec::new();
    let mut x = MARGIN;
    for (i, (text, look)) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push(TextLine {
                x,
                y,
                text: "·".into(),
                look: Look::fill(MUTED),
                badge: None,
            });
            x += text_width("· ");
        }
        let w = text_width(&text);
        out.push(TextLine {
            x,
            y,
            text,
            look,
            badge: None,
        });
        x += w + text_width(" ");
    }
    out
}

/// The race marks of a run, placed with `at` (a step's box): lost updates, stale checks, torn
/// reads, numbered within their kind.
fn race_marks(report: &RunReport, at: &dyn Fn(u64) -> Placed) -> Vec<RaceMark> {
    let sc = report.scenario;
    let a = &report.analysis;
    // From one lane to another: from the side of `from` facing `to` to just before `to`.
    let link = |from: Placed, to: Placed| {
        let (x1, x2) = if from.x < to.x {
            (from.x + from.w, to.x - 4)
        } else {
            (from.x, to.x + to.w + 4)
        };
        Arrow {
            x1,
            y1: from.y + BOX_H / 2,
            x2,
            y2: to.y + BOX_H / 2,
        }
    };
    let mut marks = Vec::new();
    // Curves bulge out to the right of the lane, clear of the boxes, each a little further out
    // than the one before (in threes) so that neighbours do not overlap.
    let mut mark = |kind: RaceKind,
                    n: usize,
                    explanation: String,
                    outlined: Vec<Placed>,
                    dashed: Vec<(&'static str, Placed)>,
                    links: Vec<(&'static str, Arrow)>,
                    curve: Option<(&'static str, Placed, Placed)>| {
        let colour = palette::race(kind);
        // Without a curve (the steps are in different lanes) the badge sits on the first link.
        let (curve, bulge, badge) = if let Some((class, first, last)) = curve {
            let bulge = first.x + first.w + 26 + (marks.len() as i32 % 3) * 14;
            let (y1, y2) = (first.y + BOX_H / 2, last.y + BOX_H / 2);
            let arrow = Arrow {
                x1: first.x + first.w,
                y1,
                x2: first.x + first.w + 5,
                y2,
            };
            let badge = Badge {
                cx: bulge - 5,
                cy: i32::midpoint(y1, y2),
                n,
                colour,
            };
            (Some((class, arrow)), bulge, badge)
        } else {
            let (cx, cy) = links.first().map_or((0, 0), |(_, a)| {
                (i32::midpoint(a.x1, a.x2), i32::midpoint(a.y1, a.y2))
            });
            (None, 0, Badge { cx, cy, n, colour })
        };
        marks.push(RaceMark {
            kind,
            n,
            explanation,
            outlined,
            dashed,
            links,
            curve,
            bulge,
            badge,
        });
    };
    // The clobbering write outlined, the stale read joined to it by the curve, the overwritten
    // write outlined dashed and joined to it.
    for (i, l) in a.lost_updates.iter().enumerate() {
        let (r, w, v) = (at(l.stale_read.step), at(l.clobber.step), at(l.lost.step));
        mark(
            RaceKind::LostUpdate,
            i + 1,
            words::lost_update(sc, l),
            vec![w],
            vec![("stale-read", r), ("lost-write", v)],
            vec![("lost-overwrite", link(v, w))],
            Some(("lost-arrow", r, w)),
        );
    }
    // The act outlined, the read and the check it rests on dashed and joined to the act by the
    // curve, the other thread's change in between dashed and joined to the act.
    for (i, s) in a.stale_checks.iter().enumerate() {
        let (r, c, u, w) = (at(s.read.step), at(s.check), at(s.change.step), at(s.act.step));
        mark(
            RaceKind::StaleCheck,
            i + 1,
            words::stale_check(sc, s),
            vec![w],
            vec![
                ("stale-check-read", r),
                ("stale-check-check", c),
                ("stale-check-change", u),
            ],
            vec![("stale-check-link", link(u, w))],
            Some(("stale-check-arrow", r, w)),
        );
    }
    // Both reads outlined and joined by the curve; the two writes dashed, the one read before
    // (missed) pointed to from its read, the one read after (seen) pointing to its read.
    for (i, t) in a.torn_reads.iter().enumerate() {
        let (old, new) = (at(t.old.1.step), at(t.new.1.step));
        let (old_write, new_write) = (at(t.old_write.step), at(t.new_write.step));
        let (first, last) = if t.old.1.step < t.new.1.step {
            (old, new)
        } else {
            (new, old)
        };
        mark(
            RaceKind::TornRead,
            i + 1,
            words::torn_read(sc, t),
            vec![first, last],
            vec![
                ("torn-read-old-write", old_write),
                ("torn-read-new-write", new_write),
            ],
            vec![
                ("torn-read-old-link", link(old, old_write)),
                ("torn-read-new-link", link(new_write, new)),
            ],
            Some(("torn-read-arrow", first, last)),
        );
    }
    // Between two lanes an arrow, within one lane a curve, from `from` to `to`.
    let join = |class: &'static str, from: Placed, to: Placed| {
        if from.x == to.x {
            (Vec::new(), Some((class, from, to)))
        } else {
            (vec![(class, link(from, to))], None)
        }
    };
    // The notify that woke nobody outlined, joined to the wait it came before, dashed.
    for (i, l) in a.lost_wakeups.iter().enumerate() {
        let (notify, wait) = (at(l.notify.step), at(l.wait));
        let (links, curve) = join("lost-wakeup-arrow", notify, wait);
        mark(
            RaceKind::LostWakeup,
            i + 1,
            words::lost_wakeup(sc, l),
            vec![notify],
            vec![("lost-wakeup-wait", wait)],
            links,
            curve,
        );
    }
    // The acquire that took the permit outlined, joined from the release, dashed; the thread
    // still waiting is in its blocked stretch.
    for (i, p) in a.stolen_permits.iter().enumerate() {
        let (release, thief) = (at(p.release.step), at(p.thief.step));
        let (links, curve) = join("stolen-permit-arrow", release, thief);
        mark(
            RaceKind::StolenPermit,
            i + 1,
            words::stolen_permit(sc, p),
            vec![thief],
            vec![("stolen-permit-release", release)],
            links,
            curve,
        );
    }
    marks
}

/// The lines below the lanes, from `end_y` down, and the y of the last: status, message, what
/// blocked threads wait for, final balances, every verdict (failures in bold red), every race
/// with its badge, or that there was none. Sentences wrap at `columns`.
fn below_lanes(report: &RunReport, end_y: i32, columns: usize) -> (Vec<TextLine>, i32) {
    let sc = report.scenario;
    let outcome = &report.summary.outcome;
    let mut lines = Vec::new();
    let mut y = end_y + 20;
    // A labelled line ("status" ... "ok"): the label muted in the left column, the text from
    // where the legend's entries start; longer ones go on below, under the text. (SVG collapses
    // runs of spaces, so the columns are x positions, not padding.)
    let text_x = MARGIN + 64;
    let mut labelled = |y: &mut i32, label: &str, text: &str, look: Look| {
        if !label.is_empty() {
            lines.push(TextLine {
                x: MARGIN,
                y: *y,
                text: label.to_string(),
                look: Look::fill(MUTED),
                badge: None,
            });
        }
        for (i, part) in wrap(text, columns - LABEL).into_iter().enumerate() {
            if i > 0 {
                *y += 18;
            }
            lines.push(TextLine {
                x: text_x,
                y: *y,
                text: part,
                look,
                badge: None,
            });
        }
        *y += 18;
    };
    labelled(
        &mut y,
        "status",
        outcome.status.name(),
        Look::bold(palette::status(&outcome.status)),
    );
    if let Some(m) = words::run_message(sc, &outcome.status) {
        labelled(&mut y, "", &m, Look::fill(RED));
    }
    for (i, w) in report.analysis.waiting.iter().enumerate() {
        let label = if i == 0 { "waiting" } else { "" };
        labelled(&mut y, label, &words::waiting(sc, w), Look::fill(RED));
    }
    labelled(
        &mut y,
        "final",
        &words::end_state(sc, &outcome.balances, &outcome.queues),
        Look::BOLD,
    );
    for (i, (line, failed)) in verdict_lines(report).iter().enumerate() {
        let label = if i == 0 { "expect" } else { "" };
        let look = if *failed { Look::bold(RED) } else { Look::PLAIN };
        labelled(&mut y, label, line, look);
    }
    if !report.analysis.races().any() {
        y += 2;
        lines.push(TextLine {
            x: MARGIN,
            y,
            text: words::NO_RACE.into(),
            look: Look::fill(MUTED),
            badge: None,
        });
        y += 18;
    }
    for (kind, group) in words::races_by_kind(report) {
        y += 6;
        lines.push(TextLine {
            x: MARGIN,
            y,
            text: kind.heading(group.len()),
            look: Look::bold(palette::race(kind)),
            badge: None,
        });
        for (i, sentence) in group.iter().enumerate() {
            y += 22;
            let x = MARGIN + 24;
            for (j, part) in wrap(sentence, columns - 3).into_iter().enumerate() {
                if j > 0 {
                    y += 18;
                }
                lines.push(TextLine {
                    x,
                    y,
                    text: part,
                    look: Look::PLAIN,
                    badge: (j == 0).then_some(Badge {
                        cx: MARGIN + 8,
                        cy: y - 4,
                        n: i + 1,
                        colour: palette::race(kind),
                    }),
                });
            }
        }
        y += 18;
    }
    (lines, y - 18)
}

/// The legend: the kinds of step, locks when the scenario has any, blocked threads when some
/// are, and the marks of each kind of race the run shows.
fn legend_entries(report: &RunReport, shown: Shown) -> Vec<(Swatch, String)> {
    let step = StepKind::colours;
    let boxed = |colours: Colours, extra: &'static str| Swatch::Box { colours, extra };
    let mut entries: Vec<(Swatch, String)> = vec![
        (boxed(step(StepKind::Read), ""), "read".into()),
        (boxed(step(StepKind::Write), ""), "write".into()),
        (boxed(step(StepKind::Local), ""), "local".into()),
        (boxed(step(StepKind::Log), ""), "log".into()),
        (boxed(SLEEPING, r#" stroke-dasharray="3 3""#), "sleeping".into()),
    ];
    // Version-1 scenarios have only locks; the other objects' steps share the colour.
    let sync = report
        .events
        .iter()
        .filter(|e| StepKind::of(&e.effect) == StepKind::Lock)
        .any(|e| {
            !matches!(
                e.effect,
                Effect::Lock { .. } | Effect::Unlock { .. } | Effect::TryLock { .. }
            )
        });
    if sync {
        entries.push((boxed(step(StepKind::Lock), ""), "synchronization".into()));
    } else if !report.scenario.locks.is_empty() {
        entries.push((boxed(step(StepKind::Lock), ""), "lock/unlock".into()));
    }
    if !report.scenario.locks.is_empty() {
        entries.push((boxed(LOCK_HELD, ""), "lock held".into()));
    }
    if !report.scenario.queues.is_empty() {
        entries.push((boxed(QUEUE, ""), words::QUEUE_CONTENTS.into()));
    }
    if shown.stretches {
        entries.push((
            Swatch::Hatched {
                fill: BLOCKED_FILL,
                pattern: BLOCKED_HATCH,
            },
            words::BLOCKED_WHILE.into(),
        ));
    }
    if shown.wakes {
        entries.push((
            Swatch::Arrow {
                colour: WAKE,
                marker: WAKE_MARKER,
            },
            words::WAKE.into(),
        ));
    }
    if shown.blocked {
        entries.push((
            boxed(
                Colours {
                    fill: BACKGROUND,
                    stroke: RED,
                },
                r#" stroke-dasharray="5 3""#,
            ),
            words::BLOCKED.into(),
        ));
    }
    let races = report.analysis.races();
    let shown = [
        (
            RaceKind::LostUpdate,
            races.contains(RaceKind::LostUpdate),
            CLOBBER.fill,
            step(StepKind::Write).fill,
        ),
        (
            RaceKind::StaleCheck,
            races.contains(RaceKind::StaleCheck),
            BACKGROUND,
            step(StepKind::Read).fill,
        ),
        (
            RaceKind::TornRead,
            races.contains(RaceKind::TornRead),
            step(StepKind::Read).fill,
            step(StepKind::Write).fill,
        ),
        (
            RaceKind::LostWakeup,
            races.contains(RaceKind::LostWakeup),
            step(StepKind::Lock).fill,
            step(StepKind::Lock).fill,
        ),
        (
            RaceKind::StolenPermit,
            races.contains(RaceKind::StolenPermit),
            step(StepKind::Lock).fill,
            step(StepKind::Lock).fill,
        ),
    ];
    for (kind, present, outlined_fill, dashed_fill) in shown {
        if !present {
            continue;
        }
        let colour = palette::race(kind);
        let [outlined, arrow, dashed] = kind.legend();
        entries.push((
            boxed(
                Colours {
                    fill: outlined_fill,
                    stroke: colour,
                },
                r#" stroke-width="2""#,
            ),
            outlined.into(),
        ));
        entries.push((
            Swatch::Arrow {
                colour,
                marker: marker(kind),
            },
            arrow.into(),
        ));
        entries.push((
            boxed(
                Colours {
                    fill: dashed_fill,
                    stroke: colour,
                },
                r#" stroke-dasharray="5 3""#,
            ),
            dashed.into(),
        ));
    }
    entries
}

/// The position of step `step` in the run's events (they are in step order).
fn index_of(events: &[Event], step: u64) -> usize {
    events
        .binary_search_by_key(&step, |e| e.step)
        .unwrap_or_else(|i| i.min(events.len().saturating_sub(1)))
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
    for part in &l.headline {
        text(&mut body, part.x, part.y, &part.look.attrs(), &part.text);
    }
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
    for (n, b) in l.stretches.iter().enumerate() {
        let _ = writeln!(
            body,
            r#"<g class="blocked-span" id="blocked-span-{}"><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{BLOCKED_FILL}" stroke="{GREY}" stroke-width="0.5"/><rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="url(#{BLOCKED_HATCH})"/>"#,
            n + 1,
            escape(&b.tooltip),
            b.x,
            b.top,
            b.w,
            b.bottom - b.top,
            b.x,
            b.top,
            b.w,
            b.bottom - b.top
        );
        if let Some(label) = &b.label {
            // A halo in the fill keeps the words readable over the hatching.
            text(
                &mut body,
                b.x + 8,
                b.top + 15,
                &format!(
                    r#"font-style="italic" font-size="11" stroke="{BLOCKED_FILL}" stroke-width="3" paint-order="stroke""#
                ),
                label,
            );
        }
        body.push_str("</g>\n");
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
    if let Some(m) = &l.end_mark {
        if let Some(mid) = m.band {
            let _ = writeln!(
                body,
                r#"<line x1="{MARGIN}" y1="{mid}" x2="{}" y2="{mid}" stroke="{GREY}" stroke-dasharray="2 4"/>"#,
                l.rule_right
            );
        }
        text(&mut body, MARGIN, m.text_y, &Look::BOLD.attrs(), &m.label);
    }
    for q in &l.queues {
        let centre = q.x + q.w / 2;
        text(
            &mut body,
            centre,
            l.lanes_top + 14,
            &format!(r#"font-size="13" font-weight="bold" fill="{MUTED}" text-anchor="middle""#),
            &q.heading,
        );
        let _ = writeln!(
            body,
            r#"<line x1="{centre}" y1="{}" x2="{centre}" y2="{}" stroke="{RULE}" stroke-dasharray="4 4"/>"#,
            l.rule_y + 6,
            l.rows_bottom
        );
        for c in &q.chips {
            let Placed { x, y, w } = c.at;
            let _ = writeln!(
                body,
                r#"<g class="queue-contents" id="queue-{}-{}"><title>{}</title><rect x="{x}" y="{y}" width="{w}" height="{BOX_H}" rx="10" fill="{}" stroke="{}"/>"#,
                escape(&q.name),
                c.step,
                escape(&c.tooltip),
                QUEUE.fill,
                QUEUE.stroke
            );
            text(&mut body, x + w / 2, y + 15, r#"text-anchor="middle""#, &c.text);
            body.push_str("</g>\n");
        }
    }
    for (n, wk) in l.wakes.iter().enumerate() {
        let a = wk.arrow;
        let _ = writeln!(
            body,
            r#"<g class="wake" id="wake-{}"><title>{}</title><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{WAKE}" stroke-width="1.5" marker-end="url(#{WAKE_MARKER})"/></g>"#,
            n + 1,
            escape(&wk.tooltip),
            a.x1,
            a.y1,
            a.x2,
            a.y2
        );
    }
    for b in &l.blocked {
        let Placed { x, y, w } = b.at;
        let _ = writeln!(
            body,
            r#"<g class="blocked"><title>{}</title><rect x="{x}" y="{y}" width="{w}" height="{BOX_H}" rx="4" fill="{BACKGROUND}" stroke="{RED}" stroke-dasharray="5 3"/>"#,
            escape(&b.tooltip)
        );
        text(&mut body, x + 8, y + 15, &Look::fill(RED).attrs(), &b.words);
        body.push_str("</g>\n");
    }
    for m in &l.races {
        let (n, class) = (m.n, m.class());
        let colour = palette::race(m.kind);
        let marker = marker(m.kind);
        let _ = write!(
            body,
            r#"<g class="{class}" id="{class}-{n}"><title>{}</title>"#,
            escape(&m.explanation)
        );
        for w in &m.outlined {
            let _ = write!(
                body,
                r#"<rect x="{}" y="{}" width="{}" height="{}" rx="5" fill="none" stroke="{colour}" stroke-width="2.5"/>"#,
                w.x - 3,
                w.y - 3,
                w.w + 6,
                BOX_H + 6
            );
        }
        body.push_str("</g>\n");
        for (part, p) in &m.dashed {
            rect_outline(&mut body, part, &format!("{part}-{n}"), *p, colour, "1.5");
        }
        for (part, o) in &m.links {
            let _ = writeln!(
                body,
                r#"<line class="{part}" id="{part}-{n}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="2 3" marker-end="url(#{marker})"/>"#,
                o.x1, o.y1, o.x2, o.y2
            );
        }
        if let Some((part, a)) = m.curve {
            let _ = writeln!(
                body,
                r#"<path class="{part}" id="{part}-{n}" d="M {} {y1} C {bulge} {y1} {bulge} {y2} {} {y2}" fill="none" stroke="{colour}" stroke-width="2" marker-end="url(#{marker})"/>"#,
                a.x1,
                a.x2,
                y1 = a.y1,
                y2 = a.y2,
                bulge = m.bulge
            );
        }
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
    out.push_str("<defs>");
    for (id, colour) in &l.markers {
        let _ = write!(
            out,
            r#"<marker id="{id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/></marker>"#
        );
    }
    if !l.stretches.is_empty() {
        let _ = write!(
            out,
            r#"<pattern id="{BLOCKED_HATCH}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect x="0" y="0" width="2" height="6" fill="{GREY}" fill-opacity="0.35"/></pattern>"#
        );
    }
    out.push_str("</defs>\n");
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{PolicyChoice, run};
    use crate::scenario::{parse, parse_schedule};

    /// Two withdrawals of 80 from 100 that both pass their check (overdraft.toml, shortened).
    const OVERDRAFT: &str = r#"
[[accounts]]
name = "account"
balance = 100
[[transactions]]
name = "atm"
steps = [{ read = "account", into = "seen" }, { require = "seen >= 80" }, { atomic_add = "account", value = "-80" }]
[[transactions]]
name = "online"
steps = [{ read = "account", into = "seen" }, { require = "seen >= 80" }, { atomic_add = "account", value = "-80" }]
"#;

    #[test]
    fn the_layout_places_a_box_per_step_and_marks_the_stale_check_on_its_steps() {
        let sc = parse("t.toml", OVERDRAFT).unwrap();
        let schedule = parse_schedule(&sc, "atm,online,atm,online,atm,online").unwrap();
        let report = run(&sc, &PolicyChoice::Scripted { schedule });
        let l = layout(&report, "t.toml");
        assert_eq!(l.steps.len(), 6);
        assert!(
            l.steps.windows(2).all(|w| w[0].at.y < w[1].at.y),
            "time flows down"
        );
        let box_of = |step: u64| l.steps[step as usize - 1].at;
        assert_eq!(l.races.len(), 1);
        let m = &l.races[0];
        assert_eq!((m.kind, m.n), (RaceKind::StaleCheck, 1));
        assert_eq!(m.outlined, vec![box_of(6)]);
        let dashed: Vec<(&str, Placed)> = m.dashed.clone();
        assert_eq!(
            dashed,
            vec![
                ("stale-check-read", box_of(2)),
                ("stale-check-check", box_of(4)),
                ("stale-check-change", box_of(5)),
            ]
        );
        // The stale check's arrowhead is defined, and nothing says there was no race.
        assert!(l.markers.contains(&("racesim-arrow-stale", palette::STALE)));
        assert!(l.lines.iter().all(|t| t.text != words::NO_RACE));
        assert!(l.lines.iter().any(|t| t.text == RaceKind::StaleCheck.heading(1)));
        // The picture fits its longest line.
        assert!(
            l.lines
                .iter()
                .all(|t| t.x + text_width(&t.text) + MARGIN <= l.width)
        );
        assert_eq!(emit(&l), emit(&layout(&report, "t.toml")));
    }
}
