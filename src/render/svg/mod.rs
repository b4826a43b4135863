//! SVG pictures: the timeline of one run (`timeline`: its steps, status, verdicts and races) and
//! the outcome bar charts of `explore` and `sweep` (`chart`), with the primitives they share:
//! escaping, text, badges, header, legend.
//!
//! The SVG is written by hand as text so that the output is byte-for-byte deterministic and needs
//! no dependency. All text is monospace, which makes its width predictable enough to lay out
//! boxes without measuring fonts. Element ids (`step-N`, `lost-update-N`, `stale-check-N`,
//! `torn-read-N` and their parts, `blocked-span-N`, `wake-N`, `queue-NAME-STEP`, `outcome-N`)
//! are stable so that tests and stylesheets can find the parts. Colours come from `palette` only.

mod chart;
pub mod palette;
pub mod timeline;

use std::fmt::Write;

use palette::{BACKGROUND, Colours, INK, MUTED, ON_BADGE};

use crate::explore::Exploration;
use crate::run::RunReport;
use crate::scenario::Scenario;
use crate::sweep::{SeededPolicy, Sweep};

/// The run's timeline as an SVG document.
pub fn run(report: &RunReport, file: &str) -> String {
    timeline::emit(&timeline::layout(report, file))
}

/// `explore`'s outcomes: probability under the random policy, witness schedule per bar.
pub fn explore(sc: &Scenario, x: &Exploration, file: &str) -> String {
    chart::explore(sc, x, file)
}

/// `sweep`'s outcomes: how many seeds reached each, with the first seed's command per bar.
pub fn sweep(sc: &Scenario, s: &Sweep, file: &str, policy: SeededPolicy, range: &str) -> String {
    chart::sweep(sc, s, file, policy, range)
}

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
                out.push('\u{fffd}');
            }
            c => out.push(c),
        }
    }
    out
}

const FONT: &str = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace";
/// Advance of one character of the 12px monospace font (`DejaVu` Sans Mono: 0.602 em).
const CW: f64 = 7.3;
const MARGIN: i32 = 24;
/// Longer labels are cut with an ellipsis (the full text is in the box's tooltip).
const MAX_LABEL: usize = 52;

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

/// How a line of text looks: bold or not, and its colour (the ink when `None`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Look {
    pub bold: bool,
    pub fill: Option<&'static str>,
}

impl Look {
    pub const PLAIN: Look = Look {
        bold: false,
        fill: None,
    };
    pub const BOLD: Look = Look {
        bold: true,
        fill: None,
    };

    pub const fn fill(fill: &'static str) -> Look {
        Look {
            bold: false,
            fill: Some(fill),
        }
    }

    pub const fn bold(fill: &'static str) -> Look {
        Look {
            bold: true,
            fill: Some(fill),
        }
    }

