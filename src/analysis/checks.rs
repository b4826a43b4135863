//! Stale checks (check-then-act): T's `require` passed, or T's `if` or `while` went on, on a value
//! that T had read — an account's balance (by a `read`, or in the condition itself) or a
//! queue's length (`len(q)` in the condition); before T acted on that account or queue (its
//! next write to the account, its next `put` or `get` on the queue), another thread changed it.
//! The check no longer held when T acted on it (or T's act waits forever: a `get` from the queue
//! it saw non-empty, in the deadlock the run ended in). A condition `wait` in between ends the check:
//! the thread waited for others to change the state.

use super::At;
use super::updates::written;
use crate::engine::{Effect, Event, Phase, State};
use crate::scenario::{AccountId, Op, QueueId, Scenario, ThreadId, Var};

/// What a check was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    Account(AccountId),
    /// A queue's length.
    Queue(QueueId),
}

/// A check that was stale by the time of its act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleCheck {
    pub thread: ThreadId,
    pub subject: Subject,
    /// When the checking thread read what it checked, and the value it saw (a balance, or a
    /// queue's length).
    pub read: At,
    /// The step of the `require` or `if`.
    pub check: u64,
    /// Another thread's change after the read, before the act (the balance, or the length, it
    /// left).
    pub change: At,
    /// The checking thread's act (the balance it wrote, or the queue's length after it). When
    /// `blocked`, the act never happened: it is the thread's next step, a `put` or `get` that
    /// waits forever in the deadlock the run ended in (`step`: the run's last step, `value`:
    /// the length then).
    pub act: At,
    pub blocked: bool,
}

/// The account or queue an event changes, with the balance or length it leaves.
fn changes(e: &Event) -> Option<(Subject, i64)> {
    if let Some((account, value)) = written(e) {
        return Some((Subject::Account(account), value));
    }
    match e.effect {
        Effect::Put { queue, len, .. } | Effect::Get { queue, len, .. } => {
            Some((Subject::Queue(queue), i64::from(len)))
        }
        _ => None,
    }
}

/// Every check that was stale when its thread acted on it, in the order of the acts. `deadlock`
/// is the state a deadlocked run ended in: a thread blocked forever in a `put` or `get` on a
/// queue whose length it checked acted on a stale check too.
pub fn stale_checks(scenario: &Scenario, events: &[Event], deadlock: Option<&State>) -> Vec<StaleCheck> {
    let threads = scenario.transactions.len();
    // What each account and queue holds as the events go (for reads made inside conditions).
    let mut balances = scenario.initial_balances();
    let mut lengths = vec![0i64; scenario.queues.len()];
    // Per thread and local: the reads its value was computed from.
    let mut taint: Vec<Vec<Vec<(Subject, At)>>> = scenario
        .transactions
        .iter()
        .map(|t| vec![Vec::new(); t.locals.len()])
        .collect();
    // Per thread: passed checks waiting for their act, (subject, its read, the check's step).
    let mut pending: Vec<Vec<(Subject, At, u64)>> = vec![Vec::new(); threads];
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let t = e.thread;
        let op = &scenario.transactions[t].steps[e.pc as usize].op;
        // The reads an expression of this step makes, by way of locals or directly.
        let reads_of = |code: &crate::scenario::Code, taint: &[Vec<(Subject, At)>]| {
            let mut from: Vec<(Subject, At)> = Vec::new();
            code.expr.for_each_var(&mut |v| match v {
                Var::Local(slot) => from.extend(taint[usize::from(slot)].iter().copied()),
                Var::Account(a) => from.push((Subject::Account(a as usize), At::of(e, balances[a as usize]))),
                Var::Len(q) => from.push((Subject::Queue(q as usize), At::of(e, lengths[q as usize]))),
                Var::IsSet(_) => {}
            });
            from.sort_by_key(|(s, at)| (*s, at.step));
            from.dedup();
            from
        };
        match (e.effect, op) {
            (Effect::Read { account, into, value }, _) => {
                taint[t][usize::from(into)] = vec![(Subject::Account(account), At::of(e, value))];
            }
            (Effect::Set { local, .. }, Op::Set { value, .. }) => {
                taint[t][usize::from(local)] = reads_of(value, &taint[t]);
            }
            // A passed require, and either branch of an if or a while: the thread goes on
            // because of what the condition said.
            (Effect::Require { value: 1.. | ..=-1 }, Op::Require(code))
            | (Effect::If { .. }, Op::If(code))
            | (Effect::While { .. }, Op::While(code)) => {
                for (subject, read) in reads_of(code, &taint[t]) {
                    if !pending[t].iter().any(|p| p.0 == subject && p.1 == read) {
                        pending[t].push((subject, read, e.step));
                    }
                }
            }
            // Waiting on a condition gives up its lock so that others change the state: the
            // thread no longer relies on what it checked before.
            (Effect::WaitCondition { .. }, _) => pending[t].clear(),
            _ => {}
        }
        if let Some((subject, value)) = changes(e) {
            match subject {
                Subject::Account(a) => balances[a] = value,
                Subject::Queue(q) => lengths[q] = value,
            }
            let act = At::of(e, value);
            let mut reported = false;
            pending[t].retain(|&(s, read, check)| {
                if s != subject {
                    return true;
                }
                let change = events[..i].iter().find(|w| {
                    w.thread != t && w.step > read.step && changes(w).is_some_and(|(ws, _)| ws == subject)
                });
                if let (Some(w), false) = (change, reported) {
                    reported = true;
                    out.push(StaleCheck {
                        thread: t,
                        subject,
                        read,
                        check,
                        change: At::of(w, changes(w).map_or(0, |(_, v)| v)),
                        act,
                        blocked: false,
                    });
                }
                false
            });
        }
    }
    if let Some(end) = deadlock {
        let last = events.last().map_or(0, |e| e.step);
        for (t, checks) in pending.iter().enumerate() {
            if end.threads[t].phase != Phase::Running {
                continue;
            }
            let (Op::Put { queue, .. } | Op::Get { queue, .. }) = end.next_op(scenario, t) else {
                continue;
            };
            let subject = Subject::Queue(*queue);
            let Some(&(_, read, check)) = checks.iter().find(|p| p.0 == subject) else {
                continue;
            };
            let change = events.iter().rev().find(|w| {
                w.thread != t && w.step > read.step && changes(w).is_some_and(|(ws, _)| ws == subject)
            });
            if let Some(w) = change {
                out.push(StaleCheck {
                    thread: t,
                    subject,
                    read,
                    check,
                    change: At::of(w, changes(w).map_or(0, |(_, v)| v)),
                    act: At {
                        thread: t,
                        step: last,
                        value: end.queues[*queue].len() as i64,
                    },
                    blocked: true,
                });
            }
        }
    }
    out
}
