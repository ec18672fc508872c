"""Every view derives a falsifier's status the same way: a bound test that is always
skipped is SKIPPED in `pv status`, `pv coverage`, `pv audit` and the scoreboard alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

CONTRACT = """\
metadata:
  version: "1.0.0"
  description: "Toy kernel"
  references: ["Doe (2024) Toys"]
equations:
  toy:
    formula: "y = x"
proof_obligations:
  - id: TOY-INV-001
    type: invariant
    property: "identity"
    formal: "y = x"
falsification_tests:
  - id: FALSIFY-TOY-001
    rule: "runs"
    prediction: "y = x"
    test: "tests/test_toy.py::test_runs"
    if_fails: "wrong"
    obligation: TOY-INV-001
  - id: FALSIFY-TOY-002
    rule: "never runs"
    prediction: "y = x"
    test: "tests/test_toy.py::test_always_skipped"
    if_fails: "wrong"
    obligation: TOY-INV-001
  - id: FALSIFY-TOY-003
    rule: "drifted"
    prediction: "y = x"
    test: "tests/test_toy.py::test_gone"
    if_fails: "wrong"
    obligation: TOY-INV-001
qa_gate:
  id: F-TOY-001
  name: "Toy"
"""
TESTS = """\
import pytest


def test_runs():
    assert True


@pytest.mark.skip(reason="never")
def test_always_skipped():
    assert True
"""
EXPECTED = {"FALSIFY-TOY-001": "BOUND", "FALSIFY-TOY-002": "SKIPPED", "FALSIFY-TOY-003": "UNBOUND"}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n', encoding="utf-8")
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "toy-v1.yaml").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_toy.py").write_text(TESTS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_view_gives_the_same_status(project: Path, pv: Callable[..., tuple[int, str, str]]) -> None:
    _, out, _ = pv("status", "--format", "json")
    status = {f["id"]: f["status"] for c in json.loads(out)["contracts"] for f in c["falsifiers"]}
    _, out, _ = pv("coverage", "--format", "json")
    coverage = {k: v for c in json.loads(out)["contracts"] for k, v in c["falsifier_status"].items()}
    pv("scoreboard")
    board = json.loads((project / "reports" / "scoreboard.json").read_text(encoding="utf-8"))
    scoreboard = {f["id"]: f["status"] for c in board["contracts"] for f in c["falsifiers"]}
    assert status == coverage == scoreboard == EXPECTED
    _, out, _ = pv("audit", "--format", "json")
    findings = {d["message"].split()[0]: d["message"] for d in json.loads(out)["diagnostics"] if d["code"] == "PV-AUDIT-004"}
    assert set(findings) == {"FALSIFY-TOY-002", "FALSIFY-TOY-003"}
    assert "skipped unconditionally" in findings["FALSIFY-TOY-002"]
