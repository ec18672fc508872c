"""A run that ran nothing, or not everything, is never "ok": xdist, empty runs, not-run falsifiers.

Each test here failed on the code before the fix: with `-n 2` every result was lost (the
controller wrote an empty results file last) and `pv falsify` exited 0 over "44 not run".
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.conftest import run_pv
from tests.conftest import copy_project
from tests.evidence.test_falsify_mutate import evidence


def outcomes(project: Path) -> dict[str, str]:
    return {fid: r["outcome"] for fid, r in evidence(project, "falsify-")["falsifiers"].items()}


def test_parallel_run_records_what_a_serial_run_does(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    serial = run_pv(project, "falsify", "--profile", "fast", "--seed", "3")
    assert serial.returncode == 0, serial.stdout + serial.stderr
    expected = outcomes(project)
    parallel = run_pv(project, "falsify", "--profile", "fast", "--seed", "3", "-n", "2")
    assert parallel.returncode == 0, parallel.stdout + parallel.stderr
    assert outcomes(project) == expected and len(expected) == 4
    assert "0 not run" in parallel.stdout


def bundled_copy(tmp_path: Path) -> Path:
    project = tmp_path / "bundled"
    for part in ("contracts", "falsifiers", "engine"):
        shutil.copytree(REPO / part, project / part, ignore=shutil.ignore_patterns("__pycache__"))
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8").replace('testpaths = ["tests", "falsifiers"]',
                                                                          'testpaths = ["falsifiers"]')
    (project / "pyproject.toml").write_text(text, encoding="utf-8")
    return project


def test_bundled_contracts_in_parallel_record_all_44_falsifiers_as_serially(tmp_path: Path) -> None:
    """The README's `pv falsify -n auto`, on the bundled contracts (about a minute on 2 cores)."""
    project = bundled_copy(tmp_path)
    serial = run_pv(project, "falsify", "--profile", "fast", "--seed", "11")
    assert serial.returncode == 0, serial.stdout + serial.stderr
    expected = outcomes(project)
    parallel = run_pv(project, "falsify", "--profile", "fast", "--seed", "11", "-n", "2")
    assert parallel.returncode == 0, parallel.stdout + parallel.stderr
    assert len(expected) == 44 and outcomes(project) == expected


def test_a_bound_falsifier_that_reports_no_result_fails_the_run_by_name(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    tests = project / "falsifiers" / "test_toy.py"
    # the test still collects (so it is bound), but runs without a report: no result for TM-003
    (project / "falsifiers" / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.hookimpl(tryfirst=True)\n"
        "def pytest_runtest_protocol(item, nextitem):\n"
        "    return True if 'test_single' in item.nodeid else None\n", encoding="utf-8")
    assert "test_single" in tests.read_text()
    done = run_pv(project, "falsify", "--profile", "fast", "--seed", "1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FALSIFY-TM-003 NOT RUN" in done.stdout
    assert evidence(project, "falsify-")["not_run"] == ["FALSIFY-TM-003"]


def test_pytest_collecting_nothing_is_a_failure_not_ok(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (project / "falsifiers" / "conftest.py").write_text(
        "def pytest_collection_modifyitems(config, items):\n"
        "    if not config.option.collectonly:  # collected for the registry, gone from the run\n"
        "        items[:] = []\n", encoding="utf-8")
    done = run_pv(project, "falsify", "--profile", "fast", "--seed", "1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.count("NOT RUN") == 4 and "nothing collected" in done.stdout
    check = run_pv(project, "check", "--no-mutate", "--profile", "fast", "--seed", "1")
    assert check.returncode != 0 and "falsify: exit 1" in check.stdout


@pytest.mark.parametrize("setup", ["no contracts", "no falsifiers"])
def test_zero_contracts_or_zero_falsifiers_is_exit_2(tmp_path: Path, setup: str) -> None:
    project = copy_project(tmp_path)
    contract = project / "contracts" / "toy-mean-v1.yaml"
    if setup == "no contracts":
        contract.unlink()
        (project / "contracts" / "README.txt").write_text("nothing here\n", encoding="utf-8")
    else:
        text = contract.read_text(encoding="utf-8")
        contract.write_text(text[:text.index("falsification_tests:")] + text[text.index("qa_gate:"):], encoding="utf-8")
    done = run_pv(project, "falsify", "--profile", "fast")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "nothing to run" in done.stderr or "no contract" in done.stderr


def test_a_falsifier_id_declared_twice_is_not_run_and_not_shown_as_passing(tmp_path: Path) -> None:
    """A draft sorting first used to supply its (infinite) tolerance to the real falsifier."""
    project = copy_project(tmp_path)
    real = (project / "contracts" / "toy-mean-v1.yaml").read_text(encoding="utf-8")
    draft = real.replace("tolerance: 1.0e-9", "tolerance: 1.0e+300")
    for n in ("002", "003", "004"):
        draft = draft.replace(f"FALSIFY-TM-{n}", f"FALSIFY-DR-{n}")
    (project / "contracts" / "a-draft-v1.yaml").write_text(draft, encoding="utf-8")
    done = run_pv(project, "falsify", "--profile", "fast", "--seed", "1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FALSIFY-TM-001 is declared in" in done.stderr and "PV-SCHEMA-009" in done.stderr
    records = evidence(project, "falsify-")["falsifiers"]
    assert "FALSIFY-TM-001" not in records and records["FALSIFY-TM-002"]["outcome"] == "passed"
    status = run_pv(project, "status", "--format", "json")
    rows = [f for c in json.loads(status.stdout)["contracts"] for f in c["falsifiers"]]
    assert {r["status"] for r in rows if r["id"] == "FALSIFY-TM-001"} == {"DUPLICATE"}
    assert sum(r["id"] == "FALSIFY-TM-001" for r in rows) == 2
