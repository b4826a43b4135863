//! The one interpreter: the state of a run (balances, locks, threads, pool, virtual clock) and
//! `step`, which executes one atomic step of one thread.
//!
//! Every runner — seeded and scripted runs, sweep, explore and the os-threads runner — drives
//! this same `step`. It performs no I/O and allocates nothing; observers receive borrowed events.

use crate::outcome::Status;
use crate::scenario::{AccountId, EvalError, LockId, Op, Scenario, ThreadId};

/// `holders[l]` when lock `l` is free.
pub const FREE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Waiting in the pool queue for a worker.
    Pending,
    Running,
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ThreadState {
    pub phase: Phase,
    /// Index of the next step.
    pub pc: u32,
    /// Completed repeats.
    pub iteration: u32,
    /// Virtual time at which the thread may run again.
    pub ready_at: u64,
    /// The pool worker running the transaction (meaningful once started).
    pub worker: u32,
}

/// Everything that determines the rest of a run.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub now: u64,
    /// Number of steps executed so far.
    pub steps: u64,
    /// The first transaction that has not started; transactions start in file order.
    pub next_pending: u32,
    pub balances: Vec<i64>,
    pub holders: Vec<u32>,
    pub threads: Vec<ThreadState>,
    /// All threads' locals, thread `t`'s at `local_base[t]..`.
    pub locals: Vec<i64>,
}

impl Clone for State {
    fn clone(&self) -> Self {
        State {
            now: self.now,
            steps: self.steps,
            next_pending: self.next_pending,
            balances: self.balances.clone(),
            holders: self.holders.clone(),
            threads: self.threads.clone(),
            locals: self.locals.clone(),
        }
    }

    /// Reuses this state's buffers: sweeps and explore reset states without allocating.
    fn clone_from(&mut self, source: &Self) {
        self.now = source.now;
        self.steps = source.steps;
        self.next_pending = source.next_pending;
        self.balances.clone_from(&source.balances);
        self.holders.clone_from(&source.holders);
        self.threads.clone_from(&source.threads);
        self.locals.clone_from(&source.locals);
    }
}

/// How a run ended by itself, when no thread can run any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Every transaction finished.
    Ok,
    /// Some transaction is blocked forever.
    Deadlock,
}

impl From<End> for Status {
    fn from(end: End) -> Status {
        match end {
            End::Ok => Status::Ok,
            End::Deadlock => Status::Deadlock,
        }
    }
}

/// What `settle` found: some thread can run now, or the run is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Ready,
    Ended(End),
}

/// What a step did, with the values it read or wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect<'s> {
    Read {
        account: AccountId,
        into: u16,
        value: i64,
    },
    Write {
        account: AccountId,
        value: i64,
        old: i64,
    },
    Set {
        local: u16,
        value: i64,
    },
    AtomicAdd {
        account: AccountId,
        added: i64,
        old: i64,
        value: i64,
    },
    Lock(LockId),
    Unlock(LockId),
    Require {
        value: i64,
    },
    Sleep(u64),
    Log(&'s str),
    /// The step failed; the run ends with status error.
    Fault(Fault),
}

/// Why the engine refused a step; the run ends with status error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    Eval(EvalError),
    /// `ready_at` would overflow the clock.
    ClockOverflow,
    /// Unlock of a lock the thread does not hold: it is free (`None`) or another's.
    BadUnlock {
        lock: LockId,
        holder: Option<ThreadId>,
    },
}

/// One executed step, as observers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'s> {
    /// 1-based step number.
    pub step: u64,
    pub time: u64,
    pub thread: ThreadId,
    /// Index of the step in its transaction and the repeat it belongs to.
    pub pc: u32,
    pub iteration: u32,
    pub effect: Effect<'s>,
    /// Ticks until the thread may run again (delay, plus the ticks of a `sleep`).
    pub delay: u64,
    /// The transaction ended with this step (last step, or a failed `require`).
    pub finished: bool,
    /// A pending transaction started on the freed worker.
    pub started: Option<ThreadId>,
}

/// Receives the events of a run. Hot paths use `()`, which ignores them at no cost.
pub trait Observer<'s> {
    fn on_step(&mut self, event: &Event<'s>);
}

