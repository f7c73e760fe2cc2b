//! One critic step and one generator step of WGAN-GP training, with Adam for both networks:
//! [`WganGp`], the networks and optimisers that the training loop ([`super::Trainer`]) drives.

use candle_core::{DType, Tensor, Var};
use candle_nn::VarMap;
use ndarray::ArrayView4;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::adam::Adam;
use super::config::{Precision, TrainConfig};
use super::loss::{critic_loss, generator_loss};
use super::seeds::{derive_seed, SeedPurpose};
use crate::model::noise::sample_z;
use crate::model::{ops, Gan, ModelError};

/// The losses of one critic step (before its update).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CriticStats {
    /// The critic's loss: Wasserstein term + gp_weight · GP.
    pub loss: f64,
    /// mean D(fake) − mean D(real).
    pub wasserstein: f64,
    /// The gradient penalty.
    pub gp: f64,
}

/// The losses of one training iteration: every critic step, then the generator step.
#[derive(Debug, Clone, PartialEq)]
pub struct IterationStats {
    /// One entry per critic step.
    pub critic: Vec<CriticStats>,
    /// The generator's loss.
    pub generator_loss: f64,
}

/// WGAN-GP training state: the networks, one [`Adam`] per network and the seeded noise.
///
/// The noise (z and ε) of iteration `i` (from 0) is drawn from ChaCha8 seeded with the run's
/// noise seed on stream `i`, so the state after `i` iterations is the networks, the optimisers
/// and `i`: nothing else needs saving to resume exactly.
pub struct WganGp {
    gan: Gan,
    config: TrainConfig,
    critic_opt: Adam,
    generator_opt: Adam,
    noise_seed: u64,
    rng: ChaCha8Rng,
    iterations: u64,
}

impl WganGp {
    /// Fresh networks for `config`, with the weights a run of that configuration starts from
    /// (drawn from its seed), on its device.
    pub fn fresh(config: TrainConfig) -> Result<Self, ModelError> {
        let gan = Gan::new(
            config.model,
            derive_seed(config.seed, SeedPurpose::Weights),
            config.precision.dtype(),
            &config.device.device()?,
        )?;
        Self::new(gan, config)
    }

    /// A batch of snippets in the lab's layout, `(batch, 32, 128, 4)`, as a tensor of these
    /// networks' type and device, ready for [`WganGp::critic_step`].
    pub fn batch(&self, snippets: ArrayView4<f32>) -> Result<Tensor, ModelError> {
        crate::model::layout::batch_to_tensor(&snippets, self.gan.dtype(), self.gan.device())
    }

    /// A trainer for `gan` with fresh Adam states, no iteration done, and noise seeded by
    /// `config.seed`; the widths and precision of `config` are set to the networks'.
    /// Training allocates and frees large buffers at every step: the process's allocator is set
    /// to keep them for reuse ([`ops::keep_freed_memory`]).
    pub fn new(gan: Gan, mut config: TrainConfig) -> Result<Self, ModelError> {
        ops::keep_freed_memory();
        config.model = *gan.config();
        config.precision = match gan.dtype() {
            DType::F64 => Precision::F64,
            _ => Precision::F32,
        };
        let critic_opt = Adam::new(
            named(gan.critic_vars(), gan.trainable_critic_vars()?)?,
            config.adam(config.critic_lr),
        )?;
        let generator_opt = Adam::new(
            named(gan.generator_vars(), gan.trainable_generator_vars()?)?,
            config.adam(config.generator_lr),
        )?;
        let noise_seed = derive_seed(config.seed, SeedPurpose::Noise);
        let mut out = Self {
            rng: ChaCha8Rng::seed_from_u64(noise_seed),
            noise_seed,
            gan,
            config,
            critic_opt,
            generator_opt,
            iterations: 0,
        };
        out.set_iterations(0);
        Ok(out)
    }

    /// The networks being trained.
    pub fn gan(&self) -> &Gan {
        &self.gan
    }

    /// Gives the networks back.
    pub fn into_gan(self) -> Gan {
        self.gan
    }

    /// The hyper-parameters.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The critic's optimiser.
    pub fn critic_optimizer(&self) -> &Adam {
        &self.critic_opt
    }

