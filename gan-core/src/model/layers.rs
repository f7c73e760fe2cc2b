//! Layers with Keras semantics: 'same' convolutions (asymmetric padding for even kernels),
//! upsampling followed by a convolution, BatchNormalization with Keras' momentum convention,
//! and Dense. Activations are channels-major, (C, B, H, W), so that a convolution is a single
//! matrix product; kernels are OIHW. The computations are the ops of [`super::ops`]; each
//! layer takes the activation that follows it, which the ops fuse.

use candle_core::{DType, Result, Tensor, Var, D};
use candle_nn::{Init, VarBuilder};

use super::ops::{self, Activation, ConvGeometry, ConvMethod, UpsampleKernel, UpsampleMethod};

/// The slope LeakyReLU uses below zero in the lab's networks.
pub const LEAKY_SLOPE: f64 = 0.2;
/// BatchNormalization's momentum in Keras' convention: moving = 0.8 · moving + 0.2 · batch.
pub const BN_MOMENTUM: f64 = 0.8;
/// BatchNormalization's epsilon, added to the variance.
pub const BN_EPSILON: f64 = 1e-3;

/// Whether a network runs for training (batch statistics) or inference (moving statistics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Training: BatchNorm normalises with the batch statistics and updates its moving ones.
    Train,
    /// Inference: BatchNorm normalises with its moving statistics, which stay unchanged.
    Infer,
}

/// The (before, after) zero padding TensorFlow's 'same' uses on one axis (the kernels' own).
pub use super::ops::same_padding;

/// The Glorot-uniform initialisation for the given fans (Keras' default kernel initialiser).
pub fn glorot_uniform(fan_in: usize, fan_out: usize) -> Init {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
    Init::Uniform {
        lo: -limit,
        up: limit,
    }
}

/// Keras `Conv2D(filters, kernel, strides, padding='same')` with a bias; weight (O, I, kh, kw).
///
/// Works on channels-major activations (C, B, H, W): the convolution is the matrix product of
/// the weight (O, I·k·k) with the input's im2col matrix ([`ops::conv2d`]), channels-major
/// already.
#[derive(Debug, Clone)]
pub struct SameConv2d {
    weight: Tensor,
    bias: Tensor,
    stride: usize,
}

impl SameConv2d {
    /// A square-kernel convolution with Glorot-uniform `weight` and zero `bias` from `vb`.
    pub fn new(
        vb: VarBuilder,
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        stride: usize,
    ) -> Result<Self> {
        let k2 = kernel * kernel;
        let init = glorot_uniform(in_channels * k2, out_channels * k2);
        let weight =
            vb.get_with_hints((out_channels, in_channels, kernel, kernel), "weight", init)?;
        let bias = vb.get_with_hints(out_channels, "bias", Init::Const(0.0))?;
        Ok(Self {
            weight,
            bias,
            stride,
        })
    }

    /// The kernel, (out channels, in channels, kh, kw).
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    /// The bias, one value per output channel.
    pub fn bias(&self) -> &Tensor {
        &self.bias
    }

    /// The stride, the same on both axes.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The number of trainable values (kernel and bias).
    pub fn param_count(&self) -> usize {
        self.weight.elem_count() + self.bias.elem_count()
    }

    /// A copy whose weights are cut from the autograd graph (no gradient flows to them).
    pub fn detached(&self) -> Self {
        Self {
            weight: self.weight.detach(),
            bias: self.bias.detach(),
            stride: self.stride,
        }
    }

    /// A copy of the weights as they are now, cut from the graph: unlike [`Self::detached`], it
    /// does not share memory with the variables, so later (in-place) updates leave it alone.
    pub fn frozen_copy(&self) -> Result<Self> {
        Ok(Self {
            weight: self.weight.copy()?,
            bias: self.bias.copy()?,
            stride: self.stride,
        })
    }

    fn kernel(&self) -> usize {
        self.weight.dims()[2]
    }

    /// The geometry of this convolution on `channels` × `batch` inputs of `h` × `w` cells.
    pub fn geometry(&self, channels: usize, batch: usize, h: usize, w: usize) -> ConvGeometry {
        ConvGeometry::same(channels, batch, (h, w), self.kernel(), self.stride)
    }

