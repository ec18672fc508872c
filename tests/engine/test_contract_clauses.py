"""The kernels' precondition clauses are read at run time by `pv.runtime` (PyYAML's safe loader,
no pydantic in the user's process); the text it checks must be the text pv's own loader reads
from the same contract, for every clause of every bundled contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from pv.contracts.loader import load
from pv.runtime.lookup import equation_clauses
from tests.conftest import REPO

CONTRACTS = sorted((REPO / "contracts").glob("*.yaml"))


@pytest.mark.parametrize("path", CONTRACTS, ids=[p.stem for p in CONTRACTS])
def test_runtime_clauses_equal_pv_loader(path: Path) -> None:
    doc = load(path)
    assert not doc.diagnostics
    for name, equation in (doc.data.get("equations") or {}).items():
        for kind in ("preconditions", "postconditions"):
            declared = (equation or {}).get(kind) or {}
            pairs = list(declared.items()) if isinstance(declared, dict) else list(enumerate(declared))
            assert equation_clauses(path, name, kind) == [(k if isinstance(k, int) else str(k), t) for k, t in pairs]
