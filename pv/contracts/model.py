"""The contract as pv holds it after reading: the one type every later stage receives."""

from __future__ import annotations

from dataclasses import dataclass, field

from pv.contracts.loader import Document
from pv.contracts.schema import Contract
from pv.diagnostics.diagnostic import Diagnostic


@dataclass
class ContractFile:
    """A contract file as read: its document, the model when it parsed, and findings."""

    path: str
    stem: str
    doc: Document
    contract: Contract | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
