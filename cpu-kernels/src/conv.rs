//! Convolution with its bias and activation fused, and its adjoint in the input, on
//! channels-major activations.
//!
//! For each chunk of the batch, the convolution is weight (O, C·k·k) × im2col(x); the
//! transposed convolution is col2im(weightᵀ × g). The parts of the batch run in parallel
//! ([`super::parts`]). The backward passes rebuild column matrices instead of keeping them,
//! and compute only the gradients of inputs that take part in the graph (not that of a data
//! batch, nor that of frozen weights).

use std::ops::Range;

use rayon::prelude::*;

use candle_core::{Layout, Result, Shape, Tensor};

use super::activation::activation_grad;
use super::custom_op::{check_lengths, impl_custom_op, Kernel};
use super::elem::{with_scratch, Elem, ELEMENTWISE_TASK};
use super::gemm::{matmul_into, View};
use super::im2col::{batch_chunks, col2im_add, im2col_into, ConvGeometry, RowOrder};
use super::kinds::Activation;
use super::method::ConvMethod;
use super::parts::{assemble, map_parts, output_parts, sum, SUM_PARTS};
use super::portable;
use super::winograd;

const ORDER: RowOrder = RowOrder::ChannelMajor;

/// w (O, C·k·k) × im2col(x) for the samples `part`, chunk by chunk: (O, part.len()·Ho·Wo).
fn forward_part<T: Elem>(x: &[T], w: &[T], g: &ConvGeometry, part: Range<usize>) -> Vec<T> {
    let (k, p) = (g.rows(), g.out_plane());
    let (o, width) = (w.len() / k, part.len() * p);
    let mut y = vec![T::ZERO; o * width];
    for samples in batch_chunks(g, k, part.clone()) {
        let (start, n) = ((samples.start - part.start) * p, samples.len() * p);
        with_scratch(k * n, |cols| {
            im2col_into(x, g, ORDER, samples, cols);
            let (lhs, rhs) = (View::new(w, o, k), View::new(cols, k, n));
            matmul_into(&mut y[start..], width, lhs, rhs, false);
        });
    }
    y
}

/// y (O, B·Ho·Wo) = act(w × im2col(x) + bias), the batch's parts in parallel.
fn forward<T: Elem>(
    x: &[T],
    w: &[T],
    bias: Option<&[T]>,
    plan: &ConvPlan,
    act: Activation,
) -> Vec<T> {
    let g = &plan.g;
    let o = out_channels(w.len(), g);
    let parts = match plan.method {
        ConvMethod::Winograd => {
            let u = winograd::transform_weight(w, o, g.channels);
            map_parts(g.batch, output_parts(), |part| {
                winograd::forward_part(x, &u, g, part)
            })
        }
        ConvMethod::Im2colGemm => {
            map_parts(g.batch, output_parts(), |part| forward_part(x, w, g, part))
        }
    };
    assemble(&parts, o, g.out_plane(), bias, act)
}

/// The adjoint in x for the samples `part`: col2im(wᵀ × gy), (C, part.len(), H, W), for gy
/// (O, B·Ho·Wo).
fn transpose_part<T: Elem>(gy: &[T], w: &[T], g: &ConvGeometry, part: Range<usize>) -> Vec<T> {
    let (k, n_all) = (g.rows(), g.cols());
    let o = w.len() / k;
    let mut dx = vec![T::ZERO; g.channels * part.len() * g.in_plane()];
    for samples in batch_chunks(g, k, part.clone()) {
        let (start, n) = (samples.start * g.out_plane(), samples.len() * g.out_plane());
        with_scratch(k * n, |cols| {
            let lhs = View::new(w, o, k).t();
            let rhs = View::strided(&gy[start..], o, n, n_all);
            matmul_into(cols, n, lhs, rhs, false);
            col2im_add(cols, g, ORDER, samples, part.clone(), &mut dx);
        });
    }
    dx
}

/// The adjoint in x, (C, B, H, W), the batch's parts in parallel.
fn transpose<T: Elem>(gy: &[T], w: &[T], plan: &ConvPlan) -> Vec<T> {
    let g = &plan.g;
    let parts = match plan.method {
        ConvMethod::Winograd => {
            let u = winograd::transform_weight(w, out_channels(w.len(), g), g.channels);
            map_parts(g.batch, output_parts(), |part| {
                winograd::transpose_part(gy, &u, g, part)
            })
        }
        ConvMethod::Im2colGemm => map_parts(g.batch, output_parts(), |part| {
            transpose_part(gy, w, g, part)
        }),
    };
    assemble(&parts, g.channels, g.in_plane(), None, Activation::Identity)
}

