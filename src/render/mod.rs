//! Renderers: pure functions from a run's report (or an exploration's) to bytes.

pub mod chrome;
pub mod explore;
pub mod html;
pub mod json;
pub mod mermaid;
pub mod style;
pub mod svg;
pub mod sweep;
pub mod text;
pub mod words;

use crate::engine::{Effect, Event};
use crate::scenario::{Op, Scenario};

/// How report commands name the scenario: `racesim run <target> ...`. The path is quoted for
/// the shell, and a `--workers` override is repeated so that the command reproduces the report.
/// Renderers take this target (already quoted) wherever they print a command.
pub fn target(file: &str, workers: Option<u32>) -> String {
    let mut t = text::shell_word(file);
    if let Some(w) = workers {
        t.push_str(&format!(" --workers {w}"));
    }
    t
}

/// Splits `line` into pieces of at most `columns` characters at spaces (a longer word stays
/// whole), for sentences that would make a picture too wide.
pub fn wrap(line: &str, columns: usize) -> Vec<String> {
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

/// The width of a table column: its widest cell, and at least `min` (the heading's width).
pub fn column_width(cells: &[String], min: usize) -> usize {
    cells.iter().map(String::len).max().unwrap_or(min).max(min)
}

/// What a step did, for people: `read account -> local_copy = 100`.
pub fn describe(scenario: &Scenario, event: &Event) -> String {
    let tx = &scenario.transactions[event.thread];
    let local = |slot: u16| tx.locals[slot as usize].as_str();
    let account = |a: usize| scenario.accounts[a].name.as_str();
    let op = &tx.steps[event.pc as usize].op;
    match event.effect {
        Effect::Read {
            account: a,
            into,
            value,
        } => format!("read {} -> {} = {value}", account(a), local(into)),
        Effect::Write {
            account: a,
            value,
            old,
        } => format!("write {} = {value} (was {old})", account(a)),
        Effect::Set { local: l, value } => match op {
            Op::Set { value: code, .. } => format!("set {} = {} -> {value}", local(l), code.text),
            _ => format!("set {} = {value}", local(l)),
        },
        Effect::AtomicAdd {
            account: a,
            added,
            old,
            value,
        } => {
            format!("atomic_add {} += {added} -> {value} (was {old})", account(a))
        }
        Effect::Lock(l) => format!("lock {}", scenario.locks[l]),
        Effect::Unlock(l) => format!("unlock {}", scenario.locks[l]),
        Effect::Require { value } => {
            let text = match op {
                Op::Require(code) => code.text.as_str(),
                _ => "",
            };
            if value == 0 {
                format!("require {text} -> 0: declined, the transaction ends")
            } else {
                format!("require {text} -> {value}: passed")
            }
        }
        Effect::Sleep(n) => format!("sleep {n}"),
        Effect::Log(message) => format!("log {message:?}"),
        Effect::Fault(fault) => {
            let what = match op {
                Op::Read { .. } => String::new(),
                Op::Write {
                    account: a, value, ..
                } => format!("write {} = {}", account(*a), value.text),
                Op::Set { local: l, value } => format!("set {} = {}", local(*l), value.text),
                Op::AtomicAdd { account: a, value } => {
                    format!("atomic_add {} += {}", account(*a), value.text)
                }
                Op::Lock(l) => format!("lock {}", scenario.locks[*l]),
                Op::Unlock(l) => format!("unlock {}", scenario.locks[*l]),
                Op::Require(code) => format!("require {}", code.text),
                Op::Sleep(n) => format!("sleep {n}"),
                Op::Log(m) => format!("log {m:?}"),
            };
            format!("{what} -> error: {}", words::fault_reason(scenario, &fault))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("aaaaaaa b", 3), vec!["aaaaaaa", "b"]);
        assert_eq!(wrap("", 3), vec![""]);
    }
}
