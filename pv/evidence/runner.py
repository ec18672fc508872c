"""Running selected tests in a pytest subprocess and reading back what each did."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from pv.binding.registry import pytest_command, subprocess_env
from pv.diagnostics.escape import terminal
from pv.lifetime import owned_tempdir
from pv.evidence.results import RunFailed, TestResult, checked_results
from pv.mutation import CATALOGUE_ENV, MUTANT_ENV

__all__ = ["RunFailed", "run_tests"]


def run_tests(root: Path, nodeids: Sequence[str], *, profile: str, seed: int, workers: str | None = None,
              env: dict[str, str] | None = None, quiet: bool = False) -> tuple[int, list[TestResult]]:
    """Run `nodeids` under pytest with pv's results recorder; (pytest exit code, per-test results)."""
    with owned_tempdir("pv-run-") as tmp:
        target = tmp / "results.json"
        args = [*nodeids, f"--pv-results={target}", "-p", "no:cacheprovider", "-q",
                f"--hypothesis-profile={profile}", f"--hypothesis-seed={seed}"]
        if workers:
            args += ["-n", workers]
        child_env = subprocess_env(tmp, env)
        for name in (MUTANT_ENV, CATALOGUE_ENV):  # evidence is about the kernel as it is, never a mutant
            if name not in (env or {}):
                child_env.pop(name, None)
        returncode = _run(pytest_command(args), root, child_env, quiet)
        if not target.exists():
            selected = "".join(f"{key}={shlex.quote(value)} " for key, value in sorted((env or {}).items()))
            shown = " ".join(shlex.quote(n) for n in nodeids[:3]) + (" ..." if len(nodeids) > 3 else "")
            raise RunFailed(f"pytest exited {returncode} without results; to see why, run in {root}: "
                            f"{selected}python -m pytest {shown}")
        try:
            document = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError) as unreadable:
            raise RunFailed(f"pytest's results file cannot be read: {unreadable}") from None
    if not isinstance(document, dict):
        raise RunFailed("pytest's results file is not a results document")
    if document.get("mutant") and MUTANT_ENV not in (env or {}):
        raise RunFailed(f"the tests ran against mutant {document['mutant']}, not the kernel: no evidence recorded")
    return returncode, checked_results(document.get("tests"), "pytest's results file")


def _run(command: list[str], root: Path, env: dict[str, str], quiet: bool) -> int:
    """Run pytest, its output passed on to stderr line by line through `terminal`: a test's
    failure message is untrusted text (an escape sequence in an assertion message)."""
    if quiet:
        return subprocess.run(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    with subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as child:
        assert child.stdout is not None
        for line in child.stdout:
            sys.stderr.write(terminal(line.decode("utf-8", "replace")))
            sys.stderr.flush()
    return child.returncode
