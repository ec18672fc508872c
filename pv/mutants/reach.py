"""Applying a mutant so it takes effect however the kernel is referenced, and knowing if it ran.

Replacing a module attribute (`engine.rmsnorm.rmsnorm = bad`) misses every reference
taken before: `from mykern import softmax` in a package `__init__`, a dict of
implementations, a method, a closure that captured the function. All of those hold the
same function object, so a mutant swaps that object's code in place for a small
trampoline that counts the call and forwards it to the mutant. The function's
identity, name and module stay; only what it does changes, in this process only.

Only Python functions have code to swap: a builtin or C function (a numpy ufunc, a
method of a C type) is refused with the reason, never silently left unmutated.

This module is imported inside pytest processes: no pydantic, no pv.contracts.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from types import CodeType, FunctionType, MethodType
from typing import Any

# The trampolines find their mutant here (builtins, so no kernel module is touched).
ACTIVE = "__pv_active_mutants__"
_keys = itertools.count(1)


class MutantRefused(Exception):
    """The target cannot be mutated in place (not a Python function, or not found)."""


@dataclass
class Applied:
    """A mutant in effect: the function whose code was swapped, and how often it ran."""

    target: str
    function: FunctionType
    saved: CodeType
    calls: list[int] = field(default_factory=lambda: [0])

    @property
    def reached(self) -> bool:
        return self.calls[0] > 0

    def restore(self) -> None:
        self.function.__code__ = self.saved


def resolve(target: str) -> Any:
    """The object `module:attr.attr` names (a function, or a method through its class)."""
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise MutantRefused(f"{target!r}: a target is 'package.module:function' or 'package.module:Class.method'")
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError as failed:
        raise MutantRefused(f"{target}: cannot import {module_name} ({failed})") from failed
    for part in attribute.split("."):
        try:
            found = found.__dict__[part] if isinstance(found, type) and part in found.__dict__ else getattr(found, part)
        except AttributeError as failed:
            raise MutantRefused(f"{target}: {part!r} not found") from failed
    return found


def python_function(found: Any, target: str) -> FunctionType:
    """The plain function behind `found`, or a refusal naming what it is instead."""
    seen = 0
    while not isinstance(found, FunctionType) and seen < 16:
        seen += 1
        if isinstance(found, (staticmethod, classmethod, MethodType)):
            found = found.__func__
        elif isinstance(found, functools.partial):
            found = found.func
        elif getattr(found, "__wrapped__", None) is not None:  # functools.wraps, functools.cache
            found = found.__wrapped__
        else:
            break
    if isinstance(found, FunctionType):
        return found
    kind = type(found).__name__
    if callable(found):
        raise MutantRefused(f"{target} is a builtin or C function ({kind}): only a Python function's code can be "
                            f"replaced in place; target the Python function that calls it")
    raise MutantRefused(f"{target} is a {kind}, not a function: a mutant replaces a function's code")


def _trampoline(function: FunctionType, key: int) -> CodeType:
    """Code with the function's free variables (so it fits its closure) that forwards every call."""
    free = function.__code__.co_freevars
    lines = ["def _outer():"]
    if free:
        lines.append(f"    {', '.join(free)} = {', '.join('None' for _ in free)}")
    lines.append(f"    def {function.__name__}(*args, **kwargs):")
    if free:  # referenced, never read: the cells are the original closure's
        lines.append(f"        if False: ({', '.join(free)},)")
    lines.append(f"        return {ACTIVE}[{key}](*args, **kwargs)")
    lines.append(f"    return {function.__name__}")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), f"<pv mutant of {function.__qualname__}>", "exec"), namespace)
    code: CodeType = namespace["_outer"]().__code__
    return code


def copy_function(function: FunctionType) -> FunctionType:
    """An independent copy of the unmutated function, for mutants that call the original."""
    copy = FunctionType(function.__code__, function.__globals__, function.__name__, function.__defaults__,
                        function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__qualname__ = function.__qualname__
    copy.__dict__.update(function.__dict__)
    return copy


def apply(target: str, make: Callable[[Any], Any]) -> Applied:
    """Put `make(original)` in place of the target's code; the original object stays, mutated."""
    function = python_function(resolve(target), target)
    replacement = make(copy_function(function))
    if not callable(replacement):
        raise MutantRefused(f"{target}: the mutant's make() returned {type(replacement).__name__}, not a function")
    key = next(_keys)
    applied = Applied(target, function, function.__code__)
    calls = applied.calls

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return replacement(*args, **kwargs)

    registry: dict[int, Callable[..., Any]] = builtins.__dict__.setdefault(ACTIVE, {})
    registry[key] = counted
    try:
        function.__code__ = _trampoline(function, key)
    except ValueError as failed:  # pragma: no cover - the trampoline is built to fit
        raise MutantRefused(f"{target}: its code cannot be replaced ({failed})") from failed
    return applied
