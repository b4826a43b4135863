//! Policies on real scenarios: round-robin order and quantum, scripted errors, pct draws.

use racesim::engine::{Layout, Settled, State};
use racesim::outcome::Status;
use racesim::policy::{Pct, Policy, Random};
use racesim::rng::DrawRng;
use racesim::run::{PolicyChoice, run};
use racesim::scenario::{Scenario, format_schedule};

use crate::common::{LESSON_NODELAY, parse, racesim, ready_threads, scenario_file, scripted};

/// Three threads of plain log steps: `a` has 3, `b` 2, `c` 4.
const ABC: &str = r#"
    [[accounts]]
    name = "x"
    [[transactions]]
    name = "a"
    steps = [{ log = "a1" }, { log = "a2" }, { log = "a3" }]
    [[transactions]]
    name = "b"
    steps = [{ log = "b1" }, { log = "b2" }]
    [[transactions]]
    name = "c"
    steps = [{ log = "c1" }, { log = "c2" }, { log = "c3" }, { log = "c4" }]
"#;

fn schedule_of(sc: &Scenario, choice: &PolicyChoice) -> String {
    let report = run(sc, choice);
    assert_eq!(report.summary.outcome.status, Status::Ok, "{choice:?}");
    format_schedule(sc, &report.schedule)
}

// ---- round-robin ----

#[test]
fn round_robin_quantum_1_takes_turns_in_file_order() {
    let sc = parse(ABC);
    assert_eq!(
        schedule_of(&sc, &PolicyChoice::RoundRobin { quantum: 1 }),
        "a,b,c,a,b,c,a,c*2"
    );
}

#[test]
fn round_robin_quantum_2_runs_two_steps_per_turn() {
    let sc = parse(ABC);
    assert_eq!(
        schedule_of(&sc, &PolicyChoice::RoundRobin { quantum: 2 }),
        "a*2,b*2,c*2,a,c*2"
    );
    assert_eq!(
        schedule_of(&sc, &PolicyChoice::RoundRobin { quantum: 3 }),
        "a*3,b*2,c*4"
    );
}

#[test]
fn round_robin_on_two_threads() {
    let sc = parse(LESSON_NODELAY);
    let report = run(&sc, &PolicyChoice::RoundRobin { quantum: 1 });
    assert_eq!(
        format_schedule(&sc, &report.schedule),
        "deposit,withdrawal,deposit,withdrawal,deposit,withdrawal,deposit,withdrawal,deposit,withdrawal"
    );
    // Both read 100 before either writes: the withdrawal's write wins.
    assert_eq!(report.summary.outcome.balances, [-50]);
    let report = run(&sc, &PolicyChoice::RoundRobin { quantum: 2 });
    assert_eq!(
        format_schedule(&sc, &report.schedule),
        "deposit*2,withdrawal*2,deposit*2,withdrawal*2,deposit,withdrawal"
    );
    assert_eq!(report.summary.outcome.balances, [-50]);
    // A quantum as long as a transaction runs them one after the other: no race.
    let report = run(&sc, &PolicyChoice::RoundRobin { quantum: 5 });
    assert_eq!(format_schedule(&sc, &report.schedule), "deposit*5,withdrawal*5");
    assert_eq!(report.summary.outcome.balances, [0]);
}

#[test]
fn round_robin_passes_the_turn_when_a_thread_sleeps_or_blocks() {
    let sc = parse(
        r#"
        locks = ["m"]
        [[accounts]]
        name = "x"
        [[transactions]]
        name = "a"
        steps = [{ lock = "m" }, { log = "a in", delay = 1 }, { unlock = "m" }]
        [[transactions]]
        name = "b"
        steps = [{ lock = "m" }, { unlock = "m" }]
        [[transactions]]
        name = "c"
        steps = [{ log = "c1" }, { log = "c2" }, { log = "c3" }]
    "#,
    );
    // t=0: a locks; b is blocked, so c gets the turn; a sleeps after its log, b is still
    // blocked: c runs alone until t=1.
    assert_eq!(
        schedule_of(&sc, &PolicyChoice::RoundRobin { quantum: 1 }),
        "a,c,a,c*2,a,b*2"
    );
}

// ---- scripted ----

#[test]
fn scripted_follows_the_schedule() {
    let sc = parse(ABC);
    let report = scripted(&sc, "c,b,a*3,c*3,b");
    assert_eq!(report.summary.outcome.status, Status::Ok);
    assert!(!report.summary.outcome.status.is_usage_error());
    assert_eq!(format_schedule(&sc, &report.schedule), "c,b,a*3,c*3,b");
}

