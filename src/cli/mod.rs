//! The command line: clap definitions, reading files, and mapping results to exit statuses.
//!
//! Exit statuses: 0 success and every expectation holds; 1 an expectation failed; 2 invalid
//! scenario or usage. Output is built in memory and written once, so a failure never leaves a
//! partial file behind.

mod manual;
mod new;
mod term;
mod user_tests;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use racesim::explore;
use racesim::run::{self, PolicyChoice};
use racesim::scenario::{self, PolicyKind, Scenario, ScenarioError};
use racesim::sweep::{self, SeededPolicy};
use racesim::{render, threads};

#[derive(Debug, Parser)]
#[command(
    name = "racesim",
    version,
    about = "Make race conditions visible, reproducible, explorable and testable"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour output: auto (a terminal and NO_COLOR unset), always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = crate::cli::term::ColorWhen::Auto)]
    pub color: crate::cli::term::ColorWhen,
    /// Print only the primary output and errors: no progress bars or notes on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail on stderr (deterministic, never timings); repeat for more.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario once and print the interleaving step by step.
    Run(RunArgs),
    /// Visit every interleaving: exact outcome counts, probabilities and witnesses.
    Explore(ExploreArgs),
    /// Run the random (or pct) policy once per seed and count the outcomes.
    Sweep(SweepArgs),
    /// Golden-file tests of scenarios: run each as its file says and compare with NAME.golden.
    Test {
        /// Scenario files or directories (searched recursively); default: scenarios/
        paths: Vec<PathBuf>,
        /// Write the golden files (never for a scenario whose [expect] fails).
        #[arg(long)]
        bless: bool,
        /// Only scenarios whose path contains this text.
        #[arg(long)]
        filter: Option<String>,
    },
    /// Validate scenario files without running them.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a commented starter scenario that passes `racesim check`.
    New(crate::cli::new::NewArgs),
    /// Print the JSON Schema of scenario files, for completion and checks in editors.
    Schema,
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `racesim man > racesim.1`, or a subcommand's page.
    Man {
        /// Print racesim-SUBCOMMAND(1) instead of racesim(1).
        subcommand: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyArg {
    Random,
    RoundRobin,
    Scripted,
    Pct,
    OsThreads,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    Text,
    Jsonl,
    /// A timeline picture: a lane per thread, lost updates in red.
    Svg,
    /// One offline page: the timeline, the log and the scenario source.
    Html,
    /// Chrome trace-event JSON for Perfetto or chrome://tracing.
    Chrome,
    /// A Mermaid sequence diagram (renders in GitHub markdown).
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    /// A bar chart of the outcomes, expected ones marked.
    Svg,
    /// One offline page: the chart, the report and the scenario source.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeededPolicyArg {
    Random,
    Pct,
}

#[derive(Debug, clap::Args)]
pub struct ExploreArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Stop (exit status 2) after this many distinct states [default: 20,000,000, lowered for
    /// scenarios with many threads so that exploring stays within about 2 GiB]
    #[arg(long)]
    pub max_states: Option<u64>,
    /// Override the pool size.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub workers: Option<u32>,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Seeds to run: A..B (B excluded) or A..=B.
    #[arg(long)]
    pub seeds: String,
    /// The seeded policy (default: the scenario's if it is pct, else random).
    #[arg(long, value_enum)]
    pub policy: Option<SeededPolicyArg>,
    /// pct: the bug depth d.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub depth: Option<u32>,
    /// Worker threads (default: all cores). The output does not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Override the pool size.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub workers: Option<u32>,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Override the scenario's scheduler policy.
    #[arg(long, value_enum)]
    pub policy: Option<PolicyArg>,
    /// Seed for random and pct (default: the scenario's, else 0).
    #[arg(long)]
    pub seed: Option<u64>,
    /// pct: the bug depth d.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub depth: Option<u32>,
    /// round-robin: steps a thread runs before the turn passes.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub quantum: Option<u32>,
    /// Replay this schedule (comma-separated names, `name*N` repeats); implies scripted.
    #[arg(long)]
    pub schedule: Option<String>,
    /// Override the pool size.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub workers: Option<u32>,
    /// os-threads: the real duration of one tick, e.g. 1ms, 200us.
    #[arg(long)]
    pub tick: Option<String>,
    #[arg(long, value_enum, default_value_t = RunFormat::Text)]
    pub format: RunFormat,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// Runs the command line and returns the process's exit status.
pub fn main() -> ExitCode {
    crate::cli::term::preparse_color(std::env::args_os());
    let cli = Cli::parse();
    crate::cli::term::init(cli.color, cli.quiet, cli.verbose);
    match cli.command {
        Command::Run(args) => run_command(&args),
        Command::Explore(args) => finish(explore_command(&args)),
        Command::Sweep(args) => finish(sweep_command(&args)),
        Command::Check { files } => check_command(&files),
        Command::New(args) => crate::cli::new::command(&args),
        Command::Schema => crate::cli::manual::print_stdout(racesim::schema::json().as_bytes()),
        Command::Completions { shell } => {
            crate::cli::manual::print_stdout(&crate::cli::manual::completions(shell))
        }
        Command::Man { subcommand } => crate::cli::manual::man_command(subcommand.as_deref()),
        Command::Test { paths, bless, filter } => {
            ExitCode::from(crate::cli::user_tests::run(&crate::cli::user_tests::Options {
                paths,
                bless,
                filter,
            }))
        }
    }
}

/// Why a command stopped early; printed to stderr with exit status 2.
enum Failure {
    Scenario(Box<ScenarioError>),
    Usage(String),
}

impl From<Box<ScenarioError>> for Failure {
    fn from(e: Box<ScenarioError>) -> Self {
        Failure::Scenario(e)
    }
}

fn report(failure: Failure) -> ExitCode {
    match failure {
        Failure::Scenario(e) => print_scenario_error(&e),
        Failure::Usage(message) => eprintln!("error: {message}"),
    }
    ExitCode::from(2)
}

/// `error: file:line:col: message` first (for editors and CI), then the source with a caret.
pub fn print_scenario_error(e: &ScenarioError) {
    eprint!("{}", e.render(crate::cli::term::stderr_color()));
}

pub fn load(path: &std::path::Path) -> Result<Scenario, Box<ScenarioError>> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        };
        Box::new(ScenarioError::file(
            &shown,
            format!("cannot read the scenario: {reason}"),
        ))
    })?;
    scenario::parse_bytes(&shown, &bytes)
}

