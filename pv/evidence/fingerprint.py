"""What a falsifier's evidence is about: the content of every file its verdict depends on.

A verdict holds for the code it ran against, not for a commit name or a file's date.
A run records, per falsifier, the files its outcome depends on (its contract, the files
of its tests with their conftest.py files, and the project modules those import,
followed through imports) with the sha256 of each. A view re-hashes those files: when
any differs or is gone, the record is STALE, whatever it says. (Imports are read
statically; a module loaded only through importlib is not followed. pv's own package is
not followed either: the evidence records pv's version instead.)
"""

from __future__ import annotations

import ast
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pv.evidence.plan import Plan

_NOT_FOLLOWED = {"pv"}
_MAX_FILES = 5000


def sha256(path: Path) -> str | None:
    """The file's content hash; None when it is missing, unreadable or not a regular file."""
    try:
        if not path.is_file():
            return None
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def import_bases(root: Path, import_paths: Iterable[str] = ()) -> tuple[Path, ...]:
    """Where the tests' imports resolve inside the project: the root, `src/` and pytest's
    `pythonpath` entries (a directory outside the root is not the project's to hash)."""
    bases = [root, root / "src"]
    for entry in import_paths:
        base = (root / entry).resolve()
        if (base == root or root in base.parents) and base not in bases:
            bases.append(base)
    return tuple(bases)


def _module_file(bases: tuple[Path, ...], dotted: str) -> Path | None:
    parts = dotted.split(".")
    if not parts or parts[0] in _NOT_FOLLOWED:
        return None
    for base in bases:
        for candidate in (base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")):
            if candidate.is_file():
                return candidate
    return None


def _package_of(root: Path, path: Path) -> list[str]:
    relative = path.relative_to(root).with_suffix("").parts
    return list(relative[:-1]) if relative[-1] != "__init__" else list(relative[:-1])


def _imports(root: Path, path: Path) -> Iterable[str]:
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError, RecursionError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                yield from (".".join(parts[:i]) for i in range(1, len(parts) + 1))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = _package_of(root, path)
                base = package[:len(package) - node.level + 1] if node.level > 1 else package
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                module = node.module or ""
            if module:
                parts = module.split(".")
                yield from (".".join(parts[:i]) for i in range(1, len(parts) + 1))
                yield from (f"{module}.{alias.name}" for alias in node.names)


def _conftests(root: Path, test_file: Path) -> Iterable[Path]:
    """conftest.py files and package __init__.py files pytest imports around a test file."""
    directory = test_file.parent
    while True:
        for name in ("conftest.py", "__init__.py"):
            candidate = directory / name
            if candidate.is_file():
                yield candidate
        if directory == root or root not in directory.parents:
            return
        directory = directory.parent


def dependencies(root: Path, contract: Path, test_files: Iterable[str], import_paths: Iterable[str] = ()) -> list[str]:
    """Relative paths of the files a falsifier's verdict depends on, sorted."""
    root = root.resolve()
    bases = import_bases(root, import_paths)
    found: set[Path] = set()
    queue: list[Path] = []
    for name in test_files:
        path = (root / name).resolve()
        if path.is_file() and root in path.parents:
            queue.append(path)
            queue.extend(_conftests(root, path))
    while queue and len(found) < _MAX_FILES:
        path = queue.pop()
        if path in found:
            continue
        found.add(path)
        if path.suffix != ".py":
            continue
        for module in _imports(root, path):
            target = _module_file(bases, module)
            if target is not None and target.resolve() not in found:
                queue.append(target.resolve())
    contract_path = contract.resolve()
    found.add(contract_path)
    return sorted({os.path.relpath(p, root) for p in found if p == contract_path or root in p.parents})


def hashes(root: Path, paths: Iterable[str]) -> dict[str, str | None]:
    return {path: sha256(root / path) for path in paths}


def changed(root: Path, recorded: dict[str, str], paths: Iterable[str], memo: dict[str, str | None]) -> list[str]:
    """Which of `paths` no longer hold what the run recorded (`memo` caches hashes per view)."""
    different = []
    for path in paths:
        if path not in memo:
            memo[path] = sha256(root / path) if not os.path.isabs(path) and ".." not in Path(path).parts else None
        if recorded.get(path) is None or memo[path] != recorded.get(path):
            different.append(path)
    return different


def bind_inputs(plan: Plan, only: Iterable[str] | None = None) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(path -> sha256 of every file the runnable falsifiers depend on, falsifier id -> its paths)."""
    contract_of = {f.stem: Path(f.path).resolve() for f in plan.contracts}
    depends: dict[str, list[str]] = {}
    wanted = set(only) if only is not None else None
    for fid, fplan in plan.falsifiers.items():
        if fplan.nodeids and (wanted is None or fplan.contract in wanted):
            if fplan.binding.registry != "pytest":  # cargo tests, pv validate meta-checks
                depends[fid] = sorted({*dependencies(plan.root, contract_of[fplan.contract], ()),
                                       *plan.source_files(fplan)})
                continue
            depends[fid] = dependencies(plan.root, contract_of[fplan.contract], {n.split("::")[0] for n in fplan.nodeids},
                                        plan.config.import_paths)
    everything = sorted({p for paths in depends.values() for p in paths})
    inputs = {path: digest for path, digest in hashes(plan.root, everything).items() if digest is not None}
    return inputs, depends


def hashes_of_catalogue(root: Path, module: str) -> dict[str, str]:
    """The mutant catalogue's files: a changed mutant makes the kill matrix stale too."""
    path = _module_file(import_bases(root.resolve()), module)
    if path is None:
        return {}
    files = [path] if path.name != "__init__.py" else sorted(path.parent.rglob("*.py"))
    found = {os.path.relpath(p, root.resolve()): sha256(p) for p in files}
    return {p: d for p, d in found.items() if d is not None}
