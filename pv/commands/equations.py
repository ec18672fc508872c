"""`pv equations`: the equations of each contract, as text or as LaTeX."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pv.diagnostics.escape import json_text, terminal
from pv.reports.equations import equations_of, render_latex, render_text
from pv.project import find_root
from pv.evidence.plan import load_contracts

EXAMPLE = """example:
  pv equations                                  # every contract under contracts/
  pv equations contracts/rmsnorm-kernel-v1.yaml --format latex > rmsnorm.tex
LaTeX output is a fragment for a document with amsmath and amssymb; the conversion of
unicode math (√, Σ, ∈, ℝ, ≤, ², x_i ...) is best-effort but always escaped and balanced.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("equations", help="the equations of each contract as text, LaTeX or JSON",
                            description=__doc__, epilog=EXAMPLE,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="contract files or directories (default: [tool.pv] contracts)")
    parser.add_argument("--format", choices=("text", "latex", "json"), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    result = load_contracts(args.paths or None, find_root())
    views = equations_of(result.files)
    if args.format == "json":
        print(json_text(json.dumps([v.as_dict() for v in views], indent=2, ensure_ascii=False)))
    elif args.format == "latex":
        sys.stdout.write(terminal(render_latex(views)))
    else:
        sys.stdout.write(terminal(render_text(views)))
    skipped = [f.path for f in result.files if f.contract is None]
    if skipped:
        print(f"pv equations: skipped {len(skipped)} file(s) that are not valid contracts "
              f"(run `pv validate` on them): {', '.join(skipped)}", file=sys.stderr)
    return 2 if result.io_errors else 0
