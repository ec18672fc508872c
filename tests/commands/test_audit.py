"""pv audit: each broken link of obligation -> falsifier -> test, at its line and column."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pv.diagnostics.rules import RULES
from tests.commands.conftest import TOY_CONTRACT, line_of
from tests.conftest import CORPUS, REPO

PV = Callable[..., tuple[int, str, str]]


def test_findings_at_line_and_column(pv: PV, toy_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(toy_project)
    code, out, _ = pv("audit")
    path = "contracts/toy-v1.yaml"
    assert code == 1
    # TOY-BND-001 is cited by no falsifier: reported at its id
    assert f"{path}:{line_of(TOY_CONTRACT, 'id: TOY-BND-001')}:9: PV-AUDIT-001 obligation TOY-BND-001" in out
    # FALSIFY-TOY-002 cites no obligation, and its test is not collected (the real one was renamed)
    assert f"{path}:{line_of(TOY_CONTRACT, 'id: FALSIFY-TOY-002')}:9: PV-AUDIT-003 FALSIFY-TOY-002 cites no obligation" in out
    unbound = f"{path}:{line_of(TOY_CONTRACT, 'test_square_renamed')}:11: PV-AUDIT-004 FALSIFY-TOY-002 names"
    assert unbound in out
    assert "hint: candidate: falsifiers/test_toy.py::test_square" in out
    # an explicit deferral is a warning, not an error
    assert f"{path}:{line_of(TOY_CONTRACT, 'LIVE-PENDING')}:11: PV-VER-003 FALSIFY-TOY-003 is deferred" in out
    assert "FALSIFY-TOY-001" not in out  # bound, cites its obligation: nothing to say


def test_json_summary(pv: PV, toy_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(toy_project)
    code, out, _ = pv("audit", "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["summary"] == {"files": 1, "unreadable": 0, "falsifiers_declared": 3, "contracts": 1, "obligations": 2, "obligations_covered": 1, "falsifiers": 3,
                                 "falsifiers_bound": 1, "errors": 2, "warnings": 2}
    assert sorted(d["code"] for d in report["diagnostics"]) == ["PV-AUDIT-001", "PV-AUDIT-003", "PV-AUDIT-004", "PV-VER-003"]


def test_bundled_contracts(pv: PV, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = pv("audit", "contracts", "--format", "json")
    report = json.loads(out)
    assert code in (0, 1)
    assert all(d["code"] in RULES for d in report["diagnostics"])
    # the bundled contracts give every obligation an id and cite each one
    assert report["summary"]["obligations_covered"] == report["summary"]["obligations"] > 0
    assert not [d for d in report["diagnostics"] if d["code"] in ("PV-AUDIT-001", "PV-AUDIT-002", "PV-AUDIT-003")]


def test_corpus(pv: PV, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = pv("audit", str(CORPUS), "--format", "json")
    report = json.loads(out)
    assert code == 1  # Rust-era contracts name tests in prose: none is bound to a collected test
    unbound = [d for d in report["diagnostics"] if d["code"] == "PV-AUDIT-004"]
    assert len(unbound) == report["summary"]["falsifiers"] > 0
    untraceable = {d["path"] for d in report["diagnostics"] if d["code"] == "PV-AUDIT-002"}
    assert len(untraceable) >= report["summary"]["contracts"] - 5  # obligations carry no ids in that format
    assert all(d["line"] >= 1 for d in report["diagnostics"])
