"""Green only when something passed: the cases a review of the verdicts found green too soon.

Each test fails on the code before its fix: a run whose tests skip when run exited 0, an
overclaiming scoreboard step was "ok", a falsifier id repeated in one file showed the
first one's PASS, one step's error stopped `pv check` before the scoreboard, and a
contract of guards was DISCHARGED with no mutation run on record.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pv.binding.status import FalsifierState, FalsifierStatus, derive_contract_status
from tests.conftest import copy_project, run_pv


def test_falsifiers_whose_tests_skip_when_run_fail_the_run(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    tests = project / "falsifiers" / "test_toy.py"
    text = tests.read_text(encoding="utf-8").replace("def test_single():\n", "def test_single():\n    pytest.skip('no backend')\n")
    tests.write_text(text, encoding="utf-8")
    done = run_pv(project, "falsify", "--profile", "fast", "--seed", "1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FALSIFY-TM-003 SKIPPED" in done.stdout
    check = run_pv(project, "check", "--no-mutate", "--profile", "fast", "--seed", "1")
    assert check.returncode == 1 and "falsify: exit 1" in check.stdout, check.stdout + check.stderr


def test_scoreboard_step_fails_on_an_unsupported_declared_status(tmp_path: Path) -> None:
    project = copy_project(tmp_path)  # declares DISCHARGED; with no evidence it derives less
    done = run_pv(project, "scoreboard")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "toy-mean-v1 declares DISCHARGED but the evidence supports only" in done.stderr
    assert "SKIPPED" in done.stdout and "PENDING" in done.stdout  # the totals line names every status


def test_an_id_repeated_in_one_file_is_a_duplicate_never_run(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    contract = project / "contracts" / "toy-mean-v1.yaml"
    text = contract.read_text(encoding="utf-8")
    start = text.index("  - id: FALSIFY-TM-003")
    end = text.index("  - id:", start + 1)
    contract.write_text(text[:end] + text[start:end] + text[end:], encoding="utf-8")
    done = run_pv(project, "falsify", "--profile", "fast", "--seed", "1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FALSIFY-TM-003 is declared in" in done.stderr
    status = run_pv(project, "status", "--format", "json")
    assert '"status": "DUPLICATE"' in status.stdout


def test_check_runs_every_step_when_one_raises(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    with (project / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write('\n[tool.pv]\nmutants = "no_such_catalogue"\n')
    done = run_pv(project, "check", "--profile", "fast", "--seed", "1")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "pv mutate: cannot import the mutant catalogue 'no_such_catalogue'" in done.stderr
    assert "== pv scoreboard" in done.stdout and "mutate: exit 2" in done.stdout


def test_guards_alone_are_not_discharged_without_a_mutation_run() -> None:
    guards = [FalsifierState(FalsifierStatus.PASS, kills=None, guard=True)] * 3
    assert derive_contract_status(guards) == "FUNCTIONAL"
    assert derive_contract_status([FalsifierState(FalsifierStatus.PASS, kills=0, guard=True)] * 3) == "DISCHARGED"


def test_check_close_never_passes_minus_infinity(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    probe = "import pytest\nfrom pv.testing import falsifier\n\ndef test_probe():\n" \
            "    with pytest.raises(AssertionError, match='-inf'):\n        falsifier('FALSIFY-TM-001').check_close(float('-inf'))\n"
    (project / "falsifiers" / "test_probe.py").write_text(probe, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "falsifiers/test_probe.py"],
                          cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_negative_excess_below_a_slack_is_valid_evidence(tmp_path: Path) -> None:
    """FALSIFY-RN-003 observes |RMS - 1| minus a slack, below zero while it holds: its
    evidence must be read back, not rejected (the README's main command failed on it)."""
    project = copy_project(tmp_path)
    tests = project / "falsifiers" / "test_toy.py"
    text = tests.read_text(encoding="utf-8").replace(
        "    TM_001.check_close(max(min(xs) - m, m - max(xs), 0.0))", "    TM_001.check_close(max(min(xs) - m, m - max(xs)) - 1e-3)")
    tests.write_text(text, encoding="utf-8")
    done = run_pv(project, "falsify", "--profile", "fast", "--seed", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    board = run_pv(project, "status", "--format", "json")
    assert "ignored" not in board.stderr and '"status": "PASS"' in board.stdout, board.stdout + board.stderr


DROP_CITED_TEST = """\
def pytest_collection_modifyitems(config, items):
    if not config.option.collectonly:  # pv's registry sees the test; the run then loses it
        items[:] = [item for item in items if item.name != "test_single"]
"""


def _statuses(project: Path) -> dict[str, str]:
    done = run_pv(project, "status", "--format", "json")
    model = json.loads(done.stdout)
    return {f["id"]: f["status"] for c in model["contracts"] for f in c["falsifiers"]}


def test_another_marked_test_passing_is_not_the_cited_test_running(tmp_path: Path) -> None:
    """FALSIFY-TM-003 cites test_single; a second test marked with the id passed while the
    cited one never ran. That was PASS; it is NOT RUN, and the older PASS is not shown."""
    project = copy_project(tmp_path)
    assert run_pv(project, "falsify", "--profile", "fast", "--seed", "1").returncode == 0
    assert _statuses(project)["FALSIFY-TM-003"] == "PASS"
    tests = project / "falsifiers" / "test_toy.py"
    tests.write_text(tests.read_text(encoding="utf-8") + '\n\n@pytest.mark.falsifies("FALSIFY-TM-003")\n'
                     "def test_single_again():\n    assert kernel.mean([2.0]) == 2.0\n", encoding="utf-8")
    (project / "falsifiers" / "conftest.py").write_text(DROP_CITED_TEST, encoding="utf-8")
    done = run_pv(project, "falsify", "--profile", "fast", "--seed", "1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FALSIFY-TM-003 NOT RUN: falsifiers/test_toy.py::test_single reported no result" in done.stdout
    written = done.stdout.split("evidence: ")[1].split("\n")[0]
    evidence = json.loads((project / written).read_text(encoding="utf-8"))
    assert "FALSIFY-TM-003" not in evidence["falsifiers"] and evidence["not_run"] == ["FALSIFY-TM-003"]
    statuses = _statuses(project)
    assert statuses["FALSIFY-TM-003"] == "BOUND" and statuses["FALSIFY-TM-001"] == "PASS", statuses


def _forge(project: Path, change: Callable[[dict[str, Any]], None]) -> None:
    [path] = (project / "reports" / "evidence").glob("falsify-*.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")


def _no_hashes(document: dict[str, Any]) -> None:
    document["inputs"] = {}
    document["falsifiers"]["FALSIFY-TM-001"]["inputs"] = []


def _other_version(document: dict[str, Any]) -> None:
    document["pv_version"] = "0.0.1"


def _contract_left_out(document: dict[str, Any]) -> None:
    record = document["falsifiers"]["FALSIFY-TM-001"]
    record["inputs"] = [p for p in record["inputs"] if not p.startswith("contracts/")]


@pytest.mark.parametrize("forge", [_no_hashes, _other_version, _contract_left_out])
def test_evidence_that_does_not_bind_what_it_tested_is_stale(tmp_path: Path, forge: Callable[[dict[str, Any]], None]) -> None:
    """A record with no hashes, from another pv, or not covering its own contract was PASS."""
    project = copy_project(tmp_path)
    assert run_pv(project, "falsify", "--profile", "fast", "--seed", "1").returncode == 0
    _forge(project, forge)
    assert _statuses(project)["FALSIFY-TM-001"] == "STALE"


def test_the_scoreboard_shows_what_strict_lint_rejects(tmp_path: Path) -> None:
    """A test file that fails collection (a missing optional package) failed strict lint while
    the scoreboard of the same run was all green and silent about it."""
    project = copy_project(tmp_path)
    (project / "falsifiers" / "test_optional.py").write_text("import not_installed_anywhere\n", encoding="utf-8")
    assert run_pv(project, "falsify", "--profile", "fast", "--seed", "1").returncode == 0
    board = run_pv(project, "scoreboard")
    assert "strict lint reports 1 error(s)" in board.stderr, board.stderr
    model = json.loads((project / "reports" / "scoreboard.json").read_text(encoding="utf-8"))
    assert model["lint"]["errors"] == 1 and "falsifiers/test_optional.py" in model["lint"]["findings"][0]
    assert "Strict lint: 1 error" in (project / "reports" / "scoreboard.md").read_text(encoding="utf-8")
    assert 'id="lint"' in (project / "reports" / "scoreboard.html").read_text(encoding="utf-8")
