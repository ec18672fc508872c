"""`mypy --strict pv` reports nothing: the library's types are part of its contract.

Run as a test so the one test command (and every full run before a merge) checks it.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_mypy_strict_reports_no_error() -> None:
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "pv"], cwd=REPO, capture_output=True, text=True)
    assert "No module named mypy" not in done.stderr, "mypy is in the dev extra: pip install -e '.[dev]'"
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