impl<'s> Observer<'s> for () {
    #[inline(always)]
    fn on_step(&mut self, _: &Event<'s>) {}
}

impl<'s> Observer<'s> for Vec<Event<'s>> {
    fn on_step(&mut self, event: &Event<'s>) {
        self.push(*event);
    }
}

/// Static facts about a scenario that the engine needs on every step, computed once.
#[derive(Debug, Clone)]
pub struct Layout {
    pub local_base: Vec<usize>,
    pub locals_len: usize,
}

impl Layout {
    pub fn new(scenario: &Scenario) -> Layout {
        let mut local_base = Vec::with_capacity(scenario.transactions.len());
        let mut total = 0;
        for t in &scenario.transactions {
            local_base.push(total);
            total += t.locals.len();
        }
        Layout {
            local_base,
            locals_len: total,
        }
    }
}

impl State {
    /// The state at time 0: the first `workers` transactions started, the rest queued.
    pub fn initial(scenario: &Scenario, layout: &Layout) -> State {
        let n = scenario.transactions.len();
        let started = scenario.workers.min(n);
        State {
            now: 0,
            steps: 0,
            next_pending: started as u32,
            balances: scenario.initial_balances(),
            holders: vec![FREE; scenario.locks.len()],
            threads: (0..n)
                .map(|t| ThreadState {
                    phase: if t < started {
                        Phase::Running
                    } else {
                        Phase::Pending
                    },
                    pc: 0,
                    iteration: 0,
                    ready_at: 0,
                    worker: if t < started { t as u32 } else { u32::MAX },
                })
                .collect(),
            locals: vec![0; layout.locals_len],
        }
    }

