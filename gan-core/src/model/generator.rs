//! The lab's generator: a U-Net that turns a melody (the condition c) and a latent grid z into
//! four tracks.

use candle_core::{Result, Tensor};
use candle_nn::VarBuilder;

use super::config::{ModelConfig, LATENT_PITCHES, LATENT_STEPS};
use super::layers::{BatchNorm, Mode, SameConv2d, UpsampleConv2d, BN_EPSILON, LEAKY_SLOPE};
use super::ops::{self, Activation, UpsampleKernel};
use super::summary::{LayerSummary, Summary, KERNEL_BATCH};
use crate::roll::{N_PITCHES, N_TRACKS, SNIPPET_STEPS};

/// A down block: Conv2D(k4, stride 2, 'same') → LeakyReLU(0.2) → BatchNorm (absent in block 1).
#[derive(Debug, Clone)]
struct Down {
    name: String,
    conv: SameConv2d,
    bn: Option<BatchNorm>,
}

impl Down {
    fn forward(&self, x: &Tensor, mode: Mode) -> Result<Tensor> {
        let y = self.conv.forward(x, Activation::LeakyRelu(LEAKY_SLOPE))?;
        match &self.bn {
            Some(bn) => bn.forward(&y, mode, Activation::Identity),
            None => Ok(y),
        }
    }
}

/// An up block: UpSample(2) → Conv2D(k4, stride 1, 'same') → BatchNorm → ReLU → concat skip.
#[derive(Debug, Clone)]
struct Up {
    name: String,
    conv: UpsampleConv2d,
    bn: BatchNorm,
}

impl Up {
    fn forward(&self, x: &Tensor, skip: &Tensor, mode: Mode) -> Result<Tensor> {
        let y = self.conv.forward(x, Activation::Identity)?;
        let y = self.bn.forward(&y, mode, Activation::Relu)?;
        Tensor::cat(&[&y, skip], 0)
    }
}

/// Checks the generator's inputs: c (B, 1, 32, 128) and z (B, latent, 2, 8).
fn check_inputs(c: &Tensor, z: &Tensor, latent: usize) -> Result<()> {
    let (b, cc, h, w) = c.dims4()?;
    if (cc, h, w) != (1, SNIPPET_STEPS, N_PITCHES) {
        candle_core::bail!(
            "generator condition must be (B, 1, {SNIPPET_STEPS}, {N_PITCHES}), got {:?}",
            c.dims()
        )
    }
    let z_shape = (b, latent, LATENT_STEPS, LATENT_PITCHES);
    if z.dims4()? != z_shape {
        candle_core::bail!("generator z must be {z_shape:?}, got {:?}", z.dims())
    }
    Ok(())
}

/// The generator G(c, z): c (B, 1, 32, 128) in {-1, +1} and z (B, latent, 2, 8), both NCHW,
/// give four tracks (B, 4, 32, 128) in (-1, 1).
///
/// Variables are named after the lab's Keras layers: `down1_conv.weight` (OIHW),
/// `down2_bn.gamma`, `up4_conv.bias`, `out_conv.weight`, … with BatchNorm's moving statistics
/// as `<layer>.moving_mean` and `<layer>.moving_variance`.
#[derive(Debug, Clone)]
pub struct Generator {
    config: ModelConfig,
    down: Vec<Down>,
    up: Vec<Up>,
    out: UpsampleConv2d,
}

