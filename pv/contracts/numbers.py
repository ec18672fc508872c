"""PV-SCHEMA-014: the numbers a falsifier reads must be able to fail.

A tolerance of `.inf`, `1e400` (infinity once read), `'inf'` or NaN makes `error <= tol`
pass on any error; a negative one fails every run; YAML 1.1 reads `1:30` as 90
(base 60). Tolerances (obligation `tolerance`, and parameters named tol, tolerance,
atol, rtol or with those as a `_` part) must be finite numbers >= 0; every other numeric
parameter must be finite. Checked on the data as loaded, before pydantic coerces it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from pv.contracts.loader import Document, excerpt
from pv.diagnostics.diagnostic import Diagnostic
from pv.diagnostics.rules import rule

TOLERANCE_NAME = re.compile(r"(?:^|_)(?:tol|tolerance|atol|rtol)(?:_|$)")
# YAML 1.1 sexagesimal numbers: 1:30 (90), 1:30.5, -2:00:00
_SEXAGESIMAL = re.compile(r"(?<![\w.:'\"-])[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?(?![\w:'\"])")
_FLOAT_MAX = 1.7976931348623157e308


def _as_number(value: Any) -> float | None | str:
    """The value as the falsifier reads it: a float, None (not numeric), or why it is unusable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value) if abs(value) <= _FLOAT_MAX else "is an integer beyond the float range"
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except (ValueError, OverflowError):
            return None
    return None


def _problem(value: Any, tolerance: bool) -> str | None:
    number = _as_number(value)
    if isinstance(number, str):
        return number
    if number is None:
        return f"is not a number: {excerpt(value)!r}" if tolerance else None
    if math.isnan(number):
        return "is NaN, which admits no comparison"
    if math.isinf(number):
        return "is infinite" + (" (no error can exceed it)" if tolerance else "")
    if tolerance and number < 0:
        return f"is negative: {number:g} (no error can meet it)"
    return None


def number_findings(doc: Document) -> Iterator[Diagnostic]:
    """PV-SCHEMA-014 findings of one loaded contract (`doc.data` is a mapping)."""
    checked: list[tuple[tuple[str | int, ...], Any, bool]] = []
    for i, ob in enumerate(_list(doc.data.get("proof_obligations"))):
        if isinstance(ob, dict) and ob.get("tolerance") is not None:
            checked.append((("proof_obligations", i, "tolerance"), ob["tolerance"], True))
    for i, test in enumerate(_list(doc.data.get("falsification_tests"))):
        params = test.get("parameters") if isinstance(test, dict) else None
        if not isinstance(params, dict):
            continue
        for name, value in params.items():
            tolerance = isinstance(name, str) and TOLERANCE_NAME.search(name) is not None
            values = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
            for j, item in values:
                at = ("falsification_tests", i, "parameters", name) + ((j,) if j is not None else ())
                checked.append((at, item, tolerance))
    for at, value, tolerance in checked:
        problem = _problem(value, tolerance)
        if problem is not None:
            what = "tolerance" if tolerance else "numeric parameter"
            yield rule("PV-SCHEMA-014").at(doc.path, doc.position(at), f"{_dotted(at)}: {what} {problem}")
    # positions cost a second parse: only when a number read equals a sexagesimal token's value
    suspects = {_base60(token) for token in _SEXAGESIMAL.findall(doc.text)}
    if suspects & {v for _, v, _ in checked if isinstance(v, (int, float)) and not isinstance(v, bool)}:
        for at, value, _ in checked:
            if isinstance(value, (int, float)) and not isinstance(value, bool) and _is_sexagesimal(doc, at):
                yield rule("PV-SCHEMA-014").at(
                    doc.path, doc.position(at),
                    f"{_dotted(at)}: {_source(doc, at)!r} is a YAML 1.1 sexagesimal number (read as {value}); "
                    "write the decimal value, or quote it if it is text")


def _base60(token: str) -> float:
    sign = -1 if token.startswith("-") else 1
    total = 0.0
    for part in token.lstrip("+-").replace("_", "").split(":"):
        total = total * 60 + float(part)
    return sign * total


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dotted(at: tuple[str | int, ...]) -> str:
    return excerpt(".".join(str(p) for p in at))


def _source(doc: Document, at: tuple[str | int, ...]) -> str:
    line, col = doc.position(at)
    lines = doc.text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    return re.split(r"[,\]}#\s]", lines[line - 1][col - 1:], maxsplit=1)[0]


def _is_sexagesimal(doc: Document, at: tuple[str | int, ...]) -> bool:
    return ":" in _source(doc, at) and _SEXAGESIMAL.fullmatch(_source(doc, at)) is not None
