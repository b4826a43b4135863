//! The pinned random stream: `ChaCha8` keyed by the seed, and the one draw method every seeded
//! policy uses. Changing anything here changes what every seed means, so tests pin it literally.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// `ChaCha8` keyed with the seed's 8 little-endian bytes followed by 24 zero bytes (stream 0),
/// so the stream depends only on the `ChaCha8` algorithm, not on a seeding helper's version.
#[derive(Debug, Clone)]
pub struct DrawRng(ChaCha8Rng);

impl DrawRng {
    pub fn new(seed: u64) -> DrawRng {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        DrawRng(ChaCha8Rng::from_seed(key))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A number in `0..n` (n >= 1) from one `next_u64`: `(x * n) >> 64` in 128-bit arithmetic.
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n >= 1);
        ((u128::from(self.0.next_u64()) * n as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first words were checked against an independent implementation of the `ChaCha` block
    /// function (8 rounds, key = seed bytes + zeros, 64-bit block counter 0, nonce 0, each u64
    /// the low 32-bit word first): this is plain `ChaCha8`, not an artefact of a crate version.
    #[test]
    fn the_stream_is_pinned() {
        let mut r = DrawRng::new(0);
        let first: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        assert_eq!(first, PINNED_SEED0);
        let mut r = DrawRng::new(7);
        let draws: Vec<usize> = (0..12).map(|_| r.below(3)).collect();
        assert_eq!(draws, PINNED_SEED7_BELOW3);
    }

    #[test]
    fn below_covers_its_range_evenly() {
        let mut r = DrawRng::new(1);
        let mut counts = [0u32; 5];
        for _ in 0..50_000 {
            counts[r.below(5)] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
    }

    const PINNED_SEED0: [u64; 3] = [
        15_438_444_565_445_410_878,
        11_647_726_043_916_688_255,
        4_287_315_583_106_450_476,
    ];
    const PINNED_SEED7_BELOW3: [usize; 12] = [2, 1, 0, 0, 1, 1, 1, 0, 1, 2, 1, 1];
}
