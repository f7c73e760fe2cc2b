//! Nearest 2× upsampling followed by a 4 × 4 'same' convolution (Keras `UpSampling2D(2)` then
//! `Conv2D(k, 4, padding='same')`), computed as four phase convolutions of the input.
//!
//! On one axis, output 2m reads upsampled cells 2m−1 … 2m+2 (the padding is 1 before, 2
//! after), that is input cells m−1, m, m, m+1: three taps at offsets −1, 0, +1 with weights
//! k0, k1 + k2, k3. Output 2m+1 reads m, m, m+1, m+1: two taps at offsets 0, +1 with weights
//! k0 + k1, k2 + k3. In two dimensions the four output phases (row parity, column parity) are
//! convolutions of the input with 3 × 3, 3 × 2, 2 × 3 and 2 × 2 kernels: 25 taps where the
//! upsampled convolution has 4 × 16, and the upsampled input is never stored.
//!
//! By [`UpsampleMethod::Im2colGemm`], all four phases read one tap-major 3 × 3 column matrix of
//! the input, each through a few blocks of its rows ([`row_winograd`] and [`shift_add`] are
//! the other methods). The phase kernels are a linear function of the 4 × 4 kernel
//! ([`UpsampleKernel`]), so gradients reach the 4 × 4 kernel through that map's adjoint.

use std::ops::Range;

use candle_core::{Layout, Result, Shape, Tensor};
use rayon::prelude::*;

mod method;
pub(crate) mod row_winograd;
pub(crate) mod shift_add;

pub use method::UpsampleMethod;

use super::activation::activation_grad;
use super::custom_op::{check_lengths, impl_custom_op, Kernel};
use super::elem::{with_scratch, Elem};
use super::gemm::{matmul_into, View};
use super::im2col::{batch_chunks, col2im_add, im2col_into, ConvGeometry, RowOrder};
use super::kinds::Activation;
use super::parts::{assemble, map_parts, output_parts, sum, SUM_PARTS};
use super::portable;

/// For output phase r on one axis (0: even cells, 1: odd cells), the tap of the 3-tap
/// kernel (0, 1, 2 for offsets −1, 0, +1) that each of the 4 × 4 kernel's taps adds to.
const TAP_OF: [[usize; 4]; 2] = [[0, 1, 1, 2], [1, 1, 2, 2]];

/// The first tap phase r uses: phase 0 uses taps 0..3, phase 1 taps 1..3.
const FIRST_TAP: [usize; 2] = [0, 1];

/// The taps of all four phase kernels together, per input channel (9 + 6 + 6 + 4).
const TOTAL_TAPS: usize = 25;

/// One output phase: row parity `ry`, column parity `rx`.
#[derive(Debug, Clone, Copy)]
struct Phase {
    ry: usize,
    rx: usize,
}

impl Phase {
    /// The four phases, in the order their kernels are stacked.
    const ALL: [Phase; 4] = [
        Phase { ry: 0, rx: 0 },
        Phase { ry: 0, rx: 1 },
        Phase { ry: 1, rx: 0 },
        Phase { ry: 1, rx: 1 },
    ];

    fn taps_y(self) -> usize {
        3 - FIRST_TAP[self.ry]
    }

    fn taps_x(self) -> usize {
        3 - FIRST_TAP[self.rx]
    }

    /// Columns of this phase's kernel: (taps_y, taps_x, C) in that order.
    fn len(self, c: usize) -> usize {
        self.taps_y() * self.taps_x() * c
    }

    /// Where this phase's kernel starts in a row of the stacked (O, 25·C) kernel matrix.
    fn offset(self, c: usize) -> usize {
        Self::ALL
            .iter()
            .take_while(|p| (p.ry, p.rx) != (self.ry, self.rx))
            .map(|p| p.len(c))
            .sum()
    }

    /// The kernel column of tap (ky, kx) of the 4 × 4 kernel, channel 0, within this phase.
    fn column(self, ky: usize, kx: usize, c: usize) -> usize {
        let a = TAP_OF[self.ry][ky] - FIRST_TAP[self.ry];
        let b = TAP_OF[self.rx][kx] - FIRST_TAP[self.rx];
        (a * self.taps_x() + b) * c
    }

