#!/usr/bin/env python3
"""Build the Bach chorale data set from the chorales bundled in music21's corpus.

Writes one 4-track type-1 MIDI file per kept chorale to ``data/chorales/`` and an index of them
to ``data/index.json``. Nothing is fetched at run time: the MusicXML files ship inside the
pinned ``music21`` wheel, and network access is disabled before music21 is imported.

Run it through ``bash scripts/build_dataset.sh`` (it pins the Python packages). See
``data/README.md`` for the selection rules and the file format.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import re
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path


def block_network() -> None:
    """Make every socket connection fail, so music21 cannot reach the network."""

    def refuse(*_args, **_kwargs):
        raise OSError("network access is disabled while building the data set")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]


block_network()

import mido  # noqa: E402
import music21  # noqa: E402
from music21 import converter, corpus, environment, expressions, key, meter  # noqa: E402
from music21.corpus.chorales import ChoraleList, ChoraleListRKBWV  # noqa: E402

# Never offer to download anything (the corpus is bundled with the wheel).
environment.Environment()["autoDownload"] = "deny"

STEPS_PER_BEAT = 4
STEPS_PER_BAR = 16
TICKS_PER_BEAT = 480
TICKS_PER_STEP = TICKS_PER_BEAT // STEPS_PER_BEAT
TEMPO_BPM = 100
VELOCITY = 100
PROGRAM = 0
VOICES = ("Soprano", "Alto", "Tenor", "Bass")
INDEX_VERSION = 1
# The text of the conductor track's Marker meta event at each phrase end.
PHRASE_END_MARKER = "phrase end"

# Music21 writes flats as '-'; the index uses the usual 'b'.
TONIC_FLAT = "-"

# Drop reasons, in the order the checks run (a file gets the first one that applies).
DROP_PARTS = "not exactly 4 parts"
DROP_VOICES = "parts are not Soprano, Alto, Tenor, Bass in that order"
DROP_METER = "not in 4/4 throughout"
DROP_BARS = "bar lines off the 4/4 grid (a mid-piece measure is incomplete)"
DROP_VARIANT = "another version of a kept BWV movement"
DROP_DUPLICATE = "same notes (up to transposition) as a kept chorale"
DROP_REASONS = (DROP_PARTS, DROP_VOICES, DROP_METER, DROP_BARS, DROP_VARIANT, DROP_DUPLICATE)


@dataclass(order=True)
class NoteEvent:
    """One note of one voice on the 16th-note grid: [start, end) in steps."""

    start: int
    end: int
    pitch: int


@dataclass
class Chorale:
    """A converted chorale: its index entry and its four voices' notes."""

    cid: str
    title: str
    tonic: str
    mode: str
    sharps: int
    pickup_steps: int
    steps: int
    voices: list[list[NoteEvent]]
    phrase_ends: list[int]
    counts: Counter = field(default_factory=Counter)

    def entry(self) -> dict:
        """The chorale's record in data/index.json."""
        return {
            "id": self.cid,
            "file": f"chorales/{self.cid}.mid",
            "title": self.title,
            "key": {"tonic": self.tonic, "mode": self.mode, "sharps": self.sharps},
            "pickup_steps": self.pickup_steps,
            "bars": (self.steps - self.pickup_steps) // STEPS_PER_BAR,
            "steps": self.steps,
            "phrase_ends": self.phrase_ends,
        }

    def music_key(self) -> tuple:
        """What two chorales share when they are the same music, possibly transposed."""
        lowest = min((n.pitch for v in self.voices for n in v), default=0)
        return (
            self.pickup_steps,
            self.steps,
            tuple(tuple((n.start, n.end, n.pitch - lowest) for n in v) for v in self.voices),
        )


def to_step(quarters) -> tuple[int, bool]:
    """Round a position in quarter notes to the nearest step (halves go up); flag off-grid."""
    exact = Fraction(quarters) * STEPS_PER_BEAT
    step = math.floor(exact + Fraction(1, 2))
    return step, exact != step


