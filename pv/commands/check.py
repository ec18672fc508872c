"""`pv check`: the main job. Validate, strict lint, falsify, mutate, then the scoreboard.

Every step runs even when an earlier one found something, so the scoreboard always
shows the whole picture; the exit code is the worst of the steps.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from types import ModuleType

from pv.commands import falsify, lint, mutate, scoreboard, validate
from pv.profiles import HYPOTHESIS_PROFILES

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


def _step(command: ModuleType, argv: list[str]) -> argparse.Namespace:
    """Arguments for one step, parsed by that command's own parser so every default is its own."""
    parser = argparse.ArgumentParser(prog="pv")
    command.add_parser(parser.add_subparsers())
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    paths = [str(p) for p in args.paths]
    seed = [] if args.seed is None else ["--seed", str(args.seed)]
    steps = [
        ("validate", _step(validate, ["validate", "--", *paths])),
        ("lint --strict-test-binding", _step(lint, ["lint", "--strict-test-binding", "--", *paths])),
        ("falsify", _step(falsify, ["falsify", "--profile", args.profile, *seed, "--", *paths])),
    ]
    if not args.no_mutate:
        steps.append(("mutate", _step(mutate, ["mutate", "--", *paths])))
    steps.append(("scoreboard", _step(scoreboard, ["scoreboard", "--", *paths])))
    worst = 0
    outcomes = []
    for name, step_args in steps:
        print(f"== pv {name}", flush=True)
        code = int(step_args.run(step_args))
        outcomes.append(f"{name}: {'ok' if code == 0 else f'exit {code}'}")
        worst = max(worst, code)
    print("== " + "; ".join(outcomes))
    return worst
