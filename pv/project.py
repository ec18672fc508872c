"""Where a project is, where its contracts live, and the contract that declares a falsifier.

One discovery rule for every command, `pv new` and the tests' own lookup: the project root
is the nearest ancestor (of the working directory for a command, of the test file for a
falsifier test) whose pyproject.toml declares `[tool.pv]`, else the nearest holding a
pyproject.toml. A test run from another directory (`cd /elsewhere && pytest /p/tests`)
therefore finds the same contracts as `pv lint` run in /p.

Used by the pytest plugin and by falsifier tests, so it reads contracts with pv's own
loader (the one `pv validate` uses) and never imports pydantic or numpy.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pv.config import load_config
from pv.contracts.files import discover
from pv.contracts.loader import load
from pv.diagnostics.diagnostic import Severity

# Every cache pv keeps lives here, with its own .gitignore (as pytest's cache does).
CACHE_DIR = ".pv-cache"
_CACHE_GITIGNORE = "# Created by pv: caches only, safe to delete; never commit them.\n*\n"


def cache_file(root: Path, name: str) -> Path:
    """`root/.pv-cache/name`, the directory created with a .gitignore that ignores it all, so a
    `git add -A` in the user's repository never commits a cache. Best effort: a read-only
    checkout still works, and the caller's own write then reports or skips."""
    directory = root / CACHE_DIR
    ignore = directory / ".gitignore"
    if not ignore.exists():
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with ignore.open("x", encoding="utf-8") as out:
                out.write(_CACHE_GITIGNORE)
        except OSError:
            pass  # exists meanwhile, or read-only
    return directory / name


def _declares_pv(pyproject: Path) -> bool:
    """True when the file has a [tool.pv] table, or cannot be read (its error then surfaces)."""
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    tool = document.get("tool")
    return isinstance(tool, dict) and "pv" in tool


def find_root(start: Path | None = None) -> Path:
    """The project root of `start` (default: the working directory); see the module docstring."""
    here = (start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    nearest: Path | None = None
    for candidate in (here, *here.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            if _declares_pv(pyproject):
                return candidate
            nearest = nearest or candidate
    return nearest or here


def contract_dirs(root: Path) -> list[Path]:
    """The project's contract paths: `PV_CONTRACTS_DIR`, else `[tool.pv] contracts`."""
    override = os.environ.get("PV_CONTRACTS_DIR")
    if override:
        return [Path(override)]
    return [root / d for d in load_config(root).contracts]


def default_contract_paths(root: Path) -> list[Path]:
    """The configured contract paths that exist, relative to the working directory for display."""
    return [Path(os.path.relpath(d)) for d in contract_dirs(root) if d.exists()]


@dataclass(frozen=True)
class FalsifierIndex:
    """FALSIFY id -> (contract path, falsifier entry, whole document); and the files that could not be read."""

    entries: dict[str, tuple[Path, dict[str, Any], dict[str, Any]]]
    unreadable: tuple[str, ...]  # "path:line:col: CODE message", as `pv validate` prints it


def _first_error(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The contract's data as `pv validate` reads it, or the first error that stops it being read."""
    doc = load(path)
    errors = [d for d in doc.diagnostics if d.severity is Severity.ERROR]
    if errors:
        first = min(errors, key=lambda d: (d.line, d.col))
        return None, f"{first.path}:{first.line}:{first.col}: {first.code} {first.message}"
    if not isinstance(doc.data, dict):
        return None, f"{path}: the document is not a contract mapping"
    return doc.data, None


@cache
def falsifier_index(dirs: tuple[Path, ...]) -> FalsifierIndex:
    """Every falsifier declared under `dirs`. A file that cannot be read is recorded, not raised:
    one broken contract must not break the falsifier tests of every other contract."""
    entries: dict[str, tuple[Path, dict[str, Any], dict[str, Any]]] = {}
    unreadable: list[str] = []
    found, _ = discover([d for d in dirs if d.exists()])
    for path in found:
        document, problem = _first_error(path)
        if document is None:
            unreadable.append(problem or str(path))
            continue
        for entry in document.get("falsification_tests") or []:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                entries.setdefault(entry["id"], (path, entry, document))
    return FalsifierIndex(entries, tuple(unreadable))


def lookup_falsifier(falsifier_id: str, root: Path | None = None) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """The contract entry of `falsifier_id`; LookupError saying where pv looked and what to do."""
    dirs = tuple(contract_dirs(root or find_root()))
    index = falsifier_index(dirs)
    try:
        return index.entries[falsifier_id]
    except KeyError:
        pass
    where = ", ".join(map(str, dirs))
    message = f"{falsifier_id}: no contract under {where} declares it"
    if index.unreadable:
        shown = "; ".join(index.unreadable[:3]) + (f" (and {len(index.unreadable) - 3} more)" if len(index.unreadable) > 3 else "")
        message += f"; these contract files could not be read, and it may be in one of them: {shown}; run `pv validate`"
    else:
        message += " (is the id spelled as in the contract, and is the contract among [tool.pv] contracts?)"
    raise LookupError(message)
