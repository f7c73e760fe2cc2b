//! The model on chorales it never trained on: each held-out chorale's soprano composed as a
//! user's melody (as `gan compose` does it), its voice leading beside Bach's own.

use candle_core::Device;
use ndarray::{Array4, Axis};

use super::{arrangements, ComposeOptions};
use crate::data::Dataset;
use crate::metrics::harmony::{Harmony, HarmonyRates};
use crate::metrics::voice_leading::{Rates, VoiceLeading, VoiceRanges};
use crate::metrics::{Key, MetricSet};
use crate::model::Generate;
use crate::roll::{Multitrack, Track, SNIPPET_STEPS};

/// The voice leading of held-out chorales composed from their soprano, one entry per chorale.
#[derive(Debug, Clone)]
pub struct HeldOut {
    /// The chorales' ids.
    pub ids: Vec<String>,
    /// The generator's decoded voices, before the repair step.
    pub generated: Vec<Rates>,
    /// The composed scores.
    pub composed: Vec<Rates>,
    /// Bach's own chorales (in their notated keys).
    pub bach: Vec<Rates>,
    /// The harmony of the generator's own voices, read the lab's way (every value above 0 a
    /// note, each voice's top line) without the harmonic decoder or the repair.
    pub raw_harmony: Vec<HarmonyRates>,
    /// The harmony of the generator's decoded voices, before the repair (in the notated key).
    pub generated_harmony: Vec<HarmonyRates>,
    /// The harmony of the composed scores (in the notated key).
    pub composed_harmony: Vec<HarmonyRates>,
    /// The harmony of Bach's chorales (in the notated key).
    pub bach_harmony: Vec<HarmonyRates>,
    /// How many notes the repair step moved or added, in all.
    pub repairs: usize,
    /// The composed scores cut into 2-bar snippets, (N, 32, 128, 4).
    pub composed_snippets: Array4<f32>,
    /// Bach's chorales cut the same way.
    pub bach_snippets: Array4<f32>,
}

impl HeldOut {
    /// Composes the soprano of each chorale `ids` of `data` with `options` (each chorale's own
    /// pickup) and analyses the results beside Bach's.
    pub fn compose(
        generator: &impl Generate,
        device: &Device,
        data: &Dataset,
        ids: &[&str],
        options: &ComposeOptions,
    ) -> crate::Result<Self> {
        let mut out = Self {
            ids: Vec::new(),
            generated: Vec::new(),
            composed: Vec::new(),
            bach: Vec::new(),
            raw_harmony: Vec::new(),
            generated_harmony: Vec::new(),
            composed_harmony: Vec::new(),
            bach_harmony: Vec::new(),
            repairs: 0,
            composed_snippets: Array4::zeros((0, SNIPPET_STEPS, crate::roll::N_PITCHES, 4)),
            bach_snippets: Array4::zeros((0, SNIPPET_STEPS, crate::roll::N_PITCHES, 4)),
        };
        let (mut composed_snippets, mut bach_snippets) = (Vec::new(), Vec::new());
        for id in ids {
            let chorale = data.chorale(id)?;
            let (roll, pickup) = (&chorale.roll, chorale.entry.pickup_steps);
            let soprano = Track {
                is_drum: false,
                ..roll.tracks[0].clone()
            };
            let melody = Multitrack::new(roll.resolution, roll.tempo_bpm, vec![soprano])
                .with_phrase_ends(roll.phrase_ends.clone());
            let options = ComposeOptions {
                pickup_steps: pickup,
                samples: 1,
                ..*options
            };
            let arrangement = arrangements(generator, device, &melody, &options)?.remove(0);
            out.generated.push(arrangement.generated_report()?.rates);
            out.composed.push(arrangement.report()?.rates);
            out.repairs += arrangement.repairs.len();
            let key = Key::named(&chorale.entry.key.tonic, &chorale.entry.key.mode);
            let bach = VoiceLeading::analyse_in_key(roll, pickup, &VoiceRanges::BACH, key)?;
            let harmony = |piece: &Multitrack| -> crate::Result<HarmonyRates> {
                Ok(Harmony::analyse(piece, key)?.rates)
            };
            let raw = ComposeOptions {
                decoding: super::Decoding::Threshold,
                repair: false,
                ..options
            };
            let raw = arrangements(generator, device, &melody, &raw)?.remove(0);
            out.raw_harmony.push(harmony(&raw.generated)?);
            out.generated_harmony.push(harmony(&arrangement.generated)?);
            out.composed_harmony.push(harmony(&arrangement.score)?);
            out.bach_harmony.push(harmony(roll)?);
            out.bach.push(bach.rates);
            out.ids.push(id.to_string());
            composed_snippets.push(arrangement.score.to_lab_snippets(SNIPPET_STEPS));
            bach_snippets.push(roll.to_lab_snippets(SNIPPET_STEPS));
        }
        let join = |parts: &[Array4<f32>], empty: &Array4<f32>| {
            let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
            ndarray::concatenate(Axis(0), &views).unwrap_or_else(|_| empty.clone())
        };
        out.composed_snippets = join(&composed_snippets, &out.composed_snippets);
        out.bach_snippets = join(&bach_snippets, &out.bach_snippets);
        Ok(out)
    }

    /// The lab's metrics of the composed snippets and of Bach's.
    pub fn metrics(&self) -> crate::Result<(MetricSet, MetricSet)> {
        Ok((
            MetricSet::compute(self.composed_snippets.view())?,
            MetricSet::compute(self.bach_snippets.view())?,
        ))
    }

    /// The mean voice-leading rates (generator before repair, composed, Bach), one per line,
    /// then the worst chorale's lower-voice sounding and in-key shares.
    pub fn to_table(&self) -> String {
        use std::fmt::Write;
        let all = [&self.generated, &self.composed, &self.bach];
        let [generated, composed, bach] = all.map(|r| Rates::mean(r));
        let mut out = Rates::columns(&[
            ("generator", &generated),
            ("composed", &composed),
            ("Bach", &bach),
        ]);
        let lowest = |rates: &[Rates], f: fn(&Rates) -> f64| {
            100.0 * rates.iter().map(f).fold(f64::INFINITY, f64::min)
        };
        for (name, f) in [
            (
                "lowest lower-voice sounding",
                Rates::lower_sounding_min as fn(&Rates) -> f64,
            ),
            ("lowest A, T, B in key", |r: &Rates| r.lower_in_key),
        ] {
            let _ = writeln!(
                out,
                "{name:<28} {:>9.2} {:>9.2} {:>9.2}  % (the worst chorale)",
                lowest(all[0], f),
                lowest(all[1], f),
                lowest(all[2], f)
            );
        }
        out
    }

    /// The mean harmony rates (the generator's own voices, decoded before the repair,
    /// composed, Bach), one per line.
    pub fn harmony_table(&self) -> String {
        let [raw, generated, composed, bach] = [
            &self.raw_harmony,
            &self.generated_harmony,
            &self.composed_harmony,
            &self.bach_harmony,
        ]
        .map(|r| HarmonyRates::mean(r));
        HarmonyRates::columns(&[
            ("generator", &raw),
            ("decoded", &generated),
            ("composed", &composed),
            ("Bach", &bach),
        ])
    }
}
