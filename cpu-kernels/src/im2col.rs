//! im2col and its adjoint col2im over a range of the batch: the data movement under the
//! convolutions.
//!
//! Activations are channels-major, (C, B, H, W). `im2col` lays out the receptive fields of a
//! convolution for samples b0..b1 as a (C·k·k, (b1 − b0)·Ho·Wo) matrix, so the convolution of
//! those samples is one matrix product (out, C·k·k) × (C·k·k, n) whose result is already
//! channels-major. `col2im` is its adjoint: it adds each entry back into the input cell it came
//! from. The convolutions work through the batch a chunk at a time ([`batch_chunks`]) so that
//! the column matrix stays small enough to be reused and to stay in cache.

use std::ops::Range;

use rayon::prelude::*;

use super::elem::Elem;

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

/// How the rows of a column matrix are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowOrder {
    /// Row (c, ky, kx): matches an OIHW kernel reshaped to (O, C·k·k).
    ChannelMajor,
    /// Row (ky, kx, c): the rows of one tap are contiguous, so a subset of taps is a few row
    /// blocks (the phase convolutions use this).
    TapMajor,
}

/// The column matrix of one batch chunk holds at most about this many elements (4 MiB of
/// f32): small enough to be reused from the scratch pool and to stay in the last-level cache
/// between im2col and the matrix product that reads it.
const CHUNK_ELEMENTS: usize = 1 << 20;

/// The (before, after) zero padding TensorFlow's 'same' uses on one axis of `size` cells.
pub fn same_padding(size: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let out = size.div_ceil(stride);
    let total = ((out - 1) * stride + kernel).saturating_sub(size);
    (total / 2, total - total / 2)
}

impl ConvGeometry {
    /// A `kernel` × `kernel` convolution of stride `stride` with TensorFlow's 'same' padding,
    /// on `channels` × `batch` inputs of `h` × `w` cells.
    pub fn same(
        channels: usize,
        batch: usize,
        (h, w): (usize, usize),
        kernel: usize,
        stride: usize,
    ) -> Self {
        Self {
            channels,
            batch,
            h,
            w,
            kernel,
            stride,
            pad_top: same_padding(h, kernel, stride).0,
            pad_left: same_padding(w, kernel, stride).0,
            out_h: h.div_ceil(stride),
            out_w: w.div_ceil(stride),
        }
    }

    /// Rows of the column matrix: C·k·k.
    pub fn rows(&self) -> usize {
        self.channels * self.kernel * self.kernel
    }

    /// Output cells per sample and channel: Ho·Wo.
    pub fn out_plane(&self) -> usize {
        self.out_h * self.out_w
    }

    /// Input cells per sample and channel: H·W.
    pub fn in_plane(&self) -> usize {
        self.h * self.w
    }

    /// The elements of the input, C·B·H·W.
    pub fn input_len(&self) -> usize {
        self.channels * self.batch * self.in_plane()
    }

    /// Columns of the column matrix of the whole batch: B·Ho·Wo.
    pub fn cols(&self) -> usize {
        self.batch * self.out_plane()
    }

    /// The output columns `ox` whose input column `ox·s + kx − pad_left` lies inside the input,
    /// as a range.
    fn valid_ox(&self, kx: usize) -> Range<usize> {
        let s = self.stride;
        // ox·s + kx ≥ pad_left  and  ox·s + kx − pad_left < w.
        let lo = self.pad_left.saturating_sub(kx).div_ceil(s).min(self.out_w);
        let hi = (self.w + self.pad_left)
            .saturating_sub(kx)
            .div_ceil(s)
            .min(self.out_w);
        lo..hi.max(lo)
    }

    /// The input row read by output row `oy` at kernel row `ky`, if inside the input.
    fn input_row(&self, oy: usize, ky: usize) -> Option<usize> {
        (oy * self.stride + ky)
            .checked_sub(self.pad_top)
            .filter(|&iy| iy < self.h)
    }

    /// The (channel, ky, kx) of column-matrix row `row`.
    fn tap(&self, row: usize, order: RowOrder) -> (usize, usize, usize) {
        let k = self.kernel;
        match order {
            RowOrder::ChannelMajor => (row / (k * k), (row / k) % k, row % k),
            RowOrder::TapMajor => {
                let t = row / self.channels;
                (row % self.channels, t / k, t % k)
            }
        }
    }

