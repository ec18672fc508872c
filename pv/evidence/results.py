"""One test's result as a run reports it, the shape every runner hands on.

pytest (through pv's plugin, in a child process), cargo, pv's own meta-checks and a
mutant's fork-server child all report per-test results; `pv.evidence.store` folds them
into per-falsifier records and the kill matrix reads which failed. The results file is
written by a process that ran the project's own code, so it is checked on read like any
other input: a wrong shape is a failed run with the place named, never a KeyError later.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError
from typing_extensions import NotRequired, Required, TypedDict  # pydantic validates these on 3.11

from pv.errors import PvError
from pv.evidence.model import first_error

Outcome = Literal["passed", "failed", "error", "skipped"]


class RunFailed(PvError):
    """A test run produced no results pv can use (usage error, crash before collection, a
    results file of the wrong shape)."""


class MarginData(TypedDict):
    """Worst observed error against its tolerance (pv.testing records it per falsifier)."""

    error: float | None
    tolerance: float | None
    ratio: float | None
    note: NotRequired[str | None]


class TestResult(TypedDict, total=False):
    nodeid: Required[str]
    outcome: Required[Outcome]
    duration: Required[float]
    path: str
    line: int
    falsifies: list[str]  # ids its `falsifies` marker names (cargo, meta: the citations that run it)
    params: str | None
    skipped: bool  # skipped unconditionally at collection
    margins: dict[str, MarginData]
    examples: int | None
    message: str | None
    falsifying_example: str | None


_RESULTS: TypeAdapter[list[TestResult]] = TypeAdapter(list[TestResult])


def checked_results(data: Any, source: str) -> list[TestResult]:
    """`data` as test results, or RunFailed naming `source` and the first wrong place."""
    try:
        return _RESULTS.validate_python(data, strict=True)
    except ValidationError as wrong:
        raise RunFailed(f"{source}: not a list of test results: {first_error(wrong)}") from None
