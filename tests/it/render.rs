//! Pictures and words: svg, html, chrome and mermaid output, rendered for real with resvg; lost-update explanations.
//!
//! Every SVG that the shipped scenarios produce (the run of each, and its exploration) is parsed
//! and rasterised by resvg, a pure-Rust renderer, and the picture must not be blank. The lesson's
//! timeline is also kept as a golden file, `tests/golden/render/bank_account.svg`, and as the
//! README's picture, `docs/bank_account.png`; both are rewritten with
//!
//! ```sh
//! RACESIM_BLESS=1 cargo test --test it render
//! ```
//!
//! `RACESIM_RENDER_DUMP=DIR` saves every rendered picture in DIR as a PNG, for a look.

use std::path::PathBuf;

use racesim::engine::Effect;
use racesim::run::{PolicyChoice, RunReport};
use racesim::scenario::Scenario;
use racesim::sweep::SeededPolicy;
use racesim::{explore, render, sweep};
use resvg::{tiny_skia, usvg};

use crate::common::{self, LESSON_NODELAY};
use crate::golden::{blessing, top_level_scenarios};

const RACE_FREE: [&str; 3] = [
    "scenarios/bank_account_lock.toml",
    "scenarios/bank_account_atomic.toml",
    "scenarios/bank_account_serial.toml",
];

fn run_report(sc: &Scenario) -> Option<RunReport<'_>> {
    match PolicyChoice::resolve(sc, &Default::default()) {
        Ok(PolicyChoice::OsThreads { .. }) | Err(_) => None,
        Ok(choice) => Some(racesim::run::run(sc, &choice)),
    }
}

/// Options with the machine's fonts, when it has any: the checks below never depend on text.
fn options() -> usvg::Options<'static> {
    let mut options = usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    options
}

/// Parses and rasterises `svg`; panics with `what` when it does not parse.
fn rasterise(svg: &str, what: &str) -> tiny_skia::Pixmap {
    let tree = usvg::Tree::from_str(svg, &options())
        .unwrap_or_else(|e| panic!("{what}: the SVG does not parse: {e}"));
    let size = tree.size().to_int_size();
    assert!(
        size.width() >= 200 && size.height() >= 100,
        "{what}: suspiciously small picture {size:?}"
    );
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .unwrap_or_else(|| panic!("{what}: cannot allocate {size:?}"));
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    // For looking at every picture while working on the layout.
    if let Ok(dir) = std::env::var("RACESIM_RENDER_DUMP") {
        let name: String = what
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let _ = std::fs::create_dir_all(&dir);
        let _ = pixmap.save_png(PathBuf::from(dir).join(format!("{name}.png")));
    }
    pixmap
}

/// The picture is not blank: several colours, and a fair share of pixels that are not the
/// background (boxes and bars alone reach it, without any text).
fn assert_not_blank(pixmap: &tiny_skia::Pixmap, what: &str) {
    let pixels = pixmap.pixels();
    let background = pixels[0];
    let mut colours: Vec<[u8; 4]> = pixels
        .iter()
        .map(|p| [p.red(), p.green(), p.blue(), p.alpha()])
        .collect();
    colours.sort_unstable();
    colours.dedup();
    let drawn = pixels.iter().filter(|&&p| p != background).count();
    let share = drawn as f64 / pixels.len() as f64;
    assert!(colours.len() > 4, "{what}: only {} colours", colours.len());
    assert!(
        share > 0.02,
        "{what}: only {:.2}% of the pixels are drawn",
        share * 100.0
    );
}

