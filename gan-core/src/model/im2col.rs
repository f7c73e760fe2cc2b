//! im2col and its adjoint col2im, the data movement under the convolutions of
//! [`conv_op`](super::conv_op).
//!
//! Activations are channels-major, (C, B, H, W). `im2col` lays out the receptive fields of a
//! convolution as a (C·k·k, B·Ho·Wo) matrix, so the convolution is one matrix product
//! (out, C·k·k) × (C·k·k, B·Ho·Wo) whose result is already channels-major. `col2im` is its
//! adjoint (it sums each column entry back into the input cell it came from). Both are also
//! candle ops whose backward pass is the other op. The loops run in parallel over the matrix
//! rows (im2col) or the channels (col2im) on rayon's global pool.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// The geometry of one convolution: input size, kernel, stride, zero padding and output size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Input channels.
    pub channels: usize,
    /// Batch size.
    pub batch: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Square kernel size.
    pub kernel: usize,
    /// Stride on both axes.
    pub stride: usize,
    /// Zero rows added above the input.
    pub pad_top: usize,
    /// Zero columns added left of the input.
    pub pad_left: usize,
    /// Output height.
    pub out_h: usize,
    /// Output width.
    pub out_w: usize,
}

impl ConvGeometry {
    /// Rows of the column matrix: C·k·k.
    pub fn rows(&self) -> usize {
        self.channels * self.kernel * self.kernel
    }

    /// Columns of the column matrix: B·Ho·Wo.
    pub fn cols(&self) -> usize {
        self.batch * self.out_h * self.out_w
    }

    /// The output columns `ox` whose input column `ox·s + kx − pad_left` lies inside the input,
    /// as a range, with that input column for the range's start.
    fn valid_ox(&self, kx: usize) -> (usize, usize) {
        let s = self.stride;
        // ox·s + kx ≥ pad_left  and  ox·s + kx − pad_left < w.
        let lo = self.pad_left.saturating_sub(kx).div_ceil(s);
        let hi = (self.w + self.pad_left)
            .saturating_sub(kx)
            .div_ceil(s)
            .min(self.out_w);
        (lo, hi.max(lo))
    }

    /// The input row read by output row `oy` at kernel row `ky`, if inside the input.
    fn input_row(&self, oy: usize, ky: usize) -> Option<usize> {
        (oy * self.stride + ky)
            .checked_sub(self.pad_top)
            .filter(|&iy| iy < self.h)
    }
}

/// The element types the ops support.
pub(crate) trait Elem: Copy + Default + Send + Sync + std::ops::AddAssign + 'static {
    /// The multiplicative identity.
    const ONE: Self;
}
impl Elem for f32 {
    const ONE: Self = 1.0;
}
impl Elem for f64 {
    const ONE: Self = 1.0;
}

pub(crate) fn im2col_slice<T: Elem>(x: &[T], g: &ConvGeometry) -> Vec<T> {
    let n = g.cols();
    let k = g.kernel;
    let mut out = vec![T::default(); g.rows() * n];
    out.par_chunks_mut(n).enumerate().for_each(|(row, dst)| {
        let (c, ky, kx) = (row / (k * k), (row / k) % k, row % k);
        let (lo, hi) = g.valid_ox(kx);
        for b in 0..g.batch {
            for oy in 0..g.out_h {
                let Some(iy) = g.input_row(oy, ky) else {
                    continue;
                };
                let src = &x[((c * g.batch + b) * g.h + iy) * g.w..][..g.w];
                let dst = &mut dst[(b * g.out_h + oy) * g.out_w..][..g.out_w];
                let ix0 = lo * g.stride + kx - g.pad_left;
                if g.stride == 1 {
                    dst[lo..hi].copy_from_slice(&src[ix0..ix0 + (hi - lo)]);
                } else {
                    for (d, ox) in dst[lo..hi].iter_mut().zip(0..) {
                        *d = src[ix0 + ox * g.stride];
                    }
                }
            }
        }
    });
    out
}

