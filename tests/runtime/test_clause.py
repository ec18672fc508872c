"""The safe clause subset: what parses, what is refused, and where the refusal points."""

from __future__ import annotations

import pytest

from pv.runtime.clause import UnsafeClause, clause_error, free_names, parse_clause

ACCEPTED = [
    "x.ndim >= 1",
    "isfinite(x).all()",
    "weight.shape == (x.shape[-1],)",
    "eps > 0",
    "result.shape == x.shape",
    "x.dtype in (float32, float64) and weight.dtype == x.dtype",
    "isinstance(eps, Real) and isfinite(eps) and eps > 0",
    "all(isfinite(t).all() for t in (q, k, v))",
    "0 <= alpha <= 1",
    "not causal or q.shape[2] <= k.shape[2]",
    "(x[..., 0] > 0).any() | (x.size == 0)",
    "len(labels) == student.shape[0] if labels is not None else True",
    "x.shape[-1] % 32 == 0",
]

REFUSED = [
    ("__import__('os').system('echo pwned')", "underscore"),
    ("x.__class__", "attribute '.__class__'"),
    ("x._private", "attribute '._private'"),
    ("(lambda: 1)()", "Lambda"),
    ("[t for t in x]", "ListComp"),
    ("{t: 1 for t in x}", "DictComp"),
    ("(y := 3) > 0", "NamedExpr"),
    ("open('/etc/passwd')", "call to 'open'"),
    ("eval('1')", "call to 'eval'"),
    ("getattr(x, 'shape')", "call to 'getattr'"),
    ("x.astype(int)", "method '.astype()'"),
    ("f'{x}' == ''", "f-strings are refused"),
    ("all(*x)", "unpacking"),
    ("(t for t in x).gi_frame.f_globals", "clauses read public data attributes only"),
    ("x['__class__']", "underscore"),
    ("all(print(t) for t in x)", "call to 'print'"),
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_safe_clauses_parse(text: str) -> None:
    assert clause_error(text) is None


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_unsafe_clauses_are_refused_with_a_reason(text: str, reason: str) -> None:
    error = clause_error(text)
    assert error is not None, text
    assert reason in error.message


def test_refusal_points_at_the_offending_node() -> None:
    error = clause_error("x.ndim >= 1 and __import__('os')")
    assert error is not None
    assert (error.line, error.col) == (1, 17)


def test_unparsable_clause_reports_its_column() -> None:
    error = clause_error("x.len() > 0 &&")
    assert error is not None
    assert error.message.startswith("not a Python expression")
    assert error.col >= 1


def test_rust_clause_is_not_python() -> None:
    # aprender's clauses are Rust: not safe Python (closures), reported only where the
    # contract's implementations are Python (pv validate decides that, not this module).
    assert clause_error("x.iter().all(|v| v.is_finite())") is not None


def test_parse_clause_raises_unsafe_clause() -> None:
    with pytest.raises(UnsafeClause, match="column 1"):
        parse_clause("__import__('os')")


def test_free_names_exclude_functions_and_generator_targets() -> None:
    tree = parse_clause("all(isfinite(t).all() for t in (q, k)) and eps > 0 and x.dtype == float32")
    assert free_names(tree) == ["q", "k", "eps", "x"]