#[test]
fn every_shipped_run_timeline_renders_and_marks_exactly_its_lost_updates() {
    for path in top_level_scenarios() {
        let sc = common::load(&path);
        let Some(report) = run_report(&sc) else {
            continue; // os-threads: its order is the OS's.
        };
        let svg = render::svg::run(&report, &path);
        let pixmap = rasterise(&svg, &path);
        assert_not_blank(&pixmap, &path);
        let lost = racesim::analysis::lost_updates(&sc, &report.events);
        for n in 1..=lost.len() {
            assert!(svg.contains(&format!(r#"id="lost-update-{n}""#)), "{path}");
            assert!(svg.contains(&format!(r#"id="lost-arrow-{n}""#)), "{path}");
        }
        assert!(
            !svg.contains(&format!(r#"id="lost-update-{}""#, lost.len() + 1)),
            "{path}"
        );
    }
}

#[test]
fn the_lesson_draws_its_lost_update_and_the_fixes_draw_none() {
    let sc = common::load("scenarios/bank_account.toml");
    let svg = render::svg::run(&run_report(&sc).unwrap(), "scenarios/bank_account.toml");
    assert!(svg.contains(r#"id="lost-update-1""#), "{svg}");
    assert!(svg.contains(r#"id="lost-arrow-1""#), "{svg}");
    assert!(svg.contains("deposit&#39;s +50 was lost"), "{svg}");
    for path in RACE_FREE {
        let sc = common::load(path);
        let svg = render::svg::run(&run_report(&sc).unwrap(), path);
        assert!(!svg.contains("lost-update"), "{path} draws a lost update");
        assert!(svg.contains("no update was lost in this run"), "{path}");
    }
}

#[test]
fn every_shipped_exploration_chart_renders_with_expected_outcomes_marked() {
    for path in top_level_scenarios() {
        let sc = common::load(&path);
        let x = explore::explore(&sc, explore::DEFAULT_MAX_STATES).unwrap();
        let svg = render::svg::explore(&sc, &x, &path);
        let pixmap = rasterise(&svg, &format!("explore {path}"));
        assert_not_blank(&pixmap, &format!("explore {path}"));
        for n in 1..=x.outcomes.len() {
            assert!(svg.contains(&format!(r#"id="outcome-{n}""#)), "{path}");
        }
        assert!(svg.contains("witness: racesim run"), "{path}: no witness command");
        // Every shipped scenario lists its outcomes and passes: all bars are expected.
        if sc.expect.outcomes.is_some() {
            assert_eq!(
                svg.matches(r#"class="expected""#).count(),
                x.outcomes.len(),
                "{path}"
            );
            assert!(!svg.contains(r#"class="unexpected""#), "{path}");
        }
    }
}

#[test]
fn a_sweep_chart_renders_and_names_the_first_seed() {
    let path = "scenarios/bank_account_nodelay.toml";
    let sc = common::load(path);
    let s = sweep::sweep(&sc, 0..300, SeededPolicy::Random, &|_| {});
    let svg = render::svg::sweep(&sc, &s, path, SeededPolicy::Random, "0..300");
    assert_not_blank(&rasterise(&svg, "sweep"), "sweep");
    assert_eq!(s.outcomes.len(), 3);
    assert!(svg.contains(&format!(
        "first seed: racesim run {path} --policy random --seed {}",
        s.outcomes[0].first_seed
    )));
    assert_eq!(svg.matches(r#"class="expected""#).count(), 3);
    // A policy other than the scenario's is named in the command.
    let svg = render::svg::sweep(&sc, &s, path, SeededPolicy::Pct { depth: 2 }, "0..300");
    assert!(svg.contains("--policy pct --depth 2 --seed"));
}

#[test]
fn an_unexpected_outcome_is_marked_as_such() {
    // The lesson without the delay reaches 0, -50 and 150; only 0 is expected.
    let sc = common::parse(&format!("{LESSON_NODELAY}[expect]\nfinal = {{ account = 0 }}\n"));
    let x = explore::explore(&sc, 1_000_000).unwrap();
    let svg = render::svg::explore(&sc, &x, "test.toml");
    assert_eq!(svg.matches(r#"class="expected""#).count(), 1);
    assert_eq!(svg.matches(r#"class="unexpected""#).count(), 2);
    assert!(svg.contains("✓") && svg.contains("✗"));
}

const MARKUP: &str = r#"
name = "markup"
description = "quotes & <brackets>"
[[accounts]]
name = "account"
[[transactions]]
name = "t"
steps = [{ log = "a <&>\"' b" }]
"#;

#[test]
fn text_in_the_pictures_and_pages_is_escaped() {
    let sc = common::parse(MARKUP);
    let report = run_report(&sc).unwrap();
    let svg = render::svg::run(&report, "odd <file>.toml");
    // The log label quotes the message as Rust would, so the `"` comes with a backslash.
    assert!(svg.contains(r#"a &lt;&amp;&gt;\&quot;&#39; b"#), "{svg}");
    assert!(!svg.contains("a <&>"), "{svg}");
    assert!(svg.contains("quotes &amp; &lt;brackets&gt;"), "{svg}");
    assert_not_blank(&rasterise(&svg, "markup"), "markup");
    let log = render::text::render(&report, "markup.toml");
    let html = render::html::run(&report, "markup.toml", MARKUP, &log);
    assert!(!html.contains("a <&>"), "{html}");
    assert!(html.contains("steps = [{ log = &quot;a &lt;&amp;&gt;\\&quot;&#39; b&quot; }]"));
    let mermaid = render::mermaid::render(&report);
    assert!(mermaid.contains("a #lt;&#gt;\"' b"), "{mermaid}");
}

#[test]
fn the_html_page_holds_the_picture_the_log_and_the_source_without_scripts() {
    let path = "scenarios/bank_account.toml";
    let out = common::racesim(&["run", path, "--format", "html"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let html = out.stdout;
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(html.contains(r#"id="lost-update-1""#));
    // The log, escaped, and the source, escaped.
    assert!(html.contains("read account -&gt; local_copy = 100"));
    assert!(html.contains("race      deposit&#39;s +50 was lost"));
    assert!(html.contains("name = &quot;bank-account&quot;"));
    assert!(!html.to_lowercase().contains("<script"));
    let pages: [&[&str]; 2] = [
        &["explore", path, "--format", "html"],
        &["sweep", path, "--seeds", "0..50", "--format", "html"],
    ];
    for args in pages {
        let out = common::racesim(args);
        assert_eq!(out.status, 0, "{}", out.stderr);
        assert!(out.stdout.contains("<svg"), "{args:?}");
        assert!(out.stdout.contains("name = &quot;bank-account&quot;"));
        assert!(!out.stdout.to_lowercase().contains("<script"));
    }
}

#[test]
fn the_sweep_page_and_picture_come_from_the_cli() {
    for format in ["svg", "html"] {
        let out = common::racesim(&[
            "sweep",
            "scenarios/bank_account.toml",
            "--seeds",
            "0..50",
            "--format",
            format,
        ]);
        assert_eq!(out.status, 0, "{}", out.stderr);
        assert!(out.stdout.contains("outcomes of 50 seeds"), "{format}");
        assert!(out.stdout.contains("--seed "), "{format}");
    }
}

#[test]
fn svg_goes_to_a_file_with_dash_o() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("race.svg");
    let file_arg = file.to_string_lossy().into_owned();
    let out = common::racesim(&[
        "run",
        "scenarios/bank_account.toml",
        "--format",
        "svg",
        "-o",
        &file_arg,
    ]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    let svg = std::fs::read_to_string(&file).unwrap();
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn chrome_trace_has_one_complete_event_per_step_on_one_track_per_thread() {
    for path in top_level_scenarios() {
        let sc = common::load(&path);
        let Some(report) = run_report(&sc) else {
            continue;
        };
        let out = common::racesim(&["run", &path, "--format", "chrome"]);
        assert_eq!(out.status, 0, "{path}: {}", out.stderr);
        let v: serde_json::Value =
            serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{path}: not JSON: {e}"));
        let events = v["traceEvents"].as_array().expect("traceEvents");
        let complete: Vec<&serde_json::Value> = events.iter().filter(|e| e["ph"] == "X").collect();
        assert_eq!(complete.len(), report.events.len(), "{path}");
        let mut last_ts = 0;
        for (x, e) in complete.iter().zip(&report.events) {
            assert_eq!(x["tid"], e.thread + 1, "{path}");
            assert_eq!(x["pid"], 1);
            let ts = x["ts"].as_u64().unwrap();
            assert!(ts >= last_ts, "{path}: time goes back at step {}", e.step);
            last_ts = ts;
        }
        let names = events
            .iter()
            .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
            .count();
        assert_eq!(names, sc.transactions.len(), "{path}");
    }
}

#[test]
fn mermaid_is_a_sequence_diagram_with_reads_writes_and_the_lost_update() {
    let out = common::racesim(&["run", "scenarios/bank_account.toml", "--format", "mermaid"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let m = out.stdout;
    assert!(m.starts_with("sequenceDiagram\n"), "{m}");
    assert!(m.contains("participant t_deposit as deposit"), "{m}");
    assert!(
        m.contains("a_account->>t_withdrawal: 2. read 100 into local_copy"),
        "{m}"
    );
    assert!(
        m.contains("t_withdrawal->>a_account: 11. write -50 (was 150)"),
        "{m}"
    );
    assert!(
        m.contains("Note over t_withdrawal,a_account: LOST UPDATE 1: deposit's +50 was lost"),
        "{m}"
    );
    for path in RACE_FREE {
        let out = common::racesim(&["run", path, "--format", "mermaid"]);
        assert!(out.stdout.starts_with("sequenceDiagram\n"));
        assert!(!out.stdout.contains("LOST UPDATE"), "{path}");
    }
}

#[test]
fn the_text_log_explains_lost_updates_and_only_then() {
    let out = common::racesim(&["run", "scenarios/bank_account.toml"]);
    assert!(
        out.stdout.ends_with(
            "\nrace      deposit's +50 was lost: withdrawal read 100 at step 2 before deposit \
             wrote 150 at step 9, then wrote -50 at step 11\n"
        ),
        "{}",
        out.stdout
    );
    for path in RACE_FREE {
        let out = common::racesim(&["run", path]);
        assert!(!out.stdout.contains("was lost"), "{path}");
        assert!(out.stdout.lines().last().unwrap().starts_with("replay "));
    }
}

#[test]
fn the_same_run_draws_the_same_bytes() {
    let sc = common::load("scenarios/transfer_deadlock.toml");
    let a = render::svg::run(&run_report(&sc).unwrap(), "f.toml");
    let b = render::svg::run(&run_report(&sc).unwrap(), "f.toml");
    assert_eq!(a, b);
}

#[test]
fn a_deadlock_shows_who_waits_for_which_lock() {
    // Under the witness schedule both transfers hold one lock and wait for the other.
    let path = "scenarios/transfer_deadlock.toml";
    let sc = common::load(path);
    let schedule = racesim::scenario::parse_schedule(&sc, "b_to_a,a_to_b").unwrap();
    let report = racesim::run::run(&sc, &PolicyChoice::Scripted { schedule });
    assert_eq!(report.summary.outcome.status.name(), "deadlock");
    assert!(report.events.iter().all(|e| matches!(e.effect, Effect::Lock(_))));
    let svg = render::svg::run(&report, path);
    assert_eq!(svg.matches("blocked: lock").count(), 2, "{svg}");
    assert!(svg.contains("(held by b_to_a)") && svg.contains("(held by a_to_b)"));
    assert_not_blank(&rasterise(&svg, "deadlock"), "deadlock");
}

fn golden_svg_path() -> PathBuf {
    common::root().join("tests/golden/render/bank_account.svg")
}

/// The lesson's timeline, byte for byte; blessing also writes the README's PNG of it.
#[test]
fn the_lessons_timeline_matches_its_golden_file() {
    let path = "scenarios/bank_account.toml";
    let out = common::racesim(&["run", path, "--format", "svg"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let svg = out.stdout;
    let golden = golden_svg_path();
    if blessing() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &svg).unwrap();
        let png = common::root().join("docs/bank_account.png");
        std::fs::create_dir_all(png.parent().unwrap()).unwrap();
        rasterise(&svg, path).save_png(&png).unwrap();
        eprintln!("blessed {} and {}", golden.display(), png.display());
        return;
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `RACESIM_BLESS=1 cargo test --test it render` to create it",
            golden.display()
        )
    });
    if expected != svg {
        let line = expected
            .lines()
            .zip(svg.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(svg.lines().count()));
        panic!(
            "{} differs from `racesim run {path} --format svg` from line {}:\n- {}\n+ {}\n\
             if the new picture is right, run `RACESIM_BLESS=1 cargo test --test it render`, \
             look at docs/bank_account.png and review the diff",
            golden.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("(end)"),
            svg.lines().nth(line).unwrap_or("(end)")
        );
    }
}

/// A machine without fonts draws no text; the boxes, bars and arrows alone are not blank.
#[test]
fn pictures_are_not_blank_without_any_font() {
    let sc = common::load("scenarios/bank_account.toml");
    let svg = render::svg::run(&run_report(&sc).unwrap(), "scenarios/bank_account.toml");
    let no_fonts = usvg::Options::default();
    let tree = usvg::Tree::from_str(&svg, &no_fonts).expect("the SVG parses");
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    assert_not_blank(&pixmap, "the lesson without fonts");
}
