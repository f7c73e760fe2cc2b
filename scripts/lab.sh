#!/usr/bin/env bash
# The main job on a fresh machine: builds gan-core and takes the tour of the data set (loads the
# Bach chorales, prints the snippet array's shape and metrics, writes a WAV and a piano-roll PNG
# under runs/tour/).
# Usage: bash scripts/lab.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Building gan-core (the first build compiles every dependency: a few minutes on 2 cores)"
cargo run --release --locked -p gan-core --example tour -- runs/tour