    /// The method its CPU kernel runs by on `batch` inputs of `h` × `w` cells.
    pub fn method(&self, batch: usize, h: usize, w: usize) -> ConvMethod {
        let channels = self.weight.dims()[1];
        ConvMethod::choose(&self.geometry(channels, batch, h, w))
    }

    /// Applies the convolution to channels-major `x` (I, B, H, W), then `act`:
    /// (O, B, ⌈H/s⌉, ⌈W/s⌉).
    pub fn forward(&self, x: &Tensor, act: Activation) -> Result<Tensor> {
        let (ci, b, h, w) = x.dims4()?;
        let g = self.geometry(ci, b, h, w);
        ops::conv2d(x, &self.weight, &self.bias, &g, act)
    }

    /// The gradient of a scalar with respect to this layer's input, given its gradient `grad`
    /// (O, B, h, w) with respect to the layer's output (before any activation), for an input
    /// of spatial size `input_hw`; channels-major like [`SameConv2d::forward`].
    ///
    /// Only the input channels in `in_channels` (start, len) are returned, multiplied by
    /// `mask` where given (the slopes of the activation that made the input). This is the
    /// transposed convolution ([`ops::conv_transpose2d`]), differentiable in `grad` and in the
    /// weight, so that a loss on the result can itself be differentiated.
    pub fn backward_input(
        &self,
        grad: &Tensor,
        input_hw: (usize, usize),
        in_channels: (usize, usize),
        mask: Option<&Tensor>,
    ) -> Result<Tensor> {
        let b = grad.dim(1)?;
        let (start, len) = in_channels;
        let weight = if in_channels == (0, self.weight.dim(1)?) {
            self.weight.clone()
        } else {
            self.weight.narrow(1, start, len)?
        };
        let g = self.geometry(len, b, input_hw.0, input_hw.1);
        ops::conv_transpose2d(grad, &weight, mask, &g)
    }
}

/// Keras `UpSampling2D(2)` (nearest) then `Conv2D(filters, 4, padding='same')`, computed without
/// materialising the upsampled input: each of the four output phases (row and column parity)
/// is a convolution of the input with a 3 × 3, 3 × 2, 2 × 3 or 2 × 2 kernel whose taps are
/// sums of the 4 × 4 kernel's taps ([`ops::upsample_conv2d`]).
#[derive(Debug, Clone)]
pub struct UpsampleConv2d {
    conv: SameConv2d,
}

impl UpsampleConv2d {
    /// The layer with a Glorot-uniform 4 × 4 `weight` and zero `bias` from `vb`.
    pub fn new(vb: VarBuilder, in_channels: usize, out_channels: usize) -> Result<Self> {
        Ok(Self {
            conv: SameConv2d::new(vb, in_channels, out_channels, 4, 1)?,
        })
    }

    /// The 4 × 4 convolution applied after the upsampling.
    pub fn conv(&self) -> &SameConv2d {
        &self.conv
    }

    /// The method its CPU kernel runs by on `batch` inputs of `h` × `w` cells (before the
    /// upsampling).
    pub fn method(&self, batch: usize, h: usize, w: usize) -> UpsampleMethod {
        let (o, c) = (self.conv.weight.dims()[0], self.conv.weight.dims()[1]);
        UpsampleMethod::choose(o, [c, batch, h, w])
    }

    /// Upsamples channels-major `x` (I, B, H, W) and convolves it, then `act`: (O, B, 2H, 2W).
    pub fn forward(&self, x: &Tensor, act: Activation) -> Result<Tensor> {
        let kernel = UpsampleKernel::new(self.conv.weight())?;
        ops::upsample_conv2d(x, &kernel, self.conv.bias(), act)
    }
}

/// Keras `BatchNormalization(momentum=0.8, epsilon=1e-3)` over the channels of channels-major
/// input (C, B, H, W).
///
/// In training mode it normalises with the batch mean and biased variance and moves its
/// statistics towards them: moving = 0.8 · moving + 0.2 · batch (the biased variance, as Keras).
#[derive(Debug, Clone)]
pub struct BatchNorm {
    gamma: Tensor,
    beta: Tensor,
    moving_mean: Var,
    moving_variance: Var,
}