    /// The blocks of rows of the tap-major 3 × 3 column matrix (rows (a, b, c)) this phase
    /// reads, as (first row, rows, first kernel column).
    fn blocks(self, c: usize) -> Vec<(usize, usize, usize)> {
        let a0 = FIRST_TAP[self.ry];
        if self.taps_x() == 3 {
            // Whole rows of taps: one contiguous block.
            return vec![(a0 * 3 * c, self.taps_y() * 3 * c, 0)];
        }
        (a0..3)
            .map(|a| ((a * 3 + 1) * c, 2 * c, (a - a0) * 2 * c))
            .collect()
    }
}

/// The stacked phase kernels (O, 25·C) of a 4 × 4 kernel w (O, C, 4, 4). Each output
/// channel's kernel is first transposed to tap-major (16, C), so that every tap adds into its
/// phase tap as one contiguous run of C values.
fn phase_kernels<T: Elem>(w: &[T], c: usize) -> Vec<T> {
    let row = TOTAL_TAPS * c;
    let o = w.len() / (16 * c).max(1);
    let mut p = vec![T::ZERO; o * row];
    p.par_chunks_mut(row).enumerate().for_each_init(
        || vec![T::ZERO; 16 * c],
        |taps, (oi, prow)| {
            for (ch, w) in w[oi * 16 * c..][..16 * c].chunks(16).enumerate() {
                for (t, &v) in w.iter().enumerate() {
                    taps[t * c + ch] = v;
                }
            }
            for phase in Phase::ALL {
                for (t, src) in taps.chunks(c).enumerate() {
                    let start = phase.offset(c) + phase.column(t / 4, t % 4, c);
                    for (d, &v) in prow[start..start + c].iter_mut().zip(src) {
                        *d += v;
                    }
                }
            }
        },
    );
    p
}

/// The adjoint of [`phase_kernels`]: the 4 × 4 kernel gradient (O, C, 4, 4) from the phase
/// kernels' gradient (O, 25·C).
fn phase_kernels_adjoint<T: Elem>(dp: &[T], c: usize) -> Vec<T> {
    let row = TOTAL_TAPS * c;
    let o = dp.len() / row.max(1);
    let mut dw = vec![T::ZERO; o * 16 * c];
    dw.par_chunks_mut(16 * c).enumerate().for_each_init(
        || vec![T::ZERO; 16 * c],
        |taps, (oi, dwo)| {
            let prow = &dp[oi * row..][..row];
            taps.fill(T::ZERO);
            for phase in Phase::ALL {
                for (t, dst) in taps.chunks_mut(c).enumerate() {
                    let start = phase.offset(c) + phase.column(t / 4, t % 4, c);
                    for (d, &v) in dst.iter_mut().zip(&prow[start..start + c]) {
                        *d += v;
                    }
                }
            }
            for (ch, dw) in dwo.chunks_mut(16).enumerate() {
                for (t, d) in dw.iter_mut().enumerate() {
                    *d = taps[t * c + ch];
                }
            }
        },
    );
    dw
}

/// The 3 × 3, stride 1, padding 1 geometry whose column matrix all phases read.
pub(crate) fn phase_geometry(c: usize, b: usize, h: usize, w: usize) -> ConvGeometry {
    ConvGeometry {
        channels: c,
        batch: b,
        h,
        w,
        kernel: 3,
        stride: 1,
        pad_top: 1,
        pad_left: 1,
        out_h: h,
        out_w: w,
    }
}

/// The rows of the scratch matrices one sample needs: the column matrix (9·C) and the four
/// phases' outputs (4·O).
fn chunk_rows(g: &ConvGeometry, o: usize) -> usize {
    9 * g.channels + 4 * o
}

/// Calls `f(cell, phase, column)` for every output cell of samples `samples` in one channel:
/// `cell` indexes that channel's (samples held, 2H, 2W) plane, where sample b is at b −
/// `first_held`; `phase` indexes the four phases and `column` the (sample in chunk, m, x)
/// columns of a phase's output matrix.
fn for_each_cell(
    g: &ConvGeometry,
    samples: Range<usize>,
    first_held: usize,
    mut f: impl FnMut(usize, usize, usize),
) {
    let (h, w) = (g.h, g.w);
    for (pi, phase) in Phase::ALL.iter().enumerate() {
        for (i, b) in samples.clone().enumerate() {
            for m in 0..h {
                let cell = ((b - first_held) * 2 * h + 2 * m + phase.ry) * 2 * w + phase.rx;
                let column = (i * h + m) * w;
                for x in 0..w {
                    f(cell + 2 * x, pi, column + x);
                }
            }
        }
    }
}