    /// The generator's optimiser.
    pub fn generator_optimizer(&self) -> &Adam {
        &self.generator_opt
    }

    /// Both optimisers, critic's first, to restore their state.
    pub fn optimizers_mut(&mut self) -> (&mut Adam, &mut Adam) {
        (&mut self.critic_opt, &mut self.generator_opt)
    }

    /// The number of iterations done: the next [`WganGp::iteration`] draws its noise from
    /// stream `iterations()`.
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// Sets the number of iterations done (when restoring a checkpoint) and moves the noise to
    /// that iteration's stream.
    pub fn set_iterations(&mut self, iterations: u64) {
        self.iterations = iterations;
        self.rng = ChaCha8Rng::seed_from_u64(self.noise_seed);
        self.rng.set_stream(iterations);
    }

    /// Draws a batch of latent grids (B, latent, 2, 8) from the trainer's noise stream.
    pub fn sample_z(&mut self, batch: usize) -> Result<Tensor, ModelError> {
        let gan = &self.gan;
        Ok(sample_z(
            &mut self.rng,
            gan.config(),
            batch,
            gan.dtype(),
            gan.device(),
        )?)
    }

    fn sample_eps(&mut self, batch: usize) -> Result<Tensor, ModelError> {
        let eps: Vec<f32> = (0..batch).map(|_| self.rng.random::<f32>()).collect();
        Ok(Tensor::from_vec(eps, (batch, 1, 1, 1), self.gan.device())?
            .to_dtype(self.gan.dtype())?)
    }

    fn prepare(&self, real: &Tensor) -> Result<Tensor, ModelError> {
        Ok(real
            .to_dtype(self.gan.dtype())?
            .to_device(self.gan.device())?)
    }

    /// One critic update on a real batch (B, 4, 32, 128), NCHW, values in {-1, +1}.
    pub fn critic_step(&mut self, real: &Tensor) -> Result<CriticStats, ModelError> {
        let real = self.prepare(real)?;
        let b = real.dim(0)?;
        let z = self.sample_z(b)?;
        let eps = self.sample_eps(b)?;
        let gan = &self.gan;
        let parts = critic_loss(
            gan.generator(),
            gan.critic(),
            &real,
            &z,
            &eps,
            self.config.gp_weight,
        )?;
        let grads = parts.loss.backward()?;
        self.critic_opt.step(&grads)?;
        Ok(CriticStats {
            loss: scalar(&parts.loss)?,
            wasserstein: scalar(&parts.wasserstein)?,
            gp: scalar(&parts.gp)?,
        })
    }

    /// One generator update, conditioned on a real batch's first track; returns its loss.
    pub fn generator_step(&mut self, real: &Tensor) -> Result<f64, ModelError> {
        let real = self.prepare(real)?;
        let z = self.sample_z(real.dim(0)?)?;
        let parts = generator_loss(self.gan.generator(), self.gan.critic(), &real, &z)?;
        let grads = parts.loss.backward()?;
        self.generator_opt.step(&grads)?;
        scalar(&parts.loss)
    }

    /// The lab's iteration: `critic_steps` critic updates then one generator update, each on
    /// a fresh batch from `next_batch`, with this iteration's noise stream.
    pub fn iteration(
        &mut self,
        mut next_batch: impl FnMut() -> Result<Tensor, ModelError>,
    ) -> Result<IterationStats, ModelError> {
        self.set_iterations(self.iterations);
        let critic = (0..self.config.critic_steps)
            .map(|_| self.critic_step(&next_batch()?))
            .collect::<Result<Vec<_>, _>>()?;
        let generator_loss = self.generator_step(&next_batch()?)?;
        self.set_iterations(self.iterations + 1);
        Ok(IterationStats {
            critic,
            generator_loss,
        })
    }
}

/// `vars` with their names in `map` (matched by identity).
fn named(map: &VarMap, vars: Vec<Var>) -> Result<Vec<(String, Var)>, ModelError> {
    let data = map.data().lock().map_err(|_| ModelError::Poisoned)?;
    vars.into_iter()
        .map(|var| {
            let id = var.as_tensor().id();
            data.iter()
                .find(|(_, v)| v.as_tensor().id() == id)
                .map(|(name, _)| (name.clone(), var.clone()))
                .ok_or_else(|| {
                    ModelError::Config("a trainable variable is missing from its map".into())
                })
        })
        .collect()
}