#[test]
fn scripted_naming_a_thread_that_is_not_ready_is_an_error_at_that_position() {
    let sc = parse(ABC);
    // `b` has two steps; the fourth entry names it again after it finished.
    let report = scripted(&sc, "b,b,a,b,c");
    let summary = &report.summary;
    assert!(summary.outcome.status.is_usage_error());
    assert_eq!(
        crate::common::message(&sc, &summary.outcome.status),
        Some("schedule position 4: `b` is not ready (ready: a, c)".into())
    );
    assert_eq!(summary.steps, 3, "the run stops before the bad entry");
    assert_eq!(format_schedule(&sc, &report.schedule), "b*2,a");
}

#[test]
fn scripted_running_out_of_names_is_an_error() {
    let sc = parse(ABC);
    let report = scripted(&sc, "a*3,b");
    assert!(report.summary.outcome.status.is_usage_error());
    assert_eq!(
        crate::common::message(&sc, &report.summary.outcome.status),
        Some("schedule ran out after 4 entries, but the run goes on (ready: b, c)".into())
    );
}

#[test]
fn scripted_leftover_entries_are_an_error() {
    let sc = parse(ABC);
    let report = scripted(&sc, "a*3,b*2,c*4,a");
    assert!(report.summary.outcome.status.is_usage_error());
    assert_eq!(
        crate::common::message(&sc, &report.summary.outcome.status),
        Some("the run ended after 9 steps, but the schedule has 10 entries".into())
    );
    // Leftover entries after a deadlock are an error too.
    let sc = parse(
        r#"
        locks = ["m"]
        [[accounts]]
        name = "x"
        [[transactions]]
        name = "t"
        steps = [{ lock = "m" }, { lock = "m" }]
    "#,
    );
    let report = scripted(&sc, "t,t");
    assert!(report.summary.outcome.status.is_usage_error());
    assert_eq!(
        crate::common::message(&sc, &report.summary.outcome.status),
        Some("the run ended after 1 step, but the schedule has 2 entries".into())
    );
    let report = scripted(&sc, "t");
    assert!(!report.summary.outcome.status.is_usage_error());
    assert_eq!(report.summary.outcome.status, Status::Deadlock);
}

