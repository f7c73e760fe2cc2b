//! Reading a standard MIDI file into a [`Multitrack`] on a musical grid.
//!
//! The conventions, in the order a file meets them:
//! - **Formats.** Types 0 and 1 play their tracks together; type 2 plays them one after another
//!   (each track starts where the previous one ended).
//! - **Time.** The grid is musical time: ticks → beats (by the header's ticks per beat) → steps,
//!   so tempo changes move no note. The first tempo event becomes `tempo_bpm` (120 if none).
//! - **Upbeat.** A piece that opens with a bar shorter than 4/4, followed exactly one such bar
//!   later by the next time signature, starts with that bar as its upbeat (`pickup_steps`);
//!   otherwise the upbeat is 0.
//! - **SMPTE timing** (ticks per frame instead of per beat) is converted through seconds at
//!   120 bpm, the MIDI default tempo; tempo events do not change SMPTE time, and `tempo_bpm` is 120.
//! - **Notes.** A note-on with velocity 0 is a note-off. Notes of one pitch overlapping on one
//!   channel pair first-in first-out: a note-off ends the oldest open note. Notes still open when
//!   their track ends stop at the track's end.
//! - **Grid.** A note covers steps `round(onset)..round(release)` (halves round up), at least one
//!   step; overlapping notes keep the larger velocity. The roll ends with the last note's end
//!   step: trailing silence is not kept, and no step of a note is ever dropped.
//! - **Tracks.** One [`Track`] per (MIDI track, channel) that holds notes, by track then channel.
//!   Its name is the MIDI track's first track-name event (else "Track N", N counting the tracks
//!   read from 1), its program the channel's last program change in that MIDI track before the
//!   first note, and channel 10 (9 counting from 0) makes it a drum track.
//! - **Phrase ends.** Marker meta events whose text is `phrase end` (any case, on any track) are
//!   the multitrack's `phrase_ends`, at the nearest step like a note's onset; those at step 0 or
//!   past the roll's end are left out.
//! - **Refusals.** A file with no notes is [`MidiError::NoNotes`] (one with drums only reads
//!   fine); sizes over [`MAX_FILE_BYTES`], [`MAX_STEPS`] or [`MAX_TRACKS`] are refused by name.

use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::io::Read;
use std::path::Path;

use midly::{Format, Fps, MetaMessage, MidiMessage, Timing, TrackEventKind};
use ndarray::{s, Array2};

use super::{MidiError, PHRASE_END_MARKER};
use crate::files::io_error;
use crate::roll::{Multitrack, Track, N_PITCHES};

/// The largest MIDI file read, in bytes (16 MiB).
pub const MAX_FILE_BYTES: usize = 16 << 20;
/// The longest roll read, in time steps (2^16).
pub const MAX_STEPS: usize = 1 << 16;
/// The most (MIDI track, channel) pairs with notes read from one file.
pub const MAX_TRACKS: usize = 64;

/// The MIDI default tempo, used when a file has no tempo event and for SMPTE timing.
const MIDI_DEFAULT_TEMPO_BPM: f64 = 120.0;
/// The General MIDI percussion channel (10), counting from 0.
pub(crate) const DRUM_CHANNEL: u8 = 9;

/// Reads MIDI bytes into a multitrack roll with `steps_per_beat` steps per quarter note.
pub fn read_midi(bytes: &[u8], steps_per_beat: usize) -> Result<Multitrack, MidiError> {
    if steps_per_beat == 0 {
        return Err(MidiError::ZeroStepsPerBeat);
    }
    check_size(bytes.len() as u64)?;
    let file = parse(bytes)?;
    let clock = Clock::new(file.timing, steps_per_beat)?;
    let tempo_bpm = match file.timing {
        Timing::Metrical(_) => file.first_tempo_bpm()?,
        Timing::Timecode(..) => MIDI_DEFAULT_TEMPO_BPM,
    };
    let voices = file.voices();
    let pickup = file.pickup_steps(&clock, steps_per_beat);
    let roll = to_multitrack(&voices, &clock, tempo_bpm)?.with_pickup(pickup);
    let steps = roll.len();
    let ends = file
        .phrase_end_ticks()
        .into_iter()
        .map(|tick| clock.step(tick))
        .filter(|&step| step > 0 && step <= steps as u128)
        .map(|step| step as usize)
        .collect();
    Ok(roll.with_phrase_ends(ends))
}

