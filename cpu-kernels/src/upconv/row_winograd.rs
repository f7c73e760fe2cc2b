//! Row Winograd: the upsample-convolution with Winograd's minimal filtering along the rows.
//!
//! Each pair of input cells in a row gives its four outputs (even, odd, even, odd) from 7
//! products, F(2, 3) for the even outputs' 3-tap kernel and F(2, 2) for the odd outputs' 2
//! taps, where the phase kernels take 10. The columns keep their 3 or 2 taps, so an input cell
//! costs 17.5 multiply-adds per input and output channel instead of 25, and its transformed
//! values (3.5 per row tap) take about as much room as the column matrix's 3 per row tap.
//!
//! Along a row, tile t holds input cells 2t and 2t + 1 and reads the window
//! d = x[2t − 1 ..= 2t + 2]. With e the even outputs' taps (offsets −1, 0, +1) and f the odd
//! outputs' (0, +1), the 7 values of a window, of a kernel row and of the products are
//!
//! ```text
//! input   d ↦ (d0 − d2, d1 + d2, d2 − d1, d1 − d3 | d1 − d2, d2, d3 − d2)
//! kernel  (e, f) ↦ (e0, (e0 + e1 + e2)/2, (e0 − e1 + e2)/2, e2 | f0, f0 + f1, f1)
//! output  m ↦ (m0 + m1 + m2, m4 + m5, m1 − m2 − m3, m5 + m6)
//! ```
//!
//! For output row parity ry and product position ξ the sum over the row taps a and channels c
//! is one matrix product U(ry, ξ) (O, taps·C) × V(ξ, a, c) (taps·C, tiles). Layouts: V holds
//! rows (ξ, a, c), a the row offsets −1, 0, +1 (row parity 1 reads the last two); U holds
//! each output channel's 14 blocks (ry, ξ) side by side, (O, 35·C); the products M are 14
//! blocks (O, tiles); tiles are numbered (b, m, t).
//! The transposed convolution and the kernel gradient run the adjoints of the same steps.

use std::array::from_fn;
use std::ops::Range;

use rayon::prelude::*;

use super::super::elem::{with_scratch, Elem};
use super::super::gemm::{matmul_into, View};
use super::super::im2col::{batch_chunks, ConvGeometry};
use super::super::parts::{map_parts, sum, SUM_PARTS};
use super::super::winograd::vectorized;
use super::{Phase, TOTAL_TAPS};

/// Transformed values per tile along a row: 4 for F(2, 3), 3 for F(2, 2).
const XI: usize = 7;

/// Below this many input or output channels the phase convolutions are used: the transforms
/// would cost about as much as the multiply-adds saved.
const MIN_CHANNELS: usize = 16;

/// Below this input width the phase convolutions are used: with 4 tiles or fewer per row
/// (the generator's 1024 → 256 layer on 2 × 8 cells) the measured gain was none.
const MIN_WIDTH: usize = 16;

/// Below this many tiles in the batch the phase convolutions are used: the transformed kernel
/// (1.4 times the phase kernels) is built for each call, too often for a few samples.
const MIN_TILES: usize = 256;

/// Whether the upsample-convolution of `g` (the phase geometry) into `o` channels suits this
/// method ([`UpsampleMethod::choose`]'s first rule): an even input width, wide enough, enough
/// channels and tiles.
///
/// [`UpsampleMethod::choose`]: crate::UpsampleMethod::choose
pub(crate) fn suits(g: &ConvGeometry, o: usize) -> bool {
    g.w % 2 == 0
        && g.w >= MIN_WIDTH
        && g.channels >= MIN_CHANNELS
        && o >= MIN_CHANNELS
        && g.batch * g.h * tiles_per_row(g) >= MIN_TILES
}

/// Row taps of output row parity ry (3 for even rows, 2 for odd ones), and the first.
fn row_taps(ry: usize) -> Range<usize> {
    [0..3, 1..3][ry].clone()
}