pub(crate) fn col2im_slice<T: Elem>(cols: &[T], g: &ConvGeometry) -> Vec<T> {
    let n = g.cols();
    let k = g.kernel;
    let plane = g.batch * g.h * g.w;
    let mut out = vec![T::default(); g.channels * plane];
    out.par_chunks_mut(plane).enumerate().for_each(|(c, dst)| {
        for ky in 0..k {
            for kx in 0..k {
                let row = &cols[((c * k + ky) * k + kx) * n..][..n];
                let (lo, hi) = g.valid_ox(kx);
                for b in 0..g.batch {
                    for oy in 0..g.out_h {
                        let Some(iy) = g.input_row(oy, ky) else {
                            continue;
                        };
                        let dst = &mut dst[(b * g.h + iy) * g.w..][..g.w];
                        let src = &row[(b * g.out_h + oy) * g.out_w..][..g.out_w];
                        let ix0 = lo * g.stride + kx - g.pad_left;
                        for (ox, &v) in src[lo..hi].iter().enumerate() {
                            dst[ix0 + ox * g.stride] += v;
                        }
                    }
                }
            }
        }
    });
    out
}

pub(crate) fn contiguous<'a, T>(
    data: &'a [T],
    layout: &Layout,
    len: usize,
    op: &str,
) -> Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((start, end)) if end - start == len => Ok(&data[start..end]),
        Some(_) => candle_core::bail!("{op}: input has {:?} elements", layout.shape()),
        None => candle_core::bail!("{op}: input must be contiguous"),
    }
}

/// The im2col op: (C, B, H, W) → (C·k·k, B·Ho·Wo).
#[derive(Debug, Clone, Copy)]
struct Im2Col(ConvGeometry);

/// The col2im op: (C·k·k, B·Ho·Wo) → (C, B, H, W), summing overlapping entries.
#[derive(Debug, Clone, Copy)]
struct Col2Im(ConvGeometry);

impl CustomOp1 for Im2Col {
    fn name(&self) -> &'static str {
        "im2col"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let g = &self.0;
        let len = g.channels * g.batch * g.h * g.w;
        let out = match storage {
            CpuStorage::F32(v) => {
                CpuStorage::F32(im2col_slice(contiguous(v, layout, len, "im2col")?, g))
            }
            CpuStorage::F64(v) => {
                CpuStorage::F64(im2col_slice(contiguous(v, layout, len, "im2col")?, g))
            }
            other => candle_core::bail!("im2col: unsupported dtype {:?}", other.dtype()),
        };
        Ok((out, Shape::from((g.rows(), g.cols()))))
    }

    fn bwd(&self, _arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(col2im(grad_res, &self.0)?))
    }
}

impl CustomOp1 for Col2Im {
    fn name(&self) -> &'static str {
        "col2im"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let g = &self.0;
        let len = g.rows() * g.cols();
        let out = match storage {
            CpuStorage::F32(v) => {
                CpuStorage::F32(col2im_slice(contiguous(v, layout, len, "col2im")?, g))
            }
            CpuStorage::F64(v) => {
                CpuStorage::F64(col2im_slice(contiguous(v, layout, len, "col2im")?, g))
            }
            other => candle_core::bail!("col2im: unsupported dtype {:?}", other.dtype()),
        };
        Ok((out, Shape::from((g.channels, g.batch, g.h, g.w))))
    }

    fn bwd(&self, _arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(im2col(grad_res, &self.0)?))
    }
}

/// The receptive fields of `x` (C, B, H, W) as a (C·k·k, B·Ho·Wo) matrix: row (c, ky, kx),
/// column (b, oy, ox) holds x[c, b, oy·s + ky − pad_top, ox·s + kx − pad_left] (0 outside).
pub fn im2col(x: &Tensor, geometry: &ConvGeometry) -> Result<Tensor> {
    let g = geometry;
    if x.dims() != [g.channels, g.batch, g.h, g.w] {
        candle_core::bail!(
            "im2col: expected {:?}, got {:?}",
            (g.channels, g.batch, g.h, g.w),
            x.dims()
        )
    }
    x.contiguous()?.apply_op1(Im2Col(*g))
}

