//! The crate-wide error, [`Error`], at the top of the crate: each module's own error (one per
//! concern, in that module) converts into it. The modules' errors are re-exported here.

use std::path::PathBuf;

pub use crate::audio::AudioError;
pub use crate::compose::{ComposeError, PhraseEndsError};
pub use crate::data::DataError;
pub use crate::files::FileError;
pub use crate::metrics::harmony::HarmonyError;
pub use crate::metrics::voice_leading::VoiceLeadingError;
pub use crate::metrics::KeyParseError;
pub use crate::midi::MidiError;
pub use crate::model::ModelError;
pub use crate::plot::PlotError;
pub use crate::roll::ShapeError;
pub use crate::settings::SettingError;
pub use crate::train::TrainError;

/// Any error gan-core can return.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing MIDI failed.
    #[error(transparent)]
    Midi(#[from] MidiError),
    /// Loading or saving the data set or an array failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Rendering audio failed.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// Composing an accompaniment failed.
    #[error(transparent)]
    Compose(Box<ComposeError>),
    /// Drawing a plot failed.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// Analysing voice leading failed.
    #[error(transparent)]
    VoiceLeading(#[from] VoiceLeadingError),
    /// Analysing harmony failed.
    #[error(transparent)]
    Harmony(#[from] HarmonyError),
    /// Building, running, loading or saving the networks failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Training stopped, or its configuration or checkpoints are bad.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// An array or roll has the wrong shape.
    #[error(transparent)]
    Shape(#[from] ShapeError),
    /// Phrase ends given as bar numbers are not numbers or not bars of the piece.
    #[error(transparent)]
    PhraseEnds(#[from] PhraseEndsError),
    /// Text that should name a key does not.
    #[error(transparent)]
    Key(#[from] KeyParseError),
    /// A setting read from the environment does not parse.
    #[error(transparent)]
    Setting(#[from] SettingError),
    /// Something about a named input file went wrong (e.g. its melody could not be composed for).
    #[error("{}: {source}", path.display())]
    Input {
        /// The input file.
        path: PathBuf,
        /// What went wrong with it.
        source: Box<Error>,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl From<FileError> for Error {
    fn from(err: FileError) -> Self {
        Error::Io {
            path: err.path,
            source: err.source,
        }
    }
}

impl From<ComposeError> for Error {
    fn from(err: ComposeError) -> Self {
        Error::Compose(Box::new(err))
    }
}

/// Shorthand for results with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