impl Generator {
    /// Builds the generator for `config` with its variables from `vb`.
    pub fn new(vb: VarBuilder, config: ModelConfig) -> Result<Self> {
        let f = config.filters;
        let widths = [(1, f), (f, 2 * f), (2 * f, 4 * f), (4 * f, 8 * f)];
        let down = widths
            .iter()
            .enumerate()
            .map(|(i, &(cin, cout))| {
                let name = format!("down{}", i + 1);
                let conv = SameConv2d::new(vb.pp(format!("{name}_conv")), cin, cout, 4, 2)?;
                let bn = match i {
                    0 => None,
                    _ => Some(BatchNorm::new(vb.pp(format!("{name}_bn")), cout)?),
                };
                Ok(Down { name, conv, bn })
            })
            .collect::<Result<Vec<_>>>()?;
        // Each up block's input is the previous block's output (conv filters + skip filters).
        let widths = [(8 * f + config.latent, 4 * f), (8 * f, 2 * f), (4 * f, f)];
        let up = widths
            .iter()
            .enumerate()
            .map(|(i, &(cin, cout))| {
                let name = format!("up{}", i + 4);
                let conv = UpsampleConv2d::new(vb.pp(format!("{name}_conv")), cin, cout)?;
                let bn = BatchNorm::new(vb.pp(format!("{name}_bn")), cout)?;
                Ok(Up { name, conv, bn })
            })
            .collect::<Result<Vec<_>>>()?;
        let out = UpsampleConv2d::new(vb.pp("out_conv"), 2 * f, N_TRACKS)?;
        Ok(Self {
            config,
            down,
            up,
            out,
        })
    }

    /// The widths this generator was built with.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// Generates tracks from the condition `c` (B, 1, 32, 128) and latent `z` (B, latent, 2, 8).
    ///
    /// In [`Mode::Train`] BatchNorm uses batch statistics and updates its moving statistics;
    /// in [`Mode::Infer`] it uses the moving statistics and changes nothing.
    pub fn forward(&self, c: &Tensor, z: &Tensor, mode: Mode) -> Result<Tensor> {
        check_inputs(c, z, self.config.latent)?;
        // Channels-major inside: (C, B, H, W).
        let mut skips = Vec::with_capacity(self.down.len());
        let mut x = c.transpose(0, 1)?.contiguous()?;
        for block in &self.down {
            x = block.forward(&x, mode)?;
            skips.push(x.clone());
        }
        x = Tensor::cat(&[&x, &z.transpose(0, 1)?.contiguous()?], 0)?;
        for (block, skip) in self.up.iter().zip(skips.iter().rev().skip(1)) {
            x = block.forward(&x, skip, mode)?;
        }
        self.out
            .forward(&x, Activation::Tanh)?
            .transpose(0, 1)?
            .contiguous()
    }

