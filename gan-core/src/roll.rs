//! The piano-roll data model, after pypianoroll: a [`Track`] is one instrument's (time × pitch)
//! grid, a [`Multitrack`] holds several tracks on one time grid. The lab's model sees a batch of
//! rolls as an `(N, time, pitch, track)` array of f32 in {-1, +1}; this module converts both ways.

use ndarray::{s, Array2, Array3, Array4, ArrayView3, ArrayView4, Axis};

/// An array whose shape is not the one expected.
#[derive(Debug, thiserror::Error)]
#[error("wrong array shape for {what}: expected {expected}, got {got:?}")]
pub struct ShapeError {
    /// What the array is for, e.g. "piano-roll batch".
    pub what: &'static str,
    /// The expected shape, in words, e.g. "(N, 32, 128, 4)".
    pub expected: String,
    /// The shape that was given.
    pub got: Vec<usize>,
}
/// Number of MIDI pitches, the roll's pitch axis.
pub const N_PITCHES: usize = 128;
/// Number of voices in a chorale: soprano, alto, tenor and bass.
pub const N_TRACKS: usize = 4;
/// Time steps per quarter-note beat (16th-note resolution), as in the lab.
pub const STEPS_PER_BEAT: usize = 4;
/// Time steps per 4/4 bar.
pub const STEPS_PER_BAR: usize = 4 * STEPS_PER_BEAT;
/// Time steps in one of the lab's snippets: two 4/4 bars.
pub const SNIPPET_STEPS: usize = 2 * STEPS_PER_BAR;
/// The tempo the lab plays and writes at, in beats per minute.
pub const DEFAULT_TEMPO_BPM: f64 = 100.0;
/// The names of the four voices, in track order.
pub const VOICE_NAMES: [&str; N_TRACKS] = ["Soprano", "Alto", "Tenor", "Bass"];

/// One note: a pitch sounding with one velocity over the time steps `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Note {
    /// The MIDI pitch (69 is A4, 440 Hz).
    pub pitch: u8,
    /// The first time step of the note.
    pub start: usize,
    /// One past the note's last time step.
    pub end: usize,
    /// The note's velocity (1..=127).
    pub velocity: u8,
}

/// One instrument's piano roll: velocities on a (time, 128 pitches) grid, 0 meaning silent.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// A human-readable name, e.g. "Soprano".
    pub name: String,
    /// The General MIDI program (0 = Acoustic Grand Piano).
    pub program: u8,
    /// Whether the track is percussion (MIDI channel 10).
    pub is_drum: bool,
    /// Velocities, shape (time, 128); a nonzero entry means the pitch sounds at that step.
    pub pianoroll: Array2<u8>,
}

impl Track {
    /// A non-drum track with the given name, program and roll.
    pub fn new(name: impl Into<String>, program: u8, pianoroll: Array2<u8>) -> Self {
        Self {
            name: name.into(),
            program,
            is_drum: false,
            pianoroll,
        }
    }

    /// A silent track of `steps` time steps.
    pub fn silent(name: impl Into<String>, program: u8, steps: usize) -> Self {
        Self::new(name, program, Array2::zeros((steps, N_PITCHES)))
    }

    /// The number of time steps.
    pub fn len(&self) -> usize {
        self.pianoroll.nrows()
    }

    /// Whether the track has no time steps.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether any pitch sounds at any step.
    pub fn has_notes(&self) -> bool {
        self.pianoroll.iter().any(|&v| v > 0)
    }

    /// The number of (step, pitch) cells that sound.
    pub fn note_steps(&self) -> usize {
        self.pianoroll.iter().filter(|&&v| v > 0).count()
    }

    /// The notes, ordered by start then pitch: a run of consecutive steps where one pitch sounds
    /// with one velocity is one note, so a change of velocity starts a new note. Velocities
    /// above 127 are capped.
    pub fn notes(&self) -> Vec<Note> {
        let mut out = Vec::new();
        for (pitch, column) in self.pianoroll.columns().into_iter().enumerate() {
            let mut open: Option<(usize, u8)> = None;
            for (t, &v) in column.iter().chain(std::iter::once(&0)).enumerate() {
                if let Some((start, velocity)) = open.filter(|&(_, vel)| vel != v) {
                    out.push(Note {
                        pitch: pitch as u8,
                        start,
                        end: t,
                        velocity: velocity.min(127),
                    });
                    open = None;
                }
                if open.is_none() && v > 0 {
                    open = Some((t, v));
                }
            }
        }
        out.sort_by_key(|n| (n.start, n.pitch));
        out
    }

    /// The lowest and highest sounding pitch, or `None` for a silent track.
    pub fn pitch_range(&self) -> Option<(u8, u8)> {
        let sounding = |p: &usize| self.pianoroll.column(*p).iter().any(|&v| v > 0);
        let lo = (0..N_PITCHES).find(sounding)?;
        let hi = (0..N_PITCHES).rev().find(sounding)?;
        Some((lo as u8, hi as u8))
    }