/// Reads the MIDI file at `path` (see [`read_midi`]); errors name the file.
pub fn read_midi_file(path: impl AsRef<Path>, steps_per_beat: usize) -> crate::Result<Multitrack> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(io_error(path))?;
    let size = file.metadata().map_err(io_error(path))?.len();
    check_size(size).map_err(|e| e.in_file(path))?;
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error(path))?;
    read_midi(&bytes, steps_per_beat).map_err(|e| e.in_file(path).into())
}

/// Reads the MIDI file at `path` as exactly `voices` voices: its melodic (non-drum) tracks that
/// hold notes, in file order, e.g. soprano, alto, tenor and bass after a conductor track.
pub fn read_voices_file(
    path: impl AsRef<Path>,
    steps_per_beat: usize,
    voices: usize,
) -> crate::Result<Multitrack> {
    let path = path.as_ref();
    let mut roll = read_midi_file(path, steps_per_beat)?;
    roll.tracks.retain(|t| !t.is_drum && t.has_notes());
    if roll.tracks.len() != voices {
        let found = roll.tracks.len();
        return Err(MidiError::Voices {
            expected: voices,
            found,
        }
        .in_file(path)
        .into());
    }
    Ok(roll)
}

/// Refuses data over [`MAX_FILE_BYTES`].
fn check_size(bytes: u64) -> Result<(), MidiError> {
    if bytes > MAX_FILE_BYTES as u64 {
        return Err(MidiError::TooBig {
            bytes,
            max: MAX_FILE_BYTES,
        });
    }
    Ok(())
}

/// A parsed file: its header's format and timing, and each track's events at absolute ticks.
struct SmfEvents<'a> {
    format: Format,
    timing: Timing,
    tracks: Vec<TrackEvents<'a>>,
}

/// One MIDI track's events at absolute ticks (from the track's start) and its end tick.
struct TrackEvents<'a> {
    events: Vec<(u64, TrackEventKind<'a>)>,
    end: u64,
}

/// Checks the chunk structure, then decodes every declared track.
fn parse(bytes: &[u8]) -> Result<SmfEvents<'_>, MidiError> {
    match bytes.get(..4) {
        Some(b"MThd") if bytes.len() < 14 => {
            return Err(MidiError::Truncated(format!(
                "the header chunk needs 14 bytes, the data has {}",
                bytes.len()
            )))
        }
        Some(b"MThd") | Some(b"RIFF") => {}
        _ => return Err(MidiError::NotMidi),
    }
    let (header, tracks) = midly::parse(bytes).map_err(|e| MidiError::Invalid(e.to_string()))?;
    let declared = tracks.size_hint().0;
    let tracks = track_chunks(tracks.unread(), declared)?
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| track_events(i, chunk))
        .collect::<Result<_, _>>()?;
    Ok(SmfEvents {
        format: header.format,
        timing: header.timing,
        tracks,
    })
}

/// The data of the first `declared` track chunks after the header, skipping unknown chunks;
/// chunks past those are ignored, as other readers do.
fn track_chunks(mut rest: &[u8], declared: usize) -> Result<Vec<&[u8]>, MidiError> {
    let mut chunks = Vec::with_capacity(declared.min(rest.len() / 8));
    while chunks.len() < declared {
        if rest.is_empty() {
            return Err(MidiError::Truncated(format!(
                "the header declares {declared} tracks, the data holds {}",
                chunks.len()
            )));
        }
        let Some((head, body)) = rest.split_first_chunk::<8>() else {
            return Err(MidiError::Truncated(format!(
                "a chunk header is cut short ({} of its 8 bytes)",
                rest.len()
            )));
        };
        let len = u32::from_be_bytes([head[4], head[5], head[6], head[7]]) as usize;
        if len > body.len() {
            return Err(MidiError::Truncated(format!(
                "chunk \"{}\" declares {len} bytes, only {} remain",
                String::from_utf8_lossy(&head[..4]),
                body.len()
            )));
        }
        let (data, next) = body.split_at(len);
        if &head[..4] == b"MTrk" {
            chunks.push(data);
        }
        rest = next;
    }
    Ok(chunks)
}

