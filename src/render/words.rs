//! Words for data: the one place where typed results (faults, schedule errors, statuses,
//! policies, analyses, verdicts) become the sentences every renderer prints.

use std::fmt::Write;

use crate::analysis::RaceKind;
use crate::analysis::{
    BlockedSpan, LostUpdate, LostWakeup, StaleCheck, StolenPermit, Subject, TornRead, Waiting, WaitingOn,
    Wake,
};
use crate::engine::{CondOp, Fault};
use crate::expect::{Check, ExploreFailure, ExploreVerdict, RunFailure, RunVerdict, RunVerdicts};
use crate::explore::{Exploration, Limit, TooManyStates};
use crate::outcome::{ErrorKind, RunError, Status};
use crate::policy::ScheduleError;
use crate::run::{PolicyChoice, RunReport};
use crate::scenario::{ExpectedOutcome, Op, Scenario, ThreadId, format_schedule};
use crate::threads::{MAX_WORKERS, RunnerError};

/// "account = -50, savings = 10" in file order.
pub fn balances(scenario: &Scenario, values: &[i64]) -> String {
    scenario
        .accounts
        .iter()
        .zip(values)
        .map(|(a, v)| format!("{} = {v}", a.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Free text from a scenario file (its name, its description) made safe for a terminal:
/// control characters become visible escapes (`\u{1b}`), as log messages already are, so a
/// file cannot set a terminal's title or colours.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// "a, b": thread names.
fn names(scenario: &Scenario, threads: &[ThreadId]) -> String {
    threads
        .iter()
        .map(|&t| scenario.thread_name(t))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "1 entry", "2 entries".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Why a step failed, without the thread: "arithmetic overflow", "the lock is held by p".
pub fn fault_reason(scenario: &Scenario, fault: &Fault) -> String {
    let sc = scenario;
    match fault {
        Fault::Eval(e) => e.to_string(),
        Fault::ClockOverflow => "virtual time overflows".into(),
        Fault::BadUnlock { holder: None, .. } => "the lock is not held".into(),
        Fault::BadUnlock { holder: Some(h), .. } => format!("the lock is held by {}", sc.thread_name(*h)),
        Fault::LockCountOverflow { .. } => "the rlock is held too many times".into(),
        Fault::BoundedRelease { semaphore } => format!(
            "the bounded semaphore would go above its initial value {}",
            sc.semaphores[*semaphore].initial
        ),
        Fault::SemaphoreOverflow { .. } => "the semaphore's value overflows".into(),
        Fault::NotHolding { cond, holder, .. } => {
            let lock = &sc.locks[sc.conditions[*cond].lock].name;
            match holder {
                None => format!("its lock `{lock}` is not held"),
                Some(h) => format!("its lock `{lock}` is held by {}", sc.thread_name(*h)),
            }
        }
        Fault::AssertFailed { .. } => "assertion failed".into(),
    }
}

/// A failed step in a sentence: "t: unlock of `m`, which is not held".
pub fn fault(scenario: &Scenario, thread: ThreadId, fault: &Fault) -> String {
    let sc = scenario;
    let who = sc.thread_name(thread);
    match fault {
        Fault::Eval(e) => format!("{who}: {e}"),
        Fault::ClockOverflow => format!("{who}: virtual time overflows"),
        Fault::BadUnlock { lock, holder } => {
            let lock = &sc.locks[*lock].name;
            match holder {
                None => format!("{who}: unlock of `{lock}`, which is not held"),
                Some(h) => format!(
                    "{who}: unlock of `{lock}`, which is held by {}",
                    sc.thread_name(*h)
                ),
            }
        }
        Fault::LockCountOverflow { lock } => {
            format!("{who}: rlock `{}` is held too many times", sc.locks[*lock].name)
        }
        Fault::BoundedRelease { semaphore } => {
            let s = &sc.semaphores[*semaphore];
            format!(
                "{who}: release of bounded semaphore `{}` above its initial value {}",
                s.name, s.initial
            )
        }
        Fault::SemaphoreOverflow { semaphore } => {
            format!("{who}: semaphore `{}` overflows", sc.semaphores[*semaphore].name)
        }
        Fault::NotHolding { op, cond, holder } => {
            let c = &sc.conditions[*cond];
            let lock = &sc.locks[c.lock].name;
            let whose = match holder {
                None => "which is not held".to_string(),
                Some(h) => format!("which is held by {}", sc.thread_name(*h)),
            };
            let op = match op {
                CondOp::Wait => "wait",
                CondOp::Notify => "notify",
                CondOp::NotifyAll => "notify_all",
            };
            format!(
                "{who}: {op} on `{}` without holding its lock `{lock}`, {whose}",
                c.name
            )
        }
        Fault::AssertFailed { pc } => {
            let text = match &sc.transactions[thread].steps[*pc as usize].op {
                Op::Assert { message: Some(m), .. } => m.clone(),
                Op::Assert { condition, .. } => condition.text.clone(),
                _ => String::new(),
            };
            format!("{who}: assertion failed: {text}")
        }
    }
}

/// A step as written, without its values: `write account = local_copy`, `acquire tellers`.
pub fn step_text(scenario: &Scenario, thread: ThreadId, op: &Op) -> String {
    let sc = scenario;
    let tx = &sc.transactions[thread];
    let local = |slot: &u16| tx.locals[usize::from(*slot)].as_str();
    let account = |a: &usize| sc.accounts[*a].name.as_str();
    match op {
        Op::Read { account: a, into } => format!("read {} into {}", account(a), local(into)),
        Op::Write { account: a, value } => format!("write {} = {}", account(a), value.text),
        Op::Set { local: l, value } => format!("set {} = {}", local(l), value.text),
        Op::AtomicAdd { account: a, value } => format!("atomic_add {} += {}", account(a), value.text),
        Op::Lock(l) => format!("lock {}", sc.locks[*l].name),
        Op::Unlock(l) => format!("unlock {}", sc.locks[*l].name),
        Op::TryLock { lock, into } => format!("try_lock {} into {}", sc.locks[*lock].name, local(into)),
        Op::Acquire(s) => format!("acquire {}", sc.semaphores[*s].name),
        Op::Release(s) => format!("release {}", sc.semaphores[*s].name),
        Op::TryAcquire { semaphore, into } => {
            format!(
                "try_acquire {} into {}",
                sc.semaphores[*semaphore].name,
                local(into)
            )
        }
        Op::Signal(e) => format!("signal {}", sc.events[*e]),
        Op::Clear(e) => format!("clear {}", sc.events[*e]),
        Op::WaitEvent(e) => format!("wait {}", sc.events[*e]),
        Op::WaitCondition(c) => format!("wait {}", sc.conditions[*c].name),
        Op::Reacquire(c) => format!("reacquire {}", sc.locks[sc.conditions[*c].lock].name),
        Op::Notify(c) => format!("notify {}", sc.conditions[*c].name),
        Op::NotifyAll(c) => format!("notify_all {}", sc.conditions[*c].name),
        Op::WaitBarrier(b) => format!("wait {}", sc.barriers[*b].name),
        Op::Put { queue, value } => format!("put {} {}", sc.queues[*queue].name, value.text),
        Op::Get { queue, into } => format!("get {} into {}", sc.queues[*queue].name, local(into)),
        Op::Join(u) => format!("join {}", sc.thread_name(*u)),
        Op::Await(c) => format!("await {}", c.text),
        Op::Assert { condition, .. } => format!("assert {}", condition.text),
        Op::Cas {
            account: a,
            expect,
            value,
            into,
        } => format!(
            "cas {} {} -> {} into {}",
            account(a),
            expect.text,
            value.text,
            local(into)
        ),
        Op::If(c) => format!("if {}", c.text),
        Op::While(c) => format!("while {}", c.text),
        Op::Require(c) => format!("require {}", c.text),
        Op::Sleep(n) => format!("sleep {n}"),
        Op::Log(m) => format!("log {m:?}"),
    }
}

/// How an expression's variable is written: `x`, `account`, `len(q)`, `is_set(e)`.
pub fn var_name(scenario: &Scenario, thread: ThreadId, v: crate::scenario::Var) -> String {
    use crate::scenario::Var;
    let sc = scenario;
    match v {
        Var::Local(slot) => sc.transactions[thread].locals[usize::from(slot)].clone(),
        Var::Account(a) => sc.accounts[a as usize].name.clone(),
        Var::Len(q) => format!("len({})", sc.queues[q as usize].name),
        Var::IsSet(e) => format!("is_set({})", sc.events[e as usize]),
    }
}

/// "[3, 7]": a queue's contents, front first.
pub fn queue_contents(values: &[i64]) -> String {
    format!(
        "[{}]",
        values.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
    )
}

/// A schedule that does not fit, in words naming the position.
pub fn schedule_error(scenario: &Scenario, e: &ScheduleError) -> String {
    match e {
        ScheduleError::NotReady {
            position,
            wanted,
            ready,
        } => format!(
            "schedule position {position}: `{}` is not ready (ready: {})",
            scenario.thread_name(*wanted),
            names(scenario, ready)
        ),
        ScheduleError::RanOut { entries, ready } => format!(
            "schedule ran out after {}, but the run goes on (ready: {})",
            count(*entries as u64, "entry", "entries"),
            names(scenario, ready)
        ),
        ScheduleError::LeftOver { steps, entries } => format!(
            "the run ended after {}, but the schedule has {}",
            count(*steps, "step", "steps"),
            count(*entries as u64, "entry", "entries")
        ),
    }
}

/// An error as an outcome's message: what failed, without the step (explore and sweep count
/// the same fault at different steps as one outcome).
pub fn error(scenario: &Scenario, e: &RunError) -> String {
    match (&e.kind, e.thread) {
        (ErrorKind::Fault(f), Some(t)) => fault(scenario, t, f),
        (ErrorKind::Fault(f), None) => fault_reason(scenario, f),
        (ErrorKind::Schedule(s), _) => schedule_error(scenario, s),
        (ErrorKind::Runner(r), _) => runner_error(r),
    }
}

/// Why real threads could not run the scenario.
pub fn runner_error(e: &RunnerError) -> String {
    match e {
        RunnerError::TooManyWorkers { workers } => format!(
            "os-threads starts one OS thread per pool worker, at most {MAX_WORKERS}; this run needs {workers} (set [pool] workers or pass --workers)"
        ),
        RunnerError::Spawn {
            spawned,
            workers,
            error,
        } => format!(
            "os-threads could start only {spawned} of {workers} worker threads: {error} (try fewer with --workers)"
        ),
        RunnerError::Diverged => {
            "internal error: the simulator's replay of this os-threads run diverged".into()
        }
        RunnerError::Panicked => "internal error: a worker thread panicked".into(),
    }
}

/// A run's message line: "step 8: deposit: arithmetic overflow", "stopped after 9 steps".
pub fn run_message(scenario: &Scenario, status: &Status) -> Option<String> {
    match status {
        Status::Error(e) if matches!(e.kind, ErrorKind::Fault(_)) => {
            Some(format!("step {}: {}", e.step, error(scenario, e)))
        }
        Status::Error(e) => Some(error(scenario, e)),
        Status::Limit { steps } => Some(format!("stopped after {}", count(*steps, "step", "steps"))),
        Status::Ok | Status::Deadlock | Status::Livelock => None,
    }
}

/// An outcome's message (explore, sweep): errors without their step, `limit` with its count.
pub fn outcome_message(scenario: &Scenario, status: &Status) -> Option<String> {
    match status {
        Status::Error(e) => Some(error(scenario, e)),
        Status::Limit { steps } => Some(format!("stopped after {}", count(*steps, "step", "steps"))),
        Status::Ok | Status::Deadlock | Status::Livelock => None,
    }
}

/// "account = -50", "deadlock (account = 100)", "error: ... (account = 3)".
pub fn outcome_label(scenario: &Scenario, status: &Status, values: &[i64], queues: &[Vec<i64>]) -> String {
    let b = end_state(scenario, values, queues);
    match status {
        Status::Ok => b,
        Status::Deadlock => format!("deadlock ({b})"),
        Status::Limit { .. } => format!("limit ({b})"),
        Status::Livelock => format!("livelock ({b})"),
        Status::Error(e) => format!("error: {} ({b})", error(scenario, e)),
    }
}

/// The balances, then the queues' contents: "account = 0, pipeline = [3, 7]".
pub fn end_state(scenario: &Scenario, values: &[i64], queues: &[Vec<i64>]) -> String {
    let mut out = balances(scenario, values);
    for (q, contents) in scenario.queues.iter().zip(queues) {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&format!("{} = {}", q.name, queue_contents(contents)));
    }
    out
}

/// `end_state` for a line of its own: "(no accounts or queues)" when there is nothing to show.
pub fn shared_state(scenario: &Scenario, values: &[i64], queues: &[Vec<i64>]) -> String {
    let s = end_state(scenario, values, queues);
    if s.is_empty() {
        "(no accounts or queues)".into()
    } else {
        s
    }
}

/// The values a pattern names: "account = 0, pipeline = []" (unnamed ones match anything).
pub fn pattern(scenario: &Scenario, p: &crate::scenario::Pattern) -> String {
    let mut parts: Vec<String> = scenario
        .accounts
        .iter()
        .zip(&p.balances)
        .filter_map(|(a, v)| v.map(|v| format!("{} = {v}", a.name)))
        .collect();
    parts.extend(
        scenario
            .queues
            .iter()
            .zip(&p.queues)
            .filter_map(|(q, v)| v.as_ref().map(|v| format!("{} = {}", q.name, queue_contents(v)))),
    );
    if parts.is_empty() {
        "any ok end".into()
    } else {
        parts.join(", ")
    }
}

pub fn expected_label(scenario: &Scenario, e: &ExpectedOutcome) -> String {
    match e {
        ExpectedOutcome::Ok(p) => pattern(scenario, p),
        ExpectedOutcome::Livelock => "livelock".into(),
        ExpectedOutcome::Deadlock => "deadlock".into(),
        ExpectedOutcome::Error => "error".into(),
    }
}

/// "random, seed 7", "os-threads, tick 1ms": for log headers.
pub fn policy(choice: &PolicyChoice) -> String {
    match choice {
        PolicyChoice::Random { seed } => format!("random, seed {seed}"),
        PolicyChoice::RoundRobin { quantum } => format!("round-robin, quantum {quantum}"),
        PolicyChoice::Scripted { .. } => "scripted".to_string(),
        PolicyChoice::Pct { seed, depth } => format!("pct, seed {seed}, depth {depth}"),
        PolicyChoice::OsThreads { tick } => format!("os-threads, tick {tick:?}"),
    }
}

/// "+50", "-150", "0".
fn signed(v: i64) -> String {
    if v > 0 { format!("+{v}") } else { v.to_string() }
}

/// The lost change in a few words: "deposit's +50", or "deposit's +50 to savings" when the
/// scenario has more than one account.
pub fn lost_headline(scenario: &Scenario, lost: &LostUpdate) -> String {
    let who = scenario.thread_name(lost.lost.thread);
    let what = match lost.change {
        Some(c) => signed(c),
        None => format!("write of {}", lost.lost.value),
    };
    if scenario.accounts.len() > 1 {
        format!("{who}'s {what} to {}", scenario.accounts[lost.account].name)
    } else {
        format!("{who}'s {what}")
    }
}

/// One sentence: "deposit's +50 was lost: withdrawal read 100 at step 2 before deposit wrote
/// 150 at step 9, then wrote -50 at step 11".
pub fn lost_update(scenario: &Scenario, lost: &LostUpdate) -> String {
    format!(
        "{} was lost: {} read {} at step {} before {} wrote {} at step {}, then wrote {} at step {}",
        lost_headline(scenario, lost),
        scenario.thread_name(lost.clobber.thread),
        lost.stale_read.value,
        lost.stale_read.step,
        scenario.thread_name(lost.lost.thread),
        lost.lost.value,
        lost.lost.step,
        lost.clobber.value,
        lost.clobber.step
    )
}

/// "online's check at step 4 was stale: it read account = 100 at step 2, atm changed it to 20
/// at step 5, and online still acted at step 6 (account = -60)".
pub fn stale_check(scenario: &Scenario, s: &StaleCheck) -> String {
    let who = scenario.thread_name(s.thread);
    let what = match s.subject {
        Subject::Account(a) => scenario.accounts[a].name.clone(),
        Subject::Queue(q) => format!("len({})", scenario.queues[q].name),
    };
    let acted = if s.blocked {
        format!(
            "{who} still acted on it: its next step waits forever ({what} = {})",
            s.act.value
        )
    } else {
        format!(
            "{who} still acted at step {} ({what} = {})",
            s.act.step, s.act.value
        )
    };
    format!(
        "{who}'s check at step {} was stale: it read {what} = {} at step {}, {} changed it to {} at step {}, and {acted}",
        s.check,
        s.read.value,
        s.read.step,
        scenario.thread_name(s.change.thread),
        s.change.value,
        s.change.step,
    )
}

/// "producer's notify of `not_empty` at step 3 woke nobody: consumer waited only at step 5, and
/// nothing woke it after".
pub fn lost_wakeup(scenario: &Scenario, l: &LostWakeup) -> String {
    format!(
        "{}'s notify of {} at step {} woke nobody: {} waited only at step {}, and nothing woke it after (a lost wakeup)",
        scenario.thread_name(l.notify.thread),
        scenario.conditions[l.cond].name,
        l.notify.step,
        scenario.thread_name(l.waiter),
        l.wait
    )
}

/// "c took at step 5 the permit of tellers that b released at step 4 while a waited for it; a
/// still waits".
pub fn stolen_permit(scenario: &Scenario, p: &StolenPermit) -> String {
    format!(
        "{} took at step {} the permit of {} that {} released at step {} while {} waited for it; {} still waits",
        scenario.thread_name(p.thief.thread),
        p.thief.step,
        scenario.semaphores[p.semaphore].name,
        scenario.thread_name(p.release.thread),
        p.release.step,
        scenario.thread_name(p.waiter),
        scenario.thread_name(p.waiter)
    )
}

/// "auditor's reads were torn: it read a = 0 at step 23, after mover wrote it at step 22, and
/// b = 0 at step 24, before mover wrote b = 100 at step 27".
pub fn torn_read(scenario: &Scenario, t: &TornRead) -> String {
    let reader = scenario.thread_name(t.reader);
    let writer = scenario.thread_name(t.writer);
    let name = |a: usize| scenario.accounts[a].name.as_str();
    // In the order of the reads.
    let new_part = format!(
        "{} = {} at step {}, after {writer} wrote it at step {}",
        name(t.new.0),
        t.new.1.value,
        t.new.1.step,
        t.new_write.step
    );
    let old_part = format!(
        "{} = {} at step {}, before {writer} wrote {} = {} at step {}",
        name(t.old.0),
        t.old.1.value,
        t.old.1.step,
        name(t.old.0),
        t.old_write.value,
        t.old_write.step
    );
    let (first, second) = if t.new.1.step < t.old.1.step {
        (new_part, old_part)
    } else {
        (old_part, new_part)
    };
    format!("{reader}'s reads were torn: it read {first}, and {second}")
}

/// "`b_to_a` waits for la, held by `a_to_b`".
pub fn waiting(scenario: &Scenario, w: &Waiting) -> String {
    let sc = scenario;
    let who = sc.thread_name(w.thread);
    match &w.on {
        WaitingOn::Lock { lock, holder } => {
            let lock = &sc.locks[*lock].name;
            match holder {
                Some(h) if *h == w.thread => {
                    format!("{who} waits for {lock}, which it holds itself (locks are not re-entrant)")
                }
                Some(h) => format!("{who} waits for {lock}, held by {}", sc.thread_name(*h)),
                None => format!("{who} waits for {lock}"),
            }
        }
        WaitingOn::Semaphore { semaphore } => {
            format!(
                "{who} waits for semaphore {}, at 0",
                sc.semaphores[*semaphore].name
            )
        }
        WaitingOn::Event { event } => {
            format!("{who} waits for event {}, which is not set", sc.events[*event])
        }
        WaitingOn::Notify { cond } => format!(
            "{who} waits in {}'s wait set for a notify that never comes",
            sc.conditions[*cond].name
        ),
        WaitingOn::Reacquire { cond, lock, holder } => {
            let lock = &sc.locks[*lock].name;
            let by = holder.map_or(String::new(), |h| format!(", held by {}", sc.thread_name(h)));
            format!(
                "{who} was notified on {} and waits to reacquire {lock}{by}",
                sc.conditions[*cond].name
            )
        }
        WaitingOn::Barrier {
            barrier,
            arrived,
            parties,
        } => format!(
            "{who} waits at barrier {}: {arrived} of {parties} arrived",
            sc.barriers[*barrier].name
        ),
        WaitingOn::QueueEmpty { queue } => format!(
            "{who} waits to get from {}, which is empty",
            sc.queues[*queue].name
        ),
        WaitingOn::QueueFull { queue, capacity } => format!(
            "{who} waits to put into {}, which is full ({capacity} of {capacity})",
            sc.queues[*queue].name
        ),
        WaitingOn::Join { target, pending } => format!(
            "{who} waits for {} to finish, which {}",
            sc.thread_name(*target),
            if *pending {
                "never started (no free worker)"
            } else {
                "is blocked too"
            }
        ),
        WaitingOn::Guard { pc, values } => {
            let guard = guard_text(sc, w.thread, *pc);
            let values: Vec<String> = values
                .iter()
                .map(|(v, x)| format!("{} = {x}", var_name(sc, w.thread, *v)))
                .collect();
            if values.is_empty() {
                format!("{who} waits until {guard}, which is 0")
            } else {
                format!("{who} waits until {guard}, which is 0 with {}", values.join(", "))
            }
        }
        WaitingOn::Worker => format!("{who} waits in the pool for a free worker"),
    }
}

/// The expectation as written: "always account >= 0", "final account = 0".
pub fn check(scenario: &Scenario, check: Check) -> String {
    let e = &scenario.expect;
    match check {
        Check::Outcomes => "outcomes".into(),
        Check::Final => format!(
            "final {}",
            e.final_state
                .as_ref()
                .map(|p| pattern(scenario, p))
                .unwrap_or_default()
        ),
        Check::Always(i) => format!("always {}", e.always[i].text),
        Check::AtEnd(i) => format!("at_end {}", e.at_end[i].text),
    }
}

/// One line per expectation of a run: what it says and whether (and where) it failed.
pub fn run_verdict(report: &RunReport, v: &RunVerdict) -> String {
    let sc = report.scenario;
    let summary = &report.summary;
    let what = check(sc, v.check);
    match &v.failure {
        None => format!("{what}: ok"),
        Some(RunFailure::Final) => {
            let how = match summary.outcome.status {
                Status::Ok => String::new(),
                ref other => format!(" ({})", other.name()),
            };
            format!(
                "{what}: FAILED: the run ended{how} with {} (step {})",
                end_state(sc, &summary.outcome.balances, &summary.outcome.queues),
                summary.steps
            )
        }
        Some(RunFailure::Always { step: 0, balances: b }) => {
            format!("{what}: FAILED in the initial state ({})", balances(sc, b))
        }
        Some(RunFailure::Always { step, balances: b }) => {
            format!("{what}: FAILED at step {step} ({})", balances(sc, b))
        }
        Some(RunFailure::AtEnd) => {
            let place = match summary.outcome.status {
                Status::Limit { .. } => "where the run stopped",
                _ => "at the end",
            };
            format!(
                "{what}: FAILED {place}, step {} ({})",
                summary.steps,
                balances(sc, &summary.outcome.balances)
            )
        }
    }
}

/// The command that replays `schedule`: stopped after its last step when it is a prefix of a
/// run (an `always` violation), so that it reproduces exactly the state it describes.
pub fn replay_command(scenario: &Scenario, file: &str, schedule: &[usize], stop: bool) -> String {
    let mut out = format!(
        "racesim run {file} --schedule {}",
        if schedule.is_empty() {
            "''".to_string()
        } else {
            format_schedule(scenario, schedule)
        }
    );
    if stop && !schedule.is_empty() {
        let _ = write!(out, " --max-steps {}", schedule.len());
    }
    out
}

/// One line per expectation of an exploration.
pub fn explore_verdict(scenario: &Scenario, x: &Exploration, file: &str, v: &ExploreVerdict) -> String {
    let sc = scenario;
    match (v.check, &v.failure) {
        (Check::Outcomes, None) => {
            let entries = sc.expect.outcomes.as_ref().map_or(0, Vec::len);
            if entries == x.outcomes.len() {
                format!("outcomes: ok, exactly the {entries} expected")
            } else {
                // An entry such as "error" stands for several outcomes.
                format!(
                    "outcomes: ok, {} match {}, and every entry is reached",
                    count(x.outcomes.len() as u64, "reachable outcome", "reachable outcomes"),
                    count(entries as u64, "expected entry", "expected entries")
                )
            }
        }
        (Check::Final, None) => format!("{}: ok in every interleaving", check(sc, v.check)),
        (Check::Always(_) | Check::AtEnd(_), None) => {
            format!("{}: ok in every reachable state", check(sc, v.check))
        }
        (_, Some(ExploreFailure::Outcomes { missing, unexpected })) => {
            let mut line = "outcomes: FAILED".to_string();
            if !missing.is_empty() {
                let names: Vec<String> = missing.iter().map(|m| expected_label(sc, m)).collect();
                let _ = write!(line, "; expected but unreachable: {}", names.join("; "));
            }
            if !unexpected.is_empty() {
                let names: Vec<String> = unexpected
                    .iter()
                    .map(|&i| {
                        let o = &x.outcomes[i];
                        outcome_label(sc, &o.status, &o.balances, &o.queues)
                    })
                    .collect();
                let _ = write!(line, "; reachable but not expected: {}", names.join("; "));
            }
            line
        }
        (_, Some(ExploreFailure::Final { reached, .. })) => format!(
            "{}: FAILED, {}",
            check(sc, v.check),
            if *reached {
                "other outcomes are reachable"
            } else {
                "no interleaving ends with these balances"
            }
        ),
        (
            check_kind,
            Some(ExploreFailure::Condition {
                schedule,
                balances: b,
            }),
        ) => {
            if schedule.is_empty() {
                // False before any step: every run shows it, so any complete one replays it.
                let witness = x.outcomes.first().map_or(&[][..], |o| &o.witness[..]);
                return format!(
                    "{}: FAILED ({}) in the initial state: {}",
                    check(sc, check_kind),
                    balances(sc, b),
                    replay_command(sc, file, witness, false)
                );
            }
            // An `always` fails after a prefix of a run: the replay stops there.
            let stop = matches!(check_kind, Check::Always(_));
            format!(
                "{}: FAILED ({}) after {}: {}",
                check(sc, check_kind),
                balances(sc, b),
                count(schedule.len() as u64, "step", "steps"),
                replay_command(sc, file, schedule, stop)
            )
        }
    }
}

/// explore stopped at one of its limits: how far it got, and what to try.
pub fn too_many_states(e: &TooManyStates) -> String {
    let (which, tip) = match e.limit {
        Limit::States(n) => (
            format!("the state limit of {n} (--max-states)"),
            "raise --max-states, or explore a smaller scenario (fewer threads or steps)",
        ),
        Limit::Memory(n) => (
            format!("the memory limit of {} (--max-memory)", bytes(n)),
            "raise --max-memory if the machine has it, or explore a smaller scenario (fewer threads or steps)",
        ),
    };
    format!(
        "explore stopped at {which}: {} distinct states in about {} after exploring {} of at most {} steps; {tip}",
        e.states,
        bytes(e.bytes),
        e.depth,
        e.max_depth
    )
}

/// "512 KiB", "3.5 GiB": a byte count for people.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} bytes")
    } else if value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// What validation resolved, for `check -v`.
pub fn resolved(sc: &Scenario) -> String {
    let mut out = String::new();
    let accounts: Vec<String> = sc
        .accounts
        .iter()
        .map(|a| format!("{} = {}", a.name, a.balance))
        .collect();
    let _ = writeln!(
        out,
        "    policy {}, {} workers",
        sc.scheduler.policy.name(),
        sc.workers
    );
    let _ = writeln!(out, "    accounts {}", accounts.join(", "));
    if !sc.locks.is_empty() {
        let names: Vec<&str> = sc.locks.iter().map(|l| l.name.as_str()).collect();
        let _ = writeln!(out, "    locks {}", names.join(", "));
    }
    for t in &sc.transactions {
        let _ = writeln!(
            out,
            "    transaction {}: {} steps x {} repeat, locals [{}]",
            t.name,
            t.steps.len(),
            t.repeat,
            t.locals.join(", ")
        );
    }
    out
}

impl RaceKind {
    /// The class explore's verdict puts an outcome in: "lost updates", "check-then-act", ...
    pub fn class(self) -> &'static str {
        match self {
            RaceKind::LostUpdate => "lost updates",
            RaceKind::StaleCheck => "check-then-act",
            RaceKind::TornRead => "torn reads",
            RaceKind::LostWakeup => "lost wakeups",
            RaceKind::StolenPermit => "stolen permits",
        }
    }

    /// "lost update", "stale check", "torn read": also the label of a numbered mark.
    pub fn name(self) -> &'static str {
        match self {
            RaceKind::LostUpdate => "lost update",
            RaceKind::StaleCheck => "stale check",
            RaceKind::TornRead => "torn read",
            RaceKind::LostWakeup => "lost wakeup",
            RaceKind::StolenPermit => "stolen permit",
        }
    }

    /// The heading over `n` races of this kind: "lost updates", "stale check (check-then-act)".
    pub fn heading(self, n: usize) -> String {
        let s = if n == 1 { "" } else { "s" };
        match self {
            RaceKind::LostUpdate => format!("lost update{s}"),
            RaceKind::StaleCheck => format!("stale check{s} (check-then-act)"),
            RaceKind::TornRead => format!("torn read{s}"),
            RaceKind::LostWakeup => format!("lost wakeup{s}"),
            RaceKind::StolenPermit => format!("stolen permit{s}"),
        }
    }

    /// What a picture's legend says about the three parts of a mark: the steps outlined, the
    /// curve within the lane, the steps outlined dashed.
    pub fn legend(self) -> [&'static str; 3] {
        match self {
            RaceKind::LostUpdate => [
                "lost update: write built on a stale read",
                "from the stale read",
                "the write whose change was lost",
            ],
            RaceKind::StaleCheck => [
                "stale check: acted on a check that no longer held",
                "from the read the check was based on",
                "the read, the check, and the change in between",
            ],
            RaceKind::TornRead => [
                "torn read: reads that saw an update half done",
                "from the first read to the second",
                "the writes of that update",
            ],
            RaceKind::LostWakeup => [
                "lost wakeup: a notify before the wait it was for",
                "from the notify to the wait",
                "the wait that nothing woke",
            ],
            RaceKind::StolenPermit => [
                "stolen permit: another thread took the released permit",
                "from the release to the acquire",
                "the release whose permit it took",
            ],
        }
    }
}

