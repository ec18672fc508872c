"""`pv status`: each contract's equations, obligations, falsifiers and derived vs declared status."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pv.diagnostics.escape import json_text, terminal
from pv.reports.contract_status import render_status_text, status_report
from pv.evidence.plan import load_plan
from pv.commands.scoreboard import report_rejected

EXAMPLE = """example:
  pv status                         # every contract under contracts/, with the latest evidence
  pv status contracts/rmsnorm-kernel-v1.yaml --format json
exit 1 when a contract declares a status its evidence does not support.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("status", help="derived status of each contract and falsifier",
                            description=__doc__, epilog=EXAMPLE,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="contract files or directories (default: [tool.pv] contracts)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    plan = load_plan(args.paths or None)
    report = status_report(plan)
    if args.format == "json":
        print(json_text(json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False)))
    else:
        sys.stdout.write(terminal(render_status_text(report)))
    rejected = report_rejected("pv status", report)
    return 1 if report["unreadable"] or any(c["overclaim"] for c in report["contracts"]) or rejected else 0
