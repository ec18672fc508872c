"""pv: contract-driven verification of numerical kernels.

`pv.enforce` and `pv.ContractViolation` (runtime contracts, pv/runtime/) are resolved on
first use: the root package sits below every layer (tests/test_architecture.py), and
`import pv` stays as light as it was for the CLI and the pytest plugin.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"
__all__ = ["ContractViolation", "enforce"]

_RUNTIME = {"enforce", "ContractViolation"}


def __getattr__(name: str) -> Any:
    if name in _RUNTIME:
        return getattr(importlib.import_module("pv.runtime"), name)
    raise AttributeError(f"module 'pv' has no attribute {name!r}")
