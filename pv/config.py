"""`[tool.pv]` in pyproject.toml: where things are and how strict to be.

    [tool.pv]
    contracts = ["contracts"]        # contract files or directories
    tests = []                       # pytest arguments for the registry (default: pytest's testpaths)
    strict = false                   # warnings are findings (validate, lint)
    strict_test_binding = false      # lint: unresolved references are errors
    ignore = []                      # diagnostic codes to drop, e.g. ["PV-SCHEMA-005"]
    reports = "reports"              # scoreboards and evidence/
    history = 20                     # evidence files kept per kind (falsify, mutate); 0 keeps all
    falsifiers = "tests"             # where `pv new` writes falsifier tests (default: pytest's first
                                     # testpath, else "falsifiers")
    mutants = "tests.mutants"        # module holding the MUTANTS catalogue (default: <falsifiers>.mutants)

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
    history: int = 20
    falsifiers: str = "falsifiers"
    mutants: str = "falsifiers.mutants"
    # pytest's own `pythonpath` ([tool.pytest.ini_options]): where the tests import kernels from
    import_paths: tuple[str, ...] = ()


_TYPES: dict[str, type] = {"contracts": list, "tests": list, "strict": bool, "strict_test_binding": bool,
                           "ignore": list, "reports": str, "history": int, "falsifiers": str, "mutants": str}


def _pytest_paths(document: dict[str, Any], key: str) -> list[Any]:
    """A path-list option of [tool.pytest.ini_options] (`testpaths`, `pythonpath`): a list, or one
    string of paths, as pytest reads either."""
    options = document.get("tool", {}).get("pytest", {}).get("ini_options", {})
    paths = options.get(key) if isinstance(options, dict) else None
    if isinstance(paths, str):
        paths = paths.split()
    return paths if isinstance(paths, list) else []


def _first_testpath(document: dict[str, Any]) -> str | None:
    """pytest's first `testpaths` entry, when it names a plain directory."""
    paths = _pytest_paths(document, "testpaths")
    if paths and isinstance(paths[0], str) and not any(c in paths[0] for c in "*?["):
        return paths[0].strip("/") or None
    return None


def _module_of(directory: str) -> str:
    """The dotted module name of a directory relative to the root: tests/unit -> tests.unit."""
    return ".".join(part for part in Path(directory).parts if part not in (".", ""))


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
        wrong_int = expected is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0)
        if wrong_int or not _fits(value, expected):
            kind = "a list of strings" if expected is list else "a whole number >= 0" if expected is int else expected.__name__
            raise ConfigError(f"{path}: [tool.pv] {key} must be {kind}, not {value!r}")
        values[key] = frozenset(value) if key == "ignore" else tuple(value) if expected is list else value
    # One fact, where falsifier tests live, gives both `pv new`'s target and the catalogue's module.
    values.setdefault("falsifiers", _first_testpath(document) or Config.falsifiers)
    values.setdefault("mutants", f"{_module_of(values['falsifiers'])}.mutants")
    return Config(**values, import_paths=tuple(p for p in _pytest_paths(document, "pythonpath") if isinstance(p, str)))


def without_ignored(diagnostics: list[Diagnostic], config: Config) -> list[Diagnostic]:
    return [d for d in diagnostics if d.code not in config.ignore]


def _fits(value: Any, expected: type) -> bool:
    """`value` has the TOML type `expected` (lists: of strings)."""
    if expected is list:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, expected)
