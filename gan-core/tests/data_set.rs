//! Tests on the committed Bach chorale data set in `data/`.

use gan_core::data::{Dataset, SnippetMode};
use gan_core::roll::{N_TRACKS, SNIPPET_STEPS, STEPS_PER_BAR};

fn dataset() -> Dataset {
    Dataset::load_default().expect("the committed data set loads")
}

#[test]
fn every_chorale_has_four_voices_in_their_ranges() {
    let data = dataset();
    assert!(
        data.len() >= 250,
        "expected about 300 chorales, found {}",
        data.len()
    );
    for chorale in &data.chorales {
        assert_eq!(chorale.roll.tracks.len(), N_TRACKS, "{}", chorale.entry.id);
        let e = &chorale.entry;
        assert!(
            e.pickup_steps < STEPS_PER_BAR,
            "{}: pickup {}",
            e.id,
            e.pickup_steps
        );
        assert!(
            e.pickup_steps + e.bars * STEPS_PER_BAR <= e.steps,
            "{}: bars overflow",
            e.id
        );
        // Mean pitch falls from soprano to bass (concert pitch, not the lab's +22 shift).
        let means: Vec<f64> = chorale
            .roll
            .tracks
            .iter()
            .map(|t| {
                let (sum, n) = t
                    .pianoroll
                    .indexed_iter()
                    .filter(|(_, &v)| v > 0)
                    .fold((0.0, 0.0), |(s, n), ((_, p), _)| (s + p as f64, n + 1.0));
                sum / n
            })
            .collect();
        assert!(
            means.windows(2).all(|w| w[0] > w[1]),
            "{}: voice means {means:?}",
            e.id
        );
        let (lo, hi) = chorale.roll.tracks[0].pitch_range().unwrap();
        assert!(
            (55..=84).contains(&lo) && (60..=84).contains(&hi),
            "{}: soprano {lo}..{hi}",
            e.id
        );
    }
}

#[test]
fn snippets_are_bar_aligned_with_every_voice_sounding() {
    let data = dataset();
    let per = data.snippets(SnippetMode::PerChorale);
    let windows = data.snippets(SnippetMode::Windows);
    assert_eq!(per.rolls.shape()[1..], [SNIPPET_STEPS, 128, N_TRACKS]);
    assert!(
        per.len() * 5 < windows.len(),
        "{} windows vs {} snippets",
        windows.len(),
        per.len()
    );
    assert!(per.rolls.iter().all(|&x| x == 1.0 || x == -1.0));
    for (i, (id, start)) in windows.sources.iter().enumerate() {
        let entry = &data.get(id).unwrap().entry;
        assert_eq!(
            (start - entry.pickup_steps) % STEPS_PER_BAR,
            0,
            "{id} window at {start}"
        );
        for k in 0..N_TRACKS {
            for bar in 0..2 {
                let bar_roll = windows
                    .rolls
                    .slice(ndarray::s![i, bar * 16..bar * 16 + 16, .., k]);
                assert!(
                    bar_roll.iter().any(|&x| x > 0.0),
                    "{id}@{start}: voice {k} silent in bar {bar}"
                );
            }
        }
    }
    // The per-chorale snippet is each chorale's first window.
    for (id, start) in &per.sources {
        assert_eq!(
            windows.sources.iter().find(|(w, _)| w == id).unwrap().1,
            *start
        );
    }
}

#[test]
fn split_holds_out_whole_chorales_deterministically() {
    let data = dataset();
    let a = data.split(SnippetMode::Windows, 0.1, 42).unwrap();
    let b = data.split(SnippetMode::Windows, 0.1, 42).unwrap();
    let c = data.split(SnippetMode::Windows, 0.1, 43).unwrap();
    assert_eq!(a.eval.sources, b.eval.sources);
    assert_eq!(a.train.rolls, b.train.rolls);
    assert_ne!(a.eval.sources, c.eval.sources);
    let eval_ids: std::collections::HashSet<_> = a.eval.sources.iter().map(|(id, _)| id).collect();
    assert!(a.train.sources.iter().all(|(id, _)| !eval_ids.contains(id)));
    let total = data.snippets(SnippetMode::Windows).len();
    assert_eq!(a.train.len() + a.eval.len(), total);
    let n_eval_chorales = eval_ids.len() as f64;
    assert!((n_eval_chorales / data.len() as f64 - 0.1).abs() < 0.02);
    assert!(data.split(SnippetMode::PerChorale, 1.5, 0).is_err());
}

#[test]
fn a_missing_data_dir_names_the_index() {
    let err = Dataset::load("/nonexistent/gan-data")
        .unwrap_err()
        .to_string();
    assert!(err.contains("index.json"), "{err}");
}

#[test]
fn reference_metrics_describe_four_monophonic_voices() {
    let data = dataset();
    let reference = data.reference_metrics(SnippetMode::PerChorale).unwrap();
    let windows = data.reference_metrics(SnippetMode::Windows).unwrap();
    for m in [&reference, &windows] {
        // Every voice sounds in both bars of every snippet, and no voice holds a chord.
        assert_eq!(m.empty_bar_rate, vec![0.0; 4]);
        assert_eq!(m.polyphonic_rate, vec![0.0; 4]);
        // Bach moves within a key: most note-steps of a voice fall in the C major scale only
        // when the key is near C, so the rate is well below 1 but above chance (7/12).
        assert!(
            m.in_scale_rate.iter().all(|&r| (0.6..0.95).contains(&r)),
            "{:?}",
            m.in_scale_rate
        );
        // The bass leaps more than the upper voices.
        assert!(m.pitch_range[3] > m.pitch_range[0], "{:?}", m.pitch_range);
    }
}

#[test]
fn the_soprano_centre_is_the_data_sets_mean_soprano_pitch() {
    let data = dataset();
    let (sum, n) = data
        .chorales
        .iter()
        .flat_map(|c| {
            c.roll.tracks[0]
                .pianoroll
                .indexed_iter()
                .filter(|(_, &v)| v > 0)
                .map(|((_, p), _)| p as f64)
        })
        .fold((0.0, 0.0), |(s, n), p| (s + p, n + 1.0));
    let mean = sum / n;
    assert!(
        (mean - gan_core::compose::SOPRANO_CENTER).abs() < 1.0,
        "soprano mean pitch {mean}"
    );
}
