//! A small, fast, seedable generator. Its output depends only on the seed, on
//! every platform: it uses integer arithmetic only, so the corpora it drives
//! are byte-identical everywhere.

/// SplitMix64's finaliser: a bijection on `u64` that spreads every input bit.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A wyrand generator (64-bit state, one multiply per draw).
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(mix(seed))
    }

    /// The generator of item `index` of a stream seeded with `seed`: items
    /// are independent, so item `i` is the same however many items are made.
    pub(crate) fn for_item(seed: u64, index: u64) -> Rng {
        Rng(mix(mix(seed) ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03)))
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0xA076_1D64_78BD_642F);
        let t = u128::from(self.0) * u128::from(self.0 ^ 0xE703_7ED1_A0B4_28DB);
        ((t >> 64) as u64) ^ (t as u64)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True with probability `percent`/100.
    pub(crate) fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }

    /// True with probability `threshold / 2^32`.
    pub(crate) fn chance_32(&mut self, threshold: u64) -> bool {
        (self.next_u64() >> 32) < threshold
    }

    /// A random item of a non-empty slice.
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// An index drawn with the given weights (not all zero).
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total as usize) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_items_independent() {
        let a: Vec<u64> = (0..4).map(|_| Rng::new(7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut r = Rng::for_item(7, 3);
        let first = r.next_u64();
        assert_eq!(Rng::for_item(7, 3).next_u64(), first);
        assert_ne!(Rng::for_item(7, 4).next_u64(), first);
        assert_ne!(Rng::for_item(8, 3).next_u64(), first);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut r = Rng::new(1);
        for n in 1..50 {
            assert!(r.below(n) < n);
            let x = r.range(3, 3 + n);
            assert!((3..=3 + n).contains(&x));
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.weighted(&[0, 5, 0]), 1);
    }
}
