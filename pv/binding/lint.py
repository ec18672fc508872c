"""`pv lint`: every falsifier bound to a real test and every marker to a real falsifier."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pv.binding.registries import PytestRegistry, Registries
from pv.binding.resolve import Binding, BindingState, never_runs
from pv.diagnostics.diagnostic import Diagnostic
from pv.binding.registry import CollectedTest, Registry
from pv.diagnostics.rules import rule
from pv.contracts.crossfile import ContractSummary
from pv.contracts.loader import excerpt
from pv.binding.status import FalsifierState, derive_contract_status, falsifier_status, optimistic, unsupported_claim
from pv.contracts.model import ContractFile


@dataclass
class LintResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)  # contract path -> bindings
    declared: int = 0
    resolved: int = 0
    pending: int = 0


def as_registries(registry: Registry | Registries) -> Registries:
    if isinstance(registry, Registries):
        return registry
    return Registries(registry.root, registry, {"pytest": PytestRegistry(registry)})


def lint(files: list[ContractFile], registries: Registry | Registries, *, strict: bool, known_ids: set[str],
         vacuity_guard: bool = True, resolved: Mapping[str, list[Binding]] | None = None) -> LintResult:
    """Check bindings of `files` against the project's registries; `known_ids` are every id any contract declares.

    The vacuity guard is off only for an incremental run whose change touched no contract.
    """
    result = LintResult()
    registries = as_registries(registries)
    registry = registries.pytest
    by_falsifier = registry.by_falsifier()  # once: it indexes every collected test
    for f in files:
        if f.contract is None:
            continue
        bindings = (resolved or {}).get(f.path) or [registries.resolve(t.id, t.test) for t in f.contract.falsification_tests]
        result.bindings[f.path] = bindings
        result.declared += len(bindings)
        result.resolved += sum(b.state is BindingState.RESOLVED for b in bindings)
        result.pending += sum(b.state is BindingState.PENDING for b in bindings)
        result.diagnostics.extend(_contract_bindings(f, bindings, by_falsifier, strict))
    result.diagnostics.extend(_orphans(registry, known_ids))
    result.diagnostics.extend(_collection_errors(registry))
    if strict and vacuity_guard and (result.resolved == 0 or result.resolved + result.pending < result.declared):
        result.diagnostics.append(rule("PV-VER-009").at(
            "<lint>", (0, 0),
            f"strict test binding resolved {result.resolved} of {result.declared} declared falsifiers "
            f"({result.pending} explicitly pending)"))
    return result


def _contract_bindings(f: ContractFile, bindings: list[Binding], by_falsifier: dict[str, list[CollectedTest]],
                       strict: bool) -> Iterator[Diagnostic]:
    assert f.contract is not None
    at = f.doc.position
    implementations = sorted(f.contract.implementations)
    for i, (test, binding) in enumerate(zip(f.contract.falsification_tests, bindings)):
        where = ("falsification_tests", i, "test")
        if binding.state is BindingState.PENDING:
            yield rule("PV-VER-003").at(f.path, at(where), f"{test.id} is deferred: {binding.reference}")
        elif binding.state is not BindingState.RESOLVED:
            yield from _unresolved(f, binding, at(where), strict)
        else:
            assert binding.test is not None
            if binding.registry == "pytest" and test.id not in binding.test.falsifies:
                marked = ", ".join(binding.test.falsifies) or "no falsifier"
                yield rule("PV-VER-005").at(
                    f.path, at(where),
                    f"{test.id} names {binding.test.nodeid}, whose falsifies marker names {marked}",
                    f"add @pytest.mark.falsifies(\"{test.id}\") to {binding.test.nodeid}")
            if never_runs(binding) and binding.registry == "cargo":
                yield rule("PV-VER-008").at(f.path, at(where), f"{test.id} is bound to {binding.test.nodeid}, which is "
                                            "#[ignore]d: cargo test never runs it by default")
            elif never_runs(binding):
                yield rule("PV-VER-008").at(f.path, at(where), f"{test.id} is bound to {binding.test.nodeid}, which is skipped unconditionally")
        if binding.notes:
            yield rule("PV-VER-012").at(f.path, at(where), f"{test.id}: " + "; ".join(binding.notes))
        if len(implementations) > 1 and binding.state is BindingState.RESOLVED and binding.registry == "pytest":
            tests = {t.nodeid: t for t in by_falsifier.get(test.id, [])}
            if isinstance(binding.test, CollectedTest):
                tests[binding.test.nodeid] = binding.test
            covered = {part for t in tests.values() if t.params for part in t.params.split("-")}
            missing = [name for name in implementations if name not in covered]
            if missing:
                yield rule("PV-VER-006").at(
                    f.path, at(where),
                    f"{test.id} does not run against implementation(s) {', '.join(missing)} "
                    f"of {f.stem} (declared: {', '.join(implementations)})")
    states = [FalsifierState(falsifier_status(b), guard=t.guard is not None) for t, b in zip(f.contract.falsification_tests, bindings)]
    reason = unsupported_claim(f.contract.metadata.status, derive_contract_status(optimistic(states)))
    if reason:
        yield rule("PV-VER-007").at(f.path, at(("metadata", "status")), f"{f.stem} {reason} from its test bindings")


def _unresolved(f: ContractFile, binding: Binding, position: tuple[int, int], strict: bool) -> Iterator[Diagnostic]:
    code = "PV-VER-002" if strict else "PV-VER-001"
    hints = tuple(f"candidate: {c.nodeid}" for c in binding.candidates)
    if binding.dangling:  # cargo and meta citations: one finding per dangling part, in the Rust gate's words
        for part in binding.dangling:
            closest = f"; closest: {binding.candidates[0].nodeid}" if binding.candidates else ""
            yield rule(code).at(f.path, position,
                                f"Dangling test reference: cited `{part.cited}` not found ({part.reason}) "
                                f"(falsification_tests[{binding.falsifier_id}].test){closest}", *hints)
        return
    what = {
        BindingState.MISSING: "has no test",
        BindingState.PROSE: f"names no test (prose: '{excerpt(binding.reference)}')",
        BindingState.UNRESOLVED: f"names '{excerpt(binding.reference)}', which pytest does not collect",
    }[binding.state]
    hints = tuple(
        f"candidate: {c.nodeid}" + (f" (marked {binding.falsifier_id})" if binding.falsifier_id in c.falsifies else "")
        for c in binding.candidates)
    closest = f"; closest: {binding.candidates[0].nodeid}" if binding.candidates else ""
    yield rule(code).at(f.path, position, f"{binding.falsifier_id} {what}{closest}", *hints)


def _display(registry: Registry, path: str) -> str:
    return os.path.relpath(registry.root / path) if not Path(path).is_absolute() else path


def _orphans(registry: Registry, known_ids: set[str]) -> Iterator[Diagnostic]:
    seen: set[tuple[str, int, str]] = set()  # a parametrized test is one orphan, not one per case
    for test in registry.tests.values():
        for falsifier_id in test.falsifies:
            if falsifier_id not in known_ids and (test.path, test.line, falsifier_id) not in seen:
                seen.add((test.path, test.line, falsifier_id))
                yield rule("PV-VER-004").at(
                    _display(registry, test.path), (test.line, 1),
                    f"{test.nodeid} is marked falsifies(\"{falsifier_id}\"), which no contract declares")


def _collection_errors(registry: Registry) -> Iterator[Diagnostic]:
    for error in registry.errors:
        path = error["nodeid"].split("::")[0] or "."
        yield rule("PV-VER-010").at(_display(registry, path), (1, 1), f"pytest could not collect {path}: {error['message']}")


def affected_contracts(contracts: list[Path], tests: set[str], index: list[ContractSummary], registry: Registry) -> list[Path]:
    """Changed contracts plus every contract whose bindings involve a changed test file."""
    marked_in_changed = {fid for t in registry.tests.values() if t.path in tests for fid in t.falsifies}
    chosen = {os.path.normpath(p) for p in contracts}
    for summary in index:
        if set(summary.test_files) & tests or any(fid in marked_in_changed for fid, _ in summary.ids):
            chosen.add(os.path.normpath(summary.path))
    return [Path(p) for p in sorted(chosen)]
