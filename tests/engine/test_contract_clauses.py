"""The engine reads its precondition clauses itself (engine/ never imports pv); the text it quotes
must be the text pv's loader reads from the same contract, for every clause of every bundled contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import contract as engine_contract
from pv.contracts.loader import load
from tests.conftest import REPO

CONTRACTS = sorted((REPO / "contracts").glob("*.yaml"))


@pytest.mark.parametrize("path", CONTRACTS, ids=[p.stem for p in CONTRACTS])
def test_engine_clauses_equal_pv_loader(path: Path) -> None:
    doc = load(path)
    assert not doc.diagnostics
    clauses = [(name, key, text) for name, equation in (doc.data.get("equations") or {}).items()
               for key, text in ((equation or {}).get("preconditions") or {}).items()]
    for name, key, text in clauses:
        assert isinstance(text, str), (name, key)
        assert engine_contract.clause(path.stem, name, key) == text
