//! The only source of randomness in the simulation: a seeded SplitMix64 generator.
//!
//! The algorithm is written out here rather than taken from a crate so that a given seed yields
//! the same numbers forever, on every platform: the seed is the identity of a run.

/// SplitMix64 (Steele, Lea and Flood, 2014). Small, fast, and fully determined by its seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimRng {
    state: u64,
}

impl SimRng {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`; `bound` must not be zero.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "SimRng::below needs a positive bound");
        self.next_u64() % bound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_sequence_and_pinned_first_value() {
        let mut a = SimRng::new(0);
        let mut b = SimRng::new(0);
        let first: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let second: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        assert_eq!(first, second);
        // The published first output of SplitMix64 for seed 0: a change of algorithm fails here.
        assert_eq!(first[0], 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn different_seeds_differ() {
        assert_ne!(SimRng::new(1).next_u64(), SimRng::new(2).next_u64());
    }
}