/// The value of a one-element tensor (a loss) as f64.
fn scalar(t: &Tensor) -> Result<f64, ModelError> {
    Ok(t.to_dtype(DType::F64)?.reshape(())?.to_scalar::<f64>()?)
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;
    use crate::model::ModelConfig;

    fn random_batch(seed: u64, b: usize) -> Tensor {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let v: Vec<f32> = (0..b * 4 * 32 * 128)
            .map(|_| {
                if rng.random::<f32>() < 0.05 {
                    1.0
                } else {
                    -1.0
                }
            })
            .collect();
        Tensor::from_vec(v, (b, 4, 32, 128), &Device::Cpu).unwrap()
    }

    fn trainer(model_seed: u64, noise_seed: u64) -> WganGp {
        let gan = Gan::new(ModelConfig::new(2, 3), model_seed, DType::F32, &Device::Cpu).unwrap();
        let config = TrainConfig {
            batch_size: 2,
            critic_steps: 2,
            seed: noise_seed,
            ..TrainConfig::default()
        };
        WganGp::new(gan, config).unwrap()
    }

    fn run(t: &mut WganGp) -> Vec<IterationStats> {
        let mut k = 0;
        (0..2)
            .map(|_| {
                t.iteration(|| {
                    k += 1;
                    Ok(random_batch(k, 2))
                })
                .unwrap()
            })
            .collect()
    }

    fn snapshot(vars: &VarMap) -> Vec<(String, Vec<f32>)> {
        let data = vars.data().lock().unwrap();
        let mut out: Vec<_> = data
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_tensor().flatten_all().unwrap().to_vec1().unwrap(),
                )
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn a_cuda_device_in_a_build_without_cuda_is_a_clear_error() {
        let config = TrainConfig {
            device: crate::model::DeviceSpec::Cuda(0),
            model: ModelConfig::new(2, 3),
            ..TrainConfig::default()
        };
        let err = WganGp::fresh(config).err().expect("no CUDA in this build");
        let message = err.to_string();
        assert!(
            message.contains("cuda:0") && message.contains("--features cuda"),
            "{message}"
        );
        // The CPU, named in the configuration, trains.
        let cpu = TrainConfig {
            model: ModelConfig::new(2, 3),
            ..TrainConfig::default()
        };
        assert!(WganGp::fresh(cpu).is_ok());
    }

    #[test]
    fn same_seeds_give_identical_losses() {
        let a = run(&mut trainer(1, 2));
        let b = run(&mut trainer(1, 2));
        assert_eq!(a, b);
        assert_eq!(a[0].critic.len(), 2);
        assert!(a.iter().all(|s| s.generator_loss.is_finite()));
        let c = run(&mut trainer(1, 3));
        assert_ne!(a, c, "another noise seed draws other z and ε");
    }

    #[test]
    fn each_step_updates_only_its_network() {
        let mut t = trainer(4, 5);
        let g0 = snapshot(t.gan().generator_vars());
        let d0 = snapshot(t.gan().critic_vars());
        let stats = t.critic_step(&random_batch(1, 2)).unwrap();
        assert!((stats.loss - (stats.wasserstein + 10.0 * stats.gp)).abs() < 1e-4);
        assert_eq!(
            snapshot(t.gan().generator_vars()),
            g0,
            "critic step leaves G alone"
        );
        let d1 = snapshot(t.gan().critic_vars());
        for ((name, a), (_, b)) in d1.iter().zip(&d0) {
            // The dense bias cancels in mean D(fake) − mean D(real) and is absent from the GP.
            if name != "dense.bias" {
                assert_ne!(a, b, "{name} moves in a critic step");
            }
        }
        t.generator_step(&random_batch(2, 2)).unwrap();
        assert_eq!(
            snapshot(t.gan().critic_vars()),
            d1,
            "generator step leaves D alone"
        );
        let g1 = snapshot(t.gan().generator_vars());
        for ((name, a), (_, b)) in g1.iter().zip(&g0) {
            // Kernels follow the gradient; moving statistics follow the training forward.
            if name.ends_with(".weight") || name.contains(".moving_") {
                assert_ne!(a, b, "{name} moves in a generator step");
            }
        }
    }
}
