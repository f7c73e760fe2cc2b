//! The lab's critic: four strided convolutions and a dense score, conditioned on the melody.

use candle_core::{Result, Tensor};
use candle_nn::VarBuilder;

use super::config::ModelConfig;
use super::layers::{Dense, SameConv2d, LEAKY_SLOPE};
use super::ops::{activation_slopes, Activation};
use super::summary::{LayerSummary, Summary, KERNEL_BATCH};
use crate::roll::{N_PITCHES, N_TRACKS, SNIPPET_STEPS};

/// The critic D(x, c): tracks x (B, 4, 32, 128) and condition c (B, 1, 32, 128), NCHW, give one
/// unbounded score per sample, (B, 1).
///
/// `concat(x, c)` → four Conv2D(k4, stride 2, 'same') → LeakyReLU(0.2) blocks of f, 2f, 4f, 8f
/// filters → flatten → Dense(1). Variables: `c1_conv.weight` (OIHW) … `c4_conv.bias`,
/// `dense.weight` (1, 8f·2·8) and `dense.bias`. The dense weight is stored in gan-core's
/// flatten order (C, H, W) of the NCHW feature map; Keras' kernel is in (H, W, C) order and
/// [`super::keras`] converts between the two.
#[derive(Debug, Clone)]
pub struct Critic {
    config: ModelConfig,
    convs: Vec<SameConv2d>,
    dense: Dense,
}

/// A critic's scores together with their gradient with respect to the tracks.
#[derive(Debug, Clone)]
pub struct InputGradient {
    /// D(x, c), (B, 1), cut from the autograd graph.
    pub scores: Tensor,
    /// ∂ Σ_b D(x, c)_b / ∂x, (B, 4, 32, 128); differentiable with respect to the critic's
    /// weights.
    pub grad: Tensor,
}

/// The activation after each of the critic's convolutions.
const ACT: Activation = Activation::LeakyRelu(LEAKY_SLOPE);

/// A critic forward pass with what its explicit backward pass needs.
struct Trace {
    scores: Tensor,
    /// The output of each convolution block (after its LeakyReLU), channels-major.
    activations: Vec<Tensor>,
    /// The spatial size of each convolution's input.
    input_hw: Vec<(usize, usize)>,
}

impl Critic {
    /// Builds the critic for `config` with its variables from `vb`.
    pub fn new(vb: VarBuilder, config: ModelConfig) -> Result<Self> {
        let f = config.filters;
        let widths = [
            (config.critic_channels(), f),
            (f, 2 * f),
            (2 * f, 4 * f),
            (4 * f, 8 * f),
        ];
        let convs = widths
            .iter()
            .enumerate()
            .map(|(i, &(cin, cout))| {
                SameConv2d::new(vb.pp(format!("c{}_conv", i + 1)), cin, cout, 4, 2)
            })
            .collect::<Result<Vec<_>>>()?;
        let dense = Dense::new(vb.pp("dense"), config.critic_features(), 1)?;
        Ok(Self {
            config,
            convs,
            dense,
        })
    }

    /// The widths this critic was built with.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// A copy whose weights are cut from the autograd graph: gradients still flow to its inputs
    /// but not to its weights (the critic is frozen this way during generator steps).
    pub fn detached(&self) -> Self {
        Self {
            config: self.config,
            convs: self.convs.iter().map(SameConv2d::detached).collect(),
            dense: self.dense.detached(),
        }
    }

    fn check_inputs(x: &Tensor, c: &Tensor) -> Result<()> {
        let (b, k, h, w) = x.dims4()?;
        if (k, h, w) != (N_TRACKS, SNIPPET_STEPS, N_PITCHES) || c.dims4()? != (b, 1, h, w) {
            candle_core::bail!(
                "critic inputs must be x (B, {N_TRACKS}, {SNIPPET_STEPS}, {N_PITCHES}) and \
                 c (B, 1, {SNIPPET_STEPS}, {N_PITCHES}), got {:?} and {:?}",
                x.dims(),
                c.dims()
            )
        }
        Ok(())
    }

    /// Scores the tracks `x` (B, 4, 32, 128) under the condition `c` (B, 1, 32, 128): (B, 1).
    pub fn forward(&self, x: &Tensor, c: &Tensor) -> Result<Tensor> {
        Ok(self.trace(x, c)?.scores)
    }

    fn trace(&self, x: &Tensor, c: &Tensor) -> Result<Trace> {
        Self::check_inputs(x, c)?;
        // Channels-major inside: (C, B, H, W).
        let mut h = Tensor::cat(&[x, c], 1)?.transpose(0, 1)?.contiguous()?;
        let mut activations = Vec::with_capacity(self.convs.len());
        let mut input_hw = Vec::with_capacity(self.convs.len());
        for conv in &self.convs {
            input_hw.push((h.dim(2)?, h.dim(3)?));
            h = conv.forward(&h, ACT)?;
            activations.push(h.clone());
        }
        // Flatten each sample's (C, H, W) map in that order, the dense weight's order.
        let features = h.transpose(0, 1)?.contiguous()?.flatten_from(1)?;
        let scores = self.dense.forward(&features)?;
        Ok(Trace {
            scores,
            activations,
            input_hw,
        })
    }

