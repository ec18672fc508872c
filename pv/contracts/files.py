"""Which files are contracts: one answer for `pv validate`, `pv lint` and the tests' own lookup.

The pytest side (pv.testing) finds a falsifier's contract through this function too, so a
file the tests read is a file validate checked, and nothing validate skips (a directory
named `x.yaml`) can break a test module's import.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from pv.diagnostics.diagnostic import Diagnostic
from pv.diagnostics.rules import rule

CONTRACT_SUFFIXES = (".yaml", ".yml")


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Contract files under `paths` (files as given, directories searched recursively).

    Anything given that is not a directory is kept, so that reading it reports what is
    wrong (a FIFO, a symlink loop); a directory holding no contract is an I/O error, not
    a silent pass.
    """
    found: list[Path] = []
    problems: list[Diagnostic] = []
    for path in paths:
        try:
            if path.is_dir():
                inside = sorted(p for p in path.rglob("*") if p.suffix in CONTRACT_SUFFIXES and not p.is_dir())
                if not inside:
                    problems.append(rule("PV-IO-001").at(
                        str(path), (0, 0), f"no contract files ({', '.join('*' + s for s in CONTRACT_SUFFIXES)}) under this directory"))
                found.extend(inside)
            elif os.path.lexists(path):
                found.append(path)
            else:
                problems.append(rule("PV-IO-001").at(str(path), (0, 0), "no such file or directory"))
        except OSError as bad:
            problems.append(rule("PV-IO-001").at(str(path), (0, 0), f"cannot read: {bad.strerror or bad}"))
    return found, problems
