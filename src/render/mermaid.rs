//! A Mermaid `sequenceDiagram` of a run, which GitHub renders in markdown: a participant per
//! thread, per account and per queue, reads, writes, puts and gets as arrows (a queue's contents
//! on its arrows), everything else as notes; the run's status, verdicts and races up front; each
//! race spelled out in a shaded note where it bites; a note where a thread becomes blocked and a
//! dotted arrow from the step that lets it go on; who waits for whom in a deadlock; and the
//! verdicts at the end, failures shaded.

use std::fmt::Write;

use super::svg::palette;
use super::text::verdict_lines;
use super::words;
use super::{blocked_stretches, describe, wrap};
use crate::analysis::RaceKind;
use crate::analysis::WaitingOn;
use crate::engine::Effect;
use crate::run::RunReport;

/// A line break inside a note or a message. Mermaid reads `<br/>` as one; free text never
/// makes one, because [`sanitize`] turns its `<` into `#lt;`.
pub const BREAK: &str = "<br/>";

/// Notes wrap at about this many characters, so that a sentence does not make one wide box.
const NOTE_COLUMNS: usize = 60;

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

/// Free text as the lines of a note: each sentence sanitized and wrapped, joined by [`BREAK`].
fn note_lines<S: AsRef<str>>(sentences: &[S]) -> String {
    sentences
        .iter()
        .flat_map(|s| wrap(s.as_ref(), NOTE_COLUMNS))
        .map(|l| sanitize(&l))
        .collect::<Vec<_>>()
        .join(BREAK)
}

/// `first` alone, or `first,last` when they differ: the span of a note.
fn span(first: String, last: &str) -> String {
    if first == last {
        first
    } else {
        format!("{first},{last}")
    }
}

/// A note shaded with `fill` (a palette colour) so that it stands out.
fn shaded_note(out: &mut String, fill: &str, over: &str, text: &str) {
    let _ = writeln!(out, "    rect {}", palette::rgb(fill));
    let _ = writeln!(out, "    Note over {over}: {text}");
    let _ = writeln!(out, "    end");
}