    /// The scores D(x, c) and their gradient with respect to `x`, written out as forward ops.
    ///
    /// candle's `backward` detaches the gradients it returns, so a gradient penalty built on
    /// them could not be differentiated again. Instead this runs the critic's backward pass by
    /// hand: the dense weight reshaped to the last feature map, times each LeakyReLU's slopes
    /// (1 where the pre-activation is > 0, else 0.2; constants, as their derivative is 0 almost
    /// everywhere), through each convolution's transpose ([`SameConv2d::backward_input`]). The
    /// result depends on the critic's weights through ordinary ops, so `backward` of a loss on
    /// it gives the exact second-order gradients (PyTorch's double backward). The forward pass
    /// it needs for the slopes is run without a graph.
    pub fn input_gradient(&self, x: &Tensor, c: &Tensor) -> Result<InputGradient> {
        let trace = self
            .detached()
            .trace(&x.detach(), &c.detach())
            .map_err(|e| e.context("critic forward for the input gradient"))?;
        let slopes = |i: usize| activation_slopes(&trace.activations[i], ACT);
        let last = trace.activations.len() - 1;
        let (ch, _, hh, ww) = trace.activations[last].dims4()?;
        let mut g = self
            .dense
            .weight()
            .reshape((ch, 1, hh, ww))?
            .broadcast_mul(&slopes(last)?)?;
        for (i, conv) in self.convs.iter().enumerate().rev() {
            let channels = if i == 0 {
                (0, N_TRACKS)
            } else {
                (0, conv.weight().dim(1)?)
            };
            let mask = if i > 0 { Some(slopes(i - 1)?) } else { None };
            g = conv.backward_input(&g, trace.input_hw[i], channels, mask.as_ref())?;
        }
        Ok(InputGradient {
            scores: trace.scores,
            grad: g.transpose(0, 1)?.contiguous()?,
        })
    }

    /// The per-layer table (name, output shape, parameters) in the style of Keras' summary.
    pub fn summary_table(&self) -> Summary {
        let f = self.config.filters;
        let (h, w) = (SNIPPET_STEPS, N_PITCHES);
        let mut rows = vec![
            LayerSummary::new("x", "InputLayer", [h, w, N_TRACKS], 0, 0),
            LayerSummary::new("c", "InputLayer", [h, w, 1], 0, 0),
            LayerSummary::new("concat", "Concatenate", [h, w, N_TRACKS + 1], 0, 0),
        ];
        for (i, conv) in self.convs.iter().enumerate() {
            let s = 2 << i;
            let shape = [h / s, w / s, f << i];
            let kernel = conv.method(KERNEL_BATCH, h >> i, w >> i).name();
            let name = format!("c{}_conv", i + 1);
            rows.push(LayerSummary::conv(name, shape, conv.param_count(), kernel));
            rows.push(LayerSummary::new(
                format!("c{}_lrelu", i + 1),
                "LeakyReLU",
                shape,
                0,
                0,
            ));
        }
        let features = self.config.critic_features();
        rows.push(LayerSummary::new("flatten", "Flatten", [features], 0, 0));
        let n = self.dense.param_count();
        rows.push(LayerSummary::new("dense", "Dense", [1], n, 0));
        Summary::new("critic", rows)
    }

    /// A Keras-style summary: each layer's name, output shape and parameter count, with totals.
    pub fn summary(&self) -> String {
        self.summary_table().to_string()
    }
}

#[cfg(test)]
mod tests {
    use crate::model::ops::portable::testing::max_abs;
    use candle_core::{DType, Device, Var};

    use super::*;
    use crate::model::Gan;

    #[test]
    fn input_gradient_matches_autograd() {
        let dev = Device::Cpu;
        let gan = Gan::new(ModelConfig::new(2, 3), 5, DType::F64, &dev).unwrap();
        let d = gan.critic();
        let x =
            Var::from_tensor(&Tensor::randn(0f64, 1.0, (3, 4, 32, 128), &dev).unwrap()).unwrap();
        let c = Tensor::randn(0f64, 1.0, (3, 1, 32, 128), &dev).unwrap();
        let scores = d.forward(x.as_tensor(), &c).unwrap();
        let grads = scores.sum_all().unwrap().backward().unwrap();
        let expected = grads.get(x.as_tensor()).unwrap();
        let ig = d.input_gradient(x.as_tensor(), &c).unwrap();
        assert_eq!(ig.grad.dims(), &[3, 4, 32, 128]);
        let err = max_abs(&(&ig.grad - expected).unwrap());
        assert!(err <= 1e-12 * max_abs(expected), "error {err}");
        assert!(max_abs(&(&ig.scores - &scores).unwrap()) < 1e-12);
    }

    #[test]
    fn rejects_wrong_input_shapes() {
        let dev = Device::Cpu;
        let gan = Gan::new(ModelConfig::new(2, 3), 5, DType::F32, &dev).unwrap();
        let x = Tensor::zeros((1, 3, 32, 128), DType::F32, &dev).unwrap();
        let c = Tensor::zeros((1, 1, 32, 128), DType::F32, &dev).unwrap();
        let err = gan.critic().forward(&x, &c).unwrap_err().to_string();
        assert!(err.contains("critic inputs"), "{err}");
    }
}
