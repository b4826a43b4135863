//! The threading toolkit under explore: for each version-2 object and step, a small scenario
//! whose outcome set is written out here, checked against the brute force (`oracle.rs`) for
//! counts, probabilities and fewest-preemption witnesses, with every witness replayed.

use racesim::explore::Exploration;
use racesim::render::words;
use racesim::scenario::Scenario;

use crate::common;
use crate::oracle::assert_exact;

/// Each outcome as the reports label it ("a = 1", "deadlock (a = 0)", "error: ... (a = 0)"),
/// sorted, so a test states the expected set plainly.
fn labels(sc: &Scenario, x: &Exploration) -> Vec<String> {
    let mut out: Vec<String> = x
        .outcomes
        .iter()
        .map(|o| words::outcome_label(sc, &o.status, &o.balances, &o.queues))
        .collect();
    out.sort();
    out
}

/// Explores `text`, checks it against the brute force, and returns its outcome labels.
fn outcomes(text: &str) -> Vec<String> {
    let sc = common::parse(text);
    let x = assert_exact(&sc);
    labels(&sc, &x)
}

#[test]
fn rlock_reentry_completes_where_a_lock_deadlocks() {
    let body = |kind: &str| {
        format!(
            r#"
            {kind} = ["m"]
            accounts = [{{ name = "a" }}]
            [[transactions]]
            name = "outer"
            steps = [{{ lock = "m" }}, {{ lock = "m" }}, {{ atomic_add = "a", value = "1" }}, {{ unlock = "m" }}, {{ unlock = "m" }}]
            [[transactions]]
            name = "other"
            steps = [{{ lock = "m" }}, {{ atomic_add = "a", value = "10" }}, {{ unlock = "m" }}]
            "#
        )
    };
    assert_eq!(outcomes(&body("rlocks")), ["a = 11"]);
    assert_eq!(
        outcomes(&body("locks")),
        ["deadlock (a = 0)", "deadlock (a = 10)"],
        "outer always blocks on its own lock, before or after other's turn"
    );
}

#[test]
fn try_lock_and_try_acquire_never_block() {
    let text = r#"
        locks = ["m"]
        semaphores = [{ name = "s", value = 1 }]
        accounts = [{ name = "got_m" }, { name = "got_s" }]
        [[transactions]]
        name = "holder"
        steps = [{ lock = "m" }, { acquire = "s" }, { release = "s" }, { unlock = "m" }]
        [[transactions]]
        name = "trier"
        steps = [{ try_lock = "m", into = "x" }, { try_acquire = "s", into = "y" }, { write = "got_m", value = "x" }, { write = "got_s", value = "y" }, { if = "y", then = [{ release = "s" }] }, { if = "x", then = [{ unlock = "m" }] }]
    "#;
    // The holder never has s without m, so the trier never gets m without s.
    assert_eq!(
        outcomes(text),
        [
            "got_m = 0, got_s = 0",
            "got_m = 0, got_s = 1",
            "got_m = 1, got_s = 1"
        ]
    );
}

#[test]
fn a_semaphore_bounds_how_many_are_inside() {
    let text = r#"
        semaphores = [{ name = "s", value = 2 }]
        accounts = [{ name = "inside" }, { name = "most" }]
        [[transactions]]
        name = "c1"
        steps = [{ acquire = "s" }, { atomic_add = "inside", value = "1" }, { write = "most", value = "most + (inside > most) * (inside - most)" }, { atomic_add = "inside", value = "-1" }, { release = "s" }]
        [[transactions]]
        name = "c2"
        steps = [{ acquire = "s" }, { atomic_add = "inside", value = "1" }, { write = "most", value = "most + (inside > most) * (inside - most)" }, { atomic_add = "inside", value = "-1" }, { release = "s" }]
        [[transactions]]
        name = "c3"
        steps = [{ acquire = "s" }, { atomic_add = "inside", value = "1" }, { write = "most", value = "most + (inside > most) * (inside - most)" }, { atomic_add = "inside", value = "-1" }, { release = "s" }]
    "#;
    assert_eq!(outcomes(text), ["inside = 0, most = 1", "inside = 0, most = 2"]);
}

