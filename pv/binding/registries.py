"""Test registries as a plugin family: one protocol, one entry per kind in `REGISTRY_KINDS`.

A registry is the authority on which tests exist in one runner: pytest's collection, cargo's
test binaries, or pv itself for `pv validate` meta-checks. Every falsifier is routed to one
registry by the *shape* of its `test:` (a node id, a cargo command, `pv validate ...`), and a
project opens only the registries it has (pytest configuration, a `Cargo.toml`), so a mixed
repository lints with both. Deferral and absence are decided before any registry is asked,
and ranking, `--fix` rewriting and reporting live in shared code (resolve.py, fix.py,
lint.py); a registry only resolves, proposes a fix and reports its own collection problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pv.binding import cargo
from pv.binding.cargo_command import is_rust_ident, looks_like_cargo, looks_like_meta, parse_command
from pv.binding.cargo_resolve import choose_cargo_fix, leg_feature_sets, resolve_cargo, resolve_meta
from pv.binding.registry import Registry, collect
from pv.binding.resolve import NODE_ID, Binding, BindingState, Dangling, choose_fix, is_pending, rank_candidates, resolve_binding


class TestRegistry(Protocol):
    """What the shared binding code asks of a registry."""

    name: str

    @property
    def size(self) -> int: ...

    def resolve(self, falsifier_id: str, reference: str) -> Binding: ...

    def fix(self, binding: Binding) -> tuple[str | None, str]:
        """The `test:` to write instead, or None with the reason no fix is certain."""
        ...


@dataclass
class PytestRegistry:
    registry: Registry
    name: str = "pytest"

    @property
    def size(self) -> int:
        return len(self.registry.tests)

    def resolve(self, falsifier_id: str, reference: str) -> Binding:
        return resolve_binding(falsifier_id, reference, self.registry)

    def fix(self, binding: Binding) -> tuple[str | None, str]:
        return choose_fix(binding, self.registry)


@dataclass
class CargoTestRegistry:
    registry: cargo.CargoRegistry
    name: str = "cargo"

    @property
    def size(self) -> int:
        return len(self.registry.tests)

    def resolve(self, falsifier_id: str, reference: str) -> Binding:
        return resolve_cargo(falsifier_id, reference, self.registry)

    def fix(self, binding: Binding) -> tuple[str | None, str]:
        return choose_cargo_fix(binding, self.registry)


@dataclass
class MetaRegistry:
    """`pv validate contracts/X.yaml`: resolved when the file exists; `pv falsify` runs it."""

    root: Path
    name: str = "meta"

    @property
    def size(self) -> int:
        return 0

    def resolve(self, falsifier_id: str, reference: str) -> Binding:
        return resolve_meta(falsifier_id, reference, self.root)

    def fix(self, binding: Binding) -> tuple[str | None, str]:
        return None, "a meta-check names a contract file; fix the path by hand"


@dataclass(frozen=True)
class RegistryKind:
    detect: Callable[[Path], bool]                       # does the project have tests of this kind?
    claims: Callable[[str], bool]                        # does a `test:` have this registry's shape?
    open: Callable[[Path, tuple[str, ...], bool, list[str]], TestRegistry]  # (root, pytest args, use_cache, references)


_PYTEST_CONFIG = ("pyproject.toml", "pytest.ini", "setup.cfg", "tox.ini", "conftest.py")


def _feature_sets(references: list[str]) -> tuple[cargo.FeatureSet, ...]:
    """Every non-default feature build the cargo citations ask for."""
    return tuple({f for ref in references for leg in parse_command(ref).cargo_legs for f in leg_feature_sets(leg)})

# Order is the order shapes are tried in: a cargo command is never read as a node id.
REGISTRY_KINDS: dict[str, RegistryKind] = {
    "meta": RegistryKind(lambda root: True, looks_like_meta, lambda root, args, cached, refs: MetaRegistry(root)),
    "cargo": RegistryKind(lambda root: (root / "Cargo.toml").is_file(),
                          lambda ref: looks_like_cargo(ref) or is_rust_ident(ref.strip()),
                          lambda root, args, cached, refs: CargoTestRegistry(
                              cargo.collect(root, use_cache=cached, feature_sets=_feature_sets(refs)))),
    "pytest": RegistryKind(lambda root: any((root / name).is_file() for name in _PYTEST_CONFIG),
                           lambda ref: NODE_ID.fullmatch(ref.strip()) is not None,
                           lambda root, args, cached, refs: PytestRegistry(collect(root, args, use_cache=cached))),
}


@dataclass
class Registries:
    """The registries a project has, opened once; `resolve` routes each reference by shape."""

    root: Path
    pytest: Registry                                  # pytest's own (possibly empty): markers, orphans, mutate
    members: dict[str, TestRegistry] = field(default_factory=dict)
    absent: dict[str, str] = field(default_factory=dict)  # kind -> why the project has no such registry

    @property
    def tests(self) -> int:
        return sum(r.size for r in self.members.values())

    def kind_of(self, reference: str) -> str:
        """Which registry a reference belongs to by its shape ("pytest" for prose, as before)."""
        for name, kind in REGISTRY_KINDS.items():
            if kind.claims(reference):
                if name == "cargo" and not looks_like_cargo(reference) and "cargo" not in self.members:
                    continue  # a bare identifier binds to cargo only in a Rust project
                return name
        return "pytest"

    def resolve(self, falsifier_id: str, reference: str | None) -> Binding:
        if reference is None or not reference.strip() or is_pending(reference):
            return resolve_binding(falsifier_id, reference, self.pytest)
        name = self.kind_of(reference)
        registry = self.members.get(name)
        if registry is None:
            why = self.absent.get(name, f"the project has no {name} registry")
            return Binding(falsifier_id, reference, BindingState.UNRESOLVED, registry=name,
                           dangling=(Dangling(reference.strip(), why),),
                           candidates=rank_candidates(falsifier_id, "", self.pytest))
        return registry.resolve(falsifier_id, reference)

    def fix(self, binding: Binding) -> tuple[str | None, str]:
        registry = self.members.get(binding.registry)
        if registry is None:
            return None, f"no {binding.registry} registry in this project"
        return registry.fix(binding)


def open_registries(root: Path, pytest_args: tuple[str, ...] = (), *, use_cache: bool = True,
                    references: Iterable[str | None] | None = None) -> Registries:
    """Every registry the project has and its `references` need (None: every one it has).

    pytest's is built whenever the project is a Python one (its markers are checked even
    when no contract cites pytest); cargo's only when some reference has a cargo shape,
    since building a workspace's tests is the slowest thing pv does."""
    root = root.resolve()
    refs = None if references is None else [r for r in references if r and r.strip()]
    registries = Registries(root, Registry(root=root, tests={}))
    for name, kind in REGISTRY_KINDS.items():
        wanted = refs is None or any(kind.claims(r) for r in refs) if name == "cargo" else True
        if name == "pytest" and not kind.detect(root) and not any(kind.claims(r) for r in refs or ()):
            registries.members[name] = PytestRegistry(registries.pytest)
            continue
        if not kind.detect(root):
            registries.absent[name] = f"no {name} project at {root} (no Cargo.toml)" if name == "cargo" else f"no {name} project"
            continue
        if not wanted:
            registries.absent[name] = "not opened: no falsifier cites a cargo test"
            continue
        opened = kind.open(root, pytest_args, use_cache, refs or [])
        registries.members[name] = opened
        if isinstance(opened, PytestRegistry):
            registries.pytest = opened.registry
    return registries
