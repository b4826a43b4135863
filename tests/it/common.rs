//! Helpers shared by the integration tests: running the real binary and loading scenarios.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};

use racesim::engine::State;
use racesim::run::{PolicyChoice, RunReport, run};
use racesim::scenario::{Scenario, ThreadId, parse_schedule};
use serde_json::Value;

/// A run's status as its log words it: "step 5: deposit: arithmetic overflow".
pub fn message(sc: &Scenario, status: &racesim::outcome::Status) -> Option<String> {
    racesim::render::words::run_message(sc, status)
}

/// The repository root (where `scenarios/` lives).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Output of one run of the racesim binary.
pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` (the racesim binary, set up by the caller) to the end and collects its output.
pub fn output_of(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the racesim binary runs");
    Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs the racesim binary with `args` in `dir`, with `NO_COLOR=1`.
pub fn racesim_in(dir: &Path, args: &[&str]) -> Output {
    output_of(
        Command::new(env!("CARGO_BIN_EXE_racesim"))
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1"),
    )
}

/// Runs the racesim binary with `args` from the repository root.
pub fn racesim(args: &[&str]) -> Output {
    racesim_in(&root(), args)
}

/// Runs the binary and parses its standard output as JSON.
pub fn racesim_json(args: &[&str]) -> (i32, Value) {
    let out = racesim(args);
    let v = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "`racesim {}` (exit {}) printed no JSON ({e}):\n{}\nstderr:\n{}",
            args.join(" "),
            out.status,
            out.stdout,
            out.stderr
        )
    });
    (out.status, v)
}

/// The `schedule` line of a text log, as printed for `--schedule`.
pub fn printed_schedule(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("schedule  "))
        .unwrap_or_else(|| panic!("no schedule line in:\n{text}"))
        .to_string()
}

/// The balances of a JSON `{"account": balance, ...}` object, in the scenario's account order.
pub fn json_balances(sc: &Scenario, v: &Value) -> Vec<i64> {
    let obj = v.as_object().expect("balances are an object");
    let names: Vec<&str> = obj.keys().map(String::as_str).collect();
    let accounts: Vec<&str> = sc.accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, accounts, "balances name every account, in file order");
    sc.accounts
        .iter()
        .map(|a| obj[&a.name].as_i64().expect("a balance is an integer"))
        .collect()
}

/// Writes an inline scenario to `CARGO_TARGET_TMPDIR/NAME.toml` for tests of the command line
/// and returns its path. Names are unique across the whole test binary (prefix them with the
/// module): a name already written with another text panics, and one written with the same text
/// is not rewritten under a test that may be reading it.
pub fn scenario_file(name: &str, text: &str) -> String {
    static WRITTEN: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.toml"));
    let mut written = WRITTEN.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(old) = written.get(name) {
        assert_eq!(old, text, "two scenarios share the file name {name}");
    } else {
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        written.insert(name.to_string(), text.to_string());
    }
    path.to_string_lossy().into_owned()
}

/// Loads a scenario from a path relative to the repository root.
pub fn load(path: &str) -> racesim::scenario::Scenario {
    let full = root().join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    racesim::scenario::parse(path, &text).unwrap_or_else(|e| panic!("{e}"))
}

/// Parses scenario text given inline in a test.
pub fn parse(text: &str) -> racesim::scenario::Scenario {
    racesim::scenario::parse("test.toml", text).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `sc` under the scripted policy with `schedule` (`name*count,...`, as `--schedule` takes).
pub fn scripted<'s>(sc: &'s Scenario, schedule: &str) -> RunReport<'s> {
    let schedule = parse_schedule(sc, schedule).unwrap();
    run(sc, &PolicyChoice::Scripted { schedule })
}

/// The ready threads of a settled state, in file order.
pub fn ready_threads(sc: &Scenario, state: &State) -> Vec<ThreadId> {
    let mut ready = Vec::new();
    state.ready_threads(sc, &racesim::engine::Layout::new(sc), &mut ready);
    ready
}

/// Every shipped scenario file under `scenarios/`, sorted, as paths relative to the root.
pub fn shipped_scenarios() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "toml") {
                out.push(p.strip_prefix(root()).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("scenarios"), &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Inline scenarios used by several modules

/// The lesson without the delay: `deposit` (+50) and `withdrawal` (-150), both `update`s of one
/// account of 100 with nothing between read and write. Reachable: 0 (one after the other), and
/// -50 or 150 when an update is lost.
pub const LESSON_NODELAY: &str = r#"
[[accounts]]
name = "account"
balance = 100
[[transactions]]
name = "deposit"
kind = "update"
account = "account"
amount = 50
[[transactions]]
name = "withdrawal"
kind = "update"
account = "account"
amount = -150
"#;

/// Two transfers between accounts `a` and `b` (100 each): `a_to_b` moves 10 taking `lock_a`
/// then `lock_b`; `b_to_a` moves 20 taking `first` then `second`. Each sleeps a tick after its
/// first lock, so with opposite orders (`transfers("lock_b", "lock_a")`) both hold one lock and
/// wait for the other in every run: a deadlock at step 2 with the balances still [100, 100].
/// With the same order (`transfers("lock_a", "lock_b")`) every run ends ok at [110, 90].
pub fn transfers(first: &str, second: &str) -> String {
    format!(
        r#"
locks = ["lock_a", "lock_b"]
[[accounts]]
name = "a"
balance = 100
[[accounts]]
name = "b"
balance = 100
[[transactions]]
name = "a_to_b"
steps = [
  {{ lock = "lock_a", delay = 1 }},
  {{ lock = "lock_b" }},
  {{ atomic_add = "a", value = "-10" }},
  {{ atomic_add = "b", value = "10" }},
  {{ unlock = "lock_b" }},
  {{ unlock = "lock_a" }},
]
[[transactions]]
name = "b_to_a"
steps = [
  {{ lock = "{first}", delay = 1 }},
  {{ lock = "{second}" }},
  {{ atomic_add = "b", value = "-20" }},
  {{ atomic_add = "a", value = "20" }},
  {{ unlock = "{second}" }},
  {{ unlock = "{first}" }},
]
"#
    )
}
