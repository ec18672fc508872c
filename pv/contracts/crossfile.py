"""Rules across contracts (unique falsifier ids, existing dependencies) on small summaries.

A summary keeps only what those rules need, with positions, so an incremental run can
check a changed file against every other contract from a cache instead of re-parsing
them all; the full run and the incremental run apply the same function.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from pathlib import Path

from pv.diagnostics.diagnostic import Diagnostic
from pv.contracts.cycles import find_cycles
from pv.contracts.loader import EXCERPT_CHARS, excerpt
from pv.diagnostics.rules import rule
from pv.contracts.model import ContractFile

Position = tuple[int, int]
YamlPath = tuple[str | int, ...]


@dataclass(frozen=True)
class ContractSummary:
    """Positions are None in a summary of a file parsed in this run: `locate` finds one
    when a finding needs it, since computing every position costs a second parse."""

    path: str
    stem: str
    ids: tuple[tuple[str, Position | None], ...]
    depends_on: tuple[tuple[str, Position | None], ...]
    test_files: tuple[str, ...]  # files named by `test:` node ids
    locate: Callable[[YamlPath], Position] | None = field(default=None, compare=False, repr=False)

    def position(self, known: Position | None, where: YamlPath) -> Position:
        if known is not None:
            return known
        return self.locate(where) if self.locate is not None else (1, 1)

    def as_json(self) -> dict[str, object]:
        return {"path": self.path, "stem": self.stem, "ids": [[i, list(p or ())] for i, p in self.ids],
                "depends_on": [[s, list(p or ())] for s, p in self.depends_on], "test_files": list(self.test_files)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ContractSummary:
        return cls(str(data["path"]), str(data["stem"]),
                   tuple((str(i), (int(p[0]), int(p[1]))) for i, p in data["ids"]),
                   tuple((str(s), (int(p[0]), int(p[1]))) for s, p in data["depends_on"]),
                   tuple(str(t) for t in data["test_files"]))


def summarize(f: ContractFile, *, positions: bool = True) -> ContractSummary | None:
    """The cross-file facts of a parsed contract; None when it did not parse. With
    `positions` (for the cache, which outlives the parse) every position is computed now;
    without, they are located on demand."""
    if f.contract is None:
        return None
    at: Callable[[YamlPath], Position | None] = f.doc.position if positions else (lambda where: None)
    tests = f.contract.falsification_tests
    return ContractSummary(
        path=f.path, stem=f.stem,
        ids=tuple((t.id, at(("falsification_tests", i, "id"))) for i, t in enumerate(tests)),
        depends_on=tuple((s, at(("metadata", "depends_on", i))) for i, s in enumerate(f.contract.metadata.depends_on)),
        test_files=tuple(sorted({t.test.split("::", 1)[0] for t in tests if t.test and "::" in t.test})),
        locate=f.doc.position,
    )


def registry_findings(summaries: Iterable[ContractSummary]) -> Iterator[Diagnostic]:
    """PV-SCHEMA-009 (an id declared by two contracts), PV-SCHEMA-010 (unknown dependency)
    and PV-GRAPH-001 (a depends_on cycle, a contract depending on itself included)."""
    summaries = list(summaries)
    stems = {s.stem for s in summaries}
    owner: dict[str, tuple[ContractSummary, int]] = {}
    for s in summaries:
        for i, (falsifier_id, position) in enumerate(s.ids):
            first = owner.get(falsifier_id)
            if first is None:
                owner[falsifier_id] = (s, i)
            elif first[0] is not s:
                other, j = first
                line = other.position(other.ids[j][1], ("falsification_tests", j, "id"))[0]
                yield rule("PV-SCHEMA-009").at(s.path, s.position(position, ("falsification_tests", i, "id")),
                                               f"{excerpt(falsifier_id)} is also declared in {other.path}:{line}")
        for i, (stem, position) in enumerate(s.depends_on):
            if stem not in stems and not _beside(s.path, stem):
                close = difflib.get_close_matches(stem, sorted(stems), n=1) if len(stem) <= EXCERPT_CHARS else []
                hint = f"; did you mean '{close[0]}'?" if close else ""
                yield rule("PV-SCHEMA-010").at(s.path, s.position(position, ("metadata", "depends_on", i)),
                                               f"depends_on names '{excerpt(stem)}', which is neither among the contracts "
                                               f"given nor beside this one{hint}")
    yield from _cycle_findings(summaries)



def _beside(path: str, stem: str) -> bool:
    """A dependency not among the files given still exists when its file sits in the citing
    contract's directory: `pv validate contracts/x.yaml` alone reads x's dependencies there."""
    if not stem or "/" in stem or "\\" in stem or stem in (".", ".."):
        return False
    directory = Path(path).parent
    try:
        return any((directory / f"{stem}{suffix}").is_file() for suffix in (".yaml", ".yml"))
    except (OSError, ValueError):
        return False


def _cycle_findings(summaries: list[ContractSummary]) -> Iterator[Diagnostic]:
    by_stem: dict[str, ContractSummary] = {}
    for s in summaries:
        by_stem.setdefault(s.stem, s)
    edges = {stem: [dep for dep, _ in s.depends_on] for stem, s in by_stem.items()}
    for cycle in find_cycles(edges):
        first = by_stem[cycle[0]]
        target = cycle[1] if len(cycle) > 1 else cycle[0]
        index = edges[cycle[0]].index(target)
        loop = " -> ".join(excerpt(stem) for stem in [*cycle, cycle[0]]) if len(cycle) <= 20 else \
            " -> ".join(excerpt(stem) for stem in [*cycle[:3], "...", cycle[-1], cycle[0]]) + f" ({len(cycle)} contracts)"
        yield rule("PV-GRAPH-001").at(first.path, first.position(first.depends_on[index][1], ("metadata", "depends_on", index)),
                                      f"depends_on cycle: {loop}")
