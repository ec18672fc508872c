"""The registry of real tests: exactly what pytest collects, cached on what collection read.

pytest is the only authority on which node ids exist (classes, parametrize ids,
conftest-generated tests), so the registry *is* a `pytest --collect-only` run with pv's
plugin writing what it saw. That run imports the test modules, so it is cached in
`.pv-cache/registry.json`. The cache is an input like any other, so it is believed only
when all of these hold, else collection runs again:

- its shape is the typed document below and its checksum is its own;
- the environment is the one it was written in: interpreter, `sys.path`, the entries of
  every `sys.path` directory (installed distributions with their versions), pytest's
  environment variables (`PYTEST_ADDOPTS` ...) and the arguments;
- every file collection read and every directory it listed (see pv/contracts/reads.py),
  fingerprinted after collection, is unchanged;
- every cached test's file was read by collection and names its function.

A collection with errors is never cached (installing the missing module must show on
the next run), nor one during which a file it read changed. tests/binding/ prove a
cached registry equals a fresh collection and that each of these changes is seen.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from pv import __version__
from pv.atomic import write_text
from pv.contracts.reads import changed_since_read, dir_digest, fingerprint, names_present, read_regular
from pv.errors import PvError
from pv.lifetime import child_environment, owned_tempdir
from pv.project import CACHE_DIR

CACHE_FILE = "registry.json"
CACHE_FORMAT = 2
MAX_DOCUMENT_BYTES = 256 << 20  # a registry of 100,000 tests is ~30 MB
# Environment variables that change what pytest collects.
# Directory entries that are caches: they appear after the first run and change no collection.
CACHE_NAMES = frozenset({CACHE_DIR, "__pycache__", ".pytest_cache", ".hypothesis"})
PYTEST_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTHONPATH",
              "PYTHONSAFEPATH", "PYTHONNOUSERSITE", "PV_CONTRACTS_DIR", "PV_MUTANT")


def function_name(nodeid: str) -> str:
    """`test_x` of `a.py::C::test_x[p]` (a parametrize id may itself hold `::`)."""
    return nodeid.split("[", 1)[0].split("::")[-1]


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
        return function_name(self.nodeid)


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


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _TestEntry(_Strict):
    nodeid: str
    path: str
    line: int
    falsifies: list[str]
    params: str | None
    skipped: bool


class _ErrorEntry(_Strict):
    nodeid: str
    message: str


class _Inputs(_Strict):
    files: list[str]
    dirs: list[str]
    signatures: dict[str, str]


class _Collected(BaseModel):
    """What the plugin writes (pv/pytest_plugin.py); checked, since a conftest runs in that process."""

    model_config = ConfigDict(strict=True, extra="ignore")
    rootdir: str
    tests: list[_TestEntry]
    errors: list[_ErrorEntry]
    read: _Inputs | None = None


class _Fingerprint(_Strict):
    files: dict[str, str]
    dirs: dict[str, str]


class _CacheDocument(_Strict):
    format: Literal[2]
    environment: str
    rootdir: str
    inputs: _Fingerprint
    tests: list[_TestEntry]
    checksum: str


def environment_key(args: Sequence[str]) -> str:
    """Everything outside the project that decides what the collecting child sees."""
    digest = hashlib.blake2b(digest_size=20)
    parts = [__version__, sys.executable, sys.version, *args, "\0env",
             *(f"{name}={os.environ.get(name)}" for name in PYTEST_ENV), "\0path", *sys.path[1:]]
    digest.update("\0".join(parts).encode("utf-8", "surrogateescape"))
    for entry in sys.path[1:]:
        if entry and os.path.isdir(entry):
            digest.update(f"\0{entry}={dir_digest(entry, CACHE_NAMES)}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _checksum(document: dict[str, Any]) -> str:
    body = {k: v for k, v in document.items() if k != "checksum"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def _registry(root: Path, tests: list[_TestEntry], errors: list[_ErrorEntry], from_cache: bool) -> Registry:
    return Registry(
        root=root,
        tests={t.nodeid: CollectedTest(t.nodeid, t.path, t.line, tuple(t.falsifies), t.params, t.skipped) for t in tests},
        errors=[{"nodeid": e.nodeid, "message": e.message} for e in errors],
        from_cache=from_cache)


def _plausible(rootdir: str, tests: list[_TestEntry], read: Iterable[str]) -> bool:
    """Each test's file was read by collection and holds its function's name: a forged
    entry for a test that does not exist is not believed."""
    files = {os.path.realpath(f) for f in read}
    by_file: dict[str, set[str]] = {}
    for t in tests:
        by_file.setdefault(os.path.realpath(os.path.join(rootdir, t.path)), set()).add(function_name(t.nodeid))
    return all(path in files and names_present(Path(path), names) for path, names in by_file.items())


def subprocess_env(scratch: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a pytest child: hypothesis' caches go to `scratch`, not the project."""
    return {"HYPOTHESIS_STORAGE_DIRECTORY": str(scratch / "hypothesis"), "PYTHONDONTWRITEBYTECODE": "1",
            **os.environ, **child_environment(), **(extra or {})}


