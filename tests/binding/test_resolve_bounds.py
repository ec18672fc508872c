"""The work spent on one `test:` reference is bounded, whatever its length.

Ranking compares the reference with every collected test; with a 58 KB reference each
comparison was quadratic in its length (a 7 KB value took 16 s of strict lint). The
comparisons are counted here rather than timed: every string difflib sees is short.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from pv.binding.registry import CollectedTest, Registry
from pv.binding.resolve import NAME_CHARS, BindingState, resolve_binding


def registry(n: int) -> Registry:
    tests = {f"falsifiers/test_x.py::test_case_{i}[p{i}]": CollectedTest(
        f"falsifiers/test_x.py::test_case_{i}[p{i}]", "falsifiers/test_x.py", i, (), f"p{i}", False) for i in range(n)}
    return Registry(root=Path("."), tests=tests)


@pytest.mark.parametrize("reference", [
    "falsifiers/test_x.py::test_" + "a" * 58_000,                 # a node id with a 58 KB function name
    "falsifiers/test_x.py::test_case[" + "q" * 58_000 + "]",      # a 58 KB parametrize id
    "falsifiers/test_x.py::" + "::C" * 20_000 + "::test_case",     # 60 KB of classes
    "prose " * 10_000,                                              # 60 KB of prose
])
def test_a_huge_reference_costs_no_more_than_a_short_one(reference: str, monkeypatch: pytest.MonkeyPatch) -> None:
    longest: list[int] = [0]
    real = difflib.SequenceMatcher

    def spy(isjunk: object = None, a: str = "", b: str = "", autojunk: bool = True) -> difflib.SequenceMatcher[str]:
        longest[0] = max(longest[0], len(a), len(b))
        return real(None, a, b, autojunk)

    monkeypatch.setattr(difflib, "SequenceMatcher", spy)
    binding = resolve_binding("FALSIFY-X-001", reference, registry(300))
    assert binding.state in (BindingState.UNRESOLVED, BindingState.PROSE)
    assert longest[0] <= NAME_CHARS


def test_a_long_reference_still_resolves_exactly() -> None:
    """The bound is on ranking, never on exact resolution: a real id of any length is bound."""
    nodeid = "falsifiers/test_x.py::test_case[" + "p" * 5_000 + "]"
    tests = {nodeid: CollectedTest(nodeid, "falsifiers/test_x.py", 1, ("FALSIFY-X-001",), "p" * 5_000, False)}
    binding = resolve_binding("FALSIFY-X-001", nodeid, Registry(root=Path("."), tests=tests))
    assert binding.state is BindingState.RESOLVED
