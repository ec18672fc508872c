"""`pv validate`: check contracts against the schema and the format's rules."""

from __future__ import annotations

import argparse
from pathlib import Path

from pv.diagnostics import Severity
from pv.render import FORMATS, exit_code, render
from pv.validate import validate_paths

EXAMPLE = """example:
  pv validate                       # every contract under contracts/
  pv validate contracts/rmsnorm-kernel-v1.yaml --format json
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("validate", help="check contracts against the schema",
                            description=__doc__, epilog=EXAMPLE,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="contract files or directories (default: contracts/)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--strict", action="store_true", help="warnings are findings too (exit 1)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    result = validate_paths(args.paths or [Path("contracts")])
    summary = {
        "files": len(result.files),
        "contracts": len(result.contracts),
        "falsifiers": sum(len(f.contract.falsification_tests) for f in result.contracts if f.contract),
        "errors": result.count(Severity.ERROR),
        "warnings": result.count(Severity.WARNING),
    }
    render(args.format, result.diagnostics, summary)
    return exit_code(result.diagnostics, strict=args.strict, io_errors=result.io_errors)