/// Decodes one track chunk (running status included) up to its end-of-track event.
fn track_events(index: usize, chunk: &[u8]) -> Result<TrackEvents<'_>, MidiError> {
    let mut iter = midly::EventIter::new(chunk);
    let mut events = Vec::new();
    let mut tick = 0u64;
    loop {
        let offset = chunk.len() - iter.unread().len();
        match iter.next() {
            None if offset == chunk.len() => break,
            None | Some(Err(_)) => {
                return Err(MidiError::Invalid(format!(
                    "track {index}: corrupt or cut-short event at byte {offset} of the track"
                )))
            }
            Some(Ok(event)) => {
                tick += u64::from(event.delta.as_int());
                if event.kind == TrackEventKind::Meta(MetaMessage::EndOfTrack) {
                    break;
                }
                events.push((tick, event.kind));
            }
        }
    }
    Ok(TrackEvents { events, end: tick })
}

/// The notes of one (MIDI track, channel) pair.
struct Voice {
    name: Option<String>,
    program: u8,
    is_drum: bool,
    notes: Vec<Note>,
}

/// One note, in absolute ticks.
struct Note {
    pitch: usize,
    velocity: u8,
    start: u64,
    end: u64,
}

impl SmfEvents<'_> {
    /// The tick each track starts at: 0, or one after another for type 2.
    fn track_offsets(&self) -> Vec<u64> {
        let mut offset = 0;
        self.tracks
            .iter()
            .map(|t| {
                let start = offset;
                if self.format == Format::Sequential {
                    offset += t.end;
                }
                start
            })
            .collect()
    }

    /// The tempo of the earliest tempo event, in bpm (120 if none).
    fn first_tempo_bpm(&self) -> Result<f64, MidiError> {
        let mut first: Option<(u64, u32)> = None;
        for (track, offset) in self.tracks.iter().zip(self.track_offsets()) {
            for (tick, kind) in &track.events {
                if let TrackEventKind::Meta(MetaMessage::Tempo(us)) = kind {
                    if first.is_none_or(|(t, _)| tick + offset < t) {
                        first = Some((tick + offset, us.as_int()));
                    }
                }
            }
        }
        match first {
            None => Ok(MIDI_DEFAULT_TEMPO_BPM),
            Some((_, 0)) => Err(MidiError::Invalid(
                "a tempo event gives 0 microseconds per beat".into(),
            )),
            Some((_, us)) => Ok(60e6 / f64::from(us)),
        }
    }

    /// The upbeat in steps: when the piece opens with a time signature whose bar is shorter
    /// than 4/4 and the next time signature comes exactly one such bar later (a bar of just the
    /// upbeat, as notation programs and [`super::write_midi`] write it), that bar; else 0.
    fn pickup_steps(&self, clock: &Clock, steps_per_beat: usize) -> usize {
        let Timing::Metrical(ppq) = self.timing else {
            return 0;
        };
        let quarter = u64::from(ppq.as_int());
        let mut signatures: Vec<(u64, u8, u8)> = Vec::new();
        for (track, offset) in self.tracks.iter().zip(self.track_offsets()) {
            for (tick, kind) in &track.events {
                if let TrackEventKind::Meta(MetaMessage::TimeSignature(n, d, ..)) = kind {
                    signatures.push((tick + offset, *n, *d));
                }
            }
        }
        signatures.sort_by_key(|&(tick, ..)| tick);
        let [(0, numerator, denominator), (next, ..), ..] = signatures[..] else {
            return 0;
        };
        // The bar in ticks: numerator notes of 1/2^denominator, a quarter being `quarter`.
        let bar = (u64::from(numerator) * 4 * quarter).checked_shr(u32::from(denominator));
        match bar {
            Some(bar) if bar > 0 && bar < 4 * quarter && next == bar => {
                let steps = clock.step(bar) as usize;
                if steps < 4 * steps_per_beat {
                    steps
                } else {
                    0
                }
            }
            _ => 0,
        }
    }

    /// The ticks of every `phrase end` marker, on any track.
    fn phrase_end_ticks(&self) -> Vec<u64> {
        let mut ticks = Vec::new();
        for (track, offset) in self.tracks.iter().zip(self.track_offsets()) {
            for (tick, kind) in &track.events {
                if let TrackEventKind::Meta(MetaMessage::Marker(text)) = kind {
                    let text = String::from_utf8_lossy(text);
                    if text.trim().eq_ignore_ascii_case(PHRASE_END_MARKER) {
                        ticks.push(tick + offset);
                    }
                }
            }
        }
        ticks
    }

    /// Every (MIDI track, channel) pair that holds notes, by track then channel.
    fn voices(&self) -> Vec<Voice> {
        self.tracks
            .iter()
            .zip(self.track_offsets())
            .flat_map(|(track, offset)| track_voices(track, offset))
            .collect()
    }
}

