//! The WGAN-GP losses: the Wasserstein terms and the gradient penalty.

use candle_core::{Result, Tensor};

use crate::model::layers::mean_all;
use crate::model::{Critic, Generator, InputGradient, Mode};

/// Added under the square root of the gradient norm so that its derivative stays finite.
pub const GP_NORM_EPS: f64 = 1e-8;

/// The condition c of a real batch (B, 4, 32, 128): its first track, (B, 1, 32, 128).
pub fn condition(real: &Tensor) -> Result<Tensor> {
    real.narrow(1, 0, 1)
}

/// The critic's Wasserstein term: mean D(fake) − mean D(real), a 0-d tensor.
pub fn wasserstein(d_real: &Tensor, d_fake: &Tensor) -> Result<Tensor> {
    mean_all(d_fake)? - mean_all(d_real)?
}

/// The gradient penalty: the batch mean of (√(1e-8 + Σ grad²) − 1)², grad (B, …), a 0-d tensor.
pub fn gradient_penalty(grad: &Tensor) -> Result<Tensor> {
    let norm = gradient_norm(grad)?;
    mean_all(&(norm - 1.0)?.sqr()?)
}

/// The per-sample gradient norm √(1e-8 + Σ grad²), (B,).
pub fn gradient_norm(grad: &Tensor) -> Result<Tensor> {
    (grad.flatten_from(1)?.sqr()?.sum(1)? + GP_NORM_EPS)?.sqrt()
}

/// The points between real and fake samples where the penalty is taken: ε·real + (1−ε)·fake,
/// with ε (B, 1, 1, 1).
pub fn interpolate(real: &Tensor, fake: &Tensor, eps: &Tensor) -> Result<Tensor> {
    real.broadcast_mul(eps)? + fake.broadcast_mul(&eps.affine(-1.0, 1.0)?)?
}

/// Everything the critic's loss is made of.
#[derive(Debug, Clone)]
pub struct CriticLoss {
    /// The loss: the Wasserstein term + gp_weight · GP (0-d).
    pub loss: Tensor,
    /// mean D(fake) − mean D(real) (0-d).
    pub wasserstein: Tensor,
    /// The gradient penalty (0-d).
    pub gp: Tensor,
    /// The critic's scores of the real batch, (B, 1).
    pub d_real: Tensor,
    /// The critic's scores of the fakes, (B, 1).
    pub d_fake: Tensor,
    /// The fakes, from the generator in inference mode, (B, 4, 32, 128), detached.
    pub fake: Tensor,
    /// The interpolated samples, (B, 4, 32, 128).
    pub inter: Tensor,
    /// The critic's scores at `inter` and their gradient with respect to it.
    pub at_inter: InputGradient,
}

/// The critic's loss on a real batch (B, 4, 32, 128) with latent `z` and interpolation weights
/// `eps` (B, 1, 1, 1): the fakes come from the generator in inference mode (no gradient, no
/// moving-statistics update), the condition is the real batch's first track.
pub fn critic_loss(
    generator: &Generator,
    critic: &Critic,
    real: &Tensor,
    z: &Tensor,
    eps: &Tensor,
    gp_weight: f64,
) -> Result<CriticLoss> {
    let b = real.dim(0)?;
    let c = condition(real)?;
    let fake = generator.forward(&c, z, Mode::Infer)?.detach();
    // One critic pass over fakes and reals together.
    let scores = critic.forward(
        &Tensor::cat(&[&fake, real], 0)?,
        &Tensor::cat(&[&c, &c], 0)?,
    )?;
    let d_fake = scores.narrow(0, 0, b)?;
    let d_real = scores.narrow(0, b, b)?;
    let inter = interpolate(real, &fake, eps)?;
    let at_inter = critic.input_gradient(&inter, &c)?;
    let gp = gradient_penalty(&at_inter.grad)?;
    let wasserstein = wasserstein(&d_real, &d_fake)?;
    let loss = (&wasserstein + (&gp * gp_weight)?)?;
    Ok(CriticLoss {
        loss,
        wasserstein,
        gp,
        d_real,
        d_fake,
        fake,
        inter,
        at_inter,
    })
}

/// The generator's loss and its fakes.
#[derive(Debug, Clone)]
pub struct GeneratorLoss {
    /// −mean D(G(c, z), c) (0-d).
    pub loss: Tensor,
    /// The fakes, from the generator in training mode, (B, 4, 32, 128).
    pub fake: Tensor,
}

/// The generator's loss on a real batch's condition with latent `z`: the generator runs in
/// training mode (batch statistics, moving statistics updated), the critic is frozen (no
/// gradient reaches its weights).
pub fn generator_loss(
    generator: &Generator,
    critic: &Critic,
    real: &Tensor,
    z: &Tensor,
) -> Result<GeneratorLoss> {
    let c = condition(real)?;
    let fake = generator.forward(&c, z, Mode::Train)?;
    let loss = mean_all(&critic.detached().forward(&fake, &c)?)?.neg()?;
    Ok(GeneratorLoss { loss, fake })
}
