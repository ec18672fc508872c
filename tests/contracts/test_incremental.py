"""The pre-commit path (`--changed`) reports the same findings as a full run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_pv

FIXTURE = REPO / "tests" / "fixtures" / "mutation_project"
TOY = "contracts/toy-mean-v1.yaml"


def report(project: Path, *args: str) -> dict:
    done = run_pv(project, *args, "--format", "json")
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)

def findings(report: dict) -> list[tuple]:
    """Where and what; the vacuity guard's counts naturally differ with the scope, so only its place counts."""
    return [(d["path"], d["line"], d["col"], d["code"], "" if d["code"] == "PV-VER-009" else d["message"])
            for d in report["diagnostics"]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("reports", ".pv-cache", "__pycache__"))
    copy = (root / TOY).read_text().replace("TM-", "TC-").replace("test_toy.py", "test_copy.py")
    (root / "contracts" / "toy-copy-v1.yaml").write_text(copy)
    tests = (root / "falsifiers" / "test_toy.py").read_text().replace("TM-", "TC-")
    (root / "falsifiers" / "test_copy.py").write_text(tests)
    assert findings(report(root, "lint", "--strict-test-binding")) == []  # a clean base
    assert findings(report(root, "validate")) == []
    return root


def assert_same(project: Path, changed: list[str]) -> list[tuple]:
    full_lint = findings(report(project, "lint", "--strict-test-binding"))
    assert findings(report(project, "lint", "--strict-test-binding", "--changed", *changed)) == full_lint
    full_validate = findings(report(project, "validate"))
    assert findings(report(project, "validate", "--changed", *changed)) == full_validate
    return full_lint + full_validate


def test_a_dangling_reference_in_a_changed_contract(project: Path) -> None:
    path = project / TOY
    path.write_text(path.read_text().replace("test_toy.py::test_bounded", "test_toy.py::test_bounded_by_extremes"))
    found = assert_same(project, [TOY])
    assert sorted(f[3] for f in found) == ["PV-VER-002", "PV-VER-007", "PV-VER-009"]


def test_a_renamed_test_breaks_the_contract_that_binds_it(project: Path) -> None:
    path = project / "falsifiers" / "test_copy.py"
    path.write_text(path.read_text().replace("def test_constant(", "def test_constant_input("))
    found = assert_same(project, ["falsifiers/test_copy.py"])
    assert sorted((f[0], f[3]) for f in found) == [
        ("<lint>", "PV-VER-009"), ("contracts/toy-copy-v1.yaml", "PV-VER-002"), ("contracts/toy-copy-v1.yaml", "PV-VER-007")]


def test_an_orphan_marker_in_a_new_test_file(project: Path) -> None:
    (project / "falsifiers" / "test_new.py").write_text(
        'import pytest\n\n\n@pytest.mark.falsifies("FALSIFY-ZZ-001")\ndef test_new():\n    pass\n')
    found = assert_same(project, ["falsifiers/test_new.py"])
    assert [f[3] for f in found] == ["PV-VER-004"]


def test_a_falsifier_removed_from_a_contract_orphans_its_unchanged_test(project: Path) -> None:
    path = project / TOY
    text = path.read_text()
    start = text.index("  - id: FALSIFY-TM-004")
    path.write_text(text[:start] + text[text.index("qa_gate:"):])
    found = assert_same(project, [TOY])
    assert [(f[0], f[3]) for f in found] == [("falsifiers/test_toy.py", "PV-VER-004")]


def test_a_duplicate_id_and_an_unknown_dependency(project: Path) -> None:
    path = project / "contracts" / "toy-copy-v1.yaml"
    text = path.read_text().replace("FALSIFY-TC-002", "FALSIFY-TM-002").replace(
        "  references:", "  depends_on: [toy-meen-v1]\n  references:")
    path.write_text(text)
    (project / "falsifiers" / "test_copy.py").write_text(
        (project / "falsifiers" / "test_copy.py").read_text().replace("FALSIFY-TC-002", "FALSIFY-TM-002"))
    found = assert_same(project, ["contracts/toy-copy-v1.yaml", "falsifiers/test_copy.py"])
    assert sorted(f[3] for f in found) == ["PV-SCHEMA-009", "PV-SCHEMA-010"]


def test_a_change_that_touches_no_contract_is_clean(project: Path) -> None:
    (project / "notes.py").write_text("x = 1\n")
    found = report(project, "lint", "--strict-test-binding", "--changed", "notes.py", "pyproject.toml")
    assert findings(found) == [] and found["summary"]["contracts"] == 0