/// Every race of a run in one sentence each, by kind: lost updates, stale checks, torn reads.
pub fn races(report: &RunReport) -> Vec<(RaceKind, String)> {
    let sc = report.scenario;
    let a = &report.analysis;
    a.lost_updates
        .iter()
        .map(|l| (RaceKind::LostUpdate, lost_update(sc, l)))
        .chain(
            a.stale_checks
                .iter()
                .map(|c| (RaceKind::StaleCheck, stale_check(sc, c))),
        )
        .chain(
            a.torn_reads
                .iter()
                .map(|t| (RaceKind::TornRead, torn_read(sc, t))),
        )
        .chain(
            a.lost_wakeups
                .iter()
                .map(|l| (RaceKind::LostWakeup, lost_wakeup(sc, l))),
        )
        .chain(
            a.stolen_permits
                .iter()
                .map(|p| (RaceKind::StolenPermit, stolen_permit(sc, p))),
        )
        .collect()
}

/// The races of a run grouped by kind, in the order `races` gives them: each kind with its
/// sentences.
pub fn races_by_kind(report: &RunReport) -> Vec<(RaceKind, Vec<String>)> {
    let mut groups: Vec<(RaceKind, Vec<String>)> = Vec::new();
    for (kind, sentence) in races(report) {
        match groups.last_mut() {
            Some((k, list)) if *k == kind => list.push(sentence),
            _ => groups.push((kind, vec![sentence])),
        }
    }
    groups
}

