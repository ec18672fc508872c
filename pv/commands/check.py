"""`pv check`: the main job. Validate, strict lint, falsify, mutate, then the scoreboard.

Every step runs even when an earlier one found something, so the scoreboard always
shows the whole picture; the exit code is the worst of the steps.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from collections.abc import Callable

from pv.commands import falsify, lint, mutate, scoreboard, validate
from pv.binding.registries import open_registries
from pv.config import load_config
from pv.errors import PvError
from pv.contracts.incremental import contract_index
from pv.evidence.plan import load_contracts, make_plan, references
from pv.profiles import HYPOTHESIS_PROFILES
from pv.project import find_root

EXAMPLE = """example:
  pv check                    # the README's main command
  pv check --no-mutate        # quicker: skip the kill matrix
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("check", help="validate, lint, falsify, mutate and render the scoreboard",
                            description=__doc__, epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="contract files or directories (default: contracts/)")
    parser.add_argument("--profile", choices=sorted(HYPOTHESIS_PROFILES), default="ci")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--no-mutate", action="store_true", help="skip the mutation kill matrix")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    config = load_config(root)
    paths = args.paths or None
    outcomes: list[str] = []

    def step(name: str, action: Callable[[], int]) -> int:
        print(f"== pv {name}", flush=True)
        try:
            code = action()
        except PvError as failed:  # the remaining steps still run, so the scoreboard shows the whole picture
            print(f"pv {name.split()[0]}: {failed}", file=sys.stderr)
            code = 2
        outcomes.append(f"{name}: {'ok' if code == 0 else f'exit {code}'}")
        return code

    # One load: every contract parsed once, pytest asked for its tests once, every binding
    # resolved once; each step below receives the same objects.
    validation = load_contracts(paths, root)
    codes = [step("validate", lambda: validate.report(validation, config))]
    plan = make_plan(root, config, validation, open_registries(root, config.tests, references=references(validation)))
    index = contract_index(root) if paths else []
    codes.append(step("lint --strict-test-binding", lambda: lint.report(
        validation, plan.registries, config, strict_binding=True, index=index, resolved=plan.bindings)))
    codes.append(step("falsify", lambda: falsify.execute(plan, profile=args.profile, seed=args.seed, workers=None)))
    if not args.no_mutate:
        codes.append(step("mutate", lambda: mutate.execute(plan)))
    codes.append(step("scoreboard", lambda: scoreboard.execute(plan)))
    print("== " + "; ".join(outcomes))
    return max(codes)
