//! toml's own errors (syntax, types, unknown keys) in the terms of a scenario file, with the
//! hints that a first scenario needs: where top-level keys go, how to quote an expression,
//! which key was meant.

use super::Validator;
use crate::scenario::error::{ScenarioError, did_you_mean};

/// Keys of the top level: written after a `[table]` header, TOML puts them in that table.
const TOP_LEVEL_KEYS: [&str; 3] = ["name", "description", "locks"];

impl Validator<'_> {
    pub(super) fn toml_error(&self, e: &toml::de::Error) -> Box<ScenarioError> {
        let span = e.span().unwrap_or(0..0);
        let raw = e.message().trim();
        let token = self.source.get(span.clone()).unwrap_or("").trim();
        let help = self.toml_help(raw, token, span.start);
        self.err_help(span, toml_message(raw, token), help)
    }

    /// A hint for a toml error: a misplaced top-level key, a near-miss key, an unquoted
    /// expression.
    fn toml_help(&self, message: &str, token: &str, at: usize) -> Option<String> {
        if let Some(field) = unknown_field(message) {
            if TOP_LEVEL_KEYS.contains(&field) {
                let table = self.enclosing_table(at).unwrap_or_else(|| "a table".into());
                return Some(format!(
                    "`{field}` is a top-level key: move it above the first table (it is read as part of {table} here)"
                ));
            }
            if field == "to" && message.contains("`into`") {
                return Some(
                    "a step stores a value in a local with `into`: { read = \"account\", into = \"x\" }"
                        .into(),
                );
            }
            return unknown_field_help(message);
        }
        if message.starts_with("invalid type: integer") && message.ends_with("expected a string") {
            return Some(format!("expressions are strings: write \"{token}\""));
        }
        None
    }

    /// The `[table]` or `[[table]]` header above byte `at`, as written.
    fn enclosing_table(&self, at: usize) -> Option<String> {
        let before = self.source.get(..at)?;
        before
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| l.starts_with('['))
            .map(|l| l.split('#').next().unwrap_or(l).trim().to_string())
    }
}

/// The help for a name that is not a valid name: an assignment operator written into `set`
/// gets the form that works.
pub(super) fn name_help(name: &str) -> String {
    for op in ["+=", "-=", "*=", "/=", "%="] {
        if let Some((local, rest)) = name.split_once(op) {
            let local = local.trim();
            return format!(
                "there is no `{op}`: write {{ set = \"{local}\", value = \"{local} {} {}\" }}",
                &op[..1],
                rest.trim()
            );
        }
    }
    "names match [A-Za-z_][A-Za-z0-9_]*".into()
}

fn unknown_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("unknown field `")?
        .split_once('`')
        .map(|(f, _)| f)
}

/// Rewrites serde's and toml's wording in the terms of a TOML file: keys rather than fields,
/// integers rather than `i64`, tables rather than structs and maps. `token` is the source text
/// under the error's span.
pub(super) fn toml_message(message: &str, token: &str) -> String {
    // An integer that does not fit in i64: serde says "invalid type: integer `X` as i128,
    // expected i64"; toml's parser says "integer number overflowed" beyond i128.
    if message.contains(" as i128, expected i64")
        || message.contains(" as u128, expected i64")
        || message.contains("number overflowed")
        || (message.starts_with("invalid value: integer `") && message.ends_with("expected i64"))
    {
        return if token.is_empty() {
            "integer is out of the i64 range".into()
        } else {
            format!("integer `{token}` is out of the i64 range")
        };
    }
    if message == "duplicate key" && !token.is_empty() {
        return format!(
            "duplicate key `{}`",
            token.trim_matches(|c| c == '"' || c == '\'')
        );
    }
    let mut out = message
        .replacen("unknown field `", "unknown key `", 1)
        .replacen("missing field `", "missing key `", 1)
        .replace("expected i64", "expected an integer")
        .replace("expected a sequence", "expected an array")
        .replace("invalid type: sequence", "invalid type: array")
        .replace("invalid type: map", "invalid type: table")
        .replace("floating point `", "float `")
        .replace(", expected nothing", "");
    // "expected struct RawStep" names a Rust type the user never wrote.
    if let Some(i) = out.find("expected struct Raw") {
        let rest = &out[i + "expected struct Raw".len()..];
        let what = match rest.split(|c: char| !c.is_ascii_alphanumeric()).next() {
            Some("Step") => "a step table like { sleep = 1 }",
            _ => "a table",
        };
        out = format!("{}expected {what}", &out[..i]);
    }
    out
}

/// toml reports unknown keys as "unknown field `x`, expected one of `a`, `b`": suggest the
/// closest.
fn unknown_field_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let candidates: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    did_you_mean(field, candidates).map(|s| format!("did you mean `{s}`?"))
}
