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

#[test]
fn a_chorale_is_found_by_id_and_a_wrong_id_is_named() {
    let data = dataset();
    let chorale = data.chorale("bwv253").unwrap();
    assert_eq!(chorale.entry.id, "bwv253");
    assert!(std::ptr::eq(chorale, data.get("bwv253").unwrap()));
    let err = data.chorale("bwv0.0").unwrap_err().to_string();
    assert!(err.contains("\"bwv0.0\"") && err.contains("data"), "{err}");
}

#[test]
fn index_of_finds_the_first_snippet_of_a_chorale() {
    let data = dataset();
    let per = data.snippets(SnippetMode::PerChorale);
    let windows = data.snippets(SnippetMode::Windows);
    // One snippet per chorale, in index order: chorale k's snippet is row k.
    let fifth = &data.chorales[5].entry.id;
    assert_eq!(per.index_of(fifth).unwrap(), 5);
    // In windows mode the second chorale's first window follows all of the first one's.
    let first_windows = data.chorales[0].window_starts().len();
    assert!(first_windows > 1);
    let second = &data.chorales[1].entry.id;
    assert_eq!(windows.index_of(second).unwrap(), first_windows);
    let err = per.index_of("bwv0.0").unwrap_err().to_string();
    assert!(err.contains("\"bwv0.0\""), "{err}");
}

#[test]
fn a_snippet_as_a_multitrack_holds_the_rows_notes() {
    let data = dataset();
    let per = data.snippets(SnippetMode::PerChorale);
    let i = per.index_of("bwv253").unwrap();
    let roll = per.multitrack(i).unwrap();
    assert_eq!(roll.len(), SNIPPET_STEPS);
    let names: Vec<&str> = roll.tracks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Soprano", "Alto", "Tenor", "Bass"]);
    assert_eq!(
        roll.to_lab_array(),
        per.rolls.index_axis(ndarray::Axis(0), i)
    );
    // The same notes as the chorale's own roll over that window.
    let (_, start) = &per.sources[i];
    let chorale = &data.chorale("bwv253").unwrap().roll;
    let window = chorale.slice_steps(*start, start + SNIPPET_STEPS);
    assert_eq!(roll.to_lab_array(), window.to_lab_array());
    let err = per.multitrack(per.len()).unwrap_err().to_string();
    assert!(err.contains(&format!("{} snippets", per.len())), "{err}");
}

#[test]
fn snippet_modes_parse_from_their_names() {
    for mode in [SnippetMode::PerChorale, SnippetMode::Windows] {
        assert_eq!(mode.to_string().parse::<SnippetMode>().unwrap(), mode);
        // The same names as in JSON.
        let json = serde_json::to_string(&mode).unwrap();
        assert_eq!(json, format!("\"{mode}\""));
    }
    assert_eq!(
        "windows".parse::<SnippetMode>().unwrap(),
        SnippetMode::Windows
    );
    let err = "bars".parse::<SnippetMode>().unwrap_err().to_string();
    assert!(
        err.contains("\"bars\"") && err.contains("per_chorale"),
        "{err}"
    );
}

#[test]
fn settings_from_the_environment_parse_a_snippet_mode() {
    // Only this test uses this variable, so setting it cannot race with other tests.
    let name = "GAN_CORE_DATA_SET_TEST_MODE";
    let read = || gan_core::settings::from_env(name, SnippetMode::PerChorale);
    assert_eq!(read().unwrap(), SnippetMode::PerChorale);
    std::env::set_var(name, "windows");
    assert_eq!(read().unwrap(), SnippetMode::Windows);
    std::env::set_var(name, "all");
    let err = gan_core::Error::from(read().unwrap_err()).to_string();
    assert!(err.contains(name) && err.contains("\"all\""), "{err}");
    std::env::remove_var(name);
}

#[test]
fn the_shipped_voice_leading_reference_is_bachs_recomputed() {
    use gan_core::metrics::BachReference;
    let data = dataset();
    let shipped = BachReference::load(&data.dir).expect("data/voice_leading.json");
    let recomputed = BachReference::compute(&data).unwrap();
    assert_eq!(
        shipped, recomputed,
        "rewrite it with `gan dataset --write-voice-leading`"
    );
    // What the chorales are known for: hardly any parallel fifths or octaves, every voice
    // sounding almost all the time, and the lower voices in the notated key.
    assert_eq!(shipped.chorales, 318);
    assert_eq!(
        shipped.ranges,
        gan_core::metrics::voice_leading::VoiceRanges::BACH
    );
    assert!(
        shipped.rates.parallel_per_100_moves < 0.2,
        "{:?}",
        shipped.rates
    );
    assert!(
        shipped.lowest_lower_sounding > 0.9,
        "{}",
        shipped.lowest_lower_sounding
    );
    assert!(shipped.rates.lower_in_key > 0.9, "{:?}", shipped.rates);
}

