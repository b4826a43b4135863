//! The README's command examples, run against the real binary so the README cannot drift.
//!
//! Every `console` block in README.md is a trycmd case: `$ racesim ...` lines are run and
//! their output (stdout then stderr) and exit status (`? 2`) must match. After an intended
//! change, `TRYCMD=overwrite cargo test readme` rewrites the blocks; read the diff.

#[test]
fn readme_examples_match_the_binary() {
    trycmd::TestCases::new()
        .register_bin("racesim", trycmd::cargo::cargo_bin!("racesim"))
        .env("NO_COLOR", "1")
        .case("README.md");
}

/// The scenario example in the README's "Scenario files" section is a valid scenario.
#[test]
fn the_readme_scenario_example_is_valid() {
    let readme = std::fs::read_to_string(crate::common::root().join("README.md")).unwrap();
    let start = readme.find("```toml\n").expect("README has a ```toml block") + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let example = &readme[start..end];
    assert!(example.contains("[[transactions]]"), "{example}");
    if let Err(e) = racesim::scenario::parse("README.md", example) {
        panic!("the README's scenario example is invalid: {e}");
    }
}

/// The jsonl example lines in the README are lines of the real output.
#[test]
fn the_readme_jsonl_example_is_real() {
    let readme = std::fs::read_to_string(crate::common::root().join("README.md")).unwrap();
    let start = readme.find("```json\n").expect("README has a ```json block") + "```json\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let out = crate::common::racesim(&["run", "scenarios/bank_account.toml", "--format", "jsonl"]);
    let actual: Vec<&str> = out.stdout.lines().collect();
    for line in readme[start..end].lines() {
        assert!(actual.contains(&line), "not in the real output: {line}");
    }
}
