//! The outcomes transactions give when they run one at a time: whatever explore finds beyond
//! these needs an interleaving.

use std::collections::BTreeSet;

use super::codec::{Codec, LIVE};
use crate::engine::{Layout, Phase, State};
use crate::outcome::{ErrorKind, OutcomeKey};
use crate::scenario::{Scenario, ThreadId};

/// Outcomes reachable when transactions run one at a time: each started thread, once chosen,
/// runs to its end before any other thread steps (its sleeps simply pass). Whatever explore
/// finds beyond these needs an interleaving: a race.
pub fn serial_outcomes(scenario: &Scenario) -> BTreeSet<(OutcomeKey, Vec<i64>)> {
    let layout = Layout::new(scenario);
    let codec = Codec::new(scenario);
    let mut seen = BTreeSet::new();
    let mut out = BTreeSet::new();
    let mut stack = vec![State::initial(scenario, &layout)];
    let mut key = Vec::new();
    while let Some(state) = stack.pop() {
        key.clear();
        codec.encode(&state, LIVE, &mut key);
        if !seen.insert(key.clone()) {
            continue;
        }
        let candidates: Vec<ThreadId> = (0..state.threads.len())
            .filter(|&t| state.threads[t].phase == Phase::Running)
            .collect();
        if candidates.is_empty() {
            out.insert((OutcomeKey::Ok, state.balances.clone()));
            continue;
        }
        for t in candidates {
            let mut s = state.clone();
            loop {
                if s.threads[t].phase != Phase::Running {
                    stack.push(s);
                    break;
                }
                s.now = s.now.max(s.threads[t].ready_at);
                if !s.is_ready(scenario, t) {
                    out.insert((OutcomeKey::Deadlock, s.balances.clone()));
                    break;
                }
                if let Err(fault) = s.step(scenario, &layout, t, &mut ()) {
                    out.insert((
                        OutcomeKey::Error {
                            thread: Some(t),
                            kind: ErrorKind::Fault(fault),
                        },
                        s.balances.clone(),
                    ));
                    break;
                }
            }
        }
    }
    out
}