fn run_command(args: &RunArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(f) => report(f),
    }
}

fn run_inner(args: &RunArgs) -> Result<ExitCode, Failure> {
    let mut sc = load(&args.file)?;
    if let Some(w) = args.workers {
        sc.workers = w as usize;
    }
    // How commands in the report name the scenario (quoted, with any --workers override).
    let file = render::target(&args.file.display().to_string(), args.workers);
    let mut kind = match args.policy {
        Some(PolicyArg::Random) => PolicyKind::Random,
        Some(PolicyArg::RoundRobin) => PolicyKind::RoundRobin,
        Some(PolicyArg::Scripted) => PolicyKind::Scripted,
        Some(PolicyArg::Pct) => PolicyKind::Pct,
        Some(PolicyArg::OsThreads) => PolicyKind::OsThreads,
        None => sc.scheduler.policy,
    };
    if let Some(text) = &args.schedule {
        if args.policy.is_some_and(|p| p != PolicyArg::Scripted) {
            return Err(Failure::Usage(
                "--schedule replays a script; it cannot be combined with another --policy".into(),
            ));
        }
        kind = PolicyKind::Scripted;
        sc.scheduler.schedule = Some(
            scenario::parse_schedule(&sc, text).map_err(|m| Failure::Usage(format!("--schedule: {m}")))?,
        );
    }
    let s = &sc.scheduler;
    let seed = args.seed.unwrap_or(s.seed);
    let report = match kind {
        PolicyKind::OsThreads => {
            let tick = match &args.tick {
                Some(t) => scenario::parse_duration(t).ok_or_else(|| {
                    Failure::Usage(format!("--tick: `{t}` is not a duration (e.g. 1ms, 200us)"))
                })?,
                None => s.tick,
            };
            threads::run(&sc, tick)
        }
        _ => {
            let choice = match kind {
                PolicyKind::Random => PolicyChoice::Random { seed },
                PolicyKind::RoundRobin => PolicyChoice::RoundRobin {
                    quantum: args.quantum.unwrap_or(s.quantum),
                },
                PolicyKind::Pct => PolicyChoice::Pct {
                    seed,
                    depth: args.depth.unwrap_or(s.depth),
                },
                _ => PolicyChoice::Scripted {
                    schedule: s.schedule.clone().ok_or_else(|| {
                        Failure::Usage(
                            "policy scripted needs a schedule: pass --schedule or set [scheduler] schedule"
                                .into(),
                        )
                    })?,
                },
            };
            run::run(&sc, &choice)
        }
    };
    let out = match args.format {
        RunFormat::Text => render::text::render(&report, &file),
        RunFormat::Jsonl => render::jsonl::render(&report),
        RunFormat::Svg => render::svg::run(&report, &file),
        RunFormat::Html => render::html::run(
            &report,
            &file,
            &source_text(&args.file),
            &render::text::render(&report, &file),
        ),
        RunFormat::Chrome => render::chrome::render(&report),
        RunFormat::Mermaid => render::mermaid::render(&report),
    };
    emit(args.output.as_deref(), &out)?;
    Ok(if report.summary.policy_error {
        eprintln!(
            "error: {}",
            report
                .summary
                .outcome
                .status
                .message()
                .unwrap_or("the schedule does not fit")
        );
        ExitCode::from(2)
    } else if report.summary.checks.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The scenario's text for the HTML pages, read again after `load` has validated it.
fn source_text(path: &std::path::Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
}

/// Writes to stdout, or to `path` through a temporary file renamed into place.
fn emit(path: Option<&std::path::Path>, text: &str) -> Result<(), Failure> {
    match path {
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush());
            Ok(())
        }
        Some(path) => write_atomically(path, text)
            .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display()))),
    }
}

