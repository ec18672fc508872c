"""Where a project is, where its contracts live, and where its caches go.

One discovery rule for every command, `pv new` and the tests' own lookup: the project root
is the nearest ancestor (of the working directory for a command, of the test file for a
falsifier test) whose pyproject.toml declares `[tool.pv]`, else the nearest holding a
pyproject.toml. A test run from another directory (`cd /elsewhere && pytest /p/tests`)
therefore finds the same contracts as `pv lint` run in /p.

Used by the pytest plugin and by falsifier tests (pv.testing finds a falsifier's contract
in these directories), so it never imports pydantic or numpy.
"""

from __future__ import annotations

import errno
import os
import tomllib
from pathlib import Path

from pv.config import load_config

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
    if nearest is not None:
        return nearest
    for candidate in (here, *here.parents):  # a Rust workspace without pyproject.toml
        try:
            manifest = (candidate / "Cargo.toml").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if any(line.strip() == "[workspace]" for line in manifest.splitlines()):
            return candidate
    return here


def display_path(path: Path, root: Path) -> str:
    """A path pv wrote, as a message shows it: relative to the root when under it, else
    absolute (`[tool.pv] reports` may name a directory anywhere)."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def io_problem(error: OSError) -> str:
    """An I/O error as one line: what failed and on which file (a full disk, a file where
    a directory should be)."""
    where = f"{error.filename}: " if error.filename else ""
    if error.errno in (errno.EEXIST, errno.ENOTDIR):
        return f"{where}a file is in the way of a directory pv writes to (see [tool.pv] reports)"
    return f"{where}{error.strerror or error}"


def contract_dirs(root: Path) -> list[Path]:
    """The project's contract paths: `PV_CONTRACTS_DIR`, else `[tool.pv] contracts`."""
    override = os.environ.get("PV_CONTRACTS_DIR")
    if override:
        return [Path(override)]
    return [root / d for d in load_config(root).contracts]


def default_contract_paths(root: Path) -> list[Path]:
    """The configured contract paths that exist, relative to the working directory for display."""
    return [Path(os.path.relpath(d)) for d in contract_dirs(root) if d.exists()]
