"""The engine's one door to pv: its kernels' domains are checked by `pv.runtime`.

Each kernel's preconditions are Python clauses in its contract YAML, checked by
`pv.enforce` (or `precondition_check` where the mutants reuse the engine's checks), so
the contract is the one source of truth for what the kernel accepts. The engine imports
`pv.runtime` and nothing else of pv: that package needs only PyYAML and pv's project
discovery (no pydantic), and the engine already needs numpy. A check fused into a
kernel's own arithmetic stays in the kernel and raises `violation(...)` for its clause.
"""

from __future__ import annotations

from pathlib import Path

from pv.project import contract_dirs, find_root
from pv.runtime import ContractViolation, clause_violation, enforce, precondition_check

__all__ = ["ContractViolation", "contracts_dir", "enforce", "precondition_check", "violation"]

_HERE = Path(__file__).resolve().parent


def contracts_dir() -> Path:
    """The directory holding the engine's contracts, found as every pv command finds it."""
    return contract_dirs(find_root(_HERE))[0]


def violation(contract_id: str, equation: str, key: str, detail: str) -> ContractViolation:
    """The `ContractViolation` of clause `key`, for a check a kernel makes in its body."""
    return clause_violation(contract_id, equation, key, detail, near=_HERE)
