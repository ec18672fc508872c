"""pv coverage: obligations covered by citing falsifiers, falsifiers bound, by type and overall."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pv.contracts.validate import validate_paths
from tests.conftest import CORPUS, REPO

PV = Callable[..., tuple[int, str, str]]


def test_toy_counts(pv: PV, toy_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(toy_project)
    code, out, _ = pv("coverage", "--format", "json")
    report = json.loads(out)
    assert code == 0
    totals = report["totals"]
    assert (totals["obligations_covered"], totals["obligations"], totals["obligations_covered_percent"]) == (1, 2, 50.0)
    assert (totals["falsifiers_bound"], totals["falsifiers"], totals["falsifiers_pending"]) == (1, 3, 1)
    assert totals["falsifiers_bound_percent"] == 33.3
    assert report["by_obligation_type"] == {
        "bound": {"obligations": 1, "covered": 0, "covered_percent": 0.0},
        "invariant": {"obligations": 1, "covered": 1, "covered_percent": 100.0},
    }
    assert [c["stem"] for c in report["contracts"]] == ["toy-v1"]
    code, text, _ = pv("coverage")
    assert "toy-v1" in text and "1/2 50.0%" in text and "1/3 33.3%" in text


def test_bundled_contracts(pv: PV, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = pv("coverage", "contracts", "--format", "json")
    totals = json.loads(out)["totals"]
    files = validate_paths([REPO / "contracts"]).contracts
    assert code == 0
    assert totals["falsifiers"] == sum(len(f.contract.falsification_tests) for f in files if f.contract)
    assert totals["obligations_covered"] == totals["obligations"]


def test_corpus(pv: PV, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = pv("coverage", str(CORPUS), "--format", "json")
    report = json.loads(out)
    totals = report["totals"]
    # aprender/binding.yaml is a binding registry, not a contract: listed, never dropped (exit 1)
    assert code == 1 and [u["path"].endswith("aprender/binding.yaml") for u in report["unreadable"]] == [True]
    assert report["denominator"] == "513 falsifiers in 92 files (91 contracts read, 1 unreadable)"
    # Rust-era obligations carry no ids, so nothing can be shown covered (not guessed, as the Rust pv does)
    assert totals["obligations_traceable"] == totals["obligations_covered"] == 0 < totals["obligations"]
    assert sum(row["obligations"] for row in report["by_obligation_type"].values()) == totals["obligations"]
    assert pv("coverage", str(CORPUS))[0] == 1
