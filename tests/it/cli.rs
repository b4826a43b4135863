//! The command line's conventions: schema, new, completions, man page, colour, quiet and verbose,
//! and the diagnostics' "did you mean" suggestions.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{Output, output_of, racesim, root, shipped_scenarios};

/// A fresh, empty directory for one test (under cargo's per-target temporary directory).
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs racesim in `dir` with `envs` set, and without the variables that force or forbid colour
/// unless `envs` sets them: the tests decide colour, not the environment they run in.
fn racesim_with(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_racesim"));
    cmd.args(args).current_dir(dir);
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"] {
        cmd.env_remove(var);
    }
    output_of(cmd.envs(envs.iter().copied()))
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).unwrap();
    name.to_string()
}

const SUBCOMMANDS: [&str; 9] = [
    "run",
    "explore",
    "sweep",
    "check",
    "test",
    "new",
    "schema",
    "completions",
    "man",
];

// ---------------------------------------------------------------------------------------------
// Diagnostics: a suggestion for each kind of misspelt name.

/// A valid scenario with one of everything that has a name, to misspell.
const BASE: &str = r#"name = "typos"
locks = ["m"]

[scheduler]
policy = "random"
schedule = ["deposit"]

[[accounts]]
name = "account"
balance = 100

[[transactions]]
name = "deposit"
steps = [
  { lock = "m" },
  { read = "account", into = "local_copy" },
  { write = "account", value = "local_copy + 50" },
  { unlock = "m" },
]

[expect]
at_end = ["account == 150"]
"#;

/// Checks `BASE` with `from` replaced by `to`: exit 2, the editor-readable first line at the
/// right place, a caret, and `help` in the report.
fn assert_suggests(test: &str, from: &str, to: &str, line: usize, help: &str) {
    assert!(BASE.contains(from), "{from:?} is in the base scenario");
    let dir = scratch(test);
    let file = write(&dir, "typo.toml", &BASE.replacen(from, to, 1));
    let out = racesim_with(&dir, &["check", &file], &[]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    let first = out.stderr.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("error: typo.toml:{line}:")),
        "first line: {first}"
    );
    assert!(out.stderr.contains(&format!("help: {help}")), "{}", out.stderr);
    assert!(out.stderr.contains('┬'), "a caret under the span: {}", out.stderr);
}

#[test]
fn base_scenario_is_valid() {
    let dir = scratch("base_scenario_is_valid");
    let file = write(&dir, "base.toml", BASE);
    let out = racesim_with(&dir, &["check", &file], &[]);
    assert_eq!(out.status, 0, "{}", out.stderr);
}

#[test]
fn suggests_account() {
    assert_suggests(
        "suggests_account",
        r#"read = "account""#,
        r#"read = "acount""#,
        16,
        "did you mean `account`?",
    );
}

#[test]
fn suggests_account_in_expect() {
    assert_suggests(
        "suggests_account_in_expect",
        r#""account == 150""#,
        r#""acount == 150""#,
        22,
        "did you mean `account`?",
    );
}

#[test]
fn suggests_lock() {
    assert_suggests(
        "suggests_lock",
        r#"{ unlock = "m" }"#,
        r#"{ unlock = "mm" }"#,
        18,
        "did you mean `m`?",
    );
}

#[test]
fn suggests_transaction() {
    assert_suggests(
        "suggests_transaction",
        r#"schedule = ["deposit"]"#,
        r#"schedule = ["deposti"]"#,
        6,
        "did you mean `deposit`?",
    );
}

#[test]
fn suggests_local() {
    assert_suggests(
        "suggests_local",
        r#""local_copy + 50""#,
        r#""local_cpy + 50""#,
        17,
        "did you mean `local_copy`?",
    );
}

#[test]
fn suggests_key() {
    assert_suggests(
        "suggests_key",
        "balance = 100",
        "balanse = 100",
        10,
        "did you mean `balance`?",
    );
}

#[test]
fn suggests_step_key() {
    assert_suggests(
        "suggests_step_key",
        r#"{ read = "account""#,
        r#"{ raed = "account""#,
        16,
        "did you mean `read`?",
    );
}

#[test]
fn suggests_policy() {
    assert_suggests(
        "suggests_policy",
        r#"policy = "random""#,
        r#"policy = "randon""#,
        5,
        "did you mean `random`?",
    );
}

