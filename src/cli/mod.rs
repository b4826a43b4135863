//! The command line: clap definitions (typed options) and dispatch to the commands. Output is
//! built in memory and written once, so a failure never leaves a partial file behind; exit
//! statuses come from `exit`, files and streams from `io`.

mod commands;
mod exit;
mod io;
mod manual;
mod new;
mod progress;
mod term;
mod user_tests;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use racesim::scenario::PolicyKind;

#[derive(Debug, Parser)]
#[command(
    name = "racesim",
    version,
    about = "Make race conditions visible, reproducible, explorable and testable",
    // Our own `help` subcommand, so that `racesim help --help` works like every other.
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour output: auto (a terminal and `NO_COLOR` unset), always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = term::ColorWhen::Auto)]
    pub color: term::ColorWhen,
    /// Print only the primary output and errors: no progress bars or notes on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more detail on stderr for run, explore, sweep, check and test (deterministic,
    /// never timings).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// `-v` of the commands that have more to say: what they resolved and did, on stderr.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct Verbose {
    /// Print more detail on stderr: what was resolved and done (deterministic, never timings).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
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
        #[command(flatten)]
        verbose: Verbose,
        /// Write the golden files (never for a scenario whose [expect] fails).
        #[arg(long)]
        bless: bool,
        /// Only scenarios whose path contains this text.
        #[arg(long)]
        filter: Option<String>,
    },
    /// Validate scenario files without running them.
    Check {
        /// The scenario files to validate (`-` reads one from standard input).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        verbose: Verbose,
    },
    /// Write a commented starter scenario that passes `racesim check`.
    New(new::NewArgs),
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
    /// Print this help, or the help of a subcommand (`racesim help run`).
    Help {
        /// The subcommand to describe.
        subcommand: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    Text,
    Jsonl,
    /// A timeline picture: a lane per thread, lost updates in red.
    Svg,
    /// One offline page: the timeline, the log and the scenario source.
    Html,
    /// Chrome trace-event JSON for Perfetto or <chrome://tracing>.
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

#[derive(Debug, clap::Args)]
pub struct ExploreArgs {
    #[command(flatten)]
    pub verbose: Verbose,
    /// The scenario file (TOML).
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Stop (exit status 2) after this many distinct states [default: 20,000,000]
    #[arg(long)]
    pub max_states: Option<u64>,
    /// Stop (exit status 2) when explore's tables would hold more than this, e.g. 512MiB, 8GiB
    /// [default: half of the machine's memory]
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Override the pool size.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub workers: Option<u32>,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub verbose: Verbose,
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Seeds to run: A..B (B excluded) or A..=B.
    #[arg(long)]
    pub seeds: String,
    /// The seeded policy, random or pct (default: the scenario's if it is pct, else random).
    #[arg(long, value_parser = seeded_policy)]
    pub policy: Option<PolicyKind>,
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
    /// Stop each run after N steps with status `limit` (overrides [scheduler] `max_steps`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_steps: Option<u64>,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub verbose: Verbose,
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Override the scenario's scheduler policy.
    #[arg(long, value_enum)]
    pub policy: Option<PolicyKind>,
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
    /// Stop after N steps with status `limit` (replays a prefix of a run; overrides
    /// [scheduler] `max_steps`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_steps: Option<u64>,
    #[arg(long, value_enum, default_value_t = RunFormat::Text)]
    pub format: RunFormat,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// A size in bytes: a whole number with an optional unit (KiB, MiB, GiB, TiB; K, M, G, T and
/// KB, MB, GB, TB mean the same powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size; write e.g. 512MiB or 8GiB"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("`{text}`: unknown unit; write e.g. 512MiB or 8GiB")),
    };
    n.checked_mul(1 << shift)
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("`{text}` is not a usable size"))
}

/// `--policy` of sweep: a policy that takes a seed.
fn seeded_policy(text: &str) -> Result<PolicyKind, String> {
    match PolicyKind::from_name(text) {
        Some(k @ (PolicyKind::Random | PolicyKind::Pct)) => Ok(k),
        _ => Err("sweep runs a seeded policy: random or pct".into()),
    }
}

/// Runs the command line and returns the process's exit status.
pub fn main() -> ExitCode {
    term::preparse_color(std::env::args_os());
    let cli = Cli::parse();
    let verbose = cli.verbose
        + match &cli.command {
            Command::Run(a) => a.verbose.verbose,
            Command::Explore(a) => a.verbose.verbose,
            Command::Sweep(a) => a.verbose.verbose,
            Command::Check { verbose, .. } | Command::Test { verbose, .. } => verbose.verbose,
            _ => 0,
        };
    if cli.quiet && verbose > 0 {
        return exit::finish(Err(exit::Failure::Usage(
            "--quiet cannot be used with --verbose".into(),
        )));
    }
    term::init(cli.color, cli.quiet, verbose);
    match cli.command {
        Command::Run(args) => exit::finish(commands::run(&args)),
        Command::Explore(args) => exit::finish(commands::explore(&args)),
        Command::Sweep(args) => exit::finish(commands::sweep(&args)),
        Command::Check { files, .. } => exit::finish(commands::check(&files)),
        Command::New(args) => exit::finish(new::command(&args)),
        Command::Schema => exit::finish(exit::emit(None, &racesim::schema::json(), exit::SUCCESS)),
        Command::Completions { shell } => exit::finish(manual::completions_command(shell)),
        Command::Man { subcommand } => exit::finish(manual::man_command(subcommand.as_deref())),
        Command::Help { subcommand } => exit::finish(manual::help_command(subcommand.as_deref())),
        Command::Test {
            paths, bless, filter, ..
        } => ExitCode::from(user_tests::run(&user_tests::Options { paths, bless, filter })),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definitions_are_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
