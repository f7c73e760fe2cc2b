//! Stride-2 4 × 4 convolutions by Winograd's minimal filtering F(2 × 2, 2 × 2): 9 products
//! per 2 × 2 output tile and input channel phase, where the direct convolution takes 16.
//!
//! A stride-2 convolution with a 4 × 4 kernel is a stride-1 convolution with 2 × 2 kernels
//! over the input's four phases: phase channel c' = (c, py, px) holds
//! x[c, 2Y + py − pad_top, 2X + px − pad_left] (space to depth). In one dimension, two
//! outputs of a 2-tap filter (g0, g1) over the inputs (d0, d1, d2) take three products:
//!
//! ```text
//! m0 = (d0 − d1)·g0,  m1 = d1·(g0 + g1),  m2 = (d2 − d1)·g1;  y0 = m0 + m1,  y1 = m1 + m2.
//! ```
//!
//! In two dimensions a 2 × 2 output tile takes the 3 × 3 products of the transformed 3 × 3
//! input tile V and transformed kernel U, and for each of the 9 product positions ξ the sum
//! over channels is one matrix product U_ξ (O, 4C) × V_ξ (4C, tiles). The transforms only add
//! and subtract, so the result is the direct convolution's up to rounding. The transposed
//! convolution and the weight gradient run the adjoints of the same steps, with the same
//! 9/16 of the multiply-adds.
//!
//! Activations are channels-major (C, B, H, W); tiles are numbered (b, i, j) for the output
//! rows 2i, 2i + 1 and columns 2j, 2j + 1. The transformed kernel U (O, 9, 4C), the
//! transformed input V (4C, 9, T) and the products M (O, 9, T) hold a row's 9 values side by
//! side, and the matrix product of ξ reads their rows ξ, ξ + 9, … (U's (O, 4C) matrix of ξ
//! with a row stride of 9·4C, V's and M's with 9·T).

use std::array::from_fn;
use std::ops::Range;

use rayon::prelude::*;

use super::elem::{with_scratch, Elem};
use super::gemm::{matmul_into, View};
use super::im2col::{chunks_of, ConvGeometry};

/// Product positions per tile: 3 × 3.
const XI: usize = 9;

/// Below this many tiles in the batch the im2col convolution is used: the transformed kernel
/// (9/4 the size of the kernel) would be packed for too few columns (inference on one sample
/// has 4 to 256 tiles per layer).
const MIN_TILES: usize = 256;

/// Below this many input channels the im2col convolution is used: with so few multiply-adds
/// per output, writing the 9 products per tile (9/4 the output's size) would cost about as
/// much as the multiply-adds saved (the generator's first layer has 1 channel, the critic's 5).
const MIN_CHANNELS: usize = 16;

/// Whether this algorithm computes a convolution: a 4 × 4 kernel, stride 2, and an even
/// output size.
pub(crate) fn applies(g: &ConvGeometry) -> bool {
    g.kernel == 4 && g.stride == 2 && g.out_h % 2 == 0 && g.out_w % 2 == 0
}

/// Whether a convolution suits this algorithm ([`super::method::ConvMethod::choose`]'s rule):
/// [`applies`], with at least [`MIN_CHANNELS`] input channels and [`MIN_TILES`] tiles in the
/// batch.
pub(crate) fn suits(g: &ConvGeometry) -> bool {
    applies(g) && g.channels >= MIN_CHANNELS && g.batch * g.out_plane() / 4 >= MIN_TILES
}

/// G (and Aᵀ's adjoint): a 2-tap filter, or an output pair's gradient, spread over 3 products.
#[inline(always)]
fn spread<T: Elem>([g0, g1]: [T; 2]) -> [T; 3] {
    [g0, g0 + g1, g1]
}

/// Aᵀ (and G's adjoint): 3 products summed into an output pair.
#[inline(always)]
fn contract<T: Elem>([m0, m1, m2]: [T; 3]) -> [T; 2] {
    [m0 + m1, m1 + m2]
}

