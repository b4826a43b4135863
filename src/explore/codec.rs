//! The byte encoding of explore's states: varints, time relative to now, and only the locals
//! that can still be read.

use crate::engine::{Blocked, FREE, Layout, Phase, State, ThreadState, Time};
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
    /// Whether threads can be held at a barrier (then each says where).
    has_barriers: bool,
    /// Per thread, what encoding its part takes (looked up once, not per state).
    threads: Vec<ThreadCodec<'s>>,
}

/// How one thread is encoded.
struct ThreadCodec<'s> {
    /// Its locals are `locals[base..base + n]`.
    base: usize,
    n: usize,
    /// Its states record its pass count (see `Codec::new`).
    keeps_iteration: bool,
    repeat: u32,
    /// `live[pc * n + slot]`; empty: every local is live.
    live: &'s [bool],
}

impl ThreadCodec<'_> {
    /// Which of the thread's locals can be read at or after step `pc`; `None`: all of them
    /// (the transaction was too big to analyse).
    #[inline]
    fn live_row(&self, pc: usize) -> Option<&[bool]> {
        self.live.get(pc * self.n..(pc + 1) * self.n)
    }
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
        let has_barriers = !scenario.barriers.is_empty();
        let layout = Layout::new(scenario);
        let threads = scenario
            .transactions
            .iter()
            .enumerate()
            .map(|(t, tx)| ThreadCodec {
                base: layout.local_base[t],
                n: tx.locals.len(),
                // With `repeat`, and with barriers: a thread held at a barrier after its last
                // step is running with every pass done, and finishes when released.
                keeps_iteration: tx.repeat > 1 || has_barriers,
                repeat: tx.repeat,
                live: &tx.live,
            })
            .collect();
        Codec {
            scenario,
            has_barriers,
            threads,
        }
    }

    /// Appends `st` to `out` as bytes, after the tag. Everything a scenario without the
    /// version-2 objects lacks costs no byte, so such a scenario's states are what they were.
    pub fn encode(&self, st: &State, tag: u8, out: &mut Vec<u8>) {
        let sc = self.scenario;
        out.push(tag);
        for &b in &st.balances {
            put(out, zigzag(b));
        }
        for (l, &h) in st.holders.iter().enumerate() {
            put(out, u64::from(h.wrapping_add(1)));
            // A held plain lock is held once; an rlock says how many times.
            if h != FREE && sc.locks[l].reentrant {
                put(out, u64::from(st.counts[l]));
            }
        }
        for &v in &st.semaphores {
            put(out, zigzag(v));
        }
        for chunk in st.events.chunks(8) {
            out.push(
                chunk
                    .iter()
                    .enumerate()
                    .fold(0u8, |b, (i, &e)| b | (u8::from(e) << i)),
            );
        }
        for set in &st.wait_sets {
            put(out, set.len() as u64);
            for &u in set {
                put(out, u64::from(u));
            }
        }
        for q in &st.queues {
            put(out, q.len() as u64);
            for &v in q {
                put(out, zigzag(v));
            }
        }
        for (th, tc) in st.threads.iter().zip(&self.threads) {
            match th.phase {
                Phase::Pending => out.push(0),
                Phase::Finished => out.push(1),
                Phase::Running => {
                    // pc first, offset by 2 so it never collides with the two markers above.
                    put(out, u64::from(th.pc) + 2);
                    if tc.keeps_iteration {
                        put(out, u64::from(th.iteration));
                    }
                    // The remaining sleep: at most one step's delay, which is a u64.
                    put(
                        out,
                        u64::try_from(th.ready_at.saturating_sub(st.now)).unwrap_or(u64::MAX),
                    );
                    if self.has_barriers {
                        // A thread in a wait set is named by the set itself.
                        put(
                            out,
                            match th.blocked {
                                Blocked::Barrier(b) => u64::from(b) + 1,
                                _ => 0,
                            },
                        );
                    }
                    let locals = &st.locals[tc.base..tc.base + tc.n];
                    match tc.live_row(th.pc as usize) {
                        Some(live) => {
                            for (&v, _) in locals.iter().zip(live).filter(|(_, l)| **l) {
                                put(out, zigzag(v));
                            }
                        }
                        None => {
                            for &v in locals {
                                put(out, zigzag(v));
                            }
                        }
                    }
                }
            }
        }
    }

    /// Decodes into `st` (whose vectors already have the right lengths); returns the tag.
    pub fn decode(&self, bytes: &[u8], st: &mut State) -> u8 {
        let sc = self.scenario;
        let mut at = 1;
        st.now = 0;
        for b in &mut st.balances {
            *b = unzigzag(take(bytes, &mut at));
        }
        for l in 0..st.holders.len() {
            let h = (take(bytes, &mut at) as u32).wrapping_sub(1);
            st.holders[l] = h;
            st.counts[l] = match (h == FREE, sc.locks[l].reentrant) {
                (true, _) => 0,
                (false, true) => take(bytes, &mut at) as u32,
                (false, false) => 1,
            };
        }
        for v in &mut st.semaphores {
            *v = unzigzag(take(bytes, &mut at));
        }
        for chunk in 0..st.events.len().div_ceil(8) {
            let byte = bytes[at];
            at += 1;
            for i in 0..8 {
                if let Some(e) = st.events.get_mut(chunk * 8 + i) {
                    *e = byte >> i & 1 == 1;
                }
            }
        }
        for set in &mut st.wait_sets {
            set.clear();
            for _ in 0..take(bytes, &mut at) {
                set.push(take(bytes, &mut at) as u32);
            }
        }
        for q in &mut st.queues {
            q.clear();
            for _ in 0..take(bytes, &mut at) {
                q.push(unzigzag(take(bytes, &mut at)));
            }
        }
        let mut started = 0;
        for (th, tc) in st.threads.iter_mut().zip(&self.threads) {
            let head = take(bytes, &mut at);
            let (base, n) = (tc.base, tc.n);
            *th = match head {
                0 => {
                    st.locals[base..base + n].fill(0);
                    ThreadState {
                        phase: Phase::Pending,
                        pc: 0,
                        iteration: 0,
                        ready_at: 0,
                        worker: u32::MAX,
                        blocked: Blocked::No,
                    }
                }
                1 => {
                    started += 1;
                    st.locals[base..base + n].fill(0);
                    ThreadState {
                        phase: Phase::Finished,
                        pc: 0,
                        iteration: tc.repeat,
                        ready_at: 0,
                        worker: 0,
                        blocked: Blocked::No,
                    }
                }
                pc => {
                    started += 1;
                    let iteration = if tc.keeps_iteration {
                        take(bytes, &mut at) as u32
                    } else {
                        0
                    };
                    let ready_at = Time::from(take(bytes, &mut at));
                    let blocked = if self.has_barriers {
                        match take(bytes, &mut at) {
                            0 => Blocked::No,
                            b => Blocked::Barrier(b as u32 - 1),
                        }
                    } else {
                        Blocked::No
                    };
                    let pc = (pc - 2) as usize;
                    let locals = &mut st.locals[base..base + n];
                    match tc.live_row(pc) {
                        Some(live) => {
                            for (v, &l) in locals.iter_mut().zip(live) {
                                // A dead local is overwritten before any read: 0 stands for
                                // every value.
                                *v = if l { unzigzag(take(bytes, &mut at)) } else { 0 };
                            }
                        }
                        None => {
                            for v in locals {
                                *v = unzigzag(take(bytes, &mut at));
                            }
                        }
                    }
                    ThreadState {
                        phase: Phase::Running,
                        pc: pc as u32,
                        iteration,
                        ready_at,
                        worker: 0,
                        blocked,
                    }
                }
            };
        }
        // Threads in a wait set are blocked there until notified.
        for (c, set) in st.wait_sets.iter().enumerate() {
            for &u in set {
                st.threads[u as usize].blocked = Blocked::Condition(c as u32);
            }
        }
        st.next_pending = started;
        bytes[0]
    }
}
