"""The shape of an evidence file, checked on every read: evidence is an input, not a given.

A hand-edited or truncated file (a list, an unknown outcome, a margin written as a
string, a NaN) is rejected with its path and the place inside it, and the views carry
on without it; nothing downstream ever indexes into unchecked JSON. Strict mode: a
string is never coerced into a number or a number into a string.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Finite = Annotated[float, Field(allow_inf_nan=False)]
NonNegative = Annotated[float, Field(allow_inf_nan=False, ge=0)]
Outcome = Literal["passed", "failed", "error", "skipped"]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class Margin(_Strict):
    """Worst observed error against its tolerance; ratio None means no tolerance bounds it.

    The ratio may be negative: a falsifier may observe an excess beyond a slack (FALSIFY-RN-003),
    which is below zero while it holds."""

    error: Finite | None
    tolerance: Finite | None
    ratio: Finite | None
    note: str | None = None


class FalsifierRecord(_Strict):
    nodeids: list[str]
    outcome: Outcome
    duration: NonNegative = 0.0
    examples: Annotated[int, Field(ge=0)] | None = None
    margin: Margin | None = None
    message: str | None = None
    falsifying_example: str | None = None
    failed_nodeid: str | None = None
    contract: str | None = None
    inputs: list[str] | None = None  # files (relative to the root) whose hashes the run recorded


class _Run(_Strict):
    time: str
    commit: str | None = None
    dirty: bool | None = None
    pv_version: str | None = None
    seed: int | None = None
    profile: str | None = None
    inputs: dict[str, str] | None = None  # relative path -> sha256 of the content the run tested


class FalsifyEvidence(_Run):
    kind: Literal["falsify"]
    max_examples: int | None = None
    pytest_exit: int | None = None
    falsifiers: dict[str, FalsifierRecord]
    not_run: list[str] = Field(default_factory=list)


class MutantRow(_Strict):
    name: str
    contract: str
    target: str
    description: str = ""
    killed_by: list[str]
    survived: bool
    # pv.mutants.states; absent in evidence written before states existed
    state: Literal["killed", "timeout", "survived", "not-reached", "equivalent", "refused", "error"] | None = None
    kind: Literal["curated", "generated"] | None = None
    operator: str | None = None
    reason: str | None = None
    diff: str | None = None


class MutateEvidence(_Run):
    kind: Literal["mutate"]
    mutants: list[MutantRow]


MODELS: dict[str, type[_Run]] = {"falsify": FalsifyEvidence, "mutate": MutateEvidence}


def recorded_at(document: _Run) -> datetime:
    """The run's recorded time (ISO 8601, UTC, with or without microseconds)."""
    text = document.time
    for layout in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise ValueError(f"time {text!r} is not YYYY-MM-DDTHH:MM:SS[.ffffff]Z")


def first_error(invalid: ValidationError) -> str:
    """One line: where in the file ($.a.b) and what is wrong, plus how many more."""
    errors = invalid.errors(include_url=False)
    error = errors[0]
    where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
    value: Any = error.get("input")
    shown = repr(value)[:60] if not isinstance(value, (dict, list)) else type(value).__name__
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {error['msg']} (got {shown}){more}"
