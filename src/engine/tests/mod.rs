//! The engine, one step at a time: what each step reads and writes, when a thread is ready,
//! timing, the pool, and every runtime error.

mod toolkit;

use super::*;
use crate::policy::RoundRobin;
use crate::run::Runner;

fn scenario(toml: &str) -> Scenario {
    crate::scenario::parse("t.toml", toml).unwrap_or_else(|e| panic!("{e}"))
}

/// The engine driven by hand: settle, look at the ready threads, step one of them.
struct Sim<'s> {
    sc: &'s Scenario,
    layout: Layout,
    state: State,
    events: Vec<Event>,
}

impl<'s> Sim<'s> {
    fn new(sc: &'s Scenario) -> Sim<'s> {
        let layout = Layout::new(sc);
        let state = State::initial(sc, &layout);
        Sim {
            sc,
            layout,
            state,
            events: Vec::new(),
        }
    }

    fn ready(&self) -> Vec<ThreadId> {
        let mut out = Vec::new();
        self.state.ready_threads(self.sc, &self.layout, &mut out);
        out
    }

    fn settle(&mut self) -> Settled {
        self.state.settle(self.sc, &self.layout)
    }

    /// Settles, then steps `t` (which must be ready) and returns its event.
    fn step(&mut self, t: ThreadId) -> Event {
        assert_eq!(self.settle(), Settled::Ready);
        assert!(self.ready().contains(&t), "{t} is not ready: {:?}", self.ready());
        self.state
            .step(self.sc, &self.layout, t, &mut self.events)
            .unwrap_or_else(|f| panic!("unexpected fault {f:?}"));
        self.events.last().unwrap().clone()
    }

    /// Steps `t`, which must fault; returns the fault and checks the state did not change.
    fn fault(&mut self, t: ThreadId) -> Fault {
        assert_eq!(self.settle(), Settled::Ready);
        let before = self.state.clone();
        let fault = self
            .state
            .step(self.sc, &self.layout, t, &mut self.events)
            .expect_err("the step faults");
        assert_eq!(self.state, before, "a fault leaves the state unchanged");
        let last = self.events.last().unwrap();
        assert_eq!(last.effect, Effect::Fault(fault));
        assert_eq!(last.step, before.steps + 1);
        fault
    }
}

/// The status of a whole run under round-robin.
fn run_status(sc: &Scenario) -> Status {
    let mut runner = Runner::new(sc);
    runner.run(&mut RoundRobin::new(1), &mut (), None).outcome.status
}

/// The message of a whole run under round-robin, as the log prints it.
fn run_message(sc: &Scenario) -> Option<String> {
    crate::render::words::run_message(sc, &run_status(sc))
}

const ONE_ACCOUNT: &str = r#"
    [[accounts]]
    name = "a"
    balance = 100
"#;

fn one_thread(steps: &str) -> Scenario {
    scenario(&format!(
        "{ONE_ACCOUNT}\n[[transactions]]\nname = \"t\"\nsteps = [{steps}]\n"
    ))
}

#[test]
fn read_copies_the_balance_into_a_local() {
    let sc = one_thread(r#"{ read = "a", into = "x" }"#);
    let mut sim = Sim::new(&sc);
    let e = sim.step(0);
    assert_eq!(
        e.effect,
        Effect::Read {
            account: 0,
            into: 0,
            value: 100
        }
    );
    assert_eq!((e.step, e.time, e.thread, e.pc, e.iteration), (1, 0, 0, 0, 0));
    assert!(e.finished);
    assert!(e.started.is_empty());
    assert_eq!(sim.state.locals, [100]);
    assert_eq!(sim.state.balances, [100]);
    assert_eq!(sim.state.threads[0].phase, Phase::Finished);
    assert_eq!(sim.settle(), Settled::Ended(End::Ok));
}

#[test]
fn write_stores_an_expression_and_reports_the_old_balance() {
    let sc = one_thread(r#"{ read = "a", into = "x" }, { write = "a", value = "x * 2 + 5" }"#);
    let mut sim = Sim::new(&sc);
    assert!(!sim.step(0).finished);
    let e = sim.step(0);
    assert_eq!(
        e.effect,
        Effect::Write {
            account: 0,
            value: 205,
            old: 100
        }
    );
    assert_eq!((e.step, e.pc), (2, 1));
    assert_eq!(sim.state.balances, [205]);
}

#[test]
fn set_assigns_a_local_only() {
    let sc = one_thread(r#"{ read = "a", into = "x" }, { set = "y", value = "x - 150" }"#);
    let mut sim = Sim::new(&sc);
    sim.step(0);
    let e = sim.step(0);
    assert_eq!(e.effect, Effect::Set { local: 1, value: -50 });
    assert_eq!(sim.state.locals, [100, -50]);
    assert_eq!(sim.state.balances, [100]);
}

#[test]
fn atomic_add_reads_and_writes_in_one_step() {
    let sc = one_thread(r#"{ atomic_add = "a", value = "-30" }"#);
    let mut sim = Sim::new(&sc);
    let e = sim.step(0);
    assert_eq!(
        e.effect,
        Effect::AtomicAdd {
            account: 0,
            added: -30,
            old: 100,
            value: 70
        }
    );
    assert_eq!(sim.state.balances, [70]);
}

#[test]
fn log_emits_its_message() {
    let sc = one_thread(r#"{ log = "hello" }"#);
    let mut sim = Sim::new(&sc);
    assert_eq!(sim.step(0).effect, Effect::Log);
}

const TWO_LOCKERS: &str = r#"
    locks = ["m"]
    [[accounts]]
    name = "a"
    [[transactions]]
    name = "p"
    steps = [{ lock = "m" }, { log = "inside" }, { unlock = "m" }]
    [[transactions]]
    name = "q"
    steps = [{ lock = "m" }, { unlock = "m" }]
"#;

#[test]
fn a_held_lock_blocks_other_threads_until_unlocked() {
    let sc = scenario(TWO_LOCKERS);
    let mut sim = Sim::new(&sc);
    assert_eq!(sim.ready(), [0, 1]);
    assert_eq!(sim.step(0).effect, Effect::Lock { lock: 0, count: 1 });
    assert_eq!(sim.state.holders, [0]);
    // q's next step is `lock m`, held by p: q is not ready.
    assert_eq!(sim.ready(), [0]);
    assert!(!sim.state.is_ready(&sc, &sim.layout, 1));
    sim.step(0);
    assert_eq!(sim.ready(), [0]);
    let e = sim.step(0);
    assert_eq!(e.effect, Effect::Unlock { lock: 0, count: 0 });
    assert!(e.finished);
    assert_eq!(sim.state.holders, [FREE]);
    assert_eq!(sim.ready(), [1]);
    assert_eq!(sim.step(1).effect, Effect::Lock { lock: 0, count: 1 });
    assert_eq!(sim.state.holders, [1]);
    assert_eq!(sim.step(1).effect, Effect::Unlock { lock: 0, count: 0 });
    assert_eq!(sim.settle(), Settled::Ended(End::Ok));
}

#[test]
fn unlock_of_a_free_lock_is_a_runtime_error() {
    let sc = scenario(
        r#"
        locks = ["m"]
        [[accounts]]
        name = "a"
        [[transactions]]
        name = "t"
        steps = [{ log = "x" }, { unlock = "m" }]
    "#,
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    let fault = sim.fault(0);
    assert_eq!(
        fault,
        Fault::BadUnlock {
            lock: 0,
            holder: None
        }
    );
    assert_eq!(
        crate::render::words::fault(&sc, 0, &fault),
        "t: unlock of `m`, which is not held"
    );
    assert_eq!(
        run_message(&sc),
        Some("step 2: t: unlock of `m`, which is not held".into())
    );
}

#[test]
fn unlock_of_a_lock_held_by_another_thread_is_a_runtime_error() {
    let sc = scenario(
        r#"
        locks = ["m"]
        [[accounts]]
        name = "a"
        [[transactions]]
        name = "owner"
        steps = [{ lock = "m" }, { unlock = "m" }]
        [[transactions]]
        name = "thief"
        steps = [{ unlock = "m" }]
    "#,
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    let fault = sim.fault(1);
    assert_eq!(
        fault,
        Fault::BadUnlock {
            lock: 0,
            holder: Some(0)
        }
    );
    assert_eq!(
        crate::render::words::fault(&sc, 1, &fault),
        "thief: unlock of `m`, which is held by owner"
    );
    assert_eq!(
        run_message(&sc),
        Some("step 2: thief: unlock of `m`, which is held by owner".into())
    );
}

const CHECK_THEN_ACT: &str = r#"
    [pool]
    workers = 1
    [[accounts]]
    name = "a"
    balance = 100
    [[transactions]]
    name = "big"
    steps = [
      { read = "a", into = "x" },
      { require = "x >= 500", delay = 2 },
      { write = "a", value = "x - 500" },
    ]
    [[transactions]]
    name = "small"
    steps = [
      { read = "a", into = "x" },
      { require = "x >= 50" },
      { write = "a", value = "x - 50" },
    ]
"#;

#[test]
fn a_failed_require_declines_and_starts_the_next_transaction() {
    let sc = scenario(CHECK_THEN_ACT);
    let mut sim = Sim::new(&sc);
    assert_eq!(sim.ready(), [0]);
    assert_eq!(sim.state.threads[1].phase, Phase::Pending);
    sim.step(0);
    let e = sim.step(0);
    assert_eq!(e.effect, Effect::Require { value: 0 });
    assert!(e.finished, "the transaction ends at the failed require");
    // A failed require frees its worker at once: its delay does not hold the worker.
    assert_eq!(e.started, [(1, 0)]);
    assert_eq!(e.delay, 2);
    let big = sim.state.threads[0];
    assert_eq!((big.phase, big.pc, big.iteration), (Phase::Finished, 0, 0));
    let small = sim.state.threads[1];
    assert_eq!(
        (small.phase, small.ready_at, small.worker),
        (Phase::Running, 0, 0)
    );
    assert_eq!(sim.ready(), [1], "small starts at once");
    assert_eq!(sim.state.now, 0);
    sim.step(1);
    let e = sim.step(1);
    assert_eq!(e.effect, Effect::Require { value: 1 });
    assert!(!e.finished);
    let e = sim.step(1);
    assert!(e.finished);
    assert!(e.started.is_empty());
    assert_eq!(sim.state.balances, [50]);
    assert_eq!(sim.settle(), Settled::Ended(End::Ok));
    assert_eq!(sim.events.len(), 5, "big's write never ran");
}

#[test]
fn sleep_and_delay_set_the_ready_time_and_settle_jumps_to_the_earliest() {
    let sc = scenario(
        r#"
        [[accounts]]
        name = "a"
        [[transactions]]
        name = "s"
        steps = [{ sleep = 5 }, { log = "s woke" }]
        [[transactions]]
        name = "d"
        steps = [{ log = "d", delay = 2 }, { sleep = 1, delay = 1 }, { log = "d woke" }]
    "#,
    );
    let mut sim = Sim::new(&sc);
    let e = sim.step(0);
    assert_eq!((e.effect, e.delay, e.time), (Effect::Sleep(5), 5, 0));
    assert_eq!(sim.state.threads[0].ready_at, 5);
    assert_eq!(sim.ready(), [1]);
    let e = sim.step(1);
    assert_eq!((e.effect, e.delay), (Effect::Log, 2));
    assert_eq!(sim.state.threads[1].ready_at, 2);
    assert!(sim.ready().is_empty());
    assert_eq!(sim.state.now, 0, "steps take no time");
    assert_eq!(sim.settle(), Settled::Ready);
    assert_eq!(sim.state.now, 2, "time jumps to the earliest wake-up");
    assert_eq!(sim.ready(), [1]);
    // A sleep with a delay: both count.
    let e = sim.step(1);
    assert_eq!((e.effect, e.delay, e.time), (Effect::Sleep(1), 2, 2));
    assert_eq!(sim.state.threads[1].ready_at, 4);
    assert_eq!(sim.settle(), Settled::Ready);
    assert_eq!(sim.state.now, 4);
    assert_eq!(sim.ready(), [1]);
    assert_eq!(sim.step(1).time, 4);
    assert_eq!(sim.settle(), Settled::Ready);
    assert_eq!(sim.state.now, 5);
    assert_eq!(sim.ready(), [0]);
    let e = sim.step(0);
    assert_eq!((e.time, e.step, e.finished), (5, 5, true));
    assert_eq!(sim.settle(), Settled::Ended(End::Ok));
}

#[test]
fn repeat_runs_the_steps_again_and_locals_persist() {
    let sc = scenario(
        r#"
        [[accounts]]
        name = "a"
        balance = 10
        [[transactions]]
        name = "inc"
        repeat = 3
        steps = [{ read = "a", into = "x" }, { set = "y", value = "x + 1" }, { write = "a", value = "y" }]
    "#,
    );
    let mut sim = Sim::new(&sc);
    for iteration in 0..3 {
        for pc in 0..3 {
            let e = sim.step(0);
            assert_eq!((e.pc, e.iteration), (pc, iteration));
            assert_eq!(e.finished, iteration == 2 && pc == 2);
        }
        // Between repeats the thread's locals keep their values (they are not reset).
        let x = 10 + i64::from(iteration);
        assert_eq!(sim.state.locals, [x, x + 1]);
        if iteration < 2 {
            let th = sim.state.threads[0];
            assert_eq!(
                (th.phase, th.pc, th.iteration),
                (Phase::Running, 0, iteration + 1)
            );
        }
    }
    assert_eq!(sim.state.balances, [13]);
    assert_eq!(sim.state.threads[0].phase, Phase::Finished);
    assert_eq!(sim.settle(), Settled::Ended(End::Ok));
}

#[test]
fn the_pool_starts_pending_transactions_on_the_freed_worker() {
    let sc = scenario(
        r#"
        [pool]
        workers = 1
        [[accounts]]
        name = "a"
        [[transactions]]
        name = "first"
        steps = [{ log = "1a", delay = 1 }, { log = "1b", delay = 3 }]
        [[transactions]]
        name = "second"
        steps = [{ log = "2", delay = 2 }]
        [[transactions]]
        name = "third"
        steps = [{ log = "3" }]
    "#,
    );
    let mut sim = Sim::new(&sc);
    let phases = |sim: &Sim| sim.state.threads.iter().map(|t| t.phase).collect::<Vec<_>>();
    assert_eq!(phases(&sim), [Phase::Running, Phase::Pending, Phase::Pending]);
    assert_eq!(sim.state.next_pending, 1);
    assert_eq!(sim.ready(), [0]);
    let e = sim.step(0);
    assert_eq!((e.finished, e.started.len()), (false, 0));
    // t=1: first's last step, then it sleeps 3 more ticks: second starts, ready at t=4.
    let e = sim.step(0);
    assert_eq!(
        (e.time, e.finished, e.started, e.delay),
        (1, true, vec![(1, 4)], 3)
    );
    assert_eq!(phases(&sim), [Phase::Finished, Phase::Running, Phase::Pending]);
    assert_eq!(sim.state.threads[1].ready_at, 4);
    assert_eq!(sim.state.threads[1].worker, 0);
    assert!(sim.ready().is_empty());
    assert_eq!(sim.settle(), Settled::Ready);
    assert_eq!(sim.state.now, 4);
    let e = sim.step(1);
    assert_eq!((e.time, e.finished, e.started), (4, true, vec![(2, 6)]));
    assert_eq!(sim.state.threads[2].ready_at, 6);
    assert_eq!(sim.state.next_pending, 3);
    let e = sim.step(2);
    assert_eq!((e.time, e.finished, e.started), (6, true, vec![]));
    assert_eq!(sim.settle(), Settled::Ended(End::Ok));
}

#[test]
fn locks_taken_in_opposite_order_deadlock() {
    let sc = scenario(
        r#"
        locks = ["m", "n"]
        [[accounts]]
        name = "a"
        [[transactions]]
        name = "p"
        steps = [{ lock = "m" }, { lock = "n" }, { unlock = "n" }, { unlock = "m" }]
        [[transactions]]
        name = "q"
        steps = [{ lock = "n" }, { lock = "m" }, { unlock = "m" }, { unlock = "n" }]
    "#,
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    sim.step(1);
    assert!(sim.ready().is_empty());
    assert_eq!(sim.settle(), Settled::Ended(End::Deadlock));
    assert_eq!(run_status(&sc), Status::Deadlock);
}

#[test]
fn a_deadlock_waits_for_sleepers_first() {
    // q is blocked on m while p sleeps holding it: not a deadlock yet.
    let sc = scenario(
        r#"
        locks = ["m"]
        [[accounts]]
        name = "a"
        [[transactions]]
        name = "p"
        steps = [{ lock = "m", delay = 3 }, { unlock = "m" }]
        [[transactions]]
        name = "q"
        steps = [{ lock = "m" }, { unlock = "m" }]
    "#,
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    assert!(sim.ready().is_empty());
    assert_eq!(sim.settle(), Settled::Ready);
    assert_eq!((sim.state.now, sim.ready()), (3, vec![0]));
}

#[test]
fn locking_a_lock_you_hold_deadlocks() {
    let sc = scenario(
        r#"
        locks = ["m"]
        [[accounts]]
        name = "a"
        [[transactions]]
        name = "t"
        steps = [{ lock = "m" }, { lock = "m" }, { unlock = "m" }]
    "#,
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    assert!(sim.ready().is_empty(), "locks are not re-entrant");
    assert_eq!(sim.settle(), Settled::Ended(End::Deadlock));
    assert_eq!(run_status(&sc), Status::Deadlock);
}

#[test]
fn overflow_in_set_is_a_runtime_error_naming_the_thread() {
    let sc = scenario(
        r#"
        [[accounts]]
        name = "a"
        balance = 9223372036854775807
        [[transactions]]
        name = "grow"
        steps = [{ read = "a", into = "x" }, { set = "y", value = "x + 1" }, { write = "a", value = "y" }]
    "#,
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    assert_eq!(sim.fault(0), Fault::Eval(EvalError::Overflow));
    assert_eq!(run_message(&sc), Some("step 2: grow: arithmetic overflow".into()));
}

#[test]
fn division_by_zero_is_a_runtime_error_naming_the_thread() {
    let sc = scenario(
        r#"
        [[accounts]]
        name = "a"
        [[transactions]]
        name = "share"
        steps = [{ read = "a", into = "n" }, { write = "a", value = "100 / n" }]
    "#,
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    assert_eq!(sim.fault(0), Fault::Eval(EvalError::DivisionByZero));
    assert_eq!(sim.state.balances, [0]);
    assert_eq!(run_message(&sc), Some("step 2: share: division by zero".into()));
}

#[test]
fn overflow_in_atomic_add_is_a_runtime_error_naming_the_thread() {
    let sc = scenario(
        r#"
        [[accounts]]
        name = "a"
        balance = -9223372036854775807
        [[transactions]]
        name = "drain"
        steps = [{ atomic_add = "a", value = "-1" }, { atomic_add = "a", value = "-1" }]
    "#,
    );
    let mut sim = Sim::new(&sc);
    let e = sim.step(0);
    assert_eq!(
        e.effect,
        Effect::AtomicAdd {
            account: 0,
            added: -1,
            old: -i64::MAX,
            value: i64::MIN
        }
    );
    assert_eq!(sim.fault(0), Fault::Eval(EvalError::Overflow));
    assert_eq!(sim.state.balances, [i64::MIN], "no wrap-around");
    assert_eq!(
        run_message(&sc),
        Some("step 2: drain: arithmetic overflow".into())
    );
}

#[test]
fn virtual_time_goes_past_two_to_the_64_ticks() {
    // Two steps of the longest delays take the clock past u64: it is wider, so run, sweep and
    // explore agree that this ends ok (explore keeps no clock at all).
    let sc = one_thread(
        r"{ sleep = 9223372036854775807, delay = 9223372036854775807 }, { sleep = 9223372036854775807, delay = 9223372036854775807 }, { log = 'late' }",
    );
    let mut sim = Sim::new(&sc);
    sim.step(0);
    sim.step(0);
    let e = sim.step(0);
    assert_eq!(e.time, 2 * (2 * Time::from(u64::MAX >> 1)));
    assert!(e.time > Time::from(u64::MAX));
    assert_eq!(run_status(&sc), Status::Ok);
}
