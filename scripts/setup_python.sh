#!/usr/bin/env bash
# Creates the repository's Python environment, .venv in the repository root, and installs the
# test requirements (scripts/requirements-test.txt) into it. Safe to run again: it does nothing,
# quietly, when every pinned package is already installed at its pinned version.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
requirements="$root/scripts/requirements-test.txt"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi

# Exit status 0 when every `name==version` line of the requirements file is installed as pinned.
pinned_installed() {
    "$venv/bin/python" - "$requirements" <<'PY'
import sys
from importlib.metadata import PackageNotFoundError, version

for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, _, wanted = line.partition("==")
    try:
        if version(name) != wanted:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
}

if ! pinned_installed; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
fi