/// The four phases' outputs (4·O, n) of samples `samples` into `out`, through the column
/// matrix.
fn phase_outputs<T: Elem>(
    x: &[T],
    p: &[T],
    g: &ConvGeometry,
    samples: Range<usize>,
    out: &mut [T],
) {
    let c = g.channels;
    let o = p.len() / (TOTAL_TAPS * c).max(1);
    let n = samples.len() * g.in_plane();
    let kernels = View::new(p, o, TOTAL_TAPS * c);
    with_scratch(9 * c * n, |cols| {
        im2col_into(x, g, RowOrder::TapMajor, samples, cols);
        let cols = View::new(&*cols, 9 * c, n);
        for (pi, phase) in Phase::ALL.iter().enumerate() {
            let dst = &mut out[pi * o * n..][..o * n];
            for (bi, &(row, len, col)) in phase.blocks(c).iter().enumerate() {
                let lhs = kernels.columns(phase.offset(c) + col, len);
                matmul_into(dst, n, lhs, cols.rows(row, len), bi > 0);
            }
        }
    });
}

/// The kernel in the form the products read: the stacked phase kernels (O, 25·C), or for
/// [`UpsampleMethod::ShiftAdd`] the tap-major kernel (25·O, C) of [`shift_add`].
enum Kernels<'a, T> {
    Stacked(&'a [T]),
    TapMajor(Vec<T>),
}

impl<'a, T: Elem> Kernels<'a, T> {
    /// The kernel `method` reads (row Winograd transforms the stacked one itself).
    fn new(p: &'a [T], o: usize, c: usize, method: UpsampleMethod) -> Self {
        match method {
            UpsampleMethod::ShiftAdd => Self::TapMajor(shift_add::tap_major(p, o, c)),
            UpsampleMethod::Im2colGemm | UpsampleMethod::RowWinograd => Self::Stacked(p),
        }
    }

    /// The rows of the scratch matrices one input cell needs.
    fn chunk_rows(&self, g: &ConvGeometry, o: usize) -> usize {
        match self {
            Self::Stacked(_) => chunk_rows(g, o),
            Self::TapMajor(_) => shift_add::chunk_rows(o),
        }
    }
}

/// The upsample-convolution of the samples `part` without bias, (O, part.len(), 2H, 2W), chunk
/// by chunk.
fn forward_part<T: Elem>(
    x: &[T],
    kernels: &Kernels<T>,
    o: usize,
    g: &ConvGeometry,
    part: Range<usize>,
) -> Vec<T> {
    let plane = 4 * g.in_plane() * part.len();
    let mut y = vec![T::ZERO; o * plane];
    for samples in batch_chunks(g, kernels.chunk_rows(g, o), part.clone()) {
        let n = samples.len() * g.in_plane();
        with_scratch(4 * o * n, |out| {
            match kernels {
                Kernels::Stacked(p) => phase_outputs(x, p, g, samples.clone(), out),
                Kernels::TapMajor(wt) => with_scratch(TOTAL_TAPS * o * n, |z| {
                    shift_add::phase_outputs(x, wt, g, samples.clone(), z, out)
                }),
            }
            for (oi, yo) in y.chunks_mut(plane).enumerate() {
                for_each_cell(g, samples.clone(), part.start, |cell, pi, j| {
                    yo[cell] = out[(pi * o + oi) * n + j];
                });
            }
        });
    }
    y
}

/// y (O, B, 2H, 2W) = act(upsample-conv(x) + bias), the batch's parts in parallel.
fn forward<T: Elem>(x: &[T], p: &[T], bias: &[T], plan: &UpsamplePlan, act: Activation) -> Vec<T> {
    let (g, o) = (&plan.g, bias.len());
    let parts = match plan.method {
        UpsampleMethod::RowWinograd => row_winograd::forward(x, p, o, g, output_parts()),
        method => {
            let kernels = Kernels::new(p, o, g.channels, method);
            map_parts(g.batch, output_parts(), |part| {
                forward_part(x, &kernels, o, g, part)
            })
        }
    };
    assemble(&parts, o, 4 * g.in_plane(), Some(bias), act)
}