/// A 1-D transform applied along both axes of a square tile: `f(tile)` on each row, then on
/// each column.
#[inline(always)]
fn both_axes<T: Elem, const N: usize, const M: usize>(
    tile: [[T; N]; N],
    f: impl Fn([T; N]) -> [T; M],
) -> [[T; M]; M] {
    let rows: [[T; M]; N] = tile.map(&f);
    let cols: [[T; M]; M] = from_fn(|b| f(from_fn(|p| rows[p][b])));
    from_fn(|a| from_fn(|b| cols[b][a]))
}

/// Tiles per sample: (Ho / 2, Wo / 2).
fn tiles(g: &ConvGeometry) -> (usize, usize) {
    (g.out_h / 2, g.out_w / 2)
}

/// The phase channel c' = (c, py, px) of input channel c.
fn phase_channel(c: usize, py: usize, px: usize) -> usize {
    c * 4 + py * 2 + px
}

/// The four input phases (py, px).
const PHASES: [(usize, usize); 4] = [(0, 0), (0, 1), (1, 0), (1, 1)];

/// The transformed kernel U (O, 9, 4C) of `w` (O, C, 4, 4), its filters in parallel.
pub(crate) fn transform_weight<T: Elem>(w: &[T], o: usize, channels: usize) -> Vec<T> {
    let c4 = 4 * channels;
    let mut u = vec![T::ZERO; o * XI * c4];
    let filters = w.par_chunks_exact(channels * 16);
    u.par_chunks_exact_mut(XI * c4)
        .zip(filters)
        .for_each(|(u, filters)| {
            // The filter's 9 rows, one per product position: the 4 phase channels of c at
            // 4c..4c + 4.
            let mut rows: [_; XI] = {
                let mut rows = u.chunks_exact_mut(c4);
                from_fn(|_| rows.next().unwrap_or_default().chunks_exact_mut(4))
            };
            for k in filters.chunks_exact(16) {
                let phases = PHASES.map(|(py, px)| {
                    let g: [[T; 2]; 2] =
                        from_fn(|ky| from_fn(|kx| k[(2 * ky + py) * 4 + 2 * kx + px]));
                    both_axes(g, spread)
                });
                for (xi, row) in rows.iter_mut().enumerate() {
                    if let Some(quad) = row.next() {
                        for (v, phase) in quad.iter_mut().zip(&phases) {
                            *v = phase[xi / 3][xi % 3];
                        }
                    }
                }
            }
        });
    u
}

/// The adjoint of [`transform_weight`]: the gradient in w (O, C, 4, 4) of a gradient in U,
/// its filters in parallel.
pub(crate) fn weight_from_transformed<T: Elem>(du: &[T], o: usize, channels: usize) -> Vec<T> {
    let c4 = 4 * channels;
    let mut dw = vec![T::ZERO; o * channels * 16];
    let rows_of_filters = du.par_chunks_exact(XI * c4);
    dw.par_chunks_exact_mut(channels * 16)
        .zip(rows_of_filters)
        .for_each(|(filters, du)| {
            let rows: [&[T]; XI] = from_fn(|xi| &du[xi * c4..][..c4]);
            for (c, k) in filters.chunks_exact_mut(16).enumerate() {
                for (py, px) in PHASES {
                    let cp = phase_channel(c, py, px);
                    let t: [[T; 3]; 3] = from_fn(|a| from_fn(|b| rows[a * 3 + b][cp]));
                    for (ky, row) in both_axes(t, contract).iter().enumerate() {
                        for (kx, v) in row.iter().enumerate() {
                            k[(2 * ky + py) * 4 + 2 * kx + px] = *v;
                        }
                    }
                }
            }
        });
    dw
}

/// `dst += a`, elementwise.
#[inline(always)]
fn add_assign<T: Elem>(dst: &mut [T], a: &[T]) {
    for (d, &a) in dst.iter_mut().zip(a) {
        *d += a;
    }
}

