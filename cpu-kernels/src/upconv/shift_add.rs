//! Shift-add: the upsample-convolution as one product of all phase taps with the input in
//! place, then shifted sums; for layers with few output channels (the generator's output
//! layer: 4 from 128).
//!
//! Every tap of every phase kernel becomes O rows of one tap-major kernel Wₜ (25·O, C), so
//! Z = Wₜ · x holds each tap's contribution at every input cell, and a phase's output is the
//! sum of its taps' rows of Z, each shifted by its tap's offset. The multiply-adds are the same
//! 25·O·C per input cell as through the column matrix, but the input is read in place instead
//! of copied nine times into a matrix that only O rows of kernel read. The adjoints go through
//! the same shifts the other way: the phases' gradients spread to their taps' rows (G), then
//! dx = Wₜᵀ · G and dWₜ = G · xᵀ.

use std::ops::Range;

use super::super::elem::{with_scratch, Elem};
use super::super::gemm::{matmul_into, View};
use super::super::im2col::{batch_chunks, ConvGeometry};
use super::super::parts::{map_parts, sum, SUM_PARTS};
use super::{Phase, FIRST_TAP, TOTAL_TAPS};

/// Whether this method suits a layer of `o` outputs from `c` inputs
/// ([`UpsampleMethod::choose`]'s second rule): when the tap rows (25·O) are far fewer than
/// the column matrix's rows (9·C).
///
/// [`UpsampleMethod::choose`]: crate::UpsampleMethod::choose
pub(crate) fn suits(o: usize, c: usize) -> bool {
    4 * TOTAL_TAPS * o <= 9 * c
}

/// One tap of one phase kernel: the phase's index, the tap's index among the 25 (the order of
/// the stacked phase kernels), and the input cell it reads relative to the output's.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tap {
    phase: usize,
    index: usize,
    dy: isize,
    dx: isize,
}

/// The 25 taps, in the order of the stacked phase kernels.
fn taps() -> Vec<Tap> {
    let mut taps = Vec::with_capacity(TOTAL_TAPS);
    for (pi, phase) in Phase::ALL.iter().enumerate() {
        for a in 0..phase.taps_y() {
            for b in 0..phase.taps_x() {
                taps.push(Tap {
                    phase: pi,
                    index: phase.offset(1) + a * phase.taps_x() + b,
                    dy: (a + FIRST_TAP[phase.ry]) as isize - 1,
                    dx: (b + FIRST_TAP[phase.rx]) as isize - 1,
                });
            }
        }
    }
    taps
}

/// The tap-major kernel Wₜ (25·O, C), row (tap, o), from the stacked phase kernels (O, 25·C).
pub(super) fn tap_major<T: Elem>(p: &[T], o: usize, c: usize) -> Vec<T> {
    let mut wt = vec![T::ZERO; p.len()];
    for (oi, prow) in p.chunks_exact(TOTAL_TAPS * c).enumerate() {
        for (t, run) in prow.chunks_exact(c).enumerate() {
            wt[(t * o + oi) * c..][..c].copy_from_slice(run);
        }
    }
    wt
}

/// The inverse of [`tap_major`]: (25·O, C) → (O, 25·C).
fn phase_stacked<T: Elem>(wt: &[T], o: usize, c: usize) -> Vec<T> {
    let mut p = vec![T::ZERO; wt.len()];
    for (row, run) in wt.chunks_exact(c).enumerate() {
        let (t, oi) = (row / o, row % o);
        p[(oi * TOTAL_TAPS + t) * c..][..c].copy_from_slice(run);
    }
    p
}

/// The indices i of an axis of `len` cells whose cell i + `shift` lies on the axis too.
fn overlap(len: usize, shift: isize) -> Range<usize> {
    let start = (-shift).clamp(0, len as isize) as usize;
    let end = (len as isize - shift).clamp(0, len as isize) as usize;
    start.min(end)..end
}

/// dst[i, m, x] += src[i, m + dy, x + dx] for every sample i of a run of (H, W) planes, where
/// both cells lie in the plane.
fn add_shifted<T: Elem>(dst: &mut [T], src: &[T], g: &ConvGeometry, dy: isize, dx: isize) {
    let (h, w) = (g.h, g.w);
    let (rows, cols) = (overlap(h, dy), overlap(w, dx));
    let from = (cols.start as isize + dx) as usize;
    for (d, s) in dst.chunks_exact_mut(h * w).zip(src.chunks_exact(h * w)) {
        for m in rows.clone() {
            let sm = (m as isize + dy) as usize;
            let d = &mut d[m * w + cols.start..m * w + cols.end];
            for (d, &s) in d.iter_mut().zip(&s[sm * w + from..]) {
                *d += s;
            }
        }
    }
}

/// The (C, n) block of samples `samples` of x (C, B, H, W), read in place.
fn input_block<'a, T>(x: &'a [T], g: &ConvGeometry, samples: &Range<usize>) -> View<'a, T> {
    let plane = g.in_plane();
    let n = samples.len() * plane;
    View::strided(&x[samples.start * plane..], g.channels, n, g.batch * plane)
}

/// The rows of the scratch matrices one input cell needs: the taps' (25·O) and the phases'
/// (4·O).
pub(super) fn chunk_rows(o: usize) -> usize {
    (TOTAL_TAPS + 4) * o
}

