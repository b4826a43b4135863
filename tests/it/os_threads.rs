//! os-threads: real runs record a schedule that the simulator replays to the same log.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use racesim::outcome::Status;
use racesim::run::{PolicyChoice, run};
use racesim::scenario::Scenario;

use crate::common::{LESSON_NODELAY, load, parse, printed_schedule, racesim, scenario_file, transfers};

const TICK: Duration = Duration::from_micros(50);
const RUNS: usize = 30;

/// Three threads incrementing under one lock, one of them sleeping inside it.
const LOCKED: &str = r#"
    locks = ["m"]
    [[accounts]]
    name = "counter"
    [[transactions]]
    name = "a"
    repeat = 3
    steps = [
      { lock = "m" },
      { read = "counter", into = "c" },
      { write = "counter", value = "c + 1", delay = 1 },
      { unlock = "m" },
    ]
    [[transactions]]
    name = "b"
    repeat = 3
    steps = [
      { lock = "m" },
      { read = "counter", into = "c" },
      { write = "counter", value = "c + 10" },
      { unlock = "m" },
    ]
    [[transactions]]
    name = "c"
    steps = [{ log = "c1" }, { log = "c2" }, { lock = "m" }, { unlock = "m" }]
"#;

/// One worker for three transactions: each starts when the previous one's delay has elapsed.
const POOL: &str = r#"
    [pool]
    workers = 1
    [[accounts]]
    name = "account"
    balance = 100
    [[transactions]]
    name = "first"
    kind = "update"
    account = "account"
    amount = 1
    delay = 1
    [[transactions]]
    name = "second"
    kind = "update"
    account = "account"
    amount = 10
    delay = 2
    [[transactions]]
    name = "third"
    steps = [{ atomic_add = "account", value = "100", delay = 1 }]
"#;

/// Transfers taking their locks in opposite order; the sleep makes the deadlock certain.
fn deadlock() -> String {
    transfers("lock_b", "lock_a")
}

/// The same without the sleep: some runs deadlock, some do not.
fn maybe_deadlock() -> String {
    deadlock().replace(", delay = 1", "")
}

/// A deposit that overflows, in the middle of a run with another thread going on.
const OVERFLOW: &str = r#"
    [[accounts]]
    name = "account"
    balance = 9_223_372_036_854_775_000
    [[transactions]]
    name = "deposit"
    kind = "update"
    account = "account"
    amount = 1000
    delay = 1
    [[transactions]]
    name = "other"
    steps = [{ log = "1" }, { log = "2", delay = 1 }, { log = "3" }, { log = "4" }]
"#;

/// What a run looks like from outside, comparable between runners.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observed {
    status: Status,
    balances: Vec<i64>,
    queues: Vec<Vec<i64>>,
    schedule: Vec<usize>,
    steps: u64,
}

/// One os-threads run on a thread of its own, failing the test instead of hanging. Also checks
/// the replay of its schedule in the simulator: same events, same outcome.
fn os_run(sc: &Scenario, tick: Duration) -> (Observed, Duration) {
    let owned = sc.clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let start = Instant::now();
        let report = racesim::threads::run(&owned, tick, None);
        let elapsed = start.elapsed();
        let replay = run(
            &owned,
            &PolicyChoice::Scripted {
                schedule: report.schedule.clone(),
            },
        );
        assert_eq!(replay.events, report.events, "the replay has the same log");
        assert_eq!(replay.summary.outcome, report.summary.outcome);
        assert_eq!(replay.summary.steps, report.summary.steps);
        assert_eq!(replay.schedule, report.schedule);
        assert!(!replay.summary.outcome.status.is_usage_error());
        let observed = Observed {
            status: report.summary.outcome.status.clone(),
            balances: report.summary.outcome.balances.clone(),
            queues: report.summary.outcome.queues.clone(),
            schedule: report.schedule.clone(),
            steps: report.summary.steps,
        };
        let _ = tx.send((observed, elapsed));
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(r) => r,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the os-threads run hangs"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the os-threads run or its replay failed"),
    }
}

/// Runs `sc` many times on OS threads; every run must replay exactly. Returns the runs.
fn record_and_replay(sc: &Scenario) -> Vec<Observed> {
    (0..RUNS).map(|_| os_run(sc, TICK).0).collect()
}

