//! The byte encoding of explore's states: varints, time relative to now, and only the locals
//! that can still be read.

use crate::engine::{Layout, Phase, State, ThreadState};
use crate::scenario::Scenario;

/// Tags of encoded states: a scheduling point, or how the run ended there.
pub const LIVE: u8 = 0;
pub const ENDED_OK: u8 = 1;
pub const ENDED_DEADLOCK: u8 = 2;

/// Encodes states as short byte strings: varints, time relative to now, and only the locals
/// that can still be read (not those of threads that are not running, nor dead ones: a local
/// that every path overwrites before reading it). States that differ only in what can never
/// matter are one state, which keeps counts exact and the graph small.
pub struct Codec<'s> {
    scenario: &'s Scenario,
    layout: Layout,
}

#[inline]
fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
fn take(bytes: &[u8], at: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = bytes[*at];
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

#[inline]
fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

#[inline]
fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

impl<'s> Codec<'s> {
    pub fn new(scenario: &'s Scenario) -> Codec<'s> {
        Codec {
            scenario,
            layout: Layout::new(scenario),
        }
    }

    pub fn encode(&self, st: &State, tag: u8, out: &mut Vec<u8>) {
        out.push(tag);
        for &b in &st.balances {
            put(out, zigzag(b));
        }
        for &h in &st.holders {
            put(out, u64::from(h.wrapping_add(1)));
        }
        for (t, th) in st.threads.iter().enumerate() {
            match th.phase {
                Phase::Pending => out.push(0),
                Phase::Finished => out.push(1),
                Phase::Running => {
                    // pc first, offset by 2 so it never collides with the two markers above.
                    put(out, u64::from(th.pc) + 2);
                    if self.scenario.transactions[t].repeat > 1 {
                        put(out, u64::from(th.iteration));
                    }
                    put(out, th.ready_at.saturating_sub(st.now));
                    let n = self.scenario.transactions[t].locals.len();
                    let base = self.layout.local_base[t];
                    let live =
                        &self.scenario.transactions[t].live[th.pc as usize * n..(th.pc as usize + 1) * n];
                    for (&v, _) in st.locals[base..base + n].iter().zip(live).filter(|(_, l)| **l) {
                        put(out, zigzag(v));
                    }
                }
            }
        }
    }

    /// Decodes into `st` (whose vectors already have the right lengths); returns the tag.
    pub fn decode(&self, bytes: &[u8], st: &mut State) -> u8 {
        let mut at = 1;
        st.now = 0;
        for b in &mut st.balances {
            *b = unzigzag(take(bytes, &mut at));
        }
        for h in &mut st.holders {
            *h = (take(bytes, &mut at) as u32).wrapping_sub(1);
        }
        let mut started = 0;
        for t in 0..st.threads.len() {
            let head = take(bytes, &mut at);
            let tx = &self.scenario.transactions[t];
            let base = self.layout.local_base[t];
            let locals = &mut st.locals[base..base + tx.locals.len()];
            st.threads[t] = match head {
                0 => {
                    locals.fill(0);
                    ThreadState {
                        phase: Phase::Pending,
                        pc: 0,
                        iteration: 0,
                        ready_at: 0,
                        worker: u32::MAX,
                    }
                }
                1 => {
                    started += 1;
                    locals.fill(0);
                    ThreadState {
                        phase: Phase::Finished,
                        pc: 0,
                        iteration: tx.repeat,
                        ready_at: 0,
                        worker: 0,
                    }
                }
                pc => {
                    started += 1;
                    let iteration = if tx.repeat > 1 {
                        take(bytes, &mut at) as u32
                    } else {
                        0
                    };
                    let ready_at = take(bytes, &mut at);
                    let pc = (pc - 2) as usize;
                    let n = tx.locals.len();
                    for (v, &live) in locals
                        .iter_mut()
                        .zip(&self.scenario.transactions[t].live[pc * n..(pc + 1) * n])
                    {
                        // A dead local is overwritten before any read: 0 stands for every value.
                        *v = if live { unzigzag(take(bytes, &mut at)) } else { 0 };
                    }
                    ThreadState {
                        phase: Phase::Running,
                        pc: pc as u32,
                        iteration,
                        ready_at,
                        worker: 0,
                    }
                }
            };
        }
        st.next_pending = started;
        bytes[0]
    }
}
