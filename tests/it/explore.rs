//! explore: exact outcome sets, counts, probabilities and replayable witnesses.