    /// The operation `t` executes next (meaningful while it is running).
    #[inline]
    pub fn next_op<'s>(&self, scenario: &'s Scenario, t: ThreadId) -> &'s Op {
        &scenario.transactions[t].steps[self.threads[t].pc as usize].op
    }

    /// Whether `t` can execute its next step now.
    #[inline]
    pub fn is_ready(&self, scenario: &Scenario, t: ThreadId) -> bool {
        let th = &self.threads[t];
        th.phase == Phase::Running
            && th.ready_at <= self.now
            && match scenario.transactions[t].steps[th.pc as usize].op {
                Op::Lock(l) => self.holders[l] == FREE,
                _ => true,
            }
    }

    /// Appends the ready threads, in file order, to `out`.
    #[inline]
    pub fn ready_threads(&self, scenario: &Scenario, out: &mut Vec<ThreadId>) {
        // A plain loop: the iterator-adapter form was left as an out-of-line closure call in
        // some builds, 12% of a sweep.
        for t in 0..self.threads.len() {
            if self.is_ready(scenario, t) {
                out.push(t);
            }
        }
    }

    /// Advances the clock until some thread is ready, or reports how the run ended.
    pub fn settle(&mut self, scenario: &Scenario) -> Settled {
        loop {
            if (0..self.threads.len()).any(|t| self.is_ready(scenario, t)) {
                return Settled::Ready;
            }
            if let Some(ended) = self.advance_clock() {
                return ended;
            }
        }
    }

    /// `settle`, also leaving the ready threads in `ready` (one pass instead of two: the hot
    /// loop of runs and sweeps).
    #[inline]
    pub fn settle_ready(&mut self, scenario: &Scenario, ready: &mut Vec<ThreadId>) -> Settled {
        loop {
            ready.clear();
            self.ready_threads(scenario, ready);
            if !ready.is_empty() {
                return Settled::Ready;
            }
            if let Some(ended) = self.advance_clock() {
                return ended;
            }
        }
    }

    /// With no thread ready: jump to the earliest wake-up, or say how the run ended.
    fn advance_clock(&mut self) -> Option<Settled> {
        {
            let wake = self
                .threads
                .iter()
                .filter(|th| th.phase == Phase::Running && th.ready_at > self.now)
                .map(|th| th.ready_at)
                .min();
            match wake {
                Some(t) => {
                    self.now = t;
                    None
                }
                None if self.threads.iter().all(|th| th.phase == Phase::Finished) => {
                    Some(Settled::Ended(End::Ok))
                }
                None => Some(Settled::Ended(End::Deadlock)),
            }
        }
    }

    /// Executes the next step of `t`, which must be ready. A fault leaves the state unchanged,
    /// is reported to the observer as `Effect::Fault` and ends the run.
    pub fn step<'s>(
        &mut self,
        scenario: &'s Scenario,
        layout: &Layout,
        t: ThreadId,
        observer: &mut impl Observer<'s>,
    ) -> Result<(), Fault> {
        debug_assert!(self.is_ready(scenario, t));
        let tx = &scenario.transactions[t];
        let th = self.threads[t];
        let step = &tx.steps[th.pc as usize];
        let base = layout.local_base[t];
        let locals = &mut self.locals[base..base + tx.locals.len()];
        let mut declined = false;
        let mut event = Event {
            step: self.steps + 1,
            time: self.now,
            thread: t,
            pc: th.pc,
            iteration: th.iteration,
            effect: Effect::Fault(Fault::ClockOverflow),
            delay: 0,
            finished: false,
            started: None,
        };
        let sleep = match step.op {
            Op::Sleep(n) => n,
            _ => 0,
        };
        let timing = step
            .delay
            .checked_add(sleep)
            .and_then(|delay| Some((delay, self.now.checked_add(delay)?)));
        let Some((delay, ready_at)) = timing else {
            observer.on_step(&event);
            return Err(Fault::ClockOverflow);
        };
        let outcome: Result<Effect<'s>, Fault> = match &step.op {
            Op::Read { account, into } => {
                let value = self.balances[*account];
                locals[*into as usize] = value;
                Ok(Effect::Read {
                    account: *account,
                    into: *into,
                    value,
                })
            }
            Op::Write { account, value } => value.eval(locals).map_err(Fault::Eval).map(|v| {
                let old = std::mem::replace(&mut self.balances[*account], v);
                Effect::Write {
                    account: *account,
                    value: v,
                    old,
                }
            }),
            Op::Set { local, value } => value.eval(locals).map_err(Fault::Eval).map(|v| {
                locals[*local as usize] = v;
                Effect::Set {
                    local: *local,
                    value: v,
                }
            }),
            Op::AtomicAdd { account, value } => value
                .expr
                .eval(locals)
                .and_then(|added| {
                    let old = self.balances[*account];
                    let new = old.checked_add(added).ok_or(EvalError::Overflow)?;
                    self.balances[*account] = new;
                    Ok(Effect::AtomicAdd {
                        account: *account,
                        added,
                        old,
                        value: new,
                    })
                })
                .map_err(Fault::Eval),
            Op::Lock(l) => {
                self.holders[*l] = t as u32;
                Ok(Effect::Lock(*l))
            }
            Op::Unlock(l) => {
                if self.holders[*l] == t as u32 {
                    self.holders[*l] = FREE;
                    Ok(Effect::Unlock(*l))
                } else {
                    Err(Fault::BadUnlock {
                        lock: *l,
                        holder: holder(self.holders[*l]),
                    })
                }
            }
            Op::Require(cond) => cond.eval(locals).map_err(Fault::Eval).map(|value| {
                declined = value == 0;
                Effect::Require { value }
            }),
            Op::Sleep(n) => Ok(Effect::Sleep(*n)),
            Op::Log(message) => Ok(Effect::Log(message)),
        };
        let effect = match outcome {
            Ok(effect) => effect,
            Err(fault) => {
                event.effect = Effect::Fault(fault);
                observer.on_step(&event);
                return Err(fault);
            }
        };
        self.steps += 1;
        let th = &mut self.threads[t];
        th.ready_at = ready_at;
        th.pc += 1;
        if th.pc as usize == tx.steps.len() && !declined {
            th.pc = 0;
            th.iteration += 1;
        }
        if declined || th.iteration == tx.repeat {
            th.phase = Phase::Finished;
            th.pc = 0;
            event.finished = true;
            let worker = th.worker;
            let next = self.next_pending as usize;
            if next < self.threads.len() {
                let started = &mut self.threads[next];
                started.phase = Phase::Running;
                started.ready_at = ready_at;
                started.worker = worker;
                self.next_pending += 1;
                event.started = Some(next);
            }
        }
        event.effect = effect;
        event.delay = delay;
        observer.on_step(&event);
        Ok(())
    }
}