/// The voices of one MIDI track, one per channel with notes, with ticks moved by `offset`.
fn track_voices(track: &TrackEvents, offset: u64) -> Vec<Voice> {
    let mut name = None;
    let mut programs = [0u8; 16];
    let mut voices: BTreeMap<u8, Voice> = BTreeMap::new();
    let mut open: HashMap<(u8, u8), VecDeque<(u64, u8)>> = HashMap::new();
    for &(tick, kind) in &track.events {
        let tick = tick + offset;
        let (channel, message) = match kind {
            TrackEventKind::Meta(MetaMessage::TrackName(raw)) if name.is_none() => {
                name = decode_name(raw);
                continue;
            }
            TrackEventKind::Midi { channel, message } => (channel.as_int(), message),
            _ => continue,
        };
        match message {
            MidiMessage::ProgramChange { program } => programs[channel as usize] = program.as_int(),
            MidiMessage::NoteOn { key, vel } if vel > 0 => {
                voices.entry(channel).or_insert_with(|| Voice {
                    name: None,
                    program: programs[channel as usize],
                    is_drum: channel == DRUM_CHANNEL,
                    notes: Vec::new(),
                });
                let queue = open.entry((channel, key.as_int())).or_default();
                queue.push_back((tick, vel.as_int()));
            }
            MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                let oldest = open
                    .get_mut(&(channel, key.as_int()))
                    .and_then(VecDeque::pop_front);
                if let (Some((start, velocity)), Some(voice)) = (oldest, voices.get_mut(&channel)) {
                    voice.notes.push(Note {
                        pitch: key.as_int() as usize,
                        velocity,
                        start,
                        end: tick,
                    });
                }
            }
            _ => {}
        }
    }
    let end = track.end + offset;
    for ((channel, key), queue) in open {
        if let Some(voice) = voices.get_mut(&channel) {
            voice
                .notes
                .extend(queue.into_iter().map(|(start, velocity)| Note {
                    pitch: key as usize,
                    velocity,
                    start,
                    end: end.max(start),
                }));
        }
    }
    voices
        .into_values()
        .map(|v| Voice {
            name: name.clone(),
            ..v
        })
        .collect()
}

/// A track name as text: UTF-8, else Latin-1, trimmed; `None` if blank.
fn decode_name(raw: &[u8]) -> Option<String> {
    let text = match std::str::from_utf8(raw) {
        Ok(s) => s.to_owned(),
        Err(_) => raw.iter().map(|&b| char::from(b)).collect(),
    };
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!text.is_empty()).then(|| text.to_owned())
}

/// Converts ticks to grid steps: `num / den` ticks per beat, `steps_per_beat` steps per beat.
struct Clock {
    num: u128,
    den: u128,
    steps_per_beat: u128,
}

