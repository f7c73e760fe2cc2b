//! MIDI in and out: read any standard MIDI file into a [`crate::Multitrack`], extract a melody,
//! write type-1 MIDI, and the built-in "Twinkle Twinkle Little Star" melody.
//!
//! - [`read_midi`] turns the bytes of a type 0, 1 or 2 file (any PPQ, tempo changes, SMPTE
//!   timing) into a piano roll on a musical grid of `steps_per_beat` steps per quarter note;
//! - [`melody`] picks the monophonic line that conditions the generator ([`Melody`]);
//! - [`write_midi`] writes a multitrack back as a type-1 file at [`WRITE_PPQ`] ticks per beat;
//! - [`twinkle_twinkle`] is the lab's inference melody, written from our own note list;
//!   [`TUNES`] are more traditional tunes, in other keys, to compose for.
//!
//! Bad input gets a [`MidiError`], never a panic; sizes are capped by [`MAX_FILE_BYTES`],
//! [`MAX_STEPS`] and [`MAX_TRACKS`].

use std::path::PathBuf;

mod melody;
mod read;
mod tunes;
mod twinkle;
mod write;

pub use melody::{bottom_line, melody, skyline, Melody};
pub use read::{
    read_midi, read_midi_file, read_voices_file, MAX_FILE_BYTES, MAX_STEPS, MAX_TRACKS,
};
pub use tunes::{tune, Tune, REST, TUNES};
pub use twinkle::twinkle_twinkle;
pub use write::{write_midi, write_midi_file, WRITE_PPQ};

/// The text of the Marker meta event that marks a phrase end (read case-insensitively).
pub const PHRASE_END_MARKER: &str = "phrase end";

/// What can go wrong reading or writing MIDI.
#[derive(Debug, thiserror::Error)]
pub enum MidiError {
    /// The bytes do not start with a MIDI header (`MThd`, or a RIFF `RMID` wrapper).
    #[error("not a MIDI file: the data does not start with an \"MThd\" header")]
    NotMidi,
    /// The file ends before the header or a chunk it declares is complete.
    #[error("truncated MIDI file: {0}")]
    Truncated(String),
    /// The bytes are MIDI but corrupt.
    #[error("corrupt MIDI file: {0}")]
    Invalid(String),
    /// The header's time division is zero ticks per beat (or per SMPTE frame).
    #[error("invalid MIDI header: the time division is 0 {0}")]
    ZeroDivision(&'static str),
    /// The data is larger than [`MAX_FILE_BYTES`].
    #[error("MIDI data is {bytes} bytes, over the limit of MAX_FILE_BYTES = {max} bytes")]
    TooBig {
        /// The size of the data.
        bytes: u64,
        /// The limit.
        max: usize,
    },
    /// The piece is longer than [`MAX_STEPS`] time steps.
    #[error("the piece is {steps} time steps long, over the limit of MAX_STEPS = {max} steps")]
    TooLong {
        /// The length in time steps.
        steps: u128,
        /// The limit.
        max: usize,
    },
    /// The file holds notes on more than [`MAX_TRACKS`] (track, channel) pairs.
    #[error("the file has notes on {tracks} (track, channel) pairs, over the limit of MAX_TRACKS = {max}")]
    TooManyTracks {
        /// The number of (track, channel) pairs with notes.
        tracks: usize,
        /// The limit.
        max: usize,
    },
    /// A grid of zero steps per beat was asked for.
    #[error("steps per beat must be at least 1, got 0")]
    ZeroStepsPerBeat,
    /// The upbeat cannot be written as a bar of its own.
    #[error("a pickup of {steps} steps cannot be written: it must be shorter than a bar ({bar} steps) and a whole number of beats or 16ths")]
    Pickup {
        /// The upbeat, in steps.
        steps: usize,
        /// A bar, in steps.
        bar: usize,
    },
    /// The file or multitrack has no notes at all.
    #[error("no notes: the MIDI data holds no note events")]
    NoNotes,
    /// Every note is a drum note, but melodic notes are needed.
    #[error("drums only: every note is on the drum channel (10), no melodic notes")]
    DrumsOnly,
    /// A track index past the last track.
    #[error("no track {index}: there are {count} tracks")]
    NoSuchTrack {
        /// The index asked for.
        index: usize,
        /// The number of tracks.
        count: usize,
    },
    /// A drum track was picked where melodic notes are needed.
    #[error("track {index} (\"{name}\") is a drum track, not a melody")]
    DrumTrack {
        /// The track's index.
        index: usize,
        /// The track's name.
        name: String,
    },
    /// A silent track was picked as the melody.
    #[error("track {index} (\"{name}\") has no notes")]
    SilentTrack {
        /// The track's index.
        index: usize,
        /// The track's name.
        name: String,
    },
    /// A track picked as a melody plays several notes at once.
    #[error(
        "track {index} (\"{name}\") is polyphonic (up to {voices} notes at once); \
         use Melody::Skyline({index}) to take its top voice"
    )]
    Polyphonic {
        /// The track's index.
        index: usize,
        /// The track's name.
        name: String,
        /// The most notes sounding at one step.
        voices: usize,
    },
    /// A file read as a set of voices has the wrong number of melodic note tracks.
    #[error(
        "expected {expected} voices (one melodic track each), found {found} {} with notes",
        tracks(*.found)
    )]
    Voices {
        /// The number of voices needed.
        expected: usize,
        /// The number of non-drum tracks with notes.
        found: usize,
    },
    /// A resolution that cannot be written at [`WRITE_PPQ`] ticks per beat.
    #[error(
        "cannot write {0} steps per beat: the resolution must divide {WRITE_PPQ} (ticks per beat)"
    )]
    Resolution(usize),
    /// A tempo that MIDI cannot store.
    #[error(
        "cannot write a tempo of {0} bpm: MIDI stores 1 to 16777215 microseconds per beat \
         (about 3.58 to 60000000 bpm)"
    )]
    Tempo(f64),
    /// A program number past 127.
    #[error("track \"{track}\" has program {program}: MIDI programs are 0 to 127")]
    Program {
        /// The track's name.
        track: String,
        /// The program number.
        program: u8,
    },
    /// The MIDI encoder failed.
    #[error("could not encode MIDI: {0}")]
    Encode(String),
    /// An error in a named file.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong in it.
        source: Box<MidiError>,
    },
}

/// "track" or "tracks", for `n` of them.
fn tracks(n: usize) -> &'static str {
    if n == 1 {
        "track"
    } else {
        "tracks"
    }
}

impl MidiError {
    /// The error itself, with any [`MidiError::File`] wrapping taken off.
    pub fn root(&self) -> &MidiError {
        match self {
            MidiError::File { source, .. } => source.root(),
            other => other,
        }
    }

    /// This error, said to have happened in the file at `path`.
    pub(crate) fn in_file(self, path: impl Into<PathBuf>) -> MidiError {
        MidiError::File {
            path: path.into(),
            source: Box::new(self),
        }
    }
}