/// Said when the analyses found no lost update, no stale check and no torn read.
pub const NO_RACE: &str = "no race was found in this run";

/// Beside an outcome that no run of the transactions one at a time gives.
pub const NEEDS_INTERLEAVING: &str = "needs an interleaving";
/// Beside an outcome that the transactions give when run one at a time, too.
pub const SERIAL_TOO: &str = "also when run one at a time";
/// The legend of a thread blocked forever.
pub const BLOCKED: &str = "blocked forever (deadlock)";

/// "status ok", "status deadlock".
pub fn status_summary(status: &Status) -> String {
    format!("status {}", status.name())
}

/// A run's verdicts in a few words: "expect: all 3 ok", "expect: 1 of 3 FAILED".
pub fn expect_summary(verdicts: &RunVerdicts) -> String {
    match verdicts {
        RunVerdicts::NotChecked => "expect: not checked".into(),
        RunVerdicts::Checked(v) if v.is_empty() => "expect: none".into(),
        RunVerdicts::Checked(v) => {
            let failed = v.iter().filter(|v| v.failure.is_some()).count();
            match (failed, v.len()) {
                (0, 1) => "expect: ok".into(),
                (0, n) => format!("expect: all {n} ok"),
                (1, 1) => "expect: FAILED".into(),
                (f, n) => format!("expect: {f} of {n} FAILED"),
            }
        }
    }
}

