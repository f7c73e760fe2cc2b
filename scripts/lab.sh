#!/usr/bin/env bash
# The main job on a fresh machine: sets up the Rust notebooks (scripts/setup_jupyter.sh: the evcxr
# kernel, JupyterLab in .venv, a warm build of gan-core for the kernel) and opens JupyterLab on
# notebooks/, at 01_data.ipynb.
#
# Usage: bash scripts/lab.sh [--no-browser] [other `jupyter lab` options, e.g. --port 8890]
#   --no-browser: only print the URL to open. Implied when CI is set, or on Linux when there is
#   no display (no DISPLAY or WAYLAND_DISPLAY), e.g. over ssh: then forward the port and open
#   the printed http://localhost:... URL on your own machine.
# Stop JupyterLab with Ctrl-C (twice).
set -euo pipefail
cd "$(dirname "$0")/.."

browser=1
lab_args=()
for arg in "$@"; do
    case "$arg" in
        --no-browser) browser=0 ;;
        *) lab_args+=("$arg") ;;
    esac
done
if [ -n "${CI:-}" ]; then
    browser=0
fi
if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    browser=0
fi

bash scripts/setup_jupyter.sh

# The project's kernel spec first, ahead of any "rust" kernel installed for the user.
export JUPYTER_PATH="$PWD/.venv/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
flags=(--notebook-dir notebooks --LabApp.default_url=/lab/tree/01_data.ipynb)
if [ "$browser" = 0 ]; then
    flags+=(--no-browser)
fi
if [ "$(id -u)" = 0 ]; then
    flags+=(--allow-root)
fi
echo "==> JupyterLab on notebooks/ (stop with Ctrl-C twice)"
if [ "$browser" = 0 ]; then
    echo "    No browser is opened: open the http://localhost:... URL printed below."
fi
echo "    Run the notebooks in order, starting with 01_data.ipynb (Run > Run All Cells)."
exec .venv/bin/jupyter lab "${flags[@]}" ${lab_args[@]+"${lab_args[@]}"}
