"""`pv graph`: the metadata.depends_on graph of the contracts; a cycle is an error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pv.diagnostics.escape import json_text, terminal
from pv.diagnostics.diagnostic import Severity
from pv.reports.graph import RENDERERS, build_graph
from pv.project import find_root
from pv.evidence.plan import load_contracts

EXAMPLE = """example:
  pv graph                                   # dependencies first, cycles and unknown names reported
  pv graph --format dot | dot -Tsvg > contracts.svg
  pv graph --format mermaid                  # paste into a ```mermaid block
exit 1 on a depends_on cycle or a dependency that names no given contract.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("graph", help="the depends_on graph of the contracts (text, dot, mermaid, json)",
                            description=__doc__, epilog=EXAMPLE,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="contract files or directories (default: [tool.pv] contracts)")
    parser.add_argument("--format", choices=tuple(RENDERERS), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    result = load_contracts(args.paths or None, find_root())
    graph = build_graph(result.files)
    rendered = RENDERERS[args.format](graph)
    sys.stdout.write(json_text(rendered) if args.format == "json" else terminal(rendered))
    if args.format != "json":
        # DOT and Mermaid output is piped into other tools: findings go to stderr.
        stream = sys.stdout if args.format == "text" else sys.stderr
        for d in graph.diagnostics:
            stream.write(terminal(f"{d.path}:{d.line}:{d.col}: {d.code} {d.message}") + "\n")
    if result.io_errors:
        for d in result.diagnostics:
            if d.code == "PV-IO-001":
                print(terminal(f"{d.path}: {d.message}"), file=sys.stderr)
        return 2
    return 1 if any(d.severity is Severity.ERROR for d in graph.diagnostics) else 0