/// Bᵀ: a window (x[2t − 1], …, x[2t + 2]) to its 7 values.
#[inline(always)]
fn input_axis<T: Elem>([d0, d1, d2, d3]: [T; 4]) -> [T; XI] {
    [d0 - d2, d1 + d2, d2 - d1, d1 - d3, d1 - d2, d2, d3 - d2]
}

/// The adjoint of [`input_axis`].
#[inline(always)]
fn input_axis_adjoint<T: Elem>([e0, e1, e2, e3, e4, e5, e6]: [T; XI]) -> [T; 4] {
    [e0, e1 - e2 + e3 + e4, e1 + e2 + e5 - e0 - e4 - e6, e6 - e3]
}

/// G: a row's even taps e and odd taps f to their 7 values.
#[inline(always)]
fn kernel_axis<T: Elem>([e0, e1, e2]: [T; 3], [f0, f1]: [T; 2]) -> [T; XI] {
    let half = T::from_f64(0.5);
    [
        e0,
        (e0 + e1 + e2) * half,
        (e0 - e1 + e2) * half,
        e2,
        f0,
        f0 + f1,
        f1,
    ]
}

/// The adjoint of [`kernel_axis`].
#[inline(always)]
fn kernel_axis_adjoint<T: Elem>([u0, u1, u2, u3, u4, u5, u6]: [T; XI]) -> ([T; 3], [T; 2]) {
    let half = T::from_f64(0.5);
    let (sum, diff) = ((u1 + u2) * half, (u1 - u2) * half);
    ([u0 + sum, diff, u3 + sum], [u4 + u5, u5 + u6])
}

/// Aᵀ: 7 products to the tile's outputs (even, odd, even, odd).
#[inline(always)]
fn output_axis<T: Elem>([m0, m1, m2, m3, m4, m5, m6]: [T; XI]) -> [T; 4] {
    [m0 + m1 + m2, m4 + m5, m1 - m2 - m3, m5 + m6]
}

/// The adjoint of [`output_axis`].
#[inline(always)]
fn output_axis_adjoint<T: Elem>([y0, y1, y2, y3]: [T; 4]) -> [T; XI] {
    [y0, y0 + y2, y0 - y2, T::ZERO - y2, y1, y1 + y3, y3]
}

/// The transformed kernel U (O, 35·C): each output channel's row holds the 14 blocks (ry, ξ)
/// of taps·C values side by side, so U(ry, ξ) is an (O, taps·C) matrix with rows 35·C apart.
struct Kernel<T> {
    u: Vec<T>,
    o: usize,
    c: usize,
}

impl<T: Elem> Kernel<T> {
    /// Values per output channel: 7 per tap of the 5 row taps (3 + 2), per input channel.
    fn row_len(c: usize) -> usize {
        5 * XI * c
    }

    /// Where block (ry, ξ) starts in a row.
    fn offset(c: usize, ry: usize, xi: usize) -> usize {
        (ry * 3 * XI + xi * row_taps(ry).len()) * c
    }

