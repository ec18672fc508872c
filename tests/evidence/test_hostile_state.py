"""Hostile state: evidence files that lie, break or block, read by the real CLI in a subprocess.

Each case plants one file in reports/evidence/ beside a real, passing run and runs
`pv status` and `pv scoreboard` under the bounds of the hostile-input catalogue (memory,
time, output). Each must: exit 1, name the planted file with what is wrong, print no
traceback, lose nothing (the real evidence file is untouched), and show no PASS that the
real run on the code as it is does not support. (Hostile numbers in contracts are in
tests/contracts/test_hostile_numbers.py; runs that ran nothing in tests/evidence/test_runs.py.)
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_pv as run_unbounded
from tests.contracts.test_hostile_inputs import run_pv
from tests.conftest import copy_project

PLANTED = "falsify-29990101T000000000000Z.json"


def _json(document: object) -> Callable[[Path, dict], None]:
    return lambda path, real: path.write_text(json.dumps(document), encoding="utf-8")


def _edited(edit: Callable[[dict], object]) -> Callable[[Path, dict], None]:
    return lambda path, real: path.write_text(json.dumps(edit(json.loads(json.dumps(real)))), encoding="utf-8")


def _record(field: str, value: object) -> Callable[[dict], object]:
    def edit(d: dict) -> object:
        d["falsifiers"]["FALSIFY-TM-001"][field] = value
        d["falsifiers"]["FALSIFY-TM-002"]["outcome"] = "passed"
        d["time"] = "2026-01-01T00:00:00Z"
        return d
    return edit


def _fifo(path: Path, real: dict) -> None:
    os.mkfifo(path)  # no writer: opening it to read would block for ever


def _device(path: Path, real: dict) -> None:
    path.symlink_to("/dev/zero")  # reading it would never end


def _directory(path: Path, real: dict) -> None:
    path.mkdir()


def _future(d: dict) -> object:
    d["time"] = "2999-01-01T00:00:00Z"
    return d


# name -> (how to plant the file, what the diagnostic must say)
CASES: dict[str, tuple[Callable[[Path, dict], None], str]] = {
    "a_list": (_json([1, 2]), "$: Input should be a valid dictionary"),
    "a_string": (_json("PASS"), "$: Input should be a valid dictionary"),
    "unknown_outcome": (_edited(_record("outcome", "mostly-passed")), "$.falsifiers.FALSIFY-TM-001.outcome"),
    "string_margin": (_edited(_record("margin", "0.5")), "$.falsifiers.FALSIFY-TM-001.margin"),
    "margin_ratio_a_string": (_edited(_record("margin", {"error": 0, "tolerance": 1, "ratio": "0"})),
                              "$.falsifiers.FALSIFY-TM-001.margin.ratio"),
    "negative_duration": (_edited(_record("duration", -1)), "$.falsifiers.FALSIFY-TM-001.duration"),
    "huge_number": (lambda p, r: p.write_text('{"kind": "falsify", "time": "2026-01-01T00:00:00Z", "falsifiers": '
                                              '{"FALSIFY-TM-001": {"nodeids": [], "outcome": "passed", '
                                              '"duration": 1e400}}}'), "duration"),
    "nan_token": (lambda p, r: p.write_text('{"kind": "falsify", "time": NaN, "falsifiers": {}}'), "not strict JSON"),
    "truncated": (lambda p, r: p.write_text(json.dumps(r)[:100]), "not strict JSON"),
    "not_utf8": (lambda p, r: p.write_bytes(b"\xff\xfe{}"), "not strict JSON"),
    "wrong_kind": (_edited(lambda d: {**d, "kind": "mutate"}), "$.kind"),
    "future_dated_pass": (_edited(_future), "in the future"),
    "bad_time": (_edited(lambda d: {**d, "time": "tomorrow"}), "$.time"),
    "fifo": (_fifo, "not a regular file"),
    "endless_device": (_device, "not a regular file"),
    "directory": (_directory, "not a regular file"),
}


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("hostile-state"))
    kernel = project / "toy" / "kernel.py"  # every falsifier of the toy fails on this kernel
    kernel.write_text(kernel.read_text().replace("/ len(xs)", "/ (len(xs) + 1)"))
    done = run_unbounded(project, "falsify", "--profile", "fast", "--seed", "5")
    assert done.returncode == 1, done.stdout + done.stderr
    return project


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_evidence_is_reported_never_trusted(name: str, ran: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ran, project, ignore=shutil.ignore_patterns("__pycache__"))
    evidence = project / "reports" / "evidence"
    [real] = list(evidence.glob("falsify-*.json"))
    before = real.read_bytes()
    plant, says = CASES[name]
    plant(evidence / PLANTED, json.loads(before))
    status = run_pv(project, "status", "--format", "json")
    assert status.returncode == 1, status.stderr[-2000:]
    line = next((x for x in status.stderr.splitlines() if PLANTED in x), "")
    assert says in line, status.stderr[-2000:]
    rows = {f["id"]: f["status"] for c in json.loads(status.stdout)["contracts"] for f in c["falsifiers"]}
    assert rows["FALSIFY-TM-001"] == "FAIL" and rows["FALSIFY-TM-002"] == "FAIL"  # the real run's verdict stands
    board = run_pv(project, "scoreboard")
    assert board.returncode == 1 and PLANTED in board.stderr
    assert real.read_bytes() == before  # nothing lost
    totals = json.loads((project / "reports" / "scoreboard.json").read_text())["totals"]
    assert totals["fail"] == 4 and totals["pass"] == 0