/// Gathers the phases of samples `samples` of gy (O, B, 2H, 2W) into `gp` (4, O, n).
fn gather_phases<T: Elem>(
    gy: &[T],
    g: &ConvGeometry,
    o: usize,
    samples: Range<usize>,
    gp: &mut [T],
) {
    let plane = g.batch * 4 * g.in_plane();
    let n = samples.len() * g.in_plane();
    for (oi, go) in gy.chunks(plane).take(o).enumerate() {
        for_each_cell(g, samples.clone(), 0, |cell, pi, j| {
            gp[(pi * o + oi) * n + j] = go[cell];
        });
    }
}

/// The adjoint of the upsample-convolution in x for the samples `part`, (C, part.len(), H, W),
/// for gy (O, B, 2H, 2W).
fn transpose_part<T: Elem>(gy: &[T], p: &[T], g: &ConvGeometry, part: Range<usize>) -> Vec<T> {
    let c = g.channels;
    let o = p.len() / (TOTAL_TAPS * c).max(1);
    let mut dx = vec![T::ZERO; c * part.len() * g.in_plane()];
    let kernels = View::new(p, o, TOTAL_TAPS * c);
    for samples in batch_chunks(g, chunk_rows(g, o), part.clone()) {
        let n = samples.len() * g.in_plane();
        with_scratch(4 * o * n, |gp| {
            gather_phases(gy, g, o, samples.clone(), gp);
            with_scratch(9 * c * n, |dcols| {
                // Phase (0, 0) reads every row: it writes them all, the others add.
                for (pi, phase) in Phase::ALL.iter().enumerate() {
                    let rhs = View::new(&gp[pi * o * n..], o, n);
                    for &(row, len, col) in &phase.blocks(c) {
                        let lhs = kernels.columns(phase.offset(c) + col, len).t();
                        matmul_into(&mut dcols[row * n..], n, lhs, rhs, pi > 0);
                    }
                }
                col2im_add(dcols, g, RowOrder::TapMajor, samples, part.clone(), &mut dx);
            });
        });
    }
    dx
}

/// dx (C, B, H, W): the adjoint in x, the batch's parts in parallel.
fn transpose<T: Elem>(gy: &[T], p: &[T], plan: &UpsamplePlan) -> Vec<T> {
    let g = &plan.g;
    let o = p.len() / (TOTAL_TAPS * g.channels).max(1);
    let parts = match plan.method {
        UpsampleMethod::RowWinograd => row_winograd::transpose(gy, p, g, output_parts()),
        UpsampleMethod::ShiftAdd => {
            let wt = shift_add::tap_major(p, o, g.channels);
            map_parts(g.batch, output_parts(), |part| {
                shift_add::transpose_part(&wt, g, part, |samples, gp| {
                    gather_phases(gy, g, o, samples, gp)
                })
            })
        }
        UpsampleMethod::Im2colGemm => map_parts(g.batch, output_parts(), |part| {
            transpose_part(gy, p, g, part)
        }),
    };
    assemble(&parts, g.channels, g.in_plane(), None, Activation::Identity)
}

/// The gradient of the stacked phase kernels (O, 25·C) from the samples `part`.
fn kernel_grad_part<T: Elem>(
    x: &[T],
    gy: &[T],
    g: &ConvGeometry,
    o: usize,
    part: Range<usize>,
) -> Vec<T> {
    let c = g.channels;
    let row_len = TOTAL_TAPS * c;
    let mut dp = vec![T::ZERO; o * row_len];
    for (ci, samples) in batch_chunks(g, chunk_rows(g, o), part).enumerate() {
        let n = samples.len() * g.in_plane();
        with_scratch(4 * o * n, |gp| {
            gather_phases(gy, g, o, samples.clone(), gp);
            with_scratch(9 * c * n, |cols| {
                im2col_into(x, g, RowOrder::TapMajor, samples, cols);
                let cols = View::new(&*cols, 9 * c, n);
                for (pi, phase) in Phase::ALL.iter().enumerate() {
                    let lhs = View::new(&gp[pi * o * n..], o, n);
                    for &(row, len, col) in &phase.blocks(c) {
                        let dst = &mut dp[phase.offset(c) + col..];
                        matmul_into(dst, row_len, lhs, cols.rows(row, len).t(), ci > 0);
                    }
                }
            });
        });
    }
    dp
}

