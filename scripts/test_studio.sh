#!/usr/bin/env bash
# The studio in a real browser: builds the `gan` binary and runs tests/browser/studio.test.mjs,
# which starts `gan studio --port 0` and drives the page in headless Chromium. Screenshots go to
# target/studio-screenshots/. Run scripts/setup_browser.sh first on a fresh machine.
# Usage: bash scripts/test_studio.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -p gan-core --bin gan --locked
GAN_BIN="$PWD/target/release/gan" node --test --test-reporter=spec tests/browser/studio.test.mjs
