"""The pre-commit path: check only what changed, plus what depends on it.

A commit usually touches one contract or one test file. The cross-file facts of every
other contract (ids, dependencies, test files it binds to) come from a cache in
`.pv-cache/contracts.json`, keyed on each file's content hash, so only changed files
are parsed. tests/contracts/test_incremental.py proves the findings equal a full run's.
The index is an input like any cache: checksummed (pv/contracts/cache_file.py) and validated
entry by entry; a wrong-shape index or entry is dropped and the file parsed again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pv.contracts.cache_file import read_checked, write_checked
from pv.contracts.crossfile import ContractSummary, registry_findings, summarize
from pv.diagnostics.diagnostic import Diagnostic
from pv.contracts.loader import read_bounded
from pv.project import contract_dirs
from pv.project import CACHE_DIR
from pv.contracts.validate import ValidationResult, check_file, discover

INDEX_FILE = "contracts.json"
INDEX_KIND = "pv contract index 1"


def _digest(path: Path) -> str:
    return hashlib.blake2b(read_bounded(path), digest_size=20).hexdigest()  # a FIFO would block read_bytes


class _Summary(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    path: str
    stem: str
    ids: list[tuple[str, tuple[int, int]]]
    depends_on: list[tuple[str, tuple[int, int]]]
    test_files: list[str]


class _Entry(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    hash: str
    summary: _Summary | None


def _read_index(path: Path) -> dict[str, dict[str, object]]:
    """The cached entries that have the right shape; anything else is parsed again."""
    payload = read_checked(path, INDEX_KIND)
    try:
        document = json.loads(payload) if payload is not None else {}
    except ValueError:
        return {}
    if not isinstance(document, dict):
        return {}
    entries: dict[str, dict[str, object]] = {}
    for key, entry in document.items():
        try:
            _Entry.model_validate_json(json.dumps(entry))
        except ValueError:
            continue
        entries[key] = entry
    return entries


def contract_index(root: Path) -> list[ContractSummary]:
    """Summaries of every project contract, in discovery order, parsing only changed files."""
    cache_path = root / CACHE_DIR / INDEX_FILE
    cached = _read_index(cache_path)
    found, _ = discover(d for d in contract_dirs(root) if d.exists())
    summaries: list[ContractSummary] = []
    fresh: dict[str, dict[str, object]] = {}
    for path in found:
        key = project_key(path, root)
        try:
            digest = _digest(path)
        except OSError:
            continue  # a symlink loop, a vanished file: the per-file run reports it
        entry = cached.get(key)
        if entry is None or entry.get("hash") != digest:
            summary = summarize(check_file(path))
            entry = {"hash": digest, "summary": replace(summary, path=key).as_json() if summary else None}
        fresh[key] = entry
        if entry["summary"] is not None:
            summary = ContractSummary.from_json(entry["summary"])  # type: ignore[arg-type]
            summaries.append(_displayed(summary, root))
    if fresh != cached:
        try:
            write_checked(cache_path, INDEX_KIND, json.dumps(fresh, ensure_ascii=False, separators=(",", ":")))
        except OSError:
            pass
    return summaries


def project_key(path: Path, root: Path) -> str:
    """The path as the index stores it: relative to the root (resolved, so a contract and
    a link to it are one entry), absolute when it lies outside the root (a contract
    symlinked from elsewhere). Never raises: a symlink loop stays as given."""
    real, base = os.path.realpath(path), os.path.realpath(root)
    if real == base or real.startswith(os.path.join(base, "")):
        return Path(os.path.relpath(real, base)).as_posix()
    return Path(real).as_posix()


def _displayed(summary: ContractSummary, root: Path) -> ContractSummary:
    """The summary with its path as a user in the working directory would type it."""
    return replace(summary, path=os.path.relpath(root / summary.path))


def split_changed(paths: list[Path], root: Path) -> tuple[list[Path], set[str]]:
    """Changed files -> (changed contract files, changed test files as root-relative posix paths)."""
    dirs = [os.path.realpath(d) for d in contract_dirs(root)]
    contracts, tests = [], set()
    for path in paths:
        given = os.path.abspath(path)  # as given: a contract linked into contracts/ is a contract
        real = os.path.realpath(path)
        inside = any(p == d or p.startswith(os.path.join(d, "")) for d in dirs for p in (given, real))
        if path.suffix in (".yaml", ".yml") and inside:
            contracts.append(path)
        elif path.suffix == ".py":
            key = project_key(path, root)
            if not os.path.isabs(key):
                tests.add(key)
    return contracts, tests


def validate_changed(paths: list[Path], root: Path) -> ValidationResult:
    """Per-file rules on the changed contracts; cross-file rules on every contract (from the index)."""
    contracts, _ = split_changed(paths, root)
    files = [check_file(path) for path in contracts]
    diagnostics: list[Diagnostic] = [d for f in files for d in f.diagnostics]
    diagnostics.extend(registry_findings(contract_index(root)))
    diagnostics.sort(key=Diagnostic.sort_key)
    io_errors = sum(1 for d in diagnostics if d.code == "PV-IO-001")
    return ValidationResult(files=files, diagnostics=diagnostics, io_errors=io_errors)