impl BatchNorm {
    /// A BatchNorm over `channels` with gamma 1, beta 0, moving mean 0 and moving variance 1.
    pub fn new(vb: VarBuilder, channels: usize) -> Result<Self> {
        let gamma = vb.get_with_hints(channels, "gamma", Init::Const(1.0))?;
        let beta = vb.get_with_hints(channels, "beta", Init::Const(0.0))?;
        let moving_mean = vb.get_with_hints(channels, "moving_mean", Init::Const(0.0))?;
        let moving_variance = vb.get_with_hints(channels, "moving_variance", Init::Const(1.0))?;
        Ok(Self {
            gamma,
            beta,
            moving_mean: Var::from_tensor(&moving_mean)?,
            moving_variance: Var::from_tensor(&moving_variance)?,
        })
    }

    /// The scale γ.
    pub fn gamma(&self) -> &Tensor {
        &self.gamma
    }

    /// The offset β.
    pub fn beta(&self) -> &Tensor {
        &self.beta
    }

    /// The moving mean used in inference mode.
    pub fn moving_mean(&self) -> &Tensor {
        self.moving_mean.as_tensor()
    }

    /// The moving variance used in inference mode.
    pub fn moving_variance(&self) -> &Tensor {
        self.moving_variance.as_tensor()
    }

    /// The number of trainable values (γ and β).
    pub fn trainable_count(&self) -> usize {
        self.gamma.elem_count() + self.beta.elem_count()
    }

    /// The number of non-trainable values (the two moving statistics).
    pub fn non_trainable_count(&self) -> usize {
        self.moving_mean.elem_count() + self.moving_variance.elem_count()
    }

    /// Normalises `x` (C, B, H, W), then `act`; in [`Mode::Train`] with the batch statistics,
    /// which also move the moving statistics, in [`Mode::Infer`] with the moving statistics.
    pub fn forward(&self, x: &Tensor, mode: Mode, act: Activation) -> Result<Tensor> {
        let stats = match mode {
            Mode::Train => {
                let stats = ops::channel_stats(x)?;
                self.update_moving(&stats)?;
                stats
            }
            Mode::Infer => self.moving_stats()?,
        };
        let batch_stats = mode == Mode::Train;
        ops::batch_norm(
            x,
            &self.gamma,
            &self.beta,
            &stats,
            batch_stats,
            BN_EPSILON,
            act,
        )
    }

    /// The moving mean and variance as a (2, C) statistics matrix (no gradient).
    pub fn moving_stats(&self) -> Result<Tensor> {
        Tensor::stack(
            &[
                self.moving_mean.as_tensor().detach(),
                self.moving_variance.as_tensor().detach(),
            ],
            0,
        )
    }

    /// The per-channel (scale, shift) this layer applies in inference mode:
    /// γ / √(moving variance + ε) and β − scale · moving mean (no gradient).
    pub fn inference_affine(&self) -> Result<(Tensor, Tensor)> {
        let scale = (self.moving_variance.as_tensor().detach() + BN_EPSILON)?
            .sqrt()?
            .recip()?
            .mul(&self.gamma.detach())?;
        let shift = (self.beta.detach() - self.moving_mean.as_tensor().detach().mul(&scale)?)?;
        Ok((scale, shift))
    }

    fn update_moving(&self, stats: &Tensor) -> Result<()> {
        let m = BN_MOMENTUM;
        for (i, moving) in [&self.moving_mean, &self.moving_variance]
            .into_iter()
            .enumerate()
        {
            let batch = stats.get(i)?;
            let next = ((moving.as_tensor() * m)? + (batch * (1.0 - m))?)?;
            moving.set(&next)?;
        }
        Ok(())
    }
}

/// Keras `Dense(out)`: y = x · Wᵀ + b with weight (out, in), Glorot-uniform, zero bias.
#[derive(Debug, Clone)]
pub struct Dense {
    weight: Tensor,
    bias: Tensor,
}

impl Dense {
    /// A dense layer from `in_features` to `out_features` with variables from `vb`.
    pub fn new(vb: VarBuilder, in_features: usize, out_features: usize) -> Result<Self> {
        let init = glorot_uniform(in_features, out_features);
        let weight = vb.get_with_hints((out_features, in_features), "weight", init)?;
        let bias = vb.get_with_hints(out_features, "bias", Init::Const(0.0))?;
        Ok(Self { weight, bias })
    }

