//! Bad input: every class of invalid scenario exits 2 with <file:line:col> and a clear message.
//!
//! Each test writes its scenario to a fresh temporary file, runs the real binary (`check`, and
//! `run` too: both load the file the same way) and asserts the exact first line of stderr,
//! `error: FILE:LINE:COL: MESSAGE`, with the line and column (1-based, in characters) of the
//! offending token. Nothing may be printed to stdout and nothing may panic.

use std::path::{Path, PathBuf};

use crate::common::{Output, racesim, root};

/// A fresh directory under the system's temp dir, removed when dropped.
pub(crate) struct TempDir(tempfile::TempDir);

impl TempDir {
    pub(crate) fn new() -> TempDir {
        TempDir(
            tempfile::Builder::new()
                .prefix("racesim-errors-")
                .tempdir()
                .unwrap(),
        )
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

fn run(args: &[&str]) -> Output {
    racesim(args)
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// Asserts a failed command: exit status 2, nothing on stdout, no panic, and the first line of
/// stderr is exactly `first_line`. Returns stderr for further checks.
fn assert_fails(out: &Output, first_line: &str) -> String {
    assert!(
        !out.stderr.contains("panicked"),
        "the binary panicked:\n{}",
        out.stderr
    );
    assert_eq!(out.status, 2, "exit status; stderr:\n{}", out.stderr);
    assert_eq!(out.stdout, "", "no partial output on stdout");
    assert_eq!(
        out.stderr.lines().next().unwrap_or(""),
        first_line,
        "first line of stderr; all of it:\n{}",
        out.stderr
    );
    out.stderr.clone()
}

/// Writes `toml` to a temporary `scenario.toml`, runs `racesim check` and `racesim run` on it,
/// and asserts both fail with `error: FILE:` followed by `rest` (`LINE:COL: MESSAGE`).
/// Returns the whole of stderr (of `check`).
pub(crate) fn expect_error(toml: &str, rest: &str) -> String {
    expect_error_bytes(toml.as_bytes(), rest)
}

fn expect_error_bytes(bytes: &[u8], rest: &str) -> String {
    let dir = TempDir::new();
    let file = dir.write("scenario.toml", bytes);
    let file = path_str(&file);
    let first_line = format!("error: {file}:{rest}");
    let stderr = assert_fails(&run(&["check", file]), &first_line);
    assert_fails(&run(&["run", file]), &first_line);
    stderr
}

/// Like [`expect_error`], and the help line says `help`.
pub(crate) fn expect_error_help(toml: &str, rest: &str, help: &str) {
    let stderr = expect_error(toml, rest);
    assert!(
        stderr.contains(&format!("help: {help}")),
        "expected the help `{help}` in:\n{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// Valid files, and several files at once.

const GOOD: &str = r#"[[accounts]]
name = "a"
balance = 1

[[transactions]]
name = "t"
steps = [{ read = "a", into = "x" }, { write = "a", value = "x + 1" }]
"#;

#[test]
fn a_valid_file_checks_ok() {
    let dir = TempDir::new();
    let good = dir.write("good.toml", GOOD);
    let out = run(&["check", path_str(&good)]);
    assert_eq!(out.status, 0, "stderr:\n{}", out.stderr);
    assert!(out.stdout.starts_with("ok"), "stdout: {}", out.stdout);
    assert!(out.stdout.contains("good.toml"), "stdout: {}", out.stdout);
    assert_eq!(out.stderr, "");
}

#[test]
fn every_shipped_scenario_checks_ok() {
    let out = run(&["check", "scenarios/bank_account.toml"]);
    assert_eq!(out.status, 0, "stderr:\n{}", out.stderr);
    assert!(out.stdout.starts_with("ok"));
}

#[test]
fn check_of_a_good_and_a_bad_file_exits_2() {
    let dir = TempDir::new();
    let good = dir.write("good.toml", GOOD);
    let bad = dir.write("bad.toml", "nme = 1\n");
    let (good, bad) = (path_str(&good), path_str(&bad));
    let out = run(&["check", good, bad]);
    assert_eq!(out.status, 2, "stderr:\n{}", out.stderr);
    assert!(
        out.stdout.starts_with(&format!("ok  {good}")),
        "stdout: {}",
        out.stdout
    );
    assert!(!out.stdout.contains("bad.toml"), "stdout: {}", out.stdout);
    assert!(!out.stderr.contains("panicked"));
    assert_eq!(
        out.stderr.lines().next().unwrap(),
        format!(
            "error: {bad}:1:1: unknown key `nme`, expected one of `name`, `description`, `locks`, `rlocks`, `semaphores`, `events`, `conditions`, `barriers`, `queues`, `scheduler`, `pool`, `accounts`, `transactions`, `expect`"
        )
    );
    // Every file is checked, in order: the bad one first does not hide the good one.
    let out = run(&["check", bad, good]);
    assert_eq!(out.status, 2);
    assert!(
        out.stdout.starts_with(&format!("ok  {good}")),
        "stdout: {}",
        out.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// TOML itself.

#[test]
fn toml_syntax_error() {
    expect_error(
        r#"name = "unterminated
[[accounts]]
name = "a"
"#,
        "1:21: invalid basic string, expected `\"`",
    );
    expect_error(
        r#"[[accounts]]
name = "a"
balance = = 1
"#,
        "3:11: extra `=`",
    );
}

#[test]
fn duplicate_toml_key() {
    expect_error(
        r#"[[accounts]]
name = "a"
name = "b"
"#,
        "3:1: duplicate key `name`",
    );
}

#[test]
fn wrong_toml_types() {
    expect_error(
        r#"locks = "m"
[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{ lock = "m" }]
"#,
        "1:9: invalid type: string \"m\", expected an array",
    );
    expect_error(
        r#"[[transactions]]
name = "t"
steps = [{ sleep = 1 }, 2]
"#,
        "3:25: invalid type: integer `2`, expected a step table like { sleep = 1 }",
    );
    expect_error(
        r#"[[transactions]]
name = "t"
steps = [{ sleep = "1" }]
"#,
        "3:20: invalid type: string \"1\", expected an integer",
    );
}

// ---------------------------------------------------------------------------------------------
// Unknown keys, wherever they are.

#[test]
fn unknown_key_at_top_level() {
    expect_error_help(
        r#"name = "x"
descripton = "typo"
[[accounts]]
name = "a"
"#,
        "2:1: unknown key `descripton`, expected one of `name`, `description`, `locks`, `rlocks`, `semaphores`, `events`, `conditions`, `barriers`, `queues`, `scheduler`, `pool`, `accounts`, `transactions`, `expect`",
        "did you mean `description`?",
    );
}

#[test]
fn unknown_key_in_scheduler() {
    expect_error_help(
        r#"[scheduler]
policy = "random"
sede = 3
"#,
        "3:1: unknown key `sede`, expected one of `policy`, `seed`, `depth`, `quantum`, `schedule`, `tick`, `max_steps`",
        "did you mean `seed`?",
    );
}

#[test]
fn unknown_key_in_transaction() {
    expect_error_help(
        r#"[[accounts]]
name = "a"

[[transactions]]
name = "t"
kind = "update"
acount = "a"
amount = 1
"#,
        "7:1: unknown key `acount`, expected one of `name`, `kind`, `account`, `from`, `to`, `amount`, `delay`, `repeat`, `steps`",
        "did you mean `account`?",
    );
}

#[test]
fn unknown_key_in_step() {
    expect_error_help(
        r#"[[accounts]]
name = "a"

[[transactions]]
name = "t"
steps = [
  { sleep = 1, dealy = 2 },
]
"#,
        "7:16: unknown key `dealy`, expected one of `read`, `into`, `write`, `value`, `set`, `atomic_add`, `lock`, `unlock`, `try_lock`, `acquire`, `release`, `try_acquire`, `signal`, `clear`, `wait`, `notify`, `notify_all`, `put`, `get`, `join`, `await`, `assert`, `message`, `cas`, `expect`, `if`, `then`, `else`, `while`, `steps`, `require`, `sleep`, `log`, `delay`",
        "did you mean `delay`?",
    );
}

#[test]
fn unknown_key_in_expect() {
    expect_error_help(
        r#"[[accounts]]
name = "a"

[[transactions]]
name = "t"
steps = [{ sleep = 1 }]

[expect]
at_ned = ["a == 0"]
"#,
        "9:1: unknown key `at_ned`, expected one of `final`, `always`, `at_end`, `outcomes`",
        "did you mean `at_end`?",
    );
}

#[test]
fn unknown_key_in_pool_and_account() {
    expect_error(
        r"[pool]
worker = 2
",
        "2:1: unknown key `worker`, expected `workers`",
    );
    expect_error(
        r#"[[accounts]]
name = "a"
balence = 3
"#,
        "3:1: unknown key `balence`, expected `name` or `balance`",
    );
}

#[test]
fn missing_required_key() {
    expect_error(
        r#"[[accounts]]
name = "a"

[[transactions]]
kind = "update"
account = "a"
amount = 1
"#,
        "4:1: missing key `name`",
    );
}

// ---------------------------------------------------------------------------------------------
// Steps.

#[test]
fn step_with_no_operation() {
    expect_error_help(
        r#"[[accounts]]
name = "a"

[[transactions]]
name = "t"
steps = [
  { sleep = 1 },
  { delay = 2 },
]
"#,
        "8:3: step has no operation",
        // The list goes on (and wraps): every operation key of the format.
        "give exactly one of: read, write, set, atomic_add, lock, unlock, try_lock, acquire",
    );
}

#[test]
fn step_with_two_operations() {
    expect_error(
        r#"[[accounts]]
name = "a"

[[transactions]]
name = "t"
steps = [
  { log = "hi" },
  { read = "a", into = "x", sleep = 1 },
]
"#,
        "8:3: step has 2 operations (`read`, `sleep`); a step is exactly one",
    );
}

#[test]
fn step_given_as_a_table_of_its_own() {
    // [[transactions.steps]] tables locate their errors too.
    expect_error(
        r#"[[transactions]]
name = "t"

[[transactions.steps]]
sleep = 1

[[transactions.steps]]
delay = 1
"#,
        "7:1: step has no operation",
    );
}

#[test]
fn step_key_that_does_not_apply() {
    expect_error(
        r#"[[accounts]]
name = "a"

[[transactions]]
name = "t"
steps = [{ sleep = 1, into = "x" }]
"#,
        "6:30: `into` does not apply to `sleep`",
    );
}

#[test]
fn transaction_without_steps() {
    expect_error(
        r#"[[transactions]]
name = "t"
steps = []
"#,
        "3:9: transaction `t` has no steps",
    );
}

// ---------------------------------------------------------------------------------------------
// Names: unknown, unassigned, in the wrong place, duplicated.

#[test]
fn unknown_account() {
    expect_error(
        r#"[[accounts]]
name = "account"

[[transactions]]
name = "t"
steps = [{ read = "acount", into = "x" }]
"#,
        "6:19: unknown account `acount`",
    );
    expect_error(
        r#"[[accounts]]
name = "account"

[[transactions]]
name = "t"
kind = "update"
account = "savings"
amount = 5
"#,
        "7:11: unknown account `savings`",
    );
}

#[test]
fn unknown_lock() {
    expect_error_help(
        r#"locks = ["m"]

[[transactions]]
name = "t"
steps = [{ lock = "m" }, { unlock = "n" }]
"#,
        "5:37: unknown lock `n`",
        "known lock names: m; or declare it at the top level, before any table: locks = [\"n\"]",
    );
}

#[test]
fn unknown_transaction_in_the_scripted_schedule() {
    expect_error_help(
        r#"[scheduler]
policy = "scripted"
schedule = ["deposit", "withdrawl"]

[[transactions]]
name = "deposit"
steps = [{ sleep = 1 }]

[[transactions]]
name = "withdrawal"
steps = [{ sleep = 1 }]
"#,
        "3:24: unknown transaction `withdrawl`",
        "did you mean `withdrawal`?",
    );
}

#[test]
fn unknown_transaction_in_schedule_on_the_command_line() {
    let dir = TempDir::new();
    let file = dir.write("good.toml", GOOD);
    let out = run(&["run", path_str(&file), "--schedule", "t,nobody"]);
    assert_fails(
        &out,
        "error: --schedule: schedule names an unknown transaction `nobody` (transactions: t)",
    );
    let out = run(&["run", path_str(&file), "--schedule", "t,tt"]);
    assert_fails(
        &out,
        "error: --schedule: schedule names an unknown transaction `tt` (did you mean `t`?)",
    );
}

#[test]
fn unknown_local() {
    expect_error(
        r#"[[accounts]]
name = "a"

[[transactions]]
name = "t"
steps = [
  { read = "a", into = "x" },
  { write = "a", value = "x + y" },
]
"#,
        "8:31: local `y` is used before any step assigns it",
    );
}

#[test]
fn local_used_before_assignment() {
    expect_error_help(
        r#"[[accounts]]
name = "a"

[[transactions]]
name = "t"
steps = [
  { write = "a", value = "copy + 1" },
  { read = "a", into = "copy" },
]
"#,
        "7:27: local `copy` is used before any step assigns it",
        "a local is assigned by `read ... into` or `set`",
    );
    // A `set` cannot read the local it assigns for the first time.
    expect_error(
        r#"[[transactions]]
name = "t"
steps = [{ set = "n", value = "n + 1" }]
"#,
        "3:32: local `n` is used before any step assigns it",
    );
    // A misspelt local gets a suggestion.
    expect_error_help(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{ read = "a", into = "total" }, { require = "totl > 0" }]
"#,
        "5:55: local `totl` is used before any step assigns it",
        "did you mean `total`?",
    );
}

#[test]
fn a_step_expression_reads_an_account_in_the_same_atomic_step() {
    // Version 2: a name that is not a local of the thread is an account, read in the step's
    // own atomic action.
    let dir = TempDir::new();
    let path = dir.write(
        "scenario.toml",
        r#"[[accounts]]
name = "account"

[[transactions]]
name = "t"
steps = [{ atomic_add = "account", value = "account + 1" }]
"#,
    );
    let out = run(&["run", path_str(&path)]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("atomic_add account += 1 -> 1 (was 0)"),
        "{}",
        out.stdout
    );
}

#[test]
fn duplicate_account() {
    expect_error(
        r#"[[accounts]]
name = "a"

[[accounts]]
name = "a"
"#,
        "5:8: duplicate account name `a`",
    );
}

#[test]
fn duplicate_lock() {
    expect_error(
        r#"locks = ["m", "n", "m"]
"#,
        "1:20: duplicate lock name `m`",
    );
}

#[test]
fn duplicate_transaction() {
    expect_error(
        r#"[[transactions]]
name = "t"
steps = [{ sleep = 1 }]

[[transactions]]
name = "t"
steps = [{ sleep = 2 }]
"#,
        "6:8: duplicate transaction name `t`",
    );
}

#[test]
fn invalid_name() {
    expect_error_help(
        r#"[[accounts]]
name = "my account"
"#,
        "2:8: `my account` is not a valid account name",
        "names match [A-Za-z_][A-Za-z0-9_]*",
    );
}

#[test]
fn no_transactions() {
    expect_error(
        r#"[[accounts]]
name = "a"
"#,
        "1:1: the scenario has no transactions",
    );
}

// ---------------------------------------------------------------------------------------------
// Malformed expressions: the column points inside the string at the offending character.

/// A scenario whose only expression is `require = "EXPR"` on line 5; the text of EXPR starts
/// at column 51.
fn with_require(expr: &str) -> String {
    format!(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{{ read = "a", into = "x" }}, {{ require = "{expr}" }}]
"#
    )
}

#[test]
fn expression_with_an_unclosed_parenthesis() {
    expect_error(&with_require("(x + 1) * (x - 1"), "5:61: unclosed parenthesis");
}

#[test]
fn expression_with_a_trailing_operator() {
    expect_error(&with_require("x + 1 -"), "5:57: expected a value after `-`");
}

#[test]
fn expression_with_a_single_equals() {
    expect_error_help(
        &with_require("x = 1"),
        "5:53: `=` is not an operator here",
        "use `==` to compare",
    );
}

#[test]
fn expression_with_a_chained_comparison() {
    expect_error_help(
        &with_require("0 < x < 10"),
        "5:57: comparison operators cannot be chained",
        "use `&&`: `a < b && b < c`",
    );
}

#[test]
fn expression_with_an_unknown_character() {
    expect_error(
        &with_require("x # 2"),
        "5:53: unexpected character `#` in expression",
    );
    // Non-ASCII: the column counts characters.
    expect_error(
        &with_require("x × 2"),
        "5:53: unexpected character `×` in expression",
    );
}

#[test]
fn expression_other_mistakes() {
    expect_error(
        &with_require("x 1"),
        "5:53: unexpected token after the end of the expression",
    );
    expect_error(&with_require(""), "5:51: empty expression");
    expect_error(
        &with_require("x + * 2"),
        "5:55: expected a value (integer, name or parenthesis)",
    );
}

#[test]
fn expression_positions_survive_escapes_and_other_string_forms() {
    // `\u0028` is `(`: the column of `$` is still exact.
    expect_error(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{ read = "a", into = "x" }, { require = "\u0028x\t$ 1)" }]
"#,
        "5:60: unexpected character `$` in expression",
    );
    // A literal string.
    expect_error(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{ read = "a", into = "x" }, { require = 'x $ 1' }]
"#,
        "5:53: unexpected character `$` in expression",
    );
    // A multi-line string: the error is on the string's second line.
    expect_error(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{ read = "a", into = "x" }, { require = """
x > 0 &&
  x $ 1""" }]
"#,
        "7:5: unexpected character `$` in expression",
    );
}

#[test]
fn expression_errors_in_expect() {
    expect_error_help(
        r#"[[accounts]]
name = "account"
[[transactions]]
name = "t"
steps = [{ sleep = 1 }]
[expect]
always = ["account >= 0", "acount < 100"]
"#,
        "7:28: unknown account `acount`",
        "did you mean `account`?",
    );
    expect_error(
        r#"[[accounts]]
name = "account"
[[transactions]]
name = "t"
steps = [{ sleep = 1 }]
[expect]
at_end = ["account == 150 ||"]
"#,
        "7:27: expected a value after `||`",
    );
}

#[test]
fn expression_too_deep_or_too_long_is_an_error_not_a_crash() {
    let deep = format!("{}x{}", "(".repeat(5000), ")".repeat(5000));
    expect_error(
        &with_require(&deep),
        "5:1051: expression is too long (more than 1000 tokens)",
    );
    let nested = format!("{}x{}", "(".repeat(100), ")".repeat(100));
    expect_error(
        &with_require(&nested),
        "5:115: expression nests too deeply (more than 64 levels)",
    );
    let negations = format!("{}x", "-".repeat(100));
    expect_error(
        &with_require(&negations),
        "5:115: expression nests too deeply (more than 64 levels)",
    );
}

// ---------------------------------------------------------------------------------------------
// Numbers: signs, types, ranges.

#[test]
fn negative_delay() {
    expect_error(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{ log = "x", delay = -1 }]
"#,
        "5:31: `delay` must not be negative",
    );
    expect_error(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
kind = "update"
account = "a"
amount = 1
delay = -3
"#,
        "8:9: `delay` must not be negative",
    );
}

#[test]
fn float_delay() {
    expect_error(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{ log = "x", delay = 1.5 }]
"#,
        "5:31: invalid type: float `1.5`, expected an integer",
    );
    expect_error(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
kind = "update"
account = "a"
amount = 1
delay = 0.5
"#,
        "8:9: invalid type: float `0.5`, expected an integer",
    );
}

