#!/usr/bin/env python3
"""Prints, as JSON, the instruments and notes pretty_midi reads from each MIDI file given.

Usage: check_pretty_midi.py FILE...

The output is a list with one entry per file, in argument order:
  {"file": FILE, "instruments": [{"name", "program", "is_drum",
                                   "notes": [{"pitch", "start", "end", "velocity"}, ...]}],
   "markers": [{"text", "time"}, ...]}
Notes are sorted by start time, then pitch; times are in seconds. pretty_midi keeps no marker
events, so the markers (every track's, in time order) are read with mido, its MIDI parser, and
timed with pretty_midi's tick_to_time.
Used by gan-core/tests/integration/midi_pretty_midi.rs to check our MIDI writer against pretty_midi.
"""

import json
import sys

import mido
import pretty_midi


def describe(path):
    """The instruments of the MIDI file at `path`, as pretty_midi reads them."""
    midi = pretty_midi.PrettyMIDI(path)
    return [
        {
            "name": instrument.name,
            "program": int(instrument.program),
            "is_drum": bool(instrument.is_drum),
            "notes": [
                {
                    "pitch": int(note.pitch),
                    "start": float(note.start),
                    "end": float(note.end),
                    "velocity": int(note.velocity),
                }
                for note in sorted(instrument.notes, key=lambda n: (n.start, n.pitch))
            ],
        }
        for instrument in midi.instruments
    ]


def markers(path):
    """The marker meta events of the MIDI file at `path`: text and time in seconds."""
    midi = pretty_midi.PrettyMIDI(path)
    found = []
    for track in mido.MidiFile(path).tracks:
        tick = 0
        for message in track:
            tick += message.time
            if message.type == "marker":
                found.append((tick, message.text))
    return [{"text": text, "time": float(midi.tick_to_time(tick))} for tick, text in sorted(found)]


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    report = [{"file": p, "instruments": describe(p), "markers": markers(p)} for p in paths]
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
