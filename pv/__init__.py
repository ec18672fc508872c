"""pv: contract-driven verification of numerical kernels.

`pv.enforce` and `pv.ContractViolation` (runtime contracts, pv/runtime/) are resolved on
first use: the root package sits below every layer (tests/test_architecture.py), and
`import pv` stays as light as it was for the CLI and the pytest plugin.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"
# The name on the package index: `pip install pv-kernel-contracts`. The command (`pv`, or
# `python -m pv`) and the import package (`pv`) keep the short name; the index's `pv` is an
# unrelated project.
DISTRIBUTION = "pv-kernel-contracts"
__all__ = ["ContractViolation", "enforce"]

_RUNTIME = {"enforce", "ContractViolation"}


def __getattr__(name: str) -> Any:
    if name in _RUNTIME:
        return getattr(importlib.import_module("pv.runtime"), name)
    raise AttributeError(f"module 'pv' has no attribute {name!r}")
