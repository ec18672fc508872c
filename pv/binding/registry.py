"""The registry of real tests: exactly what pytest collects, cached by file contents.

pytest is the only authority on which node ids exist (classes, parametrize ids,
conftest-generated tests), so the registry *is* a `pytest --collect-only` run with pv's
plugin writing what it saw. That run imports the test modules, so it is cached under
`.pv-cache/`, keyed on the contents of every file that can change what is collected;
a test (tests/binding/test_registry.py) proves a cached registry equals a fresh collection.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pv import __version__
from pv.atomic import write_json
from pv.errors import PvError
from pv.lifetime import child_environment, owned_tempdir
from pv.project import CACHE_DIR

# Files whose contents can change what pytest collects.
KEY_SUFFIXES = {".py", ".toml", ".ini", ".cfg", ".yaml", ".yml", ".json"}
SKIP_DIRS = {".git", ".hg", ".venv", "venv", "env", "node_modules", "__pycache__", "build", "dist",
             CACHE_DIR, "reports", ".hypothesis", ".pytest_cache", ".tox", ".nox", ".mypy_cache"}


class RegistryError(PvError):
    """pytest could not produce a registry at all (usage error, crash)."""


@dataclass(frozen=True, slots=True)
class CollectedTest:
    nodeid: str
    path: str
    line: int
    falsifies: tuple[str, ...]
    params: str | None
    skipped: bool

    @property
    def function(self) -> str:
        """The test's own name without parametrize id: `test_x` of `a.py::C::test_x[p]`."""
        return self.nodeid.split("::")[-1].split("[", 1)[0]


@dataclass
class Registry:
    root: Path
    tests: dict[str, CollectedTest]
    errors: list[dict[str, str]] = field(default_factory=list)
    from_cache: bool = False

    def by_falsifier(self) -> dict[str, list[CollectedTest]]:
        index: dict[str, list[CollectedTest]] = {}
        for test in self.tests.values():
            for falsifier_id in test.falsifies:
                index.setdefault(falsifier_id, []).append(test)
        return index


def _key_files(root: Path) -> Iterator[Path]:
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".") and not d.endswith(".egg-info"))
        for name in sorted(files):
            # a FIFO or a link to a device would block or never end when hashed
            if os.path.splitext(name)[1] in KEY_SUFFIXES and os.path.isfile(os.path.join(directory, name)):
                yield Path(directory, name)


def cache_key(root: Path, args: Sequence[str]) -> str:
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{__version__}\0{sys.executable}\0{sys.version}\0{chr(0).join(args)}\0".encode())
    for path in _key_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        try:
            digest.update(hashlib.blake2b(path.read_bytes(), digest_size=20).digest())
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


def _parse(root: Path, document: dict[str, Any], from_cache: bool) -> Registry:
    tests = {
        t["nodeid"]: CollectedTest(t["nodeid"], t["path"], int(t["line"]), tuple(t["falsifies"]), t["params"], bool(t["skipped"]))
        for t in document["tests"]
    }
    return Registry(root=root, tests=tests, errors=list(document.get("errors", [])), from_cache=from_cache)


def subprocess_env(scratch: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a pytest child: hypothesis' caches go to `scratch`, not the project."""
    return {"HYPOTHESIS_STORAGE_DIRECTORY": str(scratch / "hypothesis"), "PYTHONDONTWRITEBYTECODE": "1",
            **os.environ, **child_environment(), **(extra or {})}


def pytest_command(args: Sequence[str]) -> list[str]:
    command = [sys.executable, "-m", "pytest"]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        command += ["-p", "pv.pytest_plugin"]
    return command + list(args)


def collect_fresh(root: Path, args: Sequence[str] = ()) -> Registry:
    """Ask pytest, in a subprocess rooted at `root`, what it collects."""
    with owned_tempdir("pv-registry-") as tmp:
        target = tmp / "registry.json"
        command = pytest_command(["--collect-only", "-q", "-p", "no:cacheprovider",
                                  "--continue-on-collection-errors", f"--pv-registry={target}", *args])
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, env=subprocess_env(tmp))
        if not target.exists():
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
            raise RegistryError(f"pytest collection in {root} failed (exit {done.returncode}):\n{tail}")
        document = json.loads(target.read_text(encoding="utf-8"))
    return _parse(root, document, from_cache=False)


def collect(root: Path, args: Sequence[str] = (), *, use_cache: bool = True) -> Registry:
    """The project's registry: from `.pv-cache/` when no relevant file changed, else fresh."""
    root = root.resolve()
    if not use_cache:
        return collect_fresh(root, args)
    key = cache_key(root, args)
    cached = root / CACHE_DIR / "registry.json"
    try:
        document = json.loads(cached.read_text(encoding="utf-8"))
        if document.get("key") == key:
            return _parse(root, document, from_cache=True)
    except (OSError, ValueError, KeyError):
        pass
    registry = collect_fresh(root, args)
    document = {"key": key, "tests": [vars_of(t) for t in registry.tests.values()], "errors": registry.errors}
    try:
        write_json(cached, document)
    except OSError:
        pass  # a read-only checkout still lints, just without the cache
    return registry


def vars_of(test: CollectedTest) -> dict[str, Any]:
    return {"nodeid": test.nodeid, "path": test.path, "line": test.line, "falsifies": list(test.falsifies),
            "params": test.params, "skipped": test.skipped}
