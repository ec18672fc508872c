"""`pv mutate` on a new user's project (tests/mutants/scratch_project.py), outside the repository.

Its tests import the kernel through a package re-export; a mutant that replaced the
module attribute never reached them and every mutant "survived" (the issue's report).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pv.mutants.states import FINDINGS
from tests.evidence.test_falsify_mutate import tree_digest
from tests.mutants.scratch_project import make_project
from tests.conftest import run_pv

STATES = {"killed", "survived", "not-reached", "equivalent"}


def rows(project: Path) -> dict[str, dict]:
    [path] = sorted((project / "reports" / "evidence").glob("mutate-*.json"))[-1:]
    return {row["name"]: row for row in json.loads(path.read_text())["mutants"]}


def test_a_re_exported_kernel_is_mutated_and_an_uncalled_function_is_not_reached(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    done = run_pv(project, "mutate", "-j", "2")
    assert done.returncode == 1, done.stdout + done.stderr  # the not-reached mutant is a finding
    found = rows(project)
    assert found["softmax-no-max-subtraction"]["state"] == "killed"
    assert "FALSIFY-SM-001" in found["softmax-no-max-subtraction"]["killed_by"]
    assert found["rms-eps-dropped"]["state"] == "not-reached"
    assert found["rms-eps-dropped"]["killed_by"] == [] and found["rms-eps-dropped"]["survived"] is False
    assert "NOT-REACHED rms-eps-dropped" in done.stdout and "SURVIVED" not in done.stdout
    assert found["exp-of-numpy"]["state"] == "refused" and "builtin or C function" in found["exp-of-numpy"]["reason"]


def test_auto_generates_softmax_mutants_and_honours_equivalent_marks(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    contract = project / "contracts" / "softmax-v1.yaml"
    contract.write_text(contract.read_text().replace(
        '  kernels: ["mykern.kernels:softmax"]\n',
        '  kernels: ["mykern.kernels:softmax"]\n'
        '  equivalent:\n    rms-eps-dropped: "rms_scale is exported for users; this contract does not cover it"\n'
        '    "sum-mean@mykern/kernels.py:999": "a mark whose line has moved"\n'))
    catalogue = project / "catalogue" / "__init__.py"
    catalogue.write_text(catalogue.read_text().replace('Mutant("exp-of-numpy"', '# Mutant("exp-of-numpy"'))
    assert run_pv(project, "validate").returncode == 0
    done = run_pv(project, "mutate", "--auto", "-j", "2")
    found = rows(project)
    generated = [r for r in found.values() if r["kind"] == "generated"]
    assert len(generated) >= 8, done.stdout + done.stderr
    assert {r["target"] for r in generated} == {"mykern.kernels:softmax"}
    assert {r["state"] for r in found.values()} <= STATES
    for row in generated:
        operator, _, place = row["name"].partition("@")
        assert operator == row["operator"] and place.startswith("mykern/kernels.py:")
        assert row["diff"].startswith("--- a/mykern/kernels.py") and row["description"]
    assert {"axis-swap", "keepdims-drop", "max-min", "max-sub-drop", "sum-mean", "dtype-downcast"} <= {
        r["operator"] for r in generated}
    assert found["rms-eps-dropped"]["state"] == "equivalent"
    assert found["rms-eps-dropped"]["reason"].startswith("rms_scale is exported")
    assert "names 'sum-mean@mykern/kernels.py:999', which is no mutant of this run" in done.stderr
    marked_findings = [r for r in found.values() if r["state"] in FINDINGS]
    assert done.returncode == (1 if marked_findings else 0), done.stdout + done.stderr
    for operator in ("axis-swap", "max-sub-drop"):
        assert any(line.strip().startswith(operator) for line in done.stdout.splitlines())  # kill rate per operator


def _alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_kill_9_mid_run_leaves_no_mutant_and_no_process(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    before = tree_digest(project)
    run = subprocess.Popen([sys.executable, "-m", "pv.cli", "mutate", "--auto", "-j", "2"], cwd=project,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                           start_new_session=True)
    assert run.stderr is not None
    for line in run.stderr:  # the first mutant's result: the fork server is mid-run
        if line.startswith("  killed"):
            break
    os.kill(run.pid, signal.SIGKILL)  # pv only: its fork server must notice and clean up after itself
    run.wait()
    deadline = time.monotonic() + 30
    while _alive(run.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(run.pid), "a fork server or mutant child outlived the killed pv mutate"
    assert tree_digest(project) == before
    done = run_pv(project, "mutate", "-j", "2", env={"TMPDIR": str(scratch)})
    assert not list(scratch.glob("pv-mutate-*"))  # the killed run's scratch swept, this run's removed
    found = rows(project)
    assert (found["softmax-no-max-subtraction"]["state"], found["rms-eps-dropped"]["state"]) == (
        "killed", "not-reached"), done.stdout + done.stderr
