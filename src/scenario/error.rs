//! Scenario errors: what is wrong, where (file, byte span, line and column) and a hint.
//!
//! The `Display` form starts with `file:line:col:` so that editors and CI can parse it; the
//! `miette::Diagnostic` impl lets the CLI draw the source line with a caret under the span.

use std::ops::Range;

/// An invalid scenario (or unreadable file), located in its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub path: String,
    /// The source text, kept for drawing the snippet (empty when the file could not be read).
    pub source_text: String,
    /// Byte range of the offending text; `None` when the file could not be read at all.
    pub span: Option<Range<usize>>,
    /// 1-based line and column (in characters) of the span's start.
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
}

impl ScenarioError {
    pub fn at(path: &str, source: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let end = floor_char_boundary(source, span.end.clamp(start, source.len()));
        let before = &source[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = source[line_start..start].chars().count() + 1;
        ScenarioError {
            path: path.to_string(),
            source_text: source.to_string(),
            span: Some(start..end),
            line,
            column,
            message: message.into(),
            help: None,
        }
    }

    /// An error about the file as a whole (missing, unreadable).
    pub fn file(path: &str, message: impl Into<String>) -> Self {
        ScenarioError {
            path: path.to_string(),
            source_text: String::new(),
            span: None,
            line: 1,
            column: 1,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl std::fmt::Display for ScenarioError {
    /// `file:line:col: message`, or `file: message` for the file as a whole (no position).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.span {
            Some(_) => write!(f, "{}:{}:{}: {}", self.path, self.line, self.column, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// The error as miette draws it: the message, the named source with a caret under the span,
/// and the help line.
#[derive(Debug)]
pub struct Snippet {
    message: String,
    help: Option<String>,
    source: miette::NamedSource<String>,
    span: Range<usize>,
}

impl ScenarioError {
    /// The drawable form, when the error has a location in a source.
    pub fn snippet(&self) -> Option<Snippet> {
        Some(Snippet {
            message: self.message.clone(),
            help: self.help.clone(),
            source: miette::NamedSource::new(&self.path, self.source_text.clone()),
            span: self.span.clone()?,
        })
    }
}

impl ScenarioError {
    /// The full report as the CLI prints it: `error: file:line:col: message` on the first line,
    /// never coloured (editors and CI parse it), then miette's snippet with a caret under the
    /// span, a label and the help line; `color` picks miette's coloured theme.
    pub fn render(&self, color: bool) -> String {
        let mut text = format!("error: {self}\n");
        if let Some(snippet) = self.snippet() {
            let theme = if color {
                miette::GraphicalTheme::unicode()
            } else {
                miette::GraphicalTheme::unicode_nocolor()
            };
            let handler = miette::GraphicalReportHandler::new_themed(theme);
            let _ = handler.render_report(&mut text, &snippet);
        } else if let Some(help) = &self.help {
            text.push_str(&format!("  help: {help}\n"));
        }
        text
    }
}

impl std::fmt::Display for Snippet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Snippet {}

impl miette::Diagnostic for Snippet {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let label = miette::LabeledSpan::new_with_span(Some(label_text(&self.message)), self.span.clone());
        Some(Box::new(std::iter::once(label)))
    }
}

/// The label under the caret: what is wrong, in the message's own words, without the lists
/// and advice that follow (toml's "unknown key `x`, expected one of ..." is a screen wide).
fn label_text(message: &str) -> String {
    let mut end = message.len();
    for cut in [", expected", "; ", ". ", " ("] {
        if let Some(i) = message.find(cut) {
            end = end.min(i);
        }
    }
    let label = message[..end].trim();
    if label.is_empty() { "here" } else { label }.to_string()
}

/// The closest candidate to a misspelt `name`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let src = "a = 1\nbé = \"x\"\n";
        let e = ScenarioError::at("f.toml", src, 12..15, "bad");
        assert_eq!((e.line, e.column), (2, 6));
        assert_eq!(e.to_string(), "f.toml:2:6: bad");
    }

    #[test]
    fn labels_keep_what_is_wrong_and_drop_the_lists() {
        assert_eq!(
            label_text("unknown key `zzz`, expected `a` or `b`"),
            "unknown key `zzz`"
        );
        assert_eq!(label_text("unknown account `acount`"), "unknown account `acount`");
        assert_eq!(
            label_text("step has 2 operations (`a`, `b`); a step is exactly one"),
            "step has 2 operations"
        );
        assert_eq!(label_text(""), "here");
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        let names = ["deposit", "withdrawal"];
        assert_eq!(did_you_mean("deposti", names), Some("deposit"));
        assert_eq!(did_you_mean("zzz", names), None);
    }
}
