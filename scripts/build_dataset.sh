#!/usr/bin/env bash
# Build the Bach chorale data set (data/chorales/*.mid, data/index.json) from music21's corpus.
#
# Creates a virtual environment at .venv in the repository (git-ignored), installs the pinned
# packages of scripts/requirements-data.txt into it, then runs scripts/build_dataset.py.
# Extra arguments go to the Python script. Set PYTHON to choose the interpreter (3.11 or newer).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$root/scripts/requirements-data.txt"
exec "$venv/bin/python" "$root/scripts/build_dataset.py" "$@"
