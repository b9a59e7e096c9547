//! The counting sketch of the first pass: an estimate, never too low, of the
//! documents every unit occurs in, in a fixed amount of memory.

use std::sync::atomic::{AtomicU8, Ordering};

/// A counting sketch: two rows of saturating byte counters indexed by
/// different bits of a unit's hash. The estimate (the smaller counter) is
/// never below the true count; collisions only raise it.
pub(super) struct Sketch {
    counters: Vec<AtomicU8>,
    mask: usize,
}

impl Sketch {
    /// Sized for `bytes` of input: about one counter per 32 bytes per row,
    /// between 2^16 and 2^26 counters per row.
    pub(super) fn new(bytes: u64) -> Sketch {
        let want = (bytes / 32).max(1);
        let bits = (64 - want.leading_zeros()).clamp(16, 26);
        let n = 1usize << bits;
        Sketch {
            counters: (0..2 * n).map(|_| AtomicU8::new(0)).collect(),
            mask: n - 1,
        }
    }

    fn slots(&self, key: u64) -> [usize; 2] {
        [
            key as usize & self.mask,
            self.mask + 1 + ((key >> 32) as usize & self.mask),
        ]
    }

    pub(super) fn add(&self, key: u64) {
        for s in self.slots(key) {
            let _ = self.counters[s]
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| v.checked_add(1));
        }
    }

    pub(super) fn estimate(&self, key: u64) -> u8 {
        let [a, b] = self.slots(key);
        self.counters[a]
            .load(Ordering::Relaxed)
            .min(self.counters[b].load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::super::units::hash;
    use super::*;

    #[test]
    fn sketch_never_undercounts() {
        let s = Sketch::new(0);
        for i in 0..1000u64 {
            s.add(hash(1, &i.to_le_bytes()));
        }
        for _ in 0..7 {
            s.add(42);
        }
        assert!(s.estimate(42) >= 7);
    }
}