    /// The weight, (out features, in features).
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    /// The bias, one value per output feature.
    pub fn bias(&self) -> &Tensor {
        &self.bias
    }

    /// The number of trainable values (weight and bias).
    pub fn param_count(&self) -> usize {
        self.weight.elem_count() + self.bias.elem_count()
    }

    /// A copy whose weights are cut from the autograd graph (no gradient flows to them).
    pub fn detached(&self) -> Self {
        Self {
            weight: self.weight.detach(),
            bias: self.bias.detach(),
        }
    }

    /// Applies the layer to `x` (B, in), giving (B, out).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)
    }
}

/// The mean of all values of `x`, as a 0-d tensor.
pub fn mean_all(x: &Tensor) -> Result<Tensor> {
    x.flatten_all()?.mean(D::Minus1)
}

/// Whether `dtype` is one the models support (f32 or f64).
pub fn is_supported_dtype(dtype: DType) -> bool {
    matches!(dtype, DType::F32 | DType::F64)
}

#[cfg(test)]
mod tests {
    use crate::model::ops::portable::testing::max_abs;
    use std::collections::HashMap;

    use candle_core::{Device, Var};

    use super::*;
    use crate::model::ops::portable::upsample2;

    fn vb_from(tensors: &[(&str, Tensor)]) -> VarBuilder<'static> {
        let map: HashMap<String, Tensor> = tensors
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        VarBuilder::from_tensors(map, DType::F64, &Device::Cpu)
    }

    /// A 1-in, 1-out 4 × 4 convolution whose kernel is 1 at (ky, kx) and 0 elsewhere.
    fn tap_conv(ky: usize, kx: usize, stride: usize) -> SameConv2d {
        let mut k = vec![0f64; 16];
        k[ky * 4 + kx] = 1.0;
        let dev = Device::Cpu;
        let vb = vb_from(&[
            ("weight", Tensor::from_vec(k, (1, 1, 4, 4), &dev).unwrap()),
            ("bias", Tensor::new(&[0.5f64], &dev).unwrap()),
        ]);
        SameConv2d::new(vb, 1, 1, 4, stride).unwrap()
    }

    fn ramp(h: usize, w: usize) -> Tensor {
        let v: Vec<f64> = (0..h * w).map(|i| i as f64).collect();
        Tensor::from_vec(v, (1, 1, h, w), &Device::Cpu).unwrap()
    }

    fn grid(t: &Tensor) -> Vec<Vec<f64>> {
        t.squeeze(0).unwrap().squeeze(0).unwrap().to_vec2().unwrap()
    }

    #[test]
    fn same_padding_matches_tensorflow() {
        assert_eq!(same_padding(32, 4, 2), (1, 1));
        assert_eq!(same_padding(128, 4, 2), (1, 1));
        assert_eq!(same_padding(32, 4, 1), (1, 2));
        assert_eq!(same_padding(5, 4, 2), (1, 2));
        assert_eq!(same_padding(4, 1, 1), (0, 0));
    }

    #[test]
    fn stride1_even_kernel_pads_one_before_two_after() {
        let x = ramp(4, 4);
        // Tap (0, 0): out[i][j] = x[i-1][j-1] + bias, 0 + bias in the padding.
        let y = grid(&tap_conv(0, 0, 1).forward(&x, Activation::Identity).unwrap());
        assert_eq!(y[0], vec![0.5; 4]);
        assert_eq!(y[1], vec![0.5, 0.5, 1.5, 2.5]);
        assert_eq!(y[3][3], 10.5);
        // Tap (3, 3): out[i][j] = x[i+2][j+2]: row 1 reads row 3, row 2 reads padding.
        let y = grid(&tap_conv(3, 3, 1).forward(&x, Activation::Identity).unwrap());
        assert_eq!(y[0], vec![10.5, 11.5, 0.5, 0.5]);
        assert_eq!(y[1], vec![14.5, 15.5, 0.5, 0.5]);
        assert_eq!(y[2], vec![0.5; 4]);
    }

    #[test]
    fn stride2_even_kernel_pads_one_on_each_side() {
        let x = ramp(4, 4);
        // Tap (1, 1): out[i][j] = x[2i][2j].
        let y = grid(&tap_conv(1, 1, 2).forward(&x, Activation::Identity).unwrap());
        assert_eq!(y, vec![vec![0.5, 2.5], vec![8.5, 10.5]]);
        // Tap (3, 3): out[i][j] = x[2i+2][2j+2], padding on the last row and column.
        let y = grid(&tap_conv(3, 3, 2).forward(&x, Activation::Identity).unwrap());
        assert_eq!(y, vec![vec![10.5, 0.5], vec![0.5, 0.5]]);
    }

    #[test]
    fn odd_sizes_use_explicit_padding() {
        // 5 cells, k4, stride 2: pads (1, 2), three outputs.
        let x = ramp(5, 5);
        let y = grid(&tap_conv(3, 3, 2).forward(&x, Activation::Identity).unwrap());
        // out[i][j] = x[2i+2][2j+2].
        assert_eq!(y[0], vec![12.5, 14.5, 0.5]);
        assert_eq!(y[2], vec![0.5; 3]);
    }

    /// `forward` agrees with candle's `conv2d` on the explicitly padded input, and
    /// `backward_input` with candle's autograd of it on Σ conv(x) · g.
    fn check_against_candle_conv(stride: usize, h: usize, w: usize) {
        let dev = Device::Cpu;
        let vb = vb_from(&[
            (
                "weight",
                Tensor::randn(0f64, 1.0, (3, 2, 4, 4), &dev).unwrap(),
            ),
            ("bias", Tensor::randn(0f64, 1.0, 3, &dev).unwrap()),
        ]);
        let conv = SameConv2d::new(vb, 2, 3, 4, stride).unwrap();
        // Channels-major (C = 2, B = 4) input; candle's conv2d wants (B, C, H, W).
        let x = Var::from_tensor(&Tensor::randn(0f64, 1.0, (4, 2, h, w), &dev).unwrap()).unwrap();
        let (ph, pw) = (same_padding(h, 4, stride), same_padding(w, 4, stride));
        let reference = x
            .as_tensor()
            .pad_with_zeros(2, ph.0, ph.1)
            .unwrap()
            .pad_with_zeros(3, pw.0, pw.1)
            .unwrap()
            .conv2d(conv.weight(), 0, stride, 1, 1)
            .unwrap()
            .broadcast_add(&conv.bias().reshape((1, 3, 1, 1)).unwrap())
            .unwrap();
        let ours = conv
            .forward(
                &x.as_tensor().transpose(0, 1).unwrap(),
                Activation::Identity,
            )
            .unwrap()
            .transpose(0, 1)
            .unwrap();
        assert!(max_abs(&(&ours - &reference).unwrap()) < 1e-12);
        let g = Tensor::randn(0f64, 1.0, reference.shape(), &dev).unwrap();
        let grads = (&reference * &g)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let expected = grads.get(x.as_tensor()).unwrap();
        let g_cm = g.transpose(0, 1).unwrap().contiguous().unwrap();
        let ours = conv.backward_input(&g_cm, (h, w), (0, 2), None).unwrap();
        let err = max_abs(&(ours.transpose(0, 1).unwrap() - expected).unwrap());
        assert!(err < 1e-12, "stride {stride} {h}x{w}: {err}");
        let second = conv.backward_input(&g_cm, (h, w), (1, 1), None).unwrap();
        assert_eq!(second.dims(), &[1, 4, h, w]);
        let err = max_abs(
            &(second.squeeze(0).unwrap() - expected.narrow(1, 1, 1).unwrap().squeeze(1).unwrap())
                .unwrap(),
        );
        assert!(err < 1e-12, "channel subset: {err}");
    }

    #[test]
    fn convolution_and_its_input_gradient_match_candle() {
        check_against_candle_conv(2, 8, 12);
        check_against_candle_conv(1, 6, 8);
        check_against_candle_conv(2, 5, 7);
    }

    #[test]
    fn upsample_conv_equals_conv_of_the_upsampled_input() {
        let dev = Device::Cpu;
        let vb = vb_from(&[
            (
                "weight",
                Tensor::randn(0f64, 1.0, (3, 2, 4, 4), &dev).unwrap(),
            ),
            ("bias", Tensor::randn(0f64, 1.0, 3, &dev).unwrap()),
        ]);
        let up = UpsampleConv2d::new(vb, 2, 3).unwrap();
        let x = Tensor::randn(0f64, 1.0, (2, 2, 3, 5), &dev).unwrap();
        let upsampled = upsample2(&x.transpose(0, 1).unwrap())
            .unwrap()
            .transpose(0, 1)
            .unwrap();
        let expected = up.conv().forward(&upsampled, Activation::Identity).unwrap();
        let ours = up.forward(&x, Activation::Identity).unwrap();
        assert_eq!(ours.dims(), &[3, 2, 6, 10]);
        let err = max_abs(&(ours - expected).unwrap());
        assert!(err < 1e-12, "{err}");
    }

    #[test]
    fn batch_norm_uses_biased_batch_statistics_and_keras_momentum() {
        let dev = Device::Cpu;
        let vb = vb_from(&[
            ("gamma", Tensor::new(&[2.0f64], &dev).unwrap()),
            ("beta", Tensor::new(&[0.5f64], &dev).unwrap()),
            ("moving_mean", Tensor::new(&[0.0f64], &dev).unwrap()),
            ("moving_variance", Tensor::new(&[1.0f64], &dev).unwrap()),
        ]);
        let bn = BatchNorm::new(vb, 1).unwrap();
        // One channel holding 1, 2, 3, 4: mean 2.5, biased variance 1.25.
        let x = Tensor::from_vec(vec![1f64, 2.0, 3.0, 4.0], (1, 2, 1, 2), &dev).unwrap();
        let y = bn.forward(&x, Mode::Train, Activation::Identity).unwrap();
        let y: Vec<f64> = y.flatten_all().unwrap().to_vec1().unwrap();
        let sd = (1.25f64 + 1e-3).sqrt();
        for (yi, xi) in y.iter().zip([1.0, 2.0, 3.0, 4.0]) {
            assert!((yi - (2.0 * (xi - 2.5) / sd + 0.5)).abs() < 1e-12);
        }
        let mm: Vec<f64> = bn.moving_mean().to_vec1().unwrap();
        let mv: Vec<f64> = bn.moving_variance().to_vec1().unwrap();
        assert!((mm[0] - 0.5).abs() < 1e-12, "0.8·0 + 0.2·2.5");
        assert!((mv[0] - 1.05).abs() < 1e-12, "0.8·1 + 0.2·1.25");
        // Inference uses (and keeps) the moving statistics.
        let y = bn.forward(&x, Mode::Infer, Activation::Identity).unwrap();
        let y: Vec<f64> = y.flatten_all().unwrap().to_vec1().unwrap();
        assert!((y[0] - (2.0 * (1.0 - 0.5) / (1.05f64 + 1e-3).sqrt() + 0.5)).abs() < 1e-12);
        let mm: Vec<f64> = bn.moving_mean().to_vec1().unwrap();
        assert!((mm[0] - 0.5).abs() < 1e-12);
        // The same inference map as one scale and shift.
        let (scale, shift) = bn.inference_affine().unwrap();
        let (scale, shift): (Vec<f64>, Vec<f64>) =
            (scale.to_vec1().unwrap(), shift.to_vec1().unwrap());
        assert!((scale[0] * 1.0 + shift[0] - y[0]).abs() < 1e-12);
    }

    #[test]
    fn upsample_repeats_each_cell_on_a_block() {
        let x = ramp(2, 2);
        let y = grid(&upsample2(&x).unwrap());
        assert_eq!(y[0], vec![0.0, 0.0, 1.0, 1.0]);
        assert_eq!(y[3], vec![2.0, 2.0, 3.0, 3.0]);
    }

    #[test]
    fn dense_is_x_times_weight_transposed_plus_bias() {
        let dev = Device::Cpu;
        let vb = vb_from(&[
            ("weight", Tensor::new(&[[1.0f64, 2.0, 3.0]], &dev).unwrap()),
            ("bias", Tensor::new(&[0.5f64], &dev).unwrap()),
        ]);
        let dense = Dense::new(vb, 3, 1).unwrap();
        let x = Tensor::new(&[[1.0f64, 1.0, 1.0], [0.0, -1.0, 2.0]], &dev).unwrap();
        let y = dense.forward(&x).unwrap();
        assert_eq!(y.to_vec2::<f64>().unwrap(), vec![vec![6.5], vec![4.5]]);
    }
}
