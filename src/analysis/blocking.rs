//! When each thread of a run was blocked, on what, and which step let it go: the waiting the
//! pictures draw. `waiting` asks the same question once, where a deadlocked run ended.
//!
//! Events say what each step did but not who could run between steps, and the engine is the one
//! judge of readiness, so the run is replayed from its events through `State::step`, settling
//! the clock between steps as the runner does. A thread is *blocked* at a scheduling point when
//! it has started, is unfinished, is not sleeping and is not ready. A blocked stretch is split
//! where what the thread waits for changes (another arrival at its barrier, a notify that moves
//! it from the wait set to its reacquire, a guard's values).

use super::waiting::{WaitingOn, reason};
use crate::engine::{Effect, Event, Layout, Phase, State, Time};
use crate::outcome::{ErrorKind, RunError, Status};
use crate::scenario::{Scenario, ThreadId};

/// A stretch of a run during which a started thread was blocked on one thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedSpan {
    pub thread: ThreadId,
    /// What it waited for, as at the start of the stretch.
    pub on: WaitingOn,
    /// Blocked from the scheduling point after this many steps (0: from the start), so the
    /// first step it sat out is `since + 1`.
    pub since: u64,
    /// The virtual time at that scheduling point: later than step `since`'s when the clock
    /// moved on first (a sleep that ended into a wait).
    pub time: Time,
    /// The last step it sat out, after which it could run or waited for something else;
    /// `None`: still blocked where the run ended.
    pub until: Option<u64>,
}

/// A step that let a blocked thread go on: it made the thread ready (an unlock, a release, a
/// signal, a put or get, a finish, a change of a guard's values) or released it from a wait set
/// or a barrier round (the step's `woken`, which counts even while the thread still sleeps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wake {
    pub step: u64,
    /// The thread that took the step.
    pub by: ThreadId,
    /// The thread it let go.
    pub thread: ThreadId,
    /// What that thread had waited for.
    pub on: WaitingOn,
}

/// Every blocked stretch of a run (by start, then thread) and every wake (in step order; within
/// a step the released threads in the order the step released them, then the others in file
/// order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blocking {
    pub spans: Vec<BlockedSpan>,
    pub wakes: Vec<Wake>,
}

/// The blocked stretches and wakes of the run logged in `events` that ended with `status`.
pub fn blocking(scenario: &Scenario, events: &[Event], status: &Status) -> Blocking {
    // A run that real threads refused to start has no scheduling points at all.
    if matches!(
        status,
        Status::Error(RunError {
            kind: ErrorKind::Runner(_),
            ..
        })
    ) {
        return Blocking::default();
    }
    let layout = Layout::new(scenario);
    let mut state = State::initial(scenario, &layout);
    let mut open: Vec<Option<BlockedSpan>> = vec![None; scenario.transactions.len()];
    let mut out = Blocking::default();
    state.settle(scenario, &layout);
    observe(scenario, &layout, &state, &mut open, &mut out.spans);
    for e in events {
        // The failing step changes nothing; a log that does not fit its scenario (it cannot
        // happen) stops the replay rather than stepping a thread that is not ready.
        if matches!(e.effect, Effect::Fault(_)) || !state.is_ready(scenario, &layout, e.thread) {
            break;
        }
        let released: Vec<(ThreadId, Option<WaitingOn>)> = e
            .woken
            .iter()
            .map(|&u| (u, reason(scenario, &layout, &state, u)))
            .collect();
        let was_open: Vec<Option<WaitingOn>> =
            open.iter().map(|s| s.as_ref().map(|s| s.on.clone())).collect();
        if state.step(scenario, &layout, e.thread, &mut ()).is_err() {
            break;
        }
        state.settle(scenario, &layout);
        observe(scenario, &layout, &state, &mut open, &mut out.spans);
        for (u, on) in released {
            if let Some(on) = on {
                out.wakes.push(Wake {
                    step: e.step,
                    by: e.thread,
                    thread: u,
                    on,
                });
            }
        }
        for (u, on) in was_open.into_iter().enumerate() {
            if let Some(on) = on
                && open[u].is_none()
                && u != e.thread
                && !e.woken.contains(&u)
            {
                out.wakes.push(Wake {
                    step: e.step,
                    by: e.thread,
                    thread: u,
                    on,
                });
            }
        }
    }
    out.spans.extend(open.into_iter().flatten());
    out.spans.sort_by_key(|s| (s.since, s.thread));
    out
}

