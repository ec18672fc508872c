"""The cargo test registry: exactly the tests cargo builds, per package and target.

Why `cargo test --no-run --message-format=json` and then each binary's `--list`, rather than
`cargo test -- --list --format terse`: the JSON build messages name, for every test binary,
its package id and its target's kind and name, which is exactly the scope a citation such
as `-p CRATE --test TARGET` selects. The one-command form prints only `Running
unittests src/lib.rs (target/debug/deps/x-hash)` on stderr before each binary's list on
stdout, so the target has to be recovered by parsing human-oriented text across two
streams (two packages both have a `src/lib.rs`), and it also starts rustdoc for every
crate's doc-tests, which is slow and lists nothing pv binds to. Each binary is asked twice,
`--list` and `--list --ignored`, because the plain list does not say which tests are
`#[ignore]`d, and an ignored test must resolve but be reported as never running by default.
Doc-tests are not in the registry.

Features change which tests exist (`#[cfg(feature = "training")]`), so a citation with
`--features`, `--all-features` or `--no-default-features` is resolved against that
package built with those features: each such feature set is one more `--no-run` build of
that package, and its tests carry the feature set in their id. A feature set cargo refuses
(an unknown feature) is recorded against that set, not cached, and makes only the citations
that use it dangling.

The registry is cached in `.pv-cache/cargo-registry.json`, keyed on the toolchain
(`rustc -vV`, `cargo -V`), the environment variables that change a build, every manifest,
the lock file, every source file's contents and every other file's size and mtime
(build scripts may read anything), so it is never stale. A build that fails raises
`CargoBuildError` naming the crate; nothing is cached then. The cache is validated on
read and rebuilt when anything about it is wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pv import __version__
from pv.atomic import write_json
from pv.binding.registry import RegistryError
from pv.config import load_config
from pv.project import CACHE_DIR, cache_file

CACHE_NAME = "cargo-registry.json"
_SKIP_DIRS = {"target", ".git", ".hg", CACHE_DIR, "node_modules", "__pycache__", ".venv", "venv"}
_CONTENT_SUFFIXES = {".rs", ".toml", ".lock"}
_BUILD_ENV = ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTC", "RUSTC_WRAPPER", "RUSTDOCFLAGS", "CARGO_BUILD_TARGET",
              "CARGO_TARGET_DIR", "CARGO_PROFILE_TEST_OPT_LEVEL", "RUSTUP_TOOLCHAIN")
_CACHE_FORMAT = 2


class CargoError(RegistryError):
    """cargo could not produce a test list (not installed, bad manifest, failed build)."""


class CargoBuildError(CargoError):
    """The workspace's tests do not build; the message names the crate(s)."""


@dataclass(frozen=True, slots=True)
class CargoTest:
    """One test cargo can run: `name` is the path libtest prints (`tests::add_works`)."""

    package: str
    kind: str    # lib | bin | test (integration) | example | bench
    target: str
    name: str
    ignored: bool
    features: str = ""  # the feature flags it was built with ("" = default features)

    @property
    def nodeid(self) -> str:
        """The command that runs exactly this test: what pv prints and `--fix` writes."""
        flags = f" {self.features}" if self.features else ""
        return f"cargo test -p {self.package}{flags} {self.selector} {self.name} -- --exact"

    @property
    def selector(self) -> str:
        return "--lib" if self.kind == "lib" else f"--{self.kind} {self.target}"

    @property
    def function(self) -> str:
        return self.name.rsplit("::", 1)[-1]

    @property
    def modules(self) -> tuple[str, ...]:
        return tuple(self.name.split("::")[:-1])

    @property
    def falsifies(self) -> tuple[str, ...]:
        return ()  # Rust tests carry no marker naming their falsifier

    @property
    def skipped(self) -> bool:
        return self.ignored


@dataclass(frozen=True, slots=True)
class CargoTarget:
    kind: str
    name: str
    src_path: str  # relative to the package's directory, as cargo prints it in `Running ...`


@dataclass(frozen=True, slots=True)
class CargoPackage:
    name: str
    directory: str  # relative to the workspace root
    targets: tuple[CargoTarget, ...]
    path_dependencies: tuple[str, ...] = ()  # directories of its `path =` dependencies, relative to the root