def sanitise_id(stem: str) -> str:
    """The chorale id used in file names: characters outside [A-Za-z0-9._-] become '_'."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem)


def variant_rank(cid: str) -> tuple:
    """Sort key choosing which of several duplicates is kept: plain id, then shortest, then A-Z."""
    return ("-" in cid, len(cid), cid)


def load_titles() -> dict[str, str]:
    """German titles by BWV id ('269', '248.12-2'), from music21's own chorale catalogues.

    The Riemenschneider catalogue (ChoraleListRKBWV) is preferred; where one BWV id appears
    under several Riemenschneider numbers the lowest number's title is used.
    """
    titles: dict[str, str] = {}
    rk = ChoraleListRKBWV()
    for number in sorted(rk.byRiemenschneider):
        info = rk.byRiemenschneider[number]
        titles.setdefault(str(info["bwv"]), info["title"])
    for bwv, info in sorted(rk.byBWV.items()):
        titles.setdefault(str(bwv), info["title"])
    other = ChoraleList()
    for bwv in sorted(other.byBWV):
        titles.setdefault(str(bwv), other.byBWV[bwv]["title"])
    return titles


def corpus_files() -> list[Path]:
    """The Bach MusicXML files of music21's core corpus, sorted by file name."""
    paths = [Path(p) for p in corpus.getComposer("bach", fileExtensions=("xml",))]
    paths = [p for p in paths if p.suffix in (".mxl", ".xml") and p.name.startswith("bwv")]
    return sorted(paths, key=lambda p: p.name)


def score_key(score, counts: Counter) -> tuple[str, str, int]:
    """(tonic, mode, sharps) of a chorale from its encoded key signatures.

    The signature is the one most parts open with (the soprano's on a tie). The mode is the
    one encoded on the soprano, where music21's edition marks it. Where the soprano has no mode
    or a different signature, the mode is whichever of the signature's major and relative minor
    has the last bass note as tonic, and failing that music21's key analysis.
    """
    opening = []
    for part in score.parts:
        signatures = list(part.recurse().getElementsByClass(key.KeySignature))
        if signatures and any(s.sharps != signatures[0].sharps for s in signatures[1:]):
            counts["voices whose key signature changes (the opening one is used)"] += 1
        opening.append(signatures[0] if signatures else None)
    votes = Counter(s.sharps for s in opening if s is not None)
    if not votes:
        counts["chorales without a key signature (key analysed)"] += 1
        analysed = score.analyze("key")
        return tonic_name(analysed.tonic.name), analysed.mode, analysed.sharps
    sharps = votes.most_common(1)[0][0]
    soprano = opening[0]
    mode = getattr(soprano, "mode", None) if soprano is not None else None
    if soprano is None or soprano.sharps != sharps or mode not in ("major", "minor"):
        counts["chorales whose soprano key signature disagrees (mode from the bass)"] += 1
        mode = mode_from_bass(score, sharps)
    return tonic_name(key.KeySignature(sharps).asKey(mode).tonic.name), mode, sharps


def mode_from_bass(score, sharps: int) -> str:
    """Major or minor for a signature: the one whose tonic is the last bass note, else analysis."""
    signature = key.KeySignature(sharps)
    bass_notes = list(score.parts[-1].recurse().notes)
    if bass_notes:
        last = bass_notes[-1].pitches[0].pitchClass
        for mode in ("major", "minor"):
            if signature.asKey(mode).tonic.pitchClass == last:
                return mode
    analysed = score.analyze("key")
    return analysed.mode if analysed.sharps == sharps and analysed.mode == "minor" else "major"


def tonic_name(name: str) -> str:
    """Music21 pitch-class name ('B-', 'F#') in the usual spelling ('Bb', 'F#')."""
    return name.replace(TONIC_FLAT, "b")


def check_bars(part, pickup_steps: int) -> bool:
    """True when every measure's (padded) downbeat lies on the 16-step grid set by the pickup.

    A bar split in two at a phrase end or repeat sign is encoded as two short measures; the
    second one's paddingLeft says where its bar began, so it passes.
    """
    for measure in part.getElementsByClass("Measure"):
        downbeat = (Fraction(measure.offset) - Fraction(measure.paddingLeft)) * STEPS_PER_BEAT
        if downbeat.denominator != 1 or (int(downbeat) - pickup_steps) % STEPS_PER_BAR:
            return False
    return True


