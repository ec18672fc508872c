"""The pre-commit path: check only what changed, plus what depends on it.

A commit usually touches one contract or one test file. The cross-file facts of every
other contract (ids, dependencies, test files it binds to) come from a cache in
`.pv-cache/contracts.json`, keyed on each file's content hash, so only changed files
are parsed. tests/contracts/test_incremental.py proves the findings equal a full run's.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

from pv.atomic import write_json
from pv.contracts.crossfile import ContractSummary, registry_findings, summarize
from pv.diagnostics.diagnostic import Diagnostic
from pv.contracts.loader import read_bounded
from pv.project import contract_dirs
from pv.project import cache_file
from pv.contracts.files import discover
from pv.contracts.validate import ValidationResult, check_file

INDEX_FILE = "contracts.json"


def _digest(path: Path) -> str:
    return hashlib.blake2b(read_bounded(path), digest_size=20).hexdigest()  # a FIFO would block read_bytes


def contract_index(root: Path) -> list[ContractSummary]:
    """Summaries of every project contract, in discovery order, parsing only changed files."""
    cache_path = cache_file(root, INDEX_FILE)
    try:
        cached: dict[str, dict[str, object]] = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = {}
    found, _ = discover(d for d in contract_dirs(root) if d.exists())
    summaries: list[ContractSummary] = []
    fresh: dict[str, dict[str, object]] = {}
    for path in found:
        key = path.resolve().relative_to(root.resolve()).as_posix()
        try:
            digest = _digest(path)
        except OSError:
            continue
        entry = cached.get(key)
        if entry is None or entry.get("hash") != digest:
            summary = summarize(check_file(root / key))
            entry = {"hash": digest, "summary": replace(summary, path=key).as_json() if summary else None}
        fresh[key] = entry
        if entry["summary"] is not None:
            summary = ContractSummary.from_json(entry["summary"])  # type: ignore[arg-type]
            summaries.append(_displayed(summary, root))
    if fresh != cached:
        try:
            write_json(cache_path, fresh)
        except OSError:
            pass
    return summaries


def _displayed(summary: ContractSummary, root: Path) -> ContractSummary:
    """The summary with its path as a user in the working directory would type it."""
    return replace(summary, path=os.path.relpath(root / summary.path))


def split_changed(paths: list[Path], root: Path) -> tuple[list[Path], set[str]]:
    """Changed files -> (changed contract files, changed test files as root-relative posix paths)."""
    dirs = [d.resolve() for d in contract_dirs(root)]
    contracts, tests = [], set()
    for path in paths:
        resolved = path.resolve()
        if path.suffix in (".yaml", ".yml") and any(resolved == d or d in resolved.parents for d in dirs):
            contracts.append(path)
        elif path.suffix == ".py":
            try:
                tests.add(resolved.relative_to(root.resolve()).as_posix())
            except ValueError:
                continue
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