/// The weight gradient of the samples `part`: gy × im2col(x)ᵀ summed over their chunks,
/// (O, C·k·k).
fn weight_grad_part<T: Elem>(x: &[T], gy: &[T], g: &ConvGeometry, part: Range<usize>) -> Vec<T> {
    let (k, n_all) = (g.rows(), g.cols());
    let o = gy.len() / n_all.max(1);
    let mut dw = vec![T::ZERO; o * k];
    for (i, samples) in batch_chunks(g, k, part).enumerate() {
        let (start, n) = (samples.start * g.out_plane(), samples.len() * g.out_plane());
        with_scratch(k * n, |cols| {
            im2col_into(x, g, ORDER, samples, cols);
            let lhs = View::strided(&gy[start..], o, n, n_all);
            matmul_into(&mut dw, k, lhs, View::new(cols, k, n).t(), i > 0);
        });
    }
    dw
}

/// The weight gradient, (O, C·k·k): the parts' sums added in order.
fn weight_grad<T: Elem>(x: &[T], gy: &[T], plan: &ConvPlan) -> Vec<T> {
    let g = &plan.g;
    match plan.method {
        ConvMethod::Winograd => {
            let du = sum(map_parts(g.batch, SUM_PARTS, |part| {
                winograd::weight_grad_part(x, gy, g, part)
            }));
            let o = gy.len() / g.cols().max(1);
            winograd::weight_from_transformed(&du, o, g.channels)
        }
        ConvMethod::Im2colGemm => sum(map_parts(g.batch, SUM_PARTS, |part| {
            weight_grad_part(x, gy, g, part)
        })),
    }
}

/// A convolution's geometry and the method chosen for it, which its ops, forward and
/// backward, all follow.
#[derive(Debug, Clone, Copy)]
struct ConvPlan {
    g: ConvGeometry,
    method: ConvMethod,
}

impl ConvPlan {
    /// The plan of a convolution of geometry `g`, its method chosen now.
    fn new(g: &ConvGeometry) -> Self {
        Self {
            g: *g,
            method: ConvMethod::choose(g),
        }
    }

    /// The output shape (O, B, Ho, Wo) with `o` filters.
    fn output_shape(&self, o: usize) -> Shape {
        let g = &self.g;
        Shape::from((o, g.batch, g.out_h, g.out_w))
    }

    /// The input shape (C, B, H, W).
    fn input_shape(&self) -> Shape {
        let g = &self.g;
        Shape::from((g.channels, g.batch, g.h, g.w))
    }

    /// The weight gradient, shaped like `w`, for input `x` and output gradient `gy`.
    fn weight_grad_of(&self, x: &Tensor, gy: &Tensor, w: &Tensor) -> Result<Tensor> {
        x.contiguous()?
            .apply_op2_no_bwd(&gy.contiguous()?, &WeightGrad(*self))?
            .reshape(w.shape())
    }
}

/// The convolution with bias and activation: x (C, B, H, W), weight (O, C, k, k), bias (O)
/// → (O, B, Ho, Wo).
#[derive(Debug, Clone, Copy)]
struct Conv {
    plan: ConvPlan,
    act: Activation,
}

/// The convolution alone (no bias, no activation, no backward pass): x, weight → y.
#[derive(Debug, Clone, Copy)]
struct LinearConv(ConvPlan);

/// The transposed convolution: gy (O, B, Ho, Wo), weight (O, C, k, k) → (C, B, H, W); as a
/// three-input op the third is a constant mask (C, B, H, W) that multiplies the result (the
/// slopes of the activation before the convolution, in a backward pass written out by hand).
#[derive(Debug, Clone, Copy)]
struct ConvTranspose(ConvPlan);

/// The weight gradient (no backward pass): x (C, B, H, W), gy (O, B, Ho, Wo) → (O, C·k·k).
#[derive(Debug, Clone, Copy)]
struct WeightGrad(ConvPlan);

fn out_channels(weight_len: usize, g: &ConvGeometry) -> usize {
    weight_len / g.rows().max(1)
}

