//! `racesim test`: golden-file tests of users' own scenarios. This is command-line glue (it
//! reads and writes files); what goes into a golden file is the pure [`golden_text`].
//!
//! A scenario `dir/name.toml` has its golden file beside it, `dir/name.golden`: the text log of
//! a run under the file's own policy and seed, followed by the `explore` report when the file
//! lists `[expect] outcomes`. Commands inside it name the scenario by its file name only, so a
//! golden file does not depend on where `racesim test` was started.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anstyle::{AnsiColor, Style};

use racesim::explore;
use racesim::render::{self, words};
use racesim::run::{self, Overrides, PolicyChoice, PolicyError};
use racesim::scenario::Scenario;

use super::io;

/// What a scenario's golden file should contain, and whether its `[expect]` held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Golden {
    pub text: String,
    pub passed: bool,
    /// Why it failed, in words (empty when it passed).
    pub reasons: Vec<String>,
    /// What was run, for `-v`: the policy, and explore's states when it ran.
    pub detail: String,
}

/// The golden text of `scenario` (named `file_name` in commands), or why there can be none.
pub fn golden_text(scenario: &Scenario, file_name: &str) -> Result<Golden, String> {
    let choice = match PolicyChoice::resolve(scenario, &Overrides::default()) {
        Ok(PolicyChoice::OsThreads { .. }) => {
            return Err(
                "os-threads runs are not reproducible, so they cannot have a golden file; \
                        test the scenario under a simulated policy (e.g. `policy = \"random\"`)"
                    .into(),
            );
        }
        Ok(choice) => choice,
        Err(PolicyError::ScriptedWithoutSchedule) => {
            return Err("policy scripted needs a schedule in [scheduler]".into());
        }
        Err(PolicyError::ScheduleWithPolicy(_)) => unreachable!("no override gives a schedule"),
    };
    let report = run::run(scenario, &choice);
    let mut detail = format!(
        "policy {}, {} steps",
        words::policy(&choice),
        report.summary.steps
    );
    let file_name = &render::text::shell_word(file_name);
    let mut text = render::text::render(&report, file_name);
    let mut reasons = Vec::new();
    if report.summary.outcome.status.is_usage_error() {
        reasons.push(format!(
            "the schedule does not fit: {}",
            words::run_message(scenario, &report.summary.outcome.status).unwrap_or_default()
        ));
    }
    reasons.extend(
        report
            .verdicts
            .failures()
            .map(|v| format!("run: {}", words::run_verdict(&report, v))),
    );
    if scenario.expect.outcomes.is_some() {
        let x = explore::explore(scenario, explore::default_max_states(scenario))
            .map_err(|e| words::too_many_states(&e))?;
        detail.push_str(&format!(", explore {} states", x.states));
        text.push_str("\n--- explore ---\n\n");
        text.push_str(&render::explore::text(scenario, &x, file_name));
        reasons.extend(
            x.verdicts
                .failures()
                .map(|v| format!("explore: {}", words::explore_verdict(scenario, &x, file_name, v))),
        );
    }
    Ok(Golden {
        text,
        passed: reasons.is_empty(),
        reasons,
        detail,
    })
}

/// A unified diff from the golden file to the actual output, coloured when `color`.
pub fn unified_diff(golden: &str, actual: &str, color: bool) -> String {
    let diff = similar::TextDiff::from_lines(golden, actual);
    let mut out = String::new();
    for hunk in diff
        .unified_diff()
        .context_radius(3)
        .header("golden", "actual")
        .to_string()
        .lines()
    {
        let style = match hunk.as_bytes().first() {
            _ if !color => Style::new(),
            Some(b'+') => AnsiColor::Green.on_default(),
            Some(b'-') => AnsiColor::Red.on_default(),
            Some(b'@') => AnsiColor::Cyan.on_default(),
            _ => Style::new(),
        };
        out.push_str(&format!("{style}{hunk}{style:#}\n"));
    }
    out
}

/// Options of `racesim test`.
#[derive(Debug, Clone)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub bless: bool,
    pub filter: Option<String>,
}

/// Finds scenario files: files as given, directories searched recursively (each directory
/// once, however many links lead to it), sorted.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    fn walk(dir: &Path, seen: &mut BTreeSet<PathBuf>, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        // A directory reached again (through a symbolic link, or a link to `.`) is not walked
        // twice: that would test files twice, or loop forever.
        if !seen.insert(std::fs::canonicalize(dir)?) {
            return Ok(());
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, seen, out)?;
            } else if p.extension().is_some_and(|e| e == "toml") && p.is_file() {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut seen, &mut out).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    // The same file named twice (or reached through a link to it) is tested once.
    let mut files = BTreeSet::new();
    out.retain(|p| files.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    Ok(out)
}

pub fn golden_path(scenario: &Path) -> PathBuf {
    scenario.with_extension("golden")
}

