"""`pv new`: scaffold a contract and its failing falsifier tests, already bound to each other."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pv.config import load_config
from pv.project import contract_dirs, find_root
from pv.contracts.scaffold import (ScaffoldError, catalogue_path, catalogue_text, plan_scaffold, write_scaffold,
                                   write_scaffold_file)
from pv.evidence.plan import load_contracts

EXAMPLE = """example:
  pv new softmax-kernel-v1 --prefix SM
      writes contracts/softmax-kernel-v1.yaml (PROPOSED, `pv validate --strict` clean),
      tests/test_softmax_kernel_v1.py (in [tool.pv] falsifiers: pytest's first testpath) whose
      tests fail "FALSIFY-SM-001 not implemented" until written, and the mutant catalogue
      tests/mutants.py when there is none; `pv lint --strict-test-binding` passes at once.
Paths are the project's (the nearest pyproject.toml), wherever pv new runs from; --dir and
--tests given on the command line are relative to the working directory.
Existing files are never overwritten (exit 2).
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("new", help="scaffold a contract and its failing, bound falsifier tests",
                            description=__doc__, epilog=EXAMPLE,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", help="contract name (the file stem), e.g. softmax-kernel-v1")
    parser.add_argument("--prefix", default=None, help="falsifier id prefix, FALSIFY-<PREFIX>-001 (default: from NAME)")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the contract goes (default: the first of [tool.pv] contracts)")
    parser.add_argument("--tests", type=Path, default=None,
                        help="where the test file goes (default: [tool.pv] falsifiers, i.e. pytest's first testpath)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    config = load_config(root)
    existing = load_contracts(None, root).contracts
    taken = {t.id for f in existing if f.contract for t in f.contract.falsification_tests}
    contracts_dir = args.dir if args.dir is not None else root / config.contracts[0]
    tests_dir = args.tests if args.tests is not None else root / config.falsifiers
    catalogue = catalogue_path(root, config.mutants)
    scaffold = plan_scaffold(args.name, args.prefix, contracts_dir, tests_dir, root, taken)
    written = write_scaffold(scaffold)
    if not catalogue.exists():
        try:
            write_scaffold_file(catalogue, catalogue_text(scaffold.name, config.mutants))
            written.append(catalogue)
        except ScaffoldError:
            pass  # appeared meanwhile: the user's catalogue stays as it is
    for path in written:
        print(f"wrote {_shown(path)}")
    configured = [d.resolve() for d in contract_dirs(root)]
    target = scaffold.contract_path.resolve()
    if not any(target == d or d in target.parents for d in configured):
        print(f"pv new: note: {_shown(scaffold.contract_path)} is not among [tool.pv] contracts; the tests look "
              f"their falsifiers up there, so add its directory to [tool.pv] contracts in pyproject.toml", file=sys.stderr)
    print(f"next: write the tests in {_shown(scaffold.test_path)} (each fails until implemented) and a mutant in "
          f"{_shown(catalogue)}, then `pv lint --strict-test-binding` and `pv check`")
    return 0


def _shown(path: Path) -> str:
    return os.path.relpath(path)
