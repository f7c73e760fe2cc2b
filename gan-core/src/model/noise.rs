//! Seeded random inputs: the generator's truncated-normal latent grids.

use candle_core::{DType, Device, Result, Tensor};
use rand::Rng;

use super::config::{ModelConfig, LATENT_PITCHES, LATENT_STEPS};

/// Where the latent normal is truncated, in standard deviations (Keras' `TruncatedNormal`).
pub const TRUNCATION: f64 = 2.0;

/// `n` draws of a standard normal truncated to [-2, 2] (redrawn outside), by Box–Muller.
pub fn truncated_normal<R: Rng + ?Sized>(rng: &mut R, n: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt();
        let theta = std::f64::consts::TAU * u2;
        for v in [r * theta.cos(), r * theta.sin()] {
            if v.abs() <= TRUNCATION && out.len() < n {
                out.push(v as f32);
            }
        }
    }
    out
}

/// A batch of latent grids z for the generator, NCHW (B, latent, 2, 8).
pub fn sample_z<R: Rng + ?Sized>(
    rng: &mut R,
    config: &ModelConfig,
    batch: usize,
    dtype: DType,
    device: &Device,
) -> Result<Tensor> {
    let shape = (batch, config.latent, LATENT_STEPS, LATENT_PITCHES);
    let n = batch * config.latent * LATENT_STEPS * LATENT_PITCHES;
    Tensor::from_vec(truncated_normal(rng, n), shape, device)?.to_dtype(dtype)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn truncated_normal_stays_in_range_with_unit_scale() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let v = truncated_normal(&mut rng, 20_000);
        assert_eq!(v.len(), 20_000);
        assert!(v.iter().all(|x| x.abs() <= 2.0));
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / v.len() as f64;
        // A standard normal truncated at ±2 has variance 1 - 4φ(2)/(Φ(2) - Φ(-2)) ≈ 0.774.
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 0.774).abs() < 0.03, "variance {var}");
    }

    #[test]
    fn same_seed_same_z() {
        let cfg = ModelConfig::new(4, 3);
        let draw = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            sample_z(&mut rng, &cfg, 2, DType::F32, &Device::Cpu)
                .and_then(|t| t.flatten_all()?.to_vec1::<f32>())
                .unwrap()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
        assert_eq!(draw(1).len(), 2 * 3 * 2 * 8);
    }
}
