//! The commands that run scenarios: `run`, `explore`, `sweep` and `check`. Each reads its
//! scenario, applies the command line's overrides, calls the library, renders the chosen format
//! and takes its exit status from the typed verdicts.

use std::path::PathBuf;

use racesim::explore;
use racesim::render::{self, words};
use racesim::run::{self, Overrides, PolicyChoice, PolicyError};
use racesim::scenario::{self, PolicyKind};
use racesim::sweep::{self, SeededPolicy};

use super::exit::{self, Failure};
use super::io::{self, Loaded};
use super::{ExploreArgs, ReportFormat, RunArgs, RunFormat, SweepArgs, term};

/// Reads the scenario of a command and applies `--workers`.
fn load(file: &std::path::Path, workers: Option<u32>) -> Result<Loaded, Failure> {
    let mut loaded = io::load(file)?;
    if let Some(w) = workers {
        loaded.scenario.workers = w as usize;
    }
    Ok(loaded)
}

pub fn run(args: &RunArgs) -> Result<u8, Failure> {
    let Loaded { mut scenario, source } = load(&args.file, args.workers)?;
    let limit_given = args.max_steps.is_some() || scenario.scheduler.max_steps.is_some();
    if let Some(n) = args.max_steps {
        scenario.scheduler.max_steps = Some(n);
    }
    let sc = &scenario;
    // How commands in the report name the scenario (quoted, with any --workers override).
    let file = render::target(&args.file.display().to_string(), args.workers);
    let schedule = match &args.schedule {
        Some(text) => {
            Some(scenario::parse_schedule(sc, text).map_err(|m| Failure::Usage(format!("--schedule: {m}")))?)
        }
        None => None,
    };
    let tick =
        match &args.tick {
            Some(t) => Some(scenario::parse_duration(t).ok_or_else(|| {
                Failure::Usage(format!("--tick: `{t}` is not a duration (e.g. 1ms, 200us)"))
            })?),
            None => None,
        };
    let overrides = Overrides {
        policy: args.policy,
        seed: args.seed,
        depth: args.depth,
        quantum: args.quantum,
        schedule,
        tick,
    };
    let choice = PolicyChoice::resolve(sc, &overrides).map_err(|e| Failure::Usage(policy_error(e)))?;
    let report = run::run(sc, &choice);
    if term::verbosity() > 0 {
        io::eprint_line(&format!(
            "policy {}, {} worker{}, step limit {}",
            words::policy(&choice),
            sc.workers,
            if sc.workers == 1 { "" } else { "s" },
            sc.scheduler
                .max_steps
                .map_or_else(|| "none".to_string(), |n| n.to_string())
        ));
    }
    let color = term::stdout_color();
    let out = match args.format {
        RunFormat::Text => render::text::render_styled(&report, &file, color),
        RunFormat::Jsonl => render::json::run_jsonl(&report),
        RunFormat::Svg => render::svg::run(&report, &file),
        RunFormat::Html => render::html::run(&report, &file, &source, &render::text::render(&report, &file)),
        RunFormat::Chrome => render::chrome::render(&report),
        RunFormat::Mermaid => render::mermaid::render(&report),
    };
    let status = &report.summary.outcome.status;
    if !limit_given && matches!(status, racesim::outcome::Status::Limit { .. }) {
        term::note(&format!(
            "note: a run logs at most {} steps unless --max-steps or [scheduler] max_steps says otherwise",
            run::DEFAULT_LOG_STEPS
        ));
    }
    if status.is_usage_error() {
        // The log (with the error in it) is still written; the status says it did not fit.
        exit::emit(args.output.as_deref(), &out, exit::INVALID)?;
        return Err(Failure::Usage(words::run_message(sc, status).unwrap_or_default()));
    }
    exit::emit(
        args.output.as_deref(),
        &out,
        exit::verdict(report.verdicts.passed()),
    )
}

fn policy_error(e: PolicyError) -> String {
    match e {
        PolicyError::ScriptedWithoutSchedule => {
            "policy scripted needs a schedule: pass --schedule or set [scheduler] schedule".into()
        }
        PolicyError::ScheduleWithPolicy(kind) => format!(
            "--schedule replays a script; it cannot be combined with --policy {}",
            kind.name()
        ),
    }
}

