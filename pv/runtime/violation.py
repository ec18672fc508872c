"""The error a violated clause raises, and the short account of the values behind it.

The message must let a person act without a debugger (which contract, which equation,
the clause exactly as the YAML writes it, what the arguments looked like) and must stay
short when the argument is a 64 MB array: shape, dtype, a few values, a count of NaN/Inf.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from typing import Any

_FEW = 4  # values shown from an array
_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _FEW


class ContractViolation(ValueError):
    """A function was called outside the domain its contract declares, or broke a postcondition."""

    def __init__(self, contract_id: str, clause_key: str | int, clause: str, detail: str, *,
                 equation: str = "", kind: str = "precondition") -> None:
        self.contract_id = contract_id
        self.equation = equation
        self.kind = kind
        self.clause_key = clause_key
        self.clause = clause
        self.detail = detail
        where = f" of equation '{equation}'" if equation else ""
        label = f"#{clause_key}" if isinstance(clause_key, int) else f"'{clause_key}'"
        super().__init__(f"{contract_id}: {kind} {label}{where} violated ({clause}): {detail}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments: pickle (xdist, multiprocessing) needs them spelled out.
        return (_rebuild, (self.contract_id, self.clause_key, self.clause, self.detail, self.equation, self.kind))


def _rebuild(contract_id: str, key: str | int, clause: str, detail: str, equation: str, kind: str) -> ContractViolation:
    return ContractViolation(contract_id, key, clause, detail, equation=equation, kind=kind)


def describe(names: tuple[str, ...], values: Mapping[str, Any], error: BaseException | None) -> str:
    """`x = array shape (4, 8) float64 [1.0, nan, ...] (1 NaN)`, for each name the clause reads."""
    parts = [f"{name} = {summarize(values[name])}" for name in names if name in values]
    if error is not None:
        parts.append(f"evaluating the clause raised {type(error).__name__}: {_REPR.repr(str(error))[1:-1]}")
    return "; ".join(parts) or "no argument values"


def summarize(value: Any) -> str:
    """A few dozen characters that say what `value` is, whatever its size."""
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    if isinstance(shape, tuple) and dtype is not None and hasattr(value, "ravel"):
        return _array(value, shape, dtype)
    return _REPR.repr(value)


def _array(value: Any, shape: tuple[int, ...], dtype: Any) -> str:
    flat = value.ravel()
    head = ", ".join(_REPR.repr(v.item() if hasattr(v, "item") else v) for v in flat[:_FEW])
    more = ", ..." if flat.shape[0] > _FEW else ""
    text = f"{type(value).__name__} shape {shape} {dtype} [{head}{more}]"
    if getattr(dtype, "kind", None) in ("f", "c"):
        import numpy  # only reached for an array that has failed a clause

        nan = int(numpy.isnan(flat).sum())
        inf = int(numpy.isinf(flat).sum())
        extra = ", ".join(s for s in (f"{nan} NaN" if nan else "", f"{inf} Inf" if inf else "") if s)
        if extra:
            text += f" ({extra})"
    return text