impl Kernel for Conv {
    const NAME: &'static str = "conv2d";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        let (g, o) = (&self.plan.g, inputs[2].len());
        check_lengths(Self::NAME, inputs, &[g.input_len(), o * g.rows(), o])?;
        let (x, w, bias) = (inputs[0], inputs[1], Some(inputs[2]));
        Ok(forward(x, w, bias, &self.plan, self.act))
    }

    fn output_shape(&self, inputs: &[&Layout]) -> Shape {
        self.plan.output_shape(inputs[2].shape().elem_count())
    }

    fn method(&self) -> Option<&'static str> {
        Some(self.plan.method.name())
    }
}

impl Kernel for LinearConv {
    const NAME: &'static str = "conv2d-linear";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        let g = &self.0.g;
        let o = out_channels(inputs[1].len(), g);
        check_lengths(Self::NAME, inputs, &[g.input_len(), o * g.rows()])?;
        let identity = Activation::Identity;
        Ok(forward(inputs[0], inputs[1], None, &self.0, identity))
    }

    fn output_shape(&self, inputs: &[&Layout]) -> Shape {
        self.0.output_shape(inputs[1].dims()[0])
    }

    fn method(&self) -> Option<&'static str> {
        Some(self.0.method.name())
    }
}

impl Kernel for ConvTranspose {
    const NAME: &'static str = "conv-transpose2d";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        let g = &self.0.g;
        let o = out_channels(inputs[1].len(), g);
        let sizes = [o * g.cols(), o * g.rows(), g.input_len()];
        check_lengths(Self::NAME, inputs, &sizes[..inputs.len()])?;
        let mut dx = transpose(inputs[0], inputs[1], &self.0);
        if let Some(mask) = inputs.get(2) {
            dx.par_chunks_mut(ELEMENTWISE_TASK)
                .zip(mask.par_chunks(ELEMENTWISE_TASK))
                .for_each(|(d, m)| d.iter_mut().zip(m).for_each(|(d, &m)| *d = *d * m));
        }
        Ok(dx)
    }

    fn output_shape(&self, _inputs: &[&Layout]) -> Shape {
        self.0.input_shape()
    }

    fn method(&self) -> Option<&'static str> {
        Some(self.0.method.name())
    }
}

impl Kernel for WeightGrad {
    const NAME: &'static str = "conv2d-weight-grad";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        let g = &self.0.g;
        let o = inputs[1].len() / g.cols().max(1);
        check_lengths(Self::NAME, inputs, &[g.input_len(), o * g.cols()])?;
        Ok(weight_grad(inputs[0], inputs[1], &self.0))
    }

    fn output_shape(&self, inputs: &[&Layout]) -> Shape {
        Shape::from((inputs[1].dims()[0], self.0.g.rows()))
    }

    fn method(&self) -> Option<&'static str> {
        Some(self.0.method.name())
    }
}

impl Conv {
    /// The gradients in x, the weight and the bias that take part in the graph.
    fn backward(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let g_pre = activation_grad(res, grad, self.act)?.contiguous()?;
        let dx = match x.track_op() {
            true => Some(g_pre.apply_op2_no_bwd(&w.contiguous()?, &ConvTranspose(self.plan))?),
            false => None,
        };
        let dw = match w.track_op() {
            true => Some(self.plan.weight_grad_of(x, &g_pre, w)?),
            false => None,
        };
        let db = match b.track_op() {
            true => Some(g_pre.sum((1, 2, 3))?),
            false => None,
        };
        Ok((dx, dw, db))
    }
}

impl ConvTranspose {
    /// The gradients in gy and the weight from the gradient `grad` of the (unmasked) result.
    fn backward(
        &self,
        gy: &Tensor,
        w: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let grad = grad.contiguous()?;
        let d_gy = match gy.track_op() {
            true => Some(grad.apply_op2_no_bwd(&w.contiguous()?, &LinearConv(self.0))?),
            false => None,
        };
        // ⟨col2im(wᵀ gy), grad⟩ = ⟨w, gy × im2col(grad)ᵀ⟩: the convolution's weight gradient
        // with grad as the input and gy as the output gradient.
        let dw = match w.track_op() {
            true => Some(self.0.weight_grad_of(&grad, gy, w)?),
            false => None,
        };
        Ok((d_gy, dw))
    }

