//! Positions inside string values: toml gives the span of a whole string, but an error in an
//! expression is at a byte of its decoded value, which escapes and multi-line forms move.

use std::ops::Range;

/// Maps each byte of a string value back to its place in the source: `map[i]` is where
/// byte `i` of `value` was written (an escape sequence maps to its backslash) and
/// `map[value.len()]` is the closing quote. `None` when the span is not a string literal
/// that decodes to `value` (then errors point at the whole string).
pub fn string_offsets(source: &str, span: &Range<usize>, value: &str) -> Option<Vec<usize>> {
    let raw = source.get(span.clone())?;
    let (delim, literal) = if raw.starts_with("\"\"\"") {
        ("\"\"\"", false)
    } else if raw.starts_with("'''") {
        ("'''", true)
    } else if raw.starts_with('"') {
        ("\"", false)
    } else if raw.starts_with('\'') {
        ("'", true)
    } else {
        return None;
    };
    let body = raw.get(delim.len()..raw.len().checked_sub(delim.len())?)?;
    let base = span.start + delim.len();
    let mut map = Vec::with_capacity(value.len() + 1);
    let mut decoded = String::with_capacity(value.len());
    let mut i = 0;
    if delim.len() == 3 {
        // A newline right after the opening delimiter is not part of the value.
        i = if body.starts_with("\r\n") {
            2
        } else {
            usize::from(body.starts_with('\n'))
        };
    }
    while let Some(c) = body.get(i..).and_then(|r| r.chars().next()) {
        if c != '\\' || literal {
            decoded.push(c);
            map.extend(std::iter::repeat_n(base + i, c.len_utf8()));
            i += c.len_utf8();
            continue;
        }
        let next = body.get(i + 1..)?.chars().next()?;
        let (ch, len) = match next {
            'b' => ('\u{8}', 2),
            't' => ('\t', 2),
            'n' => ('\n', 2),
            'f' => ('\u{c}', 2),
            'r' => ('\r', 2),
            'e' => ('\u{1b}', 2),
            '"' => ('"', 2),
            '\\' => ('\\', 2),
            'x' | 'u' | 'U' => {
                let digits = match next {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex = body.get(i + 2..i + 2 + digits)?;
                (char::from_u32(u32::from_str_radix(hex, 16).ok()?)?, 2 + digits)
            }
            ' ' | '\t' | '\r' | '\n' => {
                // A line-ending backslash: the newline and the whitespace after it vanish.
                i += 1;
                while body[i..].starts_with([' ', '\t', '\r', '\n']) {
                    i += 1;
                }
                continue;
            }
            _ => return None,
        };
        decoded.push(ch);
        map.extend(std::iter::repeat_n(base + i, ch.len_utf8()));
        i += len;
    }
    map.push(base + body.len());
    (decoded == value).then_some(map)
}