    /// The column-matrix row of (channel, ky, kx).
    fn row(&self, c: usize, ky: usize, kx: usize, order: RowOrder) -> usize {
        let k = self.kernel;
        match order {
            RowOrder::ChannelMajor => (c * k + ky) * k + kx,
            RowOrder::TapMajor => (ky * k + kx) * self.channels + c,
        }
    }
}

/// The samples `samples` split into consecutive chunks whose column matrices of `rows` rows
/// stay near [`CHUNK_ELEMENTS`] elements (one sample at least).
pub(crate) fn batch_chunks(
    g: &ConvGeometry,
    rows: usize,
    samples: Range<usize>,
) -> impl Iterator<Item = Range<usize>> {
    chunks_of(samples, rows * g.out_plane())
}

/// The samples `samples` split into consecutive chunks of about [`CHUNK_ELEMENTS`] elements
/// at `per_sample` elements each (one sample at least).
pub(crate) fn chunks_of(
    samples: Range<usize>,
    per_sample: usize,
) -> impl Iterator<Item = Range<usize>> {
    let size = (CHUNK_ELEMENTS / per_sample.max(1)).clamp(1, samples.len().max(1));
    let end = samples.end;
    samples.step_by(size).map(move |b| b..(b + size).min(end))
}

/// Writes the column matrix of samples `samples` of `x` (C, B, H, W) into `dst`,
/// (C·k·k, len·Ho·Wo) with rows in `order`: row (c, ky, kx), column (b, oy, ox) holds
/// x[c, b, oy·s + ky − pad_top, ox·s + kx − pad_left], 0 outside the input. Every element of
/// `dst` is written.
pub(crate) fn im2col_into<T: Elem>(
    x: &[T],
    g: &ConvGeometry,
    order: RowOrder,
    samples: Range<usize>,
    dst: &mut [T],
) {
    let n = samples.len() * g.out_plane();
    assert_eq!(x.len(), g.input_len(), "im2col: input size");
    assert_eq!(dst.len(), g.rows() * n, "im2col: column matrix size");
    if n == 0 {
        return;
    }
    if g.stride > 1 && order == RowOrder::ChannelMajor {
        return im2col_strided(x, g, samples, dst);
    }
    dst.par_chunks_mut(n).enumerate().for_each(|(row, dst)| {
        let (c, ky, kx) = g.tap(row, order);
        let valid = g.valid_ox(kx);
        // The input column read by the first valid output column.
        let ix0 = (valid.start * g.stride + kx).saturating_sub(g.pad_left);
        for (i, b) in samples.clone().enumerate() {
            for oy in 0..g.out_h {
                let d = &mut dst[(i * g.out_h + oy) * g.out_w..][..g.out_w];
                let Some(iy) = g.input_row(oy, ky) else {
                    d.fill(T::ZERO);
                    continue;
                };
                d[..valid.start].fill(T::ZERO);
                d[valid.end..].fill(T::ZERO);
                let src = &x[((c * g.batch + b) * g.h + iy) * g.w..][..g.w];
                let d = &mut d[valid.clone()];
                if g.stride == 1 {
                    d.copy_from_slice(&src[ix0..ix0 + d.len()]);
                } else {
                    for (j, v) in d.iter_mut().enumerate() {
                        *v = src[ix0 + j * g.stride];
                    }
                }
            }
        }
    });
}

