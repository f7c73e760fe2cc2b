#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what is missing, then runs the Rust
# tests (unit, integration, interop with pretty_midi).
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> [1/2] Python tools for interop tests (pinned, in .venv)"
bash scripts/setup_python.sh

echo "==> [2/2] cargo test (the first build compiles every dependency and takes several minutes)"
cargo test --workspace --release --locked