#[test]
fn a_bounded_semaphore_released_too_often_is_an_error_in_every_run() {
    let text = r#"
        semaphores = [{ name = "s", value = 1, bounded = true }]
        [[transactions]]
        name = "a"
        steps = [{ acquire = "s" }, { release = "s" }]
        [[transactions]]
        name = "b"
        steps = [{ release = "s" }]
    "#;
    let got = outcomes(text);
    assert!(got.iter().all(|l| l.starts_with("error")), "{got:?}");
    assert!(
        got.iter()
            .any(|l| l.contains("b: release of bounded semaphore `s`")),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|l| l.contains("a: release of bounded semaphore `s`")),
        "{got:?}"
    );
}

#[test]
fn an_event_opens_the_bank_and_clear_can_strand_a_waiter() {
    let open = r#"
        events = ["open"]
        accounts = [{ name = "served" }]
        [[transactions]]
        name = "manager"
        steps = [{ sleep = 2 }, { signal = "open" }]
        [[transactions]]
        name = "customer"
        steps = [{ wait = "open" }, { atomic_add = "served", value = "1" }]
    "#;
    assert_eq!(outcomes(open), ["served = 1"]);
    let strand = r#"
        events = ["e"]
        accounts = [{ name = "through" }]
        [[transactions]]
        name = "flicker"
        steps = [{ signal = "e" }, { clear = "e" }]
        [[transactions]]
        name = "waiter"
        steps = [{ wait = "e" }, { write = "through", value = "1" }]
    "#;
    assert_eq!(outcomes(strand), ["deadlock (through = 0)", "through = 1"]);
}

#[test]
fn a_condition_hand_off_never_loses_the_message_with_a_while_guard() {
    // The consumer re-checks under the lock; the hand-off works in every interleaving.
    let text = r#"
        locks = ["m"]
        conditions = [{ name = "ready", lock = "m" }]
        accounts = [{ name = "box" }, { name = "got" }]
        [[transactions]]
        name = "producer"
        steps = [{ lock = "m" }, { write = "box", value = "42" }, { notify = "ready" }, { unlock = "m" }]
        [[transactions]]
        name = "consumer"
        steps = [{ lock = "m" }, { if = "box == 0", then = [{ wait = "ready" }] }, { write = "got", value = "box" }, { unlock = "m" }]
    "#;
    assert_eq!(outcomes(text), ["box = 42, got = 42"]);
}

#[test]
fn a_notify_before_the_wait_is_lost() {
    let text = r#"
        locks = ["m"]
        conditions = [{ name = "ready", lock = "m" }]
        accounts = [{ name = "got" }]
        [[transactions]]
        name = "producer"
        steps = [{ lock = "m" }, { notify = "ready" }, { unlock = "m" }]
        [[transactions]]
        name = "consumer"
        steps = [{ lock = "m" }, { wait = "ready" }, { write = "got", value = "1" }, { unlock = "m" }]
    "#;
    assert_eq!(outcomes(text), ["deadlock (got = 0)", "got = 1"]);
}

#[test]
fn notify_all_wakes_both_waiters_and_they_reacquire_one_at_a_time() {
    let waiter =
        r#"[{ lock = "m" }, { wait = "go" }, { atomic_add = "woken", value = "1" }, { unlock = "m" }]"#;
    let text = format!(
        r#"
        locks = ["m"]
        conditions = [{{ name = "go", lock = "m" }}]
        accounts = [{{ name = "woken" }}]
        [[transactions]]
        name = "w1"
        steps = {waiter}
        [[transactions]]
        name = "w2"
        steps = {waiter}
        [[transactions]]
        name = "boss"
        steps = [{{ lock = "m" }}, {{ notify_all = "go" }}, {{ unlock = "m" }}]
        "#
    );
    let got = outcomes(&text);
    assert!(got.contains(&"woken = 2".to_string()), "{got:?}");
    assert!(
        got.iter().all(|l| l == "woken = 2" || l.starts_with("deadlock")),
        "{got:?}"
    );
}