    /// A track singing `line` (one pitch or a rest per step), each note at `velocity`.
    pub fn from_line(
        name: impl Into<String>,
        program: u8,
        line: &[Option<u8>],
        velocity: u8,
    ) -> Self {
        let mut roll = Array2::zeros((line.len(), N_PITCHES));
        for (t, pitch) in line.iter().enumerate() {
            if let Some(p) = pitch {
                roll[[t, usize::from(*p).min(N_PITCHES - 1)]] = velocity;
            }
        }
        Self::new(name, program, roll)
    }

    /// The highest sounding pitch at each step, or `None` where the step is silent.
    pub fn top_line(&self) -> Vec<Option<u8>> {
        self.pianoroll
            .rows()
            .into_iter()
            .map(|row| (0..N_PITCHES).rev().find(|&p| row[p] > 0).map(|p| p as u8))
            .collect()
    }

    /// The same track padded with silence or cut to `steps` time steps.
    pub fn with_len(&self, steps: usize) -> Track {
        let mut roll = Array2::zeros((steps, N_PITCHES));
        let n = steps.min(self.len());
        roll.slice_mut(s![..n, ..])
            .assign(&self.pianoroll.slice(s![..n, ..]));
        Track {
            pianoroll: roll,
            ..self.clone()
        }
    }

    /// The same track moved by `semitones`; notes pushed outside 0..128 are dropped.
    pub fn transposed(&self, semitones: i32) -> Track {
        let mut roll = Array2::zeros(self.pianoroll.raw_dim());
        for p in 0..N_PITCHES as i32 {
            let q = p + semitones;
            if (0..N_PITCHES as i32).contains(&q) {
                roll.column_mut(q as usize)
                    .assign(&self.pianoroll.column(p as usize));
            }
        }
        Track {
            pianoroll: roll,
            ..self.clone()
        }
    }
}

/// The upbeat of a piece cut at step `start`, when its first barline was at `pickup_steps`
/// and its bars are `bar` steps long: the barlines stay where they were.
pub fn pickup_after_cut(pickup_steps: usize, start: usize, bar: usize) -> usize {
    (pickup_steps + bar - start % bar) % bar
}

/// Several tracks on one time grid, with the grid's resolution and tempo.
#[derive(Debug, Clone, PartialEq)]
pub struct Multitrack {
    /// Time steps per quarter-note beat.
    pub resolution: usize,
    /// Tempo in beats per minute.
    pub tempo_bpm: f64,
    /// The tracks, in order (soprano, alto, tenor, bass for a chorale).
    pub tracks: Vec<Track>,
    /// Steps before the first barline (an upbeat), less than a 4/4 bar; 0 when the piece
    /// starts on a downbeat.
    pub pickup_steps: usize,
    /// Steps at which a phrase ends (the step after its last note), in order; empty when
    /// unknown.
    pub phrase_ends: Vec<usize>,
}

impl Multitrack {
    /// A multitrack at `resolution` steps per beat and `tempo_bpm`, starting on a downbeat.
    pub fn new(resolution: usize, tempo_bpm: f64, tracks: Vec<Track>) -> Self {
        Self {
            resolution,
            tempo_bpm,
            tracks,
            pickup_steps: 0,
            phrase_ends: Vec::new(),
        }
    }

    /// The same multitrack with phrases ending at `steps` (sorted, duplicates dropped).
    pub fn with_phrase_ends(self, mut steps: Vec<usize>) -> Self {
        steps.sort_unstable();
        steps.dedup();
        Self {
            phrase_ends: steps,
            ..self
        }
    }

    /// The same multitrack with an upbeat of `steps` steps before its first barline.
    pub fn with_pickup(self, steps: usize) -> Self {
        Self {
            pickup_steps: steps,
            ..self
        }
    }

    /// Steps in a 4/4 bar at this resolution.
    pub fn bar_steps(&self) -> usize {
        4 * self.resolution
    }

    /// The number of time steps: the longest track's length.
    pub fn len(&self) -> usize {
        self.tracks.iter().map(Track::len).max().unwrap_or(0)
    }

    /// Whether there are no time steps.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether any track has a note.
    pub fn has_notes(&self) -> bool {
        self.tracks.iter().any(Track::has_notes)
    }

    /// The length of one time step in seconds.
    pub fn step_seconds(&self) -> f64 {
        60.0 / self.tempo_bpm / self.resolution as f64
    }

    /// The duration in seconds.
    pub fn duration_seconds(&self) -> f64 {
        self.len() as f64 * self.step_seconds()
    }