/// A run's races in a few words: "races: 1 lost update, 2 stale checks", "no race found".
pub fn race_summary(report: &RunReport) -> String {
    let a = &report.analysis;
    let counts = [
        (RaceKind::LostUpdate, a.lost_updates.len()),
        (RaceKind::StaleCheck, a.stale_checks.len()),
        (RaceKind::TornRead, a.torn_reads.len()),
        (RaceKind::LostWakeup, a.lost_wakeups.len()),
        (RaceKind::StolenPermit, a.stolen_permits.len()),
    ];
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| {
            let name = kind.name();
            count(*n as u64, name, &format!("{name}s"))
        })
        .collect();
    if parts.is_empty() {
        "no race found".into()
    } else {
        format!("races: {}", parts.join(", "))
    }
}

/// A blocked thread's box in a timeline: "blocked: lock lb (held by `b_to_a`)".
pub fn blocked(scenario: &Scenario, w: &Waiting) -> String {
    let sc = scenario;
    match &w.on {
        WaitingOn::Lock { lock, holder } => {
            let lock = &sc.locks[*lock].name;
            match holder {
                Some(h) if *h == w.thread => format!("blocked: lock {lock} (held by itself)"),
                Some(h) => format!("blocked: lock {lock} (held by {})", sc.thread_name(*h)),
                None => format!("blocked: lock {lock}"),
            }
        }
        WaitingOn::Semaphore { semaphore } => {
            format!("blocked: acquire {} (at 0)", sc.semaphores[*semaphore].name)
        }
        WaitingOn::Event { event } => format!("blocked: wait {} (not set)", sc.events[*event]),
        WaitingOn::Notify { cond } => format!("blocked: wait {} (not notified)", sc.conditions[*cond].name),
        WaitingOn::Reacquire { lock, holder, .. } => match holder {
            Some(h) => format!(
                "blocked: reacquire {} (held by {})",
                sc.locks[*lock].name,
                sc.thread_name(*h)
            ),
            None => format!("blocked: reacquire {}", sc.locks[*lock].name),
        },
        WaitingOn::Barrier {
            barrier,
            arrived,
            parties,
        } => format!(
            "blocked: wait {} ({arrived} of {parties})",
            sc.barriers[*barrier].name
        ),
        WaitingOn::QueueEmpty { queue } => format!("blocked: get {} (empty)", sc.queues[*queue].name),
        WaitingOn::QueueFull { queue, .. } => format!("blocked: put {} (full)", sc.queues[*queue].name),
        WaitingOn::Join { target, .. } => format!("blocked: join {}", sc.thread_name(*target)),
        WaitingOn::Guard { pc, .. } => format!("blocked: await {}", guard_text(sc, w.thread, *pc)),
        WaitingOn::Worker => "blocked: no free worker".into(),
    }
}