    /// Block (ry, ξ) as an (O, taps·C) matrix.
    fn block(&self, ry: usize, xi: usize) -> View<'_, T> {
        let (c, cols) = (self.c, row_taps(ry).len() * self.c);
        let at = Self::offset(c, ry, xi);
        View::strided(&self.u[at..], self.o, cols, Self::row_len(c))
    }

    /// From the stacked phase kernels p (O, 25·C), its output channels in parallel: row a of
    /// phase (ry, 0) gives e, of phase (ry, 1) gives f.
    fn new(p: &[T], o: usize, c: usize) -> Self {
        let mut u = vec![T::ZERO; o * Self::row_len(c)];
        u.par_chunks_exact_mut(Self::row_len(c))
            .zip(p.par_chunks_exact(TOTAL_TAPS * c))
            .for_each(|(urow, prow)| {
                for ry in 0..2 {
                    let (even, odd) = (Phase::ALL[2 * ry], Phase::ALL[2 * ry + 1]);
                    for al in 0..row_taps(ry).len() {
                        for ch in 0..c {
                            let tap = |ph: Phase, b: usize| {
                                prow[ph.offset(c) + (al * ph.taps_x() + b) * c + ch]
                            };
                            let v =
                                kernel_axis(from_fn(|b| tap(even, b)), from_fn(|b| tap(odd, b)));
                            for (xi, v) in v.into_iter().enumerate() {
                                urow[Self::offset(c, ry, xi) + al * c + ch] = v;
                            }
                        }
                    }
                }
            });
        Self { u, o, c }
    }

    /// The adjoint of [`Kernel::new`]: the stacked phase kernels' gradient (O, 25·C) from a
    /// gradient `du` laid out like U.
    fn phase_gradient(du: &[T], o: usize, c: usize) -> Vec<T> {
        let mut dp = vec![T::ZERO; o * TOTAL_TAPS * c];
        dp.par_chunks_exact_mut(TOTAL_TAPS * c)
            .zip(du.par_chunks_exact(Self::row_len(c)))
            .for_each(|(prow, urow)| {
                for ry in 0..2 {
                    let (even, odd) = (Phase::ALL[2 * ry], Phase::ALL[2 * ry + 1]);
                    for al in 0..row_taps(ry).len() {
                        for ch in 0..c {
                            let u: [T; XI] =
                                from_fn(|xi| urow[Self::offset(c, ry, xi) + al * c + ch]);
                            let (e, f) = kernel_axis_adjoint(u);
                            for (b, v) in e.into_iter().enumerate() {
                                prow[even.offset(c) + (al * 3 + b) * c + ch] = v;
                            }
                            for (b, v) in f.into_iter().enumerate() {
                                prow[odd.offset(c) + (al * 2 + b) * c + ch] = v;
                            }
                        }
                    }
                }
            });
        dp
    }
}

/// Tiles per row, W / 2.
fn tiles_per_row(g: &ConvGeometry) -> usize {
    g.w / 2
}

/// The rows of the scratch matrices one input cell needs (V: 10.5·C, M: 7·O).
fn chunk_rows(g: &ConvGeometry, o: usize) -> usize {
    (3 * XI * g.channels + 2 * XI * o).div_ceil(2)
}

/// V (21·C, tiles) of the samples `samples` of x (C, B, H, W).
#[inline(always)]
fn input_transform<T: Elem>(x: &[T], g: &ConvGeometry, samples: Range<usize>, v: &mut [T]) {
    let (c, h, w, tw) = (g.channels, g.h, g.w, tiles_per_row(g));
    let tn = samples.len() * h * tw;
    // Padded row p[j] = x[j − 1], split into its even and odd cells.
    let mut even = vec![T::ZERO; tw + 1];
    let mut odd = vec![T::ZERO; tw + 1];
    for ch in 0..c {
        for (i, b) in samples.clone().enumerate() {
            for m in 0..h {
                let col = (i * h + m) * tw;
                for a in 0..3 {
                    // V's rows (ξ, a, c) for the 7 values ξ, each from this row's tiles.
                    let [v0, v1, v2, v3, v4, v5, v6] = {
                        let mut rows = v[(a * c + ch) * tn..]
                            .chunks_mut(tn)
                            .step_by(3 * c)
                            .map(|row| &mut row[col..col + tw]);
                        from_fn(|_| rows.next().unwrap_or_default())
                    };
                    let Some(r) = (m + a).checked_sub(1).filter(|&r| r < h) else {
                        for run in [v0, v1, v2, v3, v4, v5, v6] {
                            run.fill(T::ZERO);
                        }
                        continue;
                    };
                    let src = &x[((ch * g.batch + b) * h + r) * w..][..w];
                    // The padded row p[j] = x[j − 1] split: p[2k] = x[2k − 1], p[2k + 1] = x[2k].
                    even[0] = T::ZERO;
                    for (k, pair) in src.chunks_exact(2).enumerate() {
                        odd[k] = pair[0];
                        even[k + 1] = pair[1];
                    }
                    odd[tw] = T::ZERO;
                    // The window of tile t is (p[2t], p[2t + 1], p[2t + 2], p[2t + 3]).
                    let (d0, d1, d2, d3) = (&even[..tw], &odd[..tw], &even[1..], &odd[1..tw + 1]);
                    for t in 0..tw {
                        let out = input_axis([d0[t], d1[t], d2[t], d3[t]]);
                        (v0[t], v1[t], v2[t], v3[t]) = (out[0], out[1], out[2], out[3]);
                        (v4[t], v5[t], v6[t]) = (out[4], out[5], out[6]);
                    }
                }
            }
        }
    }
}

