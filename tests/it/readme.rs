//! The README's command examples, run against the real binary so the README cannot drift.
//!
//! Every ```console block in README.md is a trycmd case: `$ racesim ...` lines are run and
//! their output (stdout then stderr) and exit status (`? 2`) must match. After an intended
//! change, `TRYCMD=overwrite cargo test readme` rewrites the blocks; read the diff.

#[test]
fn readme_examples_match_the_binary() {
    trycmd::TestCases::new()
        .register_bin("racesim", trycmd::cargo::cargo_bin!("racesim"))
        .env("NO_COLOR", "1")
        .case("README.md");
}
