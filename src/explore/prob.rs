//! Probabilities in double-double arithmetic: an unevaluated sum of two f64 (about 106 bits of
//! mantissa), so that summing the shares of millions of paths still rounds to the f64 nearest
//! the exact rational (a race-free scenario's only outcome gets exactly 1, not 0.9999999999).
//!
//! The algorithms are the classic error-free transformations (Knuth's two-sum, Dekker's
//! splitting product), written without FMA so that every platform gives the same bits.

/// A probability as `hi + lo`, `|lo| <= ulp(hi) / 2`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Prob {
    hi: f64,
    lo: f64,
}

/// `a + b` exactly, as the rounded sum and its error.
#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `a + b` exactly when `|a| >= |b|`.
#[inline]
fn quick_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// Dekker's split of `a` into two halves of 26 bits each.
#[inline]
fn split(a: f64) -> (f64, f64) {
    let t = 134_217_729.0 * a; // 2^27 + 1
    let hi = t - (t - a);
    (hi, a - hi)
}

impl Prob {
    pub const ONE: Prob = Prob { hi: 1.0, lo: 0.0 };

    /// The nearest f64.
    pub fn to_f64(self) -> f64 {
        self.hi + self.lo
    }

    #[inline]
    pub fn add(self, o: Prob) -> Prob {
        let (s, e) = two_sum(self.hi, o.hi);
        let (t, f) = two_sum(self.lo, o.lo);
        let (s, e) = quick_two_sum(s, e + t);
        let (hi, lo) = quick_two_sum(s, e + f);
        Prob { hi, lo }
    }

    /// `self / n` for a count of ready threads (below 2^26, so `n` needs no splitting).
    #[inline]
    pub fn div(self, n: usize) -> Prob {
        if n == 1 {
            return self;
        }
        let d = n as f64;
        let q1 = self.hi / d;
        // q1 * d exactly, as p + e (Dekker's product with d's split trivial).
        let p = q1 * d;
        let (qh, ql) = split(q1);
        let e = (qh * d - p) + ql * d;
        // The remainder self - q1 * d, exact to double-double precision, then its quotient.
        let r = ((self.hi - p) - e) + self.lo;
        let (hi, lo) = quick_two_sum(q1, r / d);
        Prob { hi, lo }
    }
}

/// `a * b` exactly, as the rounded product and its error.
#[inline]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

impl Prob {
    #[inline]
    fn sub(self, o: Prob) -> Prob {
        self.add(Prob { hi: -o.hi, lo: -o.lo })
    }

    #[inline]
    pub fn mul(self, o: Prob) -> Prob {
        let (p, e) = two_prod(self.hi, o.hi);
        let e = e + (self.hi * o.lo + self.lo * o.hi);
        let (hi, lo) = quick_two_sum(p, e);
        Prob { hi, lo }
    }

    /// `self / d` (long division: a first quotient, then the remainder's), for `d > 0`.
    pub fn div_by(self, d: Prob) -> Prob {
        let q1 = self.hi / d.hi;
        let r = self.sub(d.mul(Prob { hi: q1, lo: 0.0 }));
        let q2 = r.hi / d.hi;
        let r = r.sub(d.mul(Prob { hi: q2, lo: 0.0 }));
        let q3 = r.hi / d.hi;
        let (hi, lo) = quick_two_sum(q1, q2);
        Prob { hi, lo }.add(Prob { hi: q3, lo: 0.0 })
    }

    pub fn is_zero(self) -> bool {
        self.hi == 0.0
    }
}

#[cfg(test)]
// Exact comparisons are the point: the sums must round to exactly 1.
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn thirds_add_up_to_exactly_one() {
        let third = Prob::ONE.div(3);
        assert_eq!(third.add(third).add(third).to_f64(), 1.0);
        // In plain f64, 1/3 + 1/3 + 1/3 happens to round to 1, but sevenths do not.
        let seventh = Prob::ONE.div(7);
        let mut sum = Prob::default();
        let mut plain = 0.0f64;
        for _ in 0..7 {
            sum = sum.add(seventh);
            plain += 1.0 / 7.0;
        }
        assert_ne!(plain, 1.0);
        assert_eq!(sum.to_f64(), 1.0);
    }

    #[test]
    fn dividing_by_a_count_agrees_with_long_division() {
        let mut p = Prob::ONE.div(3).add(Prob::ONE.div(7));
        for n in 1..200usize {
            let fast = p.div(n);
            let long = p.div_by(Prob {
                hi: n as f64,
                lo: 0.0,
            });
            assert!(
                (fast.sub(long)).to_f64().abs() <= fast.to_f64() * 1e-30,
                "n = {n}"
            );
            p = p.add(fast);
        }
    }

    #[test]
    fn millions_of_shares_sum_to_one() {
        // 3 * 5 * 7 * ... paths: the shares of a tree of branching factors 3, 5, 7, 11.
        let mut sum = Prob::default();
        let share = Prob::ONE.div(3).div(5).div(7).div(11).div(13).div(17);
        for _ in 0..(3 * 5 * 7 * 11 * 13 * 17) {
            sum = sum.add(share);
        }
        assert_eq!(sum.to_f64(), 1.0);
    }

    #[test]
    fn division_and_products_round_trip() {
        let x = Prob::ONE.div(3).mul(Prob { hi: 3.0, lo: 0.0 });
        assert!((x.sub(Prob::ONE)).to_f64().abs() < 1e-30);
        let y = Prob { hi: 2.0, lo: 0.0 }.div_by(Prob::ONE.div(3));
        assert!((y.to_f64() - 6.0).abs() < 1e-14);
        assert_eq!(y.to_f64(), 6.0);
    }
}