/// Adds the input gradient of V's gradient `dv` (21·C, tiles) into dx (C, held, H, W), the
/// samples `samples` of which the first held is `first_held`.
#[inline(always)]
fn input_transform_adjoint<T: Elem>(
    dv: &[T],
    g: &ConvGeometry,
    samples: Range<usize>,
    first_held: usize,
    held: usize,
    dx: &mut [T],
) {
    let (c, h, w, tw) = (g.channels, g.h, g.w, tiles_per_row(g));
    let tn = samples.len() * h * tw;
    // q[k][t]: the gradient of cell k of tile t's window.
    let mut q = vec![T::ZERO; 4 * tw];
    for ch in 0..c {
        for (i, b) in samples.clone().enumerate() {
            for m in 0..h {
                let col = (i * h + m) * tw;
                for a in 0..3 {
                    let Some(r) = (m + a).checked_sub(1).filter(|&r| r < h) else {
                        continue;
                    };
                    let e: [&[T]; XI] = {
                        let mut rows = dv[(a * c + ch) * tn..].chunks(tn).step_by(3 * c);
                        from_fn(|_| &rows.next().unwrap_or_default()[col..col + tw])
                    };
                    let [q0, q1, q2, q3] = {
                        let mut runs = q.chunks_exact_mut(tw);
                        from_fn(|_| runs.next().unwrap_or_default())
                    };
                    for t in 0..tw {
                        let d = input_axis_adjoint(from_fn(|xi| e[xi][t]));
                        (q0[t], q1[t], q2[t], q3[t]) = (d[0], d[1], d[2], d[3]);
                    }
                    // Input cell 2k is window cell 1 of tile k and 3 of tile k − 1; cell
                    // 2k + 1 is cell 2 of tile k and 0 of tile k + 1.
                    let dst = &mut dx[((ch * held + b - first_held) * h + r) * w..][..w];
                    for (k, pair) in dst.chunks_exact_mut(2).enumerate() {
                        let before = if k > 0 { q3[k - 1] } else { T::ZERO };
                        let after = if k + 1 < tw { q0[k + 1] } else { T::ZERO };
                        pair[0] += q1[k] + before;
                        pair[1] += q2[k] + after;
                    }
                }
            }
        }
    }
}

/// The four outputs of the products `m` (14 blocks (O, tiles)) of the samples `samples` into
/// y (O, held, 2H, 2W), where sample b is at b − `first_held`.
#[inline(always)]
fn output_transform<T: Elem>(
    m: &[T],
    o: usize,
    g: &ConvGeometry,
    samples: Range<usize>,
    first_held: usize,
    held: usize,
    y: &mut [T],
) {
    let (h, tw) = (g.h, tiles_per_row(g));
    let tn = samples.len() * h * tw;
    let out_w = 2 * g.w;
    for ry in 0..2 {
        for oi in 0..o {
            for (i, b) in samples.clone().enumerate() {
                for mm in 0..h {
                    let col = (i * h + mm) * tw;
                    let row = ((oi * held + b - first_held) * 2 * h + 2 * mm + ry) * out_w;
                    let dst = &mut y[row..][..out_w];
                    for t in 0..tw {
                        let p: [T; XI] = from_fn(|xi| m[((ry * XI + xi) * o + oi) * tn + col + t]);
                        dst[4 * t..][..4].copy_from_slice(&output_axis(p));
                    }
                }
            }
        }
    }
}

