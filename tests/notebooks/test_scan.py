"""Checks that run_notebooks.scan_notebook catches what a headless run does not: panics and `?`
errors on stderr, error outputs, and missing expected outputs.

Run: .venv/bin/python -m unittest discover -s tests/notebooks -v
"""

import json
import tempfile
import unittest
from pathlib import Path

from run_notebooks import scan_notebook, validation_problem


def code(outputs, tags=()):
    """A code cell as an executed notebook stores it."""
    return {
        "cell_type": "code",
        "source": ["let x = 1;\n", "x"],
        "metadata": {"tags": list(tags)},
        "outputs": outputs,
    }


def stream(name, text):
    return {"output_type": "stream", "name": name, "text": text}


def html(fragment):
    return {"output_type": "display_data", "data": {"text/html": fragment}, "metadata": {}}


def notebook(*cells):
    return {"cells": [{"cell_type": "markdown", "source": "# Title", "metadata": {}}, *cells]}


# What evcxr really writes to stderr when a cell panics: one stream output per line.
PANIC = [
    "\n",
    "thread '<unnamed>' (13820) panicked at src/lib.rs:108:10:\n",
    "index out of bounds: the len is 0 but the index is 3\n",
    "stack backtrace:\n",
    "   0: __rustc::rust_begin_unwind\n",
]


class ScanTest(unittest.TestCase):
    def test_a_clean_notebook_passes(self):
        nb = notebook(
            code([stream("stdout", "snippets: (318, 32, 128, 4)\n")],
                 tags=["expect-text:snippets: (318"]),
            code([html('<audio controls src="data:audio/wav;base64,UklGRg=="></audio>')],
                 tags=["expect-audio"]),
            code([{"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo="},
                   "metadata": {}}], tags=["expect-png"]),
            code([html('<div><img src="data:image/png;base64,iVBO" alt="x"></div>')],
                 tags=["expect-png"]),
        )
        self.assertEqual(scan_notebook(nb, "ok.ipynb"), [])

    def test_a_panic_on_stderr_fails_even_where_stderr_is_allowed(self):
        for tags in ([], ["allow-stderr"]):
            outputs = [stream("stdout", "before\n")] + [stream("stderr", line) for line in PANIC]
            nb = notebook(code(outputs, tags))
            problems = scan_notebook(nb, "01_data.ipynb")
            self.assertEqual(len(problems), 1, problems)
            self.assertEqual((problems[0].notebook, problems[0].cell), ("01_data.ipynb", 2))
            self.assertIn("panicked at", problems[0].message)
            self.assertIn("01_data.ipynb, cell 2", str(problems[0]))

    def test_an_error_returned_through_question_mark_fails(self):
        # evcxr prints only the error's Display text on stderr.
        message = "/data/index.json: No such file or directory (os error 2)\n"
        problems = scan_notebook(notebook(code([stream("stderr", message)])), "n.ipynb")
        self.assertEqual(len(problems), 1)
        self.assertIn("No such file or directory", problems[0].message)
        allowed = notebook(code([stream("stderr", "a warning\n")], tags=["allow-stderr"]))
        self.assertEqual(scan_notebook(allowed, "n.ipynb"), [])

    def test_an_error_output_fails(self):
        error = {"output_type": "error", "ename": "Error",
                 "evalue": "cannot find value `snippets` in this scope",
                 "traceback": ["\x1b[31m[E0425] Error:\x1b[0m cannot find value `snippets`"]}
        problems = scan_notebook(notebook(code([error])), "n.ipynb")
        self.assertEqual(len(problems), 1)
        self.assertIn("cannot find value `snippets`", problems[0].message)

    def test_missing_expectations_fail(self):
        nb = notebook(
            code([stream("stdout", "snippets: (229, 32, 128, 4)\n")],
                 tags=["expect-text:snippets: (318"]),
            code([html("<p>no player</p>")], tags=["expect-audio"]),
            code([html("<audio controls></audio>")], tags=["expect-png"]),
            # Text on stderr does not count as shown text.
            code([stream("stderr", "318")], tags=["expect-text:318", "allow-stderr"]),
        )
        problems = scan_notebook(nb, "n.ipynb")
        self.assertEqual([p.cell for p in problems], [2, 3, 4, 5])
        self.assertIn("'snippets: (318'", problems[0].message)
        self.assertIn("expect-audio", problems[1].message)
        self.assertIn("expect-png", problems[2].message)


class ValidationTest(unittest.TestCase):
    def test_a_tag_with_a_comma_makes_an_invalid_notebook(self):
        cell = {"cell_type": "code", "execution_count": None, "id": "c1", "outputs": [],
                "source": "1", "metadata": {"tags": ["expect-text:(318, 32)"]}}
        nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bad.ipynb"
            path.write_text(json.dumps(nb))
            problem = validation_problem(path)
            self.assertIsNotNone(problem)
            self.assertIn("not a valid notebook", problem.message)
            self.assertIn("expect-text:(318, 32)", problem.message)
            cell["metadata"]["tags"] = ["expect-text:(318"]
            path.write_text(json.dumps(nb))
            self.assertIsNone(validation_problem(path))


if __name__ == "__main__":
    unittest.main()