/// The gradient of the stacked phase kernels: the parts' sums added in order.
fn kernel_grad<T: Elem>(x: &[T], gy: &[T], plan: &UpsamplePlan, o: usize) -> Vec<T> {
    let g = &plan.g;
    match plan.method {
        UpsampleMethod::RowWinograd => row_winograd::kernel_grad(x, gy, g, o),
        UpsampleMethod::ShiftAdd => {
            shift_add::kernel_grad(x, g, o, |samples, gp| gather_phases(gy, g, o, samples, gp))
        }
        UpsampleMethod::Im2colGemm => sum(map_parts(g.batch, SUM_PARTS, |part| {
            kernel_grad_part(x, gy, g, o, part)
        })),
    }
}

/// An upsample-convolution's phase geometry and the method chosen for it, which its ops,
/// forward and backward, all follow.
#[derive(Debug, Clone, Copy)]
struct UpsamplePlan {
    g: ConvGeometry,
    method: UpsampleMethod,
}

/// weight (O, C, 4, 4) → stacked phase kernels (O, 25·C).
#[derive(Debug, Clone, Copy)]
struct PhaseKernels {
    channels: usize,
}

/// The adjoint of [`PhaseKernels`] (no backward pass): (O, 25·C) → (O, C, 4, 4).
#[derive(Debug, Clone, Copy)]
struct PhaseKernelsAdjoint {
    channels: usize,
}

/// The upsample-convolution: x (C, B, H, W), phase kernels (O, 25·C), bias (O) → act(…),
/// (O, B, 2H, 2W).
#[derive(Debug, Clone, Copy)]
struct UpConv {
    plan: UpsamplePlan,
    act: Activation,
}

/// Its adjoint in x (no backward pass): gy (O, B, 2H, 2W), phase kernels → (C, B, H, W).
#[derive(Debug, Clone, Copy)]
struct UpConvTranspose(UpsamplePlan);

/// Its phase kernels' gradient (no backward pass): x, gy → (O, 25·C).
#[derive(Debug, Clone, Copy)]
struct UpConvKernelGrad(UpsamplePlan);

impl Kernel for PhaseKernels {
    const NAME: &'static str = "phase-kernels";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        Ok(phase_kernels(inputs[0], self.channels))
    }

    fn output_shape(&self, inputs: &[&Layout]) -> Shape {
        Shape::from((inputs[0].dims()[0], TOTAL_TAPS * self.channels))
    }
}

impl Kernel for PhaseKernelsAdjoint {
    const NAME: &'static str = "phase-kernels-adjoint";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        Ok(phase_kernels_adjoint(inputs[0], self.channels))
    }

    fn output_shape(&self, inputs: &[&Layout]) -> Shape {
        Shape::from((inputs[0].dims()[0], self.channels, 4, 4))
    }
}

impl Kernel for UpConv {
    const NAME: &'static str = "upsample-conv2d";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        let (g, o) = (&self.plan.g, inputs[2].len());
        let sizes = [g.input_len(), o * TOTAL_TAPS * g.channels, o];
        check_lengths(Self::NAME, inputs, &sizes)?;
        Ok(forward(
            inputs[0], inputs[1], inputs[2], &self.plan, self.act,
        ))
    }

    fn output_shape(&self, inputs: &[&Layout]) -> Shape {
        let (g, o) = (&self.plan.g, inputs[2].shape().elem_count());
        Shape::from((o, g.batch, 2 * g.h, 2 * g.w))
    }

    fn method(&self) -> Option<&'static str> {
        Some(self.plan.method.name())
    }
}

impl Kernel for UpConvTranspose {
    const NAME: &'static str = "upsample-conv2d-transpose";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        let g = &self.0.g;
        let o = inputs[1].len() / (TOTAL_TAPS * g.channels).max(1);
        let sizes = [o * g.batch * 4 * g.in_plane(), o * TOTAL_TAPS * g.channels];
        check_lengths(Self::NAME, inputs, &sizes)?;
        Ok(transpose(inputs[0], inputs[1], &self.0))
    }

    fn output_shape(&self, _inputs: &[&Layout]) -> Shape {
        let g = &self.0.g;
        Shape::from((g.channels, g.batch, g.h, g.w))
    }

    fn method(&self) -> Option<&'static str> {
        Some(self.0.method.name())
    }
}

