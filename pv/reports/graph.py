"""The `metadata.depends_on` graph of contracts: order, cycles, unknown dependencies.

Edges point from a contract to what it builds on (dependent -> dependency), as in the
Rust pv's `graph.rs`; the order lists dependencies first, so it is an order in which
contracts can be checked or released. A cycle has no such order and is an error
(PV-GRAPH-001); a dependency that names no given contract is the validator's
PV-SCHEMA-010, reused here so both commands say the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pv.diagnostics.diagnostic import Diagnostic
from pv.diagnostics.rules import rule
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


def _find_cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """Every elementary cycle met by a depth-first walk, each once, rotated to start at its least stem."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(edges, white)
    found: dict[tuple[str, ...], list[str]] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        colour[node] = grey
        path.append(node)
        for dep in edges.get(node, []):
            if dep not in colour:
                continue  # unknown dependency: reported separately
            if colour[dep] == grey:
                cycle = path[path.index(dep):]
                start = cycle.index(min(cycle))
                rotated = cycle[start:] + cycle[:start]
                found.setdefault(tuple(rotated), rotated)
            elif colour[dep] == white:
                visit(dep)
        path.pop()
        colour[node] = black

    for node in sorted(edges):
        if colour[node] == white:
            visit(node)
    return list(found.values())


def _order(edges: dict[str, list[str]]) -> list[str]:
    """Kahn's algorithm over known stems, dependencies first, ties broken by name."""
    pending = {stem: {d for d in deps if d in edges} for stem, deps in edges.items()}
    order: list[str] = []
    ready = sorted(s for s, deps in pending.items() if not deps)
    while ready:
        stem = ready.pop(0)
        order.append(stem)
        for other, deps in pending.items():
            if stem in deps:
                deps.discard(stem)
                if not deps:
                    ready.append(other)
        ready.sort()
    return order


def build_graph(files: Sequence[ContractFile]) -> DependencyGraph:
    contracts = [f for f in files if f.contract is not None]
    by_stem: dict[str, ContractFile] = {}
    for f in contracts:
        by_stem.setdefault(f.stem, f)
    edges = {stem: list(f.contract.metadata.depends_on) for stem, f in by_stem.items() if f.contract is not None}
    graph = DependencyGraph(files=by_stem, edges=edges)
    graph.diagnostics.extend(d for d in check_registry(contracts) if d.code == "PV-SCHEMA-010")
    # A file that is not a readable contract is still a node someone meant: its errors are
    # reported here, so it never silently drops out of the graph.
    graph.unreadable = [f for f in files if f.contract is None]
    graph.diagnostics.extend(d for f in graph.unreadable for d in f.errors)
    graph.cycles = _find_cycles(edges)
    for cycle in graph.cycles:
        first = by_stem[cycle[0]]
        target = cycle[1] if len(cycle) > 1 else cycle[0]
        index = edges[cycle[0]].index(target)
        loop = " -> ".join([*cycle, cycle[0]])
        graph.diagnostics.append(rule("PV-GRAPH-001").at(
            first.path, first.doc.position(("metadata", "depends_on", index)), f"depends_on cycle: {loop}"))
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
