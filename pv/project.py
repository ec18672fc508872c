"""Where a project's contracts live, and finding the contract that declares a falsifier.

Used by the pytest plugin and by falsifier tests, so it reads YAML with the safe loader
and never imports numpy.
"""

from __future__ import annotations

import errno
import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pv.config import load_config

# Every cache pv keeps lives here, ignored by git; deleting it is always safe.
CACHE_DIR = ".pv-cache"

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


def find_root(start: Path | None = None) -> Path:
    """The project root: the nearest ancestor holding pyproject.toml; else, in a Rust
    workspace, the nearest one whose Cargo.toml declares `[workspace]`; else the start dir."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    for candidate in (here, *here.parents):
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


@cache
def _falsifier_index(dirs: tuple[Path, ...]) -> dict[str, tuple[Path, dict[str, Any], dict[str, Any]]]:
    """FALSIFY id -> (contract path, falsifier entry, whole contract document)."""
    index: dict[str, tuple[Path, dict[str, Any], dict[str, Any]]] = {}
    for directory in dirs:
        paths = sorted(directory.rglob("*.y*ml")) if directory.is_dir() else [directory] if directory.is_file() else []
        for path in paths:
            if not path.is_file():  # a FIFO would block the test run for ever; `pv validate` reports it
                continue
            with path.open("rb") as handle:
                document = yaml.load(handle, Loader=_Loader)  # noqa: S506 - safe loader
            if not isinstance(document, dict):
                continue
            for entry in document.get("falsification_tests") or []:
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    index.setdefault(entry["id"], (path, entry, document))
    return index


def lookup_falsifier(falsifier_id: str, root: Path | None = None) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    index = _falsifier_index(tuple(contract_dirs(root or find_root())))
    try:
        return index[falsifier_id]
    except KeyError:
        raise LookupError(f"{falsifier_id}: no contract under {', '.join(map(str, contract_dirs(root or find_root())))} declares it") from None
