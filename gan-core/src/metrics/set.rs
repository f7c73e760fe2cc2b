//! [`MetricSet`]: every metric of a batch, one value per track, with a fixed order and names for
//! tables, plots and JSON.

use std::fmt;

use ndarray::ArrayView4;
use serde::{Deserialize, Serialize};

use super::masks::PitchMasks;
use super::notes::{DEFAULT_MIN_NOTE_STEPS, DEFAULT_POLYPHONY_THRESHOLD};
use super::{bars, lab, notes, scale};
use crate::roll::track_name;
use crate::roll::ShapeError;

/// The tunable parameters of [`MetricSet::compute_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricOptions {
    /// A step is polyphonic with more than this many pitches on (see [`super::polyphonic_rate`]).
    pub polyphony_threshold: usize,
    /// A note qualifies with at least this many steps (see [`super::qualified_note_rate`]).
    pub min_note_steps: usize,
}

impl Default for MetricOptions {
    /// [`DEFAULT_POLYPHONY_THRESHOLD`] (1) and [`DEFAULT_MIN_NOTE_STEPS`] (2).
    fn default() -> Self {
        Self {
            polyphony_threshold: DEFAULT_POLYPHONY_THRESHOLD,
            min_note_steps: DEFAULT_MIN_NOTE_STEPS,
        }
    }
}

/// Every metric of one batch, one value per track (NaN where a metric is undefined).
///
/// JSON is a map from metric name to an array of numbers, NaN written as `null` and `null` read
/// back as NaN, e.g. `{"empty_bar_rate": [0.0, 0.5], ..., "in_scale_rate": [1.0, null], ...}`.
/// For a silent track: `empty_bar_rate` 1, `pitch_histogram_distance` `sqrt(84)`, all others NaN.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricSet {
    /// See [`super::empty_bar_rate`].
    #[serde(with = "nan_as_null")]
    pub empty_bar_rate: Vec<f64>,
    /// See [`super::pitch_histogram_distance`].
    #[serde(with = "nan_as_null")]
    pub pitch_histogram_distance: Vec<f64>,
    /// See [`super::in_scale_rate`].
    #[serde(with = "nan_as_null")]
    pub in_scale_rate: Vec<f64>,
    /// See [`super::pitches_used`].
    #[serde(with = "nan_as_null")]
    pub pitches_used: Vec<f64>,
    /// See [`super::pitch_classes_used`].
    #[serde(with = "nan_as_null")]
    pub pitch_classes_used: Vec<f64>,
    /// See [`super::polyphonic_rate`].
    #[serde(with = "nan_as_null")]
    pub polyphonic_rate: Vec<f64>,
    /// See [`super::pitch_range`].
    #[serde(with = "nan_as_null")]
    pub pitch_range: Vec<f64>,
    /// See [`super::qualified_note_rate`].
    #[serde(with = "nan_as_null")]
    pub qualified_note_rate: Vec<f64>,
}

impl MetricSet {
    /// The metric names, in the fixed order of [`MetricSet::iter`] (and of the JSON fields).
    pub const NAMES: [&'static str; 8] = [
        "empty_bar_rate",
        "pitch_histogram_distance",
        "in_scale_rate",
        "pitches_used",
        "pitch_classes_used",
        "polyphonic_rate",
        "pitch_range",
        "qualified_note_rate",
    ];

    /// Computes every metric of `batch` `(N, 16·B, 128, tracks)` with the default options.
    pub fn compute(batch: ArrayView4<'_, f32>) -> Result<Self, ShapeError> {
        Self::compute_with(batch, MetricOptions::default())
    }

    /// Computes every metric of `batch` with the given options, reading the batch once.
    pub fn compute_with(
        batch: ArrayView4<'_, f32>,
        options: MetricOptions,
    ) -> Result<Self, ShapeError> {
        let masks = PitchMasks::from_batch(batch)?;
        Ok(Self {
            empty_bar_rate: masks.map_tracks(bars::empty_rate),
            pitch_histogram_distance: masks.map_tracks(lab::histogram_distance),
            in_scale_rate: masks.map_tracks(scale::in_scale),
            pitches_used: masks.map_tracks(bars::mean_pitches),
            pitch_classes_used: masks.map_tracks(bars::mean_pitch_classes),
            polyphonic_rate: masks.map_tracks(|t| notes::polyphony(t, options.polyphony_threshold)),
            pitch_range: masks.map_tracks(bars::mean_range),
            qualified_note_rate: masks.map_tracks(|t| notes::qualified(t, options.min_note_steps)),
        })
    }

    /// The metric names, in the fixed order of [`MetricSet::iter`].
    pub fn names() -> [&'static str; 8] {
        Self::NAMES
    }

    /// The `(name, per-track values)` pairs in the fixed order of [`MetricSet::NAMES`].
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &[f64])> + '_ {
        Self::NAMES.into_iter().zip(self.values())
    }

    /// The per-track values of the metric called `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The number of tracks: the length of the longest value list.
    pub fn tracks(&self) -> usize {
        self.values().iter().map(|v| v.len()).max().unwrap_or(0)
    }

    /// The column names of [`MetricSet::to_table`]: the four voices for four tracks, else
    /// "Track 1", "Track 2", ...
    pub fn track_names(&self) -> Vec<String> {
        let n = self.tracks();
        (0..n).map(|k| track_name(k, n)).collect()
    }

    /// A plain-text table: one row per metric, one column per track, 3 decimals, NaN as "n/a".
    pub fn to_table(&self) -> String {
        self.table(None)
    }

    /// The same table with each cell as "value (reference value)", e.g. to set generated
    /// samples' metrics beside the training data's.
    pub fn comparison_table(&self, reference: &MetricSet) -> String {
        self.table(Some(reference))
    }

    fn table(&self, reference: Option<&MetricSet>) -> String {
        let header = std::iter::once("metric".to_string()).chain(self.track_names());
        let mut rows = vec![header.collect::<Vec<_>>()];
        for (name, values) in self.iter() {
            let mut row = vec![name.to_string()];
            for (k, &v) in values.iter().enumerate() {
                let theirs = reference.and_then(|r| r.get(name)).and_then(|r| r.get(k));
                row.push(match theirs {
                    Some(&t) => format!("{} ({})", format_value(v), format_value(t)),
                    None => format_value(v),
                });
            }
            rows.push(row);
        }
        super::table::text_table(&rows)
    }

    /// The value lists in the fixed order of [`MetricSet::NAMES`].
    fn values(&self) -> [&[f64]; 8] {
        [
            &self.empty_bar_rate,
            &self.pitch_histogram_distance,
            &self.in_scale_rate,
            &self.pitches_used,
            &self.pitch_classes_used,
            &self.polyphonic_rate,
            &self.pitch_range,
            &self.qualified_note_rate,
        ]
    }
}

impl fmt::Display for MetricSet {
    /// Writes [`MetricSet::to_table`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_table())
    }
}

/// One table cell: 3 decimals, or "n/a" for NaN.
fn format_value(v: f64) -> String {
    if v.is_nan() {
        "n/a".to_string()
    } else {
        format!("{v:.3}")
    }
}

/// Serde for `Vec<f64>` with non-finite values written as `null` and `null` read as NaN (JSON
/// has no NaN).
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `values` as a sequence of numbers, non-finite ones as `null`.
    pub fn serialize<S: Serializer>(values: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(values.iter().map(|v| v.is_finite().then_some(*v)))
    }

    /// Reads a sequence of numbers or `null`s, `null` as NaN.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
        let values = Vec::<Option<f64>>::deserialize(deserializer)?;
        Ok(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    }
}
