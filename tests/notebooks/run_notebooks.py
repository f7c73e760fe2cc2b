"""Runs every notebook in notebooks/ headless on the Rust kernel and checks what the cells show.

Usage (from anywhere, with the repository's .venv, after `bash scripts/setup_jupyter.sh`):

    .venv/bin/python tests/notebooks/run_notebooks.py [NOTEBOOK ...]

Notebooks run one at a time, in file-name order (all of notebooks/*.ipynb unless some are named),
with the settings of TEST_SETTINGS below exported to the kernel. The executed copies are written
to target/notebooks-executed/. The run fails, naming the notebook and the cell, when a cell:

- shows an error (a compile error, or an evcxr error);
- writes "panicked at" or an error message to stderr. evcxr reports a Rust panic, and an `Err`
  that a cell returns through `?`, only on stderr and still counts the cell as a success, so any
  stderr output fails the cell unless the cell carries the tag `allow-stderr`;
- misses an expectation declared in its tags (cell metadata "tags"):
  - `expect-png`: an image/png output, or an HTML output with an inline PNG `<img>`;
  - `expect-audio`: an HTML output with an `<audio>` player;
  - `expect-text:SOME TEXT`: SOME TEXT in the cell's printed output or plain-text/HTML result
    (the notebook format forbids commas in tags, so SOME TEXT has none).
It also fails a notebook that breaks the notebook format.

It prints each notebook's and each cell's run time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
EXECUTED = ROOT / "target" / "notebooks-executed"
KERNEL = "rust"

# The configuration the notebooks run with under test: small and fixed, so that the expectations
# in the cells' tags hold (e.g. "318 chorales") and the run stays short on a 2-core machine.
TEST_SETTINGS = {
    "GAN_SNIPPET_MODE": "per_chorale",
    "GAN_CHORALE": "bwv253",
    "GAN_SEED": "1",
    # 03 trains a tiny form of the quick preset into GAN_RUN_DIR (fresh each time 03 runs); 05
    # and 07 read it.
    "TRAIN": "true",
    "GAN_RUN_DIR": str(ROOT / "target" / "notebooks-run"),
    "GAN_PRESET": "quick",
    "GAN_FILTERS": "4",
    "GAN_LATENT": "8",
    "GAN_BATCH_SIZE": "4",
    "GAN_ITERATIONS": "4",
    "GAN_METRICS_EVERY": "2",
    "GAN_SAMPLE_EVERY": "2",
    "GAN_CHECKPOINT_EVERY": "2",
    "GAN_SMOOTHING": "0.5",
}

# Per-notebook changes to TEST_SETTINGS. Both sources of a trained generator are exercised: 04 and
# 06 use the shipped pretrained model (TRAIN=false, as a learner's first run does), 05 and 07 the
# checkpoint and samples of 03's tiny run.
NOTEBOOK_SETTINGS = {
    "04_evaluate.ipynb": {"TRAIN": "false"},
    "06_inference.ipynb": {"TRAIN": "false"},
}

# The notebook that trains into GAN_RUN_DIR: the directory is emptied before it runs.
TRAINING_NOTEBOOK = "03_training.ipynb"

# Longest time one cell may run. The first `:dep` compiles gan-core and its dependencies when the
# kernel's build directory is cold (several minutes on 2 cores).
CELL_TIMEOUT_S = 1800

# Terminal colour codes, which evcxr puts in its error tracebacks.
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")

# stderr text that always means failure, even in a cell tagged allow-stderr.
STDERR_FAILURES = re.compile(r"panicked at|^\s*error(\[E\d+\])?:", re.IGNORECASE | re.MULTILINE)


@dataclass
class Problem:
    """One reason a notebook fails: where, and what."""

    notebook: str
    cell: int
    message: str

    def __str__(self) -> str:
        return f"{self.notebook}, cell {self.cell}: {self.message}"


def _text(value) -> str:
    """Notebook text fields are a string or a list of lines."""
    return "".join(value) if isinstance(value, list) else str(value)


def _first_line(source: str) -> str:
    line = source.strip().splitlines()[0] if source.strip() else ""
    return line if len(line) <= 60 else line[:57] + "..."


def _shorten(text: str, lines: int = 12) -> str:
    """The first lines of `text`, enough to see a panic's message without its whole backtrace."""
    kept = text.strip().splitlines()
    more = f"\n[... {len(kept) - lines} more lines]" if len(kept) > lines else ""
    return "\n".join(kept[:lines]) + more