/// The adjoint of [`im2col_into`]: adds each entry of `cols`, the (C·k·k, len·Ho·Wo) column
/// matrix of samples `samples` with rows in `order`, into the cell of `dx` it was read from;
/// `dx` (C, held.len(), H, W) holds the samples `held` of the input, `samples` among them.
pub(crate) fn col2im_add<T: Elem>(
    cols: &[T],
    g: &ConvGeometry,
    order: RowOrder,
    samples: Range<usize>,
    held: Range<usize>,
    dx: &mut [T],
) {
    let n = samples.len() * g.out_plane();
    let plane = held.len() * g.in_plane();
    assert_eq!(dx.len(), g.channels * plane, "col2im: input size");
    assert!(
        held.start <= samples.start && samples.end <= held.end,
        "col2im: samples held"
    );
    assert_eq!(cols.len(), g.rows() * n, "col2im: column matrix size");
    if n == 0 || plane == 0 {
        return;
    }
    if g.stride > 1 && order == RowOrder::ChannelMajor {
        return col2im_strided(cols, g, samples, held, dx);
    }
    let k = g.kernel;
    dx.par_chunks_mut(plane).enumerate().for_each(|(c, dxc)| {
        for (ky, kx) in (0..k).flat_map(|ky| (0..k).map(move |kx| (ky, kx))) {
            let row = &cols[g.row(c, ky, kx, order) * n..][..n];
            let valid = g.valid_ox(kx);
            let ix0 = (valid.start * g.stride + kx).saturating_sub(g.pad_left);
            for (i, b) in samples.clone().enumerate() {
                for oy in 0..g.out_h {
                    let Some(iy) = g.input_row(oy, ky) else {
                        continue;
                    };
                    let dst = &mut dxc[((b - held.start) * g.h + iy) * g.w..][..g.w];
                    let src = &row[(i * g.out_h + oy) * g.out_w..][..g.out_w];
                    if g.stride == 1 {
                        let dst = &mut dst[ix0..ix0 + valid.len()];
                        for (d, &v) in dst.iter_mut().zip(&src[valid.clone()]) {
                            *d += v;
                        }
                    } else {
                        for (j, &v) in src[valid.clone()].iter().enumerate() {
                            dst[ix0 + j * g.stride] += v;
                        }
                    }
                }
            }
        }
    });
}

/// An input row split by column phase for a stride-s convolution: phase q holds the row's
/// cells q, q + s, q + 2s, …, so that the cells one kernel column reads are contiguous.
struct PhaseRow<T> {
    cells: Vec<T>,
    stride: usize,
    len: usize,
}

impl<T: Elem> PhaseRow<T> {
    fn new(w: usize, stride: usize) -> Self {
        let len = w.div_ceil(stride);
        Self {
            cells: vec![T::ZERO; stride * len],
            stride,
            len,
        }
    }

    /// The `n` cells ix0, ix0 + s, … as one contiguous run.
    fn run(&self, ix0: usize, n: usize) -> &[T] {
        &self.cells[(ix0 % self.stride) * self.len + ix0 / self.stride..][..n]
    }

    fn run_mut(&mut self, ix0: usize, n: usize) -> &mut [T] {
        &mut self.cells[(ix0 % self.stride) * self.len + ix0 / self.stride..][..n]
    }

    /// Splits `row` into the phases.
    fn load(&mut self, row: &[T]) {
        for (j, cells) in row.chunks(self.stride).enumerate() {
            for (q, &v) in cells.iter().enumerate() {
                self.cells[q * self.len + j] = v;
            }
        }
    }

    /// Adds the phases back into `row`, interleaved.
    fn add_to(&self, row: &mut [T]) {
        for (j, cells) in row.chunks_mut(self.stride).enumerate() {
            for (q, v) in cells.iter_mut().enumerate() {
                *v += self.cells[q * self.len + j];
            }
        }
    }
}

/// [`im2col_into`] for strides above 1 and rows in channel-major order: each task fills the k
/// rows (c, ky, ·) and reads each input row once, split by column phase, so that every row
/// segment is a contiguous copy.
fn im2col_strided<T: Elem>(x: &[T], g: &ConvGeometry, samples: Range<usize>, dst: &mut [T]) {
    let (k, n) = (g.kernel, samples.len() * g.out_plane());
    let valid: Vec<Range<usize>> = (0..k).map(|kx| g.valid_ox(kx)).collect();
    dst.par_chunks_mut(k * n)
        .enumerate()
        .for_each(|(group, dst)| {
            let (c, ky) = (group / k, group % k);
            let mut phases = PhaseRow::new(g.w, g.stride);
            for (i, b) in samples.clone().enumerate() {
                for oy in 0..g.out_h {
                    let at = (i * g.out_h + oy) * g.out_w;
                    let Some(iy) = g.input_row(oy, ky) else {
                        for kx in 0..k {
                            dst[kx * n + at..][..g.out_w].fill(T::ZERO);
                        }
                        continue;
                    };
                    phases.load(&x[((c * g.batch + b) * g.h + iy) * g.w..][..g.w]);
                    for (kx, valid) in valid.iter().enumerate() {
                        let d = &mut dst[kx * n + at..][..g.out_w];
                        d[..valid.start].fill(T::ZERO);
                        d[valid.end..].fill(T::ZERO);
                        if !valid.is_empty() {
                            let ix0 = valid.start * g.stride + kx - g.pad_left;
                            d[valid.clone()].copy_from_slice(phases.run(ix0, valid.len()));
                        }
                    }
                }
            }
        });
}

