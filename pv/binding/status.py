"""Status derived from evidence, never typed by hand: one implementation for lint and reports.

A falsifier is UNBOUND, PENDING (explicit LIVE-PENDING deferral), SKIPPED (bound to a
test that never runs: skipped unconditionally, or `#[ignore]`d) or BOUND from its binding
alone; PASS, FAIL, ERROR or SKIPPED once a recorded run says so; STALE when that run
tested files that have changed since; DUPLICATE when two contracts declare its id.
`falsifier_status` is the one place that decides it: lint, audit, coverage, status and
the scoreboard all call it. A contract's
status is the highest level its falsifiers support:

    PROPOSED    no falsifier bound to a real test
    PARTIAL     some bound, but not every falsifier passes
    FUNCTIONAL  every falsifier bound and passing
    DISCHARGED  FUNCTIONAL, every falsifier has killed an injected bug (or is a
                labelled guard), and no mutant of the contract survived

A declared lifecycle word (metadata.status) is mapped onto these levels by
`pv.contracts.vocabulary.LIFECYCLE_LEVELS` (PARTIAL_ALGORITHM_LEVEL is PARTIAL, ACTIVE_RUNTIME
is FUNCTIONAL, FULL_DISCHARGED is DISCHARGED, ...) and compared both ways: more than the
evidence supports is a false claim, less is a stale one, an unknown word is reported.

`pv lint` has bindings but no run: it asks whether the declared status *could* hold
by treating BOUND as passing and every falsifier as a killer; `pv scoreboard` uses the
recorded evidence. Both call `derive_contract_status`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from pv.binding.resolve import Binding, BindingState, never_runs
from pv.contracts.vocabulary import lifecycle_level


class FalsifierStatus(str, Enum):
    UNBOUND = "UNBOUND"
    PENDING = "PENDING"
    BOUND = "BOUND"
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    SKIPPED = "SKIPPED"
    STALE = "STALE"  # a recorded outcome whose contract, tests or kernel changed since (or unbound to them)
    DUPLICATE = "DUPLICATE"  # its id is declared by two contracts (PV-SCHEMA-009): never run, never passing


# A recorded pytest outcome, as a falsifier status.
OUTCOME_STATUS = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "SKIPPED"}


def falsifier_status(binding: Binding, outcome: str | None = None, *, stale: bool = False,
                     duplicate: bool = False) -> FalsifierStatus:
    """One falsifier's status from its binding and, when a run recorded one, its outcome;
    `stale`: that run tested files that changed since; `duplicate`: two contracts declare the id."""
    if duplicate:
        return FalsifierStatus.DUPLICATE
    if binding.state is BindingState.PENDING:
        return FalsifierStatus.PENDING
    if binding.state is not BindingState.RESOLVED or binding.test is None:
        return FalsifierStatus.UNBOUND
    if outcome is not None:
        return FalsifierStatus.STALE if stale else FalsifierStatus(OUTCOME_STATUS[outcome])
    return FalsifierStatus.SKIPPED if never_runs(binding) else FalsifierStatus.BOUND


LEVELS = ("PROPOSED", "PARTIAL", "FUNCTIONAL", "DISCHARGED")
_BOUND_OR_RUN = {FalsifierStatus.BOUND, FalsifierStatus.PASS, FalsifierStatus.FAIL,
                 FalsifierStatus.ERROR, FalsifierStatus.SKIPPED, FalsifierStatus.STALE}


@dataclass(frozen=True, slots=True)
class FalsifierState:
    """What is known of one falsifier: its status, mutants it killed, and guard label."""

    status: FalsifierStatus
    kills: int | None = None  # None: no mutation run recorded
    guard: bool = False


def derive_contract_status(falsifiers: Sequence[FalsifierState], surviving_mutants: int = 0) -> str:
    if not any(f.status in _BOUND_OR_RUN for f in falsifiers):
        return "PROPOSED"
    if not all(f.status is FalsifierStatus.PASS for f in falsifiers):
        return "PARTIAL"
    # a mutation run must be on record (kills known) even when every falsifier is a guard
    if not surviving_mutants and all(f.kills is not None and (f.guard or f.kills > 0) for f in falsifiers):
        return "DISCHARGED"
    return "FUNCTIONAL"


def optimistic(falsifiers: Sequence[FalsifierState]) -> list[FalsifierState]:
    """Binding-only view for lint: a bound falsifier might pass and might kill."""
    return [
        FalsifierState(FalsifierStatus.PASS, kills=1, guard=f.guard) if f.status is FalsifierStatus.BOUND else f
        for f in falsifiers
    ]


def declared_level(declared: str) -> str | None:
    """The level a declared lifecycle word claims (README, "Lifecycle words"), or None."""
    return lifecycle_level(declared)


def unsupported_claim(declared: str | None, derived: str) -> str | None:
    """Why `declared` claims more than `derived` supports, or cannot be checked; None when it
    claims no more. An unknown word is a finding, never a silent pass: a typo such as
    DISCHARGD would otherwise switch the check off."""
    if declared is None:
        return None
    level = declared_level(declared)
    if level is None:
        return f"declares '{declared}', which is not a lifecycle word, so nothing checks it against the evidence ({derived})"
    if LEVELS.index(level) > LEVELS.index(derived):
        named = declared.upper() if declared.upper() == level else f"{declared} ({level})"
        return f"declares {named} but the evidence supports only {derived}"
    return None


def agrees(declared: str | None, derived: str) -> bool:
    """The declared word names exactly the derived level (no declaration agrees with anything)."""
    return declared is None or declared_level(declared) == derived


def underclaim(declared: str | None, derived: str) -> str | None:
    """Why `declared` claims less than the evidence supports (stale, not false), or None."""
    level = declared_level(declared) if declared is not None else None
    if level is not None and LEVELS.index(level) < LEVELS.index(derived):
        return f"declares {declared} ({level}), less than the evidence supports ({derived})"
    return None