    /// The gradients in gy and the weight of the masked result (the mask is a constant).
    fn masked_backward(
        &self,
        gy: &Tensor,
        w: &Tensor,
        mask: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (d_gy, dw) = self.backward(gy, w, res, &(grad * mask)?)?;
        Ok((d_gy, dw, None))
    }
}

impl_custom_op!(Conv: CustomOp3, backward);
impl_custom_op!(LinearConv: CustomOp2);
impl_custom_op!(ConvTranspose: CustomOp2, backward);
impl_custom_op!(ConvTranspose: CustomOp3, masked_backward);
impl_custom_op!(WeightGrad: CustomOp2);

fn check_weight(weight: &Tensor, g: &ConvGeometry, op: &str) -> Result<usize> {
    match weight.dims() {
        &[o, c, kh, kw] if c == g.channels && kh == g.kernel && kw == g.kernel => Ok(o),
        d => candle_core::bail!(
            "{op}: weight must be (O, {}, {}, {}), got {d:?}",
            g.channels,
            g.kernel,
            g.kernel
        ),
    }
}

/// The convolution of channels-major `x` (C, B, H, W) with `weight` (O, C, k, k) (OIHW) and
/// `bias` (O), then `act`: (O, B, Ho, Wo). `geometry` gives the stride and zero padding.
pub fn conv2d(
    x: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
    geometry: &ConvGeometry,
    act: Activation,
) -> Result<Tensor> {
    let g = geometry;
    let o = check_weight(weight, g, "conv2d")?;
    if x.dims() != [g.channels, g.batch, g.h, g.w] || bias.dims() != [o] {
        candle_core::bail!(
            "conv2d: expected x {:?} and bias ({o}), got {:?} and {:?}",
            (g.channels, g.batch, g.h, g.w),
            x.dims(),
            bias.dims()
        )
    }
    if !x.device().is_cpu() {
        return portable::conv2d(x, weight, bias, g, act);
    }
    let plan = ConvPlan::new(g);
    x.contiguous()?.apply_op3(
        &weight.contiguous()?,
        &bias.contiguous()?,
        Conv { plan, act },
    )
}

