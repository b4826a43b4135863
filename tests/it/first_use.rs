//! What a new user hit (issue 8): every printed command reproduces what its line describes,
//! reports name the race they show, `-v` and `--color` work on every command that reports, and
//! the first mistakes in a scenario file get hints that say how to fix them.

use crate::common::{LESSON_NODELAY, Output, racesim, racesim_in, root, scenario_file};

/// The words after `racesim ` in `line`, split as a shell would split these (no quoting).
fn command_in(line: &str) -> Vec<String> {
    let at = line
        .find("racesim run ")
        .unwrap_or_else(|| panic!("no command in: {line}"));
    let rest = &line[at + "racesim ".len()..];
    // A witness line goes on with "(N preemptions)".
    let rest = rest.split(" (").next().unwrap_or(rest);
    rest.split_whitespace()
        .map(|w| w.trim_matches('\'').to_string())
        .collect()
}

fn run_words(words: &[String]) -> Output {
    let args: Vec<&str> = words.iter().map(String::as_str).collect();
    racesim(&args)
}

/// The lesson without its delay, and an `always` that the race breaks midway (-50).
fn always_fails_midway() -> String {
    format!("{LESSON_NODELAY}[expect]\nalways = [\"account >= 0\"]\n")
}

#[test]
fn an_always_violation_command_stops_where_it_fails_and_exits_1() {
    let file = scenario_file("first_use_always", &always_fails_midway());
    let out = racesim(&["explore", &file]);
    assert_eq!(out.status, 1);
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("always account >= 0: FAILED"))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    // The shortest schedule to the violation is a prefix of a run; the command stops there.
    assert!(line.contains(" --max-steps "), "{line}");
    let replay = run_words(&command_in(line));
    assert_eq!(replay.status, 1, "{}\n{}", replay.stdout, replay.stderr);
    assert!(replay.stdout.contains("status    limit"), "{}", replay.stdout);
    assert!(
        replay.stdout.contains("always account >= 0: FAILED at step"),
        "{}",
        replay.stdout
    );
    // And the line's own numbers are the replay's: the same balances, after the same steps.
    let steps = line.split(" after ").nth(1).unwrap().split(' ').next().unwrap();
    assert!(
        replay
            .stdout
            .contains(&format!("message   stopped after {steps} step")),
        "{}",
        replay.stdout
    );
}

#[test]
fn an_always_violation_in_the_initial_state_replays_with_any_run() {
    let text = always_fails_midway().replace("account >= 0", "account > 1000");
    let file = scenario_file("first_use_always_initial", &text);
    let out = racesim(&["explore", &file]);
    assert_eq!(out.status, 1);
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("always account > 1000: FAILED (account = 100) in the initial state: "))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    let replay = run_words(&command_in(line));
    assert_eq!(replay.status, 1, "{}", replay.stderr);
    assert!(
        replay
            .stdout
            .contains("always account > 1000: FAILED in the initial state (account = 100)"),
        "{}",
        replay.stdout
    );
}

#[test]
fn every_printed_witness_and_violation_command_of_the_shipped_scenarios_replays() {
    for path in crate::common::shipped_scenarios() {
        let out = racesim(&["explore", &path]);
        for line in out.stdout.lines().filter(|l| l.contains("racesim run ")) {
            let replay = run_words(&command_in(line));
            assert!(
                replay.status == 0 || replay.status == 1,
                "{path}: `{line}` exits {}: {}",
                replay.status,
                replay.stderr
            );
        }
    }
}

#[test]
fn explore_says_when_final_balances_are_unreachable() {
    let text = std::fs::read_to_string(root().join("scenarios/bank_account.toml"))
        .unwrap()
        .replace(
            "at_end = [\"account == 150 || account == -50\"]",
            "final = { account = 0 }",
        );
    let file = scenario_file("first_use_final_unreachable", &text);
    let out = racesim(&["explore", &file]);
    assert_eq!(out.status, 1);
    assert!(
        out.stdout
            .contains("final account = 0: FAILED, no interleaving ends with these balances"),
        "{}",
        out.stdout
    );
    // Reachable but not the only end: the other wording.
    let text = std::fs::read_to_string(root().join("scenarios/bank_account_nodelay.toml"))
        .unwrap()
        .replace("[expect]", "[expect]\nfinal = { account = 0 }");
    let file = scenario_file("first_use_final_reachable", &text);
    let out = racesim(&["explore", &file]);
    assert!(
        out.stdout
            .contains("final account = 0: FAILED, other outcomes are reachable"),
        "{}",
        out.stdout
    );
}

