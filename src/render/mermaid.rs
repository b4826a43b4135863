//! A Mermaid `sequenceDiagram` of a run, which GitHub renders in markdown: a participant per
//! thread and per account, reads and writes as arrows, everything else as notes, and each lost
//! update spelled out in a note.

use std::fmt::Write;

use super::describe;
use super::words;
use crate::engine::Effect;
use crate::run::RunReport;

/// Makes free text safe inside a Mermaid message or note: `#` and `;` would start an entity or
/// end the statement, angle brackets could be read as HTML, and a newline ends the line.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// `first` alone, or `first,last` when they differ: the span of a note.
fn span(first: String, last: String) -> String {
    if first == last {
        first
    } else {
        format!("{first},{last}")
    }
}

pub fn render(report: &RunReport) -> String {
    let sc = report.scenario;
    // Prefixed ids keep a thread and an account with the same name apart.
    let thread = |t: usize| format!("t_{}", sc.thread_name(t));
    let account = |a: usize| format!("a_{}", sc.accounts[a].name);
    let threads = span(thread(0), thread(sc.transactions.len() - 1));
    let lost = &report.analysis.lost_updates;
    let mut out = String::from("sequenceDiagram\n");
    for (t, tx) in sc.transactions.iter().enumerate() {
        let _ = writeln!(out, "    participant {} as {}", thread(t), tx.name);
    }
    for (a, acc) in sc.accounts.iter().enumerate() {
        let _ = writeln!(
            out,
            "    participant {} as {} (starts at {})",
            account(a),
            acc.name,
            acc.balance
        );
    }
    let mut now = None;
    for e in &report.events {
        if now.is_some() && now != Some(e.time) {
            let _ = writeln!(out, "    Note over {threads}: time t={}", e.time);
        }
        now = Some(e.time);
        let t = thread(e.thread);
        let n = e.step;
        let sleeps = match (e.delay, e.finished, &e.effect) {
            (0, _, _) | (_, true, _) => String::new(),
            (_, _, Effect::Sleep(_)) => format!(", until t={}", e.time + e.delay),
            _ => format!(", then sleeps until t={}", e.time + e.delay),
        };
        match e.effect {
            Effect::Read {
                account: a,
                into,
                value,
            } => {
                let into = &sc.transactions[e.thread].locals[into as usize];
                let _ = writeln!(
                    out,
                    "    {}->>{t}: {n}. read {value} into {}{sleeps}",
                    account(a),
                    sanitize(into)
                );
            }
            Effect::Write {
                account: a,
                value,
                old,
            } => {
                let _ = writeln!(
                    out,
                    "    {t}->>{}: {n}. write {value} (was {old}){sleeps}",
                    account(a)
                );
                for (i, l) in lost.iter().enumerate() {
                    if l.clobber.step == e.step {
                        let _ = writeln!(
                            out,
                            "    Note over {t},{}: LOST UPDATE {}: {}",
                            account(a),
                            i + 1,
                            sanitize(&words::lost_update(sc, l))
                        );
                    }
                }
            }
            Effect::AtomicAdd {
                account: a,
                added,
                value,
                ..
            } => {
                let _ = writeln!(
                    out,
                    "    {t}->>{}: {n}. atomic_add {added:+} gives {value}{sleeps}",
                    account(a)
                );
            }
            Effect::Log(m) => {
                let _ = writeln!(out, "    Note over {t}: {n}. {}{sleeps}", sanitize(m));
            }
            _ => {
                let _ = writeln!(
                    out,
                    "    Note over {t}: {n}. {}{sleeps}",
                    sanitize(&describe(sc, e))
                );
            }
        }
    }
    let outcome = &report.summary.outcome;
    let finals: Vec<String> = sc
        .accounts
        .iter()
        .zip(&outcome.balances)
        .map(|(a, v)| format!("{} = {v}", a.name))
        .collect();
    let over = if sc.accounts.is_empty() {
        threads
    } else {
        span(account(0), account(sc.accounts.len() - 1))
    };
    let _ = writeln!(
        out,
        "    Note over {over}: {} - final {}",
        outcome.status.name(),
        if finals.is_empty() {
            "(no accounts)".to_string()
        } else {
            sanitize(&finals.join(", "))
        }
    );
    out
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn sanitize_defuses_mermaid_syntax() {
        assert_eq!(sanitize("a;b#c<d>\ne"), "a#59;b#35;c#lt;d#gt; e");
    }
}
