//! Moving a melody by octaves into the soprano's register.

use crate::roll::Track;

/// The mean pitch of the data set's soprano, rounded (MIDI 70 = B♭4): the centre melodies move
/// towards. A test on the data set checks it stays within a semitone of the measured mean.
pub const SOPRANO_CENTER: f64 = 70.0;

/// The whole octaves (in semitones) that move the melody's mean pitch closest to
/// [`SOPRANO_CENTER`]; 0 for a silent track.
pub fn octave_shift(melody: &Track) -> i32 {
    let (sum, count) = melody
        .pianoroll
        .indexed_iter()
        .filter(|(_, &v)| v > 0)
        .fold((0.0, 0usize), |(sum, n), ((_, p), _)| {
            (sum + p as f64, n + 1)
        });
    if count == 0 {
        return 0;
    }
    let mean = sum / count as f64;
    12 * ((SOPRANO_CENTER - mean) / 12.0).round() as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn tune(pitches: &[usize]) -> Track {
        let mut roll = Array2::zeros((pitches.len(), 128));
        for (t, &p) in pitches.iter().enumerate() {
            roll[[t, p]] = 100;
        }
        Track::new("tune", 0, roll)
    }

    #[test]
    fn melodies_move_by_whole_octaves_towards_the_soprano() {
        // Twinkle at C4..A4 (mean about 64): stays (64 is within 6 of 70).
        assert_eq!(octave_shift(&tune(&[60, 60, 67, 67, 69, 69, 67])), 0);
        // The same tune two octaves down moves up 24.
        assert_eq!(octave_shift(&tune(&[36, 36, 43, 43, 45, 45, 43])), 24);
        // A high tune moves down.
        assert_eq!(octave_shift(&tune(&[93, 95, 96])), -24);
        assert_eq!(octave_shift(&Track::silent("x", 0, 4)), 0);
    }
}
