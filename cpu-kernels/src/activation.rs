//! The activations fused into the ops, and their derivatives read off the activation's output.

use candle_core::{Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::custom_op::{check_lengths, impl_custom_op, Kernel};
use super::elem::{Elem, ELEMENTWISE_TASK};
use super::kinds::Activation;
use super::portable;

/// `dst[i] = f(src[i])`: one loop per activation, with its constants converted before it, so
/// that the compiler vectorises it.
#[inline(always)]
fn map_into<T: Copy>(dst: &mut [T], src: &[T], f: impl Fn(T) -> T) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = f(s);
    }
}

/// `x` where positive, else 0.
#[inline(always)]
fn relu<T: Elem>(x: T) -> T {
    if x > T::ZERO {
        x
    } else {
        T::ZERO
    }
}

/// `x` where positive, else `k · x`.
#[inline(always)]
fn leaky<T: Elem>(x: T, k: T) -> T {
    if x > T::ZERO {
        x
    } else {
        k * x
    }
}

impl Activation {
    /// The activation's negative slope (0 for ReLU), in `T`.
    fn negative_slope<T: Elem>(self) -> T {
        match self {
            Self::LeakyRelu(slope) => T::from_f64(slope),
            _ => T::ZERO,
        }
    }

    /// `dst = act(scale · src + shift)`, elementwise.
    pub(crate) fn apply_affine<T: Elem>(self, dst: &mut [T], src: &[T], scale: T, shift: T) {
        let k = self.negative_slope::<T>();
        match self {
            Self::Identity => map_into(dst, src, |x| scale * x + shift),
            Self::Relu => map_into(dst, src, |x| relu(scale * x + shift)),
            Self::LeakyRelu(_) => map_into(dst, src, |x| leaky(scale * x + shift, k)),
            Self::Tanh => map_into(dst, src, |x| (scale * x + shift).tanh()),
        }
    }

    /// `dst = grad · act′` at the inputs whose activations are `y`, elementwise.
    fn grad_into<T: Elem>(self, dst: &mut [T], y: &[T], grad: &[T]) {
        let k = self.negative_slope::<T>();
        let cells = dst.iter_mut().zip(y).zip(grad);
        match self {
            Self::Identity => dst.copy_from_slice(grad),
            Self::Relu | Self::LeakyRelu(_) => cells.for_each(|((d, &y), &g)| {
                *d = if y > T::ZERO { g } else { g * k };
            }),
            Self::Tanh => cells.for_each(|((d, &y), &g)| *d = g * (T::ONE - y * y)),
        }
    }

    /// `dst = act′` at the inputs whose activations are `y`, elementwise.
    fn slopes_into<T: Elem>(self, dst: &mut [T], y: &[T]) {
        let k = self.negative_slope::<T>();
        match self {
            Self::Identity => dst.fill(T::ONE),
            Self::Relu | Self::LeakyRelu(_) => {
                map_into(dst, y, |y| if y > T::ZERO { T::ONE } else { k })
            }
            Self::Tanh => map_into(dst, y, |y| T::ONE - y * y),
        }
    }

    /// Whether this is the identity (nothing to apply, derivative 1).
    pub(crate) fn is_identity(self) -> bool {
        self == Self::Identity
    }
}

/// grad ⊙ act′, from the activation's output y and the gradient with respect to it.
#[derive(Debug, Clone, Copy)]
struct ActGrad(Activation);

impl Kernel for ActGrad {
    const NAME: &'static str = "activation-grad";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        let (y, grad) = (inputs[0], inputs[1]);
        check_lengths(Self::NAME, inputs, &[y.len(), y.len()])?;
        let act = self.0;
        let mut out = vec![T::ZERO; y.len()];
        out.par_chunks_mut(ELEMENTWISE_TASK)
            .zip(y.par_chunks(ELEMENTWISE_TASK))
            .zip(grad.par_chunks(ELEMENTWISE_TASK))
            .for_each(|((o, y), g)| act.grad_into(o, y, g));
        Ok(out)
    }

    fn output_shape(&self, inputs: &[&Layout]) -> Shape {
        inputs[0].shape().clone()
    }
}

/// act′ at every element, from the activation's output.
#[derive(Debug, Clone, Copy)]
struct ActSlopes(Activation);

impl Kernel for ActSlopes {
    const NAME: &'static str = "activation-slopes";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        let act = self.0;
        let mut out = vec![T::ZERO; inputs[0].len()];
        out.par_chunks_mut(ELEMENTWISE_TASK)
            .zip(inputs[0].par_chunks(ELEMENTWISE_TASK))
            .for_each(|(o, y)| act.slopes_into(o, y));
        Ok(out)
    }

    fn output_shape(&self, inputs: &[&Layout]) -> Shape {
        inputs[0].shape().clone()
    }
}

impl_custom_op!(ActGrad: CustomOp2);
impl_custom_op!(ActSlopes: CustomOp1);

/// The gradient with respect to an activation's input, from its output `y` and the gradient
/// `grad` with respect to `y` (no gradient of its own).
pub(crate) fn activation_grad(y: &Tensor, grad: &Tensor, act: Activation) -> Result<Tensor> {
    if act.is_identity() {
        return Ok(grad.clone());
    }
    y.contiguous()?
        .apply_op2_no_bwd(&grad.contiguous()?, &ActGrad(act))
}

/// The derivative of `act` at each input, read off its output `y`, as constants (no
/// gradient): where a backward pass is written out by hand, `grad * slopes` crosses the
/// activation.
pub fn activation_slopes(y: &Tensor, act: Activation) -> Result<Tensor> {
    let y = y.detach();
    if !y.device().is_cpu() {
        return portable::activation_slopes(&y, act);
    }
    y.contiguous()?.apply_op1_no_bwd(&ActSlopes(act))
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;

    #[test]
    fn slopes_match_the_portable_ops_at_and_around_zero() {
        let x = Tensor::new(&[-2.0f64, -0.5, 0.0, 0.5, 3.0], &Device::Cpu).unwrap();
        for act in [
            Activation::Identity,
            Activation::Relu,
            Activation::LeakyRelu(0.2),
            Activation::Tanh,
        ] {
            let y = portable::activate(&x, act).unwrap();
            let ours: Vec<f64> = activation_slopes(&y, act).unwrap().to_vec1().unwrap();
            let expected: Vec<f64> = portable::activation_slopes(&y, act)
                .unwrap()
                .to_vec1()
                .unwrap();
            assert_eq!(ours, expected, "{act:?}");
        }
        let y = portable::activate(&x, Activation::LeakyRelu(0.2)).unwrap();
        let s: Vec<f64> = activation_slopes(&y, Activation::LeakyRelu(0.2))
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(s, vec![0.2, 0.2, 0.2, 1.0, 1.0]);
        let g = Tensor::new(&[1.0f64, 2.0, 3.0, 4.0, 5.0], &Device::Cpu).unwrap();
        let back: Vec<f64> = activation_grad(&y, &g, Activation::LeakyRelu(0.2))
            .unwrap()
            .to_vec1()
            .unwrap();
        for (b, e) in back.iter().zip([0.2, 0.4, 0.6, 4.0, 5.0]) {
            assert!((b - e).abs() < 1e-15, "{back:?}");
        }
    }
}
