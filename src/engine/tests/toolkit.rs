//! The version-2 steps one at a time: when each is ready, what it does (with the values its
//! event reports), and each runtime error it can raise.

use super::{Sim, run_message, run_status, scenario};
use crate::engine::{Blocked, CondOp, Effect, End, FREE, Fault, Phase, Settled};
use crate::outcome::Status;
use crate::scenario::EvalError;

/// The value of `t`'s local `name`.
fn local(sim: &Sim<'_>, t: usize, name: &str) -> i64 {
    let slot = sim.sc.transactions[t]
        .locals
        .iter()
        .position(|l| l == name)
        .unwrap_or_else(|| panic!("no local {name}"));
    sim.state.locals[sim.layout.local_base[t] + slot]
}

/// `objects` at the top level, then one transaction per `(name, steps)`.
fn threads(objects: &str, txs: &[(&str, &str)]) -> crate::scenario::Scenario {
    let mut text = format!("{objects}\n[[accounts]]\nname = \"a\"\nbalance = 10\n");
    for (name, steps) in txs {
        text.push_str(&format!(
            "[[transactions]]\nname = \"{name}\"\nsteps = [{steps}]\n"
        ));
    }
    scenario(&text)
}

#[test]
fn an_rlock_is_reentrant_and_counts_its_holds() {
    let sc = threads(
        r#"rlocks = ["r"]"#,
        &[
            (
                "t",
                r#"{ lock = "r" }, { lock = "r" }, { unlock = "r" }, { unlock = "r" }"#,
            ),
            ("u", r#"{ lock = "r" }, { unlock = "r" }"#),
        ],
    );
    let mut sim = Sim::new(&sc);
    assert_eq!(sim.step(0).effect, Effect::Lock { lock: 0, count: 1 });
    assert_eq!(sim.ready(), [0], "u waits while t holds r");
    assert_eq!(sim.step(0).effect, Effect::Lock { lock: 0, count: 2 });
    assert_eq!(sim.step(0).effect, Effect::Unlock { lock: 0, count: 1 });
    assert_eq!(sim.state.holders, [0]);
    assert_eq!(sim.ready(), [0], "still held once");
    assert_eq!(sim.step(0).effect, Effect::Unlock { lock: 0, count: 0 });
    assert_eq!(sim.state.holders, [FREE]);
    assert_eq!(sim.ready(), [1]);
}

#[test]
fn a_plain_lock_taken_twice_deadlocks_where_an_rlock_completes() {
    let steps = r#"{ lock = "m" }, { lock = "m" }, { unlock = "m" }, { unlock = "m" }"#;
    let plain = threads(r#"locks = ["m"]"#, &[("t", steps)]);
    assert_eq!(run_status(&plain), Status::Deadlock);
    let reentrant = threads(r#"rlocks = ["m"]"#, &[("t", steps)]);
    assert_eq!(run_status(&reentrant), Status::Ok);
}

#[test]
fn unlocking_an_rlock_one_does_not_hold_is_a_runtime_error() {
    let sc = threads(
        r#"rlocks = ["r"]"#,
        &[
            ("owner", r#"{ lock = "r" }, { unlock = "r" }"#),
            ("thief", r#"{ unlock = "r" }"#),
        ],
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    assert_eq!(
        sim.fault(1),
        Fault::BadUnlock {
            lock: 0,
            holder: Some(0)
        }
    );
}

#[test]
fn try_lock_takes_a_free_lock_and_reports_a_held_one() {
    let sc = threads(
        r#"locks = ["m"]
        rlocks = ["r"]"#,
        &[
            (
                "t",
                r#"{ try_lock = "m", into = "a1" }, { try_lock = "m", into = "a2" }, { try_lock = "r", into = "b1" }, { try_lock = "r", into = "b2" }"#,
            ),
            (
                "u",
                r#"{ try_lock = "m", into = "c" }, { try_lock = "r", into = "d" }"#,
            ),
        ],
    );
    let mut sim = Sim::new(&sc);
    let got = |lock, count| Effect::TryLock {
        lock,
        got: true,
        count,
    };
    assert_eq!(sim.step(0).effect, got(0, 1));
    assert_eq!(local(&sim, 0, "a1"), 1);
    // A plain lock this thread holds: not taken again (it would deadlock), x := 0.
    assert_eq!(
        sim.step(0).effect,
        Effect::TryLock {
            lock: 0,
            got: false,
            count: 1
        }
    );
    assert_eq!(local(&sim, 0, "a2"), 0);
    assert_eq!(sim.step(0).effect, got(1, 1));
    assert_eq!(sim.step(0).effect, got(1, 2), "an rlock it holds: count + 1");
    assert_eq!(local(&sim, 0, "b2"), 1);
    // try_lock is always ready, even on a held lock.
    assert_eq!(
        sim.step(1).effect,
        Effect::TryLock {
            lock: 0,
            got: false,
            count: 1
        }
    );
    assert_eq!(local(&sim, 1, "c"), 0);
    assert_eq!(
        sim.step(1).effect,
        Effect::TryLock {
            lock: 1,
            got: false,
            count: 2
        }
    );
    assert_eq!(sim.state.holders, [0, 0]);
}

#[test]
fn acquire_waits_for_a_permit_and_release_gives_one_back() {
    let sc = threads(
        r#"semaphores = [{ name = "s", value = 1 }]"#,
        &[
            ("t", r#"{ acquire = "s" }, { release = "s" }"#),
            ("u", r#"{ acquire = "s" }, { release = "s" }, { release = "s" }"#),
        ],
    );
    let mut sim = Sim::new(&sc);
    assert_eq!(
        sim.step(0).effect,
        Effect::Acquire {
            semaphore: 0,
            value: 0
        }
    );
    assert_eq!(sim.ready(), [0], "u waits at value 0");
    assert_eq!(
        sim.step(0).effect,
        Effect::Release {
            semaphore: 0,
            value: 1
        }
    );
    assert_eq!(sim.ready(), [1]);
    sim.step(1);
    sim.step(1);
    // Unbounded: a release beyond the initial value is allowed.
    assert_eq!(
        sim.step(1).effect,
        Effect::Release {
            semaphore: 0,
            value: 2
        }
    );
    assert_eq!(sim.settle(), Settled::Ended(End::Ok));
}

#[test]
fn a_semaphore_defaults_to_one_unbounded_permit() {
    let sc = threads(
        r#"semaphores = [{ name = "s" }]"#,
        &[("t", r#"{ acquire = "s" }"#)],
    );
    assert_eq!((sc.semaphores[0].initial, sc.semaphores[0].bounded), (1, false));
    let zero = threads(
        r#"semaphores = [{ name = "s", value = 0 }]"#,
        &[("t", r#"{ acquire = "s" }"#)],
    );
    assert_eq!(run_status(&zero), Status::Deadlock);
}

#[test]
fn releasing_a_bounded_semaphore_above_its_initial_value_is_a_runtime_error() {
    let sc = threads(
        r#"semaphores = [{ name = "s", value = 2, bounded = true }]"#,
        &[("t", r#"{ acquire = "s" }, { release = "s" }, { release = "s" }"#)],
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    sim.step(0);
    assert_eq!(sim.fault(0), Fault::BoundedRelease { semaphore: 0 });
    assert_eq!(
        run_message(&sc),
        Some("step 3: t: release of bounded semaphore `s` above its initial value 2".into())
    );
}

#[test]
fn a_semaphore_value_that_would_overflow_is_a_runtime_error() {
    let sc = threads(
        r#"semaphores = [{ name = "s", value = 9223372036854775807 }]"#,
        &[("t", r#"{ release = "s" }"#)],
    );
    let mut sim = Sim::new(&sc);
    assert_eq!(sim.fault(0), Fault::SemaphoreOverflow { semaphore: 0 });
}

#[test]
fn try_acquire_takes_a_permit_only_when_there_is_one() {
    let sc = threads(
        r#"semaphores = [{ name = "s", value = 1 }]"#,
        &[(
            "t",
            r#"{ try_acquire = "s", into = "x" }, { try_acquire = "s", into = "y" }"#,
        )],
    );
    let mut sim = Sim::new(&sc);
    assert_eq!(
        sim.step(0).effect,
        Effect::TryAcquire {
            semaphore: 0,
            got: true,
            value: 0
        }
    );
    assert_eq!(
        sim.step(0).effect,
        Effect::TryAcquire {
            semaphore: 0,
            got: false,
            value: 0
        }
    );
    assert_eq!((local(&sim, 0, "x"), local(&sim, 0, "y")), (1, 0));
}

#[test]
fn an_event_wait_is_level_triggered() {
    let sc = threads(
        r#"events = ["e"]"#,
        &[
            ("setter", r#"{ signal = "e" }, { clear = "e" }, { signal = "e" }"#),
            ("waiter", r#"{ wait = "e" }"#),
        ],
    );
    let mut sim = Sim::new(&sc);
    assert_eq!(sim.ready(), [0], "the event starts clear");
    assert_eq!(sim.step(0).effect, Effect::Signal { event: 0, was: false });
    assert_eq!(sim.ready(), [0, 1]);
    assert_eq!(sim.step(0).effect, Effect::Clear { event: 0, was: true });
    // Set, then cleared before the waiter ran: it still waits (CPython would wake it).
    assert_eq!(sim.ready(), [0]);
    sim.step(0);
    assert_eq!(sim.step(1).effect, Effect::WaitEvent { event: 0 });
    assert!(sim.state.events[0], "waiting does not clear the event");
    assert_eq!(sim.settle(), Settled::Ended(End::Ok));
}

const CONDITION: &str = r#"locks = ["m"]
conditions = [{ name = "c", lock = "m" }]"#;

#[test]
fn a_condition_wait_releases_the_lock_and_notify_wakes_the_longest_waiter() {
    let waiter = r#"{ lock = "m" }, { wait = "c" }, { unlock = "m" }"#;
    let sc = threads(
        CONDITION,
        &[
            ("w1", waiter),
            ("w2", waiter),
            (
                "n",
                r#"{ lock = "m" }, { notify = "c" }, { notify = "c" }, { notify = "c" }, { unlock = "m" }"#,
            ),
        ],
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    assert_eq!(
        sim.step(0).effect,
        Effect::WaitCondition {
            cond: 0,
            lock: 0,
            waiting: 1
        }
    );
    assert_eq!(sim.state.holders, [FREE], "wait released m");
    assert_eq!(sim.state.threads[0].blocked, Blocked::Condition(0));
    sim.step(1);
    assert_eq!(
        sim.step(1).effect.clone(),
        Effect::WaitCondition {
            cond: 0,
            lock: 0,
            waiting: 2
        }
    );
    assert_eq!(sim.state.wait_sets, [vec![0, 1]]);
    assert_eq!(sim.ready(), [2], "both waiters are blocked until notified");
    sim.step(2);
    let e = sim.step(2);
    assert_eq!(e.effect, Effect::Notify { cond: 0 });
    assert_eq!(e.woken, [0], "the longest waiter first");
    assert_eq!(sim.state.wait_sets, [vec![1]]);
    // Woken, w1 next runs its reacquire, which waits for m (n holds it).
    assert_eq!(sim.ready(), [2]);
    let e = sim.step(2);
    assert_eq!(e.woken, [1]);
    let e = sim.step(2);
    assert!(e.woken.is_empty(), "an empty wait set: nothing");
    sim.step(2);
    assert_eq!(sim.ready(), [0, 1]);
    assert_eq!(sim.step(1).effect, Effect::Reacquire { cond: 0, lock: 0 });
    assert_eq!(sim.state.holders, [1]);
    assert_eq!(sim.ready(), [1], "w1's reacquire waits for m again");
    sim.step(1);
    sim.step(0);
    sim.step(0);
    assert_eq!(sim.settle(), Settled::Ended(End::Ok));
}

#[test]
fn notify_all_wakes_every_waiter_in_wait_set_order() {
    let waiter = r#"{ lock = "m" }, { wait = "c" }, { unlock = "m" }"#;
    let sc = threads(
        CONDITION,
        &[
            ("w1", waiter),
            ("w2", waiter),
            ("n", r#"{ lock = "m" }, { notify_all = "c" }, { unlock = "m" }"#),
        ],
    );
    let mut sim = Sim::new(&sc);
    for t in [1, 1, 0, 0, 2] {
        sim.step(t);
    }
    assert_eq!(sim.state.wait_sets, [vec![1, 0]]);
    let e = sim.step(2);
    assert_eq!(e.effect, Effect::NotifyAll { cond: 0 });
    assert_eq!(e.woken, [1, 0]);
    assert!(sim.state.wait_sets[0].is_empty());
}

#[test]
fn a_lost_notify_leaves_the_waiter_waiting_forever() {
    let sc = threads(
        CONDITION,
        &[
            ("n", r#"{ lock = "m" }, { notify = "c" }, { unlock = "m" }"#),
            ("w", r#"{ lock = "m" }, { wait = "c" }, { unlock = "m" }"#),
        ],
    );
    assert_eq!(
        run_status(&sc),
        Status::Deadlock,
        "round-robin: n notifies before w waits"
    );
}

#[test]
fn wait_and_notify_without_the_lock_are_runtime_errors() {
    let sc = threads(
        CONDITION,
        &[
            ("t", r#"{ wait = "c" }"#),
            ("u", r#"{ notify = "c" }"#),
            ("v", r#"{ lock = "m" }, { notify_all = "c" }"#),
        ],
    );
    let mut sim = Sim::new(&sc);
    assert_eq!(
        sim.fault(0),
        Fault::NotHolding {
            op: CondOp::Wait,
            cond: 0,
            holder: None
        }
    );
    assert_eq!(
        sim.fault(1),
        Fault::NotHolding {
            op: CondOp::Notify,
            cond: 0,
            holder: None
        }
    );
    sim.step(2);
    assert_eq!(
        sim.fault(0),
        Fault::NotHolding {
            op: CondOp::Wait,
            cond: 0,
            holder: Some(2)
        }
    );
    assert_eq!(
        crate::render::words::fault(&sc, 0, &sim.fault(0)),
        "t: wait on `c` without holding its lock `m`, which is held by v"
    );
    assert_eq!(
        run_message(&sc),
        Some("step 1: t: wait on `c` without holding its lock `m`, which is not held".into())
    );
}

#[test]
fn a_barrier_releases_its_round_at_the_last_arrival_and_is_reusable() {
    let sc = threads(
        r#"barriers = [{ name = "b", parties = 2 }]"#,
        &[
            ("t", r#"{ wait = "b" }, { wait = "b" }, { log = "after" }"#),
            ("u", r#"{ wait = "b" }, { wait = "b" }, { log = "after" }"#),
        ],
    );
    let mut sim = Sim::new(&sc);
    let e = sim.step(0);
    assert_eq!(
        e.effect,
        Effect::WaitBarrier {
            barrier: 0,
            arrived: 1,
            parties: 2
        }
    );
    assert_eq!(sim.state.threads[0].blocked, Blocked::Barrier(0));
    assert_eq!(sim.ready(), [1]);
    let e = sim.step(1);
    assert_eq!(
        e.effect,
        Effect::WaitBarrier {
            barrier: 0,
            arrived: 2,
            parties: 2
        }
    );
    assert_eq!(e.woken, [0], "the round is released");
    assert_eq!(sim.ready(), [0, 1]);
    // A new round: the next arrival is the first again.
    let e = sim.step(1);
    assert_eq!(
        e.effect,
        Effect::WaitBarrier {
            barrier: 0,
            arrived: 1,
            parties: 2
        }
    );
    assert_eq!(sim.ready(), [0]);
    assert_eq!(sim.step(0).woken, [1]);
}

#[test]
fn a_barrier_with_too_few_threads_deadlocks_and_one_party_never_waits() {
    let sc = threads(
        r#"barriers = [{ name = "b", parties = 3 }]"#,
        &[("t", r#"{ wait = "b" }"#), ("u", r#"{ wait = "b" }"#)],
    );
    assert_eq!(run_status(&sc), Status::Deadlock);
    let alone = threads(
        r#"barriers = [{ name = "b", parties = 1 }]"#,
        &[("t", r#"{ wait = "b" }, { wait = "b" }"#)],
    );
    assert_eq!(run_status(&alone), Status::Ok);
}

#[test]
fn threads_released_after_their_last_step_finish_and_start_pending_ones_in_file_order() {
    let sc = scenario(
        r#"
        barriers = [{ name = "b", parties = 3 }]
        [pool]
        workers = 3
        [[transactions]]
        name = "t0"
        steps = [{ wait = "b" }]
        [[transactions]]
        name = "t1"
        steps = [{ wait = "b" }]
        [[transactions]]
        name = "t2"
        steps = [{ wait = "b" }]
        [[transactions]]
        name = "p3"
        steps = [{ log = "x" }]
        [[transactions]]
        name = "p4"
        steps = [{ log = "y" }]
    "#,
    );
    let mut sim = Sim::new(&sc);
    sim.step(2);
    sim.step(0);
    let e = sim.step(1);
    assert!(e.finished);
    assert_eq!(e.woken, [0, 2]);
    assert_eq!(e.also_finished, [0, 2]);
    // The finishers free their workers in file order t0, t1, t2: p3 takes t0's, p4 t1's.
    assert_eq!(e.started, [(3, 0), (4, 0)]);
    assert_eq!(
        (sim.state.threads[3].worker, sim.state.threads[4].worker),
        (sim.state.threads[0].worker, sim.state.threads[1].worker)
    );
    assert!((0..3).all(|t| sim.state.threads[t].phase == Phase::Finished));
}

#[test]
fn a_queue_is_fifo_and_blocks_get_when_empty_and_put_when_full() {
    let sc = threads(
        r#"queues = [{ name = "q", capacity = 2 }]"#,
        &[
            (
                "p",
                r#"{ put = "q", value = "3" }, { put = "q", value = "7" }, { put = "q", value = "a" }"#,
            ),
            (
                "c",
                r#"{ get = "q", into = "x" }, { get = "q", into = "y" }, { get = "q", into = "z" }"#,
            ),
        ],
    );
    let mut sim = Sim::new(&sc);
    assert_eq!(sim.ready(), [0], "get waits on an empty queue");
    let e = sim.step(0);
    assert_eq!(
        e.effect,
        Effect::Put {
            queue: 0,
            value: 3,
            len: 1
        }
    );
    assert_eq!(e.queue, Some(vec![3]));
    sim.step(0);
    assert_eq!(sim.state.queues, [vec![3, 7]]);
    assert_eq!(sim.ready(), [1], "put waits on a full queue");
    let e = sim.step(1);
    assert_eq!(
        e.effect,
        Effect::Get {
            queue: 0,
            into: 0,
            value: 3,
            len: 1
        }
    );
    assert_eq!(e.queue, Some(vec![7]));
    let e = sim.step(0);
    assert_eq!(e.queue, Some(vec![7, 10]), "a put's value is an expression");
    sim.step(1);
    sim.step(1);
    assert_eq!(
        (local(&sim, 1, "x"), local(&sim, 1, "y"), local(&sim, 1, "z")),
        (3, 7, 10)
    );
}

#[test]
fn an_unbounded_queue_never_blocks_put() {
    let sc = threads(
        r#"queues = [{ name = "q" }]"#,
        &[(
            "p",
            r#"{ put = "q", value = "1" }, { put = "q", value = "2" }, { put = "q", value = "len(q)" }"#,
        )],
    );
    let mut sim = Sim::new(&sc);
    for _ in 0..3 {
        sim.step(0);
    }
    assert_eq!(sim.state.queues, [vec![1, 2, 2]]);
}

#[test]
fn join_waits_until_the_target_finished_and_a_declined_transaction_has() {
    let sc = threads(
        "",
        &[
            ("j", r#"{ join = "d" }, { join = "w" }"#),
            ("d", r#"{ require = "0" }, { log = "never" }"#),
            ("w", "{ sleep = 5 }, { sleep = 5 }"),
        ],
    );
    let mut sim = Sim::new(&sc);
    assert_eq!(sim.ready(), [1, 2]);
    sim.step(1);
    assert_eq!(sim.state.threads[1].phase, Phase::Finished);
    assert_eq!(sim.step(0).effect, Effect::Join { target: 1 });
    assert_eq!(sim.ready(), [2]);
    sim.step(2);
    // w sleeps before its last step: j waits through the time jump.
    assert_eq!(sim.settle(), Settled::Ready);
    assert_eq!(sim.state.now, 5);
    assert_eq!(sim.ready(), [2]);
    // A transaction has finished once its last step ran: the sleep after it only holds the
    // worker.
    sim.step(2);
    assert_eq!(sim.ready(), [0]);
    assert_eq!(sim.step(0).effect, Effect::Join { target: 2 });
}

#[test]
fn joining_a_transaction_that_never_starts_deadlocks_a_pool() {
    let sc = scenario(
        r#"
        [pool]
        workers = 1
        [[transactions]]
        name = "first"
        steps = [{ join = "second" }]
        [[transactions]]
        name = "second"
        steps = [{ log = "never starts" }]
    "#,
    );
    assert_eq!(run_status(&sc), Status::Deadlock);
}

#[test]
fn await_waits_for_its_guard_over_balances_and_locals() {
    let sc = threads(
        "",
        &[
            (
                "g",
                r#"{ set = "k", value = "12" }, { await = "a >= k" }, { log = "through" }"#,
            ),
            (
                "d",
                r#"{ atomic_add = "a", value = "1" }, { atomic_add = "a", value = "1" }"#,
            ),
        ],
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    assert_eq!(sim.ready(), [1], "a = 10 < 12");
    sim.step(1);
    assert_eq!(sim.ready(), [1]);
    sim.step(1);
    assert_eq!(sim.step(0).effect, Effect::Await { value: 1 });
}

#[test]
fn a_guard_that_fails_to_evaluate_lets_its_thread_run_into_the_error() {
    let sc = threads("", &[("g", r#"{ await = "1 / (a - 10)" }"#)]);
    let mut sim = Sim::new(&sc);
    assert_eq!(sim.ready(), [0]);
    assert_eq!(sim.fault(0), Fault::Eval(EvalError::DivisionByZero));
}

#[test]
fn a_failed_assert_ends_the_run_with_its_message() {
    let with_message = threads(
        "",
        &[("t", r#"{ assert = "a > 100", message = "balance too low" }"#)],
    );
    let mut sim = Sim::new(&with_message);
    assert_eq!(sim.fault(0), Fault::AssertFailed { pc: 0 });
    assert_eq!(
        run_message(&with_message),
        Some("step 1: t: assertion failed: balance too low".into())
    );
    let plain = threads("", &[("t", r#"{ log = "x" }, { assert = "a > 100" }"#)]);
    assert_eq!(
        run_message(&plain),
        Some("step 2: t: assertion failed: a > 100".into())
    );
    let holds = threads("", &[("t", r#"{ assert = "a == 10" }"#)]);
    let mut sim = Sim::new(&holds);
    assert_eq!(sim.step(0).effect, Effect::Assert { value: 1 });
}

#[test]
fn cas_swaps_only_when_the_balance_is_the_expected_one() {
    let sc = threads(
        "",
        &[(
            "t",
            r#"{ cas = "a", expect = "10", value = "11", into = "s1" }, { cas = "a", expect = "10", value = "12", into = "s2" }"#,
        )],
    );
    let mut sim = Sim::new(&sc);
    assert_eq!(
        sim.step(0).effect,
        Effect::Cas {
            account: 0,
            expected: 10,
            value: 11,
            old: 10,
            swapped: true,
            into: 0
        }
    );
    assert_eq!(
        sim.step(0).effect,
        Effect::Cas {
            account: 0,
            expected: 10,
            value: 12,
            old: 11,
            swapped: false,
            into: 1
        }
    );
    assert_eq!(sim.state.balances, [11]);
    assert_eq!((local(&sim, 0, "s1"), local(&sim, 0, "s2")), (1, 0));
}

#[test]
fn cas_evaluates_expect_then_value_and_an_error_in_either_ends_the_run() {
    let sc = threads(
        "",
        &[("t", r#"{ cas = "a", expect = "a / 0", value = "1", into = "s" }"#)],
    );
    let mut sim = Sim::new(&sc);
    assert_eq!(sim.fault(0), Fault::Eval(EvalError::DivisionByZero));
    let sc = threads(
        "",
        &[(
            "t",
            r#"{ cas = "a", expect = "0", value = "9223372036854775807 + a", into = "s" }"#,
        )],
    );
    let mut sim = Sim::new(&sc);
    assert_eq!(
        sim.fault(0),
        Fault::Eval(EvalError::Overflow),
        "value is evaluated even when the swap will fail"
    );
}

#[test]
fn if_goes_on_with_then_or_else_and_then_after_it() {
    let sc = threads(
        "",
        &[(
            "t",
            r#"{ if = "a > 5", then = [{ set = "x", value = "1" }], else = [{ set = "x", value = "2" }] }, { if = "a > 50", then = [{ set = "y", value = "3" }], else = [{ set = "y", value = "4" }] }, { log = "after" }"#,
        )],
    );
    let mut sim = Sim::new(&sc);
    assert_eq!(
        sim.step(0).effect,
        Effect::If {
            value: 1,
            taken: true
        }
    );
    sim.step(0);
    assert_eq!(
        sim.step(0).effect,
        Effect::If {
            value: 0,
            taken: false
        }
    );
    sim.step(0);
    assert_eq!(sim.step(0).effect, Effect::Log);
    assert_eq!((local(&sim, 0, "x"), local(&sim, 0, "y")), (1, 4));
}

#[test]
fn an_if_with_empty_branches_and_as_the_last_step() {
    let sc = threads("", &[("t", r#"{ log = "x" }, { if = "a", then = [] }"#)]);
    let mut sim = Sim::new(&sc);
    sim.step(0);
    let e = sim.step(0);
    assert_eq!(
        e.effect,
        Effect::If {
            value: 10,
            taken: true
        }
    );
    assert!(e.finished);
}

#[test]
fn step_expressions_read_accounts_in_the_same_atomic_step() {
    let sc = threads("", &[("t", r#"{ write = "a", value = "a * 3 + 1" }"#)]);
    let mut sim = Sim::new(&sc);
    assert_eq!(
        sim.step(0).effect,
        Effect::Write {
            account: 0,
            value: 31,
            old: 10
        }
    );
}

#[test]
fn and_and_or_evaluate_their_right_side_only_when_needed() {
    let sc = threads(
        "",
        &[(
            "t",
            r#"{ set = "x", value = "0 && 1 / 0" }, { set = "y", value = "a || 1 / 0" }"#,
        )],
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    sim.step(0);
    assert_eq!((local(&sim, 0, "x"), local(&sim, 0, "y")), (0, 1));
}

#[test]
fn len_and_is_set_read_queues_and_events() {
    let sc = threads(
        r#"queues = [{ name = "q" }]
        events = ["e"]"#,
        &[(
            "t",
            r#"{ put = "q", value = "5" }, { set = "n", value = "len(q) * 10 + is_set(e)" }, { signal = "e" }, { set = "m", value = "len(q) * 10 + is_set(e)" }"#,
        )],
    );
    let mut sim = Sim::new(&sc);
    for _ in 0..4 {
        sim.step(0);
    }
    assert_eq!((local(&sim, 0, "n"), local(&sim, 0, "m")), (10, 11));
}

#[test]
fn a_released_thread_still_sleeps_out_the_delay_of_its_wait() {
    let sc = threads(
        CONDITION,
        &[
            (
                "w",
                r#"{ lock = "m" }, { wait = "c", delay = 10 }, { unlock = "m" }"#,
            ),
            (
                "n",
                r#"{ lock = "m" }, { notify = "c" }, { unlock = "m" }, { sleep = 3 }"#,
            ),
        ],
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    sim.step(0);
    for _ in 0..4 {
        sim.step(1);
    }
    // n is asleep until 3, w until 10: the clock jumps to 10 only, then w reacquires.
    assert_eq!(sim.settle(), Settled::Ready);
    assert_eq!(sim.state.now, 10);
    assert_eq!(sim.step(0).effect, Effect::Reacquire { cond: 0, lock: 0 });
}

#[test]
fn a_barrier_wait_with_a_delay_releases_the_thread_after_both() {
    let sc = threads(
        r#"barriers = [{ name = "b", parties = 2 }]"#,
        &[
            ("t", r#"{ wait = "b", delay = 4 }, { log = "t on" }"#),
            ("u", r#"{ sleep = 1 }, { wait = "b" }, { log = "u on" }"#),
        ],
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    sim.step(1);
    assert_eq!(sim.settle(), Settled::Ready);
    assert_eq!(sim.state.now, 1);
    let e = sim.step(1);
    assert_eq!(e.woken, [0]);
    assert_eq!(sim.ready(), [1], "t was released but still sleeps until 4");
    sim.step(1);
    assert_eq!(sim.settle(), Settled::Ready);
    assert_eq!(sim.state.now, 4);
    assert_eq!(sim.ready(), [0]);
}
