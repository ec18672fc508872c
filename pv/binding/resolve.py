"""Resolving a falsifier's `test:` reference against the registry, and ranking candidates.

A reference resolves only by exact, fully-qualified node id. When it does not, the
closest real tests are ranked so that each drift class seen in practice puts the right
test first: a test whose marker names the falsifier (guessed name), the same function
elsewhere (module-path/class drift), the same function with another parametrize id, a
name that extends the reference (date suffix) or shares most of it (suffix drift).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from enum import Enum

from pv.binding.registry import CollectedTest, Registry

PENDING_PREFIX = "LIVE-PENDING:"
NODE_ID = re.compile(r"[\w./-]+\.py(::[\w.\-]+)+(\[.*\])?")
MAX_CANDIDATES = 3
MIN_SCORE = 12.0


class BindingState(str, Enum):
    RESOLVED = "resolved"      # the node id exists in the registry
    UNRESOLVED = "unresolved"  # looks like a node id, but pytest collects no such test
    PROSE = "prose"            # free text, not a node id (typical of Rust-era contracts)
    MISSING = "missing"        # no `test:` at all
    PENDING = "pending"        # explicit `LIVE-PENDING: reason` deferral


@dataclass(frozen=True)
class Binding:
    falsifier_id: str
    reference: str | None
    state: BindingState
    test: CollectedTest | None = None
    candidates: tuple[CollectedTest, ...] = field(default=())


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


def resolve_binding(falsifier_id: str, reference: str | None, registry: Registry) -> Binding:
    if reference is None or not reference.strip():
        return Binding(falsifier_id, reference, BindingState.MISSING, candidates=rank_candidates(falsifier_id, "", registry))
    ref = reference.strip()
    if ref.startswith(PENDING_PREFIX):
        return Binding(falsifier_id, reference, BindingState.PENDING)
    test = registry.tests.get(ref)
    if test is not None:
        return Binding(falsifier_id, reference, BindingState.RESOLVED, test)
    state = BindingState.UNRESOLVED if NODE_ID.fullmatch(ref) else BindingState.PROSE
    return Binding(falsifier_id, reference, state, candidates=rank_candidates(falsifier_id, ref, registry))


def _score(falsifier_id: str, wanted: _Parts | None, test: CollectedTest) -> float:
    score = 0.0
    if falsifier_id in test.falsifies:
        score += 100.0
    if wanted is None:
        return score
    have = split_nodeid(test.nodeid)
    if have.function == wanted.function:
        score += 60.0
    elif wanted.function and have.function.startswith(wanted.function):
        score += 40.0 + 10.0 * len(wanted.function) / len(have.function)  # truncated date/version suffix
    else:
        score += 30.0 * difflib.SequenceMatcher(None, wanted.function, have.function).ratio() - 10.0
    if have.path == wanted.path:
        score += 8.0
    elif have.path.rsplit("/", 1)[-1] == wanted.path.rsplit("/", 1)[-1]:
        score += 4.0
    if have.classes == wanted.classes:
        score += 4.0
    if wanted.params is not None and have.params is not None:
        score += 6.0 * difflib.SequenceMatcher(None, wanted.params, have.params).ratio()
    elif (wanted.params is None) == (have.params is None):
        score += 2.0
    return score


def rank_candidates(falsifier_id: str, reference: str, registry: Registry) -> tuple[CollectedTest, ...]:
    """Up to three real tests closest to `reference`, best first."""
    wanted = split_nodeid(reference) if NODE_ID.fullmatch(reference) else None
    scored = [(_score(falsifier_id, wanted, t), t.nodeid, t) for t in registry.tests.values()]
    scored = [s for s in scored if s[0] >= MIN_SCORE]
    scored.sort(key=lambda s: (-s[0], s[1]))
    return tuple(t for _, _, t in scored[:MAX_CANDIDATES])
