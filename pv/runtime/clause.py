"""The safe subset of Python a contract clause may be written in, checked with `ast` only.

A clause such as `isfinite(x).all()` comes from a YAML file and runs inside the user's
process, so it is parsed, never `eval`-ed as text: every node must be on an allow-list,
or the clause is refused before anything runs. The subset:

- literals (numbers, strings, True/False/None), tuples and lists of them;
- comparisons (`== != < <= > >= in not in is is not`), `and`, `or`, `not`, `x if c else y`;
- arithmetic (`+ - * / // % **`, unary `-` and `+`) and the bitwise `& | ~ ^` numpy
  uses for elementwise logic;
- subscripts and slices (`x.shape[-1]`, `x[0, :]`);
- attribute access to public names only (no leading underscore, none of the frame and
  code attributes that lead out of an expression: `gi_frame`, `f_globals`, ...);
- calls to the functions in `FUNCTIONS` and the numpy scalar types by name, and to the
  methods in `METHODS`;
- generator expressions (`all(isfinite(t).all() for t in (q, k, v))`) whose targets are
  plain names and whose calls obey the same rules.

Refused: lambdas, assignments (`:=`), list/set/dict comprehensions, f-strings,
starred arguments, `**` unpacking, any name with a leading underscore (so `__import__`,
`__builtins__`, `__class__`), any call to something not on the lists. A clause is
parsed and checked once; this module never imports numpy, so `pv validate` can run it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

# Functions a clause may call by name; `pv.runtime.namespace` binds each to numpy's or
# Python's object of that name.
FUNCTIONS = frozenset({
    "isfinite", "isnan", "isinf", "isreal", "iscomplexobj", "isscalar", "issubdtype",
    "all", "any", "abs", "max", "min", "sum", "len", "shape", "ndim", "size",
    "round", "sqrt", "log", "exp", "finfo", "iinfo", "dtype", "prod", "allclose", "array_equal",
    "matmul", "swapaxes", "repeat",
    "isinstance", "int", "float", "bool", "str", "tuple",
})
# Names a clause may read that are not arguments: numpy's scalar types and abstract type
# classes, for `x.dtype in (float32, float64)` or `isinstance(eps, Real)`.
CONSTANTS = frozenset({
    "float16", "float32", "float64", "int8", "int16", "int32", "int64",
    "uint8", "uint16", "uint32", "uint64", "bool_", "complex64", "complex128",
    "floating", "integer", "signedinteger", "unsignedinteger", "number", "ndarray",
    "Real", "Integral", "Number", "inf", "nan", "pi",
})
# numpy's scalar types may also be called, as conversions: `isfinite(float32(x)).all()`.
SCALAR_TYPES = frozenset({
    "float16", "float32", "float64", "int8", "int16", "int32", "int64",
    "uint8", "uint16", "uint32", "uint64", "bool_", "complex64", "complex128",
})
# Methods a clause may call on a value: reductions and predicates, nothing that mutates.
METHODS = frozenset({"all", "any", "sum", "max", "min", "mean", "prod", "item", "is_integer", "isdigit"})
# Public attributes that still lead from a value to frames, code or globals.
_ESCAPES = frozenset({
    "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "f_globals", "f_locals",
    "f_builtins", "f_back", "f_code", "tb_frame", "tb_next", "func_globals", "co_code", "mro",
})

_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Invert,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
    ast.BitAnd, ast.BitOr, ast.BitXor, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
    ast.In, ast.NotIn, ast.Is, ast.IsNot, ast.IfExp, ast.Constant, ast.Name, ast.Load, ast.Store,
    ast.Tuple, ast.List, ast.Subscript, ast.Slice, ast.Attribute, ast.Call, ast.keyword, ast.GeneratorExp,
    ast.comprehension,
)


@dataclass(frozen=True)
class ClauseError:
    """Why a clause was refused; `line` and `col` are 1-based within the clause text."""

    line: int
    col: int
    message: str


class UnsafeClause(ValueError):
    """A clause uses Python outside the safe subset, or does not parse."""

    def __init__(self, clause: str, error: ClauseError) -> None:
        self.clause = clause
        self.error = error
        super().__init__(f"clause {clause!r}, column {error.col}: {error.message}")


def parse_clause(text: str) -> ast.Expression:
    """The checked syntax tree of `text`; `UnsafeClause` if it is outside the subset."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as bad:
        raise UnsafeClause(text, ClauseError(bad.lineno or 1, bad.offset or 1, f"not a Python expression: {bad.msg}")) from None
    problem = _first_problem(tree)
    if problem is not None:
        raise UnsafeClause(text, problem)
    return tree