/// The adjoint of a convolution in its input: the gradient with respect to x of
/// Σ conv(x)·`grad` for `grad` (O, B, Ho, Wo) and `weight` (O, C, k, k), giving (C, B, H, W),
/// times `mask` (C, B, H, W) where given (a constant, such as the slopes of the activation
/// that made x). Differentiable in `grad` and `weight`.
pub fn conv_transpose2d(
    grad: &Tensor,
    weight: &Tensor,
    mask: Option<&Tensor>,
    geometry: &ConvGeometry,
) -> Result<Tensor> {
    let g = geometry;
    let o = check_weight(weight, g, "conv-transpose2d")?;
    let input = [g.channels, g.batch, g.h, g.w];
    if grad.dims() != [o, g.batch, g.out_h, g.out_w] || mask.is_some_and(|m| m.dims() != input) {
        candle_core::bail!(
            "conv-transpose2d: expected {:?} and a mask {input:?}, got {:?} and {:?}",
            (o, g.batch, g.out_h, g.out_w),
            grad.dims(),
            mask.map(Tensor::dims)
        )
    }
    if !grad.device().is_cpu() {
        let dx = portable::conv_transpose2d(grad, weight, g)?;
        return match mask {
            Some(mask) => dx * mask.detach(),
            None => Ok(dx),
        };
    }
    let (grad, weight) = (grad.contiguous()?, weight.contiguous()?);
    let op = ConvTranspose(ConvPlan::new(g));
    match mask {
        Some(mask) => grad.apply_op3(&weight, &mask.detach().contiguous()?, op),
        None => grad.apply_op2(&weight, op),
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Var;

    use super::*;
    use crate::portable::testing::{random, GradCheck};

    /// A 4 × 4 'same' convolution of 3 channels and 5 samples (padding 1 before; the output
    /// size ⌈n / stride⌉ leaves the rest of the padding after).
    fn geometry(stride: usize, hw: (usize, usize)) -> ConvGeometry {
        batch_geometry(5, 3, stride, hw)
    }

    /// [`geometry`] for `batch` samples of `channels` channels.
    fn batch_geometry(
        batch: usize,
        channels: usize,
        stride: usize,
        hw: (usize, usize),
    ) -> ConvGeometry {
        ConvGeometry {
            channels,
            batch,
            h: hw.0,
            w: hw.1,
            kernel: 4,
            stride,
            pad_top: 1,
            pad_left: 1,
            out_h: hw.0.div_ceil(stride),
            out_w: hw.1.div_ceil(stride),
        }
    }

    /// The op and its gradients (x, weight, bias) agree with candle's conv2d.
    fn check_conv(g: ConvGeometry, act: Activation) {
        let x = Var::from_tensor(&random((g.channels, g.batch, g.h, g.w), 1)).unwrap();
        let w = Var::from_tensor(&random((4, g.channels, 4, 4), 2)).unwrap();
        let b = Var::from_tensor(&random(4, 3)).unwrap();
        let check = GradCheck::new(&[&x, &w, &b]);
        let ours = conv2d(&x, &w, &b, &g, act).unwrap();
        let expected = portable::conv2d(&x, &w, &b, &g, act).unwrap();
        check.assert_same(&ours, &expected, &format!("{g:?} {act:?}"));
    }

    #[test]
    fn conv_and_gradients_match_candle() {
        // The critic's stride-2 'same' convolution, stride 1 with asymmetric padding, and odd
        // sizes.
        for act in [
            Activation::Identity,
            Activation::LeakyRelu(0.2),
            Activation::Tanh,
        ] {
            check_conv(geometry(2, (8, 12)), act);
        }
        check_conv(geometry(1, (6, 7)), Activation::Relu);
        check_conv(geometry(2, (5, 7)), Activation::LeakyRelu(0.2));
        // Enough tiles for Winograd's algorithm.
        let g = batch_geometry(8, 16, 2, (16, 32));
        assert_eq!(ConvMethod::choose(&g), ConvMethod::Winograd);
        let small = ConvMethod::choose(&geometry(2, (8, 12)));
        assert_eq!(small, ConvMethod::Im2colGemm);
        check_conv(g, Activation::LeakyRelu(0.2));
    }

    #[test]
    fn conv_transpose_and_both_gradients_match_candle() {
        for g in [
            geometry(2, (8, 12)),
            geometry(1, (6, 7)),
            batch_geometry(8, 16, 2, (16, 32)),
        ] {
            let gy = Var::from_tensor(&random((4, g.batch, g.out_h, g.out_w), 4)).unwrap();
            let w = Var::from_tensor(&random((4, g.channels, 4, 4), 5)).unwrap();
            let check = GradCheck::new(&[&gy, &w]);
            let ours = conv_transpose2d(&gy, &w, None, &g).unwrap();
            let expected = portable::conv_transpose2d(&gy, &w, &g).unwrap();
            check.assert_same(&ours, &expected, &format!("{g:?}"));
            // Second order: a penalty on the squared result, as the gradient penalty does.
            let sq = |t: &Tensor| t.sqr().unwrap().sum_all().unwrap();
            check.assert_same(&sq(&ours), &sq(&expected), "squared");
            // Masked: the same as multiplying afterwards, to second order.
            let mask = random((g.channels, g.batch, g.h, g.w), 6);
            let ours = conv_transpose2d(&gy, &w, Some(&mask), &g).unwrap();
            let expected = (expected * &mask).unwrap();
            check.assert_same(&sq(&ours), &sq(&expected), "masked, squared");
        }
    }

    #[test]
    fn data_and_frozen_inputs_get_no_gradient() {
        let g = geometry(2, (8, 8));
        let x = random((g.channels, g.batch, 8, 8), 6);
        let w = Var::from_tensor(&random((2, g.channels, 4, 4), 7)).unwrap();
        let b = random(2, 8);
        let grads = conv2d(&x, &w, &b, &g, Activation::Identity)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        assert!(grads.get(&x).is_none());
        assert!(grads.get(&b).is_none());
        assert!(grads.get(w.as_tensor()).is_some());
    }

    #[test]
    fn rejects_mismatched_shapes() {
        let g = geometry(2, (8, 8));
        let x = random((g.channels, g.batch, 8, 8), 9);
        let w = random((2, g.channels + 1, 4, 4), 10);
        let err = conv2d(&x, &w, &random(2, 11), &g, Activation::Identity).unwrap_err();
        assert!(err.to_string().contains("weight must be"), "{err}");
        let w = random((2, g.channels, 4, 4), 12);
        let err = conv2d(&x, &w, &random(3, 13), &g, Activation::Identity).unwrap_err();
        assert!(err.to_string().contains("conv2d: expected"), "{err}");
    }
}
