"""Mutants per second: `pv mutate --auto` beside `mutmut` on the same kernel module, same run.

    python -m bench.mutation            # needs the `bench` extra (mutmut)

Both run in a fresh copy of the scratch project pv's tests use (a softmax kernel module
re-exported by its package, hypothesis tests that import it the natural way,
tests/mutants/scratch_project.py), outside the repository, one after the other. Each
tool generates its own mutants of `mykern/kernels.py` and stops a mutant at its first
failing test, so the figure compared is mutants decided per second of wall time,
start-up included. The machine may be shared: repeat the run and read the ratio.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.mutants.scratch_project import make_project

MUTMUT_CONFIG = """
[tool.mutmut]
paths_to_mutate = ["mykern/"]
tests_dir = ["tests/"]
"""


def _pv(project: Path) -> tuple[int, float]:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pv.cli", "mutate", "--auto", "-j", str(os.cpu_count() or 1)],
                   cwd=project, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    [evidence] = sorted((project / "reports" / "evidence").glob("mutate-*.json"))[-1:]
    return len(json.loads(evidence.read_text())["mutants"]), elapsed


def _mutmut(project: Path) -> tuple[int, float] | None:
    mutmut = shutil.which("mutmut", path=str(Path(sys.executable).parent)) or shutil.which("mutmut")
    if mutmut is None:
        return None
    with (project / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write(MUTMUT_CONFIG)
    started = time.perf_counter()
    subprocess.run([mutmut, "run"], cwd=project, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    listed = subprocess.run([mutmut, "results", "--all", "true"], cwd=project, capture_output=True, text=True).stdout
    return sum(1 for line in listed.splitlines() if "__mutmut_" in line), elapsed


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="pv-bench-mutation-") as tmp:
        ours = _pv(make_project(Path(tmp) / "pv"))
        peer = _mutmut(make_project(Path(tmp) / "mutmut"))
    print(f"{'tool':<10} {'mutants':>8} {'seconds':>8} {'mutants/s':>10}")
    print(f"{'pv':<10} {ours[0]:>8} {ours[1]:>8.1f} {ours[0] / ours[1]:>10.2f}")
    if peer is None:
        print("mutmut     not installed: pip install -e '.[bench]'")
        return 0
    print(f"{'mutmut':<10} {peer[0]:>8} {peer[1]:>8.1f} {peer[0] / peer[1]:>10.2f}")
    print(f"ratio pv / mutmut (mutants per second): {(ours[0] / ours[1]) / (peer[0] / peer[1]):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
