//! The batch split into parts that run in parallel, one thread each, and the parts' results
//! put together.
//!
//! Each op works through its part of the batch chunk by chunk on one thread, its matrix
//! products single-threaded ([`super::gemm::matmul_into`] runs on one thread inside a rayon
//! task). An op then has one fork and one join however many chunks it has, and no stalls at
//! every matrix product when other processes compete for the cores. Results that are put side
//! by side come in a few parts per thread, which rayon's work stealing hands to whichever
//! thread is free: a thread slowed by another process then does fewer of them instead of
//! holding the other one up at the join. A batch of one sample is one part, whose matrix
//! products use every thread instead.

use std::ops::Range;

use rayon::prelude::*;

use super::elem::{Elem, ELEMENTWISE_TASK};
use super::kinds::Activation;

/// Parts for results that are summed (weight gradients): always two, so that the summation
/// order, and with it every bit of the result, does not depend on the number of threads.
pub(crate) const SUM_PARTS: usize = 2;

/// Parts per thread for results that are put side by side.
const PARTS_PER_THREAD: usize = 4;

/// Parts for results that are put side by side: a few per thread, for balance.
pub(crate) fn output_parts() -> usize {
    PARTS_PER_THREAD * rayon::current_num_threads().max(1)
}

/// The batch split into at most `n` parts of nearly equal size, in order.
fn split(batch: usize, n: usize) -> Vec<Range<usize>> {
    let n = n.clamp(1, batch.max(1));
    (0..n)
        .map(|i| (i * batch / n)..((i + 1) * batch / n))
        .collect()
}

/// Runs `f` on each part of the batch (at most `n` parts), in parallel, and returns the
/// results in part order with their sample ranges. A single part runs on the calling thread.
pub(crate) fn map_parts<R: Send>(
    batch: usize,
    n: usize,
    f: impl Fn(Range<usize>) -> R + Sync,
) -> Vec<(Range<usize>, R)> {
    let parts = split(batch, n);
    if parts.len() == 1 {
        return parts
            .into_iter()
            .map(|p| {
                let r = f(p.clone());
                (p, r)
            })
            .collect();
    }
    parts
        .into_par_iter()
        .map(|p| {
            let r = f(p.clone());
            (p, r)
        })
        .collect()
}

/// Puts the parts' blocks, each (rows, part length · per_sample) row-major, side by side into
/// (rows, batch · per_sample), adding `bias[row]` and applying `act` on the way.
pub(crate) fn assemble<T: Elem>(
    parts: &[(Range<usize>, Vec<T>)],
    rows: usize,
    per_sample: usize,
    bias: Option<&[T]>,
    act: Activation,
) -> Vec<T> {
    let batch = parts.last().map_or(0, |(p, _)| p.end);
    let width = batch * per_sample;
    let mut out = vec![T::ZERO; rows * width];
    if width == 0 {
        return out;
    }
    out.par_chunks_mut(width)
        .enumerate()
        .for_each(|(row, dst)| {
            let b = bias.map_or(T::ZERO, |b| b[row]);
            for (part, block) in parts {
                let n = part.len() * per_sample;
                let src = &block[row * n..][..n];
                let dst = &mut dst[part.start * per_sample..][..n];
                act.apply_affine(dst, src, T::ONE, b);
            }
        });
    out
}

/// The sum of the parts' results, added in part order.
pub(crate) fn sum<T: Elem>(parts: Vec<(Range<usize>, Vec<T>)>) -> Vec<T> {
    let mut parts = parts.into_iter().map(|(_, v)| v);
    let mut total = parts.next().unwrap_or_default();
    for part in parts {
        total
            .par_chunks_mut(ELEMENTWISE_TASK)
            .zip(part.par_chunks(ELEMENTWISE_TASK))
            .for_each(|(t, p)| {
                for (t, &p) in t.iter_mut().zip(p) {
                    *t += p;
                }
            });
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_batch_in_order() {
        assert_eq!(split(7, 2), vec![0..3, 3..7]);
        assert_eq!(split(1, 2), vec![0..1]);
        assert_eq!(split(5, 1), vec![0..5]);
        assert_eq!(split(2, 4), vec![0..1, 1..2]);
        let done = map_parts(9, 3, |p| p.len());
        assert_eq!(done, vec![(0..3, 3), (3..6, 3), (6..9, 3)]);
    }

    #[test]
    fn assemble_and_sum_put_parts_together() {
        // Two rows; samples 0 and 1..3 with one value per sample.
        let parts = vec![(0..1, vec![1.0f64, 2.0]), (1..3, vec![3.0, 4.0, 5.0, 6.0])];
        let out = assemble(&parts, 2, 1, Some(&[0.5, -10.0]), Activation::Relu);
        assert_eq!(out, vec![1.5, 3.5, 4.5, 0.0, 0.0, 0.0]);
        assert_eq!(sum(parts[..1].to_vec()), vec![1.0, 2.0]);
        let same = vec![(0..1, vec![1.0f64, 2.0]), (1..2, vec![3.0, 4.0])];
        assert_eq!(sum(same), vec![4.0, 6.0]);
    }
}