/// `dst = a + b`, elementwise.
#[inline(always)]
fn add_into<T: Elem>(dst: &mut [T], a: &[T], b: &[T]) {
    for ((d, &a), &b) in dst.iter_mut().zip(a).zip(b) {
        *d = a + b;
    }
}

/// `dst = a − b`, elementwise.
#[inline(always)]
fn sub_into<T: Elem>(dst: &mut [T], a: &[T], b: &[T]) {
    for ((d, &a), &b) in dst.iter_mut().zip(a).zip(b) {
        *d = a - b;
    }
}

/// `dst += a − b − c`, elementwise.
#[inline(always)]
fn add_difference<T: Elem>(dst: &mut [T], a: &[T], b: &[T], c: &[T]) {
    for (((d, &a), &b), &c) in dst.iter_mut().zip(a).zip(b).zip(c) {
        *d += a - b - c;
    }
}

/// Bᵀ along a triple of runs: (r0 − r1, r1, r2 − r1).
#[inline(always)]
fn difference_runs<T: Elem>([o0, o1, o2]: [&mut [T]; 3], [r0, r1, r2]: [&[T]; 3]) {
    sub_into(o0, r0, r1);
    o1.copy_from_slice(r1);
    sub_into(o2, r2, r1);
}

/// Aᵀ along a row of three runs, interleaved: `pairs[2j] = r0[j] + r1[j]`,
/// `pairs[2j + 1] = r1[j] + r2[j]`.
#[inline(always)]
fn contract_runs<T: Elem>(pairs: &mut [T], [r0, r1, r2]: [&[T]; 3]) {
    for (((pair, &a), &b), &c) in pairs.chunks_exact_mut(2).zip(r0).zip(r1).zip(r2) {
        pair[0] = a + b;
        pair[1] = b + c;
    }
}

/// Splits `pairs` into its even and odd elements.
#[inline(always)]
fn deinterleave<T: Elem>(pairs: &[T], even: &mut [T], odd: &mut [T]) {
    for ((pair, e), o) in pairs.chunks_exact(2).zip(even).zip(odd) {
        *e = pair[0];
        *o = pair[1];
    }
}

/// `N` consecutive rows of `buf` (rows `stride` apart) from row `first`, each from column
/// `at`, `len` long.
fn runs<T, const N: usize>(
    buf: &[T],
    stride: usize,
    first: usize,
    at: usize,
    len: usize,
) -> [&[T]; N] {
    from_fn(|k| &buf[(first + k) * stride + at..][..len])
}

/// One channel of one sample, zero-padded and split by column modulo 4: sub-row (m, r) holds
/// the input columns 4k + r − pad_left (k in 0..=tw) of input row m − pad_top, for the rows
/// m in 0..2·Ho + 2 that the tiles read. Tile (i, j) of phase (py, px) reads its 3 × 3 values
/// from rows 4i + py + 2p and, in each, from contiguous runs: sub-row px from k = j, sub-row
/// px + 2 from k = j, and sub-row px from k = j + 1.
struct PhaseImage<T> {
    /// Tiles per row, tw.
    tw: usize,
    /// Rows, 2·Ho + 2.
    rows: usize,
    cells: Vec<T>,
    /// One zero-padded row: padded column 4k + r is input column 4k + r − pad_left.
    padded: Vec<T>,
    /// Where the input row lies in `padded`, and how much of it fits.
    inside: Range<usize>,
}

impl<T: Elem> PhaseImage<T> {
    fn new(g: &ConvGeometry) -> Self {
        let (tw, rows) = (g.out_w / 2, 2 * g.out_h + 2);
        let len = 4 * (tw + 1);
        Self {
            tw,
            rows,
            cells: vec![T::ZERO; rows * len],
            padded: vec![T::ZERO; len],
            inside: g.pad_left.min(len)..(g.pad_left + g.w).min(len),
        }
    }

    /// The input row under row m, if inside the input.
    fn input_row(g: &ConvGeometry, m: usize) -> Option<usize> {
        m.checked_sub(g.pad_top).filter(|&r| r < g.h)
    }

