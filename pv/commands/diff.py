"""`pv diff`: what changed between two versions of a contract, and the version bump it needs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pv.diagnostics.escape import json_text, terminal
from pv.reports.diff import diff_as_dict, diff_contracts, render_diff_text
from pv.diagnostics.diagnostic import Severity
from pv.contracts.validate import check_file

EXAMPLE = """example:
  git show HEAD~1:contracts/rmsnorm-kernel-v1.yaml > /tmp/old.yaml
  pv diff /tmp/old.yaml contracts/rmsnorm-kernel-v1.yaml
exit 1 when NEW's metadata.version does not carry the bump the changes need
(MAJOR: removed or changed claim; MINOR: added; PATCH: text only).
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("diff", help="changes between two versions of a contract and the semver bump they need",
                            description=__doc__, epilog=EXAMPLE,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=Path, help="the earlier version of the contract")
    parser.add_argument("new", type=Path, help="the later version of the contract")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    files = [check_file(args.old), check_file(args.new)]
    unreadable = [f for f in files if f.contract is None]
    for f in unreadable:
        for d in f.diagnostics:
            if d.severity is Severity.ERROR:
                print(terminal(f"{d.path}:{d.line}:{d.col}: {d.code} {d.message}"), file=sys.stderr)
        print(terminal(f"pv diff: {f.path} is not a readable contract (run `pv validate {f.path}`)"), file=sys.stderr)
    if unreadable:
        return 2
    diff = diff_contracts(files[0], files[1])
    if args.format == "json":
        print(json_text(json.dumps(diff_as_dict(diff), indent=2, ensure_ascii=False, default=str)))
    else:
        sys.stdout.write(terminal(render_diff_text(diff)))
    return 0 if diff.sufficient else 1
