//! The independent seeds a run derives from its one seed, one per purpose, so that no two
//! random streams of a run share their random bits.

/// What a derived seed is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedPurpose {
    /// The networks' initial weights.
    Weights,
    /// The order of the training batches.
    Batches,
    /// The latent vectors z and interpolation weights ε of the training steps.
    Noise,
    /// The fixed latent vectors of the evaluation outputs.
    EvalNoise,
    /// The transpositions of the training snippets (augmentation).
    Transpose,
}

impl SeedPurpose {
    fn tag(self) -> u64 {
        match self {
            SeedPurpose::Weights => 1,
            SeedPurpose::Batches => 2,
            SeedPurpose::Noise => 3,
            SeedPurpose::EvalNoise => 4,
            SeedPurpose::Transpose => 5,
        }
    }
}

/// The seed for `purpose` derived from a run's `seed`: SplitMix64's finaliser applied to the
/// seed and the purpose's tag, which scatters nearby inputs over all 64 bits.
pub fn derive_seed(seed: u64, purpose: SeedPurpose) -> u64 {
    splitmix64(splitmix64(seed) ^ purpose.tag())
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_and_seeds_give_distinct_values() {
        // SplitMix64's first output for state 0 (the reference implementation's test value).
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
        let purposes = [
            SeedPurpose::Weights,
            SeedPurpose::Batches,
            SeedPurpose::Noise,
            SeedPurpose::EvalNoise,
        ];
        let mut all: Vec<u64> = (0..3)
            .flat_map(|s| purposes.iter().map(move |&p| derive_seed(s, p)))
            .collect();
        assert_eq!(derive_seed(1, SeedPurpose::Noise), all[4 + 2]);
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 12);
    }
}
