"""`pv falsify` and `pv mutate` on a toy project: evidence, failures, survivors, idle falsifiers."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import copy_project, run_pv


def evidence(project: Path, prefix: str) -> dict:
    [path] = sorted((project / "reports" / "evidence").glob(f"{prefix}*.json"))[-1:]
    return json.loads(path.read_text())


def test_falsify_writes_evidence_for_every_falsifier(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    done = run_pv(project, "falsify", "--profile", "fast", "--seed", "7")
    assert done.returncode == 0, done.stdout + done.stderr
    run = evidence(project, "falsify-")
    assert (run["profile"], run["seed"], run["max_examples"]) == ("fast", 7, 20)
    assert {"commit", "time", "pv_version"} <= set(run)
    records = run["falsifiers"]
    assert sorted(records) == ["FALSIFY-TM-001", "FALSIFY-TM-002", "FALSIFY-TM-003", "FALSIFY-TM-004"]
    assert {r["outcome"] for r in records.values()} == {"passed"}
    assert records["FALSIFY-TM-001"]["examples"] >= 20
    assert records["FALSIFY-TM-001"]["nodeids"] == ["falsifiers/test_toy.py::test_bounded"]
    margin = records["FALSIFY-TM-001"]["margin"]
    assert margin["tolerance"] == 1e-9 and margin["error"] <= margin["tolerance"]  # tolerance read from the YAML
    assert records["FALSIFY-TM-003"]["examples"] is None  # a plain test, not a hypothesis property


def test_a_failing_falsifier_is_recorded_and_exits_1(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    kernel = project / "toy" / "kernel.py"
    kernel.write_text(kernel.read_text().replace("/ len(xs)", "/ (len(xs) + 1)"))
    done = run_pv(project, "falsify", "--profile", "fast", "--seed", "7")
    assert done.returncode == 1
    record = evidence(project, "falsify-")["falsifiers"]["FALSIFY-TM-001"]
    assert record["outcome"] == "failed"
    assert "FALSIFY-TM-001 falsified (toy-mean-v1)" in record["message"]
    assert record["falsifying_example"].startswith(("Falsifying example: test_bounded(", "Failing test case: test_bounded("))
    assert "xs=[" in record["falsifying_example"]
    assert "replay: pv falsify --profile fast --seed 7" in done.stdout


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "reports" not in p.parts
                       and "__pycache__" not in p.parts and ".pv-cache" not in p.parts):
        digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_mutate_reports_a_surviving_mutant_and_never_touches_files(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    before = tree_digest(project)
    done = run_pv(project, "mutate")
    assert tree_digest(project) == before
    assert done.returncode == 1
    assert "SURVIVED mean-tiny-bias" in done.stdout
    matrix = evidence(project, "mutate-")
    rows = {row["name"]: row for row in matrix["mutants"]}
    assert rows["mean-n-plus-one"]["killed_by"] == ["FALSIFY-TM-001", "FALSIFY-TM-002", "FALSIFY-TM-003", "FALSIFY-TM-004"]
    assert rows["mean-tiny-bias"]["survived"] is True


def test_a_falsifier_that_kills_nothing_is_a_finding_unless_a_guard(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    done = run_pv(project, "mutate", "--catalogue", "falsifiers.mutants.only_bias")
    assert done.returncode == 1
    assert "IDLE FALSIFY-TM-001" in done.stdout and "IDLE FALSIFY-TM-002" in done.stdout
    assert "IDLE FALSIFY-TM-003" not in done.stdout  # labelled guard in its contract


def test_unknown_mutant_name_fails_loudly(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "falsifiers"], cwd=project, capture_output=True,
                          text=True, env={**__import__("os").environ, "PV_MUTANT": "no-such-mutant"})
    assert done.returncode != 0 and "no such mutant" in done.stdout + done.stderr


def test_check_runs_every_step_and_exits_with_the_worst(tmp_path: Path) -> None:
    """`pv check` is the README's main command: each step runs with its own defaults, a later
    step still runs after an earlier finding (the toy catalogue has a survivor), and the
    scoreboard is written from the evidence of this run."""
    project = copy_project(tmp_path)
    done = run_pv(project, "check", "--profile", "fast", "--seed", "3")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    last = done.stdout.strip().splitlines()[-1]
    # the survivor also makes the declared DISCHARGED unsupported: the scoreboard is written and red
    assert last == ("== validate: ok; lint --strict-test-binding: ok; falsify: ok; mutate: exit 1; scoreboard: exit 1")
    assert evidence(project, "falsify-")["seed"] == 3
    board = json.loads((project / "reports" / "scoreboard.json").read_text())
    assert board["totals"]["mutants_killed"] < board["totals"]["mutants"]


@pytest.mark.parametrize("heading", ["Falsifying example", "Falsifying explicit example",  # hypothesis <= 6.15x
                                     "Failing test case", "Failing explicit example"])   # hypothesis >= 6.16x
def test_every_heading_of_a_failing_example_is_recorded(heading: str) -> None:
    """A falsifier's own case is an explicit @example, so its heading matters most."""
    from pv.pytest_plugin import _falsifying_example

    text = f"AssertionError: FALSIFY-X-001 falsified\n{heading}: test_x(\n    n=3,\n)\nExplanation:\n    lines"
    assert _falsifying_example(text) == f"{heading}: test_x(\n    n=3,\n)"


def test_a_mutant_left_in_the_environment_never_becomes_falsify_evidence(tmp_path: Path) -> None:
    """PV_MUTANT left set (after replaying a kill by hand) used to mutate the kernel under
    `pv falsify`, whose evidence then recorded the mutant's failures as the kernel's."""
    project = copy_project(tmp_path)
    env = {**__import__("os").environ, "PV_MUTANT": "mean-n-plus-one"}
    done = subprocess.run([sys.executable, "-m", "pv.cli", "falsify", "--profile", "fast", "--seed", "7"],
                          cwd=project, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ignoring PV_MUTANT=mean-n-plus-one" in done.stderr
    records = evidence(project, "falsify-")["falsifiers"]
    assert {r["outcome"] for r in records.values()} == {"passed"}
