//! A small seeded random number generator that gives the same stream on every platform.
//!
//! Toy data and shuffling must be reproducible from a seed in the tab (wasm32) and on the server
//! alike, without reaching for the operating system's entropy. SplitMix64 (Steele, Lea and
//! Flood, "Fast splittable pseudorandom number generators", 2014) is enough for that: it is not
//! for anything secret.

/// SplitMix64: a 64-bit state advanced by a Weyl sequence and mixed by a finaliser.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// Creates a generator; equal seeds give equal streams.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);

        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform float in `[0, 1)`, built from the top 24 bits so every value is exact in `f32`.
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal sample by the Box–Muller transform.
    pub fn next_gaussian(&mut self) -> f32 {
        // `1 - u` keeps the logarithm's argument in (0, 1].
        let u1 = 1.0 - self.next_f32();
        let u2 = self.next_f32();

        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    }

    /// A uniform index in `0..bound`; `bound` must be positive.
    pub fn next_index(&mut self, bound: usize) -> usize {
        // The modulo bias is below 2^-40 for any bound a dataset can have.
        (self.next_u64() % bound as u64) as usize
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.next_index(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_seeds_give_equal_streams() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);

        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn uniform_floats_stay_in_unit_interval() {
        let mut rng = SplitMix64::new(1);

        for _ in 0..10_000 {
            let x = rng.next_f32();
            assert!((0.0..1.0).contains(&x), "{x} out of range");
        }
    }

    #[test]
    fn gaussian_samples_have_unit_spread() {
        let mut rng = SplitMix64::new(3);
        let samples: Vec<f32> = (0..20_000).map(|_| rng.next_gaussian()).collect();

        let mean = samples.iter().sum::<f32>() / samples.len() as f32;
        let variance =
            samples.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / samples.len() as f32;

        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.05, "variance {variance}");
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut rng = SplitMix64::new(11);
        let mut items: Vec<usize> = (0..50).collect();

        rng.shuffle(&mut items);
        let mut sorted = items.clone();
        sorted.sort_unstable();

        assert_ne!(items, sorted);
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    }
}
