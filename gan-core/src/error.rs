//! The crate's typed errors: one enum per concern, gathered in [`Error`].

use std::path::PathBuf;

pub use crate::audio::AudioError;
pub use crate::compose::ComposeError;
pub use crate::data::DataError;
pub use crate::metrics::voice_leading::VoiceLeadingError;
pub use crate::midi::MidiError;
pub use crate::model::ModelError;
pub use crate::plot::PlotError;
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
    /// Building, running, loading or saving the networks failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Training stopped, or its configuration or checkpoints are bad.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// An array or roll has the wrong shape.
    #[error(transparent)]
    Shape(#[from] ShapeError),
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

impl From<ComposeError> for Error {
    fn from(err: ComposeError) -> Self {
        Error::Compose(Box::new(err))
    }
}

/// An array whose shape is not the one expected.
#[derive(Debug, thiserror::Error)]
#[error("wrong array shape for {what}: expected {expected}, got {got:?}")]
pub struct ShapeError {
    /// What the array is for, e.g. "piano-roll batch".
    pub what: &'static str,
    /// The expected shape, in words, e.g. "(N, 32, 128, 4)".
    pub expected: String,
    /// The shape that was given.
    pub got: Vec<usize>,
}

/// Shorthand for results with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches a path to an I/O error.
pub(crate) fn io_error(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename.
pub fn write_atomic(path: impl AsRef<std::path::Path>, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let path = path.as_ref();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::Io {
            path: path.to_path_buf(),
            source: e,
        }
    })
}
