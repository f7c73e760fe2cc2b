#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what is missing, then runs the Rust
# tests (unit, integration, interop with pretty_midi), the studio in a browser and the notebooks
# headless.
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
    echo "==> [$1/6] $2 (at $((SECONDS / 60)) min $((SECONDS % 60)) s;" \
        "disk free: $(df -h --output=avail . | tail -1 | tr -d ' '))"
}

step 1 "Python tools for interop tests (pinned, in .venv)"
bash scripts/setup_python.sh

step 2 "cargo test (the first build compiles every dependency and takes several minutes)"
cargo test --workspace --release --locked
# The speed harnesses (gan-core/benches) are plain programs: build them, so that they keep
# compiling; timing them is for `cargo bench`, not for the tests.
cargo bench --workspace --locked --no-run --bench '*'

step 3 "the studio in headless Chromium (installs Chromium and puppeteer-core if missing)"
bash scripts/setup_browser.sh
bash scripts/test_studio.sh

step 4 "Rust notebook kernel (first time: ~15 min for evcxr_jupyter, then gan-core for it)"
bash scripts/setup_jupyter.sh

step 5 "the notebook checker's own tests"
.venv/bin/python -m unittest discover -s tests/notebooks

step 6 "the notebooks, headless"
.venv/bin/python tests/notebooks/run_notebooks.py

echo "==> all tests passed in $((SECONDS / 60)) min $((SECONDS % 60)) s"
