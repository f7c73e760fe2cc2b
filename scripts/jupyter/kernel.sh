#!/usr/bin/env bash
# Starts the Rust (evcxr) Jupyter kernel with the project's settings. Jupyter runs it through the
# kernel spec that scripts/setup_jupyter.sh writes to .venv/share/jupyter/kernels/rust.
# Usage: kernel.sh CONNECTION_FILE
#
# What it arranges, so that every notebook compiles the same way and reuses earlier builds:
# - evcxr's start-up commands come from scripts/jupyter/evcxr/init.evcxr (EVCXR_CONFIG_DIR): the
#   optimisation level, the same for every notebook;
# - builds go to a persistent directory, target/evcxr/kernel-<i>: the first one that no running
#   kernel holds (a lock on kernel-<i>.lock). One kernel at a time (the usual case, and the
#   headless test) always gets kernel-0, which scripts/setup_jupyter.sh has warmed: gan-core and
#   its dependencies are already compiled there. A notebook started while another kernel runs
#   gets kernel-1: its first `:dep` compiles gan-core and its dependencies there (several
#   minutes), later ones reuse kernel-1;
# - dependency versions come from the repository's Cargo.lock, as for `cargo test`.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: kernel.sh CONNECTION_FILE" >&2
    exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
builds="$root/target/evcxr"
mkdir -p "$builds"

# The first build directory that no running kernel holds.
slot="$builds/kernel-0"
if command -v flock >/dev/null; then
    i=0
    while true; do
        slot="$builds/kernel-$i"
        # fd 9 stays open in the kernel after `exec`, so the lock lasts as long as it runs.
        exec 9>"$slot.lock"
        if flock --nonblock 9; then
            break
        fi
        exec 9>&-
        i=$((i + 1))
    done
else
    echo "kernel.sh: flock (util-linux) not found: notebooks running at the same time share" \
        "target/evcxr/kernel-0 and may disturb each other's builds" >&2
fi
mkdir -p "$slot"
cp "$root/Cargo.lock" "$slot/Cargo.lock"

export EVCXR_TMPDIR="$slot"
export EVCXR_CONFIG_DIR="$here/evcxr"
# With JUPYTER_PATH set, evcxr_jupyter would check (and could rewrite) the kernel spec there.
unset JUPYTER_PATH
exec evcxr_jupyter --control_file "$1"
