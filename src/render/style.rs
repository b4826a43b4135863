//! Colour for text reports: a `Paint` wraps the parts of a report that carry a verdict (a
//! status, a failed expectation, a race) in ANSI styles, or leaves them plain. Golden files and
//! pipes get plain text; `--color always` and terminals get colour.

use anstyle::{AnsiColor, Style};

#[derive(Debug, Clone, Copy, Default)]
pub struct Paint {
    enabled: bool,
}

impl Paint {
    pub const PLAIN: Paint = Paint { enabled: false };

    pub fn new(enabled: bool) -> Paint {
        Paint { enabled }
    }

    fn apply(self, style: Style, text: &str) -> String {
        if self.enabled && !text.is_empty() {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    /// Something that holds: an ok status, a passed expectation.
    pub fn good(self, text: &str) -> String {
        self.apply(AnsiColor::Green.on_default(), text)
    }

    /// Something that failed: a failed expectation, a race, an error.
    pub fn bad(self, text: &str) -> String {
        self.apply(AnsiColor::Red.on_default().bold(), text)
    }

    /// Something worth a look that is not a failure in itself: a deadlock, a step limit.
    pub fn warn(self, text: &str) -> String {
        self.apply(AnsiColor::Yellow.on_default(), text)
    }

    /// Headings and names.
    pub fn strong(self, text: &str) -> String {
        self.apply(Style::new().bold(), text)
    }
}
