//! Shuffled mini-batches that repeat forever and drop the remainder, like the lab's
//! `tf.data` pipeline (`shuffle().repeat().batch(drop_remainder=True)`).

use ndarray::{Array4, ArrayView4, Axis};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::DataError;

/// An endless iterator of shuffled batches drawn from a fixed array of snippets.
#[derive(Debug, Clone)]
pub struct Batches<'a> {
    data: ArrayView4<'a, f32>,
    batch_size: usize,
    order: Vec<usize>,
    cursor: usize,
    epoch: usize,
    rng: ChaCha8Rng,
}

impl<'a> Batches<'a> {
    /// Batches of `batch_size` from `data` (N, ...), reshuffled every epoch from `seed`.
    pub fn new(data: ArrayView4<'a, f32>, batch_size: usize, seed: u64) -> Result<Self, DataError> {
        let n = data.len_of(Axis(0));
        if batch_size == 0 || batch_size > n {
            return Err(DataError::Request(format!(
                "batch size {batch_size} needs between 1 and {n} snippets (the data has {n})"
            )));
        }
        let mut batches = Batches {
            data,
            batch_size,
            order: (0..n).collect(),
            cursor: 0,
            epoch: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
        };
        batches.order.shuffle(&mut batches.rng);
        Ok(batches)
    }

    /// Full passes over the data completed so far.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// Batches per epoch (the remainder is dropped).
    pub fn batches_per_epoch(&self) -> usize {
        self.order.len() / self.batch_size
    }
}

impl Iterator for Batches<'_> {
    type Item = Array4<f32>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.cursor + self.batch_size > self.order.len() {
            self.order.shuffle(&mut self.rng);
            self.cursor = 0;
            self.epoch += 1;
        }
        let picked = &self.order[self.cursor..self.cursor + self.batch_size];
        self.cursor += self.batch_size;
        Some(self.data.select(Axis(0), picked))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(n: usize) -> Array4<f32> {
        Array4::from_shape_fn((n, 1, 1, 1), |(i, _, _, _)| i as f32)
    }

    #[test]
    fn each_epoch_visits_distinct_samples_and_drops_the_remainder() {
        let data = numbered(10);
        let mut b = Batches::new(data.view(), 3, 7).unwrap();
        assert_eq!(b.batches_per_epoch(), 3);
        let mut seen: Vec<f32> = (0..3).flat_map(|_| b.next().unwrap().into_iter()).collect();
        seen.sort_by(f32::total_cmp);
        seen.dedup();
        assert_eq!(seen.len(), 9, "one epoch gives 9 distinct samples");
        assert_eq!(b.epoch(), 0);
        b.next().unwrap();
        assert_eq!(b.epoch(), 1);
    }

    #[test]
    fn same_seed_same_batches_and_bad_sizes_are_errors() {
        let data = numbered(10);
        let a: Vec<_> = Batches::new(data.view(), 4, 1).unwrap().take(5).collect();
        let b: Vec<_> = Batches::new(data.view(), 4, 1).unwrap().take(5).collect();
        let c: Vec<_> = Batches::new(data.view(), 4, 2).unwrap().take(5).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(Batches::new(data.view(), 11, 0).is_err());
        assert!(Batches::new(data.view(), 0, 0).is_err());
    }
}