    /// The same multitrack with every track padded or cut to `steps` time steps; the phrase
    /// ends past the new end are dropped.
    pub fn with_len(&self, steps: usize) -> Multitrack {
        let tracks = self.tracks.iter().map(|t| t.with_len(steps)).collect();
        Multitrack {
            tracks,
            phrase_ends: self
                .phrase_ends
                .iter()
                .copied()
                .filter(|&e| e <= steps)
                .collect(),
            ..self.clone()
        }
    }

    /// The time steps `start..end` of every track (padded with silence past the end); the
    /// phrase ends in `start + 1..=end` are kept, counted from `start`.
    pub fn slice_steps(&self, start: usize, end: usize) -> Multitrack {
        let tracks = self
            .tracks
            .iter()
            .map(|t| {
                let padded = t.with_len(end.max(t.len()));
                Track {
                    pianoroll: padded.pianoroll.slice(s![start..end, ..]).to_owned(),
                    ..t.clone()
                }
            })
            .collect();
        Multitrack {
            tracks,
            pickup_steps: pickup_after_cut(self.pickup_steps, start, self.bar_steps().max(1)),
            phrase_ends: self
                .phrase_ends
                .iter()
                .filter(|&&e| e > start && e <= end)
                .map(|e| e - start)
                .collect(),
            ..self.clone()
        }
    }

    /// The lab's layout: an array (time, 128, tracks) of f32, +1 where a note sounds and -1 elsewhere.
    pub fn to_lab_array(&self) -> Array3<f32> {
        let steps = self.len();
        let mut out = Array3::from_elem((steps, N_PITCHES, self.tracks.len()), -1.0f32);
        for (k, track) in self.tracks.iter().enumerate() {
            for ((t, p), &v) in track.pianoroll.indexed_iter() {
                if v > 0 {
                    out[[t, p, k]] = 1.0;
                }
            }
        }
        out
    }

    /// Cuts the roll into consecutive windows of `steps` steps from step 0, the last one padded
    /// with silence, as a batch (N, steps, 128, tracks) in the lab's layout.
    pub fn to_lab_snippets(&self, steps: usize) -> Array4<f32> {
        let n = self.len().div_ceil(steps.max(1));
        let whole = self.with_len(n * steps).to_lab_array();
        let (_, pitches, tracks) = whole.dim();
        whole
            .into_shape_with_order((n, steps, pitches, tracks))
            .expect("n · steps rows split evenly")
    }

    /// Reads the lab's layout (time, 128, tracks): a value above 0 is a note at velocity 100.
    /// Four tracks are named soprano to bass with program 0.
    pub fn from_lab_array(
        array: ArrayView3<f32>,
        resolution: usize,
        tempo_bpm: f64,
    ) -> Result<Self, ShapeError> {
        let (steps, pitches, n) = array.dim();
        if pitches != N_PITCHES || n == 0 {
            return Err(ShapeError {
                what: "piano roll",
                expected: "(time, 128, tracks)".into(),
                got: array.shape().to_vec(),
            });
        }
        let tracks = (0..n)
            .map(|k| {
                let roll = array
                    .index_axis(Axis(2), k)
                    .mapv(|x| if x > 0.0 { 100u8 } else { 0 });
                let name = track_name(k, n);
                debug_assert_eq!(roll.nrows(), steps);
                Track::new(name, 0, roll)
            })
            .collect();
        Ok(Multitrack::new(resolution, tempo_bpm, tracks))
    }
}

/// The display name of track `k` of `n`: the voice names for four tracks, else "Track k+1".
pub fn track_name(k: usize, n: usize) -> String {
    match n {
        N_TRACKS => VOICE_NAMES[k].to_string(),
        _ => format!("Track {}", k + 1),
    }
}

