//! Writing a [`Multitrack`] as a type-1 standard MIDI file.
//!
//! Layout: track 0 is the conductor (the tempo from `tempo_bpm`, 4/4 time, after a bar of just
//! the upbeat when the multitrack has one, `pickup_steps`); then one MIDI track
//! per roll track, with its name, a program change and its notes. Non-drum tracks take channels
//! 0, 1, 2, … in order, skipping the drum channel 9 (after 15 they start over); drum tracks play
//! on channel 9. A note is a run of steps where one pitch sounds with one velocity, so a change
//! of velocity starts a new note and [`super::read_midi`] gives the roll back as it was, except
//! that velocities above 127 are written as 127, silent tracks are not read back, and the roll
//! read back ends with its last note. All tracks end at the roll's last step. Each phrase end
//! (`phrase_ends`) within the roll is a Marker event `phrase end` on the conductor track.

use std::path::Path;

use midly::num::{u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

use super::read::{DRUM_CHANNEL, MAX_STEPS};
use super::{MidiError, PHRASE_END_MARKER};
use crate::files::write_atomic;
use crate::roll::{Multitrack, Track};

/// Ticks per quarter note in written files (a multiple of 4, 3 and 5).
pub const WRITE_PPQ: u16 = 480;

/// The channels non-drum tracks take in turn: all but the drum channel.
const MELODIC_CHANNELS: [u8; 15] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15];

/// Encodes `multitrack` as the bytes of a type-1 MIDI file.
pub fn write_midi(multitrack: &Multitrack) -> Result<Vec<u8>, MidiError> {
    let resolution = multitrack.resolution;
    if resolution == 0 || usize::from(WRITE_PPQ) % resolution != 0 {
        return Err(MidiError::Resolution(resolution));
    }
    let steps = multitrack.len();
    if steps > MAX_STEPS {
        return Err(MidiError::TooLong {
            steps: steps as u128,
            max: MAX_STEPS,
        });
    }
    let ticks_per_step = (usize::from(WRITE_PPQ) / resolution) as u32;
    let end = steps as u32 * ticks_per_step;

    let mut smf = Smf::new(Header::new(
        Format::Parallel,
        Timing::Metrical(u15::new(WRITE_PPQ)),
    ));
    let pickup = pickup_signature(multitrack)?
        .map(|sig| (sig, multitrack.pickup_steps as u32 * ticks_per_step));
    let markers: Vec<u32> = multitrack
        .phrase_ends
        .iter()
        .filter(|&&e| e > 0 && e <= steps)
        .map(|&e| e as u32 * ticks_per_step)
        .collect();
    smf.tracks
        .push(conductor(multitrack.tempo_bpm, pickup, &markers, end)?);
    let mut melodic = MELODIC_CHANNELS.iter().cycle();
    for track in &multitrack.tracks {
        let channel = match track.is_drum {
            true => DRUM_CHANNEL,
            false => melodic.next().copied().unwrap_or(0),
        };
        smf.tracks
            .push(note_track(track, channel, ticks_per_step, end)?);
    }
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes)
        .map_err(|e| MidiError::Encode(e.to_string()))?;
    Ok(bytes)
}

/// Writes `multitrack` to a MIDI file at `path`, atomically; errors name the file.
pub fn write_midi_file(path: impl AsRef<Path>, multitrack: &Multitrack) -> crate::Result<()> {
    let path = path.as_ref();
    let bytes = write_midi(multitrack).map_err(|e| e.in_file(path))?;
    Ok(write_atomic(path, &bytes)?)
}

/// The time signature of a bar that holds just the multitrack's upbeat: (numerator,
/// denominator as a power of 2); `None` without an upbeat. An upbeat of whole beats is written
/// in quarters (1/4, 2/4, 3/4), any other in steps (3/16 at 4 steps per beat).
fn pickup_signature(multitrack: &Multitrack) -> Result<Option<(u8, u8)>, MidiError> {
    let (steps, per_beat) = (multitrack.pickup_steps, multitrack.resolution);
    if steps == 0 {
        return Ok(None);
    }
    let bar = multitrack.bar_steps();
    if steps >= bar {
        return Err(MidiError::Pickup { steps, bar });
    }
    if steps % per_beat == 0 {
        return Ok(Some(((steps / per_beat) as u8, 2)));
    }
    // A step is a (4 · steps per beat)-th note: a time-signature denominator when that is a
    // power of two.
    let note = 4 * per_beat;
    match note.is_power_of_two() {
        true => Ok(Some((steps as u8, note.trailing_zeros() as u8))),
        false => Err(MidiError::Pickup { steps, bar }),
    }
}

