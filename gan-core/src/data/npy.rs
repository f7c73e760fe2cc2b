//! Saving and loading snippet arrays as `.npy`, for numpy interop, with shape and dtype checks.

use std::path::Path;

use ndarray::Array4;
use ndarray_npy::{ReadNpyError, ReadNpyExt, WriteNpyExt};

use super::DataError;
use crate::error::Result;
use crate::files::{io_error, write_atomic};
use crate::roll::check_batch_shape;

/// Writes a (N, T, 128, tracks) f32 array to `path` as `.npy`, atomically.
pub fn save_npy(path: impl AsRef<Path>, rolls: &Array4<f32>) -> Result<()> {
    let path = path.as_ref();
    check_batch_shape(&rolls.view(), None, None)?;
    let mut bytes = Vec::new();
    rolls.write_npy(&mut bytes).map_err(|e| DataError::Npy {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok(write_atomic(path, &bytes)?)
}

/// Reads a `.npy` file holding a 4-D float32 array of piano rolls (N, T, 128, tracks).
pub fn load_npy(path: impl AsRef<Path>) -> Result<Array4<f32>> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(io_error(path))?;
    let npy = |reason: String| DataError::Npy {
        path: path.to_path_buf(),
        reason,
    };
    let rolls = Array4::<f32>::read_npy(std::io::BufReader::new(file)).map_err(|e| match e {
        ReadNpyError::WrongDescriptor(d) => {
            npy(format!("expected a float32 array, found dtype {d}"))
        }
        ReadNpyError::WrongNdim(expected, got) => npy(format!(
            "expected a {}-D array (N, T, 128, tracks), found {got} dimensions",
            expected.unwrap_or(4)
        )),
        other => npy(other.to_string()),
    })?;
    check_batch_shape(&rolls.view(), None, None)?;
    Ok(rolls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_clear_errors() {
        let dir = std::env::temp_dir().join(format!("gan-core-npy-{}", std::process::id()));
        let path = dir.join("rolls.npy");
        let rolls = Array4::from_shape_fn((2, 32, 128, 4), |(n, t, p, k)| {
            if (n + t + p + k) % 7 == 0 {
                1.0
            } else {
                -1.0
            }
        });
        save_npy(&path, &rolls).unwrap();
        assert_eq!(load_npy(&path).unwrap(), rolls);

        let f64_path = dir.join("f64.npy");
        let mut bytes = Vec::new();
        ndarray::Array4::<f64>::zeros((1, 32, 128, 4))
            .write_npy(&mut bytes)
            .unwrap();
        std::fs::write(&f64_path, bytes).unwrap();
        let msg = load_npy(&f64_path).unwrap_err().to_string();
        assert!(msg.contains("float32") && msg.contains("f64.npy"), "{msg}");

        let shape_path = dir.join("shape.npy");
        let mut bytes = Vec::new();
        Array4::<f32>::zeros((1, 32, 64, 4))
            .write_npy(&mut bytes)
            .unwrap();
        std::fs::write(&shape_path, bytes).unwrap();
        let msg = load_npy(&shape_path).unwrap_err().to_string();
        assert!(msg.contains("[1, 32, 64, 4]"), "{msg}");

        let missing = load_npy(dir.join("missing.npy")).unwrap_err().to_string();
        assert!(missing.contains("missing.npy"), "{missing}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