fn finish(result: Result<ExitCode, Failure>) -> ExitCode {
    result.unwrap_or_else(report)
}

fn explore_command(args: &ExploreArgs) -> Result<ExitCode, Failure> {
    let mut sc = load(&args.file)?;
    if let Some(w) = args.workers {
        sc.workers = w as usize;
    }
    // How commands in the report name the scenario (quoted, with any --workers override).
    let file = render::target(&args.file.display().to_string(), args.workers);
    let limit = args
        .max_states
        .unwrap_or_else(|| explore::default_max_states(&sc));
    let x = explore::explore(&sc, limit).map_err(|e| Failure::Usage(e.to_string()))?;
    let out = match args.format {
        ReportFormat::Text => render::explore::text(&sc, &x, &file),
        ReportFormat::Json => render::explore::json(&sc, &x, &file),
        ReportFormat::Svg => render::svg::explore(&sc, &x, &file),
        ReportFormat::Html => render::html::explore(
            &sc,
            &x,
            &file,
            &source_text(&args.file),
            &render::explore::text(&sc, &x, &file),
        ),
    };
    emit(args.output.as_deref(), &out)?;
    let (_, ok) = render::explore::verdicts(&sc, &x, &file);
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn sweep_command(args: &SweepArgs) -> Result<ExitCode, Failure> {
    let mut sc = load(&args.file)?;
    if let Some(w) = args.workers {
        sc.workers = w as usize;
    }
    // How commands in the report name the scenario (quoted, with any --workers override).
    let file = render::target(&args.file.display().to_string(), args.workers);
    let seeds = sweep::parse_seeds(&args.seeds).map_err(|m| Failure::Usage(format!("--seeds: {m}")))?;
    let use_pct = match args.policy {
        Some(SeededPolicyArg::Pct) => true,
        Some(SeededPolicyArg::Random) => false,
        None => sc.scheduler.policy == PolicyKind::Pct,
    };
    let policy = if use_pct {
        SeededPolicy::Pct {
            depth: args.depth.unwrap_or(sc.scheduler.depth),
        }
    } else {
        SeededPolicy::Random
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(j) = args.jobs {
        pool = pool.num_threads(j as usize);
    }
    let pool = pool
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start worker threads: {e}")))?;
    let total = seeds.end - seeds.start;
    let progress = Progress::new(total);
    let result = pool.install(|| sweep::sweep(&sc, seeds.clone(), policy, &|n| progress.inc(n)));
    progress.bar.finish_and_clear();
    let out = match args.format {
        ReportFormat::Text => render::sweep::text(&sc, &result, &file, policy, &args.seeds),
        ReportFormat::Json => render::sweep::json(&sc, &result),
        ReportFormat::Svg => render::svg::sweep(&sc, &result, &file, policy, &args.seeds),
        ReportFormat::Html => render::html::sweep(
            &sc,
            &result,
            &file,
            policy,
            &args.seeds,
            &source_text(&args.file),
            &render::sweep::text(&sc, &result, &file, policy, &args.seeds),
        ),
    };
    emit(args.output.as_deref(), &out)?;
    Ok(if result.first_failure.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A progress bar on stderr, only when stderr is a terminal, and only once the sweep has taken
/// more than a moment, so short sweeps print nothing extra. (The clock only decides whether to
/// draw on stderr; it never reaches the output.)
struct Progress {
    bar: indicatif::ProgressBar,
    terminal: bool,
    start: std::time::Instant,
    shown: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn new(total: u64) -> Progress {
        use std::io::IsTerminal;
        let bar =
            indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::hidden());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} seeds, {per_sec}, eta {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Progress {
            bar,
            terminal: std::io::stderr().is_terminal() && !crate::cli::term::quiet(),
            start: std::time::Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn inc(&self, n: u64) {
        use std::sync::atomic::Ordering;
        self.bar.inc(n);
        if self.terminal
            && !self.shown.load(Ordering::Relaxed)
            && self.start.elapsed() > std::time::Duration::from_millis(300)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }
}

fn check_command(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for path in files {
        match load(path) {
            Ok(sc) => {
                println!(
                    "ok  {} ({} transaction{}, at most {} steps)",
                    path.display(),
                    sc.transactions.len(),
                    if sc.transactions.len() == 1 { "" } else { "s" },
                    sc.max_steps()
                );
                // -v: what validation resolved, on stderr so stdout stays one line per file.
                if crate::cli::term::verbosity() > 0 {
                    let accounts: Vec<String> = sc
                        .accounts
                        .iter()
                        .map(|a| format!("{} = {}", a.name, a.balance))
                        .collect();
                    eprintln!(
                        "    policy {}, {} workers",
                        sc.scheduler.policy.name(),
                        sc.workers
                    );
                    eprintln!("    accounts {}", accounts.join(", "));
                    if !sc.locks.is_empty() {
                        eprintln!("    locks {}", sc.locks.join(", "));
                    }
                    for t in &sc.transactions {
                        eprintln!(
                            "    transaction {}: {} steps x {} repeat, locals [{}]",
                            t.name,
                            t.steps.len(),
                            t.repeat,
                            t.locals.join(", ")
                        );
                    }
                }
            }
            Err(e) => {
                failed = true;
                print_scenario_error(&e);
            }
        }
    }
    if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes through a temporary file in the same directory, renamed into place, so that an
/// output or golden file is never left half-written.
pub(crate) fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.racesim-tmp"));
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definitions_are_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
