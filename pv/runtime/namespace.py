"""What the allow-listed names in a clause mean when it runs.

Built once per process, on the first enforced function, so importing pv (and running
`pv validate`) never imports numpy. Without numpy, clauses still get Python's builtins
of those names; numpy's predicates are then simply absent and using one is refused when
the clause is compiled.
"""

from __future__ import annotations

import builtins
import numbers
from collections.abc import Iterator
from functools import cache
from typing import Any

from pv.runtime.clause import CONSTANTS, FUNCTIONS

# Python's own meaning wins for these: `len(x)`, `isinstance(eps, Real)`, `int(n)`.
_PYTHON_FIRST = frozenset({"len", "isinstance", "int", "float", "bool", "str", "tuple"})


@cache
def clause_namespace() -> dict[str, Any]:
    """Globals for compiled clauses: the allow-listed names and an empty `__builtins__`."""
    # No builtins a clause could name (the AST check refuses any name outside the lists
    # anyway); `__import__` stays because numpy imports lazily from inside its reductions,
    # looking it up in the calling frame's builtins. No clause can spell it: dunder names are refused.
    space: dict[str, Any] = {"__builtins__": {"__import__": builtins.__import__}}
    try:
        import numpy
    except ImportError:  # pragma: no cover - numpy is a core dependency of pv's users' kernels
        numpy = None  # type: ignore[assignment]
    space["all"], space["any"] = _reduction(builtins.all, numpy and numpy.all), _reduction(builtins.any, numpy and numpy.any)
    for name in sorted((FUNCTIONS | CONSTANTS) - {"all", "any"}):
        if name in _PYTHON_FIRST and hasattr(builtins, name):
            space[name] = getattr(builtins, name)
        elif name in {"Real", "Integral", "Number"}:
            space[name] = getattr(numbers, name)
        elif numpy is not None and hasattr(numpy, name):
            space[name] = getattr(numpy, name)
        elif hasattr(builtins, name):
            space[name] = getattr(builtins, name)
    return space


def _reduction(python: Any, array: Any) -> Any:
    """`all`/`any` that reduce a generator the Python way and an array over every element.

    numpy's `all(gen)` wraps the generator in a 0-d object array and is always True (a
    clause that cannot fail); Python's `all(x)` on a 2-D array raises. Each gets its own.
    """

    def reduce(values: Any) -> bool:
        if array is None or isinstance(values, (Iterator, list, tuple)):
            return bool(python(values))
        return bool(array(values))

    reduce.__name__ = python.__name__
    return reduce