/// Checks that `batch` is a batch of lab rolls: (N, time, 128, tracks) with the given time and
/// track counts (`None` accepts any).
pub fn check_batch_shape(
    batch: &ArrayView4<f32>,
    steps: Option<usize>,
    tracks: Option<usize>,
) -> Result<(), ShapeError> {
    let (_, t, p, k) = batch.dim();
    let ok = p == N_PITCHES && steps.is_none_or(|s| s == t) && tracks.is_none_or(|n| n == k);
    if ok {
        return Ok(());
    }
    let fmt = |o: Option<usize>, name: &str| o.map_or(name.to_string(), |v| v.to_string());
    Err(ShapeError {
        what: "piano-roll batch",
        expected: format!(
            "(N, {}, 128, {})",
            fmt(steps, "time"),
            fmt(tracks, "tracks")
        ),
        got: batch.shape().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_note_track() -> Track {
        let mut roll = Array2::zeros((8, N_PITCHES));
        roll.slice_mut(s![2..5, 60]).fill(90);
        Track::new("Soprano", 0, roll)
    }

    #[test]
    fn notes_are_runs_of_one_pitch_and_velocity() {
        let mut roll = Array2::zeros((10, N_PITCHES));
        // Pitch 60: a velocity change at step 1, then a rest, then one step.
        roll[[0, 60]] = 80;
        roll.slice_mut(s![1..3, 60]).fill(90);
        roll[[5, 60]] = 200;
        // Pitch 64 runs to the end of the roll.
        roll.slice_mut(s![7..10, 64]).fill(100);
        let note = |pitch, start, end, velocity| Note {
            pitch,
            start,
            end,
            velocity,
        };
        assert_eq!(
            Track::new("x", 0, roll).notes(),
            vec![
                note(60, 0, 1, 80),
                note(60, 1, 3, 90),
                note(60, 5, 6, 127),
                note(64, 7, 10, 100)
            ]
        );
    }

    #[test]
    fn lab_array_round_trip() {
        let mt = Multitrack::new(
            4,
            100.0,
            vec![one_note_track(), Track::silent("Alto", 0, 8)],
        );
        let arr = mt.to_lab_array();
        assert_eq!(arr.dim(), (8, 128, 2));
        assert_eq!(arr[[3, 60, 0]], 1.0);
        assert_eq!(arr[[1, 60, 0]], -1.0);
        assert_eq!(arr.iter().filter(|&&x| x > 0.0).count(), 3);
        let back = Multitrack::from_lab_array(arr.view(), 4, 100.0).unwrap();
        assert_eq!(back.tracks[0].note_steps(), 3);
        assert!(!back.tracks[1].has_notes());
    }

    #[test]
    fn snippets_cut_from_step_zero_and_pad_the_last() {
        let mt = Multitrack::new(4, 100.0, vec![one_note_track()]).with_len(40);
        let snippets = mt.to_lab_snippets(32);
        assert_eq!(snippets.dim(), (2, 32, 128, 1));
        assert_eq!(snippets.slice(s![0, 2..5, 60, 0]).to_vec(), vec![1.0; 3]);
        assert_eq!(snippets.iter().filter(|&&x| x > 0.0).count(), 3);
        assert_eq!(mt.with_len(0).to_lab_snippets(32).dim(), (0, 32, 128, 1));
    }

    #[test]
    fn from_lab_array_rejects_wrong_pitch_axis() {
        let arr = Array3::<f32>::zeros((8, 64, 4));
        let err = Multitrack::from_lab_array(arr.view(), 4, 100.0).unwrap_err();
        assert!(err.to_string().contains("[8, 64, 4]"), "{err}");
    }

    #[test]
    fn transpose_range_top_line_and_slice() {
        let t = one_note_track();
        assert_eq!(t.pitch_range(), Some((60, 60)));
        assert_eq!(t.transposed(12).pitch_range(), Some((72, 72)));
        assert!(!t.transposed(100).has_notes());
        assert_eq!(t.top_line()[3], Some(60));
        assert_eq!(t.top_line()[0], None);
        let mt = Multitrack::new(4, 100.0, vec![t]);
        let cut = mt.slice_steps(4, 12);
        assert_eq!(cut.len(), 8);
        assert_eq!(cut.tracks[0].note_steps(), 1);
        assert!((mt.duration_seconds() - 8.0 * 0.15).abs() < 1e-12);
    }

    #[test]
    fn phrase_ends_are_sorted_and_follow_cuts() {
        let mt = Multitrack::new(4, 100.0, vec![one_note_track()]);
        assert!(mt.phrase_ends.is_empty());
        let mt = mt.with_phrase_ends(vec![8, 4, 2, 4]);
        assert_eq!(mt.phrase_ends, vec![2, 4, 8]);
        assert_eq!(mt.with_len(4).phrase_ends, vec![2, 4]);
        assert_eq!(mt.with_len(20).phrase_ends, vec![2, 4, 8]);
        // A slice keeps the ends after its first step up to its end, shifted.
        assert_eq!(mt.slice_steps(2, 8).phrase_ends, vec![2, 6]);
        assert_eq!(mt.slice_steps(4, 7).phrase_ends, Vec::<usize>::new());
        assert_eq!(mt.slice_steps(0, 16).phrase_ends, vec![2, 4, 8]);
    }

    #[test]
    fn batch_shape_check_names_the_problem() {
        let ok = ndarray::Array4::<f32>::zeros((2, 32, 128, 4));
        assert!(check_batch_shape(&ok.view(), Some(32), Some(4)).is_ok());
        let bad = ndarray::Array4::<f32>::zeros((2, 32, 128, 3));
        let msg = check_batch_shape(&bad.view(), Some(32), Some(4))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("(N, 32, 128, 4)") && msg.contains("[2, 32, 128, 3]"),
            "{msg}"
        );
    }
}