def pickup_of(part) -> int:
    """Length in steps of the first measure if it is incomplete (an anacrusis), else 0."""
    first = part.getElementsByClass("Measure").first()
    length = Fraction(first.duration.quarterLength)
    bar = Fraction(first.barDuration.quarterLength)
    if first.paddingLeft > 0 or length < bar:
        steps, off_grid = to_step(length)
        if off_grid:
            raise ValueError("pickup measure is not a whole number of steps")
        return steps
    return 0


def voice_notes(part, counts: Counter) -> tuple[list[NoteEvent], int]:
    """The notes of one voice, ties merged and quantised; also the voice's end in steps.

    Onsets and offsets are rounded to the nearest step and every note lasts at least one step.
    Where rounding makes a note run into the next one of its voice, the earlier note is cut
    at the next onset; if it would then last no step at all (it starts on the same step as
    the next note), it is left out.
    """
    merged = part.stripTies()
    timed: list[tuple[Fraction, NoteEvent]] = []
    for element in merged.recurse().notes:
        if element.duration.isGrace:
            counts["grace notes skipped"] += 1
            continue
        onset = Fraction(element.getOffsetInHierarchy(merged))
        start, start_off = to_step(onset)
        end, end_off = to_step(onset + Fraction(element.duration.quarterLength))
        counts["onsets rounded to the grid"] += start_off
        counts["offsets rounded to the grid"] += end_off
        if end <= start:
            end = start + 1
            counts["notes lengthened to one step"] += 1
        if len(element.pitches) > 1:
            counts["chords within a voice"] += 1
        for pitch in element.pitches:
            timed.append((onset, NoteEvent(start, end, pitch.midi)))
    timed.sort(key=lambda t: (t[0], t[1].pitch))
    kept: list[tuple[Fraction, NoteEvent]] = []
    for onset, event in timed:
        survivors = []
        for earlier_onset, earlier in kept:
            if earlier_onset < onset and earlier.end > event.start:
                if earlier.start >= event.start:
                    counts["notes left out (no step left after rounding)"] += 1
                    continue
                earlier.end = event.start
                counts["notes cut short by the next note"] += 1
            survivors.append((earlier_onset, earlier))
        kept = survivors + [(onset, event)]
    notes = sorted(event for _, event in kept)
    end_steps, _ = to_step(merged.highestTime)
    return notes, end_steps


def has_fermata(element) -> bool:
    """Whether a note carries a fermata (music21's Fermata expression)."""
    return any(isinstance(e, expressions.Fermata) for e in element.expressions)


def phrase_ends_of(parts, voices: list[list[NoteEvent]], counts: Counter) -> list[int]:
    """The steps where the chorale's phrases end: where each note under a fermata ends.

    The fermatas are the soprano's; a soprano without any takes the first other part that has
    some. A fermata note's end is the end of the quantised note sounding at its onset (so a
    fermata on either note of a tie ends the phrase after the tied pair); should no quantised
    note sound there, the fermata note's own rounded end. The end of the soprano's last note
    always ends a phrase. Sorted, without repeats.
    """
    ends = set()
    for part, notes in zip(parts, voices):
        marked = [n for n in part.recurse().notes if not n.duration.isGrace and has_fermata(n)]
        if not marked:
            continue
        if part is not parts[0]:
            counts["chorales whose fermatas come from a lower part"] += 1
        for element in marked:
            onset = Fraction(element.getOffsetInHierarchy(part))
            start, _ = to_step(onset)
            sounding = [n.end for n in notes if n.start <= start < n.end]
            if sounding:
                ends.add(sounding[0])
            else:
                counts["fermatas on a note left out (own end used)"] += 1
                ends.add(to_step(onset + Fraction(element.duration.quarterLength))[0])
        break
    else:
        counts["chorales without fermatas (the piece's end only)"] += 1
    if voices[0]:
        ends.add(voices[0][-1].end)
    return sorted(ends)


