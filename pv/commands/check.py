"""`pv check`: the main job. Validate, strict lint, falsify, mutate, then the scoreboard.

Every step runs even when an earlier one found something, so the scoreboard always
shows the whole picture; the exit code is the worst of the steps.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pv.commands import falsify, lint, mutate, scoreboard, validate
from pv.pytest_plugin import HYPOTHESIS_PROFILES

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
    common = {"paths": args.paths, "format": "text"}
    steps: list[tuple[str, argparse.Namespace, object]] = [
        ("validate", argparse.Namespace(**common, strict=False), validate.run),
        ("lint --strict-test-binding", argparse.Namespace(**common, strict=False, strict_test_binding=True,
                                                          fix=False, no_cache=False), lint.run),
        ("falsify", argparse.Namespace(paths=args.paths, profile=args.profile, seed=args.seed, workers=None), falsify.run),
    ]
    if not args.no_mutate:
        steps.append(("mutate", argparse.Namespace(paths=args.paths, seed=0, catalogue=None, jobs=None), mutate.run))
    steps.append(("scoreboard", argparse.Namespace(paths=args.paths, out=None), scoreboard.run))
    worst = 0
    outcomes = []
    for name, step_args, step in steps:
        print(f"== pv {name}", flush=True)
        sys.stdout.flush()
        code = step(step_args)  # type: ignore[operator]
        outcomes.append(f"{name}: {'ok' if code == 0 else f'exit {code}'}")
        worst = max(worst, code)
    print("== " + "; ".join(outcomes))
    return worst
