"""Inputs that violate one precondition each, found with the contract's own clauses.

A falsifier of a clause needs a call that breaks that clause and no clause before it
(the checks run in YAML order, so the kernel must then report exactly that one). Given
one valid call, pv perturbs one argument at a time (a NaN or an Inf in an array, another
dtype, an extra or a missing axis, a shorter or longer last axis, zero, a negative, NaN
or a huge scalar, ...) and asks the compiled clauses which one now fails first. The
clause is the oracle, so no per-kernel knowledge is needed; a clause no perturbation
reaches is reported, and an example for it can be given by hand.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pv.runtime.checker import Clause, compile_checker
from pv.runtime.lookup import contract_path, equation_clauses

Call = tuple[tuple[Any, ...], dict[str, Any]]


@dataclass(frozen=True)
class Violation:
    """A call that breaks `clause` first, and which argument was changed how."""

    clause: Clause
    call: Call
    change: str


def violating_calls(contract_id: str, equation: str, function: Callable[..., Any], valid: Call,
                    examples: Mapping[str | int, Call] | None = None, *,
                    vary: tuple[str, ...] | None = None, near: str | Path | None = None) -> tuple[list[Violation], list[Clause]]:
    """One violating call per precondition of `equation` (the found ones, and the unreached clauses).

    Only the parameters in `vary` are perturbed (all, if None): a parameter the caller
    derives (a block size looked up from a type name) cannot be set through the public API.
    """
    home = Path(near) if near is not None else Path(inspect.getfile(inspect.unwrap(function)))
    clauses = equation_clauses(contract_path(contract_id, home), equation, "preconditions")
    checker, compiled = compile_checker(function, clauses, post=False)
    args, kwargs = valid
    if checker(*args, **kwargs) is not None:
        raise ValueError(f"the valid call breaks a precondition of {contract_id} {equation}: {checker(*args, **kwargs)}")
    found: dict[int, Violation] = {}
    for index, clause in enumerate(compiled):
        example = (examples or {}).get(clause.key)
        if example is not None:
            found[index] = Violation(clause, example, "example given")
    signature = inspect.signature(function)
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    for name, value in bound.arguments.items():
        if vary is not None and name not in vary:
            continue
        for change, replaced in _perturbations(value):
            trial = dict(bound.arguments, **{name: replaced})
            call = _as_call(signature, trial)
            failure = _first_failure(checker, call)
            if failure is not None and failure not in found:
                found[failure] = Violation(compiled[failure], call, f"{name}: {change}")
    missing = [clause for index, clause in enumerate(compiled) if index not in found]
    return [found[i] for i in sorted(found)], missing


def _first_failure(checker: Callable[..., Any], call: Call) -> int | None:
    args, kwargs = call
    try:
        failure = checker(*args, **kwargs)
    except TypeError:
        return None
    return None if failure is None else int(failure[0])


def _as_call(signature: inspect.Signature, arguments: dict[str, Any]) -> Call:
    bound = inspect.BoundArguments(signature, arguments)  # type: ignore[arg-type,unused-ignore]
    return tuple(bound.args), dict(bound.kwargs)


def _perturbations(value: Any) -> Iterator[tuple[str, Any]]:
    """Small, plausible ways for one argument to leave a kernel's domain."""
    if hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "astype"):
        yield from _array_perturbations(value)
        return
    if isinstance(value, bool):
        yield "negated", not value
        return
    if isinstance(value, (int, float)):
        for change in (0, -1, -1e-6, float("nan"), float("inf"), 1.5, 2, 1e300, 0.5):
            yield f"{value!r} -> {change!r}", type(value)(change) if isinstance(change, int) else change
        yield f"{value!r} -> a string", "1"
    elif isinstance(value, str):
        yield f"{value!r} -> 'UNKNOWN'", "UNKNOWN"
    if value is not None:
        yield "-> None", None


def _array_perturbations(a: Any) -> Iterator[tuple[str, Any]]:
    import numpy as np

    kind = a.dtype.kind
    if a.size and kind == "f":
        for bad in (np.nan, np.inf, -np.inf):
            changed = a.copy()
            changed.reshape(-1)[-1] = bad
            yield f"last element {bad}", changed
        yield "every element 1e20 (overflows once squared)", np.full_like(a, 1e20)
        yield "every element at the dtype's maximum", np.full_like(a, np.finfo(a.dtype).max)
    if a.size and kind in "iu":
        changed = a.copy()
        changed.reshape(-1)[-1] = -1 if kind == "i" else np.iinfo(a.dtype).max
        yield "last element out of range", changed
        changed = a.copy()
        changed.reshape(-1)[-1] = min(int(a.max()) + 10**6, int(np.iinfo(a.dtype).max))
        yield "last element too large", changed
    for dtype in ("int64", "float16", "float32", "float64", "complex128", "bool", "uint8"):
        if a.dtype != np.dtype(dtype):
            yield f"dtype {dtype}", a.astype(dtype)
    yield "an extra leading axis", a[None]
    if a.ndim >= 1:
        yield "last axis emptied", a[..., :0]
        yield "last axis one longer", np.concatenate([a, a[..., :1]], axis=-1) if a.shape[-1] else a
        if a.shape[-1] > 1:
            yield "last axis one shorter", a[..., :-1]
        yield "first axis emptied", a[:0]
        yield "rank 0", np.asarray(a.reshape(-1)[0]) if a.size else np.asarray(0, a.dtype)
    if a.ndim >= 2:
        yield "leading axis dropped", a[0]
        yield "axis 1 emptied", a[:, :0]
        yield "axis 1 doubled", np.concatenate([a, a], axis=1)
        yield "axis 1 plus one", np.concatenate([a, a[:, :1]], axis=1)
        yield "axis 0 doubled", np.concatenate([a, a], axis=0)
    if a.ndim >= 3:
        yield "axis 2 doubled", np.concatenate([a, a], axis=2)
        yield "axis 2 plus one", np.concatenate([a, a[:, :, :1]], axis=2)