#[test]
fn reports_name_check_then_act_and_torn_reads() {
    let out = racesim(&["run", "scenarios/overdraft.toml"]);
    assert!(
        out.stdout.contains(
            "race      online's check at step 4 was stale: it read account = 100 at step 2, atm changed it to 20 at step 5"
        ),
        "{}",
        out.stdout
    );
    let out = racesim(&["explore", "scenarios/overdraft.toml"]);
    assert!(
        out.stdout
            .contains("account = -60 only from interleavings (check-then-act)"),
        "{}",
        out.stdout
    );
    let out = racesim(&[
        "run",
        "scenarios/torn_read.toml",
        "--schedule",
        "mover*22,auditor*4,mover",
    ]);
    assert!(
        out.stdout.contains("race      auditor's reads were torn: it read a = 0 at step 23, after mover wrote it at step 22, and b = 0 at step 24, before mover wrote b = 100 at step 27"),
        "{}",
        out.stdout
    );
    let out = racesim(&["explore", "scenarios/torn_read.toml", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let races: Vec<&serde_json::Value> = v["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["races"])
        .collect();
    assert_eq!(races, [&serde_json::json!([]), &serde_json::json!(["torn_read"])]);
}

#[test]
fn verbose_adds_the_same_detail_every_time_and_leaves_stdout_alone() {
    for args in [
        vec!["run", "scenarios/bank_account.toml"],
        vec!["explore", "scenarios/bank_account.toml"],
        vec![
            "sweep",
            "scenarios/bank_account.toml",
            "--seeds",
            "0..100",
            "--jobs",
            "1",
        ],
        vec!["test", "scenarios/bank_account.toml"],
    ] {
        let plain = racesim(&args);
        let mut loud_args = args.clone();
        loud_args.insert(1, "-v");
        let loud = racesim(&loud_args);
        let again = racesim(&loud_args);
        assert_eq!(plain.stdout, loud.stdout, "{args:?}");
        assert_eq!(plain.stderr, "", "{args:?}");
        assert!(!loud.stderr.is_empty(), "{args:?}: -v said nothing");
        assert_eq!(loud.stderr, again.stderr, "{args:?}: -v is deterministic");
    }
    // Commands with nothing more to say do not take -v.
    let out = racesim(&["schema", "-v"]);
    assert_eq!(out.status, 2);
}

#[test]
fn color_always_colours_run_explore_and_sweep() {
    for args in [
        vec!["run", "scenarios/bank_account.toml"],
        vec!["explore", "scenarios/bank_account.toml"],
        vec!["sweep", "scenarios/bank_account.toml", "--seeds", "0..100"],
    ] {
        let mut coloured = vec!["--color", "always"];
        coloured.extend(&args);
        let out = racesim(&coloured);
        assert!(out.stdout.contains("\u{1b}["), "{args:?}: no colour");
        let plain = racesim(&args);
        assert!(
            !plain.stdout.contains('\u{1b}'),
            "{args:?}: colour without a terminal"
        );
    }
}

#[test]
fn help_works_everywhere() {
    let out = racesim(&["help", "--help"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Usage: racesim help"), "{}", out.stdout);
    let out = racesim(&["help", "check"]);
    assert_eq!(out.status, 0);
    assert!(
        out.stdout
            .contains("The scenario files to validate (`-` reads one from standard input)"),
        "{}",
        out.stdout
    );
    assert_eq!(racesim(&["help"]).stdout, racesim(&["--help"]).stdout);
}

#[test]
fn racesim_test_without_a_scenarios_directory_says_what_it_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = racesim_in(dir.path(), &["test"]);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .contains("`racesim test` without a PATH tests scenarios/")
            && out.stderr.contains("`racesim test .`"),
        "{}",
        out.stderr
    );
}

/// `check` of `steps = [STEPS]` over one account `a` (and `extra` top-level lines): its first
/// error line and its help line.
fn first_error(extra: &str, steps: &str) -> (String, String) {
    let text =
        format!("{extra}[[accounts]]\nname = \"a\"\n[[transactions]]\nname = \"t\"\nsteps = [{steps}]\n");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, text).unwrap();
    let out = racesim(&["check", file.to_str().unwrap()]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    let error = out.stderr.lines().next().unwrap().to_string();
    let help = out
        .stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("help: "))
        .unwrap_or("")
        .to_string();
    (error, help)
}

#[test]
fn first_mistakes_get_hints_that_say_how_to_fix_them() {
    let (e, h) = first_error("", "{ lock = \"m\" }");
    assert!(e.ends_with("unknown lock `m`"), "{e}");
    assert_eq!(
        h,
        "declare it at the top level, before any table: locks = [\"m\"]"
    );

    let (e, h) = first_error("[pool]\nworkers = 1\nlocks = [\"m\"]\n", "{ lock = \"m\" }");
    assert!(e.contains("unknown key `locks`"), "{e}");
    assert_eq!(
        h,
        "`locks` is a top-level key: move it above the first table (it is read as part of [pool] here)"
    );

    let (e, h) = first_error(
        "",
        "{ read = \"a\", into = \"x\" }, { set = \"x\", value = \"x += 50\" }",
    );
    assert!(
        e.ends_with("`+=` is not an operator: an expression only computes a value"),
        "{e}"
    );
    assert_eq!(
        h,
        "to change a local, write a step { set = \"x\", value = \"x + 50\" }"
    );

    let (e, h) = first_error(
        "",
        "{ read = \"a\", into = \"x\" }, { set = \"x\", value = \"max(x)\" }",
    );
    assert!(e.ends_with("`max(...)`: there is no such function"), "{e}");
    assert!(
        h.ends_with("and two functions: len(QUEUE) and is_set(EVENT)"),
        "{h}"
    );

    let (e, h) = first_error("", "{ write = \"a\", value = 50 }");
    assert!(
        e.ends_with("invalid type: integer `50`, expected a string"),
        "{e}"
    );
    assert_eq!(h, "expressions are strings: write \"50\"");

    let (e, h) = first_error("", "{ read = \"a\", to = \"x\" }");
    assert!(e.contains("unknown key `to`"), "{e}");
    assert_eq!(
        h,
        "a step stores a value in a local with `into`: { read = \"account\", into = \"x\" }"
    );
}
