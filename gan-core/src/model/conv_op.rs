//! Convolution and transposed convolution on channels-major activations as candle custom ops.
//!
//! `conv` is weight (O, C·k·k) × [`im2col`] of x, `conv_transpose` is its
//! adjoint in x: [`col2im`](super::im2col::col2im) of weightᵀ × g. Each op's backward pass is
//! written with the other op and matrix products, without storing the column matrix between
//! the passes (it is rebuilt in the backward pass) and without computing the gradient of an
//! input that does not depend on any variable. The critic's input gradient is a
//! `conv_transpose` chain, so a gradient penalty on it differentiates through these ops.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};

use super::im2col::{col2im_slice, contiguous, im2col, im2col_slice, ConvGeometry, Elem};

/// dst (m, n) = lhs (m, k) × rhs (k, n), all row-major with the given row strides; `lhs_t`
/// reads lhs from a row-major (k, m) buffer instead (its transpose).
fn matmul<T: Elem>(m: usize, n: usize, k: usize, lhs: &[T], lhs_t: bool, rhs: &[T]) -> Vec<T> {
    assert!(
        lhs.len() >= m * k && rhs.len() >= k * n,
        "matmul operands too short"
    );
    let mut dst = vec![T::default(); m * n];
    let (lhs_cs, lhs_rs) = if lhs_t {
        (m as isize, 1)
    } else {
        (1, k as isize)
    };
    let threads = rayon::current_num_threads();
    let parallelism = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the buffers hold at least m·k, k·n and m·n elements (checked above), and the
    // strides describe row-major matrices of those shapes inside them.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            false,
            lhs.as_ptr(),
            lhs_cs,
            lhs_rs,
            rhs.as_ptr(),
            1,
            n as isize,
            T::default(),
            T::ONE,
            false,
            false,
            false,
            parallelism,
        );
    }
    dst
}

fn conv_fwd<T: Elem>(x: &[T], w: &[T], out_channels: usize, g: &ConvGeometry) -> Vec<T> {
    let cols = im2col_slice(x, g);
    matmul(out_channels, g.cols(), g.rows(), w, false, &cols)
}

fn conv_transpose_fwd<T: Elem>(gy: &[T], w: &[T], out_channels: usize, g: &ConvGeometry) -> Vec<T> {
    let cols = matmul(g.rows(), g.cols(), out_channels, w, true, gy);
    col2im_slice(&cols, g)
}

/// The convolution: x (C, B, H, W) and weight (O, C·k·k) → (O, B, Ho, Wo).
#[derive(Debug, Clone, Copy)]
struct Conv(ConvGeometry);

/// The transposed convolution: g (O, B, Ho, Wo) and weight (O, C·k·k) → (C, B, H, W).
#[derive(Debug, Clone, Copy)]
struct ConvTranspose(ConvGeometry);

fn weight_rows(layout: &Layout, g: &ConvGeometry) -> Result<usize> {
    match layout.dims() {
        &[o, k] if k == g.rows() => Ok(o),
        d => candle_core::bail!("conv weight must be (O, {}), got {d:?}", g.rows()),
    }
}

impl CustomOp2 for Conv {
    fn name(&self) -> &'static str {
        "conv-channels-major"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let g = &self.0;
        let o = weight_rows(l2, g)?;
        let (xn, wn) = (g.channels * g.batch * g.h * g.w, o * g.rows());
        let out = match (s1, s2) {
            (CpuStorage::F32(x), CpuStorage::F32(w)) => CpuStorage::F32(conv_fwd(
                contiguous(x, l1, xn, "conv")?,
                contiguous(w, l2, wn, "conv")?,
                o,
                g,
            )),
            (CpuStorage::F64(x), CpuStorage::F64(w)) => CpuStorage::F64(conv_fwd(
                contiguous(x, l1, xn, "conv")?,
                contiguous(w, l2, wn, "conv")?,
                o,
                g,
            )),
            (a, b) => {
                candle_core::bail!("conv: unsupported dtypes {:?}, {:?}", a.dtype(), b.dtype())
            }
        };
        Ok((out, Shape::from((o, g.batch, g.out_h, g.out_w))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let g = &self.0;
        let o = w.dim(0)?;
        let grad = grad.detach().contiguous()?;
        let grad_x = match x.track_op() {
            true => Some(grad.apply_op2_no_bwd(&w.detach(), &ConvTranspose(*g))?),
            false => None,
        };
        let cols = im2col(&x.detach(), g)?;
        let grad_w = grad.reshape((o, g.cols()))?.matmul(&cols.t()?)?;
        Ok((grad_x, Some(grad_w)))
    }
}

impl CustomOp2 for ConvTranspose {
    fn name(&self) -> &'static str {
        "conv-transpose-channels-major"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let g = &self.0;
        let o = weight_rows(l2, g)?;
        let (gn, wn) = (o * g.cols(), o * g.rows());
        let name = "conv-transpose";
        let out = match (s1, s2) {
            (CpuStorage::F32(x), CpuStorage::F32(w)) => CpuStorage::F32(conv_transpose_fwd(
                contiguous(x, l1, gn, name)?,
                contiguous(w, l2, wn, name)?,
                o,
                g,
            )),
            (CpuStorage::F64(x), CpuStorage::F64(w)) => CpuStorage::F64(conv_transpose_fwd(
                contiguous(x, l1, gn, name)?,
                contiguous(w, l2, wn, name)?,
                o,
                g,
            )),
            (a, b) => candle_core::bail!(
                "{name}: unsupported dtypes {:?}, {:?}",
                a.dtype(),
                b.dtype()
            ),
        };
        Ok((out, Shape::from((g.channels, g.batch, g.h, g.w))))
    }