impl Clock {
    /// The clock of a header's timing; SMPTE time is taken at 120 bpm.
    fn new(timing: Timing, steps_per_beat: usize) -> Result<Clock, MidiError> {
        let (num, den) = match timing {
            Timing::Metrical(ppq) if ppq.as_int() == 0 => {
                return Err(MidiError::ZeroDivision("ticks per beat"))
            }
            Timing::Metrical(ppq) => (u128::from(ppq.as_int()), 1),
            Timing::Timecode(_, 0) => return Err(MidiError::ZeroDivision("ticks per SMPTE frame")),
            Timing::Timecode(fps, ticks_per_frame) => {
                let (frames, per) = match fps {
                    Fps::Fps24 => (24, 1),
                    Fps::Fps25 => (25, 1),
                    Fps::Fps29 => (30_000, 1_001),
                    Fps::Fps30 => (30, 1),
                };
                let ticks_per_second = u128::from(ticks_per_frame) * frames;
                let beats_per_second = MIDI_DEFAULT_TEMPO_BPM as u128 / 60;
                (ticks_per_second, per * beats_per_second)
            }
        };
        Ok(Clock {
            num,
            den,
            steps_per_beat: steps_per_beat as u128,
        })
    }

    /// The nearest grid step to `tick` (halves round up); saturates instead of overflowing.
    fn step(&self, tick: u64) -> u128 {
        let scaled = u128::from(tick)
            .saturating_mul(self.steps_per_beat)
            .saturating_mul(2 * self.den);
        scaled.saturating_add(self.num) / (2 * self.num)
    }
}

/// Lays the voices' notes on the grid.
fn to_multitrack(voices: &[Voice], clock: &Clock, tempo_bpm: f64) -> Result<Multitrack, MidiError> {
    if voices.is_empty() {
        return Err(MidiError::NoNotes);
    }
    if voices.len() > MAX_TRACKS {
        return Err(MidiError::TooManyTracks {
            tracks: voices.len(),
            max: MAX_TRACKS,
        });
    }
    let span = |note: &Note| {
        let on = clock.step(note.start);
        (on, clock.step(note.end).max(on + 1))
    };
    let steps = voices
        .iter()
        .flat_map(|v| &v.notes)
        .map(|n| span(n).1)
        .max()
        .unwrap_or(0);
    if steps > MAX_STEPS as u128 {
        return Err(MidiError::TooLong {
            steps,
            max: MAX_STEPS,
        });
    }
    let tracks = voices
        .iter()
        .enumerate()
        .map(|(k, voice)| {
            let mut roll = Array2::<u8>::zeros((steps as usize, N_PITCHES));
            let notes = voice.notes.iter().map(|note| {
                let (on, off) = span(note);
                (note.pitch, on as usize, off as usize, note.velocity)
            });
            lay_notes(&mut roll, notes.collect());
            Track {
                name: voice.name.clone().unwrap_or(format!("Track {}", k + 1)),
                program: voice.program,
                is_drum: voice.is_drum,
                pianoroll: roll,
            }
        })
        .collect();
    Ok(Multitrack::new(
        clock.steps_per_beat as usize,
        tempo_bpm,
        tracks,
    ))
}

/// Lays notes `(pitch, on step, off step, velocity)` on `roll`, keeping the larger velocity where
/// notes of one pitch overlap. Each cell is written at most once, so piles of overlapping notes
/// cost no more time than one.
fn lay_notes(roll: &mut Array2<u8>, mut notes: Vec<(usize, usize, usize, u8)>) {
    notes.sort_unstable();
    for group in notes.chunk_by(|a, b| a.0 == b.0) {
        let pitch = group[0].0;
        let mut sounding = BinaryHeap::new(); // (velocity, off step) of the notes begun by `t`
        let mut next = 0; // the next note to begin
        let mut t = 0;
        loop {
            if sounding.is_empty() {
                match group.get(next) {
                    Some(&(_, on, _, _)) => t = t.max(on),
                    None => break,
                }
            }
            while let Some(&(_, _, off, velocity)) = group.get(next).filter(|n| n.1 <= t) {
                sounding.push((velocity, off));
                next += 1;
            }
            while sounding.peek().is_some_and(|&(_, off)| off <= t) {
                sounding.pop();
            }
            let Some(&(velocity, off)) = sounding.peek() else {
                continue;
            };
            let until = group.get(next).map_or(off, |n| n.1.min(off));
            roll.slice_mut(s![t..until, pitch]).fill(velocity);
            t = until;
        }
    }
}
