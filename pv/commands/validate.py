"""`pv validate`: check contracts against the schema and the format's rules."""

from __future__ import annotations

import argparse
from pathlib import Path

from pv.config import Config, load_config, without_ignored
from pv.diagnostics.diagnostic import Severity
from pv.project import find_root
from pv.diagnostics.render import FORMATS, exit_code, render
from pv.contracts.incremental import validate_changed
from pv.contracts.validate import ValidationResult
from pv.evidence.plan import load_contracts

EXAMPLE = """example:
  pv validate                       # every contract under contracts/
  pv validate contracts/rmsnorm-kernel-v1.yaml --format json
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("validate", help="check contracts against the schema",
                            description=__doc__, epilog=EXAMPLE,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="contract files or directories (default: [tool.pv] contracts)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--strict", action="store_true", help="warnings are findings too (exit 1)")
    parser.add_argument("--no-cache", action="store_true", help="parse every file afresh, ignoring .pv-cache/")
    parser.add_argument("--changed", action="store_true",
                        help="PATHS are changed files: check those contracts, and cross-file rules against all (pre-commit)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    config = load_config(root)
    if args.changed:
        result = validate_changed(args.paths, root)
    else:
        result = load_contracts(args.paths or None, root, use_cache=not args.no_cache)
    return report(result, config, output=args.format, strict=args.strict)


def report(result: ValidationResult, config: Config, *, output: str = "text", strict: bool = False) -> int:
    """Render the findings of a validation; the exit code they call for."""
    diagnostics = without_ignored(result.diagnostics, config)
    summary = {
        "files": len(result.files),
        "contracts": len(result.contracts),
        "falsifiers": sum(len(f.contract.falsification_tests) for f in result.contracts if f.contract),
        "errors": sum(d.severity is Severity.ERROR for d in diagnostics),
        "warnings": sum(d.severity is Severity.WARNING for d in diagnostics),
    }
    render(output, diagnostics, summary)
    return exit_code(diagnostics, strict=strict or config.strict, io_errors=result.io_errors)
