"""Preconditions read from the kernel contracts.

A kernel checks its domain at entry and, on violation, raises `ContractViolation`
carrying the contract id and the clause text *as written in the contract YAML*, so the
contract stays the one source of truth for what the kernel accepts.

The engine is the code under test and never imports pv (the tool that tests it), so it
reads the clauses with PyYAML's safe loader, on the same libyaml parser as pv's loader. It
reads only precondition text, where the two loaders differ only on files `pv validate`
refuses (duplicate keys, a merged scalar, over-long integers); tests/engine/
test_contract_clauses.py proves every clause it quotes equals pv's reading.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml when present: contracts are read once per process, but fast is free.
    _SafeLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _SafeLoader = yaml.SafeLoader


class ContractViolation(ValueError):
    """A kernel was called outside the domain its contract declares."""

    def __init__(self, contract_id: str, clause_key: str, clause: str, detail: str) -> None:
        self.contract_id = contract_id
        self.clause_key = clause_key
        self.clause = clause
        self.detail = detail
        super().__init__(f"{contract_id}: precondition '{clause_key}' violated ({clause}): {detail}")


def contracts_dir() -> Path:
    """The directory holding the contracts: `PV_CONTRACTS_DIR` or the repository's own."""
    override = os.environ.get("PV_CONTRACTS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "contracts"


@cache
def _load(contract_id: str) -> dict[str, Any]:
    path = contracts_dir() / f"{contract_id}.yaml"
    with path.open("rb") as handle:
        document = yaml.load(handle, Loader=_SafeLoader)  # noqa: S506 - safe loader
    if not isinstance(document, dict):
        raise RuntimeError(f"{path}: not a contract mapping")
    return document


@cache
def clause(contract_id: str, equation: str, key: str) -> str:
    """The text of precondition `key` of `equation` in contract `contract_id`."""
    document = _load(contract_id)
    try:
        return str(document["equations"][equation]["preconditions"][key])
    except (KeyError, TypeError) as missing:
        raise RuntimeError(
            f"{contract_id}: equations.{equation}.preconditions.{key} is not declared; "
            "the kernel checks a precondition its contract does not state"
        ) from missing


def require(ok: bool, contract_id: str, equation: str, key: str, detail: str) -> None:
    """Raise `ContractViolation` with the contract's clause text unless `ok`."""
    if not ok:
        raise ContractViolation(contract_id, key, clause(contract_id, equation, key), detail)