def convert(path: Path, titles: dict[str, str]) -> Chorale | str:
    """Convert one corpus file to a Chorale, or return the reason it is dropped."""
    score = converter.parse(path, forceSource=True, storePickle=False)
    parts = list(score.parts)
    if len(parts) != 4:
        return DROP_PARTS
    names = tuple((p.partName or "").strip() for p in parts)
    if names != VOICES:
        return DROP_VOICES
    signatures = list(score.recurse().getElementsByClass(meter.TimeSignature))
    if not signatures or any(ts.ratioString != "4/4" for ts in signatures):
        return DROP_METER
    for part in parts:
        for measure in part.getElementsByClass("Measure"):
            if Fraction(measure.barDuration.quarterLength) != STEPS_PER_BAR // STEPS_PER_BEAT:
                return DROP_METER
    pickups = {pickup_of(p) for p in parts}
    if len(pickups) != 1:
        return DROP_BARS
    pickup = pickups.pop()
    if not all(check_bars(p, pickup) for p in parts):
        return DROP_BARS
    voices = []
    steps = 0
    counts: Counter = Counter()
    for part in parts:
        notes, end = voice_notes(part, counts)
        voices.append(notes)
        steps = max(steps, end, max((n.end for n in notes), default=0))
    phrase_ends = phrase_ends_of(parts, voices, counts)
    stem = path.stem
    tonic, mode, sharps = score_key(score, counts)
    bwv = stem[len("bwv") :]
    title = titles.get(bwv, f"BWV {bwv}")
    return Chorale(
        sanitise_id(stem), title, tonic, mode, sharps, pickup, steps, voices, phrase_ends, counts
    )


def mido_key(sharps: int, mode: str) -> str:
    """The key signature name mido expects for a number of sharps and a mode."""
    major = ["Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#"]
    minor = ["Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#", "G#", "D#", "A#"]
    names = minor if mode == "minor" else major
    return names[sharps + 7] + ("m" if mode == "minor" else "")


