"""The contract as pv holds it after reading: the one type every later stage receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from pv.contracts.loader import Document
from pv.contracts.schema import Contract
from pv.diagnostics.diagnostic import Diagnostic, Severity


class UnreadableSummary(TypedDict):
    """A file that is not a contract pv could read, as every report lists it."""

    path: str
    stem: str | None  # None for a path that could not be read at all
    falsifiers_declared: int
    errors: list[str]


@dataclass
class ContractFile:
    """A contract file as read: its document, the model when it parsed, and findings."""

    path: str
    stem: str
    doc: Document
    contract: Contract | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def declared_falsifiers(self) -> int:
        """How many falsifiers the file declares, read or not: a file that failed to parse
        still counts in every denominator, so nothing it claims vanishes from a total."""
        if self.contract is not None:
            return len(self.contract.falsification_tests)
        data = self.doc.data
        tests = data.get("falsification_tests") if isinstance(data, dict) else None
        return len(tests) if isinstance(tests, list) else 0

    def unreadable_summary(self) -> UnreadableSummary:
        """What every report shows of a file that is not a contract pv could read."""
        return {"path": self.path, "stem": self.stem, "falsifiers_declared": self.declared_falsifiers,
                "errors": [f"{d.line}:{d.col}: {d.code} {d.message}" for d in self.errors]}