@dataclass(frozen=True, order=True)
class FeatureSet:
    """One package built with non-default feature flags, as a citation asks."""

    package: str
    flags: str  # canonical: "--no-default-features --features a,b" / "--all-features"

    @classmethod
    def of(cls, package: str, features: tuple[str, ...], all_features: bool, no_default: bool) -> FeatureSet | None:
        parts = (["--all-features"] if all_features else []) + (["--no-default-features"] if no_default else [])
        if features and not all_features:
            parts.append("--features " + ",".join(sorted(set(features))))
        return cls(package, " ".join(parts)) if parts else None


@dataclass
class CargoRegistry:
    root: Path
    packages: dict[str, CargoPackage]
    default_members: tuple[str, ...]
    tests: dict[str, CargoTest] = field(default_factory=dict)  # nodeid -> test
    from_cache: bool = False
    feature_sets: tuple[FeatureSet, ...] = ()
    refused: dict[FeatureSet, str] = field(default_factory=dict)  # feature sets cargo would not build

    def in_scope(self, package: str, kind: str, target: str) -> list[CargoTest]:
        return [t for t in self.tests.values() if (t.package, t.kind, t.target) == (package, kind, target)]

    def by_falsifier(self) -> dict[str, list[CargoTest]]:
        return {}


def cargo_available() -> bool:
    return shutil.which("cargo") is not None


def _run(command: list[str], root: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(command, cwd=root, capture_output=True, text=True)
    except OSError as failed:
        raise CargoError(f"cannot run {command[0]}: {failed}") from None


def _toolchain(root: Path) -> str:
    rustc, cargo = _run(["rustc", "-vV"], root), _run(["cargo", "-V"], root)
    if rustc.returncode or cargo.returncode:
        raise CargoError(f"the Rust toolchain does not answer in {root}: {(rustc.stderr + cargo.stderr).strip()[:300]}")
    return rustc.stdout + cargo.stdout


def _key_files(root: Path) -> Iterator[Path]:
    # pv's own inputs and outputs (contracts, reports/evidence) cannot change what cargo builds
    config = load_config(root)
    own = {os.path.normpath(root / d) for d in (*config.contracts, config.reports)}
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and (not d.startswith(".") or d == ".cargo")
                         and os.path.normpath(os.path.join(directory, d)) not in own)
        for name in sorted(files):
            path = Path(directory, name)
            if path.is_file():
                yield path


def cache_key(root: Path, feature_sets: tuple[FeatureSet, ...] = ()) -> str:
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{_CACHE_FORMAT}\0{__version__}\0{_toolchain(root)}\0".encode())
    digest.update("".join(f"{f.package}\0{f.flags}\0" for f in sorted(feature_sets)).encode())
    for name in _BUILD_ENV:
        digest.update(f"{name}={os.environ.get(name)}\0".encode())
    for path in _key_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        try:
            if path.suffix in _CONTENT_SUFFIXES or path.name == "rust-toolchain":
                digest.update(hashlib.blake2b(path.read_bytes(), digest_size=20).digest())
            else:
                stat = path.stat()
                digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


def _metadata(root: Path) -> tuple[dict[str, CargoPackage], dict[str, str], tuple[str, ...]]:
    """Workspace packages and targets, package id -> name, and the default members."""
    done = _run(["cargo", "metadata", "--no-deps", "--format-version", "1", "--offline"], root)
    if done.returncode:
        raise CargoError(f"cargo metadata failed in {root}: {_tail(done.stderr)}")
    document = json.loads(done.stdout)
    packages: dict[str, CargoPackage] = {}
    names: dict[str, str] = {}
    members = set(document.get("workspace_members") or [])
    for package in document["packages"]:
        if package["id"] not in members:
            continue
        directory = Path(package["manifest_path"]).parent
        targets = []
        for target in package["targets"]:
            kind = _kind(target["kind"])
            try:
                src = str(Path(target["src_path"]).relative_to(directory))
            except ValueError:
                src = target["src_path"]
            targets.append(CargoTarget(kind, target["name"], src))
        depends = tuple(sorted({os.path.relpath(d["path"], root) for d in package.get("dependencies") or []
                                if isinstance(d, dict) and isinstance(d.get("path"), str)}))
        packages[package["name"]] = CargoPackage(package["name"], os.path.relpath(directory, root), tuple(targets), depends)
        names[package["id"]] = package["name"]
    defaults = tuple(names[i] for i in document.get("workspace_default_members") or members if i in names)
    return packages, names, defaults


