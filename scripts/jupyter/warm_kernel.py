"""Compiles gan-core for the Rust kernel ahead of time, so a notebook's first cell is fast.

Runs a two-cell notebook on the project's kernel ("rust", scripts/jupyter/kernel.sh) from the
notebooks/ folder: the `:dep gan-core` line every notebook starts with, and one cell using the
crate. The kernel's build directory (target/evcxr/kernel-0) keeps the result for later kernels.
Run by scripts/setup_jupyter.sh with the repository's .venv.
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
CELLS = [
    ':dep gan-core = { path = "../gan-core", default-features = false }',
    "let roll = gan_core::midi::twinkle_twinkle();\n"
    "let png = gan_core::display::png(gan_core::plot::pianoroll_png(&roll)?);\n"
    'println!("gan-core ready: {} steps, {} bytes of PNG", roll.len(), png.0.len());',
]


def main() -> int:
    ours = str(Path(sys.prefix) / "share" / "jupyter")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [ours] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    client = NotebookClient(nb, kernel_name="rust", timeout=3600, startup_timeout=120,
                            allow_errors=True,
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    start = time.monotonic()
    client.execute()
    seconds = time.monotonic() - start
    shown = []
    for cell in nb.cells:
        for out in cell.outputs:
            if out.output_type == "stream":
                shown.append(out.text)
            elif out.output_type == "error":
                shown.append(f"{out.ename}: {out.evalue}")
    text = "".join(shown)
    if "gan-core ready" not in text:
        print(f"warming the Rust kernel failed after {seconds:.0f} s:\n{text}", file=sys.stderr)
        return 1
    print(f"    {text.strip()} ({seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
