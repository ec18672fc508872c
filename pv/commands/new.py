"""`pv new`: scaffold a contract and its failing falsifier tests, already bound to each other."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pv.project import contract_dirs, find_root
from pv.contracts.scaffold import plan_scaffold, write_scaffold
from pv.evidence.plan import load_contracts

EXAMPLE = """example:
  pv new softmax-kernel-v1 --prefix SM
      writes contracts/softmax-kernel-v1.yaml (PROPOSED, `pv validate --strict` clean) and
      falsifiers/test_softmax_kernel_v1.py whose tests fail "FALSIFY-SM-001 not implemented"
      until written; `pv lint --strict-test-binding` passes at once.
Existing files are never overwritten (exit 2).
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("new", help="scaffold a contract and its failing, bound falsifier tests",
                            description=__doc__, epilog=EXAMPLE,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", help="contract name (the file stem), e.g. softmax-kernel-v1")
    parser.add_argument("--prefix", default=None, help="falsifier id prefix, FALSIFY-<PREFIX>-001 (default: from NAME)")
    parser.add_argument("--dir", type=Path, default=Path("contracts"), help="where the contract goes (default: contracts)")
    parser.add_argument("--tests", type=Path, default=Path("falsifiers"), help="where the test file goes (default: falsifiers)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    existing = load_contracts(None, root).contracts
    taken = {t.id for f in existing if f.contract for t in f.contract.falsification_tests}
    scaffold = plan_scaffold(args.name, args.prefix, args.dir, args.tests, root, taken)
    written = write_scaffold(scaffold)
    for path in written:
        print(f"wrote {path}")
    configured = [d.resolve() for d in contract_dirs(root)]
    target = scaffold.contract_path.resolve()
    if not any(target == d or d in target.parents for d in configured):
        print(f"pv new: note: {args.dir} is not among [tool.pv] contracts; the tests look their falsifiers "
              f"up there, so add it to [tool.pv] contracts in pyproject.toml", file=sys.stderr)
    print(f"next: write the tests in {scaffold.test_path} (each fails until implemented), "
          f"then `pv lint --strict-test-binding` and `pv falsify`")
    return 0