#[test]
fn barrier_rounds_and_the_two_party_deadlock() {
    let teller = r#"[{ wait = "ready" }, { atomic_add = "open", value = "1" }]"#;
    let three = format!(
        r#"
        barriers = [{{ name = "ready", parties = 3 }}]
        accounts = [{{ name = "open" }}]
        [[transactions]]
        name = "t1"
        steps = {teller}
        [[transactions]]
        name = "t2"
        steps = {teller}
        [[transactions]]
        name = "t3"
        steps = {teller}
        "#
    );
    assert_eq!(outcomes(&three), ["open = 3"]);
    let two = format!(
        r#"
        barriers = [{{ name = "ready", parties = 3 }}]
        accounts = [{{ name = "open" }}]
        [[transactions]]
        name = "t1"
        steps = {teller}
        [[transactions]]
        name = "t2"
        steps = {teller}
        "#
    );
    assert_eq!(outcomes(&two), ["deadlock (open = 0)"]);
}

#[test]
fn a_barrier_is_reusable_across_rounds() {
    let text = r#"
        barriers = [{ name = "b", parties = 2 }]
        accounts = [{ name = "x" }]
        [[transactions]]
        name = "p"
        steps = [{ write = "x", value = "1" }, { wait = "b" }, { wait = "b" }, { write = "x", value = "3" }]
        [[transactions]]
        name = "q"
        steps = [{ wait = "b" }, { write = "x", value = "x * 2" }, { wait = "b" }]
    "#;
    assert_eq!(outcomes(text), ["x = 3"]);
}

#[test]
fn a_bounded_queue_keeps_order_and_blocks_both_ways() {
    let text = r#"
        queues = [{ name = "q", capacity = 1 }]
        accounts = [{ name = "first" }, { name = "second" }]
        [[transactions]]
        name = "producer"
        steps = [{ put = "q", value = "1" }, { put = "q", value = "2" }]
        [[transactions]]
        name = "consumer"
        steps = [{ get = "q", into = "x" }, { get = "q", into = "y" }, { write = "first", value = "x" }, { write = "second", value = "y" }]
    "#;
    assert_eq!(outcomes(text), ["first = 1, second = 2, q = []"]);
}

#[test]
fn queue_contents_tell_outcomes_apart() {
    let text = r#"
        queues = [{ name = "q" }]
        [[transactions]]
        name = "a"
        steps = [{ put = "q", value = "1" }]
        [[transactions]]
        name = "b"
        steps = [{ put = "q", value = "2" }]
    "#;
    assert_eq!(outcomes(text), ["q = [1, 2]", "q = [2, 1]"]);
}

#[test]
fn check_then_act_on_a_queue_length() {
    // Both consumers see one item and both try to take it: one waits forever.
    let consumer = r#"[{ if = "len(q) > 0", then = [{ get = "q", into = "x" }, { atomic_add = "taken", value = "x" }] }]"#;
    let text = format!(
        r#"
        queues = [{{ name = "q" }}]
        accounts = [{{ name = "taken" }}]
        [[transactions]]
        name = "filler"
        steps = [{{ put = "q", value = "5" }}]
        [[transactions]]
        name = "c1"
        steps = {consumer}
        [[transactions]]
        name = "c2"
        steps = {consumer}
        "#
    );
    let got = outcomes(&text);
    assert!(got.contains(&"taken = 5, q = []".to_string()), "{got:?}");
    assert!(got.contains(&"taken = 0, q = [5]".to_string()), "{got:?}");
    assert!(
        got.contains(&"deadlock (taken = 5, q = [])".to_string()),
        "{got:?}"
    );
}

