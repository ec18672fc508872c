"""Traceability audit: every link of reference -> equation -> obligation -> falsifier -> test.

The Rust pv's audit stops at "has falsifiers" (AUDIT-001..003), because its obligations
have no ids. pv reuses those findings and the validator's reference checks (SCHEMA-001
for citations, PV-SCHEMA-011 for Kani harnesses citing unknown obligations) as they
are, and adds the links the pv extensions make checkable: each obligation cited by a
falsifier, each falsifier citing an obligation and bound to a collected test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pv.binding.resolve import Binding, BindingState, never_runs
from pv.diagnostics.diagnostic import Diagnostic, Severity
from pv.evidence.plan import Plan
from pv.diagnostics.rules import rule
from pv.reports.traceability import ContractTrace, trace_plan, unbound

# Findings the validator already makes on one contract that are links of the chain.
CHAIN_CODES = frozenset({"SCHEMA-001", "SCHEMA-011", "AUDIT-001", "AUDIT-002", "AUDIT-003", "PV-SCHEMA-011"})


@dataclass
class AuditResult:
    traces: list[ContractTrace]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "contracts": len(self.traces),
            "obligations": sum(len(t.obligations) for t in self.traces),
            "obligations_covered": sum(ob.covered for t in self.traces for ob in t.obligations),
            "falsifiers": sum(len(t.falsifiers) for t in self.traces),
            "falsifiers_bound": sum(fz.bound for t in self.traces for fz in t.falsifiers),
            "errors": sum(d.severity is Severity.ERROR for d in self.diagnostics),
            "warnings": sum(d.severity is Severity.WARNING for d in self.diagnostics),
        }


def audit_contract(trace: ContractTrace) -> Iterator[Diagnostic]:
    f = trace.file
    at = f.doc.position
    yield from (d for d in f.diagnostics if d.code in CHAIN_CODES)
    if trace.obligations and not trace.traceable:
        yield rule("PV-AUDIT-002").at(
            f.path, f.doc.key_position(("proof_obligations",)),
            f"{f.stem}: none of its {len(trace.obligations)} proof obligations has an id, "
            "so no falsifier can cite one")
    for ob in trace.obligations:
        if ob.id and not ob.covered:
            harness = f"; Kani harness {', '.join(ob.kani_harnesses)} cites it, but no falsifier does" if ob.kani_harnesses else ""
            yield rule("PV-AUDIT-001").at(
                f.path, at(("proof_obligations", ob.index, "id")),
                f"obligation {ob.id} ({ob.type}: {ob.property}) is covered by no falsifier{harness}")
    for fz in trace.falsifiers:
        where = ("falsification_tests", fz.index)
        if trace.traceable and not fz.obligation:
            yield rule("PV-AUDIT-003").at(f.path, at((*where, "id")), f"{fz.id} cites no obligation")
        if fz.binding.state is BindingState.PENDING:
            yield rule("PV-VER-003").at(f.path, at((*where, "test")), f"{fz.id} is deferred: {fz.binding.reference}")
        elif unbound(fz):
            yield rule("PV-AUDIT-004").at(f.path, at((*where, "test")), _unbound_message(fz.id, fz.binding),
                                          *(f"candidate: {c.nodeid}" for c in fz.binding.candidates))


def _unbound_message(falsifier_id: str, binding: Binding) -> str:
    if binding.state is BindingState.MISSING:
        return f"{falsifier_id} has no test"
    if binding.state is BindingState.PROSE:
        return f"{falsifier_id} names no test (prose: {binding.reference!r})"
    if binding.state is BindingState.RESOLVED and binding.test is not None and never_runs(binding):
        return f"{falsifier_id} is bound to {binding.test.nodeid}, which is skipped unconditionally"
    return f"{falsifier_id} names {binding.reference!r}, which pytest does not collect"


def audit(plan: Plan) -> AuditResult:
    """Trace every contract of the plan and report each broken link at its line."""
    result = AuditResult(traces=trace_plan(plan))
    for trace in result.traces:
        result.diagnostics.extend(audit_contract(trace))
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return result
