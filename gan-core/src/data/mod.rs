//! The Bach chorale data set: the index, snippets and windows as `(N, 32, 128, 4)` arrays, the
//! train/eval split, and `.npy` I/O.

/// What can go wrong loading the data set or an array.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The data set's index is missing or malformed.
    #[error("bad data set index: {0}")]
    Index(String),
}
