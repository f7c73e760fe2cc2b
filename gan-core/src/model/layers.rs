//! Layers with Keras semantics: 'same' convolutions (asymmetric padding for even kernels),
//! BatchNormalization with Keras' momentum convention, Dense, activations and nearest
//! upsampling. Tensors are NCHW inside; kernels are OIHW.

use candle_core::{DType, Result, Tensor, Var, D};
use candle_nn::{Init, VarBuilder};

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

/// The (before, after) zero padding TensorFlow's 'same' uses on one axis of `size` cells.
pub fn same_padding(size: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let out = size.div_ceil(stride);
    let total = ((out - 1) * stride + kernel).saturating_sub(size);
    (total / 2, total - total / 2)
}

/// The Glorot-uniform initialisation for the given fans (Keras' default kernel initialiser).
pub fn glorot_uniform(fan_in: usize, fan_out: usize) -> Init {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
    Init::Uniform {
        lo: -limit,
        up: limit,
    }
}

/// Keras `Conv2D(filters, kernel, strides, padding='same')` with a bias; weight (O, I, kh, kw).
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

    fn kernel(&self) -> usize {
        self.weight.dims()[2]
    }

    /// The output (height, width) for an input of (height, width).
    pub fn output_size(&self, h: usize, w: usize) -> (usize, usize) {
        (h.div_ceil(self.stride), w.div_ceil(self.stride))
    }

    /// Applies the convolution to `x` (B, I, H, W), giving (B, O, ⌈H/s⌉, ⌈W/s⌉).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (_, _, h, w) = x.dims4()?;
        let (k, s) = (self.kernel(), self.stride);
        let ph = same_padding(h, k, s);
        let pw = same_padding(w, k, s);
        let (oh, ow) = self.output_size(h, w);
        let y = if ph.0 == ph.1 && ph == pw {
            x.conv2d(&self.weight, ph.0, s, 1, 1)?
        } else if s == 1 && ph == pw && ph.1 >= ph.0 {
            // Pad symmetrically by the larger side, then drop the extra leading outputs.
            let skip = ph.1 - ph.0;
            x.conv2d(&self.weight, ph.1, 1, 1, 1)?
                .narrow(2, skip, oh)?
                .narrow(3, skip, ow)?
        } else {
            x.pad_with_zeros(2, ph.0, ph.1)?
                .pad_with_zeros(3, pw.0, pw.1)?
                .conv2d(&self.weight, 0, s, 1, 1)?
        };
        y.broadcast_add(&self.bias.reshape((1, (), 1, 1))?)
    }

    /// The gradient of a scalar with respect to this layer's input, given its gradient `grad`
    /// with respect to the layer's output (B, O, h, w), for an input of spatial size `input_hw`.
    ///
    /// Only the input channels in `in_channels` (start, len) are returned. This is the transposed
    /// convolution with the forward's kernel and its 'same' cropping, written as ordinary
    /// differentiable ops, so a loss on the result can itself be differentiated.
    pub fn backward_input(
        &self,
        grad: &Tensor,
        input_hw: (usize, usize),
        in_channels: (usize, usize),
    ) -> Result<Tensor> {
        let (h, w) = input_hw;
        let (k, s) = (self.kernel(), self.stride);
        let ph = same_padding(h, k, s);
        let pw = same_padding(w, k, s);
        let weight = if in_channels == (0, self.weight.dim(1)?) {
            self.weight.clone()
        } else {
            self.weight.narrow(1, in_channels.0, in_channels.1)?
        };
        let (_, _, gh, gw) = grad.dims4()?;
        if ph.0 == ph.1 && ph == pw {
            let full_h = (gh - 1) * s + k - 2 * ph.0;
            let full_w = (gw - 1) * s + k - 2 * ph.0;
            if full_h == h && full_w == w {
                return grad.conv_transpose2d(&weight, ph.0, 0, s, 1);
            }
        }
        grad.conv_transpose2d(&weight, 0, 0, s, 1)?
            .narrow(2, ph.0, h)?
            .narrow(3, pw.0, w)
    }
}

