"""Running selected tests in a pytest subprocess and reading back what each did."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pv.binding.registry import pytest_command, subprocess_env
from pv.errors import PvError
from pv.lifetime import owned_tempdir


class RunFailed(PvError):
    """pytest ran but produced no results (usage error, crash before collection)."""


def run_tests(root: Path, nodeids: Sequence[str], *, profile: str, seed: int, workers: str | None = None,
              env: dict[str, str] | None = None, quiet: bool = False) -> tuple[int, list[dict[str, Any]]]:
    """Run `nodeids` under pytest with pv's results recorder; (pytest exit code, per-test results)."""
    with owned_tempdir("pv-run-") as tmp:
        target = tmp / "results.json"
        args = [*nodeids, f"--pv-results={target}", "-p", "no:cacheprovider", "-q",
                f"--hypothesis-profile={profile}", f"--hypothesis-seed={seed}"]
        if workers:
            args += ["-n", workers]
        output = subprocess.DEVNULL if quiet else sys.stderr
        done = subprocess.run(pytest_command(args), cwd=root, env=subprocess_env(tmp, env),
                              stdout=output, stderr=output)
        if not target.exists():
            raise RunFailed(f"pytest exited {done.returncode} without results (run it by hand: "
                            f"python -m pytest {' '.join(nodeids[:3])} ...)")
        document = json.loads(target.read_text(encoding="utf-8"))
    return done.returncode, document["tests"]