    fn attrs(self) -> String {
        let mut a = Vec::new();
        if self.bold {
            a.push(r#"font-weight="bold""#.to_string());
        }
        if let Some(f) = self.fill {
            a.push(format!(r#"fill="{f}""#));
        }
        a.join(" ")
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
        r#"<rect x="0" y="0" width="{width}" height="{height}" fill="{BACKGROUND}"/>"#
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

/// A disc with a number: marks a race in the picture and in the list below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Badge {
    pub cx: i32,
    pub cy: i32,
    pub n: usize,
    pub colour: &'static str,
}

fn badge(out: &mut String, b: &Badge) {
    let _ = writeln!(
        out,
        r#"<circle cx="{}" cy="{}" r="8" fill="{}"/><text x="{}" y="{}" font-size="11" font-weight="bold" fill="{ON_BADGE}" text-anchor="middle">{}</text>"#,
        b.cx,
        b.cy,
        b.colour,
        b.cx,
        b.cy + 4,
        b.n
    );
}

/// The page title block: a scenario's name, its description, and one line of context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub description: Option<String>,
    pub context: String,
}

impl Header {
    fn new(sc: &Scenario, context: String) -> Header {
        Header {
            name: sc.name.clone(),
            description: sc.description.as_ref().map(|d| d.trim().to_string()),
            context,
        }
    }

    /// The y of the block's last line.
    fn bottom(&self) -> i32 {
        MARGIN + 14 + if self.description.is_some() { 20 } else { 0 } + 18
    }

    fn width(&self) -> i32 {
        let name = (self.name.chars().count() as f64 * CW * 1.5).ceil() as i32;
        let d = self.description.as_deref().map_or(0, text_width);
        name.max(d).max(text_width(&self.context))
    }

    /// Draws the block; returns [`Header::bottom`].
    fn draw(&self, out: &mut String) -> i32 {
        text(
            out,
            MARGIN,
            MARGIN + 14,
            r#"font-size="18" font-weight="bold""#,
            &self.name,
        );
        let mut y = MARGIN + 14;
        if let Some(d) = &self.description {
            y += 20;
            text(out, MARGIN, y, &Look::fill(MUTED).attrs(), d);
        }
        y += 18;
        text(out, MARGIN, y, &Look::fill(MUTED).attrs(), &self.context);
        y
    }
}

/// What a legend entry shows beside its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Swatch {
    /// A small box; `extra` are further attributes of its `rect` (a dash pattern, a width).
    Box { colours: Colours, extra: &'static str },
    /// An arrow in `colour` ending in the marker with id `marker`.
    Arrow {
        colour: &'static str,
        marker: &'static str,
    },
    /// A box in `fill` hatched with the pattern with id `pattern`.
    Hatched {
        fill: &'static str,
        pattern: &'static str,
    },
}

/// A legend entry where it is drawn: the swatch at (x, y = the row's middle), words beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegendItem {
    pub x: i32,
    pub y: i32,
    pub swatch: Swatch,
    pub words: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Legend {
    pub top: i32,
    pub items: Vec<LegendItem>,
    /// The y below the legend.
    pub bottom: i32,
}

/// Lays legend entries out in rows that fit `width`.
fn legend_layout(entries: Vec<(Swatch, String)>, top: i32, width: i32) -> Legend {
    let mut items = Vec::with_capacity(entries.len());
    let mut x = MARGIN + 64;
    let mut y = top + 8;
    for (swatch, words) in entries {
        let w = 30 + text_width(&words) + 22;
        if x + w > width - MARGIN && x > MARGIN + 64 {
            x = MARGIN + 64;
            y += 22;
        }
        items.push(LegendItem { x, y, swatch, words });
        x += w;
    }
    Legend {
        top,
        items,
        bottom: y + 16,
    }
}

fn draw_legend(out: &mut String, legend: &Legend) {
    text(out, MARGIN, legend.top + 12, &Look::BOLD.attrs(), "legend");
    for item in &legend.items {
        let (x, y) = (item.x, item.y);
        match &item.swatch {
            Swatch::Box { colours, extra } => {
                let _ = writeln!(
                    out,
                    r#"<rect x="{x}" y="{}" width="22" height="14" rx="3" fill="{}" stroke="{}"{extra}/>"#,
                    y - 7,
                    colours.fill,
                    colours.stroke
                );
            }
            Swatch::Hatched { fill, pattern } => {
                let _ = writeln!(
                    out,
                    r#"<rect x="{x}" y="{}" width="22" height="14" rx="3" fill="{fill}"/><rect x="{x}" y="{}" width="22" height="14" rx="3" fill="url(#{pattern})"/>"#,
                    y - 7,
                    y - 7
                );
            }
            Swatch::Arrow { colour, marker } => {
                let _ = writeln!(
                    out,
                    r#"<path d="M {x} {y} L {} {y}" stroke="{colour}" stroke-width="2" marker-end="url(#{marker})"/>"#,
                    x + 20
                );
            }
        }
        text(out, x + 30, y + 4, "", &item.words);
    }
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
    fn looks_spell_their_attributes_in_a_fixed_order() {
        assert_eq!(Look::PLAIN.attrs(), "");
        assert_eq!(
            Look::bold("#000000").attrs(),
            r##"font-weight="bold" fill="#000000""##
        );
        assert_eq!(Look::fill("#000000").attrs(), r##"fill="#000000""##);
    }
}