#[test]
fn bank_account_replays() {
    let sc = load("scenarios/bank_account.toml");
    for r in record_and_replay(&sc) {
        assert_eq!(r.status, Status::Ok);
        assert!(r.balances == [150] || r.balances == [-50], "{r:?}");
        assert_eq!(r.steps, 12);
    }
}

#[test]
fn update_race_without_delay_replays() {
    let sc = parse(LESSON_NODELAY);
    for r in record_and_replay(&sc) {
        assert_eq!(r.status, Status::Ok);
        assert!([[150], [-50], [0]].contains(&[r.balances[0]]), "{r:?}");
    }
}

#[test]
fn steps_of_different_threads_interleave() {
    // Each step is its own critical section: a worker does not keep the state locked from one
    // step to the next, so the OS interleaves threads even without any delay.
    let sc = parse(LESSON_NODELAY);
    let serial = |s: &[usize]| s.windows(2).filter(|w| w[0] != w[1]).count() == 1;
    let interleaved = (0..200).any(|_| !serial(&os_run(&sc, TICK).0.schedule));
    assert!(interleaved, "200 runs, each one transaction after the other");
}

#[test]
fn locked_increments_replay_and_never_lose_an_update() {
    let sc = parse(LOCKED);
    for r in record_and_replay(&sc) {
        assert_eq!((r.status, r.balances), (Status::Ok, vec![33]));
    }
}

#[test]
fn a_pool_of_one_replays_serially() {
    let sc = parse(POOL);
    for r in record_and_replay(&sc) {
        assert_eq!((&r.status, &r.balances), (&Status::Ok, &vec![211]));
        // One worker: the transactions run one after the other, in file order.
        assert_eq!(r.schedule, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2]);
    }
}

#[test]
fn a_deadlock_under_os_threads_ends_with_status_deadlock() {
    let sc = parse(&deadlock());
    for r in record_and_replay(&sc) {
        assert_eq!(r.status, Status::Deadlock);
        assert_eq!(r.steps, 2);
        assert_eq!(r.balances, [100, 100]);
    }
    let sc = parse(&maybe_deadlock());
    for r in record_and_replay(&sc) {
        assert!(
            r.status == Status::Deadlock || (r.status == Status::Ok && r.balances == [110, 90]),
            "{r:?}"
        );
    }
}

#[test]
fn a_runtime_error_under_os_threads_ends_the_run() {
    let sc = parse(OVERFLOW);
    for r in record_and_replay(&sc) {
        assert_eq!(
            crate::common::message(&sc, &r.status),
            Some(format!("step {}: deposit: arithmetic overflow", r.steps + 1))
        );
        assert_eq!(r.balances, [9_223_372_036_854_775_000]);
    }
}

#[test]
fn the_end_of_a_run_interrupts_workers_sleeping_in_real_time() {
    // `sleeper` sleeps 100000000 ticks (over an hour of real time at 50us) at t=0, before anyone
    // can reach t=1; then `deposit` overflows at t=1. The run must end without waiting for the
    // sleeper: the bound below is generous so that a loaded machine cannot make it flaky.
    let sc = parse(
        r#"
        [[accounts]]
        name = "account"
        balance = 9223372036854775807
        [[transactions]]
        name = "deposit"
        steps = [{ read = "account", into = "c", delay = 1 }, { write = "account", value = "c + 1" }]
        [[transactions]]
        name = "sleeper"
        steps = [{ sleep = 100000000 }, { log = "woke" }]
    "#,
    );
    for _ in 0..3 {
        let (r, elapsed) = os_run(&sc, TICK);
        assert_eq!(
            crate::common::message(&sc, &r.status),
            Some("step 3: deposit: arithmetic overflow".into())
        );
        assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    }
    // The same with a deadlock found while one worker still sleeps in real time.
    let sc = parse(
        r#"
        locks = ["m", "n"]
        [[accounts]]
        name = "x"
        [[transactions]]
        name = "p"
        steps = [{ lock = "m", delay = 1 }, { lock = "n" }]
        [[transactions]]
        name = "q"
        steps = [{ lock = "n", delay = 100000000 }, { lock = "m" }]
    "#,
    );
    for _ in 0..3 {
        let (r, elapsed) = os_run(&sc, TICK);
        assert_eq!(r.status, Status::Deadlock);
        assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    }
}

