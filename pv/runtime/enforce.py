"""`pv.enforce`: a contract's pre- and postconditions, from its YAML, checked at call time.

The Python form of the Rust `contract_pre_*!` / `contract_post_*!` macros: the YAML stays
the one place that says what a kernel accepts and promises. The decorator finds the
contract in the decorated function's project, compiles each clause once (refusing any
outside the safe subset before anything runs), and raises `ContractViolation` naming the
contract, the equation and the clause text as written.

`PV_CONTRACTS` is read when the function is decorated: `off` returns the function itself
(zero overhead), `pre` checks preconditions only, anything else or unset checks both.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pv.runtime.checker import Checker, Clause, compile_checker
from pv.runtime.lookup import Clauses, contract_path, equation_clauses
from pv.runtime.violation import ContractViolation, describe

F = TypeVar("F", bound=Callable[..., Any])

MODE_ENV = "PV_CONTRACTS"


def mode() -> str:
    """`off`, `pre` or `all`, from `PV_CONTRACTS`."""
    value = os.environ.get(MODE_ENV, "").strip().lower()
    return value if value in ("off", "pre") else "all"


def enforce(contract_id: str, equation: str, *, in_body: Collection[str | int] = ()) -> Callable[[F], F]:
    """Check `equation`'s preconditions before each call and its postconditions after it.

    `in_body` names clauses the function checks itself (raising `clause_violation` for
    them): a check fused into the kernel's own work, which as a separate expression would
    cost a pass over the data. They are still compiled, so an unsafe one is refused.
    """

    def decorate(function: F) -> F:
        wanted = mode()
        if wanted == "off":
            return function
        near = _home(function)
        path = contract_path(contract_id, near)
        pre_clauses = equation_clauses(path, equation, "preconditions")
        post_clauses = equation_clauses(path, equation, "postconditions")
        unknown = set(in_body) - {key for key, _ in pre_clauses + post_clauses}
        if unknown:
            raise LookupError(f"{path}: equation '{equation}' has no clause {', '.join(map(repr, sorted(map(str, unknown))))} "
                              f"(in_body of {function.__qualname__})")
        pre = _Checks(contract_id, equation, "precondition", function, pre_clauses, in_body)
        post = None
        if wanted == "all":
            post = _Checks(contract_id, equation, "postcondition", function, post_clauses, in_body)
        return _wrap(function, pre, post)

    return decorate


def precondition_check(contract_id: str, equation: str, function: Callable[..., Any], *,
                       without: Collection[str | int] = (), only: Collection[str | int] | None = None) -> Callable[..., None]:
    """A callable with `function`'s signature that raises for a violated precondition.

    Independent of `PV_CONTRACTS`: for code that must check the domain explicitly, e.g.
    a mutant that re-implements a kernel with the engine's own checks. `without` leaves
    clauses out, `only` keeps just the named ones.
    """
    path = contract_path(contract_id, _home(function))
    clauses = equation_clauses(path, equation, "preconditions")
    keys = {key for key, _ in clauses}
    unknown = (set(without) | set(only or ())) - keys
    if unknown:
        raise LookupError(f"{path}: equation '{equation}' has no precondition {', '.join(sorted(map(repr, unknown)))}")
    skipped = set(without) | (keys - set(only) if only is not None else set())
    checks = _Checks(contract_id, equation, "precondition", function, clauses, skipped)

    def check(*args: Any, **kwargs: Any) -> None:
        failure = checks.checker(*args, **kwargs)
        if failure is not None:
            raise checks.violation(failure, args, kwargs)

    return check


def clause_violation(contract_id: str, equation: str, key: str | int, detail: str, *, near: str | Path,
                     kind: str = "precondition") -> ContractViolation:
    """The `ContractViolation` for clause `key`, for a check the function makes in its body."""
    path = contract_path(contract_id, Path(near))
    clauses = dict(equation_clauses(path, equation, f"{kind}s"))
    if key not in clauses:
        raise LookupError(f"{path}: equations.{equation}.{kind}s has no clause {key!r}; "
                          "the code checks a clause its contract does not state")
    return ContractViolation(contract_id, key, clauses[key], detail, equation=equation, kind=kind)


class _Checks:
    """One equation's compiled clauses of one kind, and how to report a failure."""

    def __init__(self, contract_id: str, equation: str, kind: str, function: Callable[..., Any],
                 clauses: Clauses, in_body: Collection[str | int]) -> None:
        self.contract_id, self.equation, self.kind = contract_id, equation, kind
        self.function = function
        post = kind == "postcondition"
        compile_checker(function, [c for c in clauses if c[0] in in_body], post=post)  # refuse unsafe ones too
        self.checker: Checker
        self.clauses: list[Clause]
        self.checker, self.clauses = compile_checker(function, [c for c in clauses if c[0] not in in_body], post=post)
        self.empty = not self.clauses

    def violation(self, failure: tuple[int, BaseException | None], args: Sequence[Any], kwargs: dict[str, Any],
                  result: Any = None) -> ContractViolation:
        index, error = failure
        clause = self.clauses[index]
        values = _bound(self.function, args, kwargs)
        if self.kind == "postcondition":
            values["result"] = result
        return ContractViolation(self.contract_id, clause.key, clause.text, describe(clause.names, values, error),
                                 equation=self.equation, kind=self.kind)


def _wrap(function: F, pre: _Checks, post: _Checks | None) -> F:
    check_pre = None if pre.empty else pre.checker
    check_post = None if post is None or post.empty else post.checker

    @functools.wraps(function)
    def enforced(*args: Any, **kwargs: Any) -> Any:
        if check_pre is not None:
            failure = check_pre(*args, **kwargs)
            if failure is not None:
                raise pre.violation(failure, args, kwargs)
        result = function(*args, **kwargs)
        if check_post is not None:
            failure = check_post(result, *args, **kwargs)
            if failure is not None:
                raise post.violation(failure, args, kwargs, result)  # type: ignore[union-attr]
        return result

    enforced.__pv_contract__ = (pre.contract_id, pre.equation)  # type: ignore[attr-defined]
    return enforced  # type: ignore[return-value]


def _home(function: Callable[..., Any]) -> Path:
    """Where the function's source lives; the project is found from there."""
    try:
        return Path(inspect.getfile(inspect.unwrap(function))).resolve()
    except (TypeError, OSError):
        return Path.cwd()


def _bound(function: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's arguments by parameter name (only on the failure path, so `bind` is fine)."""
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
    except TypeError:
        return {}
    bound.apply_defaults()
    return dict(bound.arguments)