/// The thread holding a lock, from its `holders` entry.
#[inline]
pub fn holder(entry: u32) -> Option<ThreadId> {
    (entry != FREE).then_some(entry as ThreadId)
}

#[cfg(test)]
mod tests {
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
        events: Vec<Event<'s>>,
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
            self.state.ready_threads(self.sc, &mut out);
            out
        }

        fn settle(&mut self) -> Settled {
            self.state.settle(self.sc)
        }

        /// Settles, then steps `t` (which must be ready) and returns its event.
        fn step(&mut self, t: ThreadId) -> Event<'s> {
            assert_eq!(self.settle(), Settled::Ready);
            assert!(self.ready().contains(&t), "{t} is not ready: {:?}", self.ready());
            self.state
                .step(self.sc, &self.layout, t, &mut self.events)
                .unwrap_or_else(|f| panic!("unexpected fault {f:?}"));
            *self.events.last().unwrap()
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
        assert_eq!(e.started, None);
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
        assert_eq!(sim.step(0).effect, Effect::Log("hello"));
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
        assert_eq!(sim.step(0).effect, Effect::Lock(0));
        assert_eq!(sim.state.holders, [0]);
        // q's next step is `lock m`, held by p: q is not ready.
        assert_eq!(sim.ready(), [0]);
        assert!(!sim.state.is_ready(&sc, 1));
        sim.step(0);
        assert_eq!(sim.ready(), [0]);
        let e = sim.step(0);
        assert_eq!(e.effect, Effect::Unlock(0));
        assert!(e.finished);
        assert_eq!(sim.state.holders, [FREE]);
        assert_eq!(sim.ready(), [1]);
        assert_eq!(sim.step(1).effect, Effect::Lock(0));
        assert_eq!(sim.state.holders, [1]);
        assert_eq!(sim.step(1).effect, Effect::Unlock(0));
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
        assert_eq!(e.started, Some(1));
        assert_eq!(e.delay, 2);
        let big = sim.state.threads[0];
        assert_eq!((big.phase, big.pc, big.iteration), (Phase::Finished, 0, 0));
        // `small` starts on the freed worker once the require's delay has elapsed.
        let small = sim.state.threads[1];
        assert_eq!(
            (small.phase, small.ready_at, small.worker),
            (Phase::Running, 2, 0)
        );
        assert!(sim.ready().is_empty());
        assert_eq!(sim.settle(), Settled::Ready);
        assert_eq!(sim.state.now, 2);
        sim.step(1);
        let e = sim.step(1);
        assert_eq!(e.effect, Effect::Require { value: 1 });
        assert!(!e.finished);
        let e = sim.step(1);
        assert!(e.finished);
        assert_eq!(e.started, None);
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
        assert_eq!((e.effect, e.delay), (Effect::Log("d"), 2));
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
        assert_eq!((e.finished, e.started), (false, None));
        // t=1: first's last step, then it sleeps 3 more ticks: second starts, ready at t=4.
        let e = sim.step(0);
        assert_eq!((e.time, e.finished, e.started, e.delay), (1, true, Some(1), 3));
        assert_eq!(phases(&sim), [Phase::Finished, Phase::Running, Phase::Pending]);
        assert_eq!(sim.state.threads[1].ready_at, 4);
        assert_eq!(sim.state.threads[1].worker, 0);
        assert!(sim.ready().is_empty());
        assert_eq!(sim.settle(), Settled::Ready);
        assert_eq!(sim.state.now, 4);
        let e = sim.step(1);
        assert_eq!((e.time, e.finished, e.started), (4, true, Some(2)));
        assert_eq!(sim.state.threads[2].ready_at, 6);
        assert_eq!(sim.state.next_pending, 3);
        let e = sim.step(2);
        assert_eq!((e.time, e.finished, e.started), (6, true, None));
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
    fn a_delay_past_the_end_of_time_is_a_runtime_error() {
        let sc = one_thread(r"{ sleep = 9223372036854775807, delay = 9223372036854775807 }, { sleep = 2 }");
        let mut sim = Sim::new(&sc);
        sim.step(0);
        assert_eq!(sim.settle(), Settled::Ready);
        assert_eq!(sim.fault(0), Fault::ClockOverflow);
        assert_eq!(run_message(&sc), Some("step 2: t: virtual time overflows".into()));
    }
}
