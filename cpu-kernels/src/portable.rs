//! The portable ops: the same computations written with candle's own operations on
//! channels-major tensors, so they run on any device. They are what runs on devices other
//! than the CPU, and what the custom ops are tested against.
//!
//! Convolutions go through candle's NCHW `conv2d` / `conv_transpose2d` with the 'same' padding
//! made explicit; candle's autograd differentiates them.

use candle_core::{Result, Tensor};

use super::im2col::ConvGeometry;
use super::kinds::Activation;

/// `act` applied to `x`; LeakyReLU and ReLU multiply by their slopes (held constant), so the
/// gradient at exactly 0 is the negative slope, as in PyTorch and TensorFlow.
pub fn activate(x: &Tensor, act: Activation) -> Result<Tensor> {
    match act {
        Activation::Identity => Ok(x.clone()),
        Activation::Tanh => x.tanh(),
        Activation::Relu | Activation::LeakyRelu(_) => x.mul(&activation_slopes(x, act)?),
    }
}

/// The derivative of `act` at each input, from the activation's output `y` (no gradient).
pub fn activation_slopes(y: &Tensor, act: Activation) -> Result<Tensor> {
    let y = y.detach();
    let positive = || y.gt(0.0)?.to_dtype(y.dtype());
    match act {
        Activation::Identity => y.ones_like(),
        Activation::Relu => positive(),
        Activation::LeakyRelu(slope) => positive()?.affine(1.0 - slope, slope),
        Activation::Tanh => y.sqr()?.affine(-1.0, 1.0),
    }
}

/// Keras `UpSampling2D(2)` (nearest) of (·, ·, H, W) `x`: every cell repeated on a 2 × 2 block.
pub fn upsample2(x: &Tensor) -> Result<Tensor> {
    let (b, c, h, w) = x.dims4()?;
    x.reshape((b, c, h, 1, w, 1))?
        .broadcast_as((b, c, h, 2, w, 2))?
        .contiguous()?
        .reshape((b, c, 2 * h, 2 * w))
}

/// The zero padding (before, after) on one axis that gives `out` outputs.
fn padding(size: usize, before: usize, out: usize, g: &ConvGeometry) -> (usize, usize) {
    let needed = (out.max(1) - 1) * g.stride + g.kernel;
    (before, needed.saturating_sub(size + before))
}

/// candle's conv2d of NCHW `x` with the padding and output size of `g`, bias and `act`.
fn conv2d_nchw(
    x: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
    g: &ConvGeometry,
    act: Activation,
) -> Result<Tensor> {
    let (_, _, h, w) = x.dims4()?;
    let (top, bottom) = padding(h, g.pad_top, g.out_h, g);
    let (left, right) = padding(w, g.pad_left, g.out_w, g);
    let y = x
        .pad_with_zeros(2, top, bottom)?
        .pad_with_zeros(3, left, right)?
        .conv2d(weight, 0, g.stride, 1, 1)?
        .narrow(2, 0, g.out_h)?
        .narrow(3, 0, g.out_w)?
        .broadcast_add(&bias.reshape((1, (), 1, 1))?)?;
    activate(&y, act)
}

/// [`conv2d`](super::conv2d) with candle's ops.
pub fn conv2d(
    x: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
    g: &ConvGeometry,
    act: Activation,
) -> Result<Tensor> {
    conv2d_nchw(&x.transpose(0, 1)?, weight, bias, g, act)?
        .transpose(0, 1)?
        .contiguous()
}

/// [`conv_transpose2d`](super::conv_transpose2d) with candle's ops: the full transposed
/// convolution, cropped to the input the padding was taken from.
pub fn conv_transpose2d(grad: &Tensor, weight: &Tensor, g: &ConvGeometry) -> Result<Tensor> {
    let full = grad
        .transpose(0, 1)?
        .contiguous()?
        .conv_transpose2d(weight, 0, 0, g.stride, 1)?;
    let (_, _, fh, fw) = full.dims4()?;
    if fh < g.pad_top + g.h || fw < g.pad_left + g.w {
        candle_core::bail!("conv-transpose2d: the geometry {g:?} drops input cells")
    }
    full.narrow(2, g.pad_top, g.h)?
        .narrow(3, g.pad_left, g.w)?
        .transpose(0, 1)?
        .contiguous()
}

/// [`upsample_conv2d`](super::upsample_conv2d) with candle's ops: nearest 2× upsampling of
/// `x` (C, B, H, W), then the 4 × 4 'same' convolution (padding 1 before, 2 after) with
/// `weight` (O, C, 4, 4), `bias` and `act`: (O, B, 2H, 2W).
pub fn upsample_conv2d(
    x: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
    act: Activation,
) -> Result<Tensor> {
    let (c, b, h, w) = x.dims4()?;
    let g = ConvGeometry {
        channels: c,
        batch: b,
        h: 2 * h,
        w: 2 * w,
        kernel: 4,
        stride: 1,
        pad_top: 1,
        pad_left: 1,
        out_h: 2 * h,
        out_w: 2 * w,
    };
    let up = upsample2(&x.transpose(0, 1)?)?;
    conv2d_nchw(&up, weight, bias, &g, act)?
        .transpose(0, 1)?
        .contiguous()
}

