"""pv status: per contract equations, obligations, falsifier statuses and derived vs declared status."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CORPUS, REPO

PV = Callable[..., tuple[int, str, str]]


def test_toy_status(pv: PV, toy_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(toy_project)
    code, out, _ = pv("status", "--format", "json")
    (contract,) = json.loads(out)["contracts"]
    assert code == 1  # declares FUNCTIONAL with one falsifier unbound and none run
    assert contract["declared"] == "FUNCTIONAL" and contract["derived"] == "PARTIAL"
    assert "declares FUNCTIONAL but the evidence supports only PARTIAL" in contract["overclaim"]
    assert {f["id"]: f["status"] for f in contract["falsifiers"]} == {
        "FALSIFY-TOY-001": "BOUND", "FALSIFY-TOY-002": "UNBOUND", "FALSIFY-TOY-003": "PENDING"}
    assert [e["name"] for e in contract["equations"]] == ["toy"]
    assert {o["id"]: o["falsifiers"] for o in contract["proof_obligations"]} == {
        "TOY-INV-001": ["FALSIFY-TOY-001", "FALSIFY-TOY-003"], "TOY-BND-001": []}
    code, text, _ = pv("status")
    assert "status: declared FUNCTIONAL, derived PARTIAL" in text
    assert "FALSIFY-TOY-002    UNBOUND" in text


def test_bundled_contracts(pv: PV, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = pv("status", "contracts", "--format", "json")
    report = json.loads(out)
    assert code == (1 if any(c["overclaim"] for c in report["contracts"]) else 0)
    assert {c["stem"] for c in report["contracts"]} == {p.stem for p in (REPO / "contracts").glob("*.yaml")}
    for c in report["contracts"]:
        assert c["derived"] in ("PROPOSED", "PARTIAL", "FUNCTIONAL", "DISCHARGED")
        assert c["equations"] and c["falsifiers"]


def test_corpus(pv: PV, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = pv("status", str(CORPUS), "--format", "json")
    report = json.loads(out)
    assert code in (0, 1)
    assert report["totals"]["falsifiers"] == sum(len(c["falsifiers"]) for c in report["contracts"]) > 0
    assert pv("status", str(CORPUS))[0] == code
