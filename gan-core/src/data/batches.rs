//! Shuffled mini-batches that repeat forever and drop the remainder, like the lab's
//! `tf.data` pipeline (`shuffle().repeat().batch(drop_remainder=True)`).
//!
//! The stream is a pure function of the seed and the batch index: epoch `e` visits the samples
//! in an order shuffled by ChaCha8 seeded with `seed` on stream `e`, so [`Batches::starting_at`]
//! resumes it anywhere without replaying it.

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
    seed: u64,
}

impl<'a> Batches<'a> {
    /// Batches of `batch_size` from `data` (N, ...), reshuffled every epoch from `seed`.
    pub fn new(data: ArrayView4<'a, f32>, batch_size: usize, seed: u64) -> Result<Self, DataError> {
        Self::starting_at(data, batch_size, seed, 0)
    }

    /// The same stream as [`Batches::new`] with its first `index` batches skipped (without
    /// drawing them): the next batch is the one `new` would give as its `index`-th (from 0).
    pub fn starting_at(
        data: ArrayView4<'a, f32>,
        batch_size: usize,
        seed: u64,
        index: u64,
    ) -> Result<Self, DataError> {
        let n = data.len_of(Axis(0));
        if batch_size == 0 || batch_size > n {
            return Err(DataError::Request(format!(
                "batch size {batch_size} needs between 1 and {n} snippets (the data has {n})"
            )));
        }
        let per_epoch = (n / batch_size) as u64;
        let epoch = usize::try_from(index / per_epoch).map_err(|_| {
            DataError::Request(format!(
                "batch index {index} is beyond this platform's range"
            ))
        })?;
        let mut batches = Batches {
            data,
            batch_size,
            order: (0..n).collect(),
            cursor: (index % per_epoch) as usize * batch_size,
            epoch,
            seed,
        };
        batches.shuffle();
        Ok(batches)
    }

    /// Puts `order` in the current epoch's order.
    fn shuffle(&mut self) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(self.epoch as u64);
        self.order.sort_unstable();
        self.order.shuffle(&mut rng);
    }

    /// The index of the next batch in the stream (batches drawn since [`Batches::new`]).
    pub fn position(&self) -> u64 {
        (self.epoch * self.batches_per_epoch() + self.cursor / self.batch_size) as u64
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
            self.cursor = 0;
            self.epoch += 1;
            self.shuffle();
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

    #[test]
    fn starting_at_resumes_the_stream_anywhere() {
        let data = numbered(10);
        // 3 batches per epoch: index 7 is the second batch of the third epoch.
        let all: Vec<_> = Batches::new(data.view(), 3, 5).unwrap().take(12).collect();
        for start in [0u64, 1, 3, 7, 9] {
            let b = Batches::starting_at(data.view(), 3, 5, start).unwrap();
            assert_eq!(b.position(), start);
            let rest: Vec<_> = b.take(12 - start as usize).collect();
            assert_eq!(rest, all[start as usize..], "resumed at batch {start}");
        }
        let mut b = Batches::starting_at(data.view(), 3, 5, 7).unwrap();
        assert_eq!(b.epoch(), 2);
        b.next().unwrap();
        assert_eq!(b.position(), 8);
        // Each epoch has its own order.
        assert_ne!(all[0..3], all[3..6]);
    }
}
