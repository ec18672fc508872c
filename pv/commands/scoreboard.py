"""`pv scoreboard`: render reports/scoreboard.{html,json,md} from contracts and evidence."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pv.diagnostics.escape import terminal
from pv.evidence.plan import Plan, load_plan
from pv.binding.status import unsupported_claim
from pv.project import io_problem
from pv.reports.model import ScoreboardModel, StatusReport
from pv.reports.scoreboard import build_model, totals_line, write_scoreboard

EXAMPLE = """example:
  pv scoreboard                       # after pv falsify and pv mutate
  pv scoreboard --out site/           # somewhere else
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("scoreboard", help="render the falsifier scoreboard", description=__doc__,
                            epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="contract files or directories (default: contracts/)")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: [tool.pv] reports)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return execute(load_plan(args.paths or None), out=args.out)


def execute(plan: Plan, *, out: Path | None = None) -> int:
    model = build_model(plan)
    out = out or plan.root / plan.config.reports
    try:
        written = write_scoreboard(model, out)
    except OSError as failed:  # a full disk, `reports` a file: the old reports stay as they were
        print(f"pv scoreboard: cannot write the scoreboard: {io_problem(failed)}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    for u in model["unreadable"]:
        print(terminal(f"{u['path']}: UNREADABLE, {u['falsifiers_declared']} falsifiers not counted: {'; '.join(u['errors'])}"))
    print(totals_line(model))
    overclaims = [(c["stem"], claim) for c in model["contracts"] if (claim := unsupported_claim(c["declared"], c["derived"]))]
    for stem, claim in overclaims:  # a declared status the evidence does not support fails, as in pv status
        print(terminal(f"pv scoreboard: {stem} {claim}"), file=sys.stderr)
    if model["lint"]["errors"]:  # shown, as in the reports; `pv lint` is the step that fails on them
        print(f"pv scoreboard: strict lint reports {model['lint']['errors']} error(s); run pv lint --strict-test-binding",
              file=sys.stderr)
    rejected = report_rejected("pv scoreboard", model)
    return max(rejected, 1 if overclaims or model["unreadable"] else 0)


def report_rejected(prog: str, model: ScoreboardModel | StatusReport) -> int:
    """Evidence files that failed validation, each with its path; exit 1 when there are any."""
    for rejected in model["evidence"]["rejected"]:
        print(f"{prog}: {rejected['file']}: {rejected['reason']} (ignored)", file=sys.stderr)
    return 1 if model["evidence"]["rejected"] else 0