pub fn explore(args: &ExploreArgs) -> Result<u8, Failure> {
    let Loaded { scenario: sc, source } = load(&args.file, args.workers)?;
    let file = render::target(&args.file.display().to_string(), args.workers);
    let limits = explore::Limits {
        max_states: args.max_states.unwrap_or(explore::DEFAULT_MAX_STATES),
        max_memory: args.max_memory.unwrap_or_else(default_max_memory),
    };
    let x = explore::explore_within(&sc, &limits).map_err(|e| Failure::Usage(words::too_many_states(&e)))?;
    if term::verbosity() > 0 {
        io::eprint_line(&format!(
            "{} states, {} outcomes; limits {} states, {}",
            x.states,
            x.outcomes.len(),
            limits.max_states,
            words::bytes(limits.max_memory)
        ));
    }
    let color = term::stdout_color();
    let out = match args.format {
        ReportFormat::Text => render::explore::text_styled(&sc, &x, &file, color),
        ReportFormat::Json => render::json::explore_json(&sc, &x, &file),
        ReportFormat::Svg => render::svg::explore(&sc, &x, &file),
        ReportFormat::Html => {
            render::html::explore(&sc, &x, &file, &source, &render::explore::text(&sc, &x, &file))
        }
    };
    exit::emit(args.output.as_deref(), &out, exit::verdict(x.verdicts.passed()))
}

/// The default `--max-memory`: half of the machine's memory (Linux's `MemTotal`), or the
/// library's default where the machine does not say.
fn default_max_memory() -> u64 {
    let total_kib = std::fs::read_to_string("/proc/meminfo").ok().and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok()
    });
    total_kib.map_or(explore::DEFAULT_MAX_MEMORY, |kib| kib.saturating_mul(1024) / 2)
}

pub fn sweep(args: &SweepArgs) -> Result<u8, Failure> {
    let Loaded { mut scenario, source } = load(&args.file, args.workers)?;
    if let Some(n) = args.max_steps {
        scenario.scheduler.max_steps = Some(n);
    }
    let sc = &scenario;
    let file = render::target(&args.file.display().to_string(), args.workers);
    let seeds = sweep::parse_seeds(&args.seeds).map_err(|m| Failure::Usage(format!("--seeds: {m}")))?;
    let use_pct = args.policy.unwrap_or(sc.scheduler.policy) == PolicyKind::Pct;
    let policy = if use_pct {
        SeededPolicy::Pct {
            depth: args.depth.unwrap_or(sc.scheduler.depth),
        }
    } else {
        SeededPolicy::Random
    };
    let jobs = sweep::jobs(args.jobs.map(|j| j as usize), &seeds);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start worker threads: {e}")))?;
    let total = seeds.end - seeds.start;
    let progress = super::progress::Progress::new(total);
    let result = pool.install(|| sweep::sweep(sc, seeds.clone(), policy, &|n| progress.inc(n)));
    progress.finish();
    if term::verbosity() > 0 {
        io::eprint_line(&format!(
            "{total} seeds in {} chunks of at most {}, {jobs} job{}",
            total.div_ceil(sweep::CHUNK),
            sweep::CHUNK,
            if jobs == 1 { "" } else { "s" }
        ));
    }
    let color = term::stdout_color();
    let out = match args.format {
        ReportFormat::Text => render::sweep::text_styled(sc, &result, &file, policy, &args.seeds, color),
        ReportFormat::Json => render::json::sweep_json(sc, &result),
        ReportFormat::Svg => render::svg::sweep(sc, &result, &file, policy, &args.seeds),
        ReportFormat::Html => render::html::sweep(
            sc,
            &result,
            &file,
            policy,
            &args.seeds,
            &source,
            &render::sweep::text(sc, &result, &file, policy, &args.seeds),
        ),
    };
    exit::emit(
        args.output.as_deref(),
        &out,
        exit::verdict(result.verdict.passed()),
    )
}

pub fn check(files: &[PathBuf]) -> Result<u8, Failure> {
    let mut status = exit::SUCCESS;
    for path in files {
        match io::load(path) {
            Ok(Loaded { scenario: sc, .. }) => {
                let bound = if sc.has_loops() {
                    "loops, no step bound".to_string()
                } else {
                    format!("at most {} steps", sc.step_bound())
                };
                let line = format!(
                    "ok  {} ({} transaction{}, {bound})\n",
                    path.display(),
                    sc.transactions.len(),
                    if sc.transactions.len() == 1 { "" } else { "s" },
                );
                exit::emit(None, &line, exit::SUCCESS)?;
                // -v: what validation resolved, on stderr so stdout stays one line per file.
                if term::verbosity() > 0 {
                    io::eprint_text(&words::resolved(&sc));
                }
            }
            Err(e) => {
                status = exit::INVALID;
                exit::report(&Failure::Scenario(e));
            }
        }
    }
    Ok(status)
}
