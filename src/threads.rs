//! The os-threads runner: one real OS thread per pool worker, the order between steps left to
//! the operating system. This is the only nondeterministic module.
//!
//! Each step is one short critical section over the shared engine state, so it executes exactly
//! as in the simulator; a thread may take a step only when the simulator would call it ready
//! (virtual time included), so the order it records is always a valid `--schedule`. Delays are
//! real sleeps of `delay × tick`. Deadlocks and runtime errors end the run for every worker.

use std::sync::{Barrier, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::engine::{Event, Layout, Settled, State, Status};
use crate::run::{PolicyChoice, RunReport, Runner};
use crate::scenario::{Scenario, ThreadId};

struct Shared<'s> {
    state: State,
    events: Vec<Event<'s>>,
    schedule: Vec<ThreadId>,
    ended: Option<Status>,
}

/// Runs `scenario` on real threads and returns its log. The verdicts come from replaying the
/// recorded schedule in the simulator, which must reproduce the same events.
pub fn run<'s>(scenario: &'s Scenario, tick: Duration) -> RunReport<'s> {
    let layout = Layout::new(scenario);
    let shared = Mutex::new(Shared {
        state: State::initial(scenario, &layout),
        events: Vec::new(),
        schedule: Vec::new(),
        ended: None,
    });
    let wakeup = Condvar::new();
    let workers = scenario.workers.min(scenario.transactions.len());
    // The workers start together, so that the first one spawned does not run alone.
    let start = Barrier::new(workers);
    std::thread::scope(|scope| {
        for first in 0..workers {
            let (shared, wakeup, layout, start) = (&shared, &wakeup, &layout, &start);
            scope.spawn(move || {
                start.wait();
                worker(scenario, layout, shared, wakeup, first, tick)
            });
        }
    });
    let shared = shared.into_inner().unwrap_or_else(|poison| poison.into_inner());
    let status = shared.ended.unwrap_or(Status::Ok);

    // Replay in the simulator: the same engine must give the same events and outcome.
    let choice = PolicyChoice::Scripted {
        schedule: shared.schedule.clone(),
    };
    let mut runner = Runner::new(scenario);
    let mut policy = choice.build(scenario);
    let mut replayed = Vec::new();
    let mut summary = runner.run(&mut policy, &mut replayed, None);
    if replayed != shared.events || summary.outcome.status != status {
        summary.outcome.status =
            Status::Error("internal error: the simulator's replay of this run diverged".into());
    }
    RunReport {
        scenario,
        policy: format!("os-threads, tick {tick:?}"),
        events: shared.events,
        schedule: shared.schedule,
        summary,
    }
}

fn lock<'a, 's>(m: &'a Mutex<Shared<'s>>) -> MutexGuard<'a, Shared<'s>> {
    // A worker never panics while holding the lock, but do not cascade if one did.
    m.lock().unwrap_or_else(|poison| poison.into_inner())
}

fn worker<'s>(
    scenario: &'s Scenario,
    layout: &Layout,
    shared: &Mutex<Shared<'s>>,
    wakeup: &Condvar,
    first: ThreadId,
    tick: Duration,
) {
    let _end_on_panic = EndOnPanic { shared, wakeup };
    let mut current = first;
    let mut guard = lock(shared);
    loop {
        // Wait until our transaction may take its next step, or the run is over.
        loop {
            if guard.ended.is_some() {
                return;
            }
            let before = guard.state.now;
            match guard.state.settle(scenario) {
                Settled::Ended(status) => {
                    guard.ended = Some(status);
                    wakeup.notify_all();
                    return;
                }
                Settled::Ready => {}
            }
            if guard.state.now != before {
                wakeup.notify_all();
            }
            if guard.state.is_ready(scenario, current) {
                break;
            }
            guard = wakeup.wait(guard).unwrap_or_else(|poison| poison.into_inner());
        }
        let Shared {
            state,
            events,
            schedule,
            ended,
        } = &mut *guard;
        schedule.push(current);
        let step = state.steps + 1;
        if let Err(fault) = state.step(scenario, layout, current, events) {
            *ended = Some(Status::Error(format!(
                "step {step}: {}",
                fault.describe(scenario, current)
            )));
            wakeup.notify_all();
            return;
        }
        let event = *events.last().expect("a step was recorded");
        wakeup.notify_all();
        if event.finished {
            match event.started {
                Some(next) => current = next,
                None => return,
            }
        }
        if event.delay > 0 {
            // A real sleep of delay × tick with the state unlocked, cut short when the run ends
            // (a deadlock or an error elsewhere) so that the run ends promptly.
            let ticks = u32::try_from(event.delay).unwrap_or(u32::MAX);
            guard = wakeup
                .wait_timeout_while(guard, tick.saturating_mul(ticks), |s| s.ended.is_none())
                .unwrap_or_else(|poison| poison.into_inner())
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
struct EndOnPanic<'a, 's> {
    shared: &'a Mutex<Shared<'s>>,
    wakeup: &'a Condvar,
}

impl Drop for EndOnPanic<'_, '_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut guard = lock(self.shared);
            if guard.ended.is_none() {
                guard.ended = Some(Status::Error("internal error: a worker thread panicked".into()));
            }
            self.wakeup.notify_all();
        }
    }
}
