"""`pv audit`: the traceability chain of each contract, every broken link a finding."""

from __future__ import annotations

import argparse
from pathlib import Path

from pv.reports.audit import audit
from pv.config import load_config, without_ignored
from pv.diagnostics.diagnostic import Severity
from pv.evidence.plan import load_plan
from pv.diagnostics.render import FORMATS, exit_code, render

EXAMPLE = """example:
  pv audit                          # every contract under contracts/
  pv audit contracts/rmsnorm-kernel-v1.yaml --format json
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("audit", help="trace obligations -> falsifiers -> tests, report broken links",
                            description=__doc__, epilog=EXAMPLE,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="contract files or directories (default: [tool.pv] contracts)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--strict", action="store_true", help="warnings are findings too (exit 1)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    plan = load_plan(args.paths or None)
    config = load_config(plan.root)
    result = audit(plan)
    unread = [d for f in plan.unreadable for d in f.errors] + plan.problems  # listed, never dropped
    diagnostics = without_ignored(unread + result.diagnostics, config)
    summary = {"files": len(plan.contracts) + len(plan.unreadable), "unreadable": len(plan.unreadable),
               "falsifiers_declared": sum(f.declared_falsifiers for f in (*plan.contracts, *plan.unreadable)),
               **result.summary()}
    summary["errors"] = sum(d.severity is Severity.ERROR for d in diagnostics)
    summary["warnings"] = len(diagnostics) - summary["errors"]
    render(args.format, diagnostics, summary)
    return exit_code(diagnostics, strict=args.strict or config.strict)