def _kind(kinds: list[str]) -> str:
    kind = kinds[0] if kinds else "lib"
    return "lib" if kind in ("lib", "rlib", "dylib", "cdylib", "staticlib", "proc-macro") else kind


def _tail(text: str, lines: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _build(root: Path, names: dict[str, str], feature_set: FeatureSet | None = None) -> list[tuple[str, str, str, str]]:
    """(package, kind, target, executable) for every test binary of the workspace (or of one
    package built with `feature_set`)."""
    scope = ["-p", feature_set.package, *feature_set.flags.split()] if feature_set else ["--workspace"]
    done = _run(["cargo", "test", *scope, "--no-run", "--offline", "--message-format=json"], root)
    binaries: list[tuple[str, str, str, str]] = []
    errors: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        reason = message.get("reason")
        if reason == "compiler-artifact" and message.get("executable") and message.get("profile", {}).get("test"):
            package = names.get(message["package_id"])
            if package is not None and (feature_set is None or package == feature_set.package):
                target = message["target"]
                binaries.append((package, _kind(target["kind"]), target["name"], message["executable"]))
        elif reason == "compiler-message" and message.get("message", {}).get("level") == "error":
            crate = names.get(message.get("package_id", ""), message.get("target", {}).get("name", "?"))
            rendered = (message["message"].get("rendered") or message["message"].get("message") or "").strip()
            errors.setdefault(crate, []).append(rendered.splitlines()[0] if rendered else "error")
    if done.returncode:
        if errors:
            named = "; ".join(f"crate `{crate}`: {msgs[0]} ({len(msgs)} error(s))" for crate, msgs in sorted(errors.items()))
            raise CargoBuildError(f"cargo could not build the tests of {root}{_with(feature_set)}: {named}")
        raise CargoBuildError(f"cargo test --no-run failed in {root}{_with(feature_set)} (exit {done.returncode}): "
                              f"{_tail(done.stderr)}")
    return binaries


def _with(feature_set: FeatureSet | None) -> str:
    return f" (package `{feature_set.package}` with {feature_set.flags})" if feature_set else ""


def _list(executable: str, root: Path, ignored: bool) -> list[str]:
    command = [executable, "--list", "--format", "terse"] + (["--ignored"] if ignored else [])
    done = _run(command, root)
    if done.returncode:
        raise CargoError(f"{executable} --list failed (exit {done.returncode}): {_tail(done.stderr)}")
    return [line[: -len(": test")] for line in done.stdout.splitlines() if line.endswith(": test")]


def _listed(root: Path, binaries: list[tuple[str, str, str, str]], flags: str) -> dict[str, CargoTest]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        listed = list(pool.map(lambda b: (_list(b[3], root, False), set(_list(b[3], root, True))), binaries))
    tests: dict[str, CargoTest] = {}
    for (package, kind, target, _), (every, ignored) in zip(binaries, listed):
        for name in every:
            test = CargoTest(package, kind, target, name, name in ignored, flags)
            tests[test.nodeid] = test
    return tests


def collect_fresh(root: Path, feature_sets: tuple[FeatureSet, ...] = ()) -> CargoRegistry:
    """Ask cargo, in `root`, which tests each package and target has (and each feature set)."""
    root = root.resolve()
    packages, names, defaults = _metadata(root)
    tests = _listed(root, _build(root, names), "")
    refused: dict[FeatureSet, str] = {}
    for feature_set in feature_sets:
        if feature_set.package not in packages:
            continue  # resolution reports the unknown package
        try:
            tests.update(_listed(root, _build(root, names, feature_set), feature_set.flags))
        except CargoBuildError as failed:
            refused[feature_set] = str(failed)
    return CargoRegistry(root, packages, defaults, tests, feature_sets=feature_sets, refused=refused)


def _to_document(registry: CargoRegistry, key: str) -> dict[str, Any]:
    return {
        "key": key,
        "packages": [{"name": p.name, "directory": p.directory, "path_dependencies": list(p.path_dependencies),
                      "targets": [[t.kind, t.name, t.src_path] for t in p.targets]} for p in registry.packages.values()],
        "default_members": list(registry.default_members),
        "feature_sets": [[f.package, f.flags] for f in registry.feature_sets],
        "tests": [[t.package, t.kind, t.target, t.name, t.ignored, t.features] for t in registry.tests.values()],
    }


def _from_document(root: Path, document: Any, key: str) -> CargoRegistry | None:
    """The cached registry, or None when the file is not exactly what pv writes."""
    try:
        if not isinstance(document, dict) or document.get("key") != key:
            return None
        packages = {}
        for p in document["packages"]:
            targets = tuple(CargoTarget(str(k), str(n), str(s)) for k, n, s in p["targets"])
            depends = p["path_dependencies"]
            if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
                return None
            packages[str(p["name"])] = CargoPackage(str(p["name"]), str(p["directory"]), targets, tuple(depends))
        feature_sets = tuple(FeatureSet(str(p), str(f)) for p, f in document["feature_sets"])
        flags = {f.flags for f in feature_sets} | {""}
        tests = {}
        for package, kind, target, name, ignored, features in document["tests"]:
            if package not in packages or not isinstance(ignored, bool) or features not in flags:
                return None
            test = CargoTest(str(package), str(kind), str(target), str(name), ignored, str(features))
            tests[test.nodeid] = test
        defaults = tuple(str(d) for d in document["default_members"])
        if not set(defaults) <= set(packages):
            return None
        return CargoRegistry(root, packages, defaults, tests, from_cache=True, feature_sets=feature_sets)
    except (KeyError, TypeError, ValueError):
        return None


def collect(root: Path, *, use_cache: bool = True, feature_sets: tuple[FeatureSet, ...] = ()) -> CargoRegistry:
    """The workspace's cargo registry: from `.pv-cache/` when nothing relevant changed, else fresh."""
    root = root.resolve()
    feature_sets = tuple(sorted(set(feature_sets)))
    if not cargo_available():
        raise CargoError("cargo is not on PATH; the Rust tests this project cites cannot be listed")
    if not use_cache:
        return collect_fresh(root, feature_sets)
    key = cache_key(root, feature_sets)
    cached = cache_file(root, CACHE_NAME)
    try:
        registry = _from_document(root, json.loads(cached.read_text(encoding="utf-8")), key)
    except (OSError, ValueError):
        registry = None
    if registry is not None:
        return registry
    registry = collect_fresh(root, feature_sets)
    if not registry.refused and cache_key(root, feature_sets) == key:  # no refusal cached; no file changed meanwhile
        try:
            write_json(cached, _to_document(registry, key))
        except OSError:
            pass  # a read-only checkout still lints, without the cache
    return registry


def source_files(registry: CargoRegistry, packages: Iterable[str]) -> list[str]:
    """Files (relative to the root) a Rust test's verdict depends on: the workspace manifest and
    lock file, and every manifest and source file of `packages` and of their path dependencies,
    followed transitively (build output excluded; a path dependency outside the root is not the
    project's to hash, as a crate from the registry is not)."""
    root = registry.root
    found = {name for name in ("Cargo.toml", "Cargo.lock", "rust-toolchain", "rust-toolchain.toml") if (root / name).is_file()}
    by_directory = {p.directory: p for p in registry.packages.values()}
    queue = [registry.packages[name].directory for name in sorted(set(packages)) if name in registry.packages]
    walked: set[str] = set()
    while queue:
        relative = queue.pop()
        if relative in walked or relative.split(os.sep)[0] == "..":
            continue
        walked.add(relative)
        spec = by_directory.get(relative)
        queue += spec.path_dependencies if spec else ()
        for directory, dirs, files in os.walk(root / relative):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
            for name in files:
                if os.path.splitext(name)[1] in _CONTENT_SUFFIXES:
                    found.add(os.path.relpath(os.path.join(directory, name), root))
    return sorted(found)