def _shown_text(outputs: list) -> str:
    """Everything a cell printed or showed as text or HTML (stderr excluded)."""
    parts = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") == "stdout":
            parts.append(_text(out.get("text", "")))
        elif kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            for mime in ("text/plain", "text/html", "text/markdown"):
                if mime in data:
                    parts.append(_text(data[mime]))
    return "\n".join(parts)


def _html_outputs(outputs: list) -> list[str]:
    return [
        _text(out["data"]["text/html"])
        for out in outputs
        if out.get("output_type") in ("display_data", "execute_result")
        and "text/html" in out.get("data", {})
    ]


def _has_png(outputs: list) -> bool:
    for out in outputs:
        if out.get("output_type") in ("display_data", "execute_result"):
            if "image/png" in out.get("data", {}):
                return True
    return any('<img src="data:image/png' in html for html in _html_outputs(outputs))


def _has_audio(outputs: list) -> bool:
    return any("<audio" in html for html in _html_outputs(outputs))


def scan_notebook(nb: dict, name: str) -> list[Problem]:
    """The problems of an executed notebook (nbformat JSON as a dict): errors, panics, stderr
    output and unmet `expect-*` tags. Cells are numbered from 1, markdown cells included, as
    JupyterLab shows them."""
    problems = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        where = _first_line(_text(cell.get("source", "")))

        def problem(message: str) -> None:
            problems.append(Problem(name, number, f"(`{where}`) {message}"))

        outputs = cell.get("outputs", [])
        tags = cell.get("metadata", {}).get("tags", [])
        for out in outputs:
            if out.get("output_type") == "error":
                # evcxr puts the message in evalue and the compiler's report in the traceback.
                trace = "\n".join(_text(line) for line in out.get("traceback", []))
                detail = ANSI_CODES.sub("", trace).strip() or out.get("evalue", "")
                problem(f"error output:\n{detail}")
        # evcxr sends stderr line by line, as many stream outputs.
        stderr = "".join(_text(out.get("text", "")) for out in outputs
                         if out.get("output_type") == "stream" and out.get("name") == "stderr")
        if STDERR_FAILURES.search(stderr):
            problem(f"failure on stderr:\n{_shorten(stderr)}")
        elif stderr.strip() and "allow-stderr" not in tags:
            problem("unexpected stderr output (tag the cell allow-stderr if it is expected):\n"
                    + _shorten(stderr))
        for tag in tags:
            if tag == "expect-png" and not _has_png(outputs):
                problem("expected a PNG image (tag expect-png), none shown")
            elif tag == "expect-audio" and not _has_audio(outputs):
                problem("expected an <audio> player (tag expect-audio), none shown")
            elif tag.startswith("expect-text:"):
                wanted = tag.removeprefix("expect-text:")
                if wanted not in _shown_text(outputs):
                    problem(f"expected the text {wanted!r} (tag {tag}), not shown")
    return problems


def _use_project_kernel() -> None:
    """Makes Jupyter find the project's Rust kernel spec (.venv/share/jupyter) first."""
    ours = str(Path(sys.prefix) / "share" / "jupyter")
    paths = [ours] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        sys.exit(f"No Jupyter kernel {KERNEL!r}: run `bash scripts/setup_jupyter.sh` first.")
    if not spec.argv or not spec.argv[0].endswith("scripts/jupyter/kernel.sh"):
        sys.exit(f"The {KERNEL!r} kernel found is not this project's ({spec.resource_dir}): "
                 "run `bash scripts/setup_jupyter.sh`.")