    /// The four sub-rows of row m.
    fn sub_rows(&mut self, m: usize) -> [&mut [T]; 4] {
        let n = self.tw + 1;
        let mut subs = self.cells[m * 4 * n..][..4 * n].chunks_exact_mut(n);
        from_fn(|_| subs.next().unwrap_or_default())
    }

    /// The three column sources (sub-row, from k) of a tile of column phase px, in column
    /// order: its tile column j reads each from k = from + j.
    fn column_sources(px: usize) -> [(usize, usize); 3] {
        [(px, 0), (px + 2, 0), (px, 1)]
    }

    /// Sub-row (m, r) from k = `from`, tw long.
    fn run(&self, m: usize, r: usize, from: usize) -> &[T] {
        &self.cells[(m * 4 + r) * (self.tw + 1) + from..][..self.tw]
    }

    /// Sub-row (m, r) from k = `from`, tw long, to change.
    fn run_mut(&mut self, m: usize, r: usize, from: usize) -> &mut [T] {
        &mut self.cells[(m * 4 + r) * (self.tw + 1) + from..][..self.tw]
    }

    /// Loads channel c of sample b from x (C, B, H, W): each row copied into `padded`, then
    /// split into its four sub-rows.
    fn load(&mut self, x: &[T], g: &ConvGeometry, c: usize, b: usize) {
        self.cells.fill(T::ZERO);
        for m in 0..self.rows {
            let Some(r) = Self::input_row(g, m) else {
                continue;
            };
            let src = &x[((c * g.batch + b) * g.h + r) * g.w..][..self.inside.len()];
            let inside = self.inside.clone();
            self.padded[inside].copy_from_slice(src);
            let padded = std::mem::take(&mut self.padded);
            let [s0, s1, s2, s3] = self.sub_rows(m);
            let subs = s0.iter_mut().zip(s1).zip(s2).zip(s3);
            for (quad, (((s0, s1), s2), s3)) in padded.chunks_exact(4).zip(subs) {
                (*s0, *s1, *s2, *s3) = (quad[0], quad[1], quad[2], quad[3]);
            }
            self.padded = padded;
        }
    }

    /// Adds the image into channel c, sample b (of the `held` samples) of dx (C, held, H, W):
    /// each row's four sub-rows interleaved into `padded`, then added.
    fn add_to(&mut self, dx: &mut [T], g: &ConvGeometry, held: usize, c: usize, b: usize) {
        for m in 0..self.rows {
            let Some(r) = Self::input_row(g, m) else {
                continue;
            };
            let mut padded = std::mem::take(&mut self.padded);
            let [s0, s1, s2, s3] = self.sub_rows(m);
            let subs = s0.iter().zip(s1.iter()).zip(s2.iter()).zip(s3.iter());
            for (quad, (((s0, s1), s2), s3)) in padded.chunks_exact_mut(4).zip(subs) {
                quad.copy_from_slice(&[*s0, *s1, *s2, *s3]);
            }
            let dst = &mut dx[((c * held + b) * g.h + r) * g.w..][..self.inside.len()];
            add_assign(dst, &padded[self.inside.clone()]);
            self.padded = padded;
        }
        // Back to zeros outside the input, as `load` expects.
        self.padded.fill(T::ZERO);
    }
}

/// The 9 rows of a (·, 9, T) array's block `block`, each from tile `t0`, `len` long.
fn nine<T>(a: &mut [T], block: usize, tn: usize, t0: usize, len: usize) -> [&mut [T]; 9] {
    let mut rows = a[block * XI * tn..][..XI * tn].chunks_exact_mut(tn);
    from_fn(|_| match rows.next() {
        Some(row) => &mut row[t0..t0 + len],
        None => unreachable!("a block has 9 rows"),
    })
}

/// Runs `f` compiled for AVX2 where the CPU has it, so that the transforms' loops over tile
/// columns use 8-wide vectors (the default target has 4-wide SSE2 only).
#[inline(always)]
pub(crate) fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        fn avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        // SAFETY: the CPU has AVX2 (checked above).
        return unsafe { avx2(f) };
    }
    f()
}

