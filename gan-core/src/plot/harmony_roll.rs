//! The four voices in one roll, each in its colour, with the chord of every beat as a Roman
//! numeral under it and the cadence at every phrase end: the score as a theory class reads it.

use plotters::prelude::*;

use super::canvas::{bold, pitch_name, render_png, track_rgb, Area, FONT};
use super::roll_panel::display_range;
use super::PlotError;
use crate::metrics::harmony::{CadenceKind, Harmony};
use crate::roll::{Multitrack, STEPS_PER_BAR, STEPS_PER_BEAT};

/// Pixels per time step (a 16th), so that a beat's numeral fits.
const STEP_PX: u32 = 8;
/// The label column at the left.
const LEFT: i32 = 44;
/// The margin at the right.
const RIGHT: i32 = 10;
/// The title's height.
const TITLE: i32 = 30;
/// The roll's height.
const ROLL: i32 = 300;
/// The strip under the roll: two rows of numerals (alternate beats) and one of cadences.
const STRIP: i32 = 58;
/// Background of the rows of black keys.
const BLACK_KEY_ROW: RGBColor = RGBColor(240, 238, 232);
/// Beat and bar lines.
const BEAT_LINE: RGBColor = RGBColor(228, 224, 216);
const BAR_LINE: RGBColor = RGBColor(150, 146, 138);
/// A beat that is no chord, and a phrase end without a cadence.
const WARN: RGBColor = RGBColor(176, 0, 32);

/// `score` (S, A, T, B) as one roll with `harmony`'s numerals and cadences under it.
pub fn harmony_roll_png(score: &Multitrack, harmony: &Harmony) -> Result<Vec<u8>, PlotError> {
    if score.tracks.is_empty() || score.is_empty() {
        return Err(PlotError::Empty("the score has no notes to draw".into()));
    }
    let steps = score.len();
    let width = u32::try_from(steps)
        .ok()
        .and_then(|s| s.checked_mul(STEP_PX))
        .and_then(|w| w.checked_add((LEFT + RIGHT) as u32))
        .unwrap_or(u32::MAX);
    let height = (TITLE + ROLL + STRIP) as u32;
    render_png(width, height, |root| draw(root, score, harmony, steps))
}

fn draw(
    root: &Area<'_>,
    score: &Multitrack,
    harmony: &Harmony,
    steps: usize,
) -> Result<(), PlotError> {
    root.fill(&WHITE)?;
    let (lo, hi) = display_range(score.tracks.iter().map(|t| t.pitch_range()), 2, 24);
    let rows = i32::from(hi - lo) + 1;
    let row_px = ROLL as f64 / f64::from(rows);
    let x = |t: usize| LEFT + (t as u32 * STEP_PX) as i32;
    let y = |p: u8| TITLE + ((f64::from(hi - p)) * row_px) as i32;
    let row_end = |p: u8| TITLE + ((f64::from(hi - p) + 1.0) * row_px) as i32;
    root.draw(&Text::new(
        format!(
            "the chords in {}: a Roman numeral on every beat, the cadence at every phrase end",
            harmony.key
        ),
        (LEFT, 8),
        bold(15.0),
    ))?;
    for p in lo..=hi {
        if matches!(p % 12, 1 | 3 | 6 | 8 | 10) {
            root.draw(&Rectangle::new(
                [(LEFT, y(p)), (x(steps), row_end(p))],
                BLACK_KEY_ROW.filled(),
            ))?;
        }
        if p % 12 == 0 {
            root.draw(&Text::new(pitch_name(p), (4, y(p)), (FONT, 12).into_font()))?;
        }
    }
    let pickup = score.pickup_steps % STEPS_PER_BAR;
    for t in (pickup % STEPS_PER_BEAT..=steps).step_by(STEPS_PER_BEAT) {
        let color = if (t + STEPS_PER_BAR - pickup) % STEPS_PER_BAR == 0 {
            BAR_LINE
        } else {
            BEAT_LINE
        };
        root.draw(&PathElement::new(
            vec![(x(t), TITLE), (x(t), TITLE + ROLL + STRIP - 18)],
            color,
        ))?;
    }
    for (k, track) in score.tracks.iter().enumerate().rev() {
        let color = track_rgb(k);
        for n in track.notes() {
            if (lo..=hi).contains(&n.pitch) {
                let corners = [
                    (x(n.start) + 1, y(n.pitch)),
                    (x(n.end) - 1, row_end(n.pitch)),
                ];
                root.draw(&Rectangle::new(corners, color.filled()))?;
            }
        }
    }
    let strip = TITLE + ROLL;
    root.draw(&PathElement::new(
        vec![(LEFT, strip), (x(steps), strip)],
        BAR_LINE,
    ))?;
    for (i, beat) in harmony.beats.iter().enumerate() {
        let numeral = beat.numeral(harmony.key);
        let color = if beat.chord.is_none() { WARN } else { BLACK };
        let row = strip + 4 + 18 * (i % 2) as i32;
        root.draw(&Text::new(
            numeral,
            (x(beat.step) + 2, row),
            (FONT, 13).into_font().color(&color),
        ))?;
    }
    for cadence in &harmony.cadences {
        let color = if cadence.kind == CadenceKind::None {
            WARN
        } else {
            BLACK
        };
        let text = format!("{} ‖", cadence.kind);
        let w = 7 * text.chars().count() as i32;
        root.draw(&Text::new(
            text,
            (x(cadence.end) - w, strip + 40),
            (FONT, 12).into_font().color(&color),
        ))?;
    }
    Ok(())
}
