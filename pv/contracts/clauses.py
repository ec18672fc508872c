"""PV-CLAUSE-001: a contract whose implementations are Python has Python clauses.

The switch: a contract's `preconditions` / `postconditions` are Python expressions, held
to the safe subset `pv.enforce` compiles (pv/runtime/clause.py), when the contract says
its implementations are Python: `metadata.language: python`, or a top-level
`implementations` map (pv's `module:function` targets are Python by definition). Any
other contract's clauses are text in whatever language its kernels use (aprender writes
Rust, `x.iter().all(|v| v.is_finite())`) and are never parsed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pv.contracts.loader import Document, excerpt
from pv.contracts.schema import Contract, equation_keys
from pv.diagnostics.diagnostic import Diagnostic
from pv.diagnostics.rules import rule
from pv.runtime.clause import clause_error

KINDS: tuple[Literal["preconditions"], Literal["postconditions"]] = ("preconditions", "postconditions")


def clauses_are_python(contract: Contract) -> bool:
    language = contract.metadata.language
    return (language or "").strip().lower() == "python" or bool(contract.implementations)


def clause_findings(doc: Document, contract: Contract) -> Iterator[Diagnostic]:
    """An unsafe or unparsable clause, at its line and column in the YAML."""
    if not clauses_are_python(contract):
        return
    keys = equation_keys(doc.data.get("equations") if isinstance(doc.data, dict) else None)
    for name, equation in contract.equations.items():
        for kind in KINDS:
            for key, text in equation.clauses(kind):
                error = clause_error(text)
                if error is None:
                    continue
                line, col = _locate(doc, ("equations", keys.get(name, name), kind, key), text, error.line, error.col)
                yield rule("PV-CLAUSE-001").at(
                    str(doc.path), (line, col),
                    f"equations.{excerpt(name)}.{kind}.{key}: {error.message} in {excerpt(text)}",
                    "write the clause in the safe subset (README: Runtime contracts), or, if the "
                    "kernels are not Python, drop metadata.language / implementations")


def _locate(doc: Document, at: tuple[str | int, ...], text: str, line: int, col: int) -> tuple[int, int]:
    """The clause's error position in the file: its value's start, plus the offset within it."""
    start_line, start_col = doc.position(at)
    if line > 1:
        return start_line + line - 1, col
    source = doc.text.splitlines()[start_line - 1] if doc.text and start_line >= 1 else ""
    quote = 1 if source[start_col - 1:start_col] in ("'", '"') else 0
    lead = len(text) - len(text.lstrip())
    return start_line, start_col + quote + lead + col - 1
