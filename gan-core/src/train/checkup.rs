//! Babysitting a run: what its log says about its health, as the lab's text taught it (healthy
//! losses, divergence, a critic that lost its lead, mode collapse, and when to stop).

use std::fmt;

use super::log::RunLog;
use crate::metrics::finite_mean;

/// How a check of a run came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// As a healthy run looks.
    Healthy,
    /// Worth a look: the run may be going wrong, or has stopped improving.
    Watch,
    /// The run is broken: restart it from an earlier checkpoint with other settings.
    Broken,
}

/// One check of a run: its name, the verdict and what it measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// What was checked, e.g. "critic's lead".
    pub name: &'static str,
    /// How it came out.
    pub verdict: Verdict,
    /// What was measured, and what it means.
    pub detail: String,
}

/// The checks of one run's log, from [`RunLog::checkup`].
#[derive(Debug, Clone, PartialEq)]
pub struct Checkup {
    /// Every check, in the order a learner reads them.
    pub checks: Vec<Check>,
}

impl Checkup {
    /// The check named `name`, if it ran.
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

impl fmt::Display for Checkup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.checks {
            let mark = match c.verdict {
                Verdict::Healthy => "ok   ",
                Verdict::Watch => "watch",
                Verdict::Broken => "BROKEN",
            };
            writeln!(f, "{mark}  {}: {}", c.name, c.detail)?;
        }
        Ok(())
    }
}

