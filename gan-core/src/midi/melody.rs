//! Picking the monophonic melody that conditions the generator.
//!
//! [`Melody::Auto`] takes the top voice ([`skyline`]) of the most melodic non-drum track. "Most
//! melodic" is kept simple: among the non-drum tracks whose skyline sounds for at least half as
//! many steps as the busiest one, the track whose skyline has the highest mean pitch (the first
//! such track on a tie). The half-as-busy floor keeps a few stray high notes from winning over
//! the tune.

use ndarray::Array2;

use super::MidiError;
use crate::roll::{Multitrack, Track};

/// Which line of a multitrack to take as the melody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Melody {
    /// The track at this index, as it is; it must already be monophonic.
    Track(usize),
    /// The highest sounding note at each step of the track at this index.
    Skyline(usize),
    /// The skyline of the most melodic non-drum track (see the module docs).
    #[default]
    Auto,
}

/// The highest sounding note at each step of `track`, with its velocity; other notes are dropped.
pub fn skyline(track: &Track) -> Track {
    one_note_per_step(track, |row| (0..row.len()).rev().find(|&p| row[p] > 0))
}

/// The lowest sounding note at each step of `track`, with its velocity (a bass line).
pub fn bottom_line(track: &Track) -> Track {
    one_note_per_step(track, |row| (0..row.len()).find(|&p| row[p] > 0))
}

fn one_note_per_step(
    track: &Track,
    pick: impl Fn(ndarray::ArrayView1<u8>) -> Option<usize>,
) -> Track {
    let mut roll = Array2::zeros(track.pianoroll.raw_dim());
    for (t, row) in track.pianoroll.rows().into_iter().enumerate() {
        if let Some(p) = pick(row) {
            roll[[t, p]] = row[p];
        }
    }
    Track {
        pianoroll: roll,
        ..track.clone()
    }
}

/// The monophonic melody of `multitrack` chosen by `selection`.
pub fn melody(multitrack: &Multitrack, selection: Melody) -> Result<Track, MidiError> {
    if !multitrack.has_notes() {
        return Err(MidiError::NoNotes);
    }
    match selection {
        Melody::Track(index) => {
            let track = melodic_track(multitrack, index)?;
            let voices = max_voices(track);
            if voices > 1 {
                return Err(MidiError::Polyphonic {
                    index,
                    name: track.name.clone(),
                    voices,
                });
            }
            Ok(track.clone())
        }
        Melody::Skyline(index) => melodic_track(multitrack, index).map(skyline),
        Melody::Auto => auto_melody(multitrack),
    }
}

/// The track at `index`, if it exists, is not drums and has notes.
fn melodic_track(multitrack: &Multitrack, index: usize) -> Result<&Track, MidiError> {
    let track = multitrack.tracks.get(index).ok_or(MidiError::NoSuchTrack {
        index,
        count: multitrack.tracks.len(),
    })?;
    let name = || track.name.clone();
    if track.is_drum {
        return Err(MidiError::DrumTrack {
            index,
            name: name(),
        });
    }
    if !track.has_notes() {
        return Err(MidiError::SilentTrack {
            index,
            name: name(),
        });
    }
    Ok(track)
}

/// The skyline of the most melodic non-drum track.
fn auto_melody(multitrack: &Multitrack) -> Result<Track, MidiError> {
    // (track index, sounding steps of its skyline, mean skyline pitch)
    let stats: Vec<(usize, usize, f64)> = multitrack
        .tracks
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_drum && t.has_notes())
        .map(|(k, t)| {
            let top: Vec<usize> = t
                .top_line()
                .into_iter()
                .flatten()
                .map(usize::from)
                .collect();
            let mean = top.iter().sum::<usize>() as f64 / top.len() as f64;
            (k, top.len(), mean)
        })
        .collect();
    let busiest = stats
        .iter()
        .map(|s| s.1)
        .max()
        .ok_or(MidiError::DrumsOnly)?;
    let mut best: Option<(usize, f64)> = None;
    for &(k, steps, mean) in &stats {
        if 2 * steps >= busiest && best.is_none_or(|(_, m)| mean > m) {
            best = Some((k, mean));
        }
    }
    let (k, _) = best.ok_or(MidiError::DrumsOnly)?;
    Ok(skyline(&multitrack.tracks[k]))
}

/// The most notes sounding at one step of `track`.
fn max_voices(track: &Track) -> usize {
    track
        .pianoroll
        .rows()
        .into_iter()
        .map(|row| row.iter().filter(|&&v| v > 0).count())
        .max()
        .unwrap_or(0)
}
