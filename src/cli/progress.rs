//! The sweep progress bar: on stderr, only when stderr is a terminal and `--quiet` is not
//! given, and only once the sweep has taken more than a moment, so short sweeps print nothing
//! extra. (The clock only decides whether to draw on stderr; it never reaches the output.)

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
    terminal: bool,
    start: Instant,
    shown: AtomicBool,
}

impl Progress {
    pub fn new(total: u64) -> Progress {
        use std::io::IsTerminal;
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} seeds, {rate}, eta {eta}").map_or_else(
                |_| ProgressStyle::default_bar(),
                |s| {
                    s.with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        // Whole seeds per second: decimals would only flicker.
                        let _ = write!(w, "{:.0} seeds/s", state.per_sec());
                    })
                },
            ),
        );
        Progress {
            bar,
            terminal: std::io::stderr().is_terminal() && !super::term::quiet(),
            start: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
        if self.terminal
            && !self.shown.load(Ordering::Relaxed)
            && self.start.elapsed() > Duration::from_millis(300)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
