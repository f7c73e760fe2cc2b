//! The Bach chorale data set: the index, snippets and windows as `(N, 32, 128, 4)` arrays, the
//! train/eval split, batches, and `.npy` I/O.

mod augment;
mod batches;
mod index;
mod npy;
mod set;
mod snippets;

pub use augment::{random_shifts, transpose_batch};
pub use batches::Batches;
pub use index::{ChoraleEntry, DatasetIndex, KeySignature, INDEX_FILE};
pub use npy::{load_npy, save_npy};
pub use set::{candidate_dirs, default_dir, find_dir, Chorale, Dataset};
pub use snippets::{SnippetMode, Snippets, Split};

use std::path::PathBuf;

/// What can go wrong loading the data set or an array.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The data set's index is missing or malformed.
    #[error("bad data set index {path}: {reason}")]
    Index {
        /// The index file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A chorale's MIDI file does not hold the four voices the index promises.
    #[error("chorale {id} ({path}): {reason}")]
    Chorale {
        /// The chorale's id, e.g. "bwv269".
        id: String,
        /// Its MIDI file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A `.npy` file could not be read or written, or holds the wrong dtype.
    #[error("{path}: {reason}")]
    Npy {
        /// The `.npy` file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// No data directory was found.
    #[error(
        "no data set found (a directory holding index.json); looked in {}; set GAN_DATA_DIR to \
         the data directory of a checkout",
        .looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    NotFound {
        /// Every directory looked in, in order.
        looked: Vec<PathBuf>,
    },
    /// A request that the data cannot satisfy, e.g. a batch larger than the data set.
    #[error("{0}")]
    Request(String),
}
