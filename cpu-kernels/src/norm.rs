//! BatchNorm over the channels of channels-major activations, with the activation after it
//! fused, and its closed-form backward pass.
//!
//! With x̂ = (x − μ) / √(σ² + ε) and y = act(γ·x̂ + β), the backward pass, from g = ∂L/∂(γ·x̂ + β)
//! and n cells per channel, is ∂L/∂β = Σ g, ∂L/∂γ = Σ g·x̂ and, when μ and σ² are the batch's
//! own statistics, ∂L/∂x = γ / √(σ² + ε) · (g − Σ g / n − x̂ · Σ g·x̂ / n); with fixed
//! statistics (inference) it is γ / √(σ² + ε) · g.

use candle_core::{Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::activation::activation_grad;
use super::custom_op::{check_lengths, impl_custom_op, Kernel};
use super::elem::Elem;
use super::kinds::Activation;
use super::portable;

/// Per-channel mean and biased variance (no backward pass): x (C, …) → (2, C).
#[derive(Debug, Clone, Copy)]
struct ChannelStats {
    channels: usize,
}

/// BatchNorm then `act`: x (C, B, H, W), params (4, C) = (γ, β, μ, σ²) → y.
#[derive(Debug, Clone, Copy)]
struct BatchNorm {
    eps: f64,
    batch_stats: bool,
    act: Activation,
}

/// The sums Σ g and Σ g·x̂ per channel (no backward pass): x, g, params → (2, C).
#[derive(Debug, Clone, Copy)]
struct GradSums {
    eps: f64,
}

/// ∂L/∂x (no backward pass): x, g, params and sums (6, C) → (C, B, H, W).
#[derive(Debug, Clone, Copy)]
struct InputGrad {
    eps: f64,
    batch_stats: bool,
}

/// The per-channel values of a (rows, C) parameter matrix `p`.
struct Params<'a, T> {
    p: &'a [T],
    channels: usize,
}

impl<T: Elem> Params<'_, T> {
    fn get(&self, row: usize, c: usize) -> f64 {
        self.p[row * self.channels + c].to_f64()
    }

    /// (μ, 1 / √(σ² + ε)) of channel c.
    fn normaliser(&self, c: usize, eps: f64) -> (f64, f64) {
        (self.get(2, c), 1.0 / (self.get(3, c) + eps).sqrt())
    }
}

impl Kernel for ChannelStats {
    const NAME: &'static str = "channel-stats";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        let x = inputs[0];
        let c = self.channels;
        let n = x.len() / c.max(1);
        let stats: Vec<(f64, f64)> = x
            .par_chunks(n.max(1))
            .map(|v| {
                let mean = v.iter().map(|a| a.to_f64()).sum::<f64>() / n as f64;
                let var = v.iter().map(|a| (a.to_f64() - mean).powi(2)).sum::<f64>() / n as f64;
                (mean, var)
            })
            .collect();
        let means = stats.iter().map(|s| T::from_f64(s.0));
        let vars = stats.iter().map(|s| T::from_f64(s.1));
        Ok(means.chain(vars).collect())
    }

    fn output_shape(&self, _inputs: &[&Layout]) -> Shape {
        Shape::from((2, self.channels))
    }
}

impl Kernel for BatchNorm {
    const NAME: &'static str = "batch-norm";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        let (x, p) = (inputs[0], inputs[1]);
        let c = p.len() / 4;
        check_lengths(Self::NAME, inputs, &[x.len(), 4 * c])?;
        let params = Params { p, channels: c };
        let n = x.len() / c.max(1);
        let mut y = vec![T::ZERO; x.len()];
        y.par_chunks_mut(n.max(1))
            .zip(x.par_chunks(n.max(1)))
            .enumerate()
            .for_each(|(ch, (y, x))| {
                let (mean, r) = params.normaliser(ch, self.eps);
                let scale = params.get(0, ch) * r;
                let shift = T::from_f64(params.get(1, ch) - scale * mean);
                let scale = T::from_f64(scale);
                self.act.apply_affine(y, x, scale, shift);
            });
        Ok(y)
    }

    fn output_shape(&self, inputs: &[&Layout]) -> Shape {
        inputs[0].shape().clone()
    }
}

