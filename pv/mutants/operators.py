"""Numerics-aware mutation operators: the bugs that matter in a numerical kernel.

Generic mutation tools flip `+` to `-`; the bugs that ship in kernels are a reduction
over the wrong axis, a forgotten epsilon, max for min, a lost `keepdims`, softmax
without its max-subtraction, a missing square root, an off-by-one block bound, a
boundary comparison, float64 accumulation done in float32, sum for mean, a wrong
constant. Each operator finds the places in a function's AST where its bug can be
made and says, for each, the source text that replaces the node and why it matters.

Only ASTs are read here (no imports of the code mutated); pytest-side safe.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    """One mutation: replace the source of `node` by `replacement`."""

    operator: str
    node: ast.AST
    replacement: str
    description: str


OPERATORS: dict[str, str] = {
    "axis-swap": "a reduction over another axis (axis=-1 <-> 0)",
    "keepdims-drop": "keepdims=True dropped: the reduced axis no longer broadcasts",
    "eps-drop": "an epsilon term removed",
    "eps-move": "epsilon moved outside the square root",
    "max-min": "max <-> min",
    "max-sub-drop": "the max-subtraction (softmax/log-sum-exp stabiliser) removed",
    "sqrt-drop": "a square root removed",
    "sqrt-square": "a square root replaced by a square",
    "off-by-one": "a slice or range bound off by one",
    "compare-flip": "a comparison's boundary flipped (< <-> <=, == <-> !=)",
    "dtype-downcast": "float64 replaced by float32 (accumulation precision lost)",
    "sum-mean": "sum <-> mean",
    "constant": "a numeric constant perturbed",
}

_SWAPS = {"max": "min", "min": "max", "amax": "amin", "amin": "amax", "maximum": "minimum", "minimum": "maximum",
          "fmax": "fmin", "fmin": "fmax", "argmax": "argmin", "argmin": "argmax", "nanmax": "nanmin", "nanmin": "nanmax"}
_SUM_MEAN = {"sum": "mean", "mean": "sum", "nansum": "nanmean", "nanmean": "nansum"}
_MAXES = {"max", "amax", "nanmax", "maximum"}
_COMPARE = {ast.Lt: (ast.LtE, "<="), ast.LtE: (ast.Lt, "<"), ast.Gt: (ast.GtE, ">="), ast.GtE: (ast.Gt, ">"),
            ast.Eq: (ast.NotEq, "!="), ast.NotEq: (ast.Eq, "==")}


def _func_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _is_eps(node: ast.AST) -> bool:
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    if "eps" in name.lower():
        return True
    return isinstance(node, ast.Call) and any(_is_eps(a) for a in node.args)  # x.dtype.type(eps)


def _text(node: ast.AST) -> str:
    return ast.unparse(node)


def _renamed_call(call: ast.Call, new: str) -> str:
    func = copy.deepcopy(call.func)
    if isinstance(func, ast.Attribute):
        func.attr = new
    elif isinstance(func, ast.Name):
        func.id = new
    return _text(func)


def _int_literal(node: ast.AST) -> int | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int_literal(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


def _axis(node: ast.AST) -> Iterator[Point]:
    if isinstance(node, ast.keyword) and node.arg == "axis" and (value := _int_literal(node.value)) is not None:
        other = 0 if value != 0 else -1
        yield Point("axis-swap", node.value, str(other), f"axis={value} -> axis={other}")


def _keepdims(node: ast.AST) -> Iterator[Point]:
    if isinstance(node, ast.keyword) and node.arg == "keepdims" and isinstance(node.value, ast.Constant) \
            and node.value.value is True:
        yield Point("keepdims-drop", node.value, "False", "keepdims=True -> keepdims=False")


def _eps(node: ast.AST) -> Iterator[Point]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        if _is_eps(node.right):
            yield Point("eps-drop", node, _text(node.left), f"'{_text(node)}' -> '{_text(node.left)}'")
        elif _is_eps(node.left) and isinstance(node.op, ast.Add):
            yield Point("eps-drop", node, _text(node.right), f"'{_text(node)}' -> '{_text(node.right)}'")
    if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add) and _is_eps(node.value):
        yield Point("eps-drop", node, "pass", f"'{_text(node)}' removed")
    if isinstance(node, ast.Call) and _func_name(node) == "sqrt" and len(node.args) == 1:
        inner = node.args[0]
        if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Add) and _is_eps(inner.right):
            moved = f"{_text(node.func)}({_text(inner.left)}) + {_text(inner.right)}"
            yield Point("eps-move", node, moved, f"'{_text(node)}' -> '{moved}'")


def _calls(node: ast.AST) -> Iterator[Point]:
    if not isinstance(node, ast.Call):
        return
    name = _func_name(node)
    if name in _SWAPS and isinstance(node.func, ast.Attribute):
        yield Point("max-min", node.func, _renamed_call(node, _SWAPS[name]), f"{name} -> {_SWAPS[name]}")
    if name in _SUM_MEAN and isinstance(node.func, ast.Attribute):  # builtin sum() has no mean
        yield Point("sum-mean", node.func, _renamed_call(node, _SUM_MEAN[name]), f"{name} -> {_SUM_MEAN[name]}")
    if name == "sqrt" and len(node.args) == 1:
        arg = _text(node.args[0])
        yield Point("sqrt-drop", node, f"({arg})", f"sqrt({arg}) -> {arg}")
        if isinstance(node.func, ast.Attribute):  # np.sqrt(v, out=v) -> np.square(v, out=v)
            squared = _text(node).replace(f"{node.func.attr}(", "square(", 1)
            yield Point("sqrt-square", node, squared, "sqrt -> square")
        else:
            yield Point("sqrt-square", node, f"({arg}) ** 2", f"sqrt({arg}) -> ({arg}) ** 2")
    if name == "range" and isinstance(node.func, ast.Name) and node.args:
        stop = node.args[0] if len(node.args) == 1 else node.args[1]
        yield Point("off-by-one", stop, f"{_text(stop)} - 1", f"range stop {_text(stop)} -> {_text(stop)} - 1")


def _is_max(node: ast.AST, maxima: set[str]) -> bool:
    """A max call, or a name the function assigned from one (`m = x.max(...)`)."""
    return (isinstance(node, ast.Call) and _func_name(node) in _MAXES) or (
        isinstance(node, ast.Name) and node.id in maxima)


def _max_subtraction(node: ast.AST, maxima: set[str]) -> Iterator[Point]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and _is_max(node.right, maxima):
        yield Point("max-sub-drop", node, _text(node.left), f"'{_text(node)}' -> '{_text(node.left)}'")
    if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Sub) and _is_max(node.value, maxima):
        yield Point("max-sub-drop", node, "pass", f"'{_text(node)}' removed")


def _slices(node: ast.AST) -> Iterator[Point]:
    if isinstance(node, ast.Slice):
        if node.upper is not None:
            upper = _text(node.upper)
            yield Point("off-by-one", node.upper, f"{upper} - 1", f"slice stop {upper} -> {upper} - 1")
        if node.lower is not None:
            lower = _text(node.lower)
            yield Point("off-by-one", node.lower, f"{lower} + 1", f"slice start {lower} -> {lower} + 1")


def _compare(node: ast.AST) -> Iterator[Point]:
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        new_op, symbol = _COMPARE[type(node.ops[0])]
        flipped = ast.Compare(left=node.left, ops=[new_op()], comparators=node.comparators)
        yield Point("compare-flip", node, _text(flipped), f"'{_text(node)}' -> '{_text(flipped)}'")


def _dtype(node: ast.AST) -> Iterator[Point]:
    if isinstance(node, ast.Attribute) and node.attr in ("float64", "double"):
        new = copy.deepcopy(node)
        new.attr = "float32"
        yield Point("dtype-downcast", node, _text(new), f"{_text(node)} -> {_text(new)}")
    if isinstance(node, ast.Constant) and node.value == "float64":
        yield Point("dtype-downcast", node, "'float32'", "'float64' -> 'float32'")


def _constants(node: ast.AST, skip: set[int]) -> Iterator[Point]:
    if not isinstance(node, ast.Constant) or id(node) in skip or isinstance(node.value, bool):
        return
    value = node.value
    if isinstance(value, float):
        new = repr(value * 1.5) if value else "1e-06"
        yield Point("constant", node, new, f"constant {value!r} -> {new}")
    elif isinstance(value, int) and value not in (0, 1, -1):
        yield Point("constant", node, str(value + 1), f"constant {value} -> {value + 1}")


_STRUCTURAL: list[Callable[[ast.AST], Iterator[Point]]] = [
    _axis, _keepdims, _eps, _calls, _slices, _compare, _dtype]


def points(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Point]:
    """Every mutation point in the function's body, in source order, each a single change."""
    skip: set[int] = set()  # constants another operator already mutates, and indices
    maxima = {t.id for node in ast.walk(function) if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
              and _func_name(node.value) in _MAXES for t in node.targets if isinstance(t, ast.Name)}
    for node in ast.walk(function):
        if isinstance(node, ast.keyword) and node.arg in ("axis", "keepdims"):
            skip.add(id(node.value))
        if isinstance(node, ast.Subscript):
            skip.update(id(n) for n in ast.walk(node.slice) if isinstance(n, ast.Constant))
        if isinstance(node, (ast.arguments, ast.JoinedStr)) or (isinstance(node, ast.Call) and _func_name(node) in (
                "ContractViolation", "_violation", "require", "ValueError", "TypeError")):
            skip.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Constant))
    found: list[Point] = []
    for statement in function.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # the docstring
        for node in ast.walk(statement):
            for operator in _STRUCTURAL:
                found.extend(operator(node))
            found.extend(_max_subtraction(node, maxima))
            found.extend(_constants(node, skip))
    found.sort(key=lambda p: (getattr(p.node, "lineno", 0), getattr(p.node, "col_offset", 0), p.operator))
    return found
