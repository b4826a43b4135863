//! racesim test: golden files for users' own scenarios, diffs, --bless, --filter.
