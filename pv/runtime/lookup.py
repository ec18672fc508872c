"""Find a contract's clauses from the project a function lives in.

The same discovery as every pv command (`pv.project.find_root` from the function's file,
then `[tool.pv] contracts` or `PV_CONTRACTS_DIR`) and the same YAML loader as `pv validate`
(pv.contracts.loader), so a clause or a number reads the same at run time as in every
report. This runs inside the user's process at import time: the loader needs PyYAML, not
pydantic or numpy. A contract's id is its file's stem.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from pv.contracts.loader import contract_data
from pv.project import contract_dirs, find_root

Clauses = list[tuple[str | int, str]]


class ContractLookupError(LookupError):
    """The contract, its equation or its clauses cannot be found or read as clauses."""


def contract_path(contract_id: str, near: Path) -> Path:
    """The YAML file of `contract_id` in the project holding `near`."""
    root = find_root(near if near.is_dir() else near.parent)
    return _contract_path(contract_id, root, os.environ.get("PV_CONTRACTS_DIR"))


@cache
def _contract_path(contract_id: str, root: Path, override: str | None) -> Path:
    """Cached per process; `override` is in the key so a changed `PV_CONTRACTS_DIR` is seen."""
    dirs = contract_dirs(root)
    for directory in dirs:
        if directory.is_file() and directory.stem == contract_id:
            return directory
        if directory.is_dir():
            for suffix in (".yaml", ".yml"):
                found = sorted(directory.rglob(f"{contract_id}{suffix}"))
                if found:
                    return found[0]
    searched = ", ".join(str(d) for d in dirs) or "(no contract paths configured)"
    raise ContractLookupError(f"contract '{contract_id}' not found under {searched} (project root {root})")


@cache
def _document(path: Path) -> dict[str, Any]:
    document, problem = contract_data(path)
    if document is None:
        raise ContractLookupError(f"{problem} (the contract cannot be read: run pv validate)")
    return document


def equation_clauses(path: Path, equation: str, kind: str) -> Clauses:
    """`equations.<equation>.<kind>` as (key, text) pairs: a mapping's keys, a list's indexes."""
    equations = _document(path).get("equations")
    entry = _equation(equations, equation)
    if entry is None:
        names = sorted(_equation_names(equations))
        raise ContractLookupError(f"{path}: no equation '{equation}' (declared: {', '.join(names) or 'none'})")
    raw = entry.get(kind)
    if raw is None:
        return []
    pairs: Clauses = list(raw.items()) if isinstance(raw, dict) else list(enumerate(raw)) if isinstance(raw, list) else []
    if not pairs and raw:
        raise ContractLookupError(f"{path}: equations.{equation}.{kind} must be a list or a mapping of clauses")
    for key, text in pairs:
        if not isinstance(text, str):
            raise ContractLookupError(f"{path}: equations.{equation}.{kind}.{key} is not a string clause")
    return [(key if isinstance(key, int) else str(key), text) for key, text in pairs]


def _equation(equations: Any, name: str) -> dict[str, Any] | None:
    """The 2026 format allows equations as a mapping or as a list of entries with `id`."""
    if isinstance(equations, dict):
        found = equations.get(name)
    elif isinstance(equations, list):
        found = next((e for e in equations if isinstance(e, dict) and e.get("id") == name), None)
    else:
        found = None
    return found if isinstance(found, dict) else None


def _equation_names(equations: Any) -> list[str]:
    if isinstance(equations, dict):
        return [str(k) for k in equations]
    if isinstance(equations, list):
        return [str(e["id"]) for e in equations if isinstance(e, dict) and "id" in e]
    return []