impl RunLog {
    /// The run's health from its log: divergence, the critic's lead, the gradient penalty, mode
    /// collapse in the generator's metrics, and whether the metrics still approach the data's.
    pub fn checkup(&self) -> Checkup {
        let mut checks = Vec::new();
        let records = &self.iterations;
        let bad = records.iter().find(|r| {
            !(r.critic_loss().is_finite() && r.generator_loss.is_finite() && r.gp().is_finite())
        });
        checks.push(match bad {
            Some(r) => Check {
                name: "divergence",
                verdict: Verdict::Broken,
                detail: format!(
                    "a loss became NaN or infinite at iteration {}: the run diverged; go back to an \
                     earlier checkpoint and lower the learning rates",
                    r.iteration
                ),
            },
            None => Check {
                name: "divergence",
                verdict: Verdict::Healthy,
                detail: format!("every loss of the {} iterations is finite", records.len()),
            },
        });
        if records.len() >= 4 {
            let half = &records[records.len() / 2..];
            let critic = finite_mean(half.iter().map(|r| r.critic_loss()));
            let (lo, hi) = half
                .iter()
                .map(|r| r.critic_loss())
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                });
            checks.push(if critic < 0.0 {
                Check {
                    name: "critic's lead",
                    verdict: Verdict::Healthy,
                    detail: format!(
                        "over the second half the critic's loss averages {critic:.2} (from {lo:.2} \
                         to {hi:.2}): below 0, the critic keeps telling Bach from the orchestra, \
                         so its scores still teach the generator"
                    ),
                }
            } else {
                Check {
                    name: "critic's lead",
                    verdict: Verdict::Watch,
                    detail: format!(
                        "over the second half the critic's loss averages {critic:.2}, not below \
                         0: the critic no longer tells Bach from the orchestra; give it more \
                         steps per iteration or a higher learning rate"
                    ),
                }
            });
            let gp = finite_mean(half.iter().map(|r| r.gp()));
            checks.push(if gp <= 1.0 {
                Check {
                    name: "gradient penalty",
                    verdict: Verdict::Healthy,
                    detail: format!(
                        "averages {gp:.3} over the second half: the critic's slope stays near 1, \
                         as the penalty asks"
                    ),
                }
            } else {
                Check {
                    name: "gradient penalty",
                    verdict: Verdict::Watch,
                    detail: format!(
                        "averages {gp:.3} over the second half, above 1: the critic's slope \
                         strays far from 1; raise gp_weight or lower the critic's learning rate"
                    ),
                }
            });
        }
        if let (Some(reference), Some(last)) = (&self.reference, self.metrics.last()) {
            // The lower voices (alto, tenor, bass): distinct pitches per bar, and silent bars.
            let lower = 1..last.metrics.pitches_used.len();
            let used = finite_mean(lower.clone().map(|k| last.metrics.pitches_used[k]));
            let bach = finite_mean(lower.clone().map(|k| reference.pitches_used[k]));
            let empty = finite_mean(lower.map(|k| last.metrics.empty_bar_rate[k]));
            let collapsed = used < 0.5 * bach || empty > 0.5;
            checks.push(Check {
                name: "mode collapse",
                verdict: if collapsed {
                    Verdict::Watch
                } else {
                    Verdict::Healthy
                },
                detail: format!(
                    "at iteration {} the lower voices use {used:.1} pitches per bar (the data: \
                     {bach:.1}) and rest in {:.0} % of bars{}",
                    last.iteration,
                    100.0 * empty,
                    if collapsed {
                        ": too few notes or too much silence, the signs of an orchestra that plays \
                         the same little whatever the melody (mode collapse)"
                    } else {
                        ": no sign of an orchestra stuck on a few notes"
                    }
                ),
            });
            if let Some(check) = self.progress_check(reference) {
                checks.push(check);
            }
        }
        Checkup { checks }
    }

    /// Whether the metrics still approach the data's over the last quarter of the iterations.
    fn progress_check(&self, reference: &crate::metrics::MetricSet) -> Option<Check> {
        let n = self.metrics.len();
        if n < 4 {
            return None;
        }
        let distance = |m: &crate::metrics::MetricSet| {
            finite_mean(
                m.iter()
                    .zip(reference.iter())
                    .flat_map(|((_, got), (_, want))| {
                        got.iter()
                            .zip(want)
                            .filter(|(_, w)| w.abs() > 1e-9)
                            .map(|(g, w)| ((g - w) / w).abs())
                            .collect::<Vec<_>>()
                    }),
            )
        };
        let last = &self.metrics[n - 1];
        let three_quarters = last.iteration * 3 / 4;
        let earlier = self
            .metrics
            .iter()
            .find(|m| m.iteration >= three_quarters)
            .unwrap_or(&self.metrics[0]);
        if earlier.iteration == last.iteration {
            return None;
        }
        let (before, now) = (distance(&earlier.metrics), distance(&last.metrics));
        let still = now < 0.95 * before;
        Some(Check {
            name: "when to stop",
            verdict: if still {
                Verdict::Healthy
            } else {
                Verdict::Watch
            },
            detail: format!(
                "the metrics are on average {:.0} % from the data's at iteration {} and {:.0} % at \
                 iteration {}{}",
                100.0 * before,
                earlier.iteration,
                100.0 * now,
                last.iteration,
                if still {
                    ": still approaching it, so more iterations can help"
                } else {
                    ": no longer approaching it, so more iterations mostly cost time"
                }
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::log::IterationRecord;
    use crate::train::wgan::CriticStats;

    fn record(iteration: u64, critic: f64, gp: f64) -> IterationRecord {
        IterationRecord {
            iteration,
            critic: vec![CriticStats {
                loss: critic,
                wasserstein: critic - 10.0 * gp,
                gp,
            }],
            generator_loss: 1.0,
            seconds: 1.0,
        }
    }

    fn log(critic: &[f64], gp: f64) -> RunLog {
        RunLog {
            iterations: critic
                .iter()
                .enumerate()
                .map(|(i, &c)| record(i as u64 + 1, c, gp))
                .collect(),
            ..RunLog::default()
        }
    }

    #[test]
    fn a_steady_negative_critic_with_a_small_penalty_is_healthy() {
        let checkup = log(&[-300.0, -20.0, -9.0, -10.0, -8.0, -9.0], 0.2).checkup();
        for name in ["divergence", "critic's lead", "gradient penalty"] {
            assert_eq!(
                checkup.check(name).unwrap().verdict,
                Verdict::Healthy,
                "{checkup}"
            );
        }
        assert!(checkup.to_string().contains("averages -9.00"), "{checkup}");
    }

    #[test]
    fn nan_is_divergence_and_a_positive_critic_or_large_penalty_are_flagged() {
        let diverged = log(&[-5.0, f64::NAN, -5.0, -5.0], 0.2).checkup();
        let check = diverged.check("divergence").unwrap();
        assert_eq!(check.verdict, Verdict::Broken);
        assert!(check.detail.contains("iteration 2"), "{}", check.detail);
        let lost = log(&[-5.0, -5.0, 0.5, 1.5], 3.0).checkup();
        assert_eq!(lost.check("critic's lead").unwrap().verdict, Verdict::Watch);
        assert_eq!(
            lost.check("gradient penalty").unwrap().verdict,
            Verdict::Watch
        );
    }
}