/// V (4C, 9, T) of the samples `samples` of x (C, B, H, W), T = their tiles.
#[inline(always)]
fn input_transform<T: Elem>(x: &[T], g: &ConvGeometry, samples: Range<usize>, v: &mut [T]) {
    let (th, tw) = tiles(g);
    let tn = samples.len() * th * tw;
    let mut image = PhaseImage::new(g);
    // Bᵀ along the rows of the first and last row triples: (d0 − d1) and (d2 − d1).
    let mut e = vec![T::ZERO; 6 * tw];
    for c in 0..g.channels {
        for (bl, b) in samples.clone().enumerate() {
            image.load(x, g, c, b);
            for i in 0..th {
                let t0 = (bl * th + i) * tw;
                for (py, px) in PHASES {
                    // d[p][q]: row 4i + py + 2p at column source q (sub-row, from).
                    let d: [[&[T]; 3]; 3] = from_fn(|p| {
                        PhaseImage::<T>::column_sources(px)
                            .map(|(r, from)| image.run(4 * i + py + 2 * p, r, from))
                    });
                    for q in 0..3 {
                        sub_into(&mut e[q * tw..][..tw], d[0][q], d[1][q]);
                        sub_into(&mut e[(3 + q) * tw..][..tw], d[2][q], d[1][q]);
                    }
                    let rows = [runs(&e, tw, 0, 0, tw), d[1], runs(&e, tw, 3, 0, tw)];
                    let mut v = nine(v, phase_channel(c, py, px), tn, t0, tw).into_iter();
                    for row in rows {
                        difference_runs(from_fn(|_| v.next().unwrap_or_default()), row);
                    }
                }
            }
        }
    }
}

/// The adjoint of [`input_transform`]: adds the input gradient of N (4C, 9, T) into
/// dx (C, held.len(), H, W), which holds the samples `held`, `samples` among them.
#[inline(always)]
fn input_transform_adjoint<T: Elem>(
    n: &[T],
    g: &ConvGeometry,
    samples: Range<usize>,
    held: Range<usize>,
    dx: &mut [T],
) {
    let (th, tw) = tiles(g);
    let tn = samples.len() * th * tw;
    let mut image = PhaseImage::new(g);
    // B along the rows for the middle row: w_q = n1q − n0q − n2q.
    let mut w = vec![T::ZERO; 3 * tw];
    for c in 0..g.channels {
        for (bl, b) in samples.clone().enumerate() {
            image.cells.fill(T::ZERO);
            for i in 0..th {
                let t0 = (bl * th + i) * tw;
                for (py, px) in PHASES {
                    let n: [&[T]; XI] = runs(n, tn, phase_channel(c, py, px) * XI, t0, tw);
                    let [top, middle, bottom] = [0, 3, 6].map(|k| [n[k], n[k + 1], n[k + 2]]);
                    for q in 0..3 {
                        let w = &mut w[q * tw..][..tw];
                        w.fill(T::ZERO);
                        add_difference(w, middle[q], top[q], bottom[q]);
                    }
                    let rows = [top, runs(&w, tw, 0, 0, tw), bottom];
                    // B along the columns, (r0, r1 − r0 − r2, r2), added at the column sources.
                    let [(s0, f0), (s1, f1), (s2, f2)] = PhaseImage::<T>::column_sources(px);
                    for (p, [r0, r1, r2]) in rows.into_iter().enumerate() {
                        let m = 4 * i + py + 2 * p;
                        add_assign(image.run_mut(m, s0, f0), r0);
                        add_difference(image.run_mut(m, s1, f1), r1, r0, r2);
                        add_assign(image.run_mut(m, s2, f2), r2);
                    }
                }
            }
            image.add_to(dx, g, held.len(), c, b - held.start);
        }
    }
}

