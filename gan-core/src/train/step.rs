//! One critic step and one generator step of WGAN-GP training, with Adam for both networks.

use candle_core::Tensor;
use candle_nn::{AdamW, Optimizer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::config::TrainConfig;
use super::loss::{critic_loss, generator_loss};
use crate::model::noise::sample_z;
use crate::model::{Gan, ModelError};

/// The losses of one critic step (before its update).
#[derive(Debug, Clone, Copy, PartialEq)]
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

/// WGAN-GP training state: the networks, one Adam per network and the seeded noise stream.
pub struct Trainer {
    gan: Gan,
    config: TrainConfig,
    critic_opt: AdamW,
    generator_opt: AdamW,
    rng: ChaCha8Rng,
}

impl Trainer {
    /// A trainer for `gan` with fresh Adam states and noise seeded by `config.seed`.
    pub fn new(gan: Gan, config: TrainConfig) -> Result<Self, ModelError> {
        let critic_opt = AdamW::new(gan.trainable_critic_vars()?, config.adam(config.critic_lr))?;
        let generator_opt = AdamW::new(
            gan.trainable_generator_vars()?,
            config.adam(config.generator_lr),
        )?;
        Ok(Self {
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            gan,
            config,
            critic_opt,
            generator_opt,
        })
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

    /// `critic_steps` critic updates then one generator update, each on a batch from
    /// `next_batch`.
    pub fn iteration(
        &mut self,
        mut next_batch: impl FnMut() -> Result<Tensor, ModelError>,
    ) -> Result<IterationStats, ModelError> {
        let critic = (0..self.config.critic_steps)
            .map(|_| self.critic_step(&next_batch()?))
            .collect::<Result<Vec<_>, _>>()?;
        let generator_loss = self.generator_step(&next_batch()?)?;
        Ok(IterationStats {
            critic,
            generator_loss,
        })
    }
}

/// The value of a one-element tensor (a loss) as f64.
fn scalar(t: &Tensor) -> Result<f64, ModelError> {
    Ok(t.to_dtype(candle_core::DType::F64)?
        .reshape(())?
        .to_scalar::<f64>()?)
}

#[cfg(test)]
mod tests {
    use candle_core::{DType, Device};
    use candle_nn::VarMap;

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

    fn trainer(model_seed: u64, noise_seed: u64) -> Trainer {
        let gan = Gan::new(ModelConfig::new(2, 3), model_seed, DType::F32, &Device::Cpu).unwrap();
        let config = TrainConfig {
            batch_size: 2,
            critic_steps: 2,
            seed: noise_seed,
            ..TrainConfig::default()
        };
        Trainer::new(gan, config).unwrap()
    }

    fn run(t: &mut Trainer) -> Vec<IterationStats> {
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