impl Kernel for GradSums {
    const NAME: &'static str = "batch-norm-grad-sums";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        let (x, g, p) = (inputs[0], inputs[1], inputs[2]);
        let c = p.len() / 4;
        check_lengths(Self::NAME, inputs, &[x.len(), x.len(), 4 * c])?;
        let params = Params { p, channels: c };
        let n = x.len() / c.max(1);
        let sums: Vec<(f64, f64)> = x
            .par_chunks(n.max(1))
            .zip(g.par_chunks(n.max(1)))
            .enumerate()
            .map(|(ch, (x, g))| {
                let (mean, r) = params.normaliser(ch, self.eps);
                x.iter().zip(g).fold((0.0, 0.0), |(sg, sgx), (&x, &g)| {
                    let g = g.to_f64();
                    (sg + g, sgx + g * (x.to_f64() - mean) * r)
                })
            })
            .collect();
        let sg = sums.iter().map(|s| T::from_f64(s.0));
        let sgx = sums.iter().map(|s| T::from_f64(s.1));
        Ok(sg.chain(sgx).collect())
    }

    fn output_shape(&self, inputs: &[&Layout]) -> Shape {
        Shape::from((2, inputs[2].dims()[1]))
    }
}

impl Kernel for InputGrad {
    const NAME: &'static str = "batch-norm-input-grad";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        let (x, g, p) = (inputs[0], inputs[1], inputs[2]);
        let c = p.len() / 6;
        check_lengths(Self::NAME, inputs, &[x.len(), x.len(), 6 * c])?;
        let params = Params { p, channels: c };
        let n = x.len() / c.max(1);
        let mut dx = vec![T::ZERO; x.len()];
        dx.par_chunks_mut(n.max(1))
            .zip(x.par_chunks(n.max(1)).zip(g.par_chunks(n.max(1))))
            .enumerate()
            .for_each(|(ch, (dx, (x, g)))| {
                let (mean, r) = params.normaliser(ch, self.eps);
                let scale = params.get(0, ch) * r;
                if !self.batch_stats {
                    let scale = T::from_f64(scale);
                    for (d, &g) in dx.iter_mut().zip(g) {
                        *d = scale * g;
                    }
                    return;
                }
                // dx = scale · (g − Σg/n − x̂ · Σg·x̂/n), x̂ = (x − μ)·r, as a·g + b·x + c.
                let (mean_g, mean_gx) =
                    (params.get(4, ch) / n as f64, params.get(5, ch) / n as f64);
                let a = T::from_f64(scale);
                let b = T::from_f64(-scale * mean_gx * r);
                let c0 = T::from_f64(scale * (mean_gx * r * mean - mean_g));
                for ((d, &g), &x) in dx.iter_mut().zip(g).zip(x) {
                    *d = a * g + b * x + c0;
                }
            });
        Ok(dx)
    }

    fn output_shape(&self, inputs: &[&Layout]) -> Shape {
        inputs[0].shape().clone()
    }
}

impl BatchNorm {
    /// The gradients in x and the parameters (γ, β; none for the constant statistics).
    fn backward(
        &self,
        x: &Tensor,
        params: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let g = activation_grad(res, grad, self.act)?.contiguous()?;
        let x = x.contiguous()?;
        let params_c = params.contiguous()?;
        let sums = x.apply_op3_no_bwd(&g, &params_c, &GradSums { eps: self.eps })?;
        let dx = match x.track_op() {
            true => {
                let all = Tensor::cat(&[&params_c, &sums], 0)?;
                let op = InputGrad {
                    eps: self.eps,
                    batch_stats: self.batch_stats,
                };
                Some(x.apply_op3_no_bwd(&g, &all, &op)?)
            }
            false => None,
        };
        let dparams = match params.track_op() {
            true => {
                let zeros = sums.zeros_like()?;
                Some(Tensor::cat(
                    &[
                        &sums.get(1)?.unsqueeze(0)?,
                        &sums.get(0)?.unsqueeze(0)?,
                        &zeros,
                    ],
                    0,
                )?)
            }
            false => None,
        };
        Ok((dx, dparams))
    }
}