/// Calls `f(samples, taps, phases)` for each chunk of samples `part` with scratch matrices for
/// the taps (25·O, n) and the phases (4·O, n).
fn for_each_chunk<T: Elem>(
    g: &ConvGeometry,
    o: usize,
    part: Range<usize>,
    mut f: impl FnMut(Range<usize>, &mut [T], &mut [T]),
) {
    for samples in batch_chunks(g, chunk_rows(o), part) {
        let n = samples.len() * g.in_plane();
        with_scratch(TOTAL_TAPS * o * n, |taps| {
            with_scratch(4 * o * n, |phases| f(samples.clone(), taps, phases));
        });
    }
}

/// The four phases' outputs (4·O, n) of samples `samples` into `out`, through the tap scratch
/// `z` (25·O, n).
pub(super) fn phase_outputs<T: Elem>(
    x: &[T],
    wt: &[T],
    g: &ConvGeometry,
    samples: Range<usize>,
    z: &mut [T],
    out: &mut [T],
) {
    let o = wt.len() / (TOTAL_TAPS * g.channels).max(1);
    let n = samples.len() * g.in_plane();
    let kernel = View::new(wt, TOTAL_TAPS * o, g.channels);
    matmul_into(z, n, kernel, input_block(x, g, &samples), false);
    out.fill(T::ZERO);
    for tap in taps() {
        for oi in 0..o {
            let src = &z[(tap.index * o + oi) * n..][..n];
            let dst = &mut out[(tap.phase * o + oi) * n..][..n];
            add_shifted(dst, src, g, tap.dy, tap.dx);
        }
    }
}

/// Spreads the phases' gradients `gp` (4·O, n) to their taps' rows: `gt` (25·O, n).
fn spread_to_taps<T: Elem>(gp: &[T], g: &ConvGeometry, o: usize, n: usize, gt: &mut [T]) {
    gt.fill(T::ZERO);
    for tap in taps() {
        for oi in 0..o {
            let src = &gp[(tap.phase * o + oi) * n..][..n];
            let dst = &mut gt[(tap.index * o + oi) * n..][..n];
            add_shifted(dst, src, g, -tap.dy, -tap.dx);
        }
    }
}

/// The adjoint in x for the samples `part`, (C, part.len(), H, W); `gather(samples, gp)` fills
/// the phases' gradients (4·O, n) of a chunk.
pub(super) fn transpose_part<T: Elem>(
    wt: &[T],
    g: &ConvGeometry,
    part: Range<usize>,
    gather: impl Fn(Range<usize>, &mut [T]),
) -> Vec<T> {
    let (c, plane) = (g.channels, g.in_plane());
    let o = wt.len() / (TOTAL_TAPS * c).max(1);
    let mut dx = vec![T::ZERO; c * part.len() * plane];
    let kernel = View::new(wt, TOTAL_TAPS * o, c).t();
    for_each_chunk(g, o, part.clone(), |samples, gt, gp| {
        let n = samples.len() * plane;
        gather(samples.clone(), gp);
        spread_to_taps(gp, g, o, n, gt);
        let dst = &mut dx[(samples.start - part.start) * plane..];
        let taps = View::new(&*gt, TOTAL_TAPS * o, n);
        matmul_into(dst, part.len() * plane, kernel, taps, false);
    });
    dx
}

/// The gradient of the stacked phase kernels (O, 25·C); `gather` as for [`transpose_part`].
pub(super) fn kernel_grad<T: Elem>(
    x: &[T],
    g: &ConvGeometry,
    o: usize,
    gather: impl Fn(Range<usize>, &mut [T]) + Sync,
) -> Vec<T> {
    let c = g.channels;
    let dwt = sum(map_parts(g.batch, SUM_PARTS, |part| {
        let mut dwt = vec![T::ZERO; TOTAL_TAPS * o * c];
        let mut first = true;
        for_each_chunk(g, o, part, |samples, gt, gp| {
            let n = samples.len() * g.in_plane();
            gather(samples.clone(), gp);
            spread_to_taps(gp, g, o, n, gt);
            let taps = View::new(&*gt, TOTAL_TAPS * o, n);
            let xt = input_block(x, g, &samples).t();
            matmul_into(&mut dwt, c, taps, xt, !first);
            first = false;
        });
        dwt
    }));
    phase_stacked(&dwt, o, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_follow_the_stacked_kernels_and_reach_one_cell_around() {
        let taps = taps();
        assert_eq!(taps.len(), TOTAL_TAPS);
        for (i, tap) in taps.iter().enumerate() {
            assert_eq!(tap.index, i);
            assert!((-1..=1).contains(&tap.dy) && (-1..=1).contains(&tap.dx));
        }
        // Phase (0, 0) reads offsets −1, 0, +1; phase (1, 1) reads 0 and +1 only.
        assert_eq!((taps[0].dy, taps[0].dx), (-1, -1));
        assert_eq!((taps[24].phase, taps[24].dy, taps[24].dx), (3, 1, 1));
        assert_eq!((taps[21].dy, taps[21].dx), (0, 0));
    }

    #[test]
    fn kernel_layouts_invert_each_other() {
        let (o, c) = (3, 2);
        let p: Vec<f64> = (0..o * TOTAL_TAPS * c).map(|v| v as f64).collect();
        let wt = tap_major(&p, o, c);
        // Row (tap 1, output 2) holds output 2's tap 1.
        assert_eq!(&wt[(o + 2) * c..][..c], &p[(2 * TOTAL_TAPS + 1) * c..][..c]);
        assert_eq!(phase_stacked(&wt, o, c), p);
    }

    #[test]
    fn shifts_stay_inside_the_plane() {
        assert_eq!(overlap(4, 1), 0..3);
        assert_eq!(overlap(4, -1), 1..4);
        assert_eq!(overlap(1, 1), 0..0);
        assert_eq!(overlap(1, -1), 1..1);
    }
}
