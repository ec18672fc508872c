"""Compile an equation's clauses into one Python function with the kernel's own signature.

The generated checker takes exactly the kernel's parameters (same kinds, same defaults),
so the interpreter binds a call's arguments natively instead of `inspect.Signature.bind`
doing it per call; its body evaluates the clauses in YAML order and returns the index of
the first one that is false or raises, or None. That is where `pv.enforce`'s low
overhead comes from: one extra call with the same arguments, no dict, no loop.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pv.runtime.clause import FUNCTIONS, ClauseError, UnsafeClause, free_names, parse_clause
from pv.runtime.namespace import clause_namespace

RESULT = "result"

# A checker returns None when every clause holds, else (index, exception or None).
Failure = tuple[int, BaseException | None]
Checker = Callable[..., Failure | None]


@dataclass(frozen=True)
class Clause:
    """One pre- or postcondition: its key in the YAML (name or index), its text, its names."""

    key: str | int
    text: str
    names: tuple[str, ...]


class ClauseNameError(ValueError):
    """A clause reads a name that is neither a parameter nor on the allow-list."""


def compile_checker(function: Callable[..., Any], clauses: Sequence[tuple[str | int, str]],
                    *, post: bool) -> tuple[Checker, list[Clause]]:
    """A checker for `clauses` with `function`'s signature (plus a leading `result` if `post`).

    Raises `UnsafeClause` or `ClauseNameError` at once: nothing of a refused clause runs.
    """
    signature = inspect.signature(function)
    parameters = list(signature.parameters)
    if post and RESULT in parameters:
        raise ClauseNameError(f"{function.__qualname__} has a parameter named '{RESULT}', "
                              "which postconditions use for the return value")
    readable = set(parameters) | ({RESULT} if post else set())
    namespace = clause_namespace()
    compiled: list[Clause] = []
    body: list[ast.stmt] = []
    for index, (key, text) in enumerate(clauses):
        tree = parse_clause(text)
        names = free_names(tree)
        unknown = [n for n in names if n not in readable]
        if unknown:
            raise ClauseNameError(
                f"clause {text!r} reads {', '.join(repr(n) for n in unknown)}, which "
                f"{'is' if len(unknown) == 1 else 'are'} not a parameter of {function.__qualname__}{signature}"
                + (" (postconditions may also read 'result')" if post else ""))
        missing = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in FUNCTIONS
                   and n.id not in namespace and n.id not in readable]
        if missing:
            raise UnsafeClause(text, _no_function(missing[0]))
        compiled.append(Clause(key, text, tuple(names)))
        body.append(_guarded(tree.body, index))
    body.append(ast.Return(ast.Constant(None)))
    checker = _build(function, signature, body, post, namespace)
    return checker, compiled


def _guarded(expression: ast.expr, index: int) -> ast.stmt:
    """`try: if not (expr): return (index, None) / except Exception as e: return (index, e)`."""
    failed = ast.Return(ast.Tuple([ast.Constant(index), ast.Constant(None)], ast.Load()))
    raised = ast.Return(ast.Tuple([ast.Constant(index), ast.Name("_pv_error", ast.Load())], ast.Load()))
    check = ast.If(ast.UnaryOp(ast.Not(), expression), [failed], [])
    handler = ast.ExceptHandler(ast.Name("_pv_Exception", ast.Load()), "_pv_error", [raised])
    return ast.Try([check], [handler], [], [])


def _build(function: Callable[..., Any], signature: inspect.Signature, body: list[ast.stmt],
           post: bool, namespace: dict[str, Any]) -> Checker:
    kinds = inspect.Parameter
    by_kind: dict[Any, list[ast.arg]] = {kinds.POSITIONAL_ONLY: [], kinds.POSITIONAL_OR_KEYWORD: [], kinds.KEYWORD_ONLY: []}
    vararg = kwarg = None
    for parameter in signature.parameters.values():
        if parameter.kind is kinds.VAR_POSITIONAL:
            vararg = ast.arg(parameter.name)
        elif parameter.kind is kinds.VAR_KEYWORD:
            kwarg = ast.arg(parameter.name)
        else:
            by_kind[parameter.kind].append(ast.arg(parameter.name))
    posonly = ([ast.arg(RESULT)] if post else []) + by_kind[kinds.POSITIONAL_ONLY]
    keyword_only = by_kind[kinds.KEYWORD_ONLY]
    arguments = ast.arguments(posonlyargs=posonly, args=by_kind[kinds.POSITIONAL_OR_KEYWORD], vararg=vararg,
                              kwonlyargs=keyword_only, kw_defaults=[None] * len(keyword_only), kwarg=kwarg, defaults=[])
    name = function.__name__ if function.__name__.isidentifier() else "checked"
    definition = ast.FunctionDef(name=name, args=arguments, body=body, decorator_list=[], returns=None)
    if "type_params" in ast.FunctionDef._fields:  # Python 3.12+
        definition.type_params = []  # type: ignore[attr-defined,unused-ignore]
    module = ast.fix_missing_locations(ast.Module([definition], type_ignores=[]))
    # Clauses see no builtins; the generated `except` needs Exception under a name no clause can write.
    scope: dict[str, Any] = {**namespace, "_pv_Exception": Exception}
    exec(compile(module, f"<pv clauses of {function.__qualname__}>", "exec"), scope)  # noqa: S102 - checked AST only
    checker: Any = scope[name]
    # Defaults are the function's own objects, attached rather than rendered into source
    # (from the innermost function: a decorated one's wrapper has none).
    source = inspect.unwrap(function)
    checker.__defaults__ = getattr(source, "__defaults__", None)
    checker.__kwdefaults__ = getattr(source, "__kwdefaults__", None)
    checker.__qualname__ = getattr(function, "__qualname__", name)
    result: Checker = checker
    return result


def _no_function(name: str) -> ClauseError:
    return ClauseError(1, 1, f"'{name}' needs numpy, which is not installed")
