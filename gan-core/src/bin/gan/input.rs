//! Errors about an input file, shared by the subcommands that read one.

use std::path::Path;

/// Says which input file `err` is about (e.g. a melody that cannot be composed for).
pub fn with_file(err: gan_core::Error, path: &Path) -> gan_core::Error {
    gan_core::Error::Input {
        path: path.to_path_buf(),
        source: Box::new(err),
    }
}