impl Kernel for UpConvKernelGrad {
    const NAME: &'static str = "upsample-conv2d-kernel-grad";

    fn run<T: Elem>(&self, inputs: &[&[T]]) -> Result<Vec<T>> {
        let g = &self.0.g;
        let gy_len = g.batch * 4 * g.in_plane();
        let o = inputs[1].len() / gy_len.max(1);
        check_lengths(Self::NAME, inputs, &[g.input_len(), o * gy_len])?;
        Ok(kernel_grad(inputs[0], inputs[1], &self.0, o))
    }

    fn output_shape(&self, inputs: &[&Layout]) -> Shape {
        Shape::from((inputs[1].dims()[0], TOTAL_TAPS * self.0.g.channels))
    }

    fn method(&self) -> Option<&'static str> {
        Some(self.0.method.name())
    }
}

impl PhaseKernels {
    /// The 4 × 4 kernel's gradient: the adjoint map applied to the phase kernels' gradient.
    fn backward(&self, _w: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        let adjoint = PhaseKernelsAdjoint {
            channels: self.channels,
        };
        Ok(Some(grad.contiguous()?.apply_op1_no_bwd(&adjoint)?))
    }
}

impl UpConv {
    /// The gradients in x, the phase kernels and the bias that take part in the graph.
    fn backward(
        &self,
        x: &Tensor,
        p: &Tensor,
        b: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let g_pre = activation_grad(res, grad, self.act)?.contiguous()?;
        let dx = match x.track_op() {
            true => Some(g_pre.apply_op2_no_bwd(&p.contiguous()?, &UpConvTranspose(self.plan))?),
            false => None,
        };
        let dp = match p.track_op() {
            true => Some(
                x.contiguous()?
                    .apply_op2_no_bwd(&g_pre, &UpConvKernelGrad(self.plan))?,
            ),
            false => None,
        };
        let db = match b.track_op() {
            true => Some(g_pre.sum((1, 2, 3))?),
            false => None,
        };
        Ok((dx, dp, db))
    }
}

impl_custom_op!(PhaseKernels: CustomOp1, backward);
impl_custom_op!(PhaseKernelsAdjoint: CustomOp1);
impl_custom_op!(UpConv: CustomOp3, backward);
impl_custom_op!(UpConvTranspose: CustomOp2);
impl_custom_op!(UpConvKernelGrad: CustomOp2);

/// The kernel of an upsample-convolution in the form its op reads: on the CPU the four phase
/// kernels stacked as (O, 25·C), elsewhere the 4 × 4 kernel (O, C, 4, 4) itself.
///
/// Building it from the weight is differentiable. Inference can build it once and reuse it
/// while the weight stays unchanged.
#[derive(Debug, Clone)]
pub struct UpsampleKernel {
    kernel: Tensor,
    out_channels: usize,
    in_channels: usize,
    phases: bool,
}

impl UpsampleKernel {
    /// The kernel for the 4 × 4 `weight` (O, C, 4, 4) of the convolution after the upsampling.
    pub fn new(weight: &Tensor) -> Result<Self> {
        let (o, c, kh, kw) = weight.dims4()?;
        if (kh, kw) != (4, 4) {
            candle_core::bail!("upsample-conv2d: the kernel must be 4 × 4, got {kh} × {kw}")
        }
        let phases = weight.device().is_cpu();
        let kernel = match phases {
            true => weight
                .contiguous()?
                .apply_op1(PhaseKernels { channels: c })?,
            false => weight.clone(),
        };
        Ok(Self {
            kernel,
            out_channels: o,
            in_channels: c,
            phases,
        })
    }

    /// Output channels.
    pub fn out_channels(&self) -> usize {
        self.out_channels
    }

    /// Input channels.
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }
}

