//! The README's command examples, run against the real binary so the README cannot drift.