/// The products' gradient (14 blocks (O, tiles)) from gy (O, B, 2H, 2W), samples `samples`.
#[inline(always)]
fn output_transform_adjoint<T: Elem>(
    gy: &[T],
    o: usize,
    g: &ConvGeometry,
    samples: Range<usize>,
    m: &mut [T],
) {
    let (h, tw) = (g.h, tiles_per_row(g));
    let tn = samples.len() * h * tw;
    let out_w = 2 * g.w;
    for ry in 0..2 {
        for oi in 0..o {
            for (i, b) in samples.clone().enumerate() {
                for mm in 0..h {
                    let col = (i * h + mm) * tw;
                    let row = ((oi * g.batch + b) * 2 * h + 2 * mm + ry) * out_w;
                    let src = &gy[row..][..out_w];
                    for t in 0..tw {
                        let q = output_axis_adjoint(from_fn(|k| src[4 * t + k]));
                        for (xi, val) in q.into_iter().enumerate() {
                            m[((ry * XI + xi) * o + oi) * tn + col + t] = val;
                        }
                    }
                }
            }
        }
    }
}

/// The products M (14 blocks (O, tiles)) of the transformed kernel and input.
fn products<T: Elem>(u: &Kernel<T>, v: &[T], tn: usize, m: &mut [T]) {
    let (o, c) = (u.o, u.c);
    for ry in 0..2 {
        let taps = row_taps(ry);
        for xi in 0..XI {
            let rows = View::new(&v[(xi * 3 + taps.start) * c * tn..], taps.len() * c, tn);
            let dst = &mut m[(ry * XI + xi) * o * tn..];
            matmul_into(dst, tn, u.block(ry, xi), rows, false);
        }
    }
}

/// The upsample-convolution of the samples `part` without bias, (O, part.len(), 2H, 2W).
fn forward_part<T: Elem>(x: &[T], u: &Kernel<T>, g: &ConvGeometry, part: Range<usize>) -> Vec<T> {
    let (o, c) = (u.o, g.channels);
    let mut y = vec![T::ZERO; o * part.len() * 4 * g.in_plane()];
    for samples in batch_chunks(g, chunk_rows(g, o), part.clone()) {
        let tn = samples.len() * g.h * tiles_per_row(g);
        with_scratch(3 * XI * c * tn, |v| {
            vectorized(|| input_transform(x, g, samples.clone(), v));
            with_scratch(2 * XI * o * tn, |m| {
                products(u, v, tn, m);
                let (first, held) = (part.start, part.len());
                vectorized(|| output_transform(m, o, g, samples.clone(), first, held, &mut y));
            });
        });
    }
    y
}

/// The upsample-convolution's parts (O, part.len(), 2H, 2W) for the stacked phase kernels p.
pub(super) fn forward<T: Elem>(
    x: &[T],
    p: &[T],
    o: usize,
    g: &ConvGeometry,
    parts: usize,
) -> Vec<(Range<usize>, Vec<T>)> {
    let u = Kernel::new(p, o, g.channels);
    map_parts(g.batch, parts, |part| forward_part(x, &u, g, part))
}

/// The adjoint in x for the samples `part`, (C, part.len(), H, W).
fn transpose_part<T: Elem>(
    gy: &[T],
    u: &Kernel<T>,
    g: &ConvGeometry,
    part: Range<usize>,
) -> Vec<T> {
    let (o, c) = (u.o, g.channels);
    let mut dx = vec![T::ZERO; c * part.len() * g.in_plane()];
    for samples in batch_chunks(g, chunk_rows(g, o), part.clone()) {
        let tn = samples.len() * g.h * tiles_per_row(g);
        with_scratch(2 * XI * o * tn, |m| {
            vectorized(|| output_transform_adjoint(gy, o, g, samples.clone(), m));
            with_scratch(3 * XI * c * tn, |dv| {
                for ry in 0..2 {
                    let taps = row_taps(ry);
                    for xi in 0..XI {
                        let rhs = View::new(&m[(ry * XI + xi) * o * tn..], o, tn);
                        let dst = &mut dv[(xi * 3 + taps.start) * c * tn..];
                        matmul_into(dst, tn, u.block(ry, xi).t(), rhs, ry > 0);
                    }
                }
                let (first, held) = (part.start, part.len());
                vectorized(|| {
                    input_transform_adjoint(dv, g, samples.clone(), first, held, &mut dx)
                });
            });
        });
    }
    dx
}

