//! The one palette of the pictures: every colour of the timeline, the charts and their legends,
//! named once here (the HTML page and mermaid notes take theirs from here too).

use crate::analysis::RaceKind;
use crate::engine::Effect;
use crate::outcome::Status;

/// Text.
pub const INK: &str = "#1f2328";
/// Secondary text: context lines, step numbers, witnesses.
pub const MUTED: &str = "#656d76";
/// The page.
pub const BACKGROUND: &str = "#ffffff";
/// Text on a dark badge.
pub const ON_BADGE: &str = "#ffffff";
/// Rules and lifelines.
pub const RULE: &str = "#d0d7de";
/// Neutral strokes: time bands, axes, sleeping and local steps.
pub const GREY: &str = "#8c959f";
/// Quiet fills: a sleep's gap, a bar's track.
pub const TRACK: &str = "#f6f8fa";

/// Failure and lost updates: failed expectations, errors, unexpected outcomes, blocked threads.
pub const RED: &str = "#d1242f";
/// The fill of a box that went wrong: a failed step, a clobbering write.
pub const RED_FILL: &str = "#ffd8d3";
/// What holds: a passed expectation, an ok status, an expected outcome.
pub const GREEN: &str = "#2e8540";
/// Neither good nor bad: an outcome when `[expect]` names none.
pub const BLUE: &str = "#2f6fb3";
/// Worth a look but not a failure in itself: a deadlock, a step limit.
pub const AMBER: &str = "#9a6700";
/// A check that was stale by the time of its act (check-then-act).
pub const STALE: &str = "#bc4c00";
/// Reads that saw an update half done.
pub const TORN: &str = "#bf3989";
/// Light backgrounds for notes about a race, by kind (mermaid's `rect` blocks).
pub const STALE_FILL: &str = "#ffe2cc";
pub const TORN_FILL: &str = "#ffd6ec";
/// The hatching over a bar of an outcome that needs an interleaving.
pub const HATCH: &str = "#ffffff";

/// Fill and stroke of a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colours {
    pub fill: &'static str,
    pub stroke: &'static str,
}

/// A lock held: the bar beside the lane, and its name.
pub const LOCK_HELD: Colours = Colours {
    fill: "#c8b2e3",
    stroke: "#7b4fa6",
};
pub const LOCK_TEXT: &str = "#3c1f5c";
/// The write that clobbered another thread's update.
pub const CLOBBER: Colours = Colours {
    fill: RED_FILL,
    stroke: RED,
};
/// A thread blocked for a while: the fill under its hatching.
pub const BLOCKED_FILL: &str = "#eef0f3";
/// The arrow from a step to the blocked thread it let go on.
pub const WAKE: &str = "#1b7c83";
/// A queue's contents beside a step that changed them.
pub const QUEUE: Colours = Colours {
    fill: "#fbf3e4",
    stroke: "#8a6d3b",
};
/// The gap of a sleeping thread.
pub const SLEEPING: Colours = Colours {
    fill: TRACK,
    stroke: GREY,
};

/// What a step did, as far as its colour goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Read,
    /// `write` and `atomic_add`.
    Write,
    /// `set` and `require`: the thread's own locals.
    Local,
    /// `lock` and `unlock`.
    Lock,
    Log,
    Sleep,
    Fault,
}

impl StepKind {
    pub fn of(effect: &Effect) -> StepKind {
        match effect {
            Effect::Read { .. } => StepKind::Read,
            Effect::Write { .. }
            | Effect::AtomicAdd { .. }
            | Effect::Cas { .. }
            | Effect::Put { .. }
            | Effect::Get { .. } => StepKind::Write,
            Effect::Lock { .. }
            | Effect::Unlock { .. }
            | Effect::TryLock { .. }
            | Effect::Acquire { .. }
            | Effect::Release { .. }
            | Effect::TryAcquire { .. }
            | Effect::Signal { .. }
            | Effect::Clear { .. }
            | Effect::WaitEvent { .. }
            | Effect::WaitCondition { .. }
            | Effect::Reacquire { .. }
            | Effect::Notify { .. }
            | Effect::NotifyAll { .. }
            | Effect::WaitBarrier { .. }
            | Effect::Join { .. } => StepKind::Lock,
            Effect::Log => StepKind::Log,
            Effect::Sleep(_) => StepKind::Sleep,
            Effect::Fault(_) => StepKind::Fault,
            Effect::Set { .. }
            | Effect::Require { .. }
            | Effect::Await { .. }
            | Effect::Assert { .. }
            | Effect::If { .. }
            | Effect::While { .. } => StepKind::Local,
        }
    }

    /// Fill and stroke of the step's box (and of its legend swatch).
    pub fn colours(self) -> Colours {
        let (fill, stroke) = match self {
            StepKind::Read => ("#ddeeff", BLUE),
            StepKind::Write => ("#dcf3e0", GREEN),
            StepKind::Lock => ("#eee4f8", LOCK_HELD.stroke),
            StepKind::Log => ("#fff8d6", "#b08800"),
            StepKind::Sleep => (BACKGROUND, GREY),
            StepKind::Fault => (RED_FILL, "#82071e"),
            StepKind::Local => ("#f3f4f6", GREY),
        };
        Colours { fill, stroke }
    }
}

/// The colour of a run's status: ok holds, an error failed, a deadlock or a limit is worth a look.
pub fn status(status: &Status) -> &'static str {
    match status {
        Status::Ok => GREEN,
        Status::Error(_) => RED,
        Status::Deadlock | Status::Limit { .. } | Status::Livelock => AMBER,
    }
}

/// The colour of a race's marks, badges and heading.
pub fn race(kind: RaceKind) -> &'static str {
    match kind {
        RaceKind::LostUpdate => RED,
        RaceKind::StaleCheck | RaceKind::LostWakeup => STALE,
        RaceKind::TornRead | RaceKind::StolenPermit => TORN,
    }
}

/// The light background of a note about a race (and of a failed expectation: `RED_FILL`).
pub fn race_fill(kind: RaceKind) -> &'static str {
    match kind {
        RaceKind::LostUpdate => RED_FILL,
        RaceKind::StaleCheck | RaceKind::LostWakeup => STALE_FILL,
        RaceKind::TornRead | RaceKind::StolenPermit => TORN_FILL,
    }
}

/// `#rrggbb` as `rgb(r,g,b)`, for formats that want that spelling (mermaid's `rect`).
pub fn rgb(hex: &str) -> String {
    let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    format!("rgb({},{},{})", channel(1), channel(3), channel(5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_spells_hex_colours_out() {
        assert_eq!(rgb(RED_FILL), "rgb(255,216,211)");
        assert_eq!(rgb("#000000"), "rgb(0,0,0)");
    }
}