/// Nearest 2× upsampling of channels-major `x` (C, B, H, W), then the 4 × 4 'same' convolution
/// of `kernel`, `bias` (O) and `act`: (O, B, 2H, 2W).
pub fn upsample_conv2d(
    x: &Tensor,
    kernel: &UpsampleKernel,
    bias: &Tensor,
    act: Activation,
) -> Result<Tensor> {
    let (c, b, h, w) = x.dims4()?;
    if c != kernel.in_channels || bias.dims() != [kernel.out_channels] {
        candle_core::bail!(
            "upsample-conv2d: kernel ({}, {c}, 4, 4) and bias ({}) expected for x {:?}, \
             got a kernel for {} input channels and bias {:?}",
            kernel.out_channels,
            kernel.out_channels,
            x.dims(),
            kernel.in_channels,
            bias.dims()
        )
    }
    if !kernel.phases || !x.device().is_cpu() {
        return portable::upsample_conv2d(x, &kernel.kernel, bias, act);
    }
    let plan = UpsamplePlan {
        g: phase_geometry(c, b, h, w),
        method: UpsampleMethod::choose(kernel.out_channels, [c, b, h, w]),
    };
    x.contiguous()?
        .apply_op3(&kernel.kernel, &bias.contiguous()?, UpConv { plan, act })
}

#[cfg(test)]
mod tests {
    use candle_core::Var;

    use super::*;
    use crate::portable::testing::{random, GradCheck};

    fn check(o: usize, c: usize, b: usize, h: usize, w: usize, act: Activation) {
        let x = Var::from_tensor(&random((c, b, h, w), 1)).unwrap();
        let weight = Var::from_tensor(&random((o, c, 4, 4), 2)).unwrap();
        let bias = Var::from_tensor(&random(o, 3)).unwrap();
        let check = GradCheck::new(&[&x, &weight, &bias]);
        let kernel = UpsampleKernel::new(&weight).unwrap();
        let ours = upsample_conv2d(&x, &kernel, &bias, act).unwrap();
        assert_eq!(ours.dims(), &[o, b, 2 * h, 2 * w]);
        let expected = portable::upsample_conv2d(&x, &weight, &bias, act).unwrap();
        check.assert_same(&ours, &expected, &format!("{o}×{c}×{b}×{h}×{w} {act:?}"));
    }

    #[test]
    fn phase_convolutions_equal_the_upsampled_convolution() {
        assert_eq!(
            UpsampleMethod::choose(3, [4, 2, 2, 8]),
            UpsampleMethod::Im2colGemm
        );
        check(3, 2, 3, 3, 5, Activation::Identity);
        check(3, 4, 2, 2, 8, Activation::Relu);
        check(3, 1, 1, 1, 1, Activation::Tanh);
        check(3, 3, 2, 4, 1, Activation::LeakyRelu(0.2));
    }

    #[test]
    fn row_winograd_equals_the_upsampled_convolution() {
        let up = UpsampleMethod::choose;
        assert_eq!(up(16, [16, 16, 2, 16]), UpsampleMethod::RowWinograd);
        assert_eq!(up(16, [16, 16, 2, 15]), UpsampleMethod::Im2colGemm);
        check(16, 16, 16, 2, 16, Activation::LeakyRelu(0.2));
        check(17, 20, 32, 1, 18, Activation::Identity);
        check(16, 16, 9, 3, 20, Activation::Relu);
    }

    #[test]
    fn shift_add_equals_the_upsampled_convolution() {
        assert_eq!(
            UpsampleMethod::choose(2, [23, 3, 3, 5]),
            UpsampleMethod::ShiftAdd
        );
        check(2, 23, 3, 3, 5, Activation::Tanh);
        check(1, 12, 2, 1, 1, Activation::Identity);
        check(2, 23, 2, 4, 1, Activation::LeakyRelu(0.2));
    }

    #[test]
    fn phases_take_25_taps_per_channel_and_rows_cover_the_column_matrix() {
        let c = 7;
        let total: usize = Phase::ALL.iter().map(|p| p.len(c)).sum();
        assert_eq!(total, TOTAL_TAPS * c);
        // Phase (0, 0) reads the whole 3 × 3 column matrix as one block.
        assert_eq!(Phase::ALL[0].blocks(c), vec![(0, 9 * c, 0)]);
        for p in Phase::ALL {
            let rows: usize = p.blocks(c).iter().map(|b| b.1).sum();
            assert_eq!(rows, p.len(c));
        }
        // A 4 × 4 kernel of ones: phase (0, 0) has taps 1, 2, 1 per axis, so its 3 × 3 kernel
        // is the outer product [1, 2, 1] ⊗ [1, 2, 1]; phase (1, 1) has 2, 2 per axis.
        let p = phase_kernels(&[1.0f64; 16], 1);
        assert_eq!(&p[..9], &[1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0]);
        assert_eq!(&p[21..], &[4.0, 4.0, 4.0, 4.0]);
    }
}
