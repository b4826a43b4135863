//! Path counts: u128 on the fast path, `BigUint` when a count outgrows it.

use num_bigint::BigUint;

/// A path count: u128 on the fast path, `BigUint` when that overflows.
pub trait Count: Clone {
    fn zero() -> Self;
    fn one() -> Self;
    /// `false` on overflow.
    fn add(&mut self, other: &Self) -> bool;
    fn big(&self) -> BigUint;
}

impl Count for u128 {
    fn zero() -> Self {
        0
    }
    fn one() -> Self {
        1
    }
    #[inline]
    fn add(&mut self, other: &Self) -> bool {
        match self.checked_add(*other) {
            Some(v) => {
                *self = v;
                true
            }
            None => false,
        }
    }
    fn big(&self) -> BigUint {
        BigUint::from(*self)
    }
}

impl Count for BigUint {
    fn zero() -> Self {
        BigUint::from(0u8)
    }
    fn one() -> Self {
        BigUint::from(1u8)
    }
    fn add(&mut self, other: &Self) -> bool {
        *self += other;
        true
    }
    fn big(&self) -> BigUint {
        self.clone()
    }
}
