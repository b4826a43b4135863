//! One level of the state DAG (an arena of encoded states with a hash table), and the packed
//! fewest-preemption witness links kept for every level.

use std::hash::Hasher;

use hashbrown::HashTable;

use super::count::Count;
use super::prob::Prob;

/// One level of the state DAG: states reached after the same number of steps.
pub struct Level<C> {
    pub arena: Vec<u8>,
    pub ends: Vec<u32>,
    pub hashes: Vec<u64>,
    pub table: HashTable<u32>,
    pub counts: Vec<C>,
    pub probabilities: Vec<Prob>,
    /// `slots` entries per state (see `Witness`).
    pub witness: Vec<u64>,
}

impl<C: Count> Level<C> {
    pub fn new() -> Self {
        Level {
            arena: Vec::new(),
            ends: Vec::new(),
            hashes: Vec::new(),
            table: HashTable::new(),
            counts: Vec::new(),
            probabilities: Vec::new(),
            witness: Vec::new(),
        }
    }

    /// The bytes the level's buffers hold (their capacities; the table at about 9 bytes a
    /// slot: a u32 index and a control byte, rounded up).
    pub fn bytes(&self) -> usize {
        self.arena.capacity()
            + self.ends.capacity() * 4
            + self.hashes.capacity() * 8
            + self.table.capacity() * 9
            + self.counts.capacity() * std::mem::size_of::<C>()
            + self.probabilities.capacity() * std::mem::size_of::<Prob>()
            + self.witness.capacity() * 8
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Empties the level, keeping its allocations.
    pub fn clear(&mut self) {
        self.arena.clear();
        self.ends.clear();
        self.hashes.clear();
        self.table.clear();
        self.counts.clear();
        self.probabilities.clear();
        self.witness.clear();
    }

    pub fn key(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.arena[start..self.ends[i] as usize]
    }

    /// The index of `key`, inserting it (with zero weight) if new.
    #[inline]
    pub fn intern(&mut self, key: &[u8], slots: usize) -> usize {
        let mut h = rustc_hash::FxHasher::default();
        h.write(key);
        let hash = h.finish();
        let Level {
            arena,
            ends,
            hashes,
            table,
            ..
        } = self;
        let found = table.find(hash, |&i| {
            let i = i as usize;
            let start = if i == 0 { 0 } else { ends[i - 1] as usize };
            &arena[start..ends[i] as usize] == key
        });
        if let Some(&i) = found {
            return i as usize;
        }
        let i = ends.len();
        arena.extend_from_slice(key);
        ends.push(arena.len() as u32);
        hashes.push(hash);
        let hashes_ref = &*hashes;
        table.insert_unique(hash, i as u32, |&j| hashes_ref[j as usize]);
        self.witness.extend(std::iter::repeat_n(Witness::NONE, slots));
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