def validation_problem(path: Path) -> Problem | None:
    """Why the notebook at `path` breaks the notebook format (which JupyterLab and nbconvert
    enforce), e.g. a tag with a comma; None when it is valid."""
    import nbformat

    try:
        nbformat.validate(nbformat.read(path, as_version=4))
    except (nbformat.ValidationError, ValueError) as error:
        message = str(error).strip().splitlines()
        return Problem(path.name, 0, "not a valid notebook: " + "\n".join(message[:6]))
    return None


def warn_about_saved_outputs(path: Path) -> None:
    """Notebooks are committed without outputs (a played chorale alone is megabytes): says so
    when the notebook at `path` has some saved, without failing, since running a notebook in
    JupyterLab and saving it is what learners do."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    if any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"):
        print(f"    note: {path.name} has saved outputs; clear them before committing it "
              f"(Edit > Clear Outputs of All Cells, then save)", flush=True)


def run_notebook(path: Path) -> tuple[dict, float, Problem | None]:
    """Executes the notebook at `path` in its folder; returns the executed notebook (as far as it
    got), the time, and the reason it stopped early: a cell ran past CELL_TIMEOUT_S, or the
    kernel died or did not start."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    started: dict[int, float] = {}
    finished: set[int] = set()

    def on_cell_execute(cell, cell_index):
        started[cell_index] = time.monotonic()

    def on_cell_executed(cell, cell_index, execute_reply):
        finished.add(cell_index)
        seconds = time.monotonic() - started.get(cell_index, time.monotonic())
        print(f"  cell {cell_index + 1:>2}  {seconds:7.1f} s  "
              f"{_first_line(_text(cell.source))}", flush=True)

    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT_S,
        startup_timeout=120,
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_execute=on_cell_execute,
        on_cell_executed=on_cell_executed,
    )
    start = time.monotonic()
    stopped = None
    try:
        client.execute()
    except Exception as error:  # nbclient's timeouts, a dead kernel, a kernel that never started
        running = [i for i in started if i not in finished]
        cell = running[-1] + 1 if running else 0
        first_line = (str(error).strip().splitlines() or [""])[0]
        stopped = Problem(path.name, cell, f"the run stopped: {type(error).__name__}: {first_line}")
    return nb, time.monotonic() - start, stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: notebooks/*.ipynb)")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        sys.exit(f"no notebooks in {NOTEBOOKS}")

    import nbformat

    _use_project_kernel()
    os.environ.update(TEST_SETTINGS)
    print("settings: " + ", ".join(f"{k}={v}" for k, v in TEST_SETTINGS.items()), flush=True)
    EXECUTED.mkdir(parents=True, exist_ok=True)
    # The images the notebooks' markdown links to, so that the executed copies show them too.
    if (NOTEBOOKS / "img").is_dir():
        shutil.copytree(NOTEBOOKS / "img", EXECUTED / "img", dirs_exist_ok=True)
    if any(p.name == TRAINING_NOTEBOOK for p in paths):
        shutil.rmtree(TEST_SETTINGS["GAN_RUN_DIR"], ignore_errors=True)
    problems: list[Problem] = []
    total = 0.0
    for path in paths:
        print(f"==> {path.name}", flush=True)
        invalid = validation_problem(path)
        if invalid:
            problems.append(invalid)
            print(f"    {path.name}: FAILED, not a valid notebook", flush=True)
            continue
        warn_about_saved_outputs(path)
        changes = NOTEBOOK_SETTINGS.get(path.name, {})
        if changes:
            print("    with " + ", ".join(f"{k}={v}" for k, v in changes.items()), flush=True)
        os.environ.update({**TEST_SETTINGS, **changes})
        nb, seconds, stopped = run_notebook(path)
        total += seconds
        out = EXECUTED / path.name
        nbformat.write(nb, out)
        found = ([stopped] if stopped else []) + scan_notebook(nb, path.name)
        problems += found
        status = "FAILED" if found else "ok"
        print(f"    {path.name}: {seconds:.1f} s, {status} (executed copy: "
              f"{out.relative_to(ROOT)})", flush=True)
    print(f"{len(paths)} notebook(s) in {total:.1f} s")
    if problems:
        print(f"\n{len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print(f"- {p}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
