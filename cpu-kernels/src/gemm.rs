//! Strided matrix products on slices, by the `gemm` crate on rayon's global pool.

use super::elem::Elem;

/// A read-only matrix inside a slice: element (i, j) at `i · row_stride + j · col_stride`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a, T> View<'a, T> {
    /// The row-major (rows, cols) matrix at the start of `data`.
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, cols)
    }

    /// The (rows, cols) matrix at the start of `data` whose rows are `row_stride` apart.
    pub fn strided(data: &'a [T], rows: usize, cols: usize, row_stride: usize) -> Self {
        let view = Self {
            data,
            rows,
            cols,
            row_stride,
            col_stride: 1,
        };
        view.check();
        view
    }

    /// The transpose (no copy).
    pub fn t(self) -> Self {
        Self {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }

    /// The `len` columns from column `start`.
    pub fn columns(self, start: usize, len: usize) -> Self {
        assert!(start + len <= self.cols, "column range out of the matrix");
        Self {
            data: &self.data[(start * self.col_stride).min(self.data.len())..],
            cols: len,
            ..self
        }
    }

    /// The `len` rows from row `start`.
    pub fn rows(self, start: usize, len: usize) -> Self {
        assert!(start + len <= self.rows, "row range out of the matrix");
        Self {
            data: &self.data[(start * self.row_stride).min(self.data.len())..],
            rows: len,
            ..self
        }
    }

    fn check(&self) {
        if self.rows > 0 && self.cols > 0 {
            let last = (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride;
            assert!(last < self.data.len(), "matrix view out of its slice");
        }
    }
}

/// `dst = lhs × rhs`, or `dst += lhs × rhs` when `accumulate`; `dst` is the row-major
/// (lhs rows, rhs cols) matrix at the start of the slice with rows `dst_row_stride` apart.
///
/// Called from a rayon task (a part of the batch, see [`super::parts`]) the product runs on
/// that task's thread; called from elsewhere it uses every thread of rayon's pool.
pub(crate) fn matmul_into<T: Elem>(
    dst: &mut [T],
    dst_row_stride: usize,
    lhs: View<T>,
    rhs: View<T>,
    accumulate: bool,
) {
    let (m, n, k) = (lhs.rows, rhs.cols, lhs.cols);
    assert_eq!(rhs.rows, k, "matmul: inner sizes differ");
    if m == 0 || n == 0 {
        return;
    }
    assert!(
        (m - 1) * dst_row_stride + n <= dst.len(),
        "matmul: destination too short"
    );
    if k == 0 {
        if !accumulate {
            for row in dst.chunks_mut(dst_row_stride).take(m) {
                row[..n].fill(T::ZERO);
            }
        }
        return;
    }
    lhs.check();
    rhs.check();
    let threads = match rayon::current_thread_index() {
        Some(_) => 1,
        None => rayon::current_num_threads(),
    };
    let parallelism = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    let s = |v: usize| v as isize;
    // SAFETY: every view lies inside its slice (checked in `View::check`), the destination
    // rows lie inside `dst` (checked above), and `dst` does not alias the inputs (it is
    // borrowed mutably while they are borrowed shared).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            s(dst_row_stride),
            accumulate,
            lhs.data.as_ptr(),
            s(lhs.col_stride),
            s(lhs.row_stride),
            rhs.data.as_ptr(),
            s(rhs.col_stride),
            s(rhs.row_stride),
            T::ONE,
            T::ONE,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_products_and_accumulation() {
        // lhs = [[1, 2], [3, 4]], rhs = [[5, 6, 7], [8, 9, 10]].
        let lhs = [1.0f64, 2.0, 3.0, 4.0];
        let rhs = [5.0f64, 6.0, 7.0, 8.0, 9.0, 10.0];
        let mut dst = [0.0f64; 8];
        // Written into a (2, 4) buffer, rows 4 apart; the last column is left alone.
        dst[3] = -1.0;
        matmul_into(
            &mut dst,
            4,
            View::new(&lhs, 2, 2),
            View::new(&rhs, 2, 3),
            false,
        );
        assert_eq!(dst, [21.0, 24.0, 27.0, -1.0, 47.0, 54.0, 61.0, 0.0]);
        // Transposed views: lhsᵀ × lhs = [[10, 14], [14, 20]], added to what is there.
        let mut gram = [1.0f64; 4];
        let l = View::new(&lhs, 2, 2);
        matmul_into(&mut gram, 2, l.t(), l, true);
        assert_eq!(gram, [11.0, 15.0, 15.0, 21.0]);
        // Column and row ranges: rhs[:, 1..3] and lhs[1..2, :].
        let mut one = [0.0f64; 2];
        matmul_into(
            &mut one,
            2,
            View::new(&lhs, 2, 2).rows(1, 1),
            View::new(&rhs, 2, 3).columns(1, 2),
            false,
        );
        assert_eq!(one, [3.0 * 6.0 + 4.0 * 9.0, 3.0 * 7.0 + 4.0 * 10.0]);
    }
}