#[test]
fn scripted_errors_exit_with_status_2_through_the_binary() {
    let file = scenario_file("policies_abc", ABC);
    for (schedule, message) in [
        ("b,b,a,b,c", "schedule position 4: `b` is not ready (ready: a, c)"),
        (
            "a*3,b",
            "schedule ran out after 4 entries, but the run goes on (ready: b, c)",
        ),
        (
            "a*3,b*2,c*4,a",
            "the run ended after 9 steps, but the schedule has 10 entries",
        ),
    ] {
        let out = racesim(&["run", &file, "--schedule", schedule]);
        assert_eq!(out.status, 2, "{schedule}: {}", out.stderr);
        assert!(out.stderr.contains(message), "{schedule}: {}", out.stderr);
        assert!(out.stdout.contains("status    error"), "{}", out.stdout);
    }
    let out = racesim(&["run", &file, "--schedule", "c,b,a*3,c*3,b"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
}

// ---- random ----

/// The random policy, written out from the contract: `ChaCha8` from the seed, one draw
/// `(next_u64 * n) >> 64` per decision, and only when two or more threads are ready.
fn reference_random(sc: &Scenario, seed: u64) -> Vec<usize> {
    let layout = Layout::new(sc);
    let mut state = State::initial(sc, &layout);
    let mut rng = DrawRng::new(seed);
    let mut schedule = Vec::new();
    while state.settle(sc, &layout) == Settled::Ready {
        let ready = ready_threads(sc, &state);
        let t = if ready.len() == 1 {
            ready[0]
        } else {
            ready[rng.below(ready.len())]
        };
        schedule.push(t);
        state.step(sc, &layout, t, &mut ()).unwrap();
    }
    schedule
}

#[test]
fn random_draws_only_when_two_or_more_threads_are_ready() {
    // `a` holds the lock for several steps: `b` is blocked and `a` runs alone, with no draw;
    // `c` sleeps part of the time.
    let sc = parse(
        r#"
        locks = ["m"]
        [[accounts]]
        name = "x"
        [[transactions]]
        name = "a"
        steps = [{ lock = "m" }, { log = "1" }, { log = "2" }, { log = "3" }, { unlock = "m" }, { log = "4" }]
        [[transactions]]
        name = "b"
        steps = [{ lock = "m" }, { log = "1" }, { log = "2" }, { unlock = "m" }, { log = "3" }]
        [[transactions]]
        name = "c"
        steps = [{ sleep = 2 }, { log = "1" }, { log = "2", delay = 1 }, { log = "3" }]
    "#,
    );
    let mut solo_steps = 0;
    for seed in 0..40 {
        let report = run(&sc, &PolicyChoice::Random { seed });
        assert_eq!(report.schedule, reference_random(&sc, seed), "seed {seed}");
        // Count the steps taken with a single ready thread, to be sure the test has some.
        let layout = Layout::new(&sc);
        let mut state = State::initial(&sc, &layout);
        for &t in &report.schedule {
            assert_eq!(state.settle(&sc, &layout), Settled::Ready);
            let ready = ready_threads(&sc, &state);
            solo_steps += usize::from(ready.len() == 1);
            state.step(&sc, &layout, t, &mut ()).unwrap();
        }
    }
    assert!(solo_steps > 100, "{solo_steps}");
}

#[test]
fn random_with_one_ready_thread_spends_no_draw() {
    // Forced picks in between do not change the choices that follow.
    for seed in 0..20 {
        let mut forced = Random::new(seed);
        let mut plain = Random::new(seed);
        for step in 1..=30 {
            assert_eq!(forced.pick(&[2], step), Ok(2));
            assert_eq!(forced.pick(&[0], step), Ok(0));
            assert_eq!(forced.pick(&[0, 1, 2], step), plain.pick(&[0, 1, 2], step));
        }
    }
}

#[test]
fn random_schedules_are_the_same_for_the_same_seed() {
    let sc = parse(ABC);
    for seed in 0..10 {
        let choice = PolicyChoice::Random { seed };
        assert_eq!(run(&sc, &choice).schedule, run(&sc, &choice).schedule);
    }
}

// ---- pct ----

#[test]
fn pct_literal_schedules() {
    let sc = parse(ABC);
    assert_eq!(sc.step_bound(), 9);
    // (seed, priorities of a, b, c, change points, schedule). Seed 0: a (5) runs; step 2 is a
    // change point, a drops to 1; b (4) runs step 3, the other change point, and drops to 2;
    // c (3) now runs to the end, then b, then a.
    let expected = [
        (0, [5, 4, 3], [3, 2], "a*2,b,c*4,b,a"),
        (1, [4, 3, 5], [8, 9], "c*4,a*3,b*2"),
        (2, [4, 5, 3], [4, 9], "b*2,a*2,c*4,a"),
        (3, [4, 5, 3], [7, 5], "b*2,a*3,c*4"),
    ];
    for (seed, priorities, change_points, schedule) in expected {
        let pct = Pct::new(seed, 3, 3, sc.step_bound());
        assert_eq!(pct.priorities(), priorities, "seed {seed}");
        assert_eq!(pct.change_points(), change_points, "seed {seed}");
        assert_eq!(
            schedule_of(&sc, &PolicyChoice::Pct { seed, depth: 3 }),
            schedule,
            "seed {seed}"
        );
    }
}

#[test]
fn pct_depth_1_runs_each_thread_to_completion_in_priority_order() {
    let sc = parse(ABC);
    for seed in 0..20 {
        let pct = Pct::new(seed, 3, 1, sc.step_bound());
        assert!(pct.change_points().is_empty());
        let mut order: Vec<usize> = (0..3).collect();
        order.sort_by_key(|&t| std::cmp::Reverse(pct.priorities()[t]));
        let expected: Vec<usize> = order
            .iter()
            .flat_map(|&t| std::iter::repeat_n(t, sc.transactions[t].steps.len()))
            .collect();
        let report = run(&sc, &PolicyChoice::Pct { seed, depth: 1 });
        assert_eq!(report.schedule, expected, "seed {seed}");
    }
}

#[test]
fn pct_lowers_the_priority_of_the_thread_at_a_change_point() {
    let sc = parse(ABC);
    for seed in 0..20 {
        let pct = Pct::new(seed, 3, 2, sc.step_bound());
        let [k] = pct.change_points()[..] else {
            panic!("depth 2 has one change point")
        };
        let report = run(&sc, &PolicyChoice::Pct { seed, depth: 2 });
        let first = report.schedule[0];
        // The most urgent thread runs until step k (or until it finishes), then yields.
        let steps = sc.transactions[first].steps.len() as u64;
        let run_length = report.schedule.iter().take_while(|&&t| t == first).count() as u64;
        assert_eq!(run_length, k.min(steps), "seed {seed}: {:?}", report.schedule);
    }
}
