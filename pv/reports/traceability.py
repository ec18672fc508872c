"""The traceability chain of each contract: obligation -> falsifier -> collected test.

One walk over a plan, shared by `pv audit` (which turns gaps into findings) and
`pv coverage` (which counts them), so the two can never disagree on what is covered.
An obligation is covered when a falsifier cites its id with the pv extension
`falsification_tests[].obligation`; obligations without ids (the Rust-era v1 format)
cannot be cited, so they are counted as untraceable rather than guessed at.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from pv.binding.resolve import Binding
from pv.evidence.plan import Plan
from pv.binding.status import FalsifierStatus, falsifier_status
from pv.contracts.model import ContractFile


@dataclass(frozen=True)
class ObligationTrace:
    index: int
    id: str | None
    type: str
    property: str
    falsifiers: tuple[str, ...]  # ids of the falsifiers citing this obligation
    kani_harnesses: tuple[str, ...]

    @builtins.property  # `property` is a field of this class
    def covered(self) -> bool:
        return bool(self.falsifiers)


@dataclass(frozen=True)
class FalsifierTrace:
    index: int
    id: str
    obligation: str | None
    binding: Binding
    duplicate: bool = False  # another contract declares this id too (PV-SCHEMA-009)

    @property
    def status(self) -> FalsifierStatus:
        """The binding-only status (no run): UNBOUND, PENDING, SKIPPED, DUPLICATE or BOUND."""
        return falsifier_status(self.binding, duplicate=self.duplicate)

    @property
    def bound(self) -> bool:
        return self.status is FalsifierStatus.BOUND


@dataclass
class ContractTrace:
    file: ContractFile
    obligations: list[ObligationTrace] = field(default_factory=list)
    falsifiers: list[FalsifierTrace] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return self.file.stem

    @property
    def traceable(self) -> bool:
        """Whether obligations carry ids, so falsifiers can cite them."""
        return any(ob.id for ob in self.obligations)


def trace_contract(plan: Plan, f: ContractFile) -> ContractTrace:
    assert f.contract is not None
    contract = f.contract
    citing: dict[str, list[str]] = {}
    for test in contract.falsification_tests:
        if test.obligation:
            citing.setdefault(test.obligation, []).append(test.id)
    harnesses: dict[str, list[str]] = {}
    for harness in contract.kani_harnesses:
        harnesses.setdefault(harness.obligation, []).append(harness.id)
    trace = ContractTrace(file=f)
    for i, ob in enumerate(contract.proof_obligations):
        trace.obligations.append(ObligationTrace(
            index=i, id=ob.id, type=ob.type, property=ob.property,
            falsifiers=tuple(citing.get(ob.id, ())) if ob.id else (),
            kani_harnesses=tuple(harnesses.get(ob.id, ())) if ob.id else ()))
    for i, (test, binding) in enumerate(zip(contract.falsification_tests, plan.bindings[f.path])):
        trace.falsifiers.append(FalsifierTrace(index=i, id=test.id, obligation=test.obligation, binding=binding,
                                               duplicate=bool(plan.falsifiers[test.id].conflict)))
    return trace


def trace_plan(plan: Plan) -> list[ContractTrace]:
    """The chain of every contract in the plan, in the plan's order."""
    return [trace_contract(plan, f) for f in plan.contracts if f.contract is not None]


def unbound(trace: FalsifierTrace) -> bool:
    """Bound to no test that can run: unresolved, or bound to a test that never runs."""
    return falsifier_status(trace.binding) in (FalsifierStatus.UNBOUND, FalsifierStatus.SKIPPED)  # duplicate or not