/// Writes the outputs of M (O, 9, T) for `len` samples into y (O, width) from column `start`.
#[inline(always)]
fn output_transform<T: Elem>(
    m: &[T],
    o: usize,
    g: &ConvGeometry,
    len: usize,
    y: &mut [T],
    width: usize,
    start: usize,
) {
    let (th, tw) = tiles(g);
    let tn = len * th * tw;
    // Aᵀ along the rows: r[u][b] = m[u][b] + m[u + 1][b], for the output rows u = 0, 1.
    let mut r = vec![T::ZERO; 6 * tw];
    for oc in 0..o {
        let dst = &mut y[oc * width + start..][..len * g.out_plane()];
        for bi in 0..len * th {
            let m: [&[T]; XI] = runs(m, tn, oc * XI, bi * tw, tw);
            for (k, run) in r.chunks_exact_mut(tw).enumerate() {
                add_into(run, m[k], m[k + 3]);
            }
            let (top, bottom) = dst[2 * bi * g.out_w..][..2 * g.out_w].split_at_mut(g.out_w);
            contract_runs(top, runs(&r, tw, 0, 0, tw));
            contract_runs(bottom, runs(&r, tw, 3, 0, tw));
        }
    }
}

/// The adjoint of [`output_transform`]: M (O, 9, T) of the samples `samples` of
/// gy (O, B·Ho·Wo).
#[inline(always)]
fn output_transform_adjoint<T: Elem>(
    gy: &[T],
    o: usize,
    g: &ConvGeometry,
    samples: Range<usize>,
    m: &mut [T],
) {
    let (th, tw) = tiles(g);
    let tn = samples.len() * th * tw;
    let width = g.cols();
    // The even and odd columns of a tile row's top and bottom output rows.
    let mut split = vec![T::ZERO; 4 * tw];
    for oc in 0..o {
        let src =
            &gy[oc * width + samples.start * g.out_plane()..][..samples.len() * g.out_plane()];
        for bi in 0..samples.len() * th {
            let (top, bottom) = src[2 * bi * g.out_w..][..2 * g.out_w].split_at(g.out_w);
            {
                let [te, to, be, bo] = {
                    let mut runs = split.chunks_exact_mut(tw);
                    from_fn(|_| runs.next().unwrap_or_default())
                };
                deinterleave(top, te, to);
                deinterleave(bottom, be, bo);
            }
            let [te, to, be, bo]: [&[T]; 4] = from_fn(|k| &split[k * tw..][..tw]);
            // G along both axes: (g0, g0 + g1, g1) for the rows, then for the columns.
            let [m0, m1, m2, m3, m4, m5, m6, m7, m8] = nine(m, oc, tn, bi * tw, tw);
            m0.copy_from_slice(te);
            add_into(m1, te, to);
            m2.copy_from_slice(to);
            add_into(m3, te, be);
            add_into(m5, to, bo);
            add_into(m4, m3, m5);
            m6.copy_from_slice(be);
            add_into(m7, be, bo);
            m8.copy_from_slice(bo);
        }
    }
}

/// The samples `part` in chunks whose transformed arrays (V and M) stay near the
/// column-matrix chunk size.
fn chunks(g: &ConvGeometry, o: usize, part: Range<usize>) -> impl Iterator<Item = Range<usize>> {
    let (v, m) = (XI * g.channels * g.out_plane(), XI * o * g.out_plane() / 4);
    chunks_of(part, v.max(m))
}

/// The convolution of the samples `part` of x (C, B, H, W) by the transformed kernel
/// u (O, 9, 4C): (O, part.len()·Ho·Wo), without bias.
pub(crate) fn forward_part<T: Elem>(
    x: &[T],
    u: &[T],
    g: &ConvGeometry,
    part: Range<usize>,
) -> Vec<T> {
    let c4 = 4 * g.channels;
    let o = u.len() / (XI * c4);
    let (th, tw) = tiles(g);
    let width = part.len() * g.out_plane();
    let mut y = vec![T::ZERO; o * width];
    for samples in chunks(g, o, part.clone()) {
        let tn = samples.len() * th * tw;
        with_scratch(XI * c4 * tn, |v| {
            vectorized(|| input_transform(x, g, samples.clone(), v));
            with_scratch(XI * o * tn, |m| {
                for xi in 0..XI {
                    let lhs = View::strided(&u[xi * c4..], o, c4, XI * c4);
                    let rhs = View::strided(&v[xi * tn..], c4, tn, XI * tn);
                    matmul_into(&mut m[xi * tn..], XI * tn, lhs, rhs, false);
                }
                let start = (samples.start - part.start) * g.out_plane();
                vectorized(|| output_transform(m, o, g, samples.len(), &mut y, width, start));
            });
        });
    }
    y
}

