//! Conversions between the lab's channels-last batches (N, 32, 128, tracks) and the models'
//! NCHW tensors (N, tracks, 32, 128).

use candle_core::{DType, Device, Result, Tensor};
use ndarray::{Array4, ArrayView4};

use super::ModelError;
use crate::roll::{check_batch_shape, SNIPPET_STEPS};

/// Permutes a channels-last tensor (N, H, W, C) to NCHW (N, C, H, W), contiguous.
pub fn to_nchw(t: &Tensor) -> Result<Tensor> {
    t.permute((0, 3, 1, 2))?.contiguous()
}

/// Permutes an NCHW tensor (N, C, H, W) to channels-last (N, H, W, C), contiguous.
pub fn to_channels_last(t: &Tensor) -> Result<Tensor> {
    t.permute((0, 2, 3, 1))?.contiguous()
}

/// A lab batch (N, 32, 128, tracks) as an NCHW tensor (N, tracks, 32, 128) of `dtype`.
pub fn batch_to_tensor(
    batch: &ArrayView4<f32>,
    dtype: DType,
    device: &Device,
) -> std::result::Result<Tensor, ModelError> {
    check_batch_shape(batch, Some(SNIPPET_STEPS), None)?;
    let values: Vec<f32> = batch.iter().copied().collect();
    let t = Tensor::from_vec(values, batch.dim(), device)?;
    Ok(to_nchw(&t)?.to_dtype(dtype)?)
}

/// An NCHW tensor (N, tracks, 32, 128) as a lab batch (N, 32, 128, tracks) of f32.
pub fn tensor_to_batch(t: &Tensor) -> std::result::Result<Array4<f32>, ModelError> {
    let lab = to_channels_last(&t.to_dtype(DType::F32)?)?;
    let (n, h, w, c) = lab.dims4()?;
    let values = lab.flatten_all()?.to_vec1::<f32>()?;
    Array4::from_shape_vec((n, h, w, c), values).map_err(|e| ModelError::Config(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_round_trip_moves_tracks_to_channels() {
        let mut batch = Array4::<f32>::from_elem((2, 32, 128, 4), -1.0);
        batch[[1, 5, 60, 2]] = 1.0;
        let t = batch_to_tensor(&batch.view(), DType::F32, &Device::Cpu).unwrap();
        assert_eq!(t.dims(), &[2, 4, 32, 128]);
        let v: f32 = t
            .get(1)
            .unwrap()
            .get(2)
            .unwrap()
            .get(5)
            .unwrap()
            .get(60)
            .unwrap()
            .to_scalar()
            .unwrap();
        assert_eq!(v, 1.0);
        assert_eq!(tensor_to_batch(&t).unwrap(), batch);
    }

    #[test]
    fn wrong_pitch_count_is_a_shape_error() {
        let batch = Array4::<f32>::zeros((1, 32, 64, 4));
        let err = batch_to_tensor(&batch.view(), DType::F32, &Device::Cpu).unwrap_err();
        assert!(matches!(err, ModelError::Shape(_)), "{err}");
    }
}
