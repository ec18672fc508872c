"""`pv coverage`: obligations covered by falsifiers and falsifiers bound to tests, across contracts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pv.diagnostics.escape import json_text, terminal
from pv.reports.coverage import coverage_report, render_coverage_text
from pv.evidence.plan import load_plan
from pv.reports.traceability import trace_plan

EXAMPLE = """example:
  pv coverage                       # every contract under contracts/
  pv coverage ../corpus/contracts --format json
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("coverage", help="obligations covered and falsifiers bound, per contract and overall",
                            description=__doc__, epilog=EXAMPLE,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="contract files or directories (default: [tool.pv] contracts)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    plan = load_plan(args.paths or None)
    report = coverage_report(trace_plan(plan))
    report["denominator"] = plan.denominator()
    report["unreadable"] = [f.unreadable_summary() for f in plan.unreadable]
    if args.format == "json":
        print(json_text(json.dumps(report, indent=2, ensure_ascii=False)))
    else:
        sys.stdout.write(terminal(render_coverage_text(report)))
        for u in report["unreadable"]:
            print(terminal(f"{u['path']}: UNREADABLE ({u['falsifiers_declared']} falsifiers declared, not counted): "
                           + "; ".join(u["errors"])))
        print(report["denominator"])
    return 1 if report["unreadable"] or plan.problems else 0
