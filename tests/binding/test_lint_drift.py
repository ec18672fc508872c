"""`pv lint --strict-test-binding` on a fixture project reproducing each drift class.

The project (tests/fixtures/drift_project) is copied to a temporary directory and
linted the way a user runs pv: as a subprocess, from the project root.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_pv

FIXTURE = REPO / "tests" / "fixtures" / "drift_project"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("drift") / "project"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture(scope="module")
def report(project: Path) -> dict:
    done = run_pv(project, "lint", "--strict-test-binding", "--format", "json")
    assert done.returncode == 1, done.stderr
    return json.loads(done.stdout)


def at_line(report: dict, path: str, line: int) -> list[dict]:
    return [d for d in report["diagnostics"] if d["path"] == path and d["line"] == line]


DRIFT = "contracts/drift-v1.yaml"
# falsifier -> (line of its test:, code, first candidate)
EXPECTED = {
    "suffix drift": (17, "PV-VER-002", "falsifiers/test_drift.py::test_init_matches_input"),
    "module-path and class drift": (22, "PV-VER-002", "falsifiers/test_drift.py::TestAttention::test_shape_flow"),
    "date-suffix drift": (27, "PV-VER-002", "falsifiers/test_drift.py::test_qwen2_matches_hf_config_2026_05_04"),
    "guessed name": (32, "PV-VER-002", "falsifiers/test_drift.py::test_divergence_is_never_below_zero"),
    "parametrize drift": (37, "PV-VER-002", "falsifiers/test_drift.py::test_roundtrip[Q8_0]"),
}


@pytest.mark.parametrize("drift", sorted(EXPECTED))
def test_drift_is_reported_at_its_line_with_the_right_candidate_first(report: dict, drift: str) -> None:
    line, code, first = EXPECTED[drift]
    [diagnostic] = at_line(report, DRIFT, line)
    assert diagnostic["code"] == code
    assert diagnostic["hints"][0].startswith(f"candidate: {first}")
    assert len(diagnostic["hints"]) <= 3


def test_disagreement_stale_pending_prose_orphan_parity_status(report: dict) -> None:
    assert [d["code"] for d in at_line(report, DRIFT, 42)] == ["PV-VER-005"]
    assert [d["code"] for d in at_line(report, DRIFT, 47)] == ["PV-VER-008"]
    assert [d["code"] for d in at_line(report, DRIFT, 67)] == ["PV-VER-003"]
    assert [d["code"] for d in at_line(report, DRIFT, 72)] == ["PV-VER-002"]
    [orphan] = at_line(report, "falsifiers/test_drift.py", 43)
    assert orphan["code"] == "PV-VER-004" and "FALSIFY-DR-099" in orphan["message"]
    [parity] = at_line(report, "contracts/parity-v1.yaml", 24)
    assert parity["code"] == "PV-VER-006" and "fused" in parity["message"]
    [status] = at_line(report, DRIFT, 6)
    assert status["code"] == "PV-VER-007"


def test_correct_references_get_no_diagnostic(report: dict) -> None:
    for line in (52, 57, 62):  # class test, conftest-collected item, conftest-parametrized case
        assert at_line(report, DRIFT, line) == []
    assert at_line(report, "contracts/parity-v1.yaml", 19) == []
    assert at_line(report, "contracts/parity-v1.yaml", 6) == []  # PARTIAL is supported


def test_vacuity_guard_and_summary(report: dict) -> None:
    assert report["summary"]["bound"] == 7 and report["summary"]["falsifiers"] == 14
    assert any(d["code"] == "PV-VER-009" for d in report["diagnostics"])


def test_non_strict_mode_only_warns_on_unresolved(project: Path) -> None:
    done = run_pv(project, "lint", "--format", "json")
    codes = {d["code"] for d in json.loads(done.stdout)["diagnostics"]}
    assert "PV-VER-001" in codes and "PV-VER-002" not in codes and "PV-VER-009" not in codes


def test_fix_round_trip(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    contract = project / "contracts" / "drift-v1.yaml"
    before = contract.read_bytes()
    done = run_pv(project, "lint", "--strict-test-binding", "--fix")
    after = contract.read_bytes()
    fixed = {
        17: b'    test: "falsifiers/test_drift.py::test_init_matches_input"',
        22: b'    test: "falsifiers/test_drift.py::TestAttention::test_shape_flow"',
        27: b"    test: falsifiers/test_drift.py::test_qwen2_matches_hf_config_2026_05_04",
        32: b"    test: 'falsifiers/test_drift.py::test_divergence_is_never_below_zero'",
    }
    old_lines, new_lines = before.split(b"\n"), after.split(b"\n")
    assert len(old_lines) == len(new_lines)
    for number, (old, new) in enumerate(zip(old_lines, new_lines), start=1):
        assert new == fixed.get(number, old), number  # every other byte is untouched
    assert "not fixed FALSIFY-DR-005: 2 tests carry" in done.stderr
    assert "not fixed FALSIFY-DR-012: no collected test carries" in done.stderr
    again = json.loads(run_pv(project, "lint", "--strict-test-binding", "--format", "json").stdout)
    assert again["summary"]["bound"] == 11
    assert not [d for d in again["diagnostics"] if d["path"] == DRIFT and d["line"] in fixed]