    fn bwd(
        &self,
        gy: &Tensor,
        w: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let g = &self.0;
        let o = w.dim(0)?;
        let grad = grad.detach().contiguous()?;
        let grad_gy = match gy.track_op() {
            true => Some(grad.apply_op2_no_bwd(&w.detach(), &Conv(*g))?),
            false => None,
        };
        let cols = im2col(&grad, g)?;
        let gy = gy.detach().contiguous()?;
        let grad_w = gy.reshape((o, g.cols()))?.matmul(&cols.t()?)?;
        Ok((grad_gy, Some(grad_w)))
    }
}

/// The convolution of channels-major `x` (C, B, H, W) with `weight` (O, C·k·k), rows (c, ky, kx)
/// as an OIHW kernel reshaped: (O, B, Ho, Wo), without bias.
pub fn conv(x: &Tensor, weight: &Tensor, geometry: &ConvGeometry) -> Result<Tensor> {
    let g = geometry;
    if x.dims() != [g.channels, g.batch, g.h, g.w] {
        candle_core::bail!(
            "conv: expected {:?}, got {:?}",
            (g.channels, g.batch, g.h, g.w),
            x.dims()
        )
    }
    x.contiguous()?.apply_op2(&weight.contiguous()?, Conv(*g))
}

/// The adjoint of [`conv`] in its input: the gradient with respect to x of Σ conv(x)·`grad`,
/// for `grad` (O, B, Ho, Wo); (C, B, H, W).
pub fn conv_transpose(grad: &Tensor, weight: &Tensor, geometry: &ConvGeometry) -> Result<Tensor> {
    let g = geometry;
    let o = weight.dim(0)?;
    if grad.dims() != [o, g.batch, g.out_h, g.out_w] {
        candle_core::bail!(
            "conv-transpose: expected {:?}, got {:?}",
            (o, g.batch, g.out_h, g.out_w),
            grad.dims()
        )
    }
    grad.contiguous()?
        .apply_op2(&weight.contiguous()?, ConvTranspose(*g))
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;

    fn max_abs(t: &Tensor) -> f64 {
        t.abs()
            .unwrap()
            .flatten_all()
            .unwrap()
            .max(0)
            .unwrap()
            .to_scalar()
            .unwrap()
    }

    /// Both ops and their gradients agree with candle's conv2d / conv_transpose2d autograd.
    #[test]
    fn ops_and_gradients_match_candle() {
        let dev = Device::Cpu;
        // C = 2, B = 3, 6 × 8, k4 stride 2 padding 1: 3 × 4 outputs, O = 5.
        let g = ConvGeometry {
            channels: 2,
            batch: 3,
            h: 6,
            w: 8,
            kernel: 4,
            stride: 2,
            pad_top: 1,
            pad_left: 1,
            out_h: 3,
            out_w: 4,
        };
        let x = Var::from_tensor(&Tensor::randn(0f64, 1.0, (2, 3, 6, 8), &dev).unwrap()).unwrap();
        let w = Var::from_tensor(&Tensor::randn(0f64, 1.0, (5, 2, 4, 4), &dev).unwrap()).unwrap();
        let probe = Tensor::randn(0f64, 1.0, (5, 3, 3, 4), &dev).unwrap();
        let w_mat = w.as_tensor().reshape((5, 32)).unwrap();
        let ours = conv(x.as_tensor(), &w_mat, &g).unwrap();
        let nchw = |t: &Tensor| t.transpose(0, 1).unwrap();
        let reference = nchw(x.as_tensor())
            .conv2d(w.as_tensor(), 1, 2, 1, 1)
            .unwrap();
        assert!(max_abs(&(nchw(&ours) - &reference).unwrap()) < 1e-12);
        let gr_ours = (ours * &probe)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let gr_ref = (reference * nchw(&probe))
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        for v in [&x, &w] {
            let (a, b) = (
                gr_ours.get(v.as_tensor()).unwrap(),
                gr_ref.get(v.as_tensor()).unwrap(),
            );
            assert!(max_abs(&(a - b).unwrap()) < 1e-12);
        }

        let gy = Var::from_tensor(&probe).unwrap();
        let back = conv_transpose(gy.as_tensor(), &w_mat, &g).unwrap();
        let reference = nchw(gy.as_tensor())
            .conv_transpose2d(w.as_tensor(), 1, 0, 2, 1)
            .unwrap();
        assert!(max_abs(&(nchw(&back) - &reference).unwrap()) < 1e-12);
        let probe_x = Tensor::randn(0f64, 1.0, (2, 3, 6, 8), &dev).unwrap();
        let gr_ours = (back * &probe_x)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let gr_ref = (reference * nchw(&probe_x))
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        for v in [&gy, &w] {
            let (a, b) = (
                gr_ours.get(v.as_tensor()).unwrap(),
                gr_ref.get(v.as_tensor()).unwrap(),
            );
            assert!(max_abs(&(a - b).unwrap()) < 1e-12);
        }
    }

    #[test]
    fn data_inputs_get_no_gradient() {
        let dev = Device::Cpu;
        let g = ConvGeometry {
            channels: 1,
            batch: 1,
            h: 4,
            w: 4,
            kernel: 4,
            stride: 1,
            pad_top: 1,
            pad_left: 1,
            out_h: 4,
            out_w: 4,
        };
        let x = Tensor::randn(0f64, 1.0, (1, 1, 4, 4), &dev).unwrap();
        let w = Var::from_tensor(&Tensor::randn(0f64, 1.0, (2, 16), &dev).unwrap()).unwrap();
        let grads = conv(&x, w.as_tensor(), &g)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        assert!(grads.get(&x).is_none());
        assert!(grads.get(w.as_tensor()).is_some());
    }
}