#[test]
fn negative_sleep() {
    expect_error(
        r#"[[transactions]]
name = "t"
steps = [{ sleep = -2 }]
"#,
        "3:20: `sleep` must not be negative",
    );
}

#[test]
fn repeat_zero() {
    expect_error(
        r#"[[transactions]]
name = "t"
repeat = 0
steps = [{ sleep = 1 }]
"#,
        "3:10: `repeat` must be at least 1",
    );
}

#[test]
fn workers_zero() {
    expect_error(
        r#"[pool]
workers = 0

[[transactions]]
name = "t"
steps = [{ sleep = 1 }]
"#,
        "2:11: `workers` must be at least 1",
    );
}

#[test]
fn negative_seed_and_zero_quantum() {
    expect_error(
        r"[scheduler]
seed = -7
",
        "2:8: `seed` must not be negative",
    );
    expect_error(
        r#"[scheduler]
policy = "round-robin"
quantum = 0
[[transactions]]
name = "t"
steps = [{ sleep = 1 }]
"#,
        "3:11: `quantum` must be at least 1",
    );
}

#[test]
fn integer_out_of_range_in_toml() {
    expect_error(
        r#"[[accounts]]
name = "a"
balance = 99999999999999999999
"#,
        "3:11: integer `99999999999999999999` is out of the i64 range",
    );
    expect_error(
        r#"[[accounts]]
name = "a"
balance = -9223372036854775809
"#,
        "3:11: integer `-9223372036854775809` is out of the i64 range",
    );
    // Beyond even what toml's parser holds.
    expect_error(
        r"[pool]
workers = 123456789012345678901234567890123456789012345
",
        "2:11: integer `123456789012345678901234567890123456789012345` is out of the i64 range",
    );
}