pub fn render(report: &RunReport) -> String {
    let sc = report.scenario;
    // Prefixed ids keep a thread and an account with the same name apart.
    let thread = |t: usize| format!("t_{}", sc.thread_name(t));
    let account = |a: usize| format!("a_{}", sc.accounts[a].name);
    let queue = |q: usize| format!("q_{}", sc.queues[q].name);
    let threads = span(thread(0), &thread(sc.transactions.len() - 1));
    let analysis = &report.analysis;
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
    for (q, decl) in sc.queues.iter().enumerate() {
        let _ = writeln!(out, "    participant {} as {} (queue)", queue(q), decl.name);
    }
    let status = &report.summary.outcome.status;
    let _ = writeln!(
        out,
        "    Note over {threads}: {}",
        sanitize(
            &[
                words::status_summary(status),
                words::expect_summary(&report.verdicts),
                words::race_summary(report),
            ]
            .join(" · ")
        )
    );

    // Every race as a note after the step where it bites: (step, kind, number, over, sentence).
    let mut notes: Vec<(u64, RaceKind, usize, String, String)> = Vec::new();
    for (i, l) in analysis.lost_updates.iter().enumerate() {
        notes.push((
            l.clobber.step,
            RaceKind::LostUpdate,
            i + 1,
            format!("{},{}", thread(l.clobber.thread), account(l.account)),
            words::lost_update(sc, l),
        ));
    }
    for (i, s) in analysis.stale_checks.iter().enumerate() {
        notes.push((
            s.act.step,
            RaceKind::StaleCheck,
            i + 1,
            match s.subject {
                crate::analysis::Subject::Account(a) => format!("{},{}", thread(s.thread), account(a)),
                crate::analysis::Subject::Queue(_) => thread(s.thread),
            },
            words::stale_check(sc, s),
        ));
    }
    for (i, t) in analysis.torn_reads.iter().enumerate() {
        let (a, last) = if t.old.1.step > t.new.1.step { t.old } else { t.new };
        notes.push((
            last.step,
            RaceKind::TornRead,
            i + 1,
            format!("{},{}", thread(t.reader), account(a)),
            words::torn_read(sc, t),
        ));
    }
    for (i, l) in analysis.lost_wakeups.iter().enumerate() {
        notes.push((
            l.wait,
            RaceKind::LostWakeup,
            i + 1,
            span(thread(l.notify.thread), &thread(l.waiter)),
            words::lost_wakeup(sc, l),
        ));
    }
    for (i, p) in analysis.stolen_permits.iter().enumerate() {
        notes.push((
            p.thief.step,
            RaceKind::StolenPermit,
            i + 1,
            span(thread(p.thief.thread), &thread(p.waiter)),
            words::stolen_permit(sc, p),
        ));
    }
    // In step order; races biting at the same step keep the order of their kinds.
    notes.sort_by_key(|n| (n.0, n.1, n.2));

    // A note where each thread becomes blocked, except where a deadlock's end explains it.
    let last = report.events.len() as u64;
    let stretches: Vec<_> = blocked_stretches(report)
        .into_iter()
        .filter(|(s, _)| {
            !(s.since == last && s.until.is_none() && analysis.waiting.iter().any(|w| w.thread == s.thread))
        })
        .collect();
    // Stretches are in order of their start, so each step looks at its own.
    let blocked_notes = |out: &mut String, after: u64| {
        let first = stretches.partition_point(|(s, _)| s.since < after);
        for (s, label) in stretches[first..].iter().take_while(|(s, _)| s.since == after) {
            let _ = writeln!(
                out,
                "    Note over {}: blocked: {}",
                thread(s.thread),
                sanitize(label)
            );
        }
    };
    blocked_notes(&mut out, 0);

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
            (_, _, Effect::Sleep(_)) => format!(", until t={}", e.wakes_at()),
            _ => format!(", then sleeps until t={}", e.wakes_at()),
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
            Effect::Put { queue: q, value, .. } => {
                let contents = e.queue.as_deref().map(words::queue_contents).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "    {t}->>{}: {n}. put {value} -> {}{sleeps}",
                    queue(q),
                    sanitize(&contents)
                );
            }
            Effect::Get {
                queue: q,
                into,
                value,
                ..
            } => {
                let contents = e.queue.as_deref().map(words::queue_contents).unwrap_or_default();
                let into = &sc.transactions[e.thread].locals[into as usize];
                let _ = writeln!(
                    out,
                    "    {}->>{t}: {n}. get {value} into {} ({} left){sleeps}",
                    queue(q),
                    sanitize(into),
                    sanitize(&contents)
                );
            }
            Effect::Log => {
                let message = match &sc.transactions[e.thread].steps[e.pc as usize].op {
                    crate::scenario::Op::Log(m) => m.as_str(),
                    _ => "",
                };
                let _ = writeln!(out, "    Note over {t}: {n}. {}{sleeps}", sanitize(message));
            }
            _ => {
                let _ = writeln!(
                    out,
                    "    Note over {t}: {n}. {}{sleeps}",
                    sanitize(&describe(sc, e))
                );
            }
        }
        for (_, kind, i, over, sentence) in notes.iter().filter(|note| note.0 == e.step) {
            let text = note_lines(&[format!("{} {i}: {sentence}", kind.name().to_uppercase())]);
            shaded_note(&mut out, palette::race_fill(*kind), over, &text);
        }
        let wakes = &analysis.blocking.wakes;
        let first = wakes.partition_point(|w| w.step < e.step);
        for w in wakes[first..].iter().take_while(|w| w.step == e.step) {
            let _ = writeln!(
                out,
                "    {}-->>{}: wakes: {}",
                thread(w.by),
                thread(w.thread),
                sanitize(&words::wake(sc, w))
            );
        }
        // Threads found blocked once the clock moved on: the time first.
        let first = stretches.partition_point(|(s, _)| s.since < e.step);
        if let Some(later) = stretches[first..]
            .iter()
            .take_while(|(s, _)| s.since == e.step)
            .filter(|(s, _)| s.time > e.time)
            .map(|(s, _)| s.time)
            .max()
        {
            let _ = writeln!(out, "    Note over {threads}: time t={later}");
            now = Some(later);
        }
        blocked_notes(&mut out, e.step);
    }
    // A deadlock found once the clock moved on after the last step.
    if let (Some(t), Some(end)) = (
        now,
        analysis
            .blocking
            .spans
            .iter()
            .filter(|s| s.since == last && s.until.is_none())
            .map(|s| s.time)
            .max(),
    ) && end > t
    {
        let _ = writeln!(out, "    Note over {threads}: time t={end}");
    }

    // A deadlock: who waits for whom, as crossed-out messages (or a note when nobody else
    // holds the lock).
    if !analysis.waiting.is_empty() {
        let _ = writeln!(out, "    rect {}", palette::rgb(palette::RED_FILL));
        for w in &analysis.waiting {
            let sentence = sanitize(&words::waiting(sc, w));
            match &w.on {
                WaitingOn::Lock { holder: Some(h), .. }
                | WaitingOn::Reacquire { holder: Some(h), .. }
                | WaitingOn::Join { target: h, .. }
                    if *h != w.thread =>
                {
                    let _ = writeln!(out, "    {}--x{}: {sentence}", thread(w.thread), thread(*h));
                }
                _ => {
                    let _ = writeln!(out, "    Note over {}: {sentence}", thread(w.thread));
                }
            }
        }
        let _ = writeln!(out, "    end");
    }

    let outcome = &report.summary.outcome;
    let finals = words::end_state(sc, &outcome.balances, &outcome.queues);
    let over = if sc.accounts.is_empty() {
        threads.clone()
    } else {
        span(account(0), &account(sc.accounts.len() - 1))
    };
    let message = words::run_message(sc, status)
        .map(|m| format!("{BREAK}{}", note_lines(&[m])))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "    Note over {over}: {} - final {}{message}",
        status.name(),
        if finals.is_empty() {
            "(no accounts)".to_string()
        } else {
            sanitize(&finals)
        }
    );
    // The verdicts, shaded red when one failed.
    let verdicts = verdict_lines(report);
    let lines: Vec<&str> = verdicts.iter().map(|(l, _)| l.as_str()).collect();
    if verdicts.iter().any(|(_, failed)| *failed) {
        let text = format!("EXPECT FAILED{BREAK}{}", note_lines(&lines));
        shaded_note(&mut out, palette::RED_FILL, &threads, &text);
    } else {
        let _ = writeln!(
            out,
            "    Note over {threads}: expect{BREAK}{}",
            note_lines(&lines)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{BREAK, note_lines, sanitize};

    #[test]
    fn sanitize_defuses_mermaid_syntax() {
        assert_eq!(sanitize("a;b#c<d>\ne"), "a#59;b#35;c#lt;d#gt; e");
    }

    #[test]
    fn notes_break_lines_with_the_one_token_free_text_cannot_make() {
        let long = "word ".repeat(30);
        let note = note_lines(&[long.trim(), "<br/>"]);
        assert!(note.matches(BREAK).count() >= 3, "{note}");
        assert!(note.ends_with(&format!("{BREAK}#lt;br/#gt;")), "{note}");
    }
}