/// At a scheduling point: closes the stretches of threads that are no longer blocked on the same
/// thing (into `done`) and opens those of threads newly blocked.
fn observe(
    scenario: &Scenario,
    layout: &Layout,
    state: &State,
    open: &mut [Option<BlockedSpan>],
    done: &mut Vec<BlockedSpan>,
) {
    for (t, slot) in open.iter_mut().enumerate() {
        let th = &state.threads[t];
        let blocked =
            th.phase == Phase::Running && th.ready_at <= state.now && !state.is_ready(scenario, layout, t);
        let on = if blocked {
            reason(scenario, layout, state, t)
        } else {
            None
        };
        if slot.as_ref().map(|s| &s.on) == on.as_ref() {
            continue;
        }
        if let Some(mut span) = slot.take() {
            span.until = Some(state.steps);
            done.push(span);
        }
        *slot = on.map(|on| BlockedSpan {
            thread: t,
            on,
            since: state.steps,
            time: state.now,
            until: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{PolicyChoice, run};
    use crate::scenario::{parse, parse_schedule};

    fn scripted(source: &str, schedule: &str) -> (Scenario, Vec<Event>, Status) {
        let sc = parse("t.toml", source).unwrap();
        let schedule = parse_schedule(&sc, schedule).unwrap();
        let report = run(&sc, &PolicyChoice::Scripted { schedule });
        let (events, status) = (report.events, report.summary.outcome.status);
        (sc, events, status)
    }

    const TELLERS: &str = r#"
semaphores = [{ name = "tellers", value = 2 }]
[[accounts]]
name = "served"
[[transactions]]
name = "a"
steps = [{ acquire = "tellers" }, { atomic_add = "served", value = "1" }, { release = "tellers" }]
[[transactions]]
name = "b"
steps = [{ acquire = "tellers" }, { atomic_add = "served", value = "1" }, { release = "tellers" }]
[[transactions]]
name = "c"
steps = [{ acquire = "tellers" }, { atomic_add = "served", value = "1" }, { release = "tellers" }]
"#;

    #[test]
    fn the_third_customer_waits_for_a_teller_until_the_first_releases_one() {
        let (sc, events, status) = scripted(TELLERS, "a,b,a,a,c*3,b*2");
        let b = blocking(&sc, &events, &status);
        assert_eq!(
            b.spans,
            vec![BlockedSpan {
                thread: 2,
                on: WaitingOn::Semaphore { semaphore: 0 },
                since: 2,
                time: 0,
                until: Some(4),
            }]
        );
        assert_eq!(
            b.wakes,
            vec![Wake {
                step: 4,
                by: 0,
                thread: 2,
                on: WaitingOn::Semaphore { semaphore: 0 },
            }]
        );
    }

    const HANDOFF: &str = r#"
locks = ["m"]
conditions = [{ name = "not_empty", lock = "m" }]
queues = [{ name = "q" }]
[[transactions]]
name = "consumer"
steps = [
  { lock = "m" },
  { while = "len(q) == 0", steps = [{ wait = "not_empty" }] },
  { get = "q", into = "x" },
  { unlock = "m" },
]
[[transactions]]
name = "producer"
steps = [{ lock = "m" }, { put = "q", value = "7" }, { notify = "not_empty" }, { unlock = "m" }]
"#;

    #[test]
    fn a_notified_waiter_waits_in_the_set_then_for_the_lock_and_each_release_is_a_wake() {
        let (sc, events, status) = scripted(HANDOFF, "consumer*3,producer*4,consumer*4");
        let b = blocking(&sc, &events, &status);
        let notify = WaitingOn::Notify { cond: 0 };
        let reacquire = WaitingOn::Reacquire {
            cond: 0,
            lock: 0,
            holder: Some(1),
        };
        let lock = WaitingOn::Lock {
            lock: 0,
            holder: Some(0),
        };
        let span = |thread, on: &WaitingOn, since, until| BlockedSpan {
            thread,
            on: on.clone(),
            since,
            time: 0,
            until: Some(until),
        };
        // The producer waits for m until the consumer's wait releases it.
        assert_eq!(
            b.spans,
            vec![
                span(1, &lock, 1, 3),
                span(0, &notify, 3, 6),
                span(0, &reacquire, 6, 7)
            ]
        );
        let wake = |step, by, thread, on: &WaitingOn| Wake {
            step,
            by,
            thread,
            on: on.clone(),
        };
        assert_eq!(
            b.wakes,
            vec![
                wake(3, 0, 1, &lock),
                wake(6, 1, 0, &notify),
                wake(7, 1, 0, &reacquire)
            ]
        );
    }

    /// Opposite lock orders, each transfer sleeping a tick after its first lock.
    const CROSSED: &str = r#"
locks = ["la", "lb"]
[[transactions]]
name = "a_to_b"
steps = [{ lock = "la", delay = 1 }, { lock = "lb" }, { unlock = "lb" }, { unlock = "la" }]
[[transactions]]
name = "b_to_a"
steps = [{ lock = "lb", delay = 1 }, { lock = "la" }, { unlock = "la" }, { unlock = "lb" }]
"#;

    #[test]
    fn a_deadlock_leaves_its_stretches_open_with_what_waiting_says() {
        let sc = parse("t.toml", CROSSED).unwrap();
        let schedule = parse_schedule(&sc, "b_to_a,a_to_b").unwrap();
        let report = run(&sc, &PolicyChoice::Scripted { schedule });
        assert_eq!(report.summary.outcome.status, Status::Deadlock);
        let b = blocking(&sc, &report.events, &report.summary.outcome.status);
        // Both slept a tick after their first lock: blocked from t=1 on, after step 2.
        assert_eq!(b.spans.len(), 2);
        assert!(b.spans.iter().all(|s| (s.since, s.time, s.until) == (2, 1, None)));
        assert!(b.wakes.is_empty());
        let ons: Vec<&WaitingOn> = report.analysis.waiting.iter().map(|w| &w.on).collect();
        assert_eq!(b.spans.iter().map(|s| &s.on).collect::<Vec<_>>(), ons);
    }
}