    /// A snapshot of this generator for inference (a copy of the weights as they are now):
    /// BatchNorm folded into the up blocks' convolutions, their phase kernels built once, and
    /// no autograd graph. Later training does not change it: build a new one to see it.
    pub fn for_inference(&self) -> Result<InferenceGenerator> {
        let down = self
            .down
            .iter()
            .map(|block| {
                let bn = match &block.bn {
                    Some(bn) => Some([bn.gamma().copy()?, bn.beta().copy()?, bn.moving_stats()?]),
                    None => None,
                };
                Ok(FrozenDown {
                    conv: block.conv.frozen_copy()?,
                    bn,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let up = self
            .up
            .iter()
            .map(|block| {
                // BN(conv(x) + b) = scale · conv(x) + (scale · b + shift), per output channel.
                let (scale, shift) = block.bn.inference_affine()?;
                let conv = block.conv.conv();
                let weight =
                    conv.weight()
                        .detach()
                        .broadcast_mul(&scale.reshape(((), 1, 1, 1))?)?;
                let bias = ((conv.bias().detach() * &scale)? + shift)?;
                FrozenUp::new(&weight, bias)
            })
            .collect::<Result<Vec<_>>>()?;
        let out = self.out.conv();
        Ok(InferenceGenerator {
            config: self.config,
            down,
            up,
            out: FrozenUp::new(&out.weight().detach(), out.bias().copy()?)?,
        })
    }

    /// The per-layer table (name, output shape, parameters) in the style of Keras' summary.
    pub fn summary_table(&self) -> Summary {
        let f = self.config.filters;
        let (h, w) = (SNIPPET_STEPS, N_PITCHES);
        let mut rows = vec![
            LayerSummary::new("c", "InputLayer", [h, w, 1], 0, 0),
            LayerSummary::new(
                "z",
                "InputLayer",
                [h / 16, w / 16, self.config.latent],
                0,
                0,
            ),
        ];
        for (i, block) in self.down.iter().enumerate() {
            let s = 1 << (i + 1);
            let shape = [h / s, w / s, f << i];
            let n = &block.name;
            let kernel = block.conv.method(KERNEL_BATCH, h >> i, w >> i).name();
            let params = block.conv.param_count();
            rows.push(LayerSummary::conv(
                format!("{n}_conv"),
                shape,
                params,
                kernel,
            ));
            rows.push(LayerSummary::new(
                format!("{n}_lrelu"),
                "LeakyReLU",
                shape,
                0,
                0,
            ));
            if let Some(bn) = &block.bn {
                rows.push(LayerSummary::batch_norm(format!("{n}_bn"), shape, bn));
            }
        }
        let latent_shape = [h / 16, w / 16, 8 * f + self.config.latent];
        rows.push(LayerSummary::new(
            "concat_z",
            "Concatenate",
            latent_shape,
            0,
            0,
        ));
        for (i, block) in self.up.iter().enumerate() {
            let s = 8 >> i;
            let cout = (4 * f) >> i;
            let shape = [h / s, w / s, cout];
            let cin = block.conv.conv().weight().dims()[1];
            let n = &block.name;
            rows.push(LayerSummary::new(
                format!("{n}_upsample"),
                "UpSampling2D",
                [h / s, w / s, cin],
                0,
                0,
            ));
            // The convolution reads the block's input before the upsampling.
            let kernel = block.conv.method(KERNEL_BATCH, h / s / 2, w / s / 2).name();
            let params = block.conv.conv().param_count();
            rows.push(LayerSummary::conv(
                format!("{n}_conv"),
                shape,
                params,
                kernel,
            ));
            rows.push(LayerSummary::batch_norm(
                format!("{n}_bn"),
                shape,
                &block.bn,
            ));
            rows.push(LayerSummary::new(format!("{n}_relu"), "ReLU", shape, 0, 0));
            let joined = [h / s, w / s, 2 * cout];
            rows.push(LayerSummary::new(
                format!("{n}_concat"),
                "Concatenate",
                joined,
                0,
                0,
            ));
        }
        rows.push(LayerSummary::new(
            "out_upsample",
            "UpSampling2D",
            [h, w, 2 * f],
            0,
            0,
        ));
        let kernel = self.out.method(KERNEL_BATCH, h / 2, w / 2).name();
        let params = self.out.conv().param_count();
        rows.push(LayerSummary::conv(
            "out_conv",
            [h, w, N_TRACKS],
            params,
            kernel,
        ));
        rows.push(LayerSummary::new(
            "out_tanh",
            "Activation",
            [h, w, N_TRACKS],
            0,
            0,
        ));
        Summary::new("generator", rows)
    }

    /// A Keras-style summary: each layer's name, output shape and parameter count, with totals.
    pub fn summary(&self) -> String {
        self.summary_table().to_string()
    }
}

/// A down block for inference: the convolution with its LeakyReLU, then BatchNorm with the
/// moving statistics ([γ, β, (mean, variance)]).
#[derive(Debug, Clone)]
struct FrozenDown {
    conv: SameConv2d,
    bn: Option<[Tensor; 3]>,
}

impl FrozenDown {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = self.conv.forward(x, Activation::LeakyRelu(LEAKY_SLOPE))?;
        match &self.bn {
            Some([gamma, beta, stats]) => ops::batch_norm(
                &y,
                gamma,
                beta,
                stats,
                false,
                BN_EPSILON,
                Activation::Identity,
            ),
            None => Ok(y),
        }
    }
}

/// An upsample-convolution for inference, its kernel prepared once.
#[derive(Debug, Clone)]
struct FrozenUp {
    kernel: UpsampleKernel,
    bias: Tensor,
}

impl FrozenUp {
    fn new(weight: &Tensor, bias: Tensor) -> Result<Self> {
        Ok(Self {
            kernel: UpsampleKernel::new(weight)?,
            bias,
        })
    }

    fn forward(&self, x: &Tensor, act: Activation) -> Result<Tensor> {
        ops::upsample_conv2d(x, &self.kernel, &self.bias, act)
    }
}

/// What composing and evaluating need of a generator: its widths, and tracks for melodies with
/// BatchNorm's moving statistics. [`InferenceGenerator`], the fast snapshot, is what a trained
/// model uses; [`Generator`] itself serves while it trains.
pub trait Generate {
    /// The widths it was built with.
    fn config(&self) -> &ModelConfig;

    /// Tracks (B, 4, 32, 128) in (-1, 1) for the condition `c` (B, 1, 32, 128) and latent `z`
    /// (B, latent, 2, 8), in inference mode.
    fn generate(&self, c: &Tensor, z: &Tensor) -> Result<Tensor>;
}

impl Generate for Generator {
    fn config(&self) -> &ModelConfig {
        &self.config
    }

    fn generate(&self, c: &Tensor, z: &Tensor) -> Result<Tensor> {
        self.forward(c, z, Mode::Infer)
    }
}

impl Generate for InferenceGenerator {
    fn config(&self) -> &ModelConfig {
        &self.config
    }

    fn generate(&self, c: &Tensor, z: &Tensor) -> Result<Tensor> {
        self.forward(c, z)
    }
}

/// The generator prepared for inference by [`Generator::for_inference`]: the same function as
/// [`Generator::forward`] in [`Mode::Infer`], with each up block's convolution, BatchNorm and
/// ReLU in one op and no autograd graph.
#[derive(Debug, Clone)]
pub struct InferenceGenerator {
    config: ModelConfig,
    down: Vec<FrozenDown>,
    up: Vec<FrozenUp>,
    out: FrozenUp,
}

impl InferenceGenerator {
    /// Generates tracks (B, 4, 32, 128) in (-1, 1) from the condition `c` (B, 1, 32, 128) and
    /// latent `z` (B, latent, 2, 8).
    pub fn forward(&self, c: &Tensor, z: &Tensor) -> Result<Tensor> {
        check_inputs(c, z, self.config.latent)?;
        let mut skips = Vec::with_capacity(self.down.len());
        let mut x = c.detach().transpose(0, 1)?.contiguous()?;
        for block in &self.down {
            x = block.forward(&x)?;
            skips.push(x.clone());
        }
        x = Tensor::cat(&[&x, &z.detach().transpose(0, 1)?.contiguous()?], 0)?;
        for (block, skip) in self.up.iter().zip(skips.iter().rev().skip(1)) {
            x = Tensor::cat(&[&block.forward(&x, Activation::Relu)?, skip], 0)?;
        }
        self.out
            .forward(&x, Activation::Tanh)?
            .transpose(0, 1)?
            .contiguous()
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{DType, Device};

    use super::*;
    use crate::model::ops::portable::testing::{assert_close, random};
    use crate::model::Gan;

    #[test]
    fn inference_snapshot_computes_the_inference_forward() {
        let dev = Device::Cpu;
        let gan = Gan::new(ModelConfig::new(4, 3), 3, DType::F64, &dev).unwrap();
        let g = gan.generator();
        let c = random((3, 1, 32, 128), 1);
        let z = random((3, 3, 2, 8), 2);
        // Training forwards move the moving statistics away from (0, 1).
        for _ in 0..3 {
            g.forward(&c, &z, Mode::Train).unwrap();
        }
        let expected = g.forward(&c, &z, Mode::Infer).unwrap();
        let frozen = g.for_inference().unwrap();
        let ours = frozen.forward(&c, &z).unwrap();
        assert_close(&ours, &expected, 1e-12, "inference snapshot");
        // A snapshot: further training (moving statistics, in-place weight updates) leaves it
        // unchanged.
        g.forward(&c, &z, Mode::Train).unwrap();
        for var in gan.trainable_generator_vars().unwrap() {
            var.set(&(var.as_tensor() * 1.5).unwrap()).unwrap();
        }
        assert_close(&frozen.forward(&c, &z).unwrap(), &ours, 0.0, "snapshot");
        let err = frozen.forward(&c, &random((3, 4, 2, 8), 3)).unwrap_err();
        assert!(err.to_string().contains("generator z"), "{err}");
    }
}
