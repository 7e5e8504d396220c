//! A fast, seeded, non-cryptographic hash of cell bytes, and the seeded random numbers the
//! samplers draw.
//!
//! Every non-empty cell is hashed once; the one hash serves the distinct count, the top-value
//! counters and the duplicate-row check, so it has to be cheap on short inputs and spread its
//! bits well (HyperLogLog reads the high bits, hash tables the low ones). It is built on the
//! folded 64 × 64 → 128-bit multiply that wyhash and foldhash use; it resists no adversary,
//! which is fine: a crafted file can only make its own profile less exact.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// 2^64 divided by the golden ratio, the usual odd constant of multiplicative hashing.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
/// The two multipliers of SplitMix64's finaliser (Steele, Lea and Flood, 2014).
const MIX_A: u64 = 0xBF58_476D_1CE4_E5B9;
const MIX_B: u64 = 0x94D0_49BB_1331_11EB;

/// Multiplies to 128 bits and folds the halves together with XOR.
#[inline(always)]
pub(crate) fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

/// Hashes a byte string.
#[inline]
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    let length = bytes.len();
    let mut state = GOLDEN ^ length as u64;

    let (words, _) = bytes.as_chunks::<8>();
    for word in words {
        state = fold(u64::from_le_bytes(*word) ^ MIX_A, state ^ MIX_B);
    }

    // The last 1 to 7 bytes, read without a copy through memory (which would stall the
    // load behind the stores): overlapping reads of whole words, as wyhash does.
    let tail = length % 8;
    if tail > 0 {
        let last = if length >= 8 {
            word_at(bytes, length - 8)
        } else if length >= 4 {
            (u64::from(half_at(bytes, 0)) << 32) | u64::from(half_at(bytes, length - 4))
        } else {
            (u64::from(bytes[0]) << 16)
                | (u64::from(bytes[length / 2]) << 8)
                | u64::from(bytes[length - 1])
        };
        state = fold(last ^ MIX_B, state ^ MIX_A);
    }

    fold(state, GOLDEN)
}

#[inline(always)]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

#[inline(always)]
fn half_at(bytes: &[u8], at: usize) -> u32 {
    let mut half = [0u8; 4];
    half.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(half)
}

/// Folds the hash of the cell in column `column` into the hash of its row, so that the same
/// text in another column makes another row.
#[inline(always)]
pub(crate) fn combine(row: u64, column: usize, cell: u64) -> u64 {
    fold(row ^ cell, MIX_A.wrapping_add((column as u64) << 1))
}

/// A `Hasher` for keys that already are good hashes: it hands them on unchanged.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fold(self.0 ^ hash_bytes(bytes), GOLDEN);
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// A set of 64-bit hashes: open addressing with linear probing in a power-of-two table
/// doubled at three quarters full, 0 marking a free slot (the hash 0 is stored as 1, which
/// merges two values with a probability of 2^-63). Eight bytes a slot and no control bytes:
/// smaller than `std`'s table and, for keys that are already hashes, faster.
#[derive(Debug, Clone, Default)]
pub(crate) struct HashSet64 {
    slots: Vec<u64>,
    len: usize,
}

impl HashSet64 {
    /// The smallest table allocated.
    const FIRST_SLOTS: usize = 16;

    /// An empty set with room for `slots` (a power of two) before it allocates again.
    pub(crate) fn with_slots(slots: usize) -> Self {
        Self {
            slots: vec![0; slots],
            len: 0,
        }
    }

    /// Hashes in the set.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Slots of the table.
    #[cfg(test)]
    pub(crate) fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Adds a hash; returns whether it was new.
    #[inline]
    pub(crate) fn insert(&mut self, hash: u64) -> bool {
        let hash = hash.max(1);
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            match self.slots[slot] {
                0 => {
                    self.slots[slot] = hash;
                    self.len += 1;
                    return true;
                }
                stored if stored == hash => return false,
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Whether the hash is in the set.
    #[inline]
    pub(crate) fn contains(&self, hash: u64) -> bool {
        let hash = hash.max(1);
        let Some(mask) = self.slots.len().checked_sub(1) else {
            return false;
        };
        let mut slot = hash as usize & mask;
        loop {
            match self.slots[slot] {
                0 => return false,
                stored if stored == hash => return true,
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Reads the slot where a lookup of `hash` starts. Reading the slots of many hashes
    /// before looking any of them up lets their cache misses overlap.
    #[inline]
    pub(crate) fn touch(&self, hash: u64) -> u64 {
        match self.slots.len().checked_sub(1) {
            Some(mask) => self.slots[hash.max(1) as usize & mask],
            None => 0,
        }
    }

    /// The hashes in the set (those stored as 1 for 0 come back as 1).
    pub(crate) fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.slots.iter().copied().filter(|&hash| hash != 0)
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(Self::FIRST_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        let mask = size - 1;
        for hash in old.into_iter().filter(|&hash| hash != 0) {
            let mut slot = hash as usize & mask;
            while self.slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = hash;
        }
    }
}

/// A map keyed by hashes.
pub(crate) type HashMap64<V> = HashMap<u64, V, BuildHasherDefault<PassThrough>>;

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): tiny, fast and good enough to pick reservoir slots. Seeded, so that a file
/// profiles the same way every time.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose sequence is fixed by `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(MIX_A);
        z = (z ^ (z >> 27)).wrapping_mul(MIX_B);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0), by Lemire's multiply-and-shift; its bias, below
    /// `bound / 2^64`, does not matter for sampling.
    #[inline]
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_bytes_hash_equal_and_small_changes_move_many_bits() {
        assert_eq!(hash_bytes(b"Paris"), hash_bytes(b"Paris"));

        let pairs: [(&[u8], &[u8]); 7] = [
            (b"Paris", b"paris"),
            (b"12345678", b"12345679"),
            (b"", b"\0"),
            (b"a", b"b"),
            (b"abc", b"abd"),
            (b"abcdefghij", b"abcdefghik"),
            (b"241.564879", b"241.564878"),
        ];
        for (left, right) in pairs {
            let changed = (hash_bytes(left) ^ hash_bytes(right)).count_ones();
            assert!(
                (16..=48).contains(&changed),
                "{left:?} vs {right:?}: {changed} bits"
            );
        }
    }

    #[test]
    fn the_hash_set_keeps_every_hash_through_growth() {
        let mut set = HashSet64::default();
        assert!(!set.contains(5));
        let hashes: Vec<u64> = (0..10_000u64)
            .map(|value| hash_bytes(&value.to_le_bytes()))
            .collect();
        for &hash in &hashes {
            assert!(set.insert(hash));
        }
        for &hash in &hashes {
            assert!(!set.insert(hash) && set.contains(hash));
        }
        assert_eq!(set.len(), hashes.len());
        assert_eq!(set.iter().count(), hashes.len());
        assert!(set.slots() >= hashes.len() * 4 / 3);
        assert!(!set.contains(hash_bytes(b"absent")));
    }

    #[test]
    fn row_hashes_depend_on_the_column_of_each_cell() {
        let cell = hash_bytes(b"a");
        assert_ne!(combine(0, 0, cell), combine(0, 1, cell));
    }

    #[test]
    fn random_numbers_stay_below_the_bound_and_repeat_with_the_seed() {
        let mut first = SplitMix64::new(7);
        let mut second = SplitMix64::new(7);
        for _ in 0..1000 {
            let value = first.below(10);
            assert!(value < 10);
            assert_eq!(value, second.below(10));
        }
    }
}
