//! What Bach does: the harmony rates over all 318 chorales, each in its notated key with its
//! fermatas as phrase ends, computed once and shipped with the data set as `data/harmony.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Harmony, HarmonyError, HarmonyRates};
use crate::data::Dataset;
use crate::metrics::Key;

/// The reference's file name in the data directory.
pub const HARMONY_FILE: &str = "harmony.json";

/// Bach's harmony: the mean of each rate over the chorales.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarmonyReference {
    /// How many chorales the figures are over.
    pub chorales: usize,
    /// Each rate's mean over the chorales (NaNs left out).
    pub rates: HarmonyRates,
}

impl HarmonyReference {
    /// Analyses every chorale of `data` in its notated key and averages the rates.
    pub fn compute(data: &Dataset) -> Result<Self, HarmonyError> {
        let rates = data
            .chorales
            .iter()
            .map(|c| {
                let key = Key::named(&c.entry.key.tonic, &c.entry.key.mode);
                Harmony::analyse(&c.roll, key).map(|h| h.rates)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            chorales: rates.len(),
            rates: HarmonyRates::mean(&rates),
        })
    }

    /// Reads the reference from `dir`/[`HARMONY_FILE`].
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, HarmonyError> {
        let path = dir.as_ref().join(HARMONY_FILE);
        crate::files::read_json(&path).map_err(|reason| HarmonyError::Reference { path, reason })
    }

    /// Reads the reference shipped in the data directory ([`crate::data::default_dir`]).
    pub fn load_default() -> Result<Self, HarmonyError> {
        Self::load(crate::data::default_dir())
    }

    /// The reference as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
