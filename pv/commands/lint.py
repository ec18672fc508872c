"""`pv lint`: check that falsifiers and tests are bound to each other, both ways."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from pv.diagnostics.diagnostic import Diagnostic, Severity
from pv.binding.fix import fix_file
from pv.diagnostics.escape import terminal
from pv.contracts.incremental import contract_index, split_changed
from pv.binding.lint import affected_contracts, lint
from pv.config import Config, load_config, without_ignored
from pv.project import find_root
from pv.binding.registries import Registries, open_registries
from pv.binding.registry import RegistryError
from pv.diagnostics.render import FORMATS, exit_code, render
from pv.diagnostics.rules import rule
from pv.binding.resolve import Binding
from pv.contracts.crossfile import ContractSummary
from pv.contracts.validate import ValidationResult
from pv.evidence.plan import load_contracts, references

EXAMPLE = """example:
  pv lint --strict-test-binding                 # the commit-time gate
  pv lint --strict-test-binding --fix           # rewrite references that have one certain fix
  pv lint contracts/kd-loss-v1.yaml --format json
  pv lint --strict-test-binding --changed contracts/x.yaml falsifiers/test_x.py   # the pre-commit hook
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("lint", help="check falsifier <-> test bindings", description=__doc__,
                            epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="contract files or directories (default: [tool.pv] contracts)")
    parser.add_argument("--strict-test-binding", action="store_true",
                        help="an unresolved test reference is an error (PV-VER-002), and a gate that resolved nothing fails")
    parser.add_argument("--strict", action="store_true", help="warnings are findings too (exit 1)")
    parser.add_argument("--fix", action="store_true", help="rewrite references when exactly one test is marked with the id")
    parser.add_argument("--changed", action="store_true",
                        help="PATHS are changed files (contracts or tests): lint only what they affect (pre-commit)")
    parser.add_argument("--no-cache", action="store_true", help="collect the registry and parse every file afresh, ignoring .pv-cache/")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    config = load_config(root)
    use_cache = not args.no_cache
    # Every contract's ids (for orphan markers) come from the cached index when only some
    # contracts are linted; a run over all of them reads the ids from its own validation.
    index = contract_index(root) if args.changed or args.paths else []
    guard = True
    try:
        if args.changed:
            contracts, tests = split_changed(args.paths, root)
            registries = open_registries(root, config.tests, use_cache=use_cache)
            targets = affected_contracts(contracts, tests, index, registries.pytest)
            guard = bool(targets)  # a change that touches no contract and no bound test has nothing to prove
            validation = load_contracts(targets, root, use_cache=use_cache) if targets else ValidationResult([], [])
        else:
            validation = load_contracts(args.paths or None, root, use_cache=use_cache)
            registries = open_registries(root, config.tests, use_cache=use_cache, references=references(validation))
    except RegistryError as failed:  # rendered as a finding, so SARIF and GitHub consumers see it too
        render(args.format, [rule("PV-VER-011").at(str(root), (0, 0), str(failed))], {"errors": 1})
        return 2
    if args.fix:
        result = lint(validation.files, registries, strict=True, known_ids=set(), vacuity_guard=False)
        for f in validation.contracts:
            assert f.contract is not None
            positions = [f.doc.position(("falsification_tests", i, "test")) for i in range(len(f.contract.falsification_tests))]
            for outcome in fix_file(Path(f.path), f.path, [t.id for t in f.contract.falsification_tests],
                                    result.bindings[f.path], registries.fix, positions, read_text=f.doc.text or None):
                verb = "fixed" if outcome.fixed else "not fixed"
                print(terminal(f"{outcome.path}:{outcome.line}: {verb} {outcome.falsifier_id}: {outcome.detail}"), file=sys.stderr)
        return run(argparse.Namespace(**{**vars(args), "fix": False}))
    strict_binding = args.strict_test_binding or config.strict_test_binding
    return report(validation, registries, config, strict_binding=strict_binding, strict=args.strict,
                  output=args.format, index=index, guard=guard)


def report(validation: ValidationResult, registries: Registries, config: Config, *, strict_binding: bool,
           strict: bool = False, output: str = "text", index: list[ContractSummary] | None = None,
           guard: bool = True, resolved: Mapping[str, list[Binding]] | None = None) -> int:
    """Lint the validated contracts against the registries, render the findings, and the exit code.

    `index` holds every contract's ids when only some are linted (orphan markers are judged
    against all of them); `resolved` are bindings already resolved by the caller.
    """
    # Every file's validation errors, as the Rust lint's first gate: a contract that fails
    # validation is listed with them (whether or not it could be read), never dropped.
    diagnostics: list[Diagnostic] = [d for f in validation.files for d in f.errors]
    diagnostics += [d for d in validation.diagnostics if d.code == "PV-IO-001" and d.line == 0 and d not in diagnostics]
    known = {t.id for f in validation.contracts if f.contract for t in f.contract.falsification_tests}
    known |= {falsifier_id for summary in index or [] for falsifier_id, _ in summary.ids}
    result = lint(validation.files, registries, strict=strict_binding, known_ids=known, vacuity_guard=guard,
                  resolved=resolved)
    diagnostics = sorted(without_ignored(diagnostics + result.diagnostics, config), key=Diagnostic.sort_key)
    unreadable = [f for f in validation.files if f.contract is None]
    summary = {
        "files": len(validation.files),
        "contracts": len(validation.contracts),
        "unreadable": len(unreadable),
        "falsifiers": result.declared,
        "falsifiers_unread": sum(f.declared_falsifiers for f in unreadable),
        "bound": result.resolved,
        "pending": result.pending,
        "tests": registries.tests,
        "errors": sum(d.severity is Severity.ERROR for d in diagnostics),
        "warnings": sum(d.severity is Severity.WARNING for d in diagnostics),
    }
    render(output, diagnostics, summary)
    return exit_code(diagnostics, strict=strict or config.strict, io_errors=validation.io_errors)