/// [`channel_stats`](super::channel_stats) with candle's ops: (2, C), mean and biased variance.
pub fn channel_stats(x: &Tensor) -> Result<Tensor> {
    let x = x.detach();
    let mean = x.mean_keepdim((1, 2, 3))?;
    let var = x.broadcast_sub(&mean)?.sqr()?.mean_keepdim((1, 2, 3))?;
    Tensor::cat(&[mean.flatten_all()?, var.flatten_all()?], 0)?.reshape((2, ()))
}

/// [`batch_norm`](super::batch_norm) with candle's ops; with `batch_stats` the statistics are
/// recomputed from `x` inside the graph (so that gradients flow through them).
pub fn batch_norm(
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    stats: &Tensor,
    batch_stats: bool,
    eps: f64,
    act: Activation,
) -> Result<Tensor> {
    let column = |t: Tensor| t.reshape(((), 1, 1, 1));
    let (mean, var) = if batch_stats {
        let mean = x.mean_keepdim((1, 2, 3))?;
        let var = x.broadcast_sub(&mean)?.sqr()?.mean_keepdim((1, 2, 3))?;
        (mean, var)
    } else {
        let stats = stats.detach();
        (column(stats.get(0)?)?, column(stats.get(1)?)?)
    };
    let scale = (var + eps)?
        .sqrt()?
        .recip()?
        .broadcast_mul(&column(gamma.clone())?)?;
    let y = x
        .broadcast_sub(&mean)?
        .broadcast_mul(&scale)?
        .broadcast_add(&column(beta.clone())?)?;
    activate(&y, act)
}

/// Helpers for the ops' tests: seeded random tensors and gradient comparisons.
#[cfg(any(test, feature = "testing"))]
pub mod testing {
    use candle_core::{Device, Shape, Tensor, Var};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A f64 tensor of `shape` with values uniform in [-1, 1) drawn from `seed`.
    pub fn random(shape: impl Into<Shape>, seed: u64) -> Tensor {
        let shape = shape.into();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let v: Vec<f64> = (0..shape.elem_count())
            .map(|_| 2.0 * rng.random::<f64>() - 1.0)
            .collect();
        Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
    }

    /// The largest absolute value of `t`, whatever its float type.
    pub fn max_abs(t: &Tensor) -> f64 {
        t.to_dtype(candle_core::DType::F64)
            .unwrap()
            .abs()
            .unwrap()
            .flatten_all()
            .unwrap()
            .max(0)
            .unwrap()
            .to_scalar()
            .unwrap()
    }

    /// Asserts max |a − b| ≤ `tol` · max(1, max |b|).
    pub fn assert_close(a: &Tensor, b: &Tensor, tol: f64, label: &str) {
        assert_eq!(a.dims(), b.dims(), "{label}: shapes");
        let err = max_abs(&(a - b).unwrap());
        let scale = max_abs(b).max(1.0);
        assert!(
            err <= tol * scale,
            "{label}: error {err:.3e}, scale {scale:.3e}"
        );
    }

    /// Compares two computations of the same function of some variables: values, and the
    /// gradients of each variable for a random linear probe of the result.
    pub struct GradCheck<'a> {
        vars: Vec<&'a Var>,
    }

    impl<'a> GradCheck<'a> {
        /// A check of the gradients with respect to `vars`.
        pub fn new(vars: &[&'a Var]) -> Self {
            Self {
                vars: vars.to_vec(),
            }
        }

        /// Asserts that `ours` and `expected` agree, and so do their gradients.
        pub fn assert_same(&self, ours: &Tensor, expected: &Tensor, label: &str) {
            assert_close(ours, expected, 1e-10, label);
            let probe = random(ours.shape().clone(), 99);
            let grads = |t: &Tensor| (t * &probe).unwrap().sum_all().unwrap().backward().unwrap();
            let (a, b) = (grads(ours), grads(expected));
            for (i, v) in self.vars.iter().enumerate() {
                let (ga, gb) = (a.get(v.as_tensor()), b.get(v.as_tensor()));
                match (ga, gb) {
                    (Some(ga), Some(gb)) => {
                        assert_close(ga, gb, 1e-10, &format!("{label}: gradient {i}"))
                    }
                    (ga, gb) => panic!(
                        "{label}: gradient {i} present in ours {} and in the portable ops {}",
                        ga.is_some(),
                        gb.is_some()
                    ),
                }
            }
        }
    }
}