#[test]
fn integer_out_of_range_in_an_expression() {
    expect_error(
        &with_require("x < 99999999999999999999"),
        "5:55: integer `99999999999999999999` is out of the i64 range",
    );
    // i64::MAX + 1 fits the tokenizer's u64 but not i64.
    expect_error(
        &with_require("x < 9223372036854775808"),
        "5:55: integer `9223372036854775808` is out of the i64 range",
    );
    expect_error(
        &with_require("x < -9223372036854775809"),
        "5:55: integer `-9223372036854775809` is out of the i64 range",
    );
}

#[test]
fn i64_extremes_are_accepted() {
    let dir = TempDir::new();
    let file = dir.write(
        "edge.toml",
        with_require("x > -9223372036854775808 && x < 9223372036854775807"),
    );
    let out = run(&["check", path_str(&file)]);
    assert_eq!(out.status, 0, "stderr:\n{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// The scheduler.

#[test]
fn unknown_policy() {
    expect_error_help(
        r#"[scheduler]
policy = "radnom"

[[transactions]]
name = "t"
steps = [{ sleep = 1 }]
"#,
        "2:10: unknown policy `radnom`",
        "did you mean `random`?",
    );
    expect_error_help(
        r#"[scheduler]
policy = "fifo"
"#,
        "2:10: unknown policy `fifo`",
        "known policy names: random, round-robin, scripted, pct, os-threads",
    );
}

#[test]
fn bad_tick() {
    expect_error(
        r#"[scheduler]
tick = "1 fortnight"
"#,
        "2:8: `1 fortnight` is not a duration",
    );
}

#[test]
fn scripted_without_a_schedule_needs_one_on_the_command_line() {
    let dir = TempDir::new();
    let file = dir.write(
        "scripted.toml",
        r#"[scheduler]
policy = "scripted"
[[transactions]]
name = "t"
steps = [{ sleep = 1 }]
"#,
    );
    let file = path_str(&file);
    assert_eq!(run(&["check", file]).status, 0);
    assert_fails(
        &run(&["run", file]),
        "error: policy scripted needs a schedule: pass --schedule or set [scheduler] schedule",
    );
    assert_eq!(run(&["run", file, "--schedule", "t"]).status, 0);
}

// ---------------------------------------------------------------------------------------------
// Files.

#[test]
fn missing_file() {
    let dir = TempDir::new();
    let file = dir.0.path().join("no-such-file.toml");
    let file = path_str(&file);
    // About the file as a whole: no line and column.
    let first = format!("error: {file}: no such file");
    assert_fails(&run(&["check", file]), &first);
    assert_fails(&run(&["run", file]), &first);
}

#[test]
fn non_utf8_file() {
    // The invalid byte is in column 11 of line 2.
    expect_error_bytes(
        b"[[accounts]]\nname = \"ab\xff\"\n",
        "2:11: the file is not valid UTF-8",
    );
    // A truncated multi-byte sequence at the very end.
    expect_error_bytes(b"name = \"x\"\n\xe2\x82", "2:1: the file is not valid UTF-8");
}

#[test]
fn a_directory_is_not_a_scenario() {
    let dir = TempDir::new();
    let out = run(&["check", path_str(dir.0.path())]);
    assert_eq!(out.status, 2);
    assert_eq!(out.stdout, "");
    assert!(!out.stderr.contains("panicked"));
    assert!(
        out.stderr.starts_with(&format!(
            "error: {}: is a directory, not a scenario file",
            dir.0.path().display()
        )),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Transaction kinds.

#[test]
fn kind_and_steps_both_given() {
    expect_error_help(
        r#"[[accounts]]
name = "a"

[[transactions]]
name = "t"
kind = "update"
account = "a"
amount = 1
steps = [{ sleep = 1 }]
"#,
        "9:9: transaction `t` has both `kind` and `steps`",
        "remove `steps`, or remove `kind = \"update\"`",
    );
}

#[test]
fn neither_kind_nor_steps() {
    expect_error(
        r#"[[transactions]]
name = "t"
repeat = 2
"#,
        "2:8: transaction `t` has neither `kind` nor `steps`",
    );
}

#[test]
fn unknown_kind() {
    expect_error_help(
        r#"[[accounts]]
name = "a"

[[transactions]]
name = "t"
kind = "updte"
account = "a"
amount = 1
"#,
        "6:8: unknown transaction kind `updte`",
        "did you mean `update`?",
    );
}

#[test]
fn missing_amount_for_update() {
    expect_error(
        r#"[[accounts]]
name = "a"

[[transactions]]
name = "deposit"
kind = "update"
account = "a"
delay = 1
"#,
        "6:8: transaction `deposit` of kind `update` needs `amount`",
    );
}

#[test]
fn missing_account_for_update_and_from_for_transfer() {
    expect_error(
        r#"[[transactions]]
name = "deposit"
kind = "update"
amount = 1
"#,
        "3:8: transaction `deposit` of kind `update` needs `account`",
    );
    expect_error(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "move"
kind = "transfer"
to = "a"
amount = 1
"#,
        "5:8: transaction `move` of kind `transfer` needs `from`",
    );
}

#[test]
fn kind_key_that_does_not_apply() {
    expect_error(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
kind = "update"
account = "a"
to = "a"
amount = 1
"#,
        "7:6: `to` does not apply to kind `update`",
    );
    expect_error(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
amount = 1
steps = [{ sleep = 1 }]
"#,
        "5:10: kind-specific key `amount` needs `kind`",
    );
}

// ---------------------------------------------------------------------------------------------
// Expectations.

#[test]
fn final_names_some_accounts_and_queues_and_the_rest_match_anything() {
    // Version 2: an account or queue that `final` (or an outcome) does not name matches any
    // value; a queue's value is an array, an account's an integer.
    let ok = r#"[[accounts]]
name = "a"
[[accounts]]
name = "b"
[[transactions]]
name = "t"
steps = [{ sleep = 1 }]
[expect]
final = { a = 0 }
outcomes = [{ b = 0 }]
"#;
    let dir = TempDir::new();
    let path = dir.write("scenario.toml", ok);
    let out = run(&["check", path_str(&path)]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    expect_error(
        r#"queues = [{ name = "q" }]
[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{ sleep = 1 }]
[expect]
final = { q = 1 }
"#,
        "8:15: `q` is a queue: its value is an array of its contents",
    );
    expect_error(
        r#"queues = [{ name = "q" }]
[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{ sleep = 1 }]
[expect]
final = { a = [1] }
"#,
        "8:15: `a` is an account: its value is an integer",
    );
}

#[test]
fn final_naming_an_unknown_account() {
    expect_error(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{ sleep = 1 }]
[expect]
final = { a = 1, c = 2 }
"#,
        "7:18: unknown account `c`",
    );
}

#[test]
fn outcome_that_is_not_deadlock_or_error() {
    expect_error_help(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{ sleep = 1 }]
[expect]
outcomes = [{ a = 0 }, "deadlok"]
"#,
        "7:24: unknown outcome `deadlok`",
        r#"an outcome is a table of balances (and queues), "deadlock", "livelock" or "error""#,
    );
    expect_error(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{ sleep = 1 }]
[expect]
outcomes = [{ a = 0 }, 7]
"#,
        r#"7:24: invalid type: integer `7`, expected a table of balances, "deadlock", "livelock" or "error""#,
    );
}

#[test]
fn duplicate_outcome() {
    expect_error(
        r#"[[accounts]]
name = "a"
[[transactions]]
name = "t"
steps = [{ sleep = 1 }]
[expect]
outcomes = ["error", { a = 0 }, "error"]
"#,
        "7:33: duplicate outcome",
    );
}

// ---------------------------------------------------------------------------------------------
// Robustness: mangled versions of a real scenario never panic the validator.

/// A small deterministic generator (Knuth's MMIX LCG), enough to pick offsets and lines.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Deterministic mutants of `text`: truncations, line deletions, and characters replaced by
/// TOML punctuation.
fn mutants(text: &str, seed: u64) -> Vec<String> {
    let mut rng = Lcg(seed);
    let mut out = Vec::new();
    for k in 0..12 {
        let cut = floor_boundary(
            text,
            (text.len() * k / 12 + rng.below(text.len() / 12)).min(text.len()),
        );
        out.push(text[..cut].to_string());
    }
    let lines: Vec<&str> = text.lines().collect();
    for _ in 0..12 {
        let mut kept = lines.clone();
        for _ in 0..=rng.below(3) {
            if !kept.is_empty() {
                kept.remove(rng.below(kept.len()));
            }
        }
        out.push(kept.join("\n"));
    }
    const NOISE: [&str; 12] = ["[", "]", "{", "}", "=", "\"", ",", "-", "9", "\n", "x", "("];
    for _ in 0..10 {
        let mut s = text.to_string();
        for _ in 0..=rng.below(4) {
            let at = floor_boundary(&s, rng.below(s.len()));
            let end = floor_boundary(&s, (at + 1).min(s.len()));
            s.replace_range(at..end, NOISE[rng.below(NOISE.len())]);
        }
        out.push(s);
    }
    out
}

fn assert_never_panics(text: &str, seed: u64) {
    let variants = mutants(text, seed);
    assert!(variants.len() >= 30);
    let (mut ok, mut err) = (0, 0);
    for (i, variant) in variants.iter().enumerate() {
        let result = std::panic::catch_unwind(|| racesim::scenario::parse("x.toml", variant));
        match result {
            Err(payload) => panic!(
                "variant {i} panicked the validator ({:?}):\n{variant}",
                payload.downcast_ref::<String>()
            ),
            Ok(Ok(_)) => ok += 1,
            Ok(Err(e)) => {
                err += 1;
                let shown = e.to_string();
                assert!(shown.starts_with("x.toml:"), "variant {i}: {shown}");
                // `x.toml:LINE:COL: message`, with a position inside the text.
                let mut parts = shown.splitn(4, ':');
                parts.next();
                let line: usize = parts.next().unwrap().parse().unwrap();
                let col: usize = parts.next().unwrap().parse().unwrap();
                let message = parts.next().unwrap().trim();
                assert!(!message.is_empty(), "variant {i}: {shown}");
                assert!(line >= 1 && col >= 1, "variant {i}: {shown}");
                assert!(
                    line <= variant.lines().count().max(1) + 1,
                    "variant {i}: line {line} is past the end: {shown}"
                );
            }
        }
    }
    // The mutations really do break things, and some survive.
    assert!(err > 0 && ok + err == variants.len(), "ok {ok}, err {err}");
}

#[test]
fn mutated_bank_account_never_panics() {
    let text = std::fs::read_to_string(root().join("scenarios/bank_account.toml")).unwrap();
    assert_never_panics(&text, 1);
    assert_never_panics(&text, 2);
}

#[test]
fn mutated_steps_scenario_never_panics() {
    let text = r#"name = "steps"
locks = ["m"]
[scheduler]
policy = "scripted"
schedule = ["a", "b", "a", "b"]
[[accounts]]
name = "acc"
balance = 100
[[transactions]]
name = "a"
repeat = 2
steps = [
  { lock = "m" },
  { read = "acc", into = "x" },
  { require = "x >= 10 && !(x == 3)", delay = 1 },
  { set = "y", value = "(x - 10) * 2 / 3 % 7" },
  { write = "acc", value = "y" },
  { unlock = "m" },
]
[[transactions]]
name = "b"
steps = [{ atomic_add = "acc", value = "-5" }, { sleep = 2 }, { log = "done" }]
[expect]
outcomes = [{ acc = 1 }, "deadlock", "error"]
always = ["acc > -1000"]
at_end = ["acc != 12345"]
final = { acc = 1 }
"#;
    racesim::scenario::parse("x.toml", text).unwrap_or_else(|e| panic!("{e}"));
    for seed in 10..14 {
        assert_never_panics(text, seed);
    }
}

/// explore names threads in 16 bits, so the 65,536th transaction is an error at its name.
#[test]
fn too_many_transactions() {
    let mut text = String::new();
    for i in 0..=usize::from(u16::MAX) {
        text.push_str(&format!(
            "[[transactions]]\nname = \"t{i}\"\nsteps = [{{ log = \"x\" }}]\n"
        ));
    }
    let e = racesim::scenario::parse("many.toml", &text).unwrap_err();
    let line = usize::from(u16::MAX) * 3 + 2;
    assert_eq!(
        e.to_string(),
        format!("many.toml:{line}:8: too many transactions (at most 65535)")
    );
}