/// The adjoint in x: its parts (C, part.len(), H, W).
pub(super) fn transpose<T: Elem>(
    gy: &[T],
    p: &[T],
    g: &ConvGeometry,
    parts: usize,
) -> Vec<(Range<usize>, Vec<T>)> {
    let o = p.len() / (TOTAL_TAPS * g.channels).max(1);
    let u = Kernel::new(p, o, g.channels);
    map_parts(g.batch, parts, |part| transpose_part(gy, &u, g, part))
}

/// The gradient of the stacked phase kernels (O, 25·C).
pub(super) fn kernel_grad<T: Elem>(x: &[T], gy: &[T], g: &ConvGeometry, o: usize) -> Vec<T> {
    let c = g.channels;
    let du = sum(map_parts(g.batch, SUM_PARTS, |part| {
        let mut du = vec![T::ZERO; o * Kernel::<T>::row_len(c)];
        for (k, samples) in batch_chunks(g, chunk_rows(g, o), part).enumerate() {
            let tn = samples.len() * g.h * tiles_per_row(g);
            with_scratch(3 * XI * c * tn, |v| {
                vectorized(|| input_transform(x, g, samples.clone(), v));
                with_scratch(2 * XI * o * tn, |m| {
                    vectorized(|| output_transform_adjoint(gy, o, g, samples.clone(), m));
                    for ry in 0..2 {
                        let taps = row_taps(ry);
                        for xi in 0..XI {
                            let lhs = View::new(&m[(ry * XI + xi) * o * tn..], o, tn);
                            let rows = (xi * 3 + taps.start) * c * tn;
                            let rhs = View::new(&v[rows..], taps.len() * c, tn).t();
                            let dst = &mut du[Kernel::<T>::offset(c, ry, xi)..];
                            matmul_into(dst, Kernel::<T>::row_len(c), lhs, rhs, k > 0);
                        }
                    }
                });
            });
        }
        du
    }));
    Kernel::phase_gradient(&du, o, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_of_products_gives_the_even_and_odd_outputs() {
        // Window d and kernel row e, f: outputs (e·d[0..3], f·d[1..3], e·d[1..4], f·d[2..4]).
        let d = [0.5f64, -1.0, 2.0, 3.0];
        let (e, f) = ([1.0, -2.0, 0.25], [4.0, -0.5]);
        let (v, u) = (input_axis(d), kernel_axis(e, f));
        let y = output_axis(from_fn(|k| v[k] * u[k]));
        let dot = |k: &[f64], d: &[f64]| k.iter().zip(d).map(|(a, b)| a * b).sum::<f64>();
        let expected = [
            dot(&e, &d[0..3]),
            dot(&f, &d[1..3]),
            dot(&e, &d[1..4]),
            dot(&f, &d[2..4]),
        ];
        for (a, b) in y.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{y:?} against {expected:?}");
        }
    }

    #[test]
    fn adjoints_are_adjoint() {
        let d = [0.5f64, -1.0, 2.0, 3.0];
        let w: [f64; XI] = [0.3, -1.2, 0.7, 2.0, -0.4, 1.1, 0.9];
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| a * b).sum::<f64>();
        assert!((dot(&input_axis(d), &w) - dot(&d, &input_axis_adjoint(w))).abs() < 1e-12);
        let y = [1.5, -0.5, 0.25, 2.0];
        assert!((dot(&output_axis(w), &y) - dot(&w, &output_axis_adjoint(y))).abs() < 1e-12);
        let (e, f) = ([1.0, -2.0, 0.25], [4.0, -0.5]);
        let (de, df) = kernel_axis_adjoint(w);
        let lhs = dot(&kernel_axis(e, f), &w);
        assert!((lhs - dot(&e, &de) - dot(&f, &df)).abs() < 1e-12);
    }
}
