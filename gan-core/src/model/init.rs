//! Seeded parameter creation: a [`VarMap`] backend for [`VarBuilder`] whose random
//! initialisations come from a ChaCha stream, so the same seed gives the same weights.

use std::sync::Mutex;

use candle_core::{DType, Device, Shape, Tensor, Var};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{Init, VarBuilder, VarMap};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A [`VarMap`] that creates missing variables from a seeded random stream.
///
/// Values are drawn in f32 and converted to the requested dtype, so an f64 model built with the
/// same seed holds exactly the f32 model's weights. Only `Init::Const` and `Init::Uniform` are
/// supported, the two initialisations the lab's Keras layers use.
pub struct SeededVarMap {
    map: VarMap,
    rng: Mutex<ChaCha8Rng>,
}

impl SeededVarMap {
    /// Wraps `map`; new variables are drawn from a ChaCha8 stream seeded with `seed`.
    pub fn new(map: VarMap, seed: u64) -> Self {
        Self {
            map,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        }
    }

    /// A [`VarBuilder`] creating its variables in `map` from the seeded stream.
    pub fn var_builder(
        map: &VarMap,
        seed: u64,
        dtype: DType,
        device: &Device,
    ) -> VarBuilder<'static> {
        VarBuilder::from_backend(
            Box::new(Self::new(map.clone(), seed)),
            dtype,
            device.clone(),
        )
    }

    fn draw(&self, shape: &Shape, init: Init) -> candle_core::Result<Vec<f32>> {
        let n = shape.elem_count();
        match init {
            Init::Const(v) => Ok(vec![v as f32; n]),
            Init::Uniform { lo, up } => {
                let mut rng = self
                    .rng
                    .lock()
                    .map_err(|_| candle_core::Error::Msg("poisoned rng lock".into()))?;
                let (lo, up) = (lo as f32, up as f32);
                Ok((0..n).map(|_| rng.random_range(lo..up)).collect())
            }
            other => candle_core::bail!("unsupported initialisation {other:?}"),
        }
    }
}

impl SimpleBackend for SeededVarMap {
    fn get(
        &self,
        s: Shape,
        name: &str,
        h: Init,
        dtype: DType,
        dev: &Device,
    ) -> candle_core::Result<Tensor> {
        let mut data = self
            .map
            .data()
            .lock()
            .map_err(|_| candle_core::Error::Msg("poisoned VarMap lock".into()))?;
        if let Some(var) = data.get(name) {
            if var.shape() != &s {
                candle_core::bail!("shape mismatch on {name}: {s:?} <> {:?}", var.shape())
            }
            return Ok(var.as_tensor().clone());
        }
        let values = self.draw(&s, h)?;
        let t = Tensor::from_vec(values, s, dev)?.to_dtype(dtype)?;
        let var = Var::from_tensor(&t)?;
        let tensor = var.as_tensor().clone();
        data.insert(name.to_string(), var);
        Ok(tensor)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
        self.map.get_unchecked(name, dtype, dev)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.map.contains_tensor(name)
    }
}
