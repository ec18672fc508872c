"""Resolving a falsifier's `test:` reference, and ranking candidates: shared by every registry.

A pytest reference resolves only by exact, fully-qualified node id (a cargo reference by
cargo's own filter semantics, pv.binding.cargo_resolve). When it does not, the closest
real tests are ranked so that each drift class seen in practice puts the right test
first: a test whose marker names the falsifier (guessed name), the same function
elsewhere (module-path/class drift, wrong crate), the same function with another
parametrize id, a name that extends the reference (date suffix) or shares most of it
(suffix drift). The ranking works on `NameParts`, so pytest node ids and cargo test
paths are scored by the same code.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from pv.binding.registry import Registry

PENDING_PREFIX = "LIVE-PENDING:"
# `LIVE-PENDING: reason` and aprender's `LIVE-PENDING — reason` (em or en dash, or ` - `):
# a deferral must carry its reason.
PENDING = re.compile(r"LIVE-PENDING\s*(?::|\u2014|\u2013|-{1,2}(?=\s))\s*(\S.*)", re.DOTALL)
NODE_ID = re.compile(r"[\w./-]+\.py(::[\w.\-]+)+(\[.*\])?")
MAX_CANDIDATES = 3
MIN_SCORE = 12.0
# Work per reference is bounded: a reference longer than this is not ranked by name (only
# tests marked with the falsifier are offered), and names are compared on at most
# NAME_CHARS characters, so a hostile 58 KB `test:` costs what a normal one does.
MAX_REFERENCE_CHARS = 1_000
NAME_CHARS = 200


class BindingState(str, Enum):
    RESOLVED = "resolved"      # the reference names tests the registry holds
    UNRESOLVED = "unresolved"  # has a registry's shape (node id, cargo command), but names no real test
    PROSE = "prose"            # free text, not a test reference
    MISSING = "missing"        # no `test:` at all
    PENDING = "pending"        # explicit `LIVE-PENDING: reason` deferral


class RegisteredTest(Protocol):
    """What shared code needs of a test, whichever registry holds it."""

    @property
    def nodeid(self) -> str: ...
    @property
    def function(self) -> str: ...
    @property
    def falsifies(self) -> tuple[str, ...]: ...
    @property
    def skipped(self) -> bool: ...


@dataclass(frozen=True)
class Dangling:
    """One part of a reference that names nothing: what was cited and why it does not resolve."""

    cited: str
    reason: str


@dataclass(frozen=True)
class Binding:
    falsifier_id: str
    reference: str | None
    state: BindingState
    test: RegisteredTest | None = None
    candidates: tuple[RegisteredTest, ...] = field(default=())
    registry: str = "pytest"
    tests: tuple[RegisteredTest, ...] = field(default=())      # every test the reference selects (a suite)
    dangling: tuple[Dangling, ...] = field(default=())         # per dangling part (a compound's half)
    notes: tuple[str, ...] = field(default=())                 # parts accepted but not checked
    unrun: tuple[str, ...] = field(default=())                 # legs of a compound no registry runs


def never_runs(binding: Binding) -> bool:
    """Resolved, but nothing it names runs: a skipped pytest test, or a cargo citation whose
    every test is `#[ignore]`d and not asked for with `--ignored`/`--include-ignored`."""
    if binding.state is not BindingState.RESOLVED or binding.test is None:
        return False
    return binding.test.skipped if binding.registry == "pytest" else not binding.tests


@dataclass(frozen=True)
class NameParts:
    """A test's name split the way drift happens: scope (file; crate+target), classes/modules, function."""

    scope: str
    family: str  # a looser scope: the file's basename, the crate
    classes: tuple[str, ...]
    function: str
    params: str | None


@dataclass(frozen=True)
class _Parts:
    path: str
    classes: tuple[str, ...]
    function: str
    params: str | None


def split_nodeid(nodeid: str) -> _Parts:
    head, _, params = nodeid.partition("[")
    pieces = head.split("::")
    return _Parts(pieces[0], tuple(pieces[1:-1]), pieces[-1] if len(pieces) > 1 else "", params.rstrip("]") if params else None)


