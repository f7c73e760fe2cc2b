#!/usr/bin/env bash
# Sets up the Rust notebooks: the evcxr Jupyter kernel, JupyterLab and the headless notebook
# runner (pinned, in .venv), the project's kernel spec, and a warm build of gan-core for it.
# Safe to run again: when everything is in place it only re-checks, and re-warms in seconds.
#
# 1. evcxr_jupyter 0.22.0 (`cargo install --locked`), unless cargo already lists that version as
#    installed and evcxr_jupyter is on PATH (it has no --version option). The first time this
#    compiles for about 13-15 minutes on 2 cores.
# 2. The Python packages of scripts/requirements-jupyter.txt, through scripts/setup_python.sh.
# 3. The kernel spec .venv/share/jupyter/kernels/rust, which starts scripts/jupyter/kernel.sh
#    (see there for the build directories and the evcxr settings every notebook shares).
# 4. Warms the kernel: compiles gan-core and its dependencies the way the notebooks do, into
#    target/evcxr/kernel-0 (several minutes the first time, seconds afterwards).
# Usage: bash scripts/setup_jupyter.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
evcxr_version="0.22.0"

# The evcxr_jupyter version cargo installed and that is on PATH, else nothing.
installed_version() {
    if command -v evcxr_jupyter >/dev/null; then
        cargo install --list | sed -n 's/^evcxr_jupyter v\([^:]*\):$/\1/p'
    fi
}

echo "==> [1/4] Rust kernel for Jupyter: evcxr_jupyter $evcxr_version"
if [ "$(installed_version)" != "$evcxr_version" ]; then
    echo "    Installing evcxr_jupyter $evcxr_version with cargo. First run: about 13-15 minutes on"
    echo "    2 cores (it compiles about 270 crates); cargo shows its progress below."
    started=$SECONDS
    cargo install --locked evcxr_jupyter --version "$evcxr_version"
    echo "    evcxr_jupyter installed in $((SECONDS - started)) s"
    if [ "$(installed_version)" != "$evcxr_version" ]; then
        echo "setup_jupyter.sh: evcxr_jupyter is not on PATH after installing it; add cargo's" >&2
        echo "bin directory (usually ~/.cargo/bin) to PATH and run this script again." >&2
        exit 1
    fi
else
    echo "    already installed"
fi

echo "==> [2/4] JupyterLab and the notebook runner (pinned, in .venv)"
bash scripts/setup_python.sh scripts/requirements-jupyter.txt

echo "==> [3/4] Kernel spec \"rust\" in .venv/share/jupyter/kernels/rust"
spec_dir="$root/.venv/share/jupyter/kernels/rust"
# evcxr's own installer writes the logos and the editor support; the kernel.json written after it
# starts our launcher instead of evcxr_jupyter directly.
JUPYTER_PATH="$root/.venv/share/jupyter" evcxr_jupyter --install >/dev/null
.venv/bin/python - "$spec_dir/kernel.json" "$root/scripts/jupyter/kernel.sh" <<'PY'
import json, sys
spec_path, launcher = sys.argv[1:]
spec = {
    "argv": [launcher, "{connection_file}"],
    "display_name": "Rust",
    "language": "rust",
    "interrupt_mode": "message",
}
with open(spec_path, "w") as f:
    json.dump(spec, f, indent=2)
    f.write("\n")
PY
JUPYTER_PATH="$root/.venv/share/jupyter" .venv/bin/jupyter kernelspec list | grep -E "^\s+rust\s" \
    | sed 's/^/    /'
# JupyterLab's settings for the lab: no "official Jupyter news" question and no update check (both
# would fetch from the web).
settings_dir="$root/.venv/share/jupyter/lab/settings"
mkdir -p "$settings_dir"
cat > "$settings_dir/overrides.json" <<'JSON'
{
  "@jupyterlab/apputils-extension:notification": {
    "fetchNews": "false",
    "checkForUpdates": false
  }
}
JSON

echo "==> [4/4] Warming the kernel: compiling gan-core as the notebooks do (first time: several"
echo "    minutes; afterwards seconds)"
.venv/bin/python scripts/jupyter/warm_kernel.py