enum Verdict {
    Passed(&'static str),
    Failed,
    Invalid,
}

/// Runs the tests and returns the exit status: 0 all passed, 1 some failed, 2 bad usage or an
/// invalid scenario.
pub fn run(options: &Options) -> u8 {
    let mut stdout = anstream::stdout();
    let color = crate::cli::term::stdout_color();
    let default = options.paths.is_empty();
    let paths = if default {
        vec![PathBuf::from("scenarios")]
    } else {
        options.paths.clone()
    };
    if default && !Path::new("scenarios").is_dir() {
        io::eprint_line(
            "error: no scenarios/ directory here: `racesim test` without a PATH tests scenarios/ \
             (test this directory with `racesim test .`, or name files or directories)",
        );
        return 2;
    }
    let files = match discover(&paths) {
        Ok(f) => f,
        Err(message) => {
            io::eprint_line(&format!("error: {message}"));
            return 2;
        }
    };
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| {
            options
                .filter
                .as_ref()
                .is_none_or(|t| f.to_string_lossy().contains(t.as_str()))
        })
        .collect();
    if files.is_empty() {
        io::eprint_line(&format!(
            "error: no scenario files (*.toml) found in {}",
            show_paths(&paths)
        ));
        return 2;
    }
    let ok_style = AnsiColor::Green.on_default();
    let bad_style = AnsiColor::Red.on_default().bold();
    let _ = writeln!(
        stdout,
        "running {} scenario{}",
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    );
    let mut failures: Vec<(PathBuf, String)> = Vec::new();
    let (mut passed, mut invalid) = (0, false);
    for file in &files {
        let verdict = test_one(file, options.bless, color, &mut failures);
        let shown = file.display();
        let _ = match verdict {
            Verdict::Passed(note) => {
                passed += 1;
                writeln!(stdout, "test {shown} ... {ok_style}ok{ok_style:#}{note}")
            }
            Verdict::Failed | Verdict::Invalid => {
                writeln!(stdout, "test {shown} ... {bad_style}FAILED{bad_style:#}")
            }
        };
        if let Verdict::Invalid = verdict {
            invalid = true;
        }
    }
    if !failures.is_empty() {
        let _ = writeln!(stdout, "\nfailures:");
        for (file, details) in &failures {
            let _ = writeln!(stdout, "\n---- {} ----\n{details}", file.display());
        }
    }
    let _ = writeln!(stdout, "\n{passed} passed, {} failed", files.len() - passed);
    let _ = stdout.flush();
    if invalid {
        2
    } else {
        u8::from(!failures.is_empty())
    }
}

fn show_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn test_one(file: &Path, bless: bool, color: bool, failures: &mut Vec<(PathBuf, String)>) -> Verdict {
    let reproduce = format!(
        "reproduce: racesim test {}",
        render::text::shell_word(&file.display().to_string())
    );
    let mut fail = |details: String| {
        failures.push((file.to_path_buf(), format!("{details}\n{reproduce}")));
    };
    let scenario = match io::load(file) {
        Ok(loaded) => loaded.scenario,
        Err(e) => {
            fail(format!("error: {e}"));
            return Verdict::Invalid;
        }
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let golden = match golden_text(&scenario, &name) {
        Ok(g) => {
            if super::term::verbosity() > 0 {
                io::eprint_line(&format!("    {}: {}", file.display(), g.detail));
            }
            g
        }
        Err(message) => {
            fail(message);
            return Verdict::Failed;
        }
    };
    if !golden.passed {
        let mut details = String::from("[expect] does not hold");
        if bless {
            details.push_str(" (so the golden file was not blessed)");
        }
        for r in &golden.reasons {
            details.push_str(&format!("\n  {r}"));
        }
        fail(details);
        return Verdict::Failed;
    }
    let path = golden_path(file);
    let existing = match read_golden(&path) {
        Ok(text) => text,
        Err(message) => {
            fail(message);
            return Verdict::Failed;
        }
    };
    if bless {
        if existing.as_deref() == Some(golden.text.as_str()) {
            return Verdict::Passed(" (golden file unchanged)");
        }
        if let Err(e) = io::write_atomically(&path, golden.text.as_bytes()) {
            fail(format!("cannot write {}: {e}", path.display()));
            return Verdict::Failed;
        }
        return Verdict::Passed(if existing.is_some() {
            " (blessed: golden file changed)"
        } else {
            " (blessed: new golden file)"
        });
    }
    match existing {
        None => {
            fail(format!(
                "no golden file {}; run `racesim test --bless {}` to create it, then read it",
                path.display(),
                render::text::shell_word(&file.display().to_string())
            ));
            Verdict::Failed
        }
        Some(text) if text == golden.text => Verdict::Passed(""),
        Some(text) => {
            fail(format!(
                "output differs from {}:\n{}",
                path.display(),
                unified_diff(&text, &golden.text, color).trim_end()
            ));
            Verdict::Failed
        }
    }
}

/// The golden file's text, `None` when there is none yet, or why it cannot be read.
fn read_golden(path: &Path) -> Result<Option<String>, String> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        Ok(meta) if !meta.is_file() => Err(format!(
            "{} is not a regular file (a golden file is the text a scenario is expected to print)",
            path.display()
        )),
        Ok(_) => std::fs::read(path)
            .map(|b| Some(String::from_utf8_lossy(&b).into_owned()))
            .map_err(|e| format!("cannot read {}: {e}", path.display())),
    }
}