/// The adjoint in x of the convolution, for the samples `part`: (C, part.len(), H, W), for
/// gy (O, B·Ho·Wo) and the transformed kernel u (O, 9, 4C).
pub(crate) fn transpose_part<T: Elem>(
    gy: &[T],
    u: &[T],
    g: &ConvGeometry,
    part: Range<usize>,
) -> Vec<T> {
    let c4 = 4 * g.channels;
    let o = u.len() / (XI * c4);
    let (th, tw) = tiles(g);
    let mut dx = vec![T::ZERO; g.channels * part.len() * g.in_plane()];
    for samples in chunks(g, o, part.clone()) {
        let tn = samples.len() * th * tw;
        with_scratch(XI * o * tn, |m| {
            vectorized(|| output_transform_adjoint(gy, o, g, samples.clone(), m));
            with_scratch(XI * c4 * tn, |n| {
                for xi in 0..XI {
                    let lhs = View::strided(&u[xi * c4..], o, c4, XI * c4).t();
                    let rhs = View::strided(&m[xi * tn..], o, tn, XI * tn);
                    matmul_into(&mut n[xi * tn..], XI * tn, lhs, rhs, false);
                }
                vectorized(|| {
                    input_transform_adjoint(n, g, samples.clone(), part.clone(), &mut dx)
                });
            });
        });
    }
    dx
}