/// The text of thread `thread`'s `await` at `pc`.
fn guard_text(scenario: &Scenario, thread: ThreadId, pc: u32) -> &str {
    scenario.transactions[thread].steps[pc as usize]
        .op
        .codes()
        .first()
        .map_or("", |c| c.text.as_str())
}

/// What a thread is blocked on during a run, in a few words for a timeline: "waits for lock m
/// (held by a)", "waits for tellers (at 0)", "in `not_empty`'s wait set", "at barrier ready (2
/// of 3)", "waits for q (empty)", "waits until x > 0".
pub fn blocked_on(scenario: &Scenario, thread: ThreadId, on: &WaitingOn) -> String {
    let sc = scenario;
    let by = |holder: &Option<ThreadId>| match holder {
        Some(h) if *h == thread => " (held by itself)".to_string(),
        Some(h) => format!(" (held by {})", sc.thread_name(*h)),
        None => String::new(),
    };
    match on {
        WaitingOn::Lock { lock, holder } => {
            format!("waits for lock {}{}", sc.locks[*lock].name, by(holder))
        }
        WaitingOn::Semaphore { semaphore } => {
            format!("waits for {} (at 0)", sc.semaphores[*semaphore].name)
        }
        WaitingOn::Event { event } => format!("waits for event {} (not set)", sc.events[*event]),
        WaitingOn::Notify { cond } => format!("in {}'s wait set", sc.conditions[*cond].name),
        WaitingOn::Reacquire { lock, holder, .. } => {
            format!(
                "notified, waits to reacquire {}{}",
                sc.locks[*lock].name,
                by(holder)
            )
        }
        WaitingOn::Barrier {
            barrier,
            arrived,
            parties,
        } => format!(
            "at barrier {} ({arrived} of {parties})",
            sc.barriers[*barrier].name
        ),
        WaitingOn::QueueEmpty { queue } => format!("waits for {} (empty)", sc.queues[*queue].name),
        WaitingOn::QueueFull { queue, capacity } => format!(
            "waits for {} (full, {capacity} of {capacity})",
            sc.queues[*queue].name
        ),
        WaitingOn::Join { target, .. } => {
            format!("waits for {} to finish", sc.thread_name(*target))
        }
        WaitingOn::Guard { pc, .. } => format!("waits until {}", guard_text(sc, thread, *pc)),
        WaitingOn::Worker => "waits for a free worker".into(),
    }
}