/// The conductor track: the tempo and 4/4 time; a piece with an upbeat opens with a bar that
/// holds just the upbeat, `pickup` ((numerator, denominator power), its length in ticks), so
/// that notation programs, DAWs and [`super::read_midi`] place the barlines where they are;
/// a `phrase end` marker at each tick of `markers` (ascending, at most `end`).
fn conductor(
    tempo_bpm: f64,
    pickup: Option<((u8, u8), u32)>,
    markers: &[u32],
    end: u32,
) -> Result<Vec<TrackEvent<'static>>, MidiError> {
    let us_per_beat = (60e6 / tempo_bpm).round();
    if !(1.0..=f64::from(u24::max_value().as_int())).contains(&us_per_beat) {
        return Err(MidiError::Tempo(tempo_bpm));
    }
    // 24 MIDI clocks per quarter note: a click on each beat of the bar's denominator.
    let clocks = |denominator: u8| (96u32 >> denominator).max(1) as u8;
    // (absolute tick, event), in the order they are written at one tick.
    let mut timed = vec![(0, MetaMessage::Tempo(u24::new(us_per_beat as u32)))];
    let mut at = 0;
    if let Some(((numerator, denominator), ticks)) = pickup {
        timed.push((
            0,
            MetaMessage::TimeSignature(numerator, denominator, clocks(denominator), 8),
        ));
        at = ticks;
    }
    // 4/4: numerator 4, denominator 2^2, 24 MIDI clocks per click, 8 32nds per beat.
    timed.push((at, MetaMessage::TimeSignature(4, 2, clocks(2), 8)));
    let marker = MetaMessage::Marker(PHRASE_END_MARKER.as_bytes());
    timed.extend(markers.iter().map(|&tick| (tick, marker)));
    timed.sort_by_key(|&(tick, _)| tick);
    timed.push((end.max(at), MetaMessage::EndOfTrack));
    let mut now = 0;
    let events = timed
        .into_iter()
        .map(|(tick, m)| {
            let delta = tick - now;
            now = tick;
            TrackEvent {
                delta: u28::new(delta),
                kind: TrackEventKind::Meta(m),
            }
        })
        .collect();
    Ok(events)
}

/// One roll track as MIDI events on `channel`.
fn note_track(
    track: &Track,
    channel: u8,
    ticks_per_step: u32,
    end: u32,
) -> Result<Vec<TrackEvent<'_>>, MidiError> {
    if track.program > 127 {
        return Err(MidiError::Program {
            track: track.name.clone(),
            program: track.program,
        });
    }
    let channel = u4::new(channel);
    // (tick, 0 for note-off / 1 for note-on, pitch, velocity): sorting puts offs before ons.
    let mut notes: Vec<(u32, u8, u8, u8)> = Vec::new();
    for note in track.notes() {
        notes.push((
            note.start as u32 * ticks_per_step,
            1,
            note.pitch,
            note.velocity,
        ));
        notes.push((note.end as u32 * ticks_per_step, 0, note.pitch, 0));
    }
    notes.sort_unstable();

    let mut events = vec![
        TrackEvent {
            delta: u28::new(0),
            kind: TrackEventKind::Meta(MetaMessage::TrackName(track.name.as_bytes())),
        },
        TrackEvent {
            delta: u28::new(0),
            kind: TrackEventKind::Midi {
                channel,
                message: MidiMessage::ProgramChange {
                    program: u7::new(track.program),
                },
            },
        },
    ];
    let mut now = 0;
    for (tick, kind, pitch, vel) in notes {
        let (key, vel) = (u7::new(pitch), u7::new(vel));
        let message = match kind {
            0 => MidiMessage::NoteOff { key, vel },
            _ => MidiMessage::NoteOn { key, vel },
        };
        events.push(TrackEvent {
            delta: u28::new(tick - now),
            kind: TrackEventKind::Midi { channel, message },
        });
        now = tick;
    }
    events.push(TrackEvent {
        delta: u28::new(end.saturating_sub(now)),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    Ok(events)
}
