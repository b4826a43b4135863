//! Pictures and words: svg, html, chrome and mermaid output, rendered for real with resvg; every
//! picture tells the run's status, its verdicts and every race the analyses found.
//!
//! Every SVG that the shipped scenarios produce (the run of each, and its exploration) is parsed
//! and rasterised by resvg, a pure-Rust renderer, and the picture must not be blank. The lesson's
//! timeline is also kept as a golden file, `tests/golden/render/bank_account.svg`, and as the
//! README's picture, `docs/bank_account.png`, and two version-2 timelines (a condition handoff
//! and a barrier) as `tests/golden/render/{handoff,barrier}.svg`; all are rewritten with
//!
//! ```sh
//! RACESIM_BLESS=1 cargo test --test it render
//! ```
//!
//! `RACESIM_RENDER_DUMP=DIR` saves every rendered picture in DIR as a PNG, for a look.

use std::path::PathBuf;

use racesim::engine::Effect;
use racesim::render::svg::palette::RED;
use racesim::render::words::NO_RACE;
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
    match PolicyChoice::resolve(sc, &racesim::run::Overrides::default()) {
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

/// The number in attribute `name` of the element with `id`: its own, or (for a group) that of
/// its first shape.
fn attribute(svg: &str, id: &str, name: &str) -> i32 {
    let at = svg
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no element {id}"));
    let rest = &svg[at..];
    let start = rest
        .find(&format!(r#" {name}=""#))
        .unwrap_or_else(|| panic!("{id} has no {name}"))
        + name.len()
        + 3;
    let end = start + rest[start..].find('"').unwrap();
    rest[start..end].parse().unwrap()
}

/// The x and y of the element with `id`: its own, or (for a step's group) its box's.
fn position(svg: &str, id: &str) -> (i32, i32) {
    (attribute(svg, id, "x"), attribute(svg, id, "y"))
}

/// The tooltip of the group with `id`, unescaped enough for plain sentences.
fn tooltip(svg: &str, id: &str) -> String {
    let at = svg
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no element {id}"));
    let rest = &svg[at..];
    let start = rest.find("<title>").unwrap() + "<title>".len();
    let end = rest.find("</title>").unwrap();
    rest[start..end].replace("&#39;", "'").replace("&gt;", ">")
}

/// How many elements have `token` among their classes.
fn with_class(svg: &str, token: &str) -> usize {
    svg.split(r#"class=""#)
        .skip(1)
        .filter(|rest| rest[..rest.find('"').unwrap()].split(' ').any(|c| c == token))
        .count()
}

#[test]
fn every_shipped_run_timeline_renders_and_marks_exactly_its_races() {
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
        let a = &report.analysis;
        for (mark, count) in [
            ("stale-check", a.stale_checks.len()),
            ("torn-read", a.torn_reads.len()),
            ("lost-wakeup", a.lost_wakeups.len()),
            ("stolen-permit", a.stolen_permits.len()),
            ("wake", a.blocking.wakes.len()),
        ] {
            for n in 1..=count {
                assert!(svg.contains(&format!(r#"id="{mark}-{n}""#)), "{path}: {mark}-{n}");
            }
            let next = format!(r#"id="{mark}-{}""#, count + 1);
            assert!(!svg.contains(&next), "{path}: {next}");
        }
        // The one sentence for a run without races, only then, and never the old half-truth.
        assert_eq!(svg.contains(NO_RACE), !a.races().any(), "{path}");
        assert!(!svg.contains("no update was lost"), "{path}");
        // The status and the verdicts, always.
        let status = format!(">status {}<", report.summary.outcome.status.name());
        assert!(svg.contains(&status), "{path}: {status}");
        for line in render::text::verdicts(&report) {
            assert!(svg.contains(&render::svg::escape(&line)), "{path}: {line}");
        }
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
        assert!(svg.contains(NO_RACE), "{path}");
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
        // Every bar says whether it needs an interleaving, as the exploration found.
        let racy = x.outcomes.iter().filter(|o| !o.serial).count();
        assert_eq!(with_class(&svg, "racy"), racy, "{path}");
        assert_eq!(with_class(&svg, "serial"), x.outcomes.len() - racy, "{path}");
        // Every shipped scenario lists its outcomes and passes: all bars are expected.
        if sc.expect.outcomes.is_some() {
            assert_eq!(with_class(&svg, "expected"), x.outcomes.len(), "{path}");
            assert_eq!(with_class(&svg, "unexpected"), 0, "{path}");
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
    assert_eq!(with_class(&svg, "expected"), 3);
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
    assert_eq!(with_class(&svg, "expected"), 1);
    assert_eq!(with_class(&svg, "unexpected"), 2);
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
    assert!(svg.contains(r"a &lt;&amp;&gt;\&quot;&#39; b"), "{svg}");
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
        let complete: Vec<&serde_json::Value> = events
            .iter()
            .filter(|e| e["ph"] == "X" && e["cat"] != "blocked")
            .collect();
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
    assert!(
        report
            .events
            .iter()
            .all(|e| matches!(e.effect, Effect::Lock { .. }))
    );
    let svg = render::svg::run(&report, path);
    assert_eq!(svg.matches("blocked: lock").count(), 2, "{svg}");
    assert!(svg.contains("(held by b_to_a)") && svg.contains("(held by a_to_b)"));
    assert_not_blank(&rasterise(&svg, "deadlock"), "deadlock");
}

/// The lesson's timeline, byte for byte; blessing also writes the README's PNG of it.
#[test]
fn the_lessons_timeline_matches_its_golden_file() {
    let path = "scenarios/bank_account.toml";
    let out = common::racesim(&["run", path, "--format", "svg"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let svg = out.stdout;
    check_golden_svg("bank_account", &svg);
    if blessing() {
        let png = common::root().join("docs/bank_account.png");
        std::fs::create_dir_all(png.parent().unwrap()).unwrap();
        rasterise(&svg, path).save_png(&png).unwrap();
        eprintln!("blessed {}", png.display());
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

/// The lesson without the delay, expecting 0: the schedule below loses the deposit and ends at
/// -50, so `final` fails (and `always` holds).
fn failing_lesson() -> String {
    format!("{LESSON_NODELAY}[expect]\nfinal = {{ account = 0 }}\nalways = [\"account >= -100\"]\n")
}
const LOSING: &str = "withdrawal*3,deposit*5,withdrawal*2";

#[test]
fn a_run_that_fails_its_expect_says_failed_and_its_status_in_every_picture() {
    let text = failing_lesson();
    let sc = common::parse(&text);
    let report = common::scripted(&sc, LOSING);
    assert_eq!(report.summary.outcome.balances, [-50]);
    let failed = "final account = 0: FAILED: the run ended with account = -50 (step 10)";
    let passed = "always account >= -100: ok";
    assert_eq!(render::text::verdicts(&report), [failed, passed]);

    let svg = render::svg::run(&report, "lesson.toml");
    assert_not_blank(&rasterise(&svg, "failed expect"), "failed expect");
    assert!(svg.contains(">status ok<"), "{svg}");
    let red_bold = format!(r#"font-weight="bold" fill="{RED}">"#);
    assert!(
        svg.contains(&format!("{red_bold}expect: 1 of 2 FAILED<")),
        "{svg}"
    );
    assert!(
        svg.contains(&format!("{red_bold}{}<", render::svg::escape(failed))),
        "{svg}"
    );
    // The expectation that holds is listed too, and not in red.
    assert!(
        svg.contains(&format!(">{}<", render::svg::escape(passed))),
        "{svg}"
    );
    assert!(
        !svg.contains(&format!("{red_bold}{}", render::svg::escape(passed))),
        "{svg}"
    );

    let log = render::text::render(&report, "lesson.toml");
    let html = render::html::run(&report, "lesson.toml", &text, &log);
    assert!(
        html.contains(r#"status <strong class="ok">ok</strong>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<h2 class="lost">expect: 1 of 2 FAILED</h2>"#),
        "{html}"
    );
    assert!(html.contains(&format!(
        r#"<li class="lost">{}</li>"#,
        render::svg::escape(failed)
    )));
    assert!(html.contains(&format!(r#"<li class="ok">{}</li>"#, render::svg::escape(passed))));

    let m = render::mermaid::render(&report);
    assert!(
        m.contains("Note over t_deposit,t_withdrawal: status ok · expect: 1 of 2 FAILED"),
        "{m}"
    );
    assert!(
        m.contains(
            "    rect rgb(255,216,211)\n    Note over t_deposit,t_withdrawal: EXPECT FAILED<br/>final account = 0: FAILED"
        ),
        "{m}"
    );

    let v: serde_json::Value = serde_json::from_str(&render::chrome::render(&report)).unwrap();
    let other = &v["otherData"];
    assert_eq!(other["status"], "ok");
    assert_eq!(other["message"], serde_json::Value::Null);
    assert_eq!(other["expect_passed"], false);
    assert_eq!(other["expect"], serde_json::json!([failed, passed]));

    // The command line exits 1 and draws the same.
    let file = common::scenario_file("render_failing_lesson", &text);
    let out = common::racesim(&["run", &file, "--schedule", LOSING, "--format", "svg"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stdout.contains("expect: 1 of 2 FAILED"), "{}", out.stdout);
    // A run that passes says so in the trace.
    let ok = common::racesim(&["run", "scenarios/bank_account.toml", "--format", "chrome"]);
    let v: serde_json::Value = serde_json::from_str(&ok.stdout).unwrap();
    assert_eq!(v["otherData"]["expect_passed"], true);
}

#[test]
fn a_run_that_stops_shows_its_status_and_message_in_every_picture() {
    let sc = common::load("scenarios/bank_account.toml");
    let choice = PolicyChoice::resolve(&sc, &racesim::run::Overrides::default()).unwrap();
    let report = racesim::run::run_limited(&sc, &choice, Some(3));
    let message = "stopped after 3 steps";
    let svg = render::svg::run(&report, "f.toml");
    assert!(svg.contains(">status limit<"), "{svg}");
    assert!(svg.contains(&format!(r#"fill="{RED}">{message}<"#)), "{svg}");
    let html = render::html::run(&report, "f.toml", "", "");
    assert!(
        html.contains(&format!(r#"<span class="lost">{message}</span>"#)),
        "{html}"
    );
    let m = render::mermaid::render(&report);
    assert!(
        m.contains(&format!("limit - final account = 100<br/>{message}")),
        "{m}"
    );
    let v: serde_json::Value = serde_json::from_str(&render::chrome::render(&report)).unwrap();
    assert_eq!(v["otherData"]["status"], "limit");
    assert_eq!(v["otherData"]["message"], message);
}

#[test]
fn a_check_then_act_is_drawn_as_a_stale_check_on_its_steps() {
    let path = "scenarios/overdraft.toml";
    let sc = common::load(path);
    let report = run_report(&sc).unwrap();
    assert!(report.analysis.lost_updates.is_empty());
    let svg = render::svg::run(&report, path);
    assert_not_blank(&rasterise(&svg, "overdraft stale check"), "overdraft");
    assert!(svg.contains(r#"id="stale-check-1""#), "{svg}");
    assert!(!svg.contains(r#"id="stale-check-2""#), "{svg}");
    // online read at step 2, checked at 4, atm changed the account at 5, online acted at 6.
    for (part, step) in [("read", 2), ("check", 4), ("change", 5)] {
        assert_eq!(
            position(&svg, &format!("stale-check-{part}-1")),
            position(&svg, &format!("step-{step}")),
            "{part}"
        );
    }
    let (x, y) = position(&svg, "step-6");
    assert_eq!(
        position(&svg, "stale-check-1"),
        (x - 3, y - 3),
        "the act is outlined"
    );
    assert!(svg.contains("online&#39;s check at step 4 was stale"), "{svg}");
    assert!(svg.contains(">stale check (check-then-act)<"), "{svg}");
    assert!(
        !svg.contains("no update was lost") && !svg.contains(NO_RACE),
        "{svg}"
    );

    let html = render::html::run(&report, path, "", "");
    assert!(
        html.contains("<h2 class=\"lost\">stale check (check-then-act)</h2>"),
        "{html}"
    );
    assert!(
        html.contains("<li>online&#39;s check at step 4 was stale"),
        "{html}"
    );
    assert!(!html.to_lowercase().contains("no update was lost") && !html.contains(NO_RACE));
    let m = render::mermaid::render(&report);
    assert!(
        m.contains("Note over t_online,a_account: STALE CHECK 1: online's check at step 4 was stale"),
        "{m}"
    );
    let v: serde_json::Value = serde_json::from_str(&render::chrome::render(&report)).unwrap();
    let instants: Vec<&serde_json::Value> = v["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "i")
        .collect();
    assert_eq!(instants.len(), 1);
    assert_eq!(instants[0]["cat"], "stale_check");
    assert_eq!(instants[0]["name"], "stale check 1");
    assert_eq!(instants[0]["tid"], 2, "online's track");
}

#[test]
fn a_torn_read_is_drawn_on_its_reads_and_the_writes_between() {
    let path = "scenarios/torn_read.toml";
    let sc = common::load(path);
    // The mover writes a at step 22; the auditor reads a (new) at 23 and b (old) at 24; the
    // mover writes b at 27.
    let report = common::scripted(&sc, "mover*22,auditor*4,mover");
    assert_eq!(report.analysis.torn_reads.len(), 1);
    let svg = render::svg::run(&report, path);
    assert_not_blank(&rasterise(&svg, "torn read"), "torn read");
    assert!(svg.contains(r#"id="torn-read-1""#), "{svg}");
    assert!(!svg.contains(r#"id="torn-read-2""#), "{svg}");
    assert_eq!(position(&svg, "torn-read-new-write-1"), position(&svg, "step-22"));
    assert_eq!(position(&svg, "torn-read-old-write-1"), position(&svg, "step-27"));
    let (x, y) = position(&svg, "step-23");
    assert_eq!(
        position(&svg, "torn-read-1"),
        (x - 3, y - 3),
        "the first read is outlined"
    );
    assert!(svg.contains("auditor&#39;s reads were torn"), "{svg}");
    assert!(
        !svg.contains("no update was lost") && !svg.contains(NO_RACE),
        "{svg}"
    );

    let html = render::html::run(&report, path, "", "");
    assert!(html.contains("<h2 class=\"lost\">torn read</h2>"), "{html}");
    let m = render::mermaid::render(&report);
    assert!(
        m.contains("Note over t_auditor,a_b: TORN READ 1: auditor's reads were torn"),
        "{m}"
    );
    let v: serde_json::Value = serde_json::from_str(&render::chrome::render(&report)).unwrap();
    let torn = v["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "i" && e["cat"] == "torn_read")
        .count();
    assert_eq!(torn, 1);
}

#[test]
fn the_mermaid_deadlock_names_who_waits_for_which_lock() {
    let path = "scenarios/transfer_deadlock.toml";
    let sc = common::load(path);
    let report = run_report(&sc).unwrap();
    assert_eq!(report.summary.outcome.status.name(), "deadlock");
    let m = render::mermaid::render(&report);
    assert!(
        m.contains("t_a_to_b--xt_b_to_a: a_to_b waits for lb, held by b_to_a"),
        "{m}"
    );
    assert!(
        m.contains("t_b_to_a--xt_a_to_b: b_to_a waits for la, held by a_to_b"),
        "{m}"
    );
    assert!(m.contains("status deadlock"), "{m}");
    // The other pictures say it in the same words.
    let svg = render::svg::run(&report, path);
    assert!(
        svg.contains("<title>a_to_b waits for lb, held by b_to_a</title>"),
        "{svg}"
    );
    let html = render::html::run(&report, path, "", "");
    assert!(html.contains(r#"<li class="lost">b_to_a waits for la, held by a_to_b</li>"#));
    let v: serde_json::Value = serde_json::from_str(&render::chrome::render(&report)).unwrap();
    assert_eq!(
        v["otherData"]["waiting"],
        serde_json::json!([
            "a_to_b waits for lb, held by b_to_a",
            "b_to_a waits for la, held by a_to_b"
        ])
    );
}

/// The classes of the bar of outcome `n` (1-based).
fn bar_classes(svg: &str, n: usize) -> Vec<String> {
    let at = svg
        .find(&format!(r#"id="outcome-{n}""#))
        .unwrap_or_else(|| panic!("no outcome-{n}"));
    let start = svg[..at].rfind(r#"class=""#).unwrap() + 7;
    let end = start + svg[start..].find('"').unwrap();
    svg[start..end].split(' ').map(String::from).collect()
}

#[test]
fn charts_mark_the_outcomes_that_need_an_interleaving() {
    // One at a time the transactions give 0; -50 and 150 need an update lost in between.
    let path = "scenarios/bank_account_nodelay.toml";
    let sc = common::load(path);
    let x = explore::explore(&sc, explore::DEFAULT_MAX_STATES).unwrap();
    let s = sweep::sweep(&sc, 0..300, SeededPolicy::Random, &|_| {});
    let explored: Vec<(Vec<i64>, bool)> = x
        .outcomes
        .iter()
        .map(|o| (o.balances.clone(), o.serial))
        .collect();
    let swept: Vec<(Vec<i64>, bool)> = s
        .outcomes
        .iter()
        .map(|o| (o.balances.clone(), o.serial))
        .collect();
    let charts = [
        (render::svg::explore(&sc, &x, path), explored),
        (
            render::svg::sweep(&sc, &s, path, SeededPolicy::Random, "0..300"),
            swept,
        ),
    ];
    for (svg, outcomes) in charts {
        assert_not_blank(&rasterise(&svg, "racy chart"), "racy chart");
        assert_eq!(outcomes.len(), 3);
        for (i, (balances, serial)) in outcomes.iter().enumerate() {
            assert_eq!(*serial, balances == &[0], "{balances:?}");
            let classes = bar_classes(&svg, i + 1);
            let want = if *serial { "serial" } else { "racy" };
            assert!(classes.iter().any(|c| c == want), "{balances:?}: {classes:?}");
            assert!(
                classes.iter().any(|c| c == "expected"),
                "{balances:?}: {classes:?}"
            );
        }
        assert_eq!(with_class(&svg, "racy"), 2);
        assert_eq!(with_class(&svg, "serial"), 1);
        // The two racy bars are hatched, and the legend says what the hatching means.
        assert_eq!(with_class(&svg, "hatch"), 2);
        assert!(svg.contains(r#"<pattern id="racesim-hatch""#));
        assert!(svg.contains(">needs an interleaving</text>"), "{svg}");
        assert!(svg.contains(">also when run one at a time</text>"), "{svg}");
    }
    // A race-free scenario has nothing hatched.
    let sc = common::load("scenarios/bank_account_lock.toml");
    let x = explore::explore(&sc, explore::DEFAULT_MAX_STATES).unwrap();
    let svg = render::svg::explore(&sc, &x, "f.toml");
    assert_eq!(with_class(&svg, "racy"), 0);
    assert_eq!(with_class(&svg, "hatch"), 0);
    assert!(!svg.contains("needs an interleaving"));
}

#[test]
fn failed_expectations_are_red_in_the_charts() {
    let sc = common::parse(&format!("{LESSON_NODELAY}[expect]\nfinal = {{ account = 0 }}\n"));
    let x = explore::explore(&sc, 1_000_000).unwrap();
    let svg = render::svg::explore(&sc, &x, "test.toml");
    let red_bold = format!(r#"font-weight="bold" fill="{RED}">"#);
    assert!(
        svg.contains(&format!("{red_bold}expect: final account = 0: FAILED")),
        "{svg}"
    );
    let s = sweep::sweep(&sc, 0..50, SeededPolicy::Random, &|_| {});
    let svg = render::svg::sweep(&sc, &s, "test.toml", SeededPolicy::Random, "0..50");
    assert!(
        svg.contains(&format!("{red_bold}expect: FAILED, first on seed")),
        "{svg}"
    );
}

// ---------------------------------------------------------------------------------------------
// The version-2 toolkit in the pictures: blocked stretches with what they wait for, the steps
// that wake them, queue contents, and the races of waiting.

/// A consumer waits on a condition for an item; the producer puts it, notifies and unlocks.
/// Under `HANDOFF_RUN` the producer first waits for `m`, which the consumer's `wait` releases at
/// step 3; the notify at step 6 moves the consumer to its reacquire, which the unlock at step 7
/// lets go.
const HANDOFF: &str = r#"
name = "handoff"
description = "a consumer waits on a condition until the producer has put an item"
locks = ["m"]
conditions = [{ name = "not_empty", lock = "m" }]
queues = [{ name = "q" }]
[[transactions]]
name = "consumer"
steps = [
  { lock = "m" },
  { while = "len(q) == 0", steps = [{ wait = "not_empty" }] },
  { get = "q", into = "x" },
  { unlock = "m" },
]
[[transactions]]
name = "producer"
steps = [{ lock = "m" }, { put = "q", value = "7" }, { notify = "not_empty" }, { unlock = "m" }]
"#;
const HANDOFF_RUN: &str = "consumer*3,producer*4,consumer*4";

/// Three customers and two tellers: under `TELLERS_RUN` c waits from step 2 (b took the last
/// permit) until a releases one at step 4.
const TELLERS: &str = r#"
name = "tellers"
semaphores = [{ name = "tellers", value = 2 }]
[[accounts]]
name = "served"
[[transactions]]
name = "a"
steps = [{ acquire = "tellers" }, { atomic_add = "served", value = "1" }, { release = "tellers" }]
[[transactions]]
name = "b"
steps = [{ acquire = "tellers" }, { atomic_add = "served", value = "1" }, { release = "tellers" }]
[[transactions]]
name = "c"
steps = [{ acquire = "tellers" }, { atomic_add = "served", value = "1" }, { release = "tellers" }]
"#;
const TELLERS_RUN: &str = "a,b,a,a,c*3,b*2";

/// A barrier of three, then an event and a guard. Under round-robin a and b arrive at steps 4
/// and 5, c sleeps two ticks and completes the round at step 7, releasing both; then b waits
/// for `n >= 4` (c's step 8) and a for the event `go` (c's step 10).
const BARRIER: &str = r#"
name = "barrier"
description = "three threads meet at a barrier, then wait for an event and a guard"
barriers = [{ name = "ready", parties = 3 }]
events = ["go"]
[[accounts]]
name = "n"
[[transactions]]
name = "a"
steps = [{ atomic_add = "n", value = "1" }, { wait = "ready" }, { wait = "go" }]
[[transactions]]
name = "b"
steps = [{ atomic_add = "n", value = "1" }, { wait = "ready" }, { await = "n >= 4" }]
[[transactions]]
name = "c"
steps = [
  { atomic_add = "n", value = "1" },
  { sleep = 2 },
  { wait = "ready" },
  { atomic_add = "n", value = "1" },
  { signal = "go" },
]
[scheduler]
policy = "round-robin"
"#;

/// A queue of one place: under `PIPE_RUN` the consumer waits while it is empty (from the start
/// to step 1, and from step 2 to 3) and the producer while it is full (step 1 to 2).
const PIPE: &str = r#"
name = "pipe"
queues = [{ name = "q", capacity = 1 }]
[[transactions]]
name = "producer"
steps = [{ put = "q", value = "1" }, { put = "q", value = "2" }]
[[transactions]]
name = "consumer"
steps = [{ get = "q", into = "x" }, { get = "q", into = "y" }]
"#;
const PIPE_RUN: &str = "producer,consumer,producer,consumer";

/// The elements of `svg` in class `class`, each as its text up to the end of its line.
fn elements<'a>(svg: &'a str, class: &str) -> Vec<&'a str> {
    svg.lines()
        .filter(|l| l.contains(&format!(r#"class="{class}""#)))
        .collect()
}

/// The trace events of a chrome trace that match `keep`.
fn trace_events(trace: &str, keep: impl Fn(&serde_json::Value) -> bool) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(trace).expect("the trace is JSON");
    v["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| keep(e))
        .cloned()
        .collect()
}

#[test]
fn a_condition_handoff_shows_who_waits_for_what_and_which_step_lets_it_go() {
    let sc = common::parse(HANDOFF);
    let report = common::scripted(&sc, HANDOFF_RUN);
    let svg = render::svg::run(&report, "handoff.toml");
    assert_not_blank(&rasterise(&svg, "handoff"), "handoff");

    // Three stretches, each labelled with what the thread waits for and explained in its
    // tooltip.
    assert_eq!(elements(&svg, "blocked-span").len(), 3, "{svg}");
    for label in [
        ">waits for lock m (held by consumer)<",
        ">in not_empty&#39;s wait set<",
        ">notified, waits to reacquire m (held by producer)<",
    ] {
        assert!(svg.contains(label), "{label}: {svg}");
    }
    assert_eq!(
        tooltip(&svg, "blocked-span-1"),
        "producer waits for lock m (held by consumer) after step 1 (t=0), until step 3"
    );
    // The producer's stretch: in its lane, from below step 1 to the bottom of step 3's row.
    let (x, top) = position(&svg, "blocked-span-1");
    assert_eq!(x, position(&svg, "step-4").0, "the producer's lane");
    assert_eq!(top, position(&svg, "step-1").1 + 21);
    let bottom = top + attribute(&svg, "blocked-span-1", "height");
    assert_eq!(bottom, position(&svg, "step-3").1 + 21);

    // A wake arrow from each releasing step, in its row, to the lane of the thread it let go.
    assert_eq!(elements(&svg, "wake").len(), 3, "{svg}");
    assert_eq!(
        tooltip(&svg, "wake-1"),
        "consumer freed lock m at step 3: producer can take it"
    );
    assert_eq!(
        tooltip(&svg, "wake-2"),
        "producer notified consumer on not_empty at step 6"
    );
    assert_eq!(
        tooltip(&svg, "wake-3"),
        "producer freed lock m at step 7: consumer can reacquire it"
    );
    let (notify_x, notify_y) = position(&svg, "step-6");
    assert_eq!(attribute(&svg, "wake-2", "x1"), notify_x, "from the notify's box");
    assert_eq!(attribute(&svg, "wake-2", "y1"), notify_y + 10, "in its row");
    let consumer = position(&svg, "step-1").0 + attribute(&svg, "step-1", "width");
    assert_eq!(
        attribute(&svg, "wake-2", "x2"),
        consumer + 2,
        "to the consumer's lane"
    );

    // The queue's contents beside the put and the get.
    assert!(svg.contains(">queue q<"), "{svg}");
    assert_eq!(elements(&svg, "queue-contents").len(), 2);
    assert_eq!(position(&svg, "queue-q-5").1, position(&svg, "step-5").1);
    assert!(tooltip(&svg, "queue-q-5").ends_with("after step 5: q = [7]"));
    assert!(tooltip(&svg, "queue-q-10").ends_with("after step 10: q = []"));
    assert!(svg.contains(">final<") && svg.contains(">q = []<"), "{svg}");
    for legend in [
        render::words::BLOCKED_WHILE,
        render::words::WAKE,
        render::words::QUEUE_CONTENTS,
        "synchronization",
    ] {
        assert!(svg.contains(&format!(">{legend}<")), "{legend}");
    }

    // Mermaid: a note where a thread becomes blocked, a dotted arrow for each wake, the queue
    // as a participant with its contents on the arrows.
    let m = render::mermaid::render(&report);
    let expected = [
        "    participant q_q as q (queue)",
        "    Note over t_consumer: 1. lock m",
        "    Note over t_producer: blocked: waits for lock m (held by consumer)",
        "    Note over t_consumer: 3. wait not_empty: releases m, 1 waiting",
        "    t_consumer-->>t_producer: wakes: consumer freed lock m at step 3: producer can take it",
        "    Note over t_consumer: blocked: in not_empty's wait set",
        "    t_producer->>q_q: 5. put 7 -> [7]",
        "    t_producer-->>t_consumer: wakes: producer notified consumer on not_empty at step 6",
        "    Note over t_consumer: blocked: notified, waits to reacquire m (held by producer)",
        "    q_q->>t_consumer: 10. get 7 into x ([] left)",
    ];
    let mut from = 0;
    for line in expected {
        let at = m[from..]
            .find(&format!("{line}\n"))
            .unwrap_or_else(|| panic!("{line:?} missing or out of order in\n{m}"));
        from += at + line.len();
    }

    // Chrome: the stretches as slices on the waiting thread's track, a flow per wake, the
    // queue's length as a counter.
    let trace = render::chrome::render(&report);
    let blocked = trace_events(&trace, |e| e["cat"] == "blocked");
    let names: Vec<(&str, u64)> = blocked
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["tid"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("waits for lock m (held by consumer)", 2),
            ("in not_empty's wait set", 1),
            ("notified, waits to reacquire m (held by producer)", 1),
        ]
    );
    // No slice of a track overlaps another: a blocked thread takes no step.
    let slices = trace_events(&trace, |e| e["ph"] == "X");
    for t in 1..=2 {
        let mut mine: Vec<(u64, u64)> = slices
            .iter()
            .filter(|e| e["tid"] == t)
            .map(|e| (e["ts"].as_u64().unwrap(), e["dur"].as_u64().unwrap()))
            .collect();
        mine.sort_unstable();
        assert!(mine.windows(2).all(|w| w[0].0 + w[0].1 <= w[1].0), "{mine:?}");
    }
    let starts = trace_events(&trace, |e| e["ph"] == "s");
    let ends = trace_events(&trace, |e| e["ph"] == "f");
    assert_eq!(starts.len(), 3);
    assert_eq!(ends.len(), 3);
    for (s, f) in starts.iter().zip(&ends) {
        assert_eq!(s["id"], f["id"]);
        assert_eq!(s["ts"], f["ts"]);
        // The flow ends inside a blocked slice of the woken thread.
        let ts = f["ts"].as_u64().unwrap();
        assert!(
            blocked.iter().any(|b| b["tid"] == f["tid"]
                && b["ts"].as_u64().unwrap() <= ts
                && ts <= b["ts"].as_u64().unwrap() + b["dur"].as_u64().unwrap()),
            "{f}"
        );
    }
    let lengths: Vec<u64> = trace_events(&trace, |e| e["ph"] == "C" && e["name"] == "queue q")
        .iter()
        .map(|e| e["args"]["len"].as_u64().unwrap())
        .collect();
    assert_eq!(lengths, [0, 1, 0]);
}

#[test]
fn a_semaphore_of_two_shows_the_third_customer_waiting_for_a_teller() {
    let sc = common::parse(TELLERS);
    let report = common::scripted(&sc, TELLERS_RUN);
    let svg = render::svg::run(&report, "tellers.toml");
    assert_not_blank(&rasterise(&svg, "tellers"), "tellers");
    assert_eq!(elements(&svg, "blocked-span").len(), 1, "{svg}");
    assert!(svg.contains(">waits for tellers (at 0)<"), "{svg}");
    assert_eq!(
        tooltip(&svg, "blocked-span-1"),
        "c waits for tellers (at 0) after step 2 (t=0), until step 4"
    );
    assert_eq!(position(&svg, "blocked-span-1").0, position(&svg, "step-5").0);
    assert_eq!(
        tooltip(&svg, "wake-1"),
        "a released tellers at step 4: c can acquire it"
    );
    let (a_x, release_y) = position(&svg, "step-4");
    assert_eq!(
        attribute(&svg, "wake-1", "x1"),
        a_x + attribute(&svg, "step-4", "width")
    );
    assert_eq!(attribute(&svg, "wake-1", "y1"), release_y + 10);
    assert_eq!(attribute(&svg, "wake-1", "x2"), position(&svg, "step-5").0 - 2);
    assert!(!svg.contains("wake-2"));

    let m = render::mermaid::render(&report);
    assert!(
        m.contains("    Note over t_b: 2. acquire tellers (1 -#gt; 0)\n    Note over t_c: blocked: waits for tellers (at 0)\n"),
        "{m}"
    );
    assert!(
        m.contains("    t_a-->>t_c: wakes: a released tellers at step 4: c can acquire it\n"),
        "{m}"
    );
    let trace = render::chrome::render(&report);
    let values: Vec<i64> = trace_events(&trace, |e| e["ph"] == "C" && e["name"] == "semaphore tellers")
        .iter()
        .map(|e| e["args"]["value"].as_i64().unwrap())
        .collect();
    assert_eq!(values, [2, 1, 0, 1, 0, 1, 2]);
    let woken = trace_events(&trace, |e| e["ph"] == "i" && e["cat"] == "wake");
    assert_eq!(woken.len(), 1);
    assert_eq!(woken[0]["tid"], 3, "c's track");
    assert_eq!(woken[0]["name"], "woken by a");
}

#[test]
fn a_barrier_round_its_counts_and_its_release_of_every_waiter_are_drawn() {
    let sc = common::parse(BARRIER);
    let report = run_report(&sc).unwrap();
    assert_eq!(report.summary.outcome.status.name(), "ok");
    let svg = render::svg::run(&report, "barrier.toml");
    assert_not_blank(&rasterise(&svg, "barrier"), "barrier");
    assert_eq!(svg.matches(">at barrier ready (1 of 3)<").count(), 1, "{svg}");
    assert_eq!(svg.matches(">at barrier ready (2 of 3)<").count(), 2, "{svg}");
    assert!(svg.contains(">waits for event go (not set)<"), "{svg}");
    assert!(svg.contains(">waits until n &gt;= 4<"), "{svg}");
    // The release at step 7 wakes a and b: two arrows from its box, apart within its row.
    let wakes: Vec<String> = (1..=4).map(|n| tooltip(&svg, &format!("wake-{n}"))).collect();
    assert_eq!(
        wakes,
        [
            "c completed the round of barrier ready at step 7, releasing a",
            "c completed the round of barrier ready at step 7, releasing b",
            "c's step 8 made n >= 4 true: b goes on",
            "c signalled go at step 10: a can go on",
        ]
    );
    let (_, release_y) = position(&svg, "step-7");
    let (y1, y2) = (attribute(&svg, "wake-1", "y1"), attribute(&svg, "wake-2", "y1"));
    assert!(y1 != y2 && [y1, y2].iter().all(|y| (release_y..release_y + 21).contains(y)));
    // a waits across the jump to t=2: its stretch goes on below the band.
    let a_span = elements(&svg, "blocked-span")
        .iter()
        .position(|l| l.contains("a at barrier ready (2 of 3)"))
        .map(|i| format!("blocked-span-{}", i + 1))
        .unwrap();
    let top = attribute(&svg, &a_span, "y");
    let bottom = top + attribute(&svg, &a_span, "height");
    assert_eq!(bottom, release_y + 21);
    assert!(
        top < position(&svg, "step-6").1 + 21 + 1,
        "from below step 5's row"
    );

    let m = render::mermaid::render(&report);
    for line in [
        "    Note over t_a: blocked: at barrier ready (1 of 3)\n",
        "    Note over t_b: blocked: at barrier ready (2 of 3)\n",
        "    t_c-->>t_a: wakes: c completed the round of barrier ready at step 7, releasing a\n",
        "    t_c-->>t_b: wakes: c completed the round of barrier ready at step 7, releasing b\n",
        "    Note over t_b: blocked: waits until n #gt;= 4\n",
    ] {
        assert!(m.contains(line), "{line:?} in\n{m}");
    }
}

#[test]
fn a_bounded_queue_shows_its_contents_and_who_waits_while_it_is_full_or_empty() {
    let sc = common::parse(PIPE);
    let report = common::scripted(&sc, PIPE_RUN);
    let svg = render::svg::run(&report, "pipe.toml");
    assert_not_blank(&rasterise(&svg, "pipe"), "pipe");
    let spans: Vec<String> = (1..=3)
        .map(|n| tooltip(&svg, &format!("blocked-span-{n}")))
        .collect();
    assert_eq!(
        spans,
        [
            "consumer waits for q (empty) from the start (t=0), until step 1",
            "producer waits for q (full, 1 of 1) after step 1 (t=0), until step 2",
            "consumer waits for q (empty) after step 2 (t=0), until step 3",
        ]
    );
    let wakes: Vec<String> = (1..=3).map(|n| tooltip(&svg, &format!("wake-{n}"))).collect();
    assert_eq!(
        wakes,
        [
            "producer put into q at step 1: consumer can get",
            "consumer took from q at step 2: producer can put",
            "producer put into q at step 3: consumer can get",
        ]
    );
    let contents: Vec<String> = (1..=4)
        .map(|s| {
            let chip = format!("queue-q-{s}");
            assert_eq!(position(&svg, &chip).1, position(&svg, &format!("step-{s}")).1);
            tooltip(&svg, &chip)
        })
        .collect();
    assert_eq!(
        contents,
        [
            "after step 1: q = [1]",
            "after step 2: q = []",
            "after step 3: q = [2]",
            "after step 4: q = []"
        ]
    );
    let trace = render::chrome::render(&report);
    let lengths: Vec<u64> = trace_events(&trace, |e| e["ph"] == "C")
        .iter()
        .map(|e| e["args"]["len"].as_u64().unwrap())
        .collect();
    assert_eq!(lengths, [0, 1, 0, 1, 0]);
}

/// A consumer waiting on a condition nobody notifies, a producer waiting on a full queue, and a
/// joiner waiting for the consumer: a deadlock of three kinds of waiting.
const STUCK: &str = r#"
name = "stuck"
locks = ["m"]
conditions = [{ name = "not_empty", lock = "m" }]
queues = [{ name = "q", capacity = 1 }]
[[transactions]]
name = "consumer"
steps = [{ lock = "m" }, { wait = "not_empty" }, { get = "q", into = "x" }, { unlock = "m" }]
[[transactions]]
name = "producer"
steps = [{ put = "q", value = "1" }, { put = "q", value = "2" }, { lock = "m" }, { notify = "not_empty" }, { unlock = "m" }]
[[transactions]]
name = "joiner"
steps = [{ join = "consumer" }]
"#;

#[test]
fn a_deadlock_of_the_new_kinds_shows_each_thread_blocked_and_why_in_every_picture() {
    let sc = common::parse(STUCK);
    let report = common::scripted(&sc, "producer,consumer*2");
    assert_eq!(report.summary.outcome.status.name(), "deadlock");
    let svg = render::svg::run(&report, "stuck.toml");
    assert_not_blank(&rasterise(&svg, "stuck"), "stuck");
    for blocked in [
        ">blocked: wait not_empty (not notified)<",
        ">blocked: put q (full)<",
        ">blocked: join consumer<",
    ] {
        assert!(svg.contains(blocked), "{blocked}: {svg}");
    }
    for sentence in [
        "consumer waits in not_empty&#39;s wait set for a notify that never comes",
        "producer waits to put into q, which is full (1 of 1)",
        "joiner waits for consumer to finish, which is blocked too",
    ] {
        assert!(svg.contains(&format!(">{sentence}<")), "{sentence}: {svg}");
    }
    // The joiner waits from the start, the producer from its first put; the consumer only
    // after the last step, which its blocked box says alone.
    assert_eq!(elements(&svg, "blocked-span").len(), 2, "{svg}");
    assert_eq!(
        tooltip(&svg, "blocked-span-1"),
        "joiner waits for consumer to finish from the start (t=0), to the end of the run"
    );
    assert_eq!(
        tooltip(&svg, "blocked-span-2"),
        "producer waits for q (full, 1 of 1) after step 1 (t=0), to the end of the run"
    );
    assert!(svg.contains(">q = [1]<"), "the final contents: {svg}");

    let m = render::mermaid::render(&report);
    assert!(
        m.contains("    Note over t_consumer,t_joiner: status deadlock"),
        "{m}"
    );
    assert!(
        m.contains("    Note over t_joiner: blocked: waits for consumer to finish\n    t_producer->>q_q: 1. put 1 -> [1]\n    Note over t_producer: blocked: waits for q (full, 1 of 1)\n"),
        "{m}"
    );
    assert!(
        m.contains("    t_joiner--xt_consumer: joiner waits for consumer to finish, which is blocked too\n"),
        "{m}"
    );
    assert!(m.contains("deadlock - final q = [1]"), "{m}");
    let trace = render::chrome::render(&report);
    let v: serde_json::Value = serde_json::from_str(&trace).unwrap();
    assert_eq!(v["otherData"]["queues"], serde_json::json!({"q": [1]}));
    assert_eq!(v["otherData"]["waiting"].as_array().unwrap().len(), 3);
    let open = trace_events(&trace, |e| e["cat"] == "blocked");
    assert_eq!(open.len(), 3, "the consumer's stretch is in the trace, too");
    assert!(open.iter().all(|e| e["args"]["until"].is_null()));
}

#[test]
fn a_deadlock_after_a_sleep_shows_when_the_threads_were_found_blocked() {
    let sc = common::parse(&common::transfers("lock_b", "lock_a"));
    let report = common::scripted(&sc, "b_to_a,a_to_b");
    assert_eq!(report.summary.outcome.status.name(), "deadlock");
    let svg = render::svg::run(&report, "t.toml");
    // Both slept a tick: the band of t=1 comes before their blocked boxes, and the sleeps end
    // at it.
    assert!(svg.contains(">t=1<"), "{svg}");
    let band = svg
        .lines()
        .filter(|l| l.contains(r#"stroke-dasharray="2 4""#))
        .map(|l| {
            let start = l.find(r#"y1=""#).unwrap() + 4;
            l[start..start + l[start..].find('"').unwrap()]
                .parse::<i32>()
                .unwrap()
        })
        .next()
        .expect("a time band");
    for sleep in elements(&svg, "sleep") {
        let y = |name: &str| -> i32 {
            let start = sleep.find(&format!(r#" {name}=""#)).unwrap() + name.len() + 3;
            sleep[start..start + sleep[start..].find('"').unwrap()]
                .parse()
                .unwrap()
        };
        assert_eq!(y("y") + y("height"), band, "{sleep}");
    }
    let blocked_y = svg
        .lines()
        .filter(|l| l.contains(r#"class="blocked""#))
        .map(|l| {
            let start = l.find(r#" y=""#).unwrap() + 4;
            l[start..start + l[start..].find('"').unwrap()]
                .parse::<i32>()
                .unwrap()
        })
        .collect::<Vec<_>>();
    assert_eq!(blocked_y.len(), 2);
    assert!(blocked_y.iter().all(|y| *y > band));
    let m = render::mermaid::render(&report);
    assert!(
        m.contains("    Note over t_a_to_b,t_b_to_a: time t=1\n    rect rgb(255,216,211)\n"),
        "{m}"
    );
}

/// A notify before its wait, and a permit that the late thief takes while `patient` waits.
const WAKEUPS: &str = r#"
name = "wakeups"
locks = ["m"]
conditions = [{ name = "ready", lock = "m" }]
semaphores = [{ name = "s", value = 0 }]
[[transactions]]
name = "waiter"
steps = [{ lock = "m" }, { wait = "ready" }, { unlock = "m" }]
[[transactions]]
name = "notifier"
steps = [{ lock = "m" }, { notify = "ready" }, { unlock = "m" }, { release = "s" }]
[[transactions]]
name = "patient"
steps = [{ acquire = "s" }]
[[transactions]]
name = "thief"
steps = [{ log = "late" }, { acquire = "s" }]
"#;

#[test]
fn a_lost_wakeup_and_a_stolen_permit_are_marked_on_their_steps_in_every_picture() {
    let sc = common::parse(WAKEUPS);
    let report = common::scripted(&sc, "notifier*3,waiter*2,notifier,thief*2");
    let a = &report.analysis;
    assert_eq!((a.lost_wakeups.len(), a.stolen_permits.len()), (1, 1));
    let svg = render::svg::run(&report, "wakeups.toml");
    assert_not_blank(&rasterise(&svg, "wakeups"), "wakeups");
    // The silent notify (step 2) outlined, the wait it came before (step 5) dashed.
    let (x, y) = position(&svg, "step-2");
    assert_eq!(position(&svg, "lost-wakeup-1"), (x - 3, y - 3));
    assert_eq!(position(&svg, "lost-wakeup-wait-1"), position(&svg, "step-5"));
    assert!(svg.contains(r#"id="lost-wakeup-arrow-1""#), "{svg}");
    // The thief's acquire (step 8) outlined, the release (step 6) dashed.
    let (x, y) = position(&svg, "step-8");
    assert_eq!(position(&svg, "stolen-permit-1"), (x - 3, y - 3));
    assert_eq!(
        position(&svg, "stolen-permit-release-1"),
        position(&svg, "step-6")
    );
    assert!(svg.contains(r#"id="stolen-permit-arrow-1""#), "{svg}");
    assert!(
        svg.contains(">lost wakeup<") && svg.contains(">stolen permit<"),
        "{svg}"
    );
    // The patient thread was let go by the release, then found the permit gone.
    assert_eq!(
        tooltip(&svg, "wake-2"),
        "notifier released s at step 6: patient can acquire it"
    );
    assert!(svg.contains(">blocked: acquire s (at 0)<"), "{svg}");

    let m = render::mermaid::render(&report);
    assert!(
        m.contains("Note over t_notifier,t_waiter: LOST WAKEUP 1: notifier's notify of ready at step 2 woke"),
        "{m}"
    );
    assert!(
        m.contains("Note over t_thief,t_patient: STOLEN PERMIT 1: thief took at step 8 the permit of s that"),
        "{m}"
    );
    let trace = render::chrome::render(&report);
    let races: Vec<(String, u64)> = trace_events(&trace, |e| e["ph"] == "i" && e["cat"] != "wake")
        .iter()
        .map(|e| (e["cat"].as_str().unwrap().to_string(), e["tid"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        races,
        [("lost_wakeup".to_string(), 1), ("stolen_permit".to_string(), 4)]
    );
}

/// Compares `svg` with `tests/golden/render/NAME.svg`, or writes it when blessing.
fn check_golden_svg(name: &str, svg: &str) {
    let golden = common::root().join(format!("tests/golden/render/{name}.svg"));
    if blessing() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, svg).unwrap();
        eprintln!("blessed {}", golden.display());
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
            "{} differs from line {}:\n- {}\n+ {}\nif the new picture is right, run \
             `RACESIM_BLESS=1 cargo test --test it render`, look at it (rsvg-convert, or \
             docs/bank_account.png for the lesson) and review the diff",
            golden.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("(end)"),
            svg.lines().nth(line).unwrap_or("(end)")
        );
    }
}

/// The condition handoff and the barrier, byte for byte: blocked stretches, wakes and a queue.
#[test]
fn version_2_timelines_match_their_golden_files() {
    let sc = common::parse(HANDOFF);
    check_golden_svg(
        "handoff",
        &render::svg::run(&common::scripted(&sc, HANDOFF_RUN), "handoff.toml"),
    );
    let sc = common::parse(BARRIER);
    check_golden_svg(
        "barrier",
        &render::svg::run(&run_report(&sc).unwrap(), "barrier.toml"),
    );
}
