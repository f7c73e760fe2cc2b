//! The record of a run: every iteration's losses and the metrics of the evaluation outputs,
//! saved as JSON so that a later session can plot them without retraining.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::TrainError;
use super::wgan::CriticStats;
use crate::error::Result;
use crate::files::{io_error, write_atomic};
use crate::metrics::MetricSet;
use crate::plot::{LossSeries, MetricSeries, MetricsGrid};

/// The losses of one iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IterationRecord {
    /// The iteration, from 1.
    pub iteration: u64,
    /// Each critic step's losses, in order.
    pub critic: Vec<CriticStats>,
    /// The generator's loss.
    pub generator_loss: f64,
    /// Wall-clock seconds the iteration took (its training steps only).
    pub seconds: f64,
}

impl IterationRecord {
    /// The last critic step's loss, the one the lab plots as "C-loss".
    pub fn critic_loss(&self) -> f64 {
        self.last_critic().map_or(f64::NAN, |c| c.loss)
    }

    /// The last critic step's gradient penalty (unweighted).
    pub fn gp(&self) -> f64 {
        self.last_critic().map_or(f64::NAN, |c| c.gp)
    }

    /// The last critic step's Wasserstein term, mean D(fake) − mean D(real).
    pub fn wasserstein(&self) -> f64 {
        self.last_critic().map_or(f64::NAN, |c| c.wasserstein)
    }

    fn last_critic(&self) -> Option<&CriticStats> {
        self.critic.last()
    }
}

/// The metrics of the generator's outputs on the evaluation melodies at one iteration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricRecord {
    /// The iteration (0: the untrained generator).
    pub iteration: u64,
    /// The metrics, one value per track.
    pub metrics: MetricSet,
}

/// Everything a run has recorded, in iteration order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunLog {
    /// One record per iteration.
    pub iterations: Vec<IterationRecord>,
    /// The evaluation metrics, at the iterations the configuration asks for.
    pub metrics: Vec<MetricRecord>,
    /// The metrics of the training snippets, for reference.
    pub reference: Option<MetricSet>,
}

impl RunLog {
    /// The last iteration recorded (0 if none).
    pub fn last_iteration(&self) -> u64 {
        self.iterations.last().map_or(0, |r| r.iteration)
    }

    /// The training time recorded, in seconds.
    pub fn total_seconds(&self) -> f64 {
        self.iterations.iter().map(|r| r.seconds).sum()
    }

    /// Forgets everything recorded after `iteration`.
    pub fn truncate(&mut self, iteration: u64) {
        self.iterations.retain(|r| r.iteration <= iteration);
        self.metrics.retain(|r| r.iteration <= iteration);
    }

    /// The lab's loss curves: "critic" (each iteration's last critic step) and "generator".
    pub fn loss_series(&self) -> Vec<LossSeries> {
        vec![
            self.series("critic", IterationRecord::critic_loss),
            self.series("generator", |r| r.generator_loss),
        ]
    }

    /// The critic loss's parts: "wasserstein" and "gradient penalty" (unweighted).
    pub fn critic_parts_series(&self) -> Vec<LossSeries> {
        vec![
            self.series("wasserstein", IterationRecord::wasserstein),
            self.series("gradient penalty", IterationRecord::gp),
        ]
    }

    fn series(&self, name: &str, value: impl Fn(&IterationRecord) -> f64) -> LossSeries {
        LossSeries::new(
            name,
            self.iterations.iter().map(|r| r.iteration as f64).collect(),
            self.iterations.iter().map(value).collect(),
        )
    }

    /// The metric grid of the evaluation metrics against `reference` (e.g. the data set's
    /// [`Dataset::reference_metrics`](crate::data::Dataset::reference_metrics)): one row per
    /// metric, one column per track.
    pub fn metrics_grid(&self, reference: &MetricSet) -> MetricsGrid {
        let metrics = MetricSet::NAMES
            .iter()
            .map(|&name| MetricSeries {
                name: name.replace('_', " "),
                reference: reference.get(name).unwrap_or_default().to_vec(),
                points: self
                    .metrics
                    .iter()
                    .map(|r| {
                        let values = r.metrics.get(name).unwrap_or_default().to_vec();
                        (r.iteration as usize, values)
                    })
                    .collect(),
            })
            .collect();
        MetricsGrid {
            tracks: reference.track_names(),
            metrics,
        }
    }

    /// Reads a log written by [`RunLog::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(io_error(path))?;
        Ok(serde_json::from_str(&text).map_err(|e| TrainError::Log {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?)
    }

    /// Writes the log as JSON, atomically.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = serde_json::to_string(self).map_err(|e| TrainError::Log {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Ok(write_atomic(path, text.as_bytes())?)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array4;

    use super::*;

    fn record(iteration: u64, c: f64, g: f64) -> IterationRecord {
        let stats = |loss| CriticStats {
            loss,
            wasserstein: loss - 1.0,
            gp: 0.1,
        };
        IterationRecord {
            iteration,
            critic: vec![stats(c + 1.0), stats(c)],
            generator_loss: g,
            seconds: 0.5,
        }
    }

    #[test]
    fn series_grid_truncation_and_json_round_trip() {
        let mut batch = Array4::from_elem((1, 32, 128, 4), -1.0f32);
        batch[[0, 0, 60, 0]] = 1.0;
        let metrics = MetricSet::compute(batch.view()).unwrap();
        let mut log = RunLog {
            iterations: (1..=4).map(|i| record(i, -(i as f64), i as f64)).collect(),
            metrics: [0, 2, 4]
                .map(|iteration| MetricRecord {
                    iteration,
                    metrics: metrics.clone(),
                })
                .to_vec(),
            reference: Some(metrics.clone()),
        };
        let losses = log.loss_series();
        assert_eq!(losses[0].name, "critic");
        assert_eq!(losses[0].x, vec![1.0, 2.0, 3.0, 4.0]);
        // The last critic step of each iteration.
        assert_eq!(losses[0].y, vec![-1.0, -2.0, -3.0, -4.0]);
        assert_eq!(losses[1].y, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(log.critic_parts_series()[0].y[1], -3.0);
        assert_eq!(log.total_seconds(), 2.0);

        let grid = log.metrics_grid(&metrics);
        assert_eq!(grid.tracks.len(), 4);
        assert_eq!(grid.metrics.len(), MetricSet::NAMES.len());
        assert_eq!(grid.metrics[0].name, "empty bar rate");
        // The soprano has one note in bar 1 and none in bar 2; the other tracks are silent.
        assert_eq!(grid.metrics[0].reference, vec![0.5, 1.0, 1.0, 1.0]);
        let iterations: Vec<usize> = grid.metrics[0].points.iter().map(|p| p.0).collect();
        assert_eq!(iterations, vec![0, 2, 4]);

        let dir = std::env::temp_dir().join(format!("gan-core-runlog-{}", std::process::id()));
        let path = dir.join("log.json");
        log.save(&path).unwrap();
        let back = RunLog::load(&path).unwrap();
        assert_eq!(back.iterations, log.iterations);
        assert_eq!(back.metrics.len(), 3);
        // NaN metrics (in-scale rate of silent tracks) come back as NaN.
        assert!(back.metrics[1].metrics.in_scale_rate[1].is_nan());

        log.truncate(2);
        assert_eq!(log.last_iteration(), 2);
        assert_eq!(log.metrics.len(), 2);

        std::fs::write(&path, "{").unwrap();
        let err = RunLog::load(&path).unwrap_err().to_string();
        assert!(err.contains("log.json"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
