//! Bad and hostile input: files that are not scenarios, sizes that would eat the machine, broken
//! pipes and full disks, planted links, loops in the file system, and names by the million.
//! Each test is a defect that was reproduced (issue 8) and is now an error, a bound or a quiet
//! exit; none may panic, hang or leave a partial file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Output, output_of, racesim, racesim_in, root};

const LESSON: &str = "scenarios/bank_account.toml";

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_racesim"));
    cmd.current_dir(root()).env("NO_COLOR", "1");
    cmd
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("racesim-hostile-")
        .tempdir()
        .unwrap()
}

fn assert_no_panic(out: &Output) {
    assert!(
        !out.stderr.contains("panicked"),
        "the binary panicked:\n{}",
        out.stderr
    );
    assert_ne!(out.status, 101, "exit 101 is a panic");
}

/// Runs `cmd` to its end, or kills it and fails the test after `limit`: a hang is a defect
/// here, but the bound is generous so that a loaded machine does not make the test flaky.
fn finish_within(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return output_of_child(child);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the command did not finish within {limit:?}: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn output_of_child(child: std::process::Child) -> Output {
    let out = child.wait_with_output().unwrap();
    Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A scenario of `threads` transactions `t0`, `t1`, ... with the same `steps` (and `extra` keys),
/// after `head` (top-level keys and tables) and one account `a`, written to `name` in `dir`.
fn many_threads(dir: &Path, name: &str, head: &str, threads: usize, extra: &str, steps: &str) -> PathBuf {
    let mut text = format!("{head}[[accounts]]\nname = \"a\"\n");
    for t in 0..threads {
        text.push_str(&format!(
            "[[transactions]]\nname = \"t{t}\"\n{extra}steps = [{steps}]\n"
        ));
    }
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    file
}

// ---- 1. What a scenario is read from ----

#[test]
fn a_device_is_refused_at_once() {
    for args in [["check", "/dev/zero"], ["run", "/dev/zero"]] {
        let out = finish_within(
            {
                let mut c = bin();
                c.args(args);
                c
            },
            Duration::from_secs(60),
        );
        assert_no_panic(&out);
        assert_eq!(out.status, 2);
        assert_eq!(
            out.stderr.lines().next().unwrap(),
            "error: /dev/zero: not a regular file (racesim reads scenarios from files, pipes and `-`)"
        );
    }
}

#[test]
fn a_named_pipe_without_a_writer_reads_as_empty_instead_of_blocking() {
    let dir = tempdir();
    let fifo = dir.path().join("pipe.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let mut cmd = bin();
    cmd.arg("check").arg(&fifo);
    let out = finish_within(cmd, Duration::from_secs(60));
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the pipe gave no data (nothing was written to it)"),
        "{}",
        out.stderr
    );
}

#[test]
fn standard_input_is_a_scenario_and_pages_show_the_text_that_was_read() {
    let text = std::fs::read_to_string(root().join(LESSON)).unwrap();
    let mut child = bin()
        .args(["run", "-", "--format", "html"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = output_of_child(child);
    assert_eq!(out.status, 0, "{}", out.stderr);
    // The page's source section is the text read from the pipe, not a second read of `-`.
    assert!(
        out.stdout.contains("name = &quot;bank-account&quot;"),
        "the scenario's source is on the page"
    );
    let mut child = bin()
        .args(["check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = output_of_child(child);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("ok  - (2 transactions"), "{}", out.stdout);
}

#[test]
fn a_file_beyond_the_size_cap_is_refused_without_reading_it() {
    let dir = tempdir();
    let big = dir.path().join("big.toml");
    let f = std::fs::File::create(&big).unwrap();
    // Sparse: 65 MiB of zeros that take no disk.
    f.set_len(65 << 20).unwrap();
    let out = racesim(&["check", big.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .contains("the file is larger than 64 MiB, the most racesim reads"),
        "{}",
        out.stderr
    );
}

// ---- 2-4. Sizes that would eat the machine ----

#[test]
fn explore_stops_at_its_memory_limit_and_says_how_far_it_got() {
    // Eight threads of ten unprotected increments: far more states than 16 MiB hold.
    let dir = tempdir();
    let file = many_threads(
        dir.path(),
        "wide.toml",
        "",
        8,
        "repeat = 10\n",
        "{ read = \"a\", into = \"x\" }, { write = \"a\", value = \"x + 1\" }",
    );
    let out = racesim(&["explore", file.to_str().unwrap(), "--max-memory", "16MiB"]);
    assert_no_panic(&out);
    assert_eq!(out.status, 2);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .starts_with("error: explore stopped at the memory limit of 16 MiB (--max-memory): "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("raise --max-memory"), "{}", out.stderr);
    // The state limit is checked as states are found too: it stops at the limit, not at the
    // end of the level that crossed it.
    let out = racesim(&["explore", file.to_str().unwrap(), "--max-states", "1000"]);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.starts_with(
            "error: explore stopped at the state limit of 1000 (--max-states): 1001 distinct states"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn a_billion_step_run_stops_at_the_log_limit() {
    let dir = tempdir();
    let file = dir.path().join("long.toml");
    std::fs::write(
        &file,
        "[[accounts]]\nname = \"a\"\n[[transactions]]\nname = \"t\"\nrepeat = 1000000000\nsteps = [{ atomic_add = \"a\", value = \"1\" }]\n",
    )
    .unwrap();
    let out_file = dir.path().join("log.jsonl");
    let out = racesim(&[
        "run",
        file.to_str().unwrap(),
        "--format",
        "jsonl",
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert_no_panic(&out);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("note: a run logs at most 1000000 steps"),
        "{}",
        out.stderr
    );
    let log = std::fs::read_to_string(&out_file).unwrap();
    let last = log.lines().last().unwrap();
    assert!(last.contains(r#""status":"limit""#), "{last}");
    assert!(
        last.contains(r#""message":"stopped after 1000000 steps""#),
        "{last}"
    );
    assert_eq!(log.lines().count(), 1_000_001);
}

#[test]
fn a_schedule_longer_than_any_run_is_refused_before_it_is_expanded() {
    let out = racesim(&["run", LESSON, "--schedule", "deposit*1000000000000"]);
    assert_no_panic(&out);
    assert_eq!(out.status, 2);
    assert_eq!(
        out.stderr.trim_end(),
        "error: --schedule: the schedule has at least 1000000000000 entries, but no run of this scenario takes more than 12 steps"
    );
}

#[test]
fn a_huge_pct_depth_runs_with_at_most_one_change_point_per_step() {
    let out = racesim(&["run", LESSON, "--policy", "pct", "--depth", "4294967295"]);
    assert_no_panic(&out);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let dir = tempdir();
    let file = dir.path().join("deep.toml");
    let text = std::fs::read_to_string(root().join(LESSON))
        .unwrap()
        .replace("policy = \"random\"", "policy = \"pct\"\ndepth = 4294967295");
    std::fs::write(&file, text).unwrap();
    assert_eq!(racesim(&["check", file.to_str().unwrap()]).status, 0);
    let out = racesim(&["sweep", file.to_str().unwrap(), "--seeds", "0..50"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
}

// ---- 5-6. Threads ----

#[test]
fn os_threads_refuses_more_workers_than_it_starts() {
    let dir = tempdir();
    let file = many_threads(
        dir.path(),
        "many.toml",
        "[scheduler]\npolicy = \"os-threads\"\n",
        1025,
        "",
        "{ log = \"hi\" }",
    );
    let out = racesim(&["run", file.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains(
            "error: os-threads starts one OS thread per pool worker, at most 1024; this run needs 1025"
        ),
        "{}",
        out.stderr
    );
    // With a pool of 4 the same scenario runs on 4 real threads.
    let out = racesim(&["run", file.to_str().unwrap(), "--workers", "4", "--tick", "0ns"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
}

#[test]
fn sweep_jobs_are_capped_by_the_work() {
    let one = racesim(&["sweep", LESSON, "--seeds", "0..10", "--jobs", "1"]);
    let many = finish_within(
        {
            let mut c = bin();
            c.args(["sweep", LESSON, "--seeds", "0..10", "--jobs", "40000", "-v"]);
            c
        },
        Duration::from_secs(60),
    );
    assert_no_panic(&many);
    assert_eq!(many.status, 0, "{}", many.stderr);
    assert_eq!(one.stdout, many.stdout);
    // Ten seeds are one chunk of work: one job.
    assert!(
        many.stderr
            .contains("10 seeds in 1 chunks of at most 16384, 1 job"),
        "{}",
        many.stderr
    );
}

// ---- 7. Pipes and full disks ----

#[test]
fn a_closed_pipe_is_a_quiet_exit() {
    for args in [
        vec!["check", LESSON],
        vec!["run", LESSON],
        vec!["explore", "scenarios/bench/update_5.toml"],
        vec!["schema"],
        vec!["man"],
    ] {
        let mut child = bin()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the command writes.
        drop(child.stdout.take());
        let out = output_of_child(child);
        assert_no_panic(&out);
        assert!(
            out.status == 0 || out.status == 1,
            "{args:?}: exit {}: {}",
            out.status,
            out.stderr
        );
        assert_eq!(out.stderr, "", "{args:?}: nothing to say about a closed pipe");
    }
    // A closed stderr is no reason to panic either.
    let dir = tempdir();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[accounts]]\nname = 1\n").unwrap();
    let mut child = bin()
        .arg("check")
        .arg(&bad)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_full_disk_is_an_error_and_a_nonzero_exit() {
    for args in [vec!["run", LESSON], vec!["check", LESSON], vec!["schema"]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = output_of(bin().args(&args).stdout(full));
        assert_no_panic(&out);
        assert_eq!(out.status, 2, "{args:?}");
        assert!(
            out.stderr
                .starts_with("error: cannot write to standard output: No space left on device"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

// ---- 8. Output files ----

#[test]
fn output_files_never_follow_a_planted_link_or_replace_a_device() {
    let dir = tempdir();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    // The temporary name racesim used to take: a link planted there must not be followed.
    std::os::unix::fs::symlink(&victim, dir.path().join(".out.txt.racesim-tmp")).unwrap();
    let out_path = dir.path().join("out.txt");
    let out = racesim(&["run", LESSON, "-o", out_path.to_str().unwrap()]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(
        std::fs::read_to_string(&out_path)
            .unwrap()
            .starts_with("scenario  bank-account")
    );
    // No temporary file is left behind.
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".racesim-tmp") && n != ".out.txt.racesim-tmp")
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // An output that is a link is written through to its target; the link stays a link.
    let target = dir.path().join("target.txt");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.txt");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = racesim(&["run", LESSON, "-o", link.to_str().unwrap()]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .starts_with("scenario  bank-account")
    );

    // A device is written into, never replaced by a regular file.
    let out = racesim(&["run", LESSON, "-o", "/dev/null"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    // A directory is refused.
    let out = racesim(&["run", LESSON, "-o", dir.path().to_str().unwrap()]);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("it is a directory"), "{}", out.stderr);
}

#[test]
fn concurrent_writers_of_one_output_all_succeed() {
    let dir = tempdir();
    let out_path = dir.path().join("shared.txt");
    let children: Vec<_> = (0..40)
        .map(|_| {
            bin()
                .args(["run", LESSON, "-o", out_path.to_str().unwrap()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = output_of_child(child);
        assert_eq!(out.status, 0, "{}", out.stderr);
    }
    let expected = racesim(&["run", LESSON]).stdout;
    assert_eq!(std::fs::read_to_string(&out_path).unwrap(), expected);
}

// ---- 9. Loops in the file system ----

#[test]
fn racesim_test_walks_each_directory_once() {
    let dir = tempdir();
    std::fs::copy(root().join(LESSON), dir.path().join("lesson.toml")).unwrap();
    assert_eq!(racesim_in(dir.path(), &["test", "--bless", "."]).status, 0);
    std::os::unix::fs::symlink(".", dir.path().join("again")).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("and_again")).unwrap();
    let out = finish_within(
        {
            let mut c = bin();
            c.current_dir(dir.path()).args(["test", "."]);
            c
        },
        Duration::from_secs(120),
    );
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("running 1 scenario\n"), "{}", out.stdout);
}

// ---- 10. Names by the million ----

fn check_file(text: &str) -> Output {
    let dir = tempdir();
    let file = dir.path().join("big.toml");
    std::fs::write(&file, text).unwrap();
    racesim(&["check", file.to_str().unwrap()])
}

#[test]
fn sixty_five_thousand_accounts_and_a_hundred_thousand_references_check() {
    let mut text = String::new();
    for a in 0..65_536 {
        text.push_str(&format!("[[accounts]]\nname = \"a{a}\"\n"));
    }
    for t in 0..100 {
        text.push_str(&format!("[[transactions]]\nname = \"t{t}\"\nsteps = [\n"));
        for r in 0..1000 {
            let a = (t * 7919 + r * 104_729) % 65_536;
            text.push_str(&format!("  {{ read = \"a{a}\", into = \"x\" }},\n"));
        }
        text.push_str("]\n");
    }
    let out = check_file(&text);
    assert_eq!(out.status, 0, "{}", out.stderr);
}

#[test]
fn two_hundred_thousand_locks_and_a_hundred_thousand_references_check() {
    let mut text = String::from("locks = [");
    for l in 0..200_000 {
        text.push_str(&format!("\"l{l}\","));
    }
    text.push_str("]\n[[accounts]]\nname = \"a\"\n");
    for t in 0..100 {
        text.push_str(&format!("[[transactions]]\nname = \"t{t}\"\nsteps = [\n"));
        for r in 0..500 {
            let l = (t * 7919 + r * 104_729) % 200_000;
            text.push_str(&format!("  {{ lock = \"l{l}\" }}, {{ unlock = \"l{l}\" }},\n"));
        }
        text.push_str("]\n");
    }
    let out = check_file(&text);
    assert_eq!(out.status, 0, "{}", out.stderr);
    // A typo among them still gets a short hint, not two hundred thousand names.
    let out = check_file(&text.replacen("{ lock = \"l", "{ lock = \"zz", 1));
    assert_eq!(out.status, 2);
    assert!(out.stderr.len() < 2000, "{} bytes of error", out.stderr.len());
}

// ---- 11. Odds and ends ----

#[test]
fn integers_beyond_i64_say_they_are_out_of_range() {
    let out = check_file("[[accounts]]\nname = \"a\"\nbalance = 18446744073709551615\n");
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .contains(":3:11: integer `18446744073709551615` is out of the i64 range"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_golden_file_that_is_a_directory_is_reported_as_such() {
    let dir = tempdir();
    std::fs::copy(root().join(LESSON), dir.path().join("lesson.toml")).unwrap();
    std::fs::create_dir(dir.path().join("lesson.golden")).unwrap();
    let out = racesim_in(dir.path(), &["test", "."]);
    assert_eq!(out.status, 1);
    assert!(
        out.stdout.contains("lesson.golden is not a regular file"),
        "{}",
        out.stdout
    );
}

#[test]
fn control_characters_of_a_description_do_not_reach_the_terminal() {
    let text = std::fs::read_to_string(root().join(LESSON)).unwrap().replace(
        "description = \"deposit and withdrawal race on one account\"",
        "description = \"\\u001b]0;pwned\\u0007 sets the title\"",
    );
    let dir = tempdir();
    let file = dir.path().join("title.toml");
    std::fs::write(&file, text).unwrap();
    for command in ["run", "explore"] {
        let out = racesim(&[command, file.to_str().unwrap()]);
        assert!(
            !out.stdout.contains('\u{1b}'),
            "{command}: a raw escape reached stdout"
        );
        assert!(
            !out.stdout.contains('\u{7}'),
            "{command}: a raw bell reached stdout"
        );
        if command == "run" {
            assert!(
                out.stdout.contains("\\u{1b}]0;pwned\\u{7} sets the title"),
                "{}",
                out.stdout
            );
        }
    }
}

#[test]
fn os_threads_reports_a_worker_thread_the_system_refuses_and_ends() {
    // A pids limit: as root, run the binary as `nobody` with RLIMIT_NPROC at 60, so that the
    // system refuses most of 200 worker threads. Needs root and util-linux's prlimit and
    // setpriv; without them the test says so and checks nothing else.
    let tools = ["prlimit", "setpriv"].iter().all(|t| {
        Command::new(t)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !tools || !root_user {
        eprintln!("skipped: needs root, prlimit and setpriv to impose a thread limit");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let binary = dir.path().join("racesim");
    std::fs::copy(env!("CARGO_BIN_EXE_racesim"), &binary).unwrap();
    let file = many_threads(
        dir.path(),
        "spawn.toml",
        "[scheduler]\npolicy = \"os-threads\"\ntick = \"0ns\"\n",
        200,
        "",
        "{ log = \"hi\" }",
    );
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut cmd = Command::new("prlimit");
    cmd.args([
        "--nproc=60:60",
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ])
    .arg(&binary)
    .arg("run")
    .arg(&file);
    let out = finish_within(cmd, Duration::from_secs(60));
    assert_no_panic(&out);
    assert_eq!(out.status, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("error: os-threads could start only ")
            && out.stderr.contains(" of 200 worker threads: "),
        "{}",
        out.stderr
    );
}
