"""`[tool.pv]` in pyproject.toml: where things are and how strict to be.

    [tool.pv]
    contracts = ["contracts"]        # contract files or directories
    tests = []                       # pytest arguments for the registry (default: pytest's testpaths)
    strict = false                   # warnings are findings (validate, lint)
    strict_test_binding = false      # lint: unresolved references are errors
    ignore = []                      # diagnostic codes to drop, e.g. ["PV-SCHEMA-005"]
    reports = "reports"              # scoreboards and evidence/
    mutants = "falsifiers.mutants"   # module holding the MUTANTS catalogue

Command-line flags override these. An unknown key is an error that names the closest
known one, so a typo cannot silently switch a check off.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

from pv.diagnostics.diagnostic import Diagnostic
from pv.diagnostics.suggest import closest_typo
from pv.errors import PvError


class ConfigError(PvError):
    """pyproject.toml's [tool.pv] cannot be used as written."""


@dataclass(frozen=True)
class Config:
    contracts: tuple[str, ...] = ("contracts",)
    tests: tuple[str, ...] = ()
    strict: bool = False
    strict_test_binding: bool = False
    ignore: frozenset[str] = field(default_factory=frozenset)
    reports: str = "reports"
    mutants: str = "falsifiers.mutants"


_TYPES: dict[str, type] = {"contracts": list, "tests": list, "strict": bool, "strict_test_binding": bool,
                           "ignore": list, "reports": str, "mutants": str}


@cache
def load_config(root: Path) -> Config:
    path = root / "pyproject.toml"
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as bad:
        raise ConfigError(f"{path}: cannot read: {bad}") from None
    table: Any = document.get("tool", {}).get("pv", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.pv] must be a table")
    known = [f.name for f in fields(Config)]
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _TYPES:
            close = closest_typo(key, known)
            hint = f"; did you mean '{close}'?" if close else f" (known: {', '.join(known)})"
            raise ConfigError(f"{path}: [tool.pv] unknown key '{key}'{hint}")
        expected = _TYPES[key]
        if not _fits(value, expected):
            kind = "a list of strings" if expected is list else expected.__name__
            raise ConfigError(f"{path}: [tool.pv] {key} must be {kind}, not {value!r}")
        values[key] = frozenset(value) if key == "ignore" else tuple(value) if expected is list else value
    return Config(**values)


def without_ignored(diagnostics: list[Diagnostic], config: Config) -> list[Diagnostic]:
    return [d for d in diagnostics if d.code not in config.ignore]


def _fits(value: Any, expected: type) -> bool:
    """`value` has the TOML type `expected` (lists: of strings)."""
    if expected is list:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, expected)