/// A blocked stretch in a sentence: "consumer in `not_empty`'s wait set after step 3, until
/// step 6", "c waits for tellers (at 0) after step 2 (t=1), to the end of the run".
pub fn blocked_span(scenario: &Scenario, span: &BlockedSpan) -> String {
    let from = if span.since == 0 {
        "from the start".to_string()
    } else {
        format!("after step {}", span.since)
    };
    let to = match span.until {
        Some(u) => format!("until step {u}"),
        None => "to the end of the run".into(),
    };
    format!(
        "{} {} {from} (t={}), {to}",
        scenario.thread_name(span.thread),
        blocked_on(scenario, span.thread, &span.on),
        span.time
    )
}

/// The step that let a blocked thread go on, in a sentence: "producer notified consumer on
/// `not_empty` at step 6", "a released tellers at step 4: c can acquire it".
pub fn wake(scenario: &Scenario, w: &Wake) -> String {
    let sc = scenario;
    let (by, who, step) = (sc.thread_name(w.by), sc.thread_name(w.thread), w.step);
    match &w.on {
        WaitingOn::Notify { cond } => format!(
            "{by} notified {who} on {} at step {step}",
            sc.conditions[*cond].name
        ),
        WaitingOn::Barrier { barrier, .. } => format!(
            "{by} completed the round of barrier {} at step {step}, releasing {who}",
            sc.barriers[*barrier].name
        ),
        WaitingOn::Lock { lock, .. } => format!(
            "{by} freed lock {} at step {step}: {who} can take it",
            sc.locks[*lock].name
        ),
        WaitingOn::Reacquire { lock, .. } => format!(
            "{by} freed lock {} at step {step}: {who} can reacquire it",
            sc.locks[*lock].name
        ),
        WaitingOn::Semaphore { semaphore } => format!(
            "{by} released {} at step {step}: {who} can acquire it",
            sc.semaphores[*semaphore].name
        ),
        WaitingOn::Event { event } => format!(
            "{by} signalled {} at step {step}: {who} can go on",
            sc.events[*event]
        ),
        WaitingOn::QueueEmpty { queue } => format!(
            "{by} put into {} at step {step}: {who} can get",
            sc.queues[*queue].name
        ),
        WaitingOn::QueueFull { queue, .. } => format!(
            "{by} took from {} at step {step}: {who} can put",
            sc.queues[*queue].name
        ),
        WaitingOn::Join { target, .. } => format!(
            "{} finished at step {step}: {who}'s join goes on",
            sc.thread_name(*target)
        ),
        WaitingOn::Guard { pc, .. } => format!(
            "{by}'s step {step} made {} true: {who} goes on",
            guard_text(sc, w.thread, *pc)
        ),
        WaitingOn::Worker => format!("{by}'s step {step} freed a worker for {who}"),
    }
}

/// The legend of a thread blocked for a while, and of the arrow of a wake.
pub const BLOCKED_WHILE: &str = "blocked (waiting)";
pub const WAKE: &str = "wake: the step that let it go on";
/// The legend of a queue's contents beside the steps that change them.
pub const QUEUE_CONTENTS: &str = "queue contents";
