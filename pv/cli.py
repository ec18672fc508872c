"""`pv` entry point: parse arguments and dispatch. The commands hold no logic of their own."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pv import DISTRIBUTION, __version__
from pv.errors import PvError
from pv.project import io_problem
from pv.commands import audit, check, coverage, diff, equations, explain, falsify, graph, lint, mutate, new, schema, scoreboard, status, validate

COMMANDS = (check, validate, lint, falsify, mutate, scoreboard, status, audit, coverage, diff, graph, equations, new, schema, explain)

EXAMPLE = """examples:
  pv check                          the main job: validate, lint, falsify, mutate, scoreboard
  pv validate contracts/            check contracts against the schema
  pv lint --strict-test-binding     every falsifier bound to a real, collected test
  pv falsify                        run the falsifiers, write evidence
  pv mutate                         run the falsifiers against injected bugs (kill matrix)
  pv scoreboard                     reports/scoreboard.html from the evidence
  pv status                         derived vs declared status of each contract and falsifier
  pv audit                          obligation -> falsifier -> test traceability findings
  pv coverage --format json         obligations covered and falsifiers bound, overall
  pv diff old.yaml new.yaml         what changed and the semver bump it needs
  pv graph --format dot             the depends_on graph; a cycle is an error
  pv equations --format latex       each contract's equations as LaTeX
  pv new softmax-kernel-v1          scaffold a contract and its failing, bound falsifier tests
  pv schema > contract.schema.json  JSON Schema for editors
  pv explain PV-SCHEMA-006          what a diagnostic code means and how to fix it
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pv", description="Contract-driven verification of numerical kernels.",
        epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"pv {__version__} ({DISTRIBUTION})")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args))
    except PvError as bad:  # the one boundary: library errors become one line and exit 2
        print(f"pv {args.command}: {bad}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `pv ... | head` is a normal way to read output
        return 0
    except OSError as failed:  # a full disk, a file where a directory should be: the machine, not pv
        print(f"pv {args.command}: {io_problem(failed)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pv: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
