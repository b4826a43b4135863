//! The outcomes transactions give when they run one at a time: whatever explore finds beyond
//! these needs an interleaving.

use std::collections::BTreeSet;

use super::codec::{Codec, LIVE};
use crate::engine::{Layout, Phase, State};
use crate::outcome::{EndState, ErrorKind, OutcomeKey};
use crate::scenario::{Scenario, ThreadId};

/// Outcomes reachable when transactions run one at a time: each started thread, once chosen,
/// runs until it finishes or can go no further alone (blocked, or spinning back to where it
/// was) before any other thread steps; its sleeps simply pass. A thread that cannot go on hands
/// over to another, as a real thread would. Whatever explore finds beyond these needs an
/// interleaving: a race.
pub fn serial_outcomes(scenario: &Scenario) -> BTreeSet<EndState> {
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
        let start = key.clone();
        let candidates: Vec<ThreadId> = (0..state.threads.len())
            .filter(|&t| state.threads[t].phase == Phase::Running)
            .collect();
        if candidates.is_empty() {
            out.insert(EndState::of(OutcomeKey::Ok, &state));
            continue;
        }
        // Whether some thread got anywhere alone, and whether one only spins in place.
        let (mut progressed, mut spins) = (false, false);
        for t in candidates {
            let mut s = state.clone();
            let mut visited: BTreeSet<Vec<u8>> = BTreeSet::new();
            loop {
                if s.threads[t].phase != Phase::Running {
                    stack.push(s);
                    progressed = true;
                    break;
                }
                key.clear();
                codec.encode(&s, LIVE, &mut key);
                if !visited.insert(key.clone()) {
                    // Back where it was: alone, this thread only loops. From the state it
                    // started in that is no progress; from a later one, others go on there.
                    if key == start {
                        spins = true;
                    } else {
                        stack.push(s);
                        progressed = true;
                    }
                    break;
                }
                s.now = s.now.max(s.threads[t].ready_at);
                if !s.is_ready(scenario, &layout, t) {
                    if key != start {
                        stack.push(s);
                        progressed = true;
                    }
                    break;
                }
                if let Err(fault) = s.step(scenario, &layout, t, &mut ()) {
                    let error = OutcomeKey::Error {
                        thread: Some(t),
                        kind: ErrorKind::Fault(fault),
                    };
                    out.insert(EndState::of(error, &s));
                    progressed = true;
                    break;
                }
            }
        }
        if !progressed {
            let end = if spins {
                OutcomeKey::Livelock
            } else {
                OutcomeKey::Deadlock
            };
            out.insert(EndState::of(end, &state));
        }
    }
    out
}
