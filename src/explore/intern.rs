//! Interning of encoded states: an arena of byte strings and a hash table over it, giving each
//! distinct string a dense index (the order of first insertion).

use std::hash::Hasher;

use hashbrown::HashTable;

/// Distinct byte strings, numbered from 0 in the order they were first inserted.
#[derive(Default)]
pub struct Interner {
    arena: Vec<u8>,
    /// `ends[i]`: where string `i` ends in `arena` (it starts where `i - 1` ends).
    ends: Vec<u32>,
    /// Indices into `ends`; hashes are recomputed from the arena when the table grows, which
    /// costs a little time once and saves eight bytes a string.
    table: HashTable<u32>,
}

#[inline]
fn hash(key: &[u8]) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    h.write(key);
    h.finish()
}

impl Interner {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The bytes the buffers hold (their capacities; the table at about 5 bytes a slot: a u32
    /// index and a control byte).
    pub fn bytes(&self) -> usize {
        self.arena.capacity() + self.ends.capacity() * 4 + self.table.capacity() * 5
    }

    /// Empties the interner, keeping its allocations.
    pub fn clear(&mut self) {
        self.arena.clear();
        self.ends.clear();
        self.table.clear();
    }

    #[inline]
    pub fn get(&self, i: usize) -> &[u8] {
        slice(&self.arena, &self.ends, i)
    }

    /// The index of `key` and whether it was inserted now.
    #[inline]
    pub fn intern(&mut self, key: &[u8]) -> (usize, bool) {
        let Interner { arena, ends, table } = self;
        let h = hash(key);
        if let Some(&i) = table.find(h, |&i| slice(arena, ends, i as usize) == key) {
            return (i as usize, false);
        }
        let i = ends.len();
        arena.extend_from_slice(key);
        ends.push(arena.len() as u32);
        let (arena, ends) = (&*arena, &*ends);
        table.insert_unique(h, i as u32, |&j| hash(slice(arena, ends, j as usize)));
        (i, true)
    }
}

#[inline]
fn slice<'a>(arena: &'a [u8], ends: &[u32], i: usize) -> &'a [u8] {
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &arena[start..ends[i] as usize]
}