impl_custom_op!(ChannelStats: CustomOp1);
impl_custom_op!(BatchNorm: CustomOp2, backward);
impl_custom_op!(GradSums: CustomOp3);
impl_custom_op!(InputGrad: CustomOp3);

/// The mean and biased variance of each channel of channels-major `x` (C, B, H, W) over its
/// batch and cells, as (2, C) (no gradient).
pub fn channel_stats(x: &Tensor) -> Result<Tensor> {
    let channels = x.dims4()?.0;
    if !x.device().is_cpu() {
        return portable::channel_stats(x);
    }
    x.detach()
        .contiguous()?
        .apply_op1_no_bwd(&ChannelStats { channels })
}

/// BatchNorm of channels-major `x` (C, B, H, W) with scale `gamma` and offset `beta` (C),
/// statistics `stats` (2, C) (mean, biased variance, from [`channel_stats`]) and `eps`, then
/// `act`. With `batch_stats` the statistics are taken to be `x`'s own, and the gradient with
/// respect to `x` flows through them (training); otherwise they are constants (inference).
pub fn batch_norm(
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    stats: &Tensor,
    batch_stats: bool,
    eps: f64,
    act: Activation,
) -> Result<Tensor> {
    let c = x.dims4()?.0;
    if gamma.dims() != [c] || beta.dims() != [c] || stats.dims() != [2, c] {
        candle_core::bail!(
            "batch-norm: gamma ({c}), beta ({c}) and stats (2, {c}) expected for x {:?}, got \
             {:?}, {:?} and {:?}",
            x.dims(),
            gamma.dims(),
            beta.dims(),
            stats.dims()
        )
    }
    if !x.device().is_cpu() {
        return portable::batch_norm(x, gamma, beta, stats, batch_stats, eps, act);
    }
    let params = Tensor::cat(
        &[&gamma.unsqueeze(0)?, &beta.unsqueeze(0)?, &stats.detach()],
        0,
    )?;
    let op = BatchNorm {
        eps,
        batch_stats,
        act,
    };
    x.contiguous()?.apply_op2(&params, op)
}

#[cfg(test)]
mod tests {
    use candle_core::Var;

    use super::*;
    use crate::portable::testing::{assert_close, random, GradCheck};

    fn check(batch_stats: bool, act: Activation) {
        let x = Var::from_tensor(&random((3, 4, 2, 5), 1)).unwrap();
        let gamma = Var::from_tensor(&random(3, 2)).unwrap();
        let beta = Var::from_tensor(&random(3, 3)).unwrap();
        let stats = match batch_stats {
            true => {
                let stats = channel_stats(&x).unwrap();
                assert_close(
                    &stats,
                    &portable::channel_stats(&x).unwrap(),
                    1e-12,
                    "stats",
                );
                stats
            }
            // Moving statistics: any mean, a positive variance.
            false => {
                Tensor::cat(&[random((1, 3), 4), random((1, 3), 5).abs().unwrap()], 0).unwrap()
            }
        };
        let check = GradCheck::new(&[&x, &gamma, &beta]);
        let ours = batch_norm(&x, &gamma, &beta, &stats, batch_stats, 1e-3, act).unwrap();
        let expected =
            portable::batch_norm(&x, &gamma, &beta, &stats, batch_stats, 1e-3, act).unwrap();
        check.assert_same(
            &ours,
            &expected,
            &format!("batch stats {batch_stats}, {act:?}"),
        );
    }

    #[test]
    fn batch_norm_and_gradients_match_candle() {
        check(true, Activation::Identity);
        check(true, Activation::Relu);
        check(false, Activation::Identity);
        check(false, Activation::Relu);
    }

    #[test]
    fn stats_are_the_biased_mean_and_variance() {
        // Channel 0 holds 1, 2, 3, 4 (mean 2.5, biased variance 1.25); channel 1 holds 0s.
        let x = Tensor::from_vec(
            vec![1f64, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0],
            (2, 2, 1, 2),
            &candle_core::Device::Cpu,
        )
        .unwrap();
        let s: Vec<Vec<f64>> = channel_stats(&x).unwrap().to_vec2().unwrap();
        assert_eq!(s, vec![vec![2.5, 0.0], vec![1.25, 0.0]]);
    }
}