/// The gradient in U (O, 9, 4C) of the samples `part`, for x (C, B, H, W) and
/// gy (O, B·Ho·Wo); [`weight_from_transformed`] turns it into the weight gradient.
pub(crate) fn weight_grad_part<T: Elem>(
    x: &[T],
    gy: &[T],
    g: &ConvGeometry,
    part: Range<usize>,
) -> Vec<T> {
    let c4 = 4 * g.channels;
    let o = gy.len() / g.cols().max(1);
    let (th, tw) = tiles(g);
    let mut du = vec![T::ZERO; XI * o * c4];
    for (k, samples) in chunks(g, o, part).enumerate() {
        let tn = samples.len() * th * tw;
        with_scratch(XI * c4 * tn, |v| {
            vectorized(|| input_transform(x, g, samples.clone(), v));
            with_scratch(XI * o * tn, |m| {
                vectorized(|| output_transform_adjoint(gy, o, g, samples.clone(), m));
                for xi in 0..XI {
                    let lhs = View::strided(&m[xi * tn..], o, tn, XI * tn);
                    let rhs = View::strided(&v[xi * tn..], c4, tn, XI * tn).t();
                    matmul_into(&mut du[xi * c4..], XI * c4, lhs, rhs, k > 0);
                }
            });
        });
    }
    du
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portable::testing;

    /// `n` values uniform in [-1, 1) drawn from `seed`.
    fn random(n: usize, seed: u64) -> Vec<f64> {
        testing::random(n, seed).to_vec1().unwrap()
    }

    /// The direct convolution, (O, B·Ho·Wo), cell by cell.
    fn direct(x: &[f64], w: &[f64], o: usize, g: &ConvGeometry) -> Vec<f64> {
        let mut y = vec![0.0; o * g.cols()];
        for oc in 0..o {
            for b in 0..g.batch {
                for oy in 0..g.out_h {
                    for ox in 0..g.out_w {
                        let mut sum = 0.0;
                        for c in 0..g.channels {
                            for ky in 0..4 {
                                for kx in 0..4 {
                                    let iy =
                                        (2 * oy + ky).checked_sub(g.pad_top).filter(|&v| v < g.h);
                                    let ix =
                                        (2 * ox + kx).checked_sub(g.pad_left).filter(|&v| v < g.w);
                                    if let (Some(iy), Some(ix)) = (iy, ix) {
                                        let xv = x[((c * g.batch + b) * g.h + iy) * g.w + ix];
                                        sum += w[((oc * g.channels + c) * 4 + ky) * 4 + kx] * xv;
                                    }
                                }
                            }
                        }
                        y[oc * g.cols() + (b * g.out_h + oy) * g.out_w + ox] = sum;
                    }
                }
            }
        }
        y
    }

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(a, b)| a * b).sum()
    }

    fn assert_close(a: f64, b: f64, what: &str) {
        assert!(
            (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs())),
            "{what}: {a} vs {b}"
        );
    }

    /// Forward equals the direct convolution; the transposed convolution and the weight
    /// gradient are its adjoints: ⟨conv(x), gy⟩ = ⟨x, convᵀ(gy)⟩ = ⟨w, ∂w(x, gy)⟩.
    fn check(g: ConvGeometry, o: usize) {
        assert!(applies(&g), "{g:?}");
        let x = random(g.input_len(), 1);
        let w = random(o * g.channels * 16, 2);
        let gy = random(o * g.cols(), 3);
        let u = transform_weight(&w, o, g.channels);
        // Two parts, to cover a part that does not start at sample 0.
        let split = g.batch / 2;
        let mut y = vec![0.0; o * g.cols()];
        let mut dx = Vec::new();
        for part in [0..split, split..g.batch] {
            let yp = forward_part(&x, &u, &g, part.clone());
            let n = part.len() * g.out_plane();
            for oc in 0..o {
                let dst = &mut y[oc * g.cols() + part.start * g.out_plane()..][..n];
                dst.copy_from_slice(&yp[oc * n..][..n]);
            }
            let dxp = transpose_part(&gy, &u, &g, part.clone());
            let n = part.len() * g.in_plane();
            dx.push((part, dxp, n));
        }
        let expected = direct(&x, &w, o, &g);
        for (a, b) in y.iter().zip(&expected) {
            assert_close(*a, *b, &format!("forward {g:?}"));
        }
        let lhs = dot(&expected, &gy);
        let mut rhs = 0.0;
        for (part, dxp, n) in &dx {
            for c in 0..g.channels {
                let xs = &x[(c * g.batch + part.start) * g.in_plane()..][..*n];
                rhs += dot(xs, &dxp[c * n..][..*n]);
            }
        }
        assert_close(lhs, rhs, &format!("transpose {g:?}"));
        let du: Vec<f64> = [0..split, split..g.batch]
            .into_iter()
            .map(|part| weight_grad_part(&x, &gy, &g, part))
            .fold(vec![0.0; XI * o * 4 * g.channels], |acc, d| {
                acc.iter().zip(&d).map(|(a, b)| a + b).collect()
            });
        let dw = weight_from_transformed(&du, o, g.channels);
        assert_close(lhs, dot(&w, &dw), &format!("weight gradient {g:?}"));
    }

    fn geometry(
        h: usize,
        w: usize,
        pad_top: usize,
        pad_left: usize,
        out: (usize, usize),
    ) -> ConvGeometry {
        ConvGeometry {
            channels: 3,
            batch: 5,
            h,
            w,
            kernel: 4,
            stride: 2,
            pad_top,
            pad_left,
            out_h: out.0,
            out_w: out.1,
        }
    }

    #[test]
    fn matches_the_direct_convolution_and_its_adjoints() {
        // 'same' (padding 1), odd input sizes, no padding, and more padding than reads.
        check(geometry(8, 12, 1, 1, (4, 6)), 4);
        check(geometry(7, 11, 1, 1, (4, 6)), 2);
        check(geometry(10, 6, 0, 0, (4, 2)), 3);
        check(geometry(4, 4, 2, 3, (4, 4)), 2);
        assert!(!applies(&geometry(5, 7, 1, 1, (3, 4))));
    }
}
