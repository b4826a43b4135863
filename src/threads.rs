//! The os-threads runner: one real OS thread per pool worker, the order between steps left to
//! the operating system. This is the only nondeterministic module.
//!
//! Each step is one short critical section over the shared engine state, so it executes exactly
//! as in the simulator; a thread may take a step only when the simulator would call it ready
//! (virtual time included), so the order it records is always a valid `--schedule`. Delays are
//! real sleeps of `delay × tick`. Deadlocks, runtime errors and the step limit end the run for
//! every worker; a worker that cannot run waits on a condition variable (it never spins).

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::engine::{Event, Layout, Phase, Settled, State};
use crate::outcome::{ErrorKind, RunError, Status};
use crate::run::{Outcome, PolicyChoice, RunReport, RunSummary, Runner};
use crate::scenario::{Scenario, ThreadId};

/// The most OS threads one run may start (one per pool worker).
pub const MAX_WORKERS: usize = 1024;

/// Why the os-threads runner could not run the scenario at all (not an outcome of it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RunnerError {
    /// More pool workers than [`MAX_WORKERS`].
    TooManyWorkers { workers: usize },
    /// The operating system refused a thread (a pids limit, memory).
    Spawn {
        spawned: usize,
        workers: usize,
        error: String,
    },
    /// The simulator's replay of the recorded order gave other events (a bug in racesim).
    Diverged,
    /// A worker thread panicked (a bug in racesim).
    Panicked,
}

struct Shared {
    state: State,
    events: Vec<Event>,
    schedule: Vec<ThreadId>,
    ended: Option<Status>,
    /// Every worker was spawned: they may start stepping.
    go: bool,
}

/// Runs `scenario` on real threads and returns its log, stopping with status `limit` after
/// `limit` steps. The verdicts come from replaying the recorded schedule in the simulator, which
/// must reproduce the same events.
pub fn run(scenario: &Scenario, tick: Duration, limit: Option<u64>) -> RunReport<'_> {
    let layout = Layout::new(scenario);
    let policy = PolicyChoice::OsThreads { tick };
    let workers = scenario.workers.min(scenario.transactions.len());
    let initial = State::initial(scenario, &layout);
    if workers > MAX_WORKERS {
        return refused(
            scenario,
            policy,
            &initial,
            RunnerError::TooManyWorkers { workers },
        );
    }
    let shared = Mutex::new(Shared {
        state: initial.clone(),
        events: Vec::new(),
        schedule: Vec::new(),
        ended: None,
        go: false,
    });
    let wakeup = Condvar::new();
    let refusal = std::thread::scope(|scope| {
        for first in 0..workers {
            let (shared, wakeup, layout) = (&shared, &wakeup, &layout);
            let spawned = std::thread::Builder::new()
                .name(format!("racesim-worker-{first}"))
                .spawn_scoped(scope, move || {
                    worker(scenario, layout, shared, wakeup, first as u32, tick, limit);
                });
            if let Err(e) = spawned {
                // End the run before anyone steps, so the workers already started return.
                let mut guard = lock(shared);
                guard.ended = Some(Status::Ok);
                wakeup.notify_all();
                return Some(RunnerError::Spawn {
                    spawned: first,
                    workers,
                    error: e.to_string(),
                });
            }
        }
        // The workers start together, so that the first one spawned does not run alone.
        lock(&shared).go = true;
        wakeup.notify_all();
        None
    });
    let shared = shared
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(e) = refusal {
        return refused(scenario, policy, &initial, e);
    }
    let status = shared.ended.unwrap_or(Status::Ok);
    if matches!(
        &status,
        Status::Error(RunError {
            kind: ErrorKind::Runner(_),
            ..
        })
    ) {
        return refused(scenario, policy, &initial, RunnerError::Panicked);
    }

    // Replay in the simulator: the same engine must give the same events and outcome.
    let mut runner = Runner::new(scenario).with_limit(limit);
    let mut script = crate::policy::Scripted::new(shared.schedule.clone());
    let mut replayed = Vec::new();
    let summary = runner.run(&mut script, &mut replayed, None);
    if replayed != shared.events || summary.outcome.status != status {
        return refused(scenario, policy, &initial, RunnerError::Diverged);
    }
    RunReport::new(
        scenario,
        policy,
        shared.events,
        shared.schedule,
        summary,
        runner.state(),
    )
}