/// The adjoint of [`im2col`]: sums each entry of `cols` (C·k·k, B·Ho·Wo) into the input cell it
/// was read from, giving (C, B, H, W).
pub fn col2im(cols: &Tensor, geometry: &ConvGeometry) -> Result<Tensor> {
    let g = geometry;
    if cols.dims() != [g.rows(), g.cols()] {
        candle_core::bail!(
            "col2im: expected {:?}, got {:?}",
            (g.rows(), g.cols()),
            cols.dims()
        )
    }
    cols.contiguous()?.apply_op1(Col2Im(*g))
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;

    fn geometry(
        stride: usize,
        h: usize,
        w: usize,
        pad: (usize, usize),
        out: (usize, usize),
    ) -> ConvGeometry {
        ConvGeometry {
            channels: 2,
            batch: 3,
            h,
            w,
            kernel: 4,
            stride,
            pad_top: pad.0,
            pad_left: pad.1,
            out_h: out.0,
            out_w: out.1,
        }
    }

    #[test]
    fn im2col_reads_the_receptive_field() {
        // One channel, one sample, 3 × 3 input 0..8, k4 stride 2 padding 1: output 2 × 2.
        let g = ConvGeometry {
            channels: 1,
            batch: 1,
            h: 3,
            w: 3,
            kernel: 4,
            stride: 2,
            pad_top: 1,
            pad_left: 1,
            out_h: 2,
            out_w: 2,
        };
        let x = Tensor::arange(1f64, 10.0, &Device::Cpu)
            .unwrap()
            .reshape((1, 1, 3, 3))
            .unwrap();
        let cols: Vec<Vec<f64>> = im2col(&x, &g).unwrap().to_vec2().unwrap();
        // Row (ky 1, kx 1) reads x[2·oy][2·ox]: 1, 3, 7, 9.
        assert_eq!(cols[5], vec![1.0, 3.0, 7.0, 9.0]);
        // Row (ky 0, kx 0) reads x[2·oy − 1][2·ox − 1]: padding except (1, 1) → x[1][1] = 5.
        assert_eq!(cols[0], vec![0.0, 0.0, 0.0, 5.0]);
        // Row (ky 3, kx 2) reads x[2·oy + 2][2·ox + 1]: only (0, 0) → x[2][1] = 8.
        assert_eq!(cols[14], vec![8.0, 0.0, 0.0, 0.0]);
    }

    /// ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩, and each op's backward is the other.
    fn check_adjoint(g: ConvGeometry) {
        let dev = Device::Cpu;
        let x = Var::from_tensor(
            &Tensor::randn(0f64, 1.0, (g.channels, g.batch, g.h, g.w), &dev).unwrap(),
        )
        .unwrap();
        let y = Tensor::randn(0f64, 1.0, (g.rows(), g.cols()), &dev).unwrap();
        let cols = im2col(x.as_tensor(), &g).unwrap();
        let lhs: f64 = (&cols * &y)
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar()
            .unwrap();
        let back = col2im(&y, &g).unwrap();
        let rhs: f64 = (x.as_tensor() * &back)
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar()
            .unwrap();
        assert!(
            (lhs - rhs).abs() < 1e-10 * lhs.abs().max(1.0),
            "{lhs} vs {rhs}"
        );
        let grads = (&cols * &y).unwrap().sum_all().unwrap().backward().unwrap();
        let gx = grads.get(x.as_tensor()).unwrap();
        let diff: f64 = (gx - &back)
            .unwrap()
            .abs()
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar()
            .unwrap();
        assert_eq!(diff, 0.0);
    }

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        check_adjoint(geometry(2, 8, 12, (1, 1), (4, 6)));
        check_adjoint(geometry(1, 5, 7, (1, 1), (5, 7)));
        check_adjoint(geometry(2, 5, 7, (1, 1), (3, 4)));
        check_adjoint(geometry(1, 4, 6, (0, 0), (1, 3)));
    }
}