def is_pending(reference: str) -> bool:
    return PENDING.match(reference.strip()) is not None


def resolve_binding(falsifier_id: str, reference: str | None, registry: Registry) -> Binding:
    """Resolve against pytest's registry (`Registries.resolve` picks the registry by the reference's shape)."""
    if reference is None or not reference.strip():
        return Binding(falsifier_id, reference, BindingState.MISSING, candidates=rank_candidates(falsifier_id, "", registry))
    ref = reference.strip()
    if is_pending(ref):
        return Binding(falsifier_id, reference, BindingState.PENDING)
    test = registry.tests.get(ref)
    if test is not None:
        return Binding(falsifier_id, reference, BindingState.RESOLVED, test)
    state = BindingState.UNRESOLVED if NODE_ID.fullmatch(ref) else BindingState.PROSE  # linear in its length
    return Binding(falsifier_id, reference, state, candidates=rank_candidates(falsifier_id, ref, registry))


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a[:NAME_CHARS], b[:NAME_CHARS]).ratio()


def pytest_parts(nodeid: str) -> NameParts:
    parts = split_nodeid(nodeid)
    return NameParts(parts.path, parts.path.rsplit("/", 1)[-1], parts.classes, parts.function, parts.params)


def score(falsifier_id: str, wanted: NameParts | None, have: NameParts, falsifies: tuple[str, ...]) -> float:
    """How likely `have` is the test a reference `wanted` meant; higher is closer."""
    score = 0.0
    if falsifier_id in falsifies:
        score += 100.0
    if wanted is None:
        return score
    if have.function == wanted.function:
        score += 60.0
    elif wanted.function and have.function.startswith(wanted.function):
        score += 40.0 + 10.0 * len(wanted.function) / len(have.function)  # truncated date/version suffix
    else:
        score += 30.0 * _similarity(wanted.function, have.function) - 10.0
    if have.scope == wanted.scope:
        score += 8.0
    elif have.family == wanted.family:
        score += 4.0
    if have.classes == wanted.classes:
        score += 4.0
    if wanted.params is not None and have.params is not None:
        score += 6.0 * _similarity(wanted.params, have.params)
    elif (wanted.params is None) == (have.params is None):
        score += 2.0
    return score


def rank(falsifier_id: str, wanted: NameParts | None,
         tests: Iterable[tuple[NameParts, RegisteredTest]]) -> list[tuple[float, RegisteredTest]]:
    """Every test scoring at least MIN_SCORE, best first (ties by node id)."""
    scored = [(score(falsifier_id, wanted, parts, t.falsifies), t.nodeid, t) for parts, t in tests]
    scored = [s for s in scored if s[0] >= MIN_SCORE]
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [(s, t) for s, _, t in scored]


def rank_candidates(falsifier_id: str, reference: str, registry: Registry) -> tuple[RegisteredTest, ...]:
    """Up to three real tests closest to `reference`, best first."""
    named = len(reference) <= MAX_REFERENCE_CHARS and NODE_ID.fullmatch(reference) is not None
    wanted = pytest_parts(reference) if named else None
    ranked = rank(falsifier_id, wanted, ((pytest_parts(t.nodeid), t) for t in registry.tests.values()))
    return tuple(t for _, t in ranked[:MAX_CANDIDATES])


def choose_fix(binding: Binding, registry: Registry) -> tuple[str | None, str]:
    """The one node id to write, or None with the reason no fix is certain."""
    if binding.state not in (BindingState.UNRESOLVED, BindingState.PROSE, BindingState.MISSING):
        return None, "already resolved or deliberately pending"
    marked = sorted({t.nodeid for t in registry.by_falsifier().get(binding.falsifier_id, [])})
    if len(marked) == 1:
        return marked[0], f"the only test marked falsifies(\"{binding.falsifier_id}\")"
    if not marked:
        return None, f"no collected test carries falsifies(\"{binding.falsifier_id}\"); nothing certain to point at"
    return None, f"{len(marked)} tests carry falsifies(\"{binding.falsifier_id}\") ({', '.join(marked[:3])}); choose one by hand"