def clause_error(text: str) -> ClauseError | None:
    """The first reason `text` is not a safe clause, or None: the check `pv validate` runs."""
    try:
        parse_clause(text)
    except UnsafeClause as unsafe:
        return unsafe.error
    return None


def free_names(tree: ast.Expression) -> list[str]:
    """Names the clause reads that are neither allow-listed nor bound by a generator, in order."""
    bound = {n.id for node in ast.walk(tree) if isinstance(node, ast.comprehension)
             for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    reads = sorted((node.lineno, node.col_offset, node.id) for node in ast.walk(tree)
                   if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load))
    seen: dict[str, None] = {}
    for _, _, name in reads:
        if name not in FUNCTIONS and name not in CONSTANTS and name not in bound:
            seen.setdefault(name)
    return list(seen)


def _first_problem(tree: ast.Expression) -> ClauseError | None:
    """The refusal to report: a private or dunder name first (the likeliest attack), then a
    forbidden construct (lambda, comprehension), then a refused call; leftmost within each."""
    problems: list[tuple[int, int, int, str]] = []
    for node in ast.walk(tree):
        message = _refusal(node)
        if message is not None:
            positioned = hasattr(node, "lineno")
            rank = (0 if "underscore" in message or isinstance(node, ast.Attribute)
                    else 1 if positioned and not isinstance(node, ast.Call) else 2 if positioned else 3)
            problems.append((rank, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1, message))
    if not problems:
        return None
    _, line, col, message = min(problems)
    return ClauseError(line, col, message)


def _refusal(node: ast.AST) -> str | None:
    """Why `node` is not allowed in a clause, or None."""
    if isinstance(node, ast.Starred):
        return "* and ** unpacking is not allowed in a contract clause"
    if not isinstance(node, _ALLOWED):
        return f"{type(node).__name__} is not allowed in a contract clause ({_hint(node)})"
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        return f"name '{node.id}' starts with an underscore: private and dunder names are refused"
    if isinstance(node, ast.Attribute) and (node.attr.startswith("_") or node.attr in _ESCAPES):
        return f"attribute '.{node.attr}' is refused: clauses read public data attributes only"
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("_"):
        return "string constants starting with an underscore are refused (they name private members)"
    if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
        return "bytes literals are not allowed in a contract clause"
    if isinstance(node, ast.Call):
        return _call_refusal(node)
    if isinstance(node, ast.comprehension):
        if not isinstance(node.target, (ast.Name, ast.Tuple)) or any(
                not isinstance(t, ast.Name) for t in (node.target.elts if isinstance(node.target, ast.Tuple) else [])):
            return "a generator's target must be a name or a tuple of names"
        if node.is_async:
            return "async generators are not allowed in a contract clause"
    return None


def _call_refusal(node: ast.Call) -> str | None:
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return "* and ** unpacking in calls is not allowed in a contract clause"
    function = node.func
    if isinstance(function, ast.Name):
        if function.id in FUNCTIONS or function.id in SCALAR_TYPES:
            return None
        return f"call to '{function.id}' is refused: clauses call only {', '.join(sorted(FUNCTIONS))}"
    if isinstance(function, ast.Attribute):
        if function.attr in METHODS:
            return None
        return f"method '.{function.attr}()' is refused: clauses call only the methods {', '.join(sorted(METHODS))}"
    return "only named functions and allow-listed methods may be called in a contract clause"


def _hint(node: ast.AST) -> str:
    if isinstance(node, ast.Lambda):
        return "lambdas are refused"
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp)):
        return "use a generator expression inside all() or any()"
    if isinstance(node, ast.NamedExpr):
        return "clauses cannot assign"
    if isinstance(node, (ast.JoinedStr, ast.FormattedValue)):
        return "f-strings are refused"
    return "see the safe subset in the README"