def to_track(messages: list[tuple[int, int, mido.Message]], end_tick: int) -> mido.MidiTrack:
    """A track from (absolute tick, order, message) triples, ended at end_tick."""
    track = mido.MidiTrack()
    now = 0
    for tick, _order, message in sorted(messages, key=lambda m: (m[0], m[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(end_tick, now) - now))
    return track


def midi_file(chorale: Chorale) -> mido.MidiFile:
    """The chorale as a type-1 MIDI file: a conductor track and one track per voice."""
    end_tick = chorale.steps * TICKS_PER_STEP
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    conductor = [
        (0, 0, mido.MetaMessage("track_name", name=chorale.cid)),
        (0, 1, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(TEMPO_BPM))),
        (0, 2, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
        (0, 3, mido.MetaMessage("key_signature", key=mido_key(chorale.sharps, chorale.mode))),
    ]
    for step in chorale.phrase_ends:
        marker = mido.MetaMessage("marker", text=PHRASE_END_MARKER)
        conductor.append((step * TICKS_PER_STEP, 4, marker))
    midi.tracks.append(to_track(conductor, end_tick))
    for channel, (name, notes) in enumerate(zip(VOICES, chorale.voices)):
        messages = [
            (0, 0, mido.MetaMessage("track_name", name=name)),
            (0, 1, mido.Message("program_change", channel=channel, program=PROGRAM)),
        ]
        for n in notes:
            on = mido.Message("note_on", channel=channel, note=n.pitch, velocity=VELOCITY)
            off = mido.Message("note_off", channel=channel, note=n.pitch, velocity=0)
            messages.append((n.start * TICKS_PER_STEP, 3 + n.pitch, on))
            messages.append((n.end * TICKS_PER_STEP, 2, off))
        midi.tracks.append(to_track(messages, end_tick))
    return midi


def write_index(path: Path, chorales: list[Chorale]) -> None:
    """Write data/index.json, chorales sorted by file name."""
    index = {
        "version": INDEX_VERSION,
        "steps_per_beat": STEPS_PER_BEAT,
        "source": f"music21 {music21.__version__} corpus",
        "chorales": [c.entry() for c in sorted(chorales, key=lambda c: c.entry()["file"])],
    }
    text = json.dumps(index, indent=2, ensure_ascii=False)
    # Lists of numbers (the phrase ends) on one line each, not one number per line.
    text = re.sub(
        r"\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]",
        lambda m: "[" + ", ".join(re.split(r",\s*", m.group(1))) + "]",
        text,
    )
    path.write_text(text + "\n", encoding="utf-8")


def movement_of(cid: str) -> str:
    """The BWV movement a corpus id belongs to: the id up to a variant suffix ('-a', '-w')."""
    return cid.split("-", 1)[0]


def deduplicate(converted: list[Chorale], dropped: dict[str, list[str]]) -> list[Chorale]:
    """Keep one chorale per BWV movement and per piece of music (notes up to transposition).

    Of several candidates the plain id (no "-" suffix) wins, then the shortest, then the
    alphabetically first.
    """
    by_movement: dict[str, Chorale] = {}
    by_music: dict[tuple, Chorale] = {}
    for chorale in sorted(converted, key=lambda c: variant_rank(c.cid)):
        twin = by_movement.get(movement_of(chorale.cid))
        reason = DROP_VARIANT
        if twin is None:
            twin = by_music.get(chorale.music_key())
            reason = DROP_DUPLICATE
        if twin is not None:
            dropped.setdefault(reason, []).append(f"{chorale.cid} (kept {twin.cid})")
            continue
        by_movement[movement_of(chorale.cid)] = chorale
        by_music[chorale.music_key()] = chorale
    return sorted(by_movement.values(), key=lambda c: c.cid)


def print_phrase_ends(chorales: list[Chorale]) -> None:
    """Statistics of the phrase ends: how many, and where in the bar they fall."""
    ends = [e for c in chorales for e in c.phrase_ends]
    print(f"phrase ends: {len(ends)} ({len(ends) / len(chorales):.2f} per chorale)")
    within = Counter((e - c.pickup_steps) % STEPS_PER_BAR for c in chorales for e in c.phrase_ends)
    shares = ", ".join(f"{k}: {v}" for k, v in sorted(within.items()))
    print(f"phrase ends by step in the bar (0 = on the barline): {shares}")
    gaps = Counter(
        b - a for c in chorales for a, b in zip(c.phrase_ends, c.phrase_ends[1:])
    )
    common = ", ".join(f"{k}: {v}" for k, v in sorted(gaps.items(), key=lambda kv: -kv[1])[:8])
    print(f"steps between phrase ends, most common: {common}")


def main() -> int:
    """Convert every Bach chorale of the corpus, write the data set and print what was done."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_out = Path(__file__).resolve().parent.parent / "data"
    parser.add_argument("--out", type=Path, default=default_out, help="output folder")
    args = parser.parse_args()
    began = time.monotonic()
    titles = load_titles()
    files = corpus_files()
    dropped: dict[str, list[str]] = {}
    converted: list[Chorale] = []
    for path in files:
        result = convert(path, titles)
        if isinstance(result, str):
            dropped.setdefault(result, []).append(path.stem)
        else:
            converted.append(result)
    chorales = deduplicate(converted, dropped)

    out_dir = args.out / "chorales"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in sorted(out_dir.glob("*.mid")):
        old.unlink()
    for chorale in chorales:
        midi_file(chorale).save(out_dir / f"{chorale.cid}.mid")
    write_index(args.out / "index.json", chorales)

    counts: Counter = Counter()
    for chorale in chorales:
        counts.update(chorale.counts)
    print(f"music21 {music21.__version__}, mido {importlib.metadata.version('mido')}")
    print(f"files considered: {len(files)}")
    print(f"kept: {len(chorales)}")
    for reason in DROP_REASONS:
        names = dropped.get(reason, [])
        print(f"dropped, {reason}: {len(names)}: {' '.join(names)}")
    print(f"with a pickup: {sum(c.pickup_steps > 0 for c in chorales)}")
    pickups = Counter(c.pickup_steps for c in chorales)
    print(f"pickup lengths in steps: {dict(sorted(pickups.items()))}")
    print(f"modes: {dict(sorted(Counter(c.mode for c in chorales).items()))}")
    print(f"notes: {sum(len(v) for c in chorales for v in c.voices)}")
    lengths = [c.steps for c in chorales]
    print(f"steps: {sum(lengths)} (shortest {min(lengths)}, longest {max(lengths)})")
    print_phrase_ends(chorales)
    for what in sorted(counts):
        who = sorted(c.cid for c in chorales if c.counts[what])
        print(f"{what}: {counts[what]} ({' '.join(who)})")
    print(f"took {time.monotonic() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
