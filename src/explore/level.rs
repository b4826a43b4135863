//! One level of the state DAG (its interned states, counts and probabilities), and the packed
//! fewest-preemption witness links kept for every level.

use super::count::Count;
use super::intern::Interner;
use super::prob::Prob;

/// One level of the state DAG: states reached after the same number of steps.
pub struct Level<C> {
    pub keys: Interner,
    pub counts: Vec<C>,
    pub probabilities: Vec<Prob>,
    /// `slots` entries per state (see `Witness`).
    pub witness: Vec<u64>,
}

impl<C: Count> Level<C> {
    pub fn new() -> Self {
        Level {
            keys: Interner::default(),
            counts: Vec::new(),
            probabilities: Vec::new(),
            witness: Vec::new(),
        }
    }

    /// The bytes the level's buffers hold (their capacities).
    pub fn bytes(&self) -> usize {
        self.keys.bytes()
            + self.counts.capacity() * std::mem::size_of::<C>()
            + self.probabilities.capacity() * std::mem::size_of::<Prob>()
            + self.witness.capacity() * 8
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Empties the level, keeping its allocations.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.counts.clear();
        self.probabilities.clear();
        self.witness.clear();
    }

    pub fn key(&self, i: usize) -> &[u8] {
        self.keys.get(i)
    }

    /// The index of `key`, inserting it (with zero weight) if new.
    #[inline]
    pub fn intern(&mut self, key: &[u8], slots: usize) -> usize {
        let (i, new) = self.keys.intern(key);
        if new {
            self.witness.extend(std::iter::repeat_n(Witness::NONE, slots));
        }
        i
    }
}

/// Fewest preemptions to reach a (state, last thread) and the predecessor on such a path,
/// packed in a u64: cost (16 bits) | parent's last thread (16 bits) | parent index (32 bits).
pub struct Witness;

impl Witness {
    pub const NONE: u64 = u64::MAX;
    pub const MAX_COST: u64 = 0xFFFE;

    pub fn pack(cost: u64, parent_last: usize, parent: usize) -> u64 {
        (cost.min(Self::MAX_COST) << 48) | ((parent_last as u64) << 32) | parent as u64
    }
    pub fn cost(w: u64) -> u64 {
        w >> 48
    }
    pub fn parent_last(w: u64) -> usize {
        ((w >> 32) & 0xFFFF) as usize
    }
    pub fn parent(w: u64) -> usize {
        (w & 0xFFFF_FFFF) as usize
    }
}