#[test]
fn a_missing_voice_leading_reference_names_the_file() {
    let dir = std::env::temp_dir().join(format!("gan-no-reference-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let err = gan_core::metrics::BachReference::load(&dir)
        .unwrap_err()
        .to_string();
    assert!(err.contains("voice_leading.json"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_phrase_end_markers_agree_with_the_index() {
    let data = dataset();
    let mut total = 0;
    for chorale in &data.chorales {
        let e = &chorale.entry;
        let file = gan_core::midi::read_midi_file(data.dir.join(&e.file), 4).unwrap();
        assert_eq!(
            file.phrase_ends, e.phrase_ends,
            "{}: markers vs index",
            e.id
        );
        assert_eq!(chorale.roll.phrase_ends, e.phrase_ends, "{}", e.id);
        // Sorted, inside the piece, and the soprano's last note ends the last phrase.
        assert!(e.phrase_ends.windows(2).all(|w| w[0] < w[1]), "{}", e.id);
        let last = chorale.roll.tracks[0].notes().last().unwrap().end;
        assert_eq!(e.phrase_ends.last(), Some(&last), "{}", e.id);
        assert!(e.phrase_ends[0] > 0, "{}", e.id);
        total += e.phrase_ends.len();
    }
    // 1,986 fermatas in the sopranos, and bwv112.5, which has none, ends once.
    assert_eq!(total, 1987);
    assert_eq!(data.chorale("bwv112.5").unwrap().entry.phrase_ends.len(), 1);
}

/// Precision and recall of `found` phrase ends against `truth`, per chorale pairs: an end
/// counts as right when one of the other set lies within `tolerance` steps of it.
fn precision_recall(pairs: &[(Vec<usize>, Vec<usize>)], tolerance: usize) -> (f64, f64) {
    let near = |a: usize, set: &[usize]| set.iter().any(|&b| a.abs_diff(b) <= tolerance);
    let (mut right, mut found, mut recalled, mut truths) = (0, 0, 0, 0);
    for (inferred, truth) in pairs {
        right += inferred.iter().filter(|&&e| near(e, truth)).count();
        recalled += truth.iter().filter(|&&e| near(e, inferred)).count();
        found += inferred.len();
        truths += truth.len();
    }
    (right as f64 / found as f64, recalled as f64 / truths as f64)
}

#[test]
fn phrase_ends_inferred_from_the_sopranos_find_bachs_fermatas() {
    let data = dataset();
    let pairs: Vec<(Vec<usize>, Vec<usize>)> = data
        .chorales
        .iter()
        .map(|c| {
            let inferred =
                gan_core::compose::infer_phrase_ends(&c.roll.tracks[0], c.entry.pickup_steps);
            (inferred, c.entry.phrase_ends.clone())
        })
        .collect();
    // Within a beat (measured: precision 0.862, recall 0.863), and on the exact step (0.724,
    // 0.725).
    let (precision, recall) = precision_recall(&pairs, 4);
    assert!(
        precision >= 0.84 && recall >= 0.84,
        "within a beat: precision {precision:.3}, recall {recall:.3}"
    );
    let (precision, recall) = precision_recall(&pairs, 0);
    assert!(
        precision >= 0.70 && recall >= 0.70,
        "on the step: precision {precision:.3}, recall {recall:.3}"
    );
    // The last note always ends a phrase.
    assert!(pairs.iter().all(|(i, t)| i.last() == t.last()));
}

#[test]
fn the_shipped_harmony_reference_and_chord_model_are_recomputed_from_the_data() {
    use gan_core::compose::ChordModel;
    use gan_core::metrics::harmony::HarmonyRates;
    use gan_core::metrics::HarmonyReference;
    let data = dataset();
    let shipped = HarmonyReference::load(&data.dir).expect("data/harmony.json");
    let recomputed = HarmonyReference::compute(&data).unwrap();
    let rows = |r: &HarmonyRates| r.rows().into_iter().map(|(_, v, _)| v).collect::<Vec<_>>();
    assert_eq!(shipped.chorales, 318);
    for (a, b) in rows(&shipped.rates).iter().zip(rows(&recomputed.rates)) {
        assert!(
            (a - b).abs() < 1e-9,
            "rewrite it with `gan dataset --write-harmony`"
        );
    }
    // Bach's harmony as a theory class knows it: most beats complete triads in root position,
    // few beats without a chord, and most chorales closing with an authentic cadence.
    let r = &shipped.rates;
    assert!(
        r.complete > 0.65 && r.no_chord < 0.15 && r.root_position > 0.6,
        "{r:?}"
    );
    assert!(
        r.root_motion.fourth_fifth > 0.5 && r.final_authentic > 0.7,
        "{r:?}"
    );
    // The chord model is learned from the shipped model's 286 training chorales, and is the
    // one built into the library.
    let model = ChordModel::load(&data.dir).expect("data/chords.json");
    assert_eq!(model.chorales, 286);
    assert_eq!(&model, ChordModel::bach());
    for mode in [&model.major, &model.minor] {
        assert!(mode.chords.len() >= 10, "{:?}", mode.chords);
        for row in &mode.transitions {
            let total: f64 = row.iter().map(|x| x.exp()).sum();
            assert!((total - 1.0).abs() < 1e-9);
        }
    }
    // I and V are the commonest chords of both modes.
    assert_eq!(model.major.chords[0].interval, 0);
    assert!(model.major.chords[..3].iter().any(|c| c.interval == 7));
}
