"""Status derivation: one table, used by lint and by the scoreboard."""

from __future__ import annotations

import pytest

from pv.binding.status import FalsifierState as S
from pv.binding.status import FalsifierStatus as F
from pv.binding.status import derive_contract_status, optimistic, unsupported_claim

P, B, U = F.PASS, F.BOUND, F.UNBOUND

TABLE = [
    ([], 0, "PROPOSED"),
    ([S(U), S(F.PENDING)], 0, "PROPOSED"),
    ([S(B), S(U)], 0, "PARTIAL"),
    ([S(P), S(F.FAIL)], 0, "PARTIAL"),
    ([S(P), S(F.SKIPPED)], 0, "PARTIAL"),
    ([S(P), S(F.ERROR)], 0, "PARTIAL"),
    ([S(B), S(B)], 0, "PARTIAL"),  # bound but never run: no evidence of passing
    ([S(P), S(P)], 0, "FUNCTIONAL"),  # no mutation evidence
    ([S(P, kills=1), S(P, kills=0)], 0, "FUNCTIONAL"),  # one falsifier never shown to fail
    ([S(P, kills=1), S(P, kills=0, guard=True)], 0, "DISCHARGED"),
    ([S(P, kills=2), S(P, kills=1)], 0, "DISCHARGED"),
    ([S(P, kills=2), S(P, kills=1)], 1, "FUNCTIONAL"),  # a mutant survived
]


@pytest.mark.parametrize(("falsifiers", "survivors", "expected"), TABLE)
def test_contract_status_table(falsifiers: list[S], survivors: int, expected: str) -> None:
    assert derive_contract_status(falsifiers, survivors) == expected


def test_lint_view_lets_bound_falsifiers_support_any_claim_but_not_unbound_ones() -> None:
    assert derive_contract_status(optimistic([S(B), S(B)])) == "DISCHARGED"
    assert derive_contract_status(optimistic([S(B), S(U)])) == "PARTIAL"


@pytest.mark.parametrize(("declared", "derived", "finding"), [
    ("FUNCTIONAL", "PARTIAL", True),
    ("DISCHARGED", "FUNCTIONAL", True),
    ("PARTIAL", "FUNCTIONAL", False),
    ("functional", "FUNCTIONAL", False),
    (None, "PROPOSED", False),
    ("DISCHARGD", "PROPOSED", True),  # a typo is reported, never a silent pass
    ("EXPERIMENTAL", "DISCHARGED", True),
    ("PARTIAL_ALGORITHM_LEVEL", "PARTIAL", False),
    ("PARTIAL_ALGORITHM_LEVEL", "PROPOSED", True),
    ("ACTIVE", "PARTIAL", True),  # ACTIVE claims FUNCTIONAL: more than PARTIAL, never "less"
    ("ACTIVE_RUNTIME", "FUNCTIONAL", False),
    ("FULL_DISCHARGED", "FUNCTIONAL", True),
    ("PROPOSED", "FUNCTIONAL", False),  # claiming less is stale, not false
])
def test_unsupported_claim(declared: str | None, derived: str, finding: bool) -> None:
    assert (unsupported_claim(declared, derived) is not None) is finding


@pytest.mark.parametrize(("declared", "derived", "agreement", "under"), [
    ("ACTIVE", "FUNCTIONAL", True, False),
    ("PARTIAL_ALGORITHM_LEVEL", "PARTIAL", True, False),
    ("PROPOSED", "FUNCTIONAL", False, True),
    ("DISCHARGD", "DISCHARGED", False, False),
    (None, "PARTIAL", True, False),
])
def test_lifecycle_words_compare_both_ways(declared: str | None, derived: str, agreement: bool, under: bool) -> None:
    from pv.binding.status import agrees, underclaim
    assert agrees(declared, derived) is agreement
    assert (underclaim(declared, derived) is not None) is under
