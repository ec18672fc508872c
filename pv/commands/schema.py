"""`pv schema`: print the JSON Schema of the contract format, for editors."""

from __future__ import annotations

import argparse
import json

from pv.contracts.schema import json_schema

EXAMPLE = """example:
  pv schema > contract.schema.json
  # then, first line of a contract:  # yaml-language-server: $schema=contract.schema.json
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("schema", help="print the contract JSON Schema", description=__doc__,
                            epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return 0
