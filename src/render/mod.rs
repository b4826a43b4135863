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

use crate::analysis::BlockedSpan;
use crate::engine::{Effect, Event};
use crate::run::RunReport;
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

/// The run's blocked stretches as the pictures show them, each with its label
/// (`words::blocked_on`): a thread's consecutive stretches are merged where nothing woke it and
/// the label stays the same (only a guard's values changed).
pub fn blocked_stretches(report: &RunReport) -> Vec<(BlockedSpan, String)> {
    let sc = report.scenario;
    let blocking = &report.analysis.blocking;
    let mut out: Vec<(BlockedSpan, String)> = Vec::with_capacity(blocking.spans.len());
    // Each thread's last stretch in `out`; wakes are in step order.
    let mut last: Vec<Option<usize>> = vec![None; sc.transactions.len()];
    let wakes = &blocking.wakes;
    for span in &blocking.spans {
        let label = words::blocked_on(sc, span.thread, &span.on);
        let woken = |step: u64| {
            wakes[wakes.partition_point(|w| w.step < step)..]
                .iter()
                .take_while(|w| w.step == step)
                .any(|w| w.thread == span.thread)
        };
        if let Some(i) = last[span.thread]
            && out[i].0.until == Some(span.since)
            && out[i].1 == label
            && !woken(span.since)
        {
            out[i].0.until = span.until;
            continue;
        }
        last[span.thread] = Some(out.len());
        out.push((span.clone(), label));
    }
    out
}

/// What a step did, for people, with the values it saw: `read account -> local_copy = 100`,
/// `acquire tellers (2 -> 1)`, `get pipeline -> x = 3 ([7] left)`.
pub fn describe(scenario: &Scenario, event: &Event) -> String {
    let sc = scenario;
    let tx = &sc.transactions[event.thread];
    let local = |slot: u16| tx.locals[usize::from(slot)].as_str();
    let account = |a: usize| sc.accounts[a].name.as_str();
    let op = &tx.steps[event.pc as usize].op;
    let code = || op.codes().first().map_or("", |c| c.text.as_str());
    let names = |threads: &[usize]| {
        threads
            .iter()
            .map(|&t| sc.thread_name(t))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let contents = || {
        event
            .queue
            .as_deref()
            .map(words::queue_contents)
            .unwrap_or_default()
    };
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
        Effect::Set { local: l, value } => format!("set {} = {} -> {value}", local(l), code()),
        Effect::AtomicAdd {
            account: a,
            added,
            old,
            value,
        } => format!("atomic_add {} += {added} -> {value} (was {old})", account(a)),
        Effect::Lock { lock, count } => {
            let name = &sc.locks[lock].name;
            if sc.locks[lock].reentrant && count > 1 {
                format!("lock {name} (held {count} times)")
            } else {
                format!("lock {name}")
            }
        }
        Effect::Unlock { lock, count } => {
            let name = &sc.locks[lock].name;
            if sc.locks[lock].reentrant && count > 0 {
                format!(
                    "unlock {name} (still held {count} time{})",
                    if count == 1 { "" } else { "s" }
                )
            } else {
                format!("unlock {name}")
            }
        }
        Effect::TryLock { lock, got, .. } => {
            let into = match op {
                Op::TryLock { into, .. } => local(*into),
                _ => "",
            };
            format!(
                "try_lock {} -> {into} = {}{}",
                sc.locks[lock].name,
                i64::from(got),
                if got { "" } else { " (held)" }
            )
        }
        Effect::Acquire { semaphore, value } => {
            format!(
                "acquire {} ({} -> {value})",
                sc.semaphores[semaphore].name,
                value + 1
            )
        }
        Effect::Release { semaphore, value } => {
            format!(
                "release {} ({} -> {value})",
                sc.semaphores[semaphore].name,
                value - 1
            )
        }
        Effect::TryAcquire {
            semaphore,
            got,
            value,
        } => {
            let into = match op {
                Op::TryAcquire { into, .. } => local(*into),
                _ => "",
            };
            let name = &sc.semaphores[semaphore].name;
            if got {
                format!("try_acquire {name} -> {into} = 1 ({} -> {value})", value + 1)
            } else {
                format!("try_acquire {name} -> {into} = 0 (at 0)")
            }
        }
        Effect::Signal { event: e, was } => {
            format!(
                "signal {}{}",
                sc.events[e],
                if was { " (already set)" } else { "" }
            )
        }
        Effect::Clear { event: e, was } => {
            format!(
                "clear {}{}",
                sc.events[e],
                if was { "" } else { " (already clear)" }
            )
        }
        Effect::WaitEvent { event: e } => format!("wait {}: set", sc.events[e]),
        Effect::WaitCondition { cond, lock, waiting } => format!(
            "wait {}: releases {}, {waiting} waiting",
            sc.conditions[cond].name, sc.locks[lock].name
        ),
        Effect::Reacquire { lock, .. } => format!("reacquire {}", sc.locks[lock].name),
        Effect::Notify { cond } | Effect::NotifyAll { cond } => {
            let verb = if matches!(event.effect, Effect::Notify { .. }) {
                "notify"
            } else {
                "notify_all"
            };
            if event.woken.is_empty() {
                format!("{verb} {} -> wakes nobody", sc.conditions[cond].name)
            } else {
                format!(
                    "{verb} {} -> wakes {}",
                    sc.conditions[cond].name,
                    names(&event.woken)
                )
            }
        }
        Effect::WaitBarrier {
            barrier,
            arrived,
            parties,
        } => {
            let name = &sc.barriers[barrier].name;
            if arrived == parties {
                format!("wait {name}: {arrived} of {parties} arrived, releases the round")
            } else {
                format!("wait {name}: {arrived} of {parties} arrived")
            }
        }
        Effect::Put { queue, value, .. } => {
            format!("put {} {value} -> {}", sc.queues[queue].name, contents())
        }
        Effect::Get {
            queue, into, value, ..
        } => format!(
            "get {} -> {} = {value} ({} left)",
            sc.queues[queue].name,
            local(into),
            contents()
        ),
        Effect::Join { target } => format!("join {}", sc.thread_name(target)),
        Effect::Await { value } => format!("await {} -> {value}", code()),
        Effect::Assert { value } => format!("assert {} -> {value}", code()),
        Effect::Cas {
            account: a,
            expected,
            value,
            old,
            swapped,
            into,
        } => {
            if swapped {
                format!(
                    "cas {} {old} -> {value}: swapped, {} = 1",
                    account(a),
                    local(into)
                )
            } else {
                format!(
                    "cas {} expected {expected}, found {old}: not swapped, {} = 0",
                    account(a),
                    local(into)
                )
            }
        }
        Effect::If { value, taken } => {
            format!(
                "if {} -> {value}: {}",
                code(),
                if taken { "then" } else { "else" }
            )
        }
        Effect::While { value } => {
            format!(
                "while {} -> {value}: {}",
                code(),
                if value != 0 { "loop" } else { "leaves the loop" }
            )
        }
        Effect::Require { value } => {
            if value == 0 {
                format!("require {} -> 0: declined, the transaction ends", code())
            } else {
                format!("require {} -> {value}: passed", code())
            }
        }
        Effect::Sleep(n) => format!("sleep {n}"),
        Effect::Log => match op {
            Op::Log(message) => format!("log {message:?}"),
            _ => "log".into(),
        },
        Effect::Fault(fault) => format!(
            "{} -> error: {}",
            words::step_text(sc, event.thread, op),
            words::fault_reason(sc, &fault)
        ),
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