#[test]
fn real_sleeps_follow_the_tick() {
    // 1 tick, then 2 more on the pool: at least 3 ticks of real time.
    let sc = parse(POOL);
    let (_, elapsed) = os_run(&sc, Duration::from_millis(20));
    assert!(elapsed >= Duration::from_millis(60), "took {elapsed:?}");
}

// ---- through the binary ----

/// The lines of a text log from the step lines to the final balances (the header names the
/// policy, which differs between the two runs).
fn log_body(stdout: &str) -> String {
    let start = stdout.find("time  step").expect("a step table");
    let end = stdout.find("\nexpect").or(stdout.find("\nschedule")).unwrap();
    stdout[start..end].to_string()
}

fn binary_replays(file: &str, runs: usize) {
    for _ in 0..runs {
        let live = racesim(&["run", file, "--policy", "os-threads", "--tick", "50us"]);
        assert!(live.status == 0 || live.status == 1, "{}", live.stderr);
        assert!(
            live.stdout.contains("policy    os-threads, tick 50"),
            "{}",
            live.stdout
        );
        let schedule = printed_schedule(&live.stdout);
        let replay = racesim(&["run", file, "--schedule", &schedule]);
        assert_eq!(replay.status, live.status, "{}", replay.stderr);
        assert_eq!(log_body(&replay.stdout), log_body(&live.stdout));
        let final_line = |s: &str| s.lines().find(|l| l.starts_with("final ")).unwrap().to_string();
        assert_eq!(final_line(&replay.stdout), final_line(&live.stdout));
        assert!(replay.stdout.contains(&format!("schedule  {schedule}\n")));
    }
}

#[test]
fn the_binary_prints_a_schedule_that_replays_to_the_same_log() {
    binary_replays("scenarios/bank_account.toml", 10);
    binary_replays(&scenario_file("os_threads_update_race", LESSON_NODELAY), 5);
    binary_replays(&scenario_file("os_threads_locked", LOCKED), 5);
    binary_replays(&scenario_file("os_threads_deadlock", &maybe_deadlock()), 5);
    binary_replays(&scenario_file("os_threads_overflow", OVERFLOW), 5);
}

#[test]
fn the_binary_reports_deadlock_and_error_under_os_threads() {
    let out = racesim(&[
        "run",
        &scenario_file("os_threads_deadlock_sure", &deadlock()),
        "--policy",
        "os-threads",
    ]);
    assert!(out.stdout.contains("\nstatus    deadlock\n"), "{}", out.stdout);
    let out = racesim(&[
        "run",
        &scenario_file("os_threads_overflow2", OVERFLOW),
        "--policy",
        "os-threads",
    ]);
    assert!(out.stdout.contains("\nstatus    error\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains("deposit: arithmetic overflow"),
        "{}",
        out.stdout
    );
}

/// Every shipped scenario, the version-2 toolkit included: a few os-threads runs each, every
/// one replayed exactly by the simulator (checked in `os_run`) and ending in an outcome that
/// explore says is reachable.
#[test]
fn every_shipped_scenario_records_and_replays() {
    for path in crate::common::shipped_scenarios() {
        if path.contains("/bench/") {
            continue; // Long runs; the small ones cover the same steps.
        }
        let sc = load(&path);
        let x = racesim::explore::explore(&sc, 1_000_000).unwrap_or_else(|e| panic!("{path}: {e:?}"));
        let label = |status: &Status, balances: &[i64], queues: &[Vec<i64>]| {
            racesim::render::words::outcome_label(&sc, status, balances, queues)
        };
        let reachable: Vec<String> = x
            .outcomes
            .iter()
            .map(|o| label(&o.status, &o.balances, &o.queues))
            .collect();
        for _ in 0..8 {
            let (end, _) = os_run(&sc, TICK);
            let got = label(&end.status, &end.balances, &end.queues);
            assert!(
                reachable.contains(&got),
                "{path}: os-threads ended in {got}, which explore does not reach: {reachable:?}"
            );
        }
    }
}