def pytest_command(args: Sequence[str]) -> list[str]:
    command = [sys.executable, "-m", "pytest"]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        command += ["-p", "pv.pytest_plugin"]
    return command + list(args)


def _run_collection(root: Path, args: Sequence[str]) -> _Collected:
    """Ask pytest, in a subprocess rooted at `root`, what it collects."""
    with owned_tempdir("pv-registry-") as tmp:
        target = tmp / "registry.json"
        command = pytest_command(["--collect-only", "-q", "-p", "no:cacheprovider",
                                  "--continue-on-collection-errors", f"--pv-registry={target}", *args])
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, env=subprocess_env(tmp))
        raw = read_regular(target, MAX_DOCUMENT_BYTES) if target.exists() else None
        if raw is None:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
            raise RegistryError(f"pytest collection in {root} failed (exit {done.returncode}):\n{tail}")
    try:
        return _Collected.model_validate_json(raw)
    except ValidationError as invalid:
        raise RegistryError(f"pytest collection in {root} wrote a registry pv cannot read: "
                            f"{invalid.errors(include_url=False)[0]['msg']}") from None


def collect_fresh(root: Path, args: Sequence[str] = ()) -> Registry:
    collected = _run_collection(root, args)
    return _registry(root, collected.tests, collected.errors, from_cache=False)


def _cached(root: Path, path: Path, environment: str) -> Registry | None:
    """The cached registry if every check of the module docstring holds, else None."""
    try:
        raw = read_regular(path, MAX_DOCUMENT_BYTES)
        if raw is None:
            return None
        document = json.loads(raw)
        cached = _CacheDocument.model_validate(document)
    except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
        return None
    if cached.checksum != _checksum(document) or cached.environment != environment:
        return None
    inputs = {"files": list(cached.inputs.files), "dirs": list(cached.inputs.dirs)}
    now = fingerprint(inputs, CACHE_NAMES)
    if now["files"] != cached.inputs.files or now["dirs"] != cached.inputs.dirs:
        return None
    if not _plausible(cached.rootdir, cached.tests, cached.inputs.files):
        return None
    return _registry(root, cached.tests, [], from_cache=True)


def _store(path: Path, collected: _Collected, environment: str) -> None:
    """Cache a collection only when it can be trusted later (see the module docstring)."""
    if collected.errors or collected.read is None:
        return
    prints = fingerprint({"files": collected.read.files, "dirs": collected.read.dirs}, CACHE_NAMES)
    if changed_since_read(collected.read.signatures):
        return  # a file changed while pytest collected: what it read is not what was fingerprinted
    if not _plausible(collected.rootdir, collected.tests, collected.read.files):
        return  # tests whose names their files do not hold (made by setattr): collected every time
    document: dict[str, Any] = {
        "format": CACHE_FORMAT, "environment": environment, "rootdir": collected.rootdir, "inputs": prints,
        "tests": [t.model_dump() for t in collected.tests]}
    document["checksum"] = _checksum(document)
    try:
        write_text(path, json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")
    except OSError:
        pass  # a read-only checkout still lints, just without the cache


def collect(root: Path, args: Sequence[str] = (), *, use_cache: bool = True) -> Registry:
    """The project's registry: from `.pv-cache/` when nothing collection depends on changed, else fresh."""
    root = root.resolve()
    if not use_cache:
        return collect_fresh(root, args)
    environment = environment_key(args)
    path = root / CACHE_DIR / CACHE_FILE
    cached = _cached(root, path, environment)
    if cached is not None:
        return cached
    collected = _run_collection(root, args)
    _store(path, collected, environment)
    return _registry(root, collected.tests, collected.errors, from_cache=False)