/// The report of a run that could not take place.
fn refused<'s>(
    scenario: &'s Scenario,
    policy: PolicyChoice,
    initial: &State,
    e: RunnerError,
) -> RunReport<'s> {
    let summary = RunSummary {
        outcome: Outcome {
            status: Status::Error(RunError {
                step: 1,
                thread: None,
                kind: ErrorKind::Runner(e),
            }),
            balances: initial.balances.clone(),
            queues: initial.queues.clone(),
        },
        steps: 0,
        checks: crate::expect::RunChecks::default(),
    };
    RunReport::new(scenario, policy, Vec::new(), Vec::new(), summary, initial)
}

fn lock(m: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // A worker never panics while holding the lock, but do not cascade if one did.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Pool worker `me`: it runs the transaction the engine has put on it (the one it started
/// with, then the pending ones that start on it as its transactions finish) until none is left.
fn worker(
    scenario: &Scenario,
    layout: &Layout,
    shared: &Mutex<Shared>,
    wakeup: &Condvar,
    me: u32,
    tick: Duration,
    limit: Option<u64>,
) {
    let _end_on_panic = EndOnPanic { shared, wakeup };
    let mut guard = lock(shared);
    while !guard.go && guard.ended.is_none() {
        guard = wakeup
            .wait(guard)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
    }
    loop {
        // Wait until our transaction may take its next step, or the run is over.
        let current = loop {
            if guard.ended.is_some() {
                return;
            }
            let before = guard.state.now;
            if let Settled::Ended(end) = guard.state.settle(scenario, layout) {
                guard.ended = Some(end.into());
                wakeup.notify_all();
                return;
            }
            if limit == Some(guard.state.steps) {
                guard.ended = Some(Status::Limit {
                    steps: guard.state.steps,
                });
                wakeup.notify_all();
                return;
            }
            if guard.state.now != before {
                wakeup.notify_all();
            }
            // The transaction on this worker; with none, none will ever start on it.
            let threads = &guard.state.threads;
            let Some(current) =
                (0..threads.len()).find(|&t| threads[t].phase == Phase::Running && threads[t].worker == me)
            else {
                return;
            };
            if guard.state.is_ready(scenario, layout, current) {
                break current;
            }
            guard = wakeup
                .wait(guard)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        };
        let Shared {
            state,
            events,
            schedule,
            ended,
            ..
        } = &mut *guard;
        schedule.push(current);
        let step = state.steps + 1;
        if let Err(fault) = state.step(scenario, layout, current, events) {
            *ended = Some(Status::Error(RunError {
                step,
                thread: Some(current),
                kind: ErrorKind::Fault(fault),
            }));
            wakeup.notify_all();
            return;
        }
        let delay = events.last().map_or(0, |e| e.delay);
        wakeup.notify_all();
        if delay > 0 {
            // A real sleep of delay × tick with the state unlocked, cut short when the run ends
            // (a deadlock or an error elsewhere) so that the run ends promptly.
            let ticks = u32::try_from(delay).unwrap_or(u32::MAX);
            guard = wakeup
                .wait_timeout_while(guard, tick.saturating_mul(ticks), |s| s.ended.is_none())
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        } else {
            // Release the state between steps, so that the next step may be another thread's:
            // each step is its own critical section, the order between them the OS's.
            drop(guard);
            std::thread::yield_now();
            guard = lock(shared);
        }
    }
}

/// Ends the run for every worker if this one panics, so that the others do not wait forever.
struct EndOnPanic<'a> {
    shared: &'a Mutex<Shared>,
    wakeup: &'a Condvar,
}

impl Drop for EndOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut guard = lock(self.shared);
            if guard.ended.is_none() {
                guard.ended = Some(Status::Error(RunError {
                    step: guard.state.steps + 1,
                    thread: None,
                    kind: ErrorKind::Runner(RunnerError::Panicked),
                }));
            }
            self.wakeup.notify_all();
        }
    }
}