#[test]
fn suggests_transaction_kind() {
    let dir = scratch("suggests_transaction_kind");
    let file = write(
        &dir,
        "kind.toml",
        "[[accounts]]\nname = \"a\"\n[[transactions]]\nname = \"t\"\nkind = \"updte\"\naccount = \"a\"\namount = 1\n",
    );
    let out = racesim_with(&dir, &["check", &file], &[]);
    assert_eq!(out.status, 2);
    assert!(out.stderr.starts_with("error: kind.toml:5:8: "), "{}", out.stderr);
    assert!(
        out.stderr.contains("help: did you mean `update`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_label_says_what_is_wrong() {
    let dir = scratch("the_label_says_what_is_wrong");
    let file = write(&dir, "typo.toml", &BASE.replacen("balance = 100", "zzz = 100", 1));
    let out = racesim_with(&dir, &["check", &file], &[]);
    assert_eq!(out.status, 2);
    // The first line keeps toml's full message; the label under the caret keeps it short.
    assert!(
        out.stderr
            .lines()
            .next()
            .unwrap()
            .contains("expected `name` or `balance`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("╰── unknown key `zzz`\n"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// Colour.

const ESC: char = '\u{1b}';

fn bad_file(dir: &Path) -> String {
    write(
        dir,
        "bad.toml",
        &BASE.replacen(r#"read = "account""#, r#"read = "acount""#, 1),
    )
}

#[test]
fn color_always_colours_the_snippet_but_not_the_first_line() {
    let dir = scratch("color_always");
    let file = bad_file(&dir);
    // `always` beats NO_COLOR: it is the explicit choice.
    for envs in [&[][..], &[("NO_COLOR", "1")][..]] {
        let out = racesim_with(&dir, &["--color", "always", "check", &file], envs);
        assert_eq!(out.status, 2);
        let (first, rest) = out.stderr.split_once('\n').unwrap();
        assert_eq!(first, "error: bad.toml:16:12: unknown account `acount`");
        assert!(rest.contains(ESC), "{rest}");
        assert!(rest.contains("did you mean `account`?"));
    }
}

#[test]
fn no_colour_without_a_terminal_with_no_color_or_with_never() {
    let dir = scratch("no_colour");
    let file = bad_file(&dir);
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let cases: [Case; 4] = [
        // auto: the test's pipe is not a terminal
        (&["check", "bad.toml"], &[]),
        (&["check", "bad.toml"], &[("NO_COLOR", "1")]),
        (&["--color", "never", "check", "bad.toml"], &[]),
        (
            &["check", "bad.toml", "--color=never"],
            &[("CLICOLOR_FORCE", "1")],
        ),
    ];
    let mut plain = None;
    for (args, envs) in cases {
        assert_eq!(args[args.iter().position(|a| *a == "check").unwrap() + 1], file);
        let out = racesim_with(&dir, args, envs);
        assert_eq!(out.status, 2);
        assert!(!out.stderr.contains(ESC), "{args:?} {envs:?}: {}", out.stderr);
        assert!(!out.stdout.contains(ESC));
        // Colour is the only difference colour makes.
        let plain = plain.get_or_insert_with(|| out.stderr.clone());
        assert_eq!(&out.stderr, plain);
    }
    let coloured = racesim_with(&dir, &["--color=always", "check", "bad.toml"], &[]);
    assert_eq!(strip_ansi(&coloured.stderr), plain.unwrap());
}

#[test]
fn clicolor_force_colours_in_auto_mode() {
    let dir = scratch("clicolor_force");
    let file = bad_file(&dir);
    let out = racesim_with(&dir, &["check", &file], &[("CLICOLOR_FORCE", "1")]);
    assert!(out.stderr.contains(ESC), "{}", out.stderr);
}

#[test]
fn color_value_is_checked() {
    let out = racesim(&["--color", "sometimes", "check", "scenarios/bank_account.toml"]);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("possible values: auto, always, never"),
        "{}",
        out.stderr
    );
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == ESC {
            // CSI: ESC [ parameters final-byte
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Quiet and verbose.

#[test]
fn verbose_check_adds_detail_on_stderr_only() {
    let plain = racesim(&["check", "scenarios/bank_account_lock.toml"]);
    let verbose = racesim(&["-v", "check", "scenarios/bank_account_lock.toml"]);
    assert_eq!(plain.status, 0);
    assert_eq!(verbose.status, 0);
    assert_eq!(plain.stdout, verbose.stdout);
    assert_eq!(plain.stderr, "");
    assert!(
        verbose
            .stderr
            .contains("transaction deposit: 8 steps x 1 repeat, locals [local_copy]"),
        "{}",
        verbose.stderr
    );
    assert!(verbose.stderr.contains("locks m"), "{}", verbose.stderr);
    // Deterministic: the same detail every time, and after the subcommand too.
    let again = racesim(&["check", "--verbose", "scenarios/bank_account_lock.toml"]);
    assert_eq!(again.stderr, verbose.stderr);
}

#[test]
fn quiet_silences_notes_but_not_output_or_errors() {
    let dir = scratch("quiet");
    let loud = racesim_with(&dir, &["new", "loud"], &[]);
    assert_eq!(loud.status, 0);
    assert!(loud.stderr.contains("created loud.toml"), "{}", loud.stderr);
    let quiet = racesim_with(&dir, &["new", "hush", "-q"], &[]);
    assert_eq!(quiet.status, 0);
    assert_eq!(quiet.stderr, "");
    assert!(dir.join("hush.toml").exists());

    let run = racesim(&["--quiet", "run", "scenarios/bank_account.toml"]);
    assert_eq!(run.status, 0);
    assert_eq!(
        run.stdout,
        racesim(&["run", "scenarios/bank_account.toml"]).stdout
    );

    let file = bad_file(&dir);
    let err = racesim_with(&dir, &["-q", "check", &file], &[]);
    assert_eq!(err.status, 2);
    assert!(err.stderr.starts_with("error: bad.toml:16:12:"), "{}", err.stderr);
}

#[test]
fn quiet_and_verbose_conflict() {
    let out = racesim(&["-q", "-v", "check", "scenarios/bank_account.toml"]);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// racesim new

#[test]
fn every_template_passes_check_run_and_explore() {
    for template in ["lesson", "transfer", "counter", "semaphore", "producer-consumer"] {
        let dir = scratch(&format!("template_{template}"));
        let out = racesim_with(&dir, &["new", "my_race", "--template", template], &[]);
        assert_eq!(out.status, 0, "{template}: {}", out.stderr);
        assert_eq!(out.stdout, "");
        let text = std::fs::read_to_string(dir.join("my_race.toml")).unwrap();
        assert!(text.contains("\nname = \"my_race\"\n"), "{template}");
        assert!(text.contains("\n[expect]\n"), "{template}");
        assert!(!text.contains("{{"), "{template}: a placeholder is left");
        assert!(text.contains("racesim run my_race.toml"), "{template}");
        for command in ["check", "run", "explore"] {
            let out = racesim_with(&dir, &[command, "my_race.toml"], &[]);
            assert_eq!(
                out.status, 0,
                "{template} {command}: {}{}",
                out.stdout, out.stderr
            );
        }
        let explored = racesim_with(&dir, &["explore", "my_race.toml"], &[]);
        assert!(explored.stdout.contains("outcomes: ok"), "{}", explored.stdout);
    }
}

/// Every key a template sets is explained: the line, or a comment line right above its table
/// or key, says what it is. Checked loosely: no key line may follow a blank line directly.
#[test]
fn templates_comment_their_keys() {
    for template in ["lesson", "transfer", "counter", "semaphore", "producer-consumer"] {
        let out = racesim(&["new", "x", "--template", template, "-o", "-"]);
        let lines: Vec<&str> = out.stdout.lines().collect();
        for (i, line) in lines.iter().enumerate().skip(1) {
            let is_key = line.contains(" = ") && !line.starts_with('#') && !line.starts_with(' ');
            if is_key {
                assert!(
                    !lines[i - 1].trim().is_empty(),
                    "{template}: `{line}` has no comment above it"
                );
            }
        }
    }
}

#[test]
fn new_defaults_to_the_lesson_and_never_overwrites() {
    let dir = scratch("new_overwrite");
    let out = racesim_with(&dir, &["new", "first"], &[]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let lesson = std::fs::read_to_string(dir.join("first.toml")).unwrap();
    assert!(lesson.contains("the lost-update lesson"));

    std::fs::write(dir.join("taken.toml"), "keep me").unwrap();
    let out = racesim_with(&dir, &["new", "taken", "--template", "counter"], &[]);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("taken.toml already exists"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("taken.toml")).unwrap(),
        "keep me"
    );
}

#[test]
fn new_writes_where_asked() {
    let dir = scratch("new_output");
    std::fs::create_dir(dir.join("sub")).unwrap();
    let out = racesim_with(
        &dir,
        &["new", "bank", "-o", "sub/other.toml", "-t", "transfer"],
        &[],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(dir.join("sub/other.toml")).unwrap();
    assert!(text.contains("\nname = \"bank\"\n"));
    assert!(text.contains("racesim run sub/other.toml"));

    // NAME may be a path; the name is its last part, and a `.toml` suffix is not doubled.
    let out = racesim_with(&dir, &["new", "sub/race.toml"], &[]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(dir.join("sub/race.toml")).unwrap();
    assert!(text.contains("\nname = \"race\"\n"));

    let out = racesim_with(&dir, &["new", "quoted \"name\"", "-o", "q.toml"], &[]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let sc =
        racesim::scenario::parse("q.toml", &std::fs::read_to_string(dir.join("q.toml")).unwrap()).unwrap();
    assert_eq!(sc.name, "quoted \"name\"");

    let out = racesim_with(&dir, &["new", "missing_dir/x"], &[]);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.starts_with("error: cannot create missing_dir/x.toml"),
        "{}",
        out.stderr
    );
}

#[test]
fn new_to_stdout() {
    let out = racesim(&["new", "piped", "-o", "-"]);
    assert_eq!(out.status, 0);
    let sc = racesim::scenario::parse("piped.toml", &out.stdout).unwrap();
    assert_eq!(sc.name, "piped");
}

// ---------------------------------------------------------------------------------------------
// racesim schema

fn schema() -> Value {
    let out = racesim(&["schema"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("the schema is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).expect("the schema is a valid JSON Schema")
}

fn toml_to_json(text: &str) -> Value {
    toml::from_str::<Value>(text).expect("valid TOML")
}

/// The error messages of the instance's schema violations (empty when valid).
fn violations(validator: &jsonschema::Validator, text: &str) -> Vec<String> {
    let instance = toml_to_json(text);
    validator
        .iter_errors(&instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn committed_schema_is_current() {
    let committed = std::fs::read_to_string(root().join("racesim.schema.json")).unwrap();
    let out = racesim(&["schema"]);
    assert!(
        committed == out.stdout,
        "racesim.schema.json is stale: run `cargo run -- schema > racesim.schema.json`"
    );
}

#[test]
fn schema_is_draft_07_and_documented() {
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(
        schema["description"]
            .as_str()
            .unwrap()
            .contains("racesim scenario")
    );
    assert!(
        schema["properties"]["locks"]["description"]
            .as_str()
            .unwrap()
            .contains("must be\ndeclared")
    );
}

#[test]
fn every_shipped_scenario_matches_the_schema() {
    let validator = validator();
    let files = shipped_scenarios();
    assert!(files.len() >= 9);
    for file in files {
        let text = std::fs::read_to_string(root().join(&file)).unwrap();
        assert_eq!(violations(&validator, &text), Vec::<String>::new(), "{file}");
    }
}

#[test]
fn every_template_matches_the_schema() {
    let validator = validator();
    for template in ["lesson", "transfer", "counter", "semaphore", "producer-consumer"] {
        let out = racesim(&["new", "x", "--template", template, "-o", "-"]);
        assert_eq!(
            violations(&validator, &out.stdout),
            Vec::<String>::new(),
            "{template}"
        );
    }
}

/// A version-2 scenario with every shared object, every step key and every kind of `[expect]`
/// entry: valid for racesim, whatever its runs do.
const V2: &str = r#"name = "everything"
locks = ["m"]
rlocks = ["r"]
semaphores = [{ name = "tellers", value = 2, bounded = true }]
events = ["open"]
conditions = [{ name = "ready", lock = "m" }]
barriers = [{ name = "gate", parties = 2 }]
queues = [{ name = "q", capacity = 2 }]

[scheduler]
policy = "random"
max_steps = 1000

[[accounts]]
name = "a"

[[transactions]]
name = "producer"
steps = [
  { signal = "open" },
  { lock = "r" },
  { lock = "r" },
  { unlock = "r" },
  { unlock = "r", delay = 1 },
  { try_lock = "m", into = "got" },
  { if = "got", then = [{ notify = "ready" }, { notify_all = "ready" }, { unlock = "m" }], else = [] },
  { acquire = "tellers" },
  { release = "tellers" },
  { try_acquire = "tellers", into = "t" },
  { if = "t", then = [{ release = "tellers" }], delay = 1 },
  { put = "q", value = "a + 1" },
  { wait = "gate" },
  { assert = "len(q) >= 0", message = "never negative" },
  { assert = "a >= 0" },
  { clear = "open" },
]

[[transactions]]
name = "consumer"
steps = [
  { wait = "open" },
  { get = "q", into = "x" },
  { cas = "a", expect = "0", value = "x", into = "swapped" },
  { await = "is_set(open) || a >= 0" },
  { set = "n", value = "0" },
  { while = "n < 2", steps = [{ set = "n", value = "n + 1" }, { sleep = 1 }], delay = 1 },
  { while = "0", steps = [] },
  { wait = "gate" },
  { join = "producer" },
]

[[transactions]]
name = "waiter"
steps = [
  { lock = "m" },
  { wait = "ready" },
  { unlock = "m" },
  { read = "a", into = "seen" },
  { require = "seen >= 0" },
  { write = "a", value = "seen + 1" },
  { atomic_add = "a", value = "1" },
  { log = "done" },
]

[expect]
outcomes = [{ a = 1, q = [] }, { a = 0 }, "deadlock", "livelock", "error"]
always = ["len(q) <= 2"]
at_end = ["a >= 0 && len(q) == 0 || is_set(open)"]
final = { q = [] }
"#;

/// `V2` with its semaphores, conditions, barriers and queues as arrays of tables.
fn v2_with_tables() -> String {
    let mut text = V2.to_string();
    let mut tables = String::new();
    for (inline, table) in [
        (
            "semaphores = [{ name = \"tellers\", value = 2, bounded = true }]\n",
            "[[semaphores]]\nname = \"tellers\"\nvalue = 2\nbounded = true\n\n",
        ),
        (
            "conditions = [{ name = \"ready\", lock = \"m\" }]\n",
            "[[conditions]]\nname = \"ready\"\nlock = \"m\"\n\n",
        ),
        (
            "barriers = [{ name = \"gate\", parties = 2 }]\n",
            "[[barriers]]\nname = \"gate\"\nparties = 2\n\n",
        ),
        (
            "queues = [{ name = \"q\", capacity = 2 }]\n",
            "[[queues]]\nname = \"q\"\ncapacity = 2\n\n",
        ),
    ] {
        assert!(text.contains(inline), "{inline}");
        text = text.replacen(inline, "", 1);
        tables.push_str(table);
    }
    text.replacen("[scheduler]", &format!("{tables}[scheduler]"), 1)
}

#[test]
fn a_version_2_scenario_matches_the_schema() {
    let validator = validator();
    for (what, text) in [
        ("inline tables", V2.to_string()),
        ("[[tables]]", v2_with_tables()),
    ] {
        if let Err(e) = racesim::scenario::parse("v2.toml", &text) {
            panic!("{what}: racesim rejects it: {}", e.message);
        }
        assert_eq!(violations(&validator, &text), Vec::<String>::new(), "{what}");
    }
    // Every step key of the schema is used.
    let root = schema();
    for key in property_names(&root, &root["definitions"]["Step"]) {
        assert!(
            V2.contains(&format!("{{ {key} = ")) || V2.contains(&format!(", {key} = ")),
            "{key}"
        );
    }
}

#[test]
fn schema_rejects_invalid_files() {
    let validator = validator();
    let cases = [
        (
            "unknown top-level key",
            BASE.replacen("name = \"typos\"", "nmae = \"typos\"", 1),
        ),
        (
            "unknown account key",
            BASE.replacen("balance = 100", "balanse = 100", 1),
        ),
        (
            "wrong type",
            BASE.replacen("balance = 100", "balance = \"100\"", 1),
        ),
        ("float", BASE.replacen("balance = 100", "balance = 1.5", 1)),
        ("unknown policy", BASE.replacen("\"random\"", "\"randon\"", 1)),
        (
            "bad name",
            BASE.replacen("locks = [\"m\"]", "locks = [\"m n\"]", 1),
        ),
        (
            "unknown step key",
            BASE.replacen("{ lock = \"m\" }", "{ lok = \"m\" }", 1),
        ),
        (
            "two operations in a step",
            BASE.replacen("{ lock = \"m\" }", "{ lock = \"m\", sleep = 1 }", 1),
        ),
        (
            "read without into",
            BASE.replacen(", into = \"local_copy\"", "", 1),
        ),
        (
            "negative sleep",
            BASE.replacen("{ unlock = \"m\" }", "{ sleep = -1 }", 1),
        ),
        ("zero workers", format!("{BASE}\n[pool]\nworkers = 0\n")),
        (
            "kind and steps",
            BASE.replacen("name = \"deposit\"", "name = \"deposit\"\nkind = \"update\"", 1),
        ),
        (
            "neither kind nor steps",
            "[[transactions]]\nname = \"t\"\n".to_string(),
        ),
        (
            "update without amount",
            "[[transactions]]\nname = \"t\"\nkind = \"update\"\naccount = \"a\"\n".to_string(),
        ),
        (
            "kind key without kind",
            BASE.replacen("name = \"deposit\"", "name = \"deposit\"\namount = 5", 1),
        ),
        ("unknown outcome", format!("{BASE}outcomes = [\"deadlok\"]\n")),
        ("limit is no outcome", format!("{BASE}outcomes = [\"limit\"]\n")),
        (
            "duplicate outcome",
            format!("{BASE}outcomes = [\"error\", \"error\"]\n"),
        ),
        (
            "a float in an outcome",
            format!("{BASE}outcomes = [{{ account = 1.5 }}]\n"),
        ),
        (
            "a string in final",
            format!("{BASE}final = {{ account = \"0\" }}\n"),
        ),
        ("no transactions", "name = \"empty\"\n".to_string()),
    ];
    let v2_cases = [
        (
            "unknown semaphore key",
            V2.replacen("bounded = true", "bound = true", 1),
        ),
        (
            "negative semaphore value",
            V2.replacen("value = 2", "value = -1", 1),
        ),
        ("condition without a lock", V2.replacen(", lock = \"m\"", "", 1)),
        ("zero parties", V2.replacen("parties = 2", "parties = 0", 1)),
        ("barrier without parties", V2.replacen(", parties = 2", "", 1)),
        (
            "negative capacity",
            V2.replacen("capacity = 2", "capacity = -1", 1),
        ),
        ("bad event name", V2.replacen("[\"open\"]", "[\"op en\"]", 1)),
        ("duplicate rlock", V2.replacen("[\"r\"]", "[\"r\", \"r\"]", 1)),
        ("cas without expect", V2.replacen("expect = \"0\", ", "", 1)),
        ("get without into", V2.replacen(", into = \"x\"", "", 1)),
        ("try_lock without into", V2.replacen(", into = \"got\"", "", 1)),
        ("put without value", V2.replacen(", value = \"a + 1\"", "", 1)),
        (
            "message on a step other than assert",
            V2.replacen("{ clear = \"open\" }", "{ clear = \"open\", message = \"m\" }", 1),
        ),
        (
            "into on a step that assigns nothing",
            V2.replacen(
                "{ acquire = \"tellers\" }",
                "{ acquire = \"tellers\", into = \"y\" }",
                1,
            ),
        ),
        (
            "then on while",
            V2.replacen(
                "{ while = \"0\", steps = [] }",
                "{ while = \"0\", steps = [], then = [] }",
                1,
            ),
        ),
        (
            "if without then",
            V2.replacen(", then = [{ release = \"tellers\" }]", "", 1),
        ),
        (
            "while without steps",
            V2.replacen("{ while = \"0\", steps = [] }", "{ while = \"0\" }", 1),
        ),
        (
            "two operations in a nested step",
            V2.replacen("{ sleep = 1 }", "{ sleep = 1, signal = \"open\" }", 1),
        ),
        (
            "unknown key in a nested step",
            V2.replacen("{ release = \"tellers\" }]", "{ relase = \"tellers\" }]", 1),
        ),
        (
            "negative delay on an if",
            V2.replacen("}], delay = 1 }", "}], delay = -1 }", 1),
        ),
        (
            "zero max_steps",
            V2.replacen("max_steps = 1000", "max_steps = 0", 1),
        ),
    ];
    assert!(violations(&validator, BASE).is_empty());
    assert!(violations(&validator, V2).is_empty());
    for (what, text) in &v2_cases {
        assert_ne!(text, V2, "{what}: the case changes the scenario");
    }
    for (what, text) in cases.into_iter().chain(v2_cases) {
        // Every case is also one that racesim itself rejects: the schema is no stricter.
        assert!(
            racesim::scenario::parse("case.toml", &text).is_err(),
            "{what}: racesim accepts it"
        );
        assert!(
            !violations(&validator, &text).is_empty(),
            "{what}: the schema accepts\n{text}"
        );
    }
}

/// Resolves a local `$ref` (and a lone `allOf` wrapping one) to the schema it names.
fn deref<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    loop {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let pointer = r.strip_prefix('#').unwrap();
            schema = root.pointer(pointer).unwrap_or_else(|| panic!("{r} resolves"));
        } else if let Some([only]) = schema.get("allOf").and_then(Value::as_array).map(Vec::as_slice)
            && schema.get("properties").is_none()
        {
            schema = only;
        } else {
            return schema;
        }
    }
}

/// The property names a (possibly `oneOf`) object schema allows.
fn property_names(root: &Value, schema: &Value) -> BTreeSet<String> {
    let schema = deref(root, schema);
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        return properties.keys().cloned().collect();
    }
    schema["oneOf"]
        .as_array()
        .unwrap_or_else(|| panic!("an object schema or a oneOf of them: {schema}"))
        .iter()
        .flat_map(|o| property_names(root, o))
        .collect()
}

/// The keys that racesim's own parser accepts in a table, from its "unknown key" message.
fn accepted_keys(text: &str) -> BTreeSet<String> {
    let err = racesim::scenario::parse("keys.toml", text).expect_err("zzz is rejected");
    // toml words it "expected `a`", "expected `a` or `b`" or "expected one of `a`, `b`, ...".
    let rest = err
        .message
        .strip_prefix("unknown key `zzz`, expected ")
        .unwrap_or_else(|| panic!("an unknown-key message: {}", err.message));
    rest.split('`').skip(1).step_by(2).map(String::from).collect()
}

/// Fails when raw.rs (what racesim accepts) and schema.rs (what editors are told) disagree
/// about the keys of any table.
#[test]
fn schema_keys_match_what_racesim_accepts() {
    let root = schema();
    let defs = |name: &str| root["definitions"][name].clone();
    // The variant of a step that takes `key`, and the schema of the steps in its list `list`.
    let nested = |key: &str, list: &str| -> Value {
        let variant = root["definitions"]["Step"]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["properties"].get(key).is_some())
            .unwrap_or_else(|| panic!("a step variant with `{key}`"));
        variant["properties"][list]["items"].clone()
    };
    let tx = "[[transactions]]\nname = \"t\"\nsteps = [{ sleep = 1 }]\n";
    let step = |s: &str| format!("[[transactions]]\nname = \"t\"\nsteps = [{s}]\n");
    let cases: Vec<(&str, String, Value)> = vec![
        ("top level", format!("zzz = 1\n{tx}"), root.clone()),
        (
            "semaphores",
            format!("semaphores = [{{ name = \"s\", zzz = 1 }}]\n{tx}"),
            defs("Semaphore"),
        ),
        (
            "[[semaphores]]",
            format!("{tx}[[semaphores]]\nname = \"s\"\nzzz = 1\n"),
            defs("Semaphore"),
        ),
        (
            "conditions",
            format!("conditions = [{{ name = \"c\", zzz = 1 }}]\n{tx}"),
            defs("Condition"),
        ),
        (
            "barriers",
            format!("barriers = [{{ name = \"b\", zzz = 1 }}]\n{tx}"),
            defs("Barrier"),
        ),
        (
            "queues",
            format!("queues = [{{ name = \"q\", zzz = 1 }}]\n{tx}"),
            defs("Queue"),
        ),
        (
            "[scheduler]",
            format!("[scheduler]\nzzz = 1\n{tx}"),
            defs("Scheduler"),
        ),
        ("[pool]", format!("[pool]\nzzz = 1\n{tx}"), defs("Pool")),
        (
            "[[accounts]]",
            format!("[[accounts]]\nname = \"a\"\nzzz = 1\n{tx}"),
            defs("Account"),
        ),
        ("[[transactions]]", format!("{tx}zzz = 1\n"), defs("Transaction")),
        ("a step", step("{ sleep = 1, zzz = 1 }"), defs("Step")),
        (
            "a step in `then`",
            step("{ if = \"1\", then = [{ sleep = 1, zzz = 1 }] }"),
            nested("if", "then"),
        ),
        (
            "a step in `else`",
            step("{ if = \"1\", then = [], else = [{ sleep = 1, zzz = 1 }] }"),
            nested("if", "else"),
        ),
        (
            "a step in a while's `steps`",
            step("{ while = \"1\", steps = [{ sleep = 1, zzz = 1 }] }"),
            nested("while", "steps"),
        ),
        ("[expect]", format!("{tx}[expect]\nzzz = 1\n"), defs("Expect")),
    ];
    for (table, text, schema) in cases {
        assert_eq!(
            property_names(&root, &schema),
            accepted_keys(&text),
            "{table}: the schema's keys differ from what racesim accepts"
        );
    }
}

/// The operation keys of a step as racesim lists them, in its order.
fn racesim_step_operations() -> Vec<String> {
    let text = "[[transactions]]\nname = \"t\"\nsteps = [{ delay = 1 }]\n";
    let err = racesim::scenario::parse("ops.toml", text).expect_err("a step needs an operation");
    assert_eq!(err.message, "step has no operation");
    let help = err.help.expect("the operations are listed");
    help.strip_prefix("give exactly one of: ")
        .unwrap_or_else(|| panic!("{help}"))
        .split(", ")
        .map(String::from)
        .collect()
}

#[test]
fn schema_enums_match_racesim() {
    let root = schema();
    let consts = |name: &str| -> Vec<String> {
        root["definitions"][name]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["const"].as_str().unwrap().to_string())
            .collect()
    };
    let policies: Vec<String> = racesim::scenario::PolicyKind::ALL
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    assert_eq!(consts("Policy"), policies);
    assert_eq!(consts("Kind"), ["update", "transfer"]);
    assert_eq!(consts("Status"), ["deadlock", "livelock", "error"]);
    for status in consts("Status") {
        let text = format!(
            "[[transactions]]\nname = \"t\"\nsteps = [{{ sleep = 1 }}]\n[expect]\noutcomes = [\"{status}\"]\n"
        );
        if let Err(e) = racesim::scenario::parse("status.toml", &text) {
            panic!("{status}: {}", e.message);
        }
    }
    // Each step variant requires its operation key plus what that operation needs, in
    // racesim's order of the operations.
    let steps: Vec<Vec<String>> = root["definitions"]["Step"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    let ops: Vec<&str> = steps.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ops, racesim_step_operations());
    assert_eq!(
        ops,
        [
            "read",
            "write",
            "set",
            "atomic_add",
            "lock",
            "unlock",
            "try_lock",
            "acquire",
            "release",
            "try_acquire",
            "signal",
            "clear",
            "wait",
            "notify",
            "notify_all",
            "put",
            "get",
            "join",
            "await",
            "assert",
            "cas",
            "if",
            "while",
            "require",
            "sleep",
            "log"
        ]
    );
}

/// Fails when a step variant of the schema allows, requires or forbids a key other than the
/// validator's rules for that operation (steps.rs) say.
#[test]
fn schema_step_variants_match_the_validator() {
    let root = schema();
    let extras: [(&str, &str); 7] = [
        ("into", "\"x\""),
        ("value", "\"1\""),
        ("expect", "\"1\""),
        ("message", "\"m\""),
        ("then", "[]"),
        ("else", "[]"),
        ("steps", "[]"),
    ];
    // racesim's message about the step's keys, if any.
    let complaint = |keys: &[(&str, &str)]| -> Option<String> {
        let step: Vec<String> = keys.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let text = format!(
            "[[transactions]]\nname = \"t\"\nsteps = [{{ {} }}]\n",
            step.join(", ")
        );
        let message = racesim::scenario::parse("step.toml", &text).err()?.message;
        (message.contains("does not apply") || message.contains(" needs `")).then_some(message)
    };
    for variant in root["definitions"]["Step"]["oneOf"].as_array().unwrap() {
        let required: BTreeSet<&str> = variant["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        let allowed: BTreeSet<&str> = variant["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let op = variant["required"][0].as_str().unwrap();
        assert_eq!(variant["additionalProperties"], false, "{op}");
        assert!(
            allowed.contains("delay") && !required.contains("delay"),
            "{op}: delay"
        );
        let op_value = if op == "sleep" { "1" } else { "\"x\"" };
        let with = |skip: &str, add: &str| -> Vec<(&str, &str)> {
            std::iter::once((op, op_value))
                .chain(
                    extras
                        .iter()
                        .filter(|(k, _)| (required.contains(k) && *k != skip) || *k == add)
                        .copied(),
                )
                .collect()
        };
        assert_eq!(complaint(&with("", "")), None, "{op} with its required keys");
        for (key, _) in extras {
            if !allowed.contains(key) {
                let message = complaint(&with("", key));
                assert_eq!(
                    message.as_deref(),
                    Some(format!("`{key}` does not apply to `{op}`").as_str()),
                    "{op} forbids {key}"
                );
            } else if required.contains(key) {
                let message = complaint(&with(key, "")).unwrap_or_default();
                assert!(
                    message.starts_with(&format!("`{op}` needs `{key} = ")),
                    "{op} requires {key}: {message}"
                );
            } else {
                assert_eq!(complaint(&with("", key)), None, "{op} allows {key}");
            }
        }
        // Nothing else: the operation, its keys and `delay`.
        for key in &allowed {
            assert!(
                *key == op || *key == "delay" || extras.iter().any(|(k, _)| k == key),
                "{op}: unexpected key {key}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Completions and the man page

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = racesim(&["completions", shell]);
        assert_eq!(out.status, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains("racesim"), "{shell}");
        for sub in SUBCOMMANDS {
            assert!(out.stdout.contains(sub), "{shell}: no `{sub}`");
        }
        assert!(out.stdout.contains("color"), "{shell}: no global flags");
    }
    let out = racesim(&["completions", "tcsh"]);
    assert_eq!(out.status, 2);
}

#[test]
fn man_page() {
    let out = racesim(&["man"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with(".ie"), "roff: {}", out.stdout);
    assert!(out.stdout.contains(".TH racesim 1"), "{}", out.stdout);
    for sub in SUBCOMMANDS {
        assert!(out.stdout.contains(&format!("racesim\\-{sub}(1)")), "no `{sub}`");
    }
    assert!(out.stdout.contains("NO_COLOR"));
    assert!(!out.stdout.contains("racesim\\-help"));
}

#[test]
fn man_pages_of_subcommands() {
    for sub in SUBCOMMANDS {
        let out = racesim(&["man", sub]);
        assert_eq!(out.status, 0, "{sub}: {}", out.stderr);
        assert!(
            out.stdout.contains(&format!(".TH racesim-{sub} 1")),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout.contains(&format!("\\fBracesim {sub}\\fR")),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("\\-\\-color"), "{sub}: the global flags");
    }
    let out = racesim(&["man", "nope"]);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("no subcommand `nope`"), "{}", out.stderr);
}
