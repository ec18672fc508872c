"""Cycles in the `metadata.depends_on` graph, found without recursion.

A cycle has no order in which its contracts can be checked or released, so `pv validate`
reports it (PV-GRAPH-001) and `pv graph` draws it. The walk keeps its own stack: a
dependency chain thousands of contracts long must not exhaust Python's call stack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def find_cycles(edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Every elementary cycle a depth-first walk meets (each once, rotated to start at its
    least stem), walking stems in sorted order; dependencies outside `edges` are skipped."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(edges, white)
    found: dict[tuple[str, ...], list[str]] = {}
    for start in sorted(edges):
        if colour[start] != white:
            continue
        path: list[str] = [start]
        on_path: dict[str, int] = {start: 0}
        stack: list[tuple[str, int]] = [(start, 0)]  # (stem, index of the next dependency to follow)
        colour[start] = grey
        while stack:
            node, next_dep = stack[-1]
            deps = edges[node]
            if next_dep < len(deps):
                stack[-1] = (node, next_dep + 1)
                dep = deps[next_dep]
                state = colour.get(dep)
                if state == grey:
                    cycle = path[on_path[dep]:]
                    first = cycle.index(min(cycle))
                    rotated = cycle[first:] + cycle[:first]
                    found.setdefault(tuple(rotated), rotated)
                elif state == white:
                    colour[dep] = grey
                    on_path[dep] = len(path)
                    path.append(dep)
                    stack.append((dep, 0))
                continue
            stack.pop()
            path.pop()
            del on_path[node]
            colour[node] = black
    return list(found.values())
