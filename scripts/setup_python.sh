#!/usr/bin/env bash
# Creates the repository's Python environment, .venv in the repository root, and installs a
# pinned requirements file into it: scripts/requirements-test.txt by default, or the file given
# as the first argument (e.g. scripts/requirements-jupyter.txt). Safe to run again: it does
# nothing, quietly, when every pinned package is already installed at its pinned version.
# Usage: bash scripts/setup_python.sh [REQUIREMENTS_FILE]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
requirements="${1:-$root/scripts/requirements-test.txt}"

if [ ! -f "$requirements" ]; then
    echo "setup_python.sh: no requirements file at $requirements" >&2
    exit 1
fi
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
    echo "Installing the pinned Python packages of $(basename "$requirements") into .venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
fi