#[test]
fn join_orders_transactions_and_a_one_worker_pool_deadlocks_on_it() {
    let text = |workers: u32| {
        format!(
            r#"
            accounts = [{{ name = "a", balance = 1 }}]
            [pool]
            workers = {workers}
            [[transactions]]
            name = "doubler"
            steps = [{{ join = "adder" }}, {{ write = "a", value = "a * 2" }}]
            [[transactions]]
            name = "adder"
            steps = [{{ atomic_add = "a", value = "10" }}]
            "#
        )
    };
    assert_eq!(outcomes(&text(2)), ["a = 22"]);
    assert_eq!(outcomes(&text(1)), ["deadlock (a = 1)"]);
}

#[test]
fn await_guards_and_their_deadlock() {
    let text = r#"
        accounts = [{ name = "stock", balance = 1 }]
        [[transactions]]
        name = "buyer1"
        steps = [{ await = "stock > 0" }, { atomic_add = "stock", value = "-1" }]
        [[transactions]]
        name = "buyer2"
        steps = [{ await = "stock > 0" }, { atomic_add = "stock", value = "-1" }]
    "#;
    assert_eq!(
        outcomes(text),
        ["deadlock (stock = 0)", "stock = -1"],
        "the guard and the decrement are two steps: both may pass the guard"
    );
}

#[test]
fn assert_catches_the_lost_update() {
    let text = r#"
        accounts = [{ name = "c" }]
        [[transactions]]
        name = "t1"
        steps = [{ read = "c", into = "x" }, { write = "c", value = "x + 1" }]
        [[transactions]]
        name = "check"
        steps = [{ join = "t1" }, { join = "t2" }, { assert = "c == 2", message = "an increment was lost" }]
        [[transactions]]
        name = "t2"
        steps = [{ read = "c", into = "x" }, { write = "c", value = "x + 1" }]
    "#;
    assert_eq!(
        outcomes(text),
        [
            "c = 2",
            "error: check: assertion failed: an increment was lost (c = 1)"
        ]
    );
}

#[test]
fn cas_loops_lose_nothing_where_plain_increments_do() {
    let cas = r#"[{ read = "c", into = "x" }, { cas = "c", expect = "x", value = "x + 1", into = "ok" }, { if = "ok == 0", then = [{ read = "c", into = "x" }, { cas = "c", expect = "x", value = "x + 1", into = "ok" }] }]"#;
    let text = format!(
        r#"
        accounts = [{{ name = "c" }}]
        [[transactions]]
        name = "t1"
        steps = {cas}
        [[transactions]]
        name = "t2"
        steps = {cas}
        "#
    );
    assert_eq!(outcomes(&text), ["c = 2"], "one retry is enough for two threads");
    let plain = r#"
        accounts = [{ name = "c" }]
        [[transactions]]
        name = "t1"
        steps = [{ read = "c", into = "x" }, { write = "c", value = "x + 1" }]
        [[transactions]]
        name = "t2"
        steps = [{ read = "c", into = "x" }, { write = "c", value = "x + 1" }]
    "#;
    assert_eq!(outcomes(plain), ["c = 1", "c = 2"]);
}

#[test]
fn delays_on_blocking_steps_count_from_the_step() {
    let text = r#"
        locks = ["m"]
        conditions = [{ name = "c", lock = "m" }]
        accounts = [{ name = "order" }]
        [[transactions]]
        name = "w"
        steps = [{ lock = "m" }, { wait = "c", delay = 5 }, { write = "order", value = "order * 10 + 1" }, { unlock = "m" }]
        [[transactions]]
        name = "n"
        steps = [{ sleep = 1 }, { lock = "m" }, { notify = "c" }, { unlock = "m" }, { sleep = 1 }, { atomic_add = "order", value = "2" }]
    "#;
    // w waits at time 0, is notified at 1 but sleeps until 5; n adds 2 at time 2, then w
    // reacquires and writes 2 * 10 + 1.
    assert_eq!(outcomes(text), ["order = 21"]);
}
