"""The `metadata.depends_on` graph of contracts: order, cycles, unknown dependencies.

Edges point from a contract to what it builds on (dependent -> dependency), as in the
Rust pv's `graph.rs`; the order lists dependencies first, so it is an order in which
contracts can be checked or released. A cycle has no such order and is an error
(PV-GRAPH-001, which `pv validate` reports too); a dependency that names no given contract is the validator's
PV-SCHEMA-010, reused here so both commands say the same thing.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pv.diagnostics.diagnostic import Diagnostic
from pv.contracts.cycles import find_cycles
from pv.contracts.model import ContractFile
from pv.contracts.validate import check_registry


@dataclass
class DependencyGraph:
    files: dict[str, ContractFile]  # stem -> contract file
    edges: dict[str, list[str]]     # stem -> the stems it depends on, as declared
    cycles: list[list[str]] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # dependencies first; empty when there is a cycle
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unreadable: list[ContractFile] = field(default_factory=list)  # given, but not readable contracts

    @property
    def unknown(self) -> list[str]:
        return sorted({dep for deps in self.edges.values() for dep in deps if dep not in self.files})

    def dependents(self, stem: str) -> list[str]:
        return sorted(s for s, deps in self.edges.items() if stem in deps)


def _order(edges: dict[str, list[str]]) -> list[str]:
    """Kahn's algorithm over known stems, dependencies first, ties broken by name."""
    pending = {stem: {d for d in deps if d in edges} for stem, deps in edges.items()}
    dependents: dict[str, list[str]] = {}
    for stem, deps in pending.items():
        for dep in deps:
            dependents.setdefault(dep, []).append(stem)
    order: list[str] = []
    ready = [s for s, deps in pending.items() if not deps]
    heapq.heapify(ready)
    while ready:
        stem = heapq.heappop(ready)
        order.append(stem)
        for other in dependents.get(stem, []):
            pending[other].discard(stem)
            if not pending[other]:
                heapq.heappush(ready, other)
    return order


def build_graph(files: Sequence[ContractFile]) -> DependencyGraph:
    contracts = [f for f in files if f.contract is not None]
    by_stem: dict[str, ContractFile] = {}
    for f in contracts:
        by_stem.setdefault(f.stem, f)
    edges = {stem: list(f.contract.metadata.depends_on) for stem, f in by_stem.items() if f.contract is not None}
    graph = DependencyGraph(files=by_stem, edges=edges)
    # the validator's own findings, so both commands say the same thing
    graph.diagnostics.extend(d for d in check_registry(contracts) if d.code in ("PV-SCHEMA-010", "PV-GRAPH-001"))
    # A file that is not a readable contract is still a node someone meant: its errors are
    # reported here, so it never silently drops out of the graph.
    graph.unreadable = [f for f in files if f.contract is None]
    graph.diagnostics.extend(d for f in graph.unreadable for d in f.errors)
    graph.cycles = find_cycles(edges)
    graph.order = [] if graph.cycles else _order(edges)
    graph.diagnostics.sort(key=Diagnostic.sort_key)
    return graph


def graph_as_dict(graph: DependencyGraph) -> dict[str, Any]:
    return {
        "nodes": [
            {"stem": stem, "path": f.path, "depends_on": graph.edges[stem], "dependents": graph.dependents(stem)}
            for stem, f in sorted(graph.files.items())],
        "edges": [{"from": stem, "to": dep, "known": dep in graph.files}
                  for stem in sorted(graph.edges) for dep in graph.edges[stem]],
        "unknown": graph.unknown,
        "unreadable": [f.path for f in graph.unreadable],
        "cycles": graph.cycles,
        "order": graph.order,
        "diagnostics": [d.as_dict() for d in graph.diagnostics],
    }


def render_json(graph: DependencyGraph) -> str:
    return json.dumps(graph_as_dict(graph), indent=2, ensure_ascii=False) + "\n"


def render_text(graph: DependencyGraph) -> str:
    lines = []
    for stem in graph.order or sorted(graph.edges):
        deps = [d if d in graph.files else f"{d} (unknown)" for d in graph.edges[stem]]
        lines.append(f"{stem}" + (f" -> {', '.join(deps)}" if deps else ""))
    lines.append("")
    for cycle in graph.cycles:
        lines.append(f"cycle: {' -> '.join([*cycle, cycle[0]])}")
    edges = sum(len(d) for d in graph.edges.values())
    lines.append(f"{len(graph.files) + len(graph.unreadable)} files, {len(graph.files)} contracts, {len(graph.unreadable)} unreadable, {edges} dependencies, {len(graph.unknown)} unknown, "
                 f"{len(graph.cycles)} cycles")
    return "\n".join(lines) + "\n"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(graph: DependencyGraph) -> str:
    """Graphviz DOT: `pv graph --format dot | dot -Tsvg > graph.svg`."""
    in_cycle = {(c[i], c[(i + 1) % len(c)]) for c in graph.cycles for i in range(len(c))}
    lines = ["digraph contracts {", "  rankdir=LR;", "  node [shape=box];"]
    for stem in sorted(graph.files):
        lines.append(f"  {_dot_id(stem)};")
    for stem in graph.unknown:
        lines.append(f"  {_dot_id(stem)} [style=dashed, color=red, label={_dot_id(stem + ' (unknown)')}];")
    for stem in sorted(graph.edges):
        for dep in graph.edges[stem]:
            style = " [color=red]" if (stem, dep) in in_cycle else ""
            lines.append(f"  {_dot_id(stem)} -> {_dot_id(dep)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_mermaid(graph: DependencyGraph) -> str:
    """Mermaid flowchart (renders in GitHub Markdown inside a ```mermaid block)."""
    stems = sorted(graph.files) + graph.unknown
    ids = {stem: f"n{i}" for i, stem in enumerate(stems)}
    lines = ["graph LR"]
    for stem in stems:
        label = stem.replace('"', "#quot;") + ("" if stem in graph.files else " (unknown)")
        lines.append(f'  {ids[stem]}["{label}"]')
    for stem in sorted(graph.edges):
        for dep in graph.edges[stem]:
            lines.append(f"  {ids[stem]} --> {ids[dep]}")
    if graph.unknown:
        lines.append("  classDef unknown stroke:#c00,stroke-dasharray:5 5")
        lines.append(f"  class {','.join(ids[s] for s in graph.unknown)} unknown")
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "dot": render_dot, "mermaid": render_mermaid, "json": render_json}