/// [`col2im_add`] for strides above 1 and rows in channel-major order: the k kernel columns
/// of one input row are summed into its column phases (contiguous adds), then added to the row.
fn col2im_strided<T: Elem>(
    cols: &[T],
    g: &ConvGeometry,
    samples: Range<usize>,
    held: Range<usize>,
    dx: &mut [T],
) {
    let (k, n) = (g.kernel, samples.len() * g.out_plane());
    let plane = held.len() * g.in_plane();
    let valid: Vec<Range<usize>> = (0..k).map(|kx| g.valid_ox(kx)).collect();
    dx.par_chunks_mut(plane).enumerate().for_each(|(c, dxc)| {
        let mut phases = PhaseRow::new(g.w, g.stride);
        for ky in 0..k {
            for (i, b) in samples.clone().enumerate() {
                for oy in 0..g.out_h {
                    let Some(iy) = g.input_row(oy, ky) else {
                        continue;
                    };
                    phases.cells.fill(T::ZERO);
                    let at = (i * g.out_h + oy) * g.out_w;
                    for (kx, valid) in valid.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
                        let row = g.row(c, ky, kx, RowOrder::ChannelMajor);
                        let src = &cols[row * n + at..][..g.out_w];
                        let ix0 = valid.start * g.stride + kx - g.pad_left;
                        for (d, &v) in phases
                            .run_mut(ix0, valid.len())
                            .iter_mut()
                            .zip(&src[valid.clone()])
                        {
                            *d += v;
                        }
                    }
                    phases.add_to(&mut dxc[((b - held.start) * g.h + iy) * g.w..][..g.w]);
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn geometry(
        stride: usize,
        kernel: usize,
        hw: (usize, usize),
        pad: (usize, usize),
        out: (usize, usize),
    ) -> ConvGeometry {
        ConvGeometry {
            channels: 2,
            batch: 3,
            h: hw.0,
            w: hw.1,
            kernel,
            stride,
            pad_top: pad.0,
            pad_left: pad.1,
            out_h: out.0,
            out_w: out.1,
        }
    }

    fn random(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| rng.random::<f64>() - 0.5).collect()
    }

    #[test]
    fn im2col_reads_the_receptive_field() {
        // One channel, one sample, 3 × 3 input 1..9, k4 stride 2 padding 1: output 2 × 2.
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
        let x: Vec<f64> = (1..=9).map(f64::from).collect();
        // Stale values in the buffer must all be overwritten.
        let mut cols = vec![f64::NAN; 16 * 4];
        im2col_into(&x, &g, RowOrder::ChannelMajor, 0..1, &mut cols);
        let row = |r: usize| cols[r * 4..r * 4 + 4].to_vec();
        // Row (ky 1, kx 1) reads x[2·oy][2·ox]: 1, 3, 7, 9.
        assert_eq!(row(5), vec![1.0, 3.0, 7.0, 9.0]);
        // Row (ky 0, kx 0) reads x[2·oy − 1][2·ox − 1]: padding except (1, 1) → x[1][1] = 5.
        assert_eq!(row(0), vec![0.0, 0.0, 0.0, 5.0]);
        // Row (ky 3, kx 2) reads x[2·oy + 2][2·ox + 1]: only (0, 0) → x[2][1] = 8.
        assert_eq!(row(14), vec![8.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn tap_major_rows_are_a_permutation_of_channel_major_rows() {
        let g = geometry(1, 3, (4, 5), (1, 1), (4, 5));
        let x = random(g.input_len(), 1);
        let n = 2 * g.out_plane();
        let (mut a, mut b) = (vec![0.0; g.rows() * n], vec![0.0; g.rows() * n]);
        im2col_into(&x, &g, RowOrder::ChannelMajor, 1..3, &mut a);
        im2col_into(&x, &g, RowOrder::TapMajor, 1..3, &mut b);
        for c in 0..2 {
            for (ky, kx) in [(0, 0), (1, 2), (2, 1)] {
                let ra = g.row(c, ky, kx, RowOrder::ChannelMajor);
                let rb = g.row(c, ky, kx, RowOrder::TapMajor);
                assert_eq!(a[ra * n..][..n], b[rb * n..][..n]);
            }
        }
    }

    /// ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩ on every batch chunk.
    fn check_adjoint(g: ConvGeometry, order: RowOrder) {
        let x = random(g.input_len(), 2);
        for samples in [0..g.batch, 1..2, 2..3] {
            let n = samples.len() * g.out_plane();
            let y = random(g.rows() * n, 3);
            let mut cols = vec![0.0; g.rows() * n];
            im2col_into(&x, &g, order, samples.clone(), &mut cols);
            let lhs: f64 = cols.iter().zip(&y).map(|(a, b)| a * b).sum();
            let mut back = vec![0.0; g.input_len()];
            col2im_add(&y, &g, order, samples.clone(), 0..g.batch, &mut back);
            let rhs: f64 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
            assert!(
                (lhs - rhs).abs() < 1e-12 * lhs.abs().max(1.0),
                "{lhs} vs {rhs}"
            );
            // The same into a buffer holding only those samples.
            let plane = g.h * g.w;
            let mut part = vec![0.0; g.channels * samples.len() * plane];
            col2im_add(&y, &g, order, samples.clone(), samples.clone(), &mut part);
            let rhs: f64 = (0..g.channels)
                .flat_map(|c| samples.clone().map(move |b| (c, b)))
                .map(|(c, b)| {
                    let i = (c * samples.len() + b - samples.start) * plane;
                    let xs = &x[(c * g.batch + b) * plane..][..plane];
                    xs.iter()
                        .zip(&part[i..i + plane])
                        .map(|(a, b)| a * b)
                        .sum::<f64>()
                })
                .sum();
            assert!(
                (lhs - rhs).abs() < 1e-12 * lhs.abs().max(1.0),
                "{lhs} vs {rhs}"
            );
        }
    }

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        for order in [RowOrder::ChannelMajor, RowOrder::TapMajor] {
            check_adjoint(geometry(2, 4, (8, 12), (1, 1), (4, 6)), order);
            check_adjoint(geometry(1, 4, (5, 7), (1, 1), (5, 7)), order);
            check_adjoint(geometry(2, 4, (5, 7), (1, 1), (3, 4)), order);
            check_adjoint(geometry(1, 4, (4, 6), (0, 0), (1, 3)), order);
            check_adjoint(geometry(1, 3, (2, 8), (1, 1), (2, 8)), order);
        }
    }

    #[test]
    fn chunks_cover_the_batch_in_order() {
        let mut g = geometry(1, 3, (2, 8), (1, 1), (2, 8));
        g.batch = 100_000;
        let chunks: Vec<_> = batch_chunks(&g, g.rows(), 0..g.batch).collect();
        assert!(chunks.len() > 1);
        assert_eq!(chunks[0].start, 0);
        assert_eq!(chunks.last().unwrap().end, g.batch);
        assert!(chunks.windows(2).all(|w| w[0].end == w[1].start));
        let per_sample = g.rows() * g.out_plane();
        assert!(chunks[0].len() * per_sample <= CHUNK_ELEMENTS);
        // A sample larger than the budget still forms a chunk.
        assert_eq!(
            batch_chunks(&g, CHUNK_ELEMENTS, 0..g.batch).next(),
            Some(0..1)
        );
        let part: Vec<_> = batch_chunks(&g, CHUNK_ELEMENTS, 5..8).collect();
        assert_eq!(part, vec![5..6, 6..7, 7..8]);
    }
}