/// Keras `BatchNormalization(momentum=0.8, epsilon=1e-3)` over the channels of NCHW input.
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

    /// Normalises `x` (B, C, H, W); in [`Mode::Train`] also updates the moving statistics.
    pub fn forward(&self, x: &Tensor, mode: Mode) -> Result<Tensor> {
        let (mean, var) = match mode {
            Mode::Train => {
                let mean = x.mean_keepdim((0, 2, 3))?;
                let centred = x.broadcast_sub(&mean)?;
                let var = centred.sqr()?.mean_keepdim((0, 2, 3))?;
                self.update_moving(&mean, &var)?;
                return self.normalise(&centred, &var);
            }
            Mode::Infer => (
                self.moving_mean
                    .as_tensor()
                    .detach()
                    .reshape((1, (), 1, 1))?,
                self.moving_variance
                    .as_tensor()
                    .detach()
                    .reshape((1, (), 1, 1))?,
            ),
        };
        self.normalise(&x.broadcast_sub(&mean)?, &var)
    }

    fn normalise(&self, centred: &Tensor, var: &Tensor) -> Result<Tensor> {
        let inv = (var + BN_EPSILON)?
            .sqrt()?
            .recip()?
            .broadcast_mul(&self.gamma.reshape((1, (), 1, 1))?)?;
        centred
            .broadcast_mul(&inv)?
            .broadcast_add(&self.beta.reshape((1, (), 1, 1))?)
    }

    fn update_moving(&self, mean: &Tensor, var: &Tensor) -> Result<()> {
        let m = BN_MOMENTUM;
        for (moving, batch) in [(&self.moving_mean, mean), (&self.moving_variance, var)] {
            let batch = batch.detach().flatten_all()?;
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

/// The slopes of LeakyReLU(`slope`) at `x`: 1 where x > 0, `slope` elsewhere (no gradient).
///
/// `x * slopes` is the activation, and `grad * slopes` its backward pass, as in PyTorch and
/// TensorFlow (the slope at exactly 0 is `slope`). With `slope` 0 this is ReLU.
pub fn relu_slopes(x: &Tensor, slope: f64) -> Result<Tensor> {
    x.detach()
        .gt(0.0)?
        .to_dtype(x.dtype())?
        .affine(1.0 - slope, slope)
}

/// LeakyReLU(`slope`) of `x`, returning the activation and its (detached) slopes.
pub fn leaky_relu(x: &Tensor, slope: f64) -> Result<(Tensor, Tensor)> {
    let slopes = relu_slopes(x, slope)?;
    Ok((x.mul(&slopes)?, slopes))
}

/// ReLU of `x` whose gradient at 0 is 0 (PyTorch's and TensorFlow's convention).
pub fn relu(x: &Tensor) -> Result<Tensor> {
    x.mul(&relu_slopes(x, 0.0)?)
}

/// Keras `UpSampling2D(2)` (nearest) of NCHW `x`: every cell repeated on a 2 × 2 block.
pub fn upsample2(x: &Tensor) -> Result<Tensor> {
    let (b, c, h, w) = x.dims4()?;
    x.reshape((b, c, h, 1, w, 1))?
        .broadcast_as((b, c, h, 2, w, 2))?
        .contiguous()?
        .reshape((b, c, 2 * h, 2 * w))
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
    use std::collections::HashMap;

    use candle_core::{Device, Var};

    use super::*;

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
        let y = grid(&tap_conv(0, 0, 1).forward(&x).unwrap());
        assert_eq!(y[0], vec![0.5; 4]);
        assert_eq!(y[1], vec![0.5, 0.5, 1.5, 2.5]);
        assert_eq!(y[3][3], 10.5);
        // Tap (3, 3): out[i][j] = x[i+2][j+2]: row 1 reads row 3, row 2 reads padding.
        let y = grid(&tap_conv(3, 3, 1).forward(&x).unwrap());
        assert_eq!(y[0], vec![10.5, 11.5, 0.5, 0.5]);
        assert_eq!(y[1], vec![14.5, 15.5, 0.5, 0.5]);
        assert_eq!(y[2], vec![0.5; 4]);
    }

    #[test]
    fn stride2_even_kernel_pads_one_on_each_side() {
        let x = ramp(4, 4);
        // Tap (1, 1): out[i][j] = x[2i][2j].
        let y = grid(&tap_conv(1, 1, 2).forward(&x).unwrap());
        assert_eq!(y, vec![vec![0.5, 2.5], vec![8.5, 10.5]]);
        // Tap (3, 3): out[i][j] = x[2i+2][2j+2], padding on the last row and column.
        let y = grid(&tap_conv(3, 3, 2).forward(&x).unwrap());
        assert_eq!(y, vec![vec![10.5, 0.5], vec![0.5, 0.5]]);
    }

    #[test]
    fn odd_sizes_use_explicit_padding() {
        // 5 cells, k4, stride 2: pads (1, 2), three outputs.
        let x = ramp(5, 5);
        let y = grid(&tap_conv(3, 3, 2).forward(&x).unwrap());
        // out[i][j] = x[2i+2][2j+2].
        assert_eq!(y[0], vec![12.5, 14.5, 0.5]);
        assert_eq!(y[2], vec![0.5; 3]);
    }

    /// `backward_input` agrees with candle's autograd on Σ conv(x) · g.
    fn check_backward_input(stride: usize, h: usize, w: usize) {
        let dev = Device::Cpu;
        let vb = vb_from(&[
            (
                "weight",
                Tensor::randn(0f64, 1.0, (3, 2, 4, 4), &dev).unwrap(),
            ),
            ("bias", Tensor::randn(0f64, 1.0, 3, &dev).unwrap()),
        ]);
        let conv = SameConv2d::new(vb, 2, 3, 4, stride).unwrap();
        let x = Var::from_tensor(&Tensor::randn(0f64, 1.0, (2, 2, h, w), &dev).unwrap()).unwrap();
        let y = conv.forward(x.as_tensor()).unwrap();
        let g = Tensor::randn(0f64, 1.0, y.shape(), &dev).unwrap();
        let grads = (&y * &g).unwrap().sum_all().unwrap().backward().unwrap();
        let expected = grads.get(x.as_tensor()).unwrap();
        let ours = conv.backward_input(&g, (h, w), (0, 2)).unwrap();
        let err: f64 = (ours - expected)
            .unwrap()
            .abs()
            .unwrap()
            .flatten_all()
            .unwrap()
            .max(0)
            .unwrap()
            .to_scalar()
            .unwrap();
        assert!(err < 1e-12, "stride {stride} {h}x{w}: {err}");
        let first = conv.backward_input(&g, (h, w), (1, 1)).unwrap();
        assert_eq!(first.dims(), &[2, 1, h, w]);
    }

    #[test]
    fn backward_input_is_the_transposed_convolution() {
        check_backward_input(2, 8, 12);
        check_backward_input(1, 6, 8);
        check_backward_input(2, 5, 7);
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
        let x = Tensor::from_vec(vec![1f64, 2.0, 3.0, 4.0], (2, 1, 1, 2), &dev).unwrap();
        let y = bn.forward(&x, Mode::Train).unwrap();
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
        let y = bn.forward(&x, Mode::Infer).unwrap();
        let y: Vec<f64> = y.flatten_all().unwrap().to_vec1().unwrap();
        assert!((y[0] - (2.0 * (1.0 - 0.5) / (1.05f64 + 1e-3).sqrt() + 0.5)).abs() < 1e-12);
        let mm: Vec<f64> = bn.moving_mean().to_vec1().unwrap();
        assert!((mm[0] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn upsample_repeats_each_cell_on_a_block() {
        let x = ramp(2, 2);
        let y = grid(&upsample2(&x).unwrap());
        assert_eq!(y[0], vec![0.0, 0.0, 1.0, 1.0]);
        assert_eq!(y[3], vec![2.0, 2.0, 3.0, 3.0]);
    }

    #[test]
    fn leaky_relu_scales_non_positive_values() {
        let x = Tensor::new(&[-1.0f64, 0.0, 2.0], &Device::Cpu).unwrap();
        let (y, s) = leaky_relu(&x, 0.2).unwrap();
        assert_eq!(y.to_vec1::<f64>().unwrap(), vec![-0.2, 0.0, 2.0]);
        assert_eq!(s.to_vec1::<f64>().unwrap(), vec![0.2, 0.2, 1.0]);
        let r = relu(&x).unwrap();
        assert_eq!(r.to_vec1::<f64>().unwrap(), vec![0.0, 0.0, 2.0]);
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
