"""What changed between two versions of a contract, and the semver bump the change needs.

A contract's version tells the teams implementing it what to re-check. The bump
follows from the kind of change, judged from the implementation's side:

    MAJOR  an implementation that met the old contract may fail the new one: an
           equation, obligation, falsifier or invariant removed; a formula, domain,
           codomain, formal predicate, tolerance, prediction or parameter changed; a
           precondition added (the domain tightened)
    MINOR  something new to meet: an equation, obligation, falsifier, invariant or
           dependency added; a precondition dropped (the domain widened)
    PATCH  text only: descriptions, references, rule names, if_fails, the bound test,
           whitespace re-wrapping of a formula, any other section

pv cannot tell a loosened formula or prediction from a tightened one, so any change
to a claim is MAJOR. Identity follows ids (equation names, obligation ids, falsifier
and harness ids); obligations without ids are identified by type and property, as
the Rust pv does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

from pv.diagnostics.diagnostic import Diagnostic
from pv.diagnostics.rules import rule
from pv.contracts.schema import Contract, Equation, ProofObligation
from pv.contracts.model import ContractFile
from pv.contracts.validate import SEMVER


class Bump(IntEnum):
    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Change:
    section: str  # equations, proof_obligations, falsification_tests, kani_harnesses, metadata or another key
    item: str     # the equation name, obligation or falsifier id, or metadata field
    kind: str     # added, removed or changed
    what: str     # for `changed`: which field; otherwise empty
    bump: Bump
    old: Any = None
    new: Any = None

    def describe(self) -> str:
        where = f"{self.section}.{self.item}" if self.item else self.section
        return f"{where}: {self.kind}" + (f" {self.what}" if self.what else "")

    def as_dict(self) -> dict[str, Any]:
        return {"section": self.section, "item": self.item, "kind": self.kind, "what": self.what,
                "bump": self.bump.label, "old": self.old, "new": self.new}


@dataclass
class ContractDiff:
    old: ContractFile
    new: ContractFile
    changes: list[Change]
    declared: Bump | None  # None: a version is not semver, or it went down
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def needed(self) -> Bump:
        return max((c.bump for c in self.changes), default=Bump.NONE)

    @property
    def sufficient(self) -> bool:
        return self.needed is Bump.NONE or (self.declared is not None and self.declared >= self.needed)


def _text(value: Any) -> Any:
    """Whitespace-insensitive form: re-wrapping a folded YAML string is not a change."""
    return " ".join(value.split()) if isinstance(value, str) else value


def _keyed(section: str, old: Mapping[str, Any], new: Mapping[str, Any], added: Bump, removed: Bump) -> Iterator[Change]:
    for key in new.keys() - old.keys():
        yield Change(section, key, "added", "", added, new=_plain(new[key]))
    for key in old.keys() - new.keys():
        yield Change(section, key, "removed", "", removed, old=_plain(old[key]))


def _plain(value: Any) -> Any:
    return value.model_dump(exclude_defaults=True) if hasattr(value, "model_dump") else value


def _field(section: str, item: str, what: str, old: Any, new: Any, bump: Bump) -> Iterator[Change]:
    if old == new:
        return
    if _text(old) == _text(new):
        yield Change(section, item, "changed", f"{what} (whitespace only)", Bump.PATCH, old, new)
    else:
        yield Change(section, item, "changed", what, bump, old, new)


def _equations(old: Contract, new: Contract) -> Iterator[Change]:
    yield from _keyed("equations", old.equations, new.equations, Bump.MINOR, Bump.MAJOR)
    for name in old.equations.keys() & new.equations.keys():
        a, b = old.equations[name], new.equations[name]
        yield from _field("equations", name, "formula", a.formula, b.formula, Bump.MAJOR)
        yield from _field("equations", name, "domain", a.domain, b.domain, Bump.MAJOR)
        yield from _field("equations", name, "codomain", a.codomain, b.codomain, Bump.MAJOR)
        before, after = [_text(i) for i in a.invariants], [_text(i) for i in b.invariants]
        for invariant in after:
            if invariant not in before:
                yield Change("equations", name, "changed", "invariant added", Bump.MINOR, new=invariant)
        for invariant in before:
            if invariant not in after:
                yield Change("equations", name, "changed", "invariant removed", Bump.MAJOR, old=invariant)
        yield from _clauses(name, "precondition", _clause_map(a, "preconditions"), _clause_map(b, "preconditions"),
                            added=(Bump.MAJOR, "domain tightened"), removed=(Bump.MINOR, "domain widened"))
        yield from _clauses(name, "postcondition", _clause_map(a, "postconditions"), _clause_map(b, "postconditions"),
                            added=(Bump.MINOR, "guarantee strengthened"), removed=(Bump.MAJOR, "guarantee weakened"))


def _clause_map(equation: Equation, block: Literal["preconditions", "postconditions"]) -> dict[str, str]:
    """Named clauses by name; list-form clauses by their text, since an index says nothing
    about which clause it was once the list is edited."""
    return {str(c.key) if isinstance(c.key, str) else c.text: c.text for c in equation.clauses(block)}


def _clauses(name: str, kind: str, a: dict[str, str], b: dict[str, str], *,
             added: tuple[Bump, str], removed: tuple[Bump, str]) -> Iterator[Change]:
    """A precondition added narrows what callers may pass (breaking); a postcondition added
    promises more (compatible): `added` and `removed` say which bump each direction needs."""
    for clause in b.keys() - a.keys():
        yield Change("equations", name, "changed", f"{kind} {clause} added ({added[1]})", added[0], new=b[clause])
    for clause in a.keys() - b.keys():
        yield Change("equations", name, "changed", f"{kind} {clause} removed ({removed[1]})", removed[0], old=a[clause])
    for clause in a.keys() & b.keys():
        yield from _field("equations", name, f"{kind} {clause}", a[clause], b[clause], Bump.MAJOR)


def _obligation_key(ob: ProofObligation) -> str:
    return ob.id or f"{ob.type}: {_text(ob.property)}"


def _obligations(old: Contract, new: Contract) -> Iterator[Change]:
    a = {_obligation_key(ob): ob for ob in old.proof_obligations}
    b = {_obligation_key(ob): ob for ob in new.proof_obligations}
    yield from _keyed("proof_obligations", a, b, Bump.MINOR, Bump.MAJOR)
    for key in a.keys() & b.keys():
        x, y = a[key], b[key]
        yield from _field("proof_obligations", key, "type", x.type, y.type, Bump.MAJOR)
        yield from _field("proof_obligations", key, "formal", x.formal, y.formal, Bump.MAJOR)
        yield from _field("proof_obligations", key, "tolerance", x.tolerance, y.tolerance, Bump.MAJOR)
        yield from _field("proof_obligations", key, "applies_to", x.applies_to, y.applies_to, Bump.MAJOR)
        yield from _field("proof_obligations", key, "property", x.property, y.property, Bump.PATCH)


def _falsifiers(old: Contract, new: Contract) -> Iterator[Change]:
    a = {t.id: t for t in old.falsification_tests}
    b = {t.id: t for t in new.falsification_tests}
    yield from _keyed("falsification_tests", a, b, Bump.MINOR, Bump.MAJOR)
    for key in a.keys() & b.keys():
        x, y = a[key], b[key]
        yield from _field("falsification_tests", key, "prediction", x.prediction, y.prediction, Bump.MAJOR)
        yield from _field("falsification_tests", key, "parameters", x.parameters, y.parameters, Bump.MAJOR)
        yield from _field("falsification_tests", key, "obligation", x.obligation, y.obligation, Bump.MINOR)
        yield from _field("falsification_tests", key, "test", x.test, y.test, Bump.PATCH)
        yield from _field("falsification_tests", key, "rule", x.rule, y.rule, Bump.PATCH)
        yield from _field("falsification_tests", key, "if_fails", x.if_fails, y.if_fails, Bump.PATCH)
        yield from _field("falsification_tests", key, "guard", x.guard, y.guard, Bump.PATCH)


def _harnesses(old: Contract, new: Contract) -> Iterator[Change]:
    a = {h.id: h for h in old.kani_harnesses}
    b = {h.id: h for h in new.kani_harnesses}
    yield from _keyed("kani_harnesses", a, b, Bump.MINOR, Bump.MAJOR)
    for key in a.keys() & b.keys():
        for what in ("obligation", "property", "bound", "strategy", "solver", "harness"):
            yield from _field("kani_harnesses", key, what, getattr(a[key], what), getattr(b[key], what), Bump.PATCH)


def _metadata(old: Contract, new: Contract) -> Iterator[Change]:
    a, b = old.metadata, new.metadata
    for dep in sorted(set(b.depends_on) - set(a.depends_on)):
        yield Change("metadata", "depends_on", "changed", f"dependency {dep} added", Bump.MINOR, new=dep)
    for dep in sorted(set(a.depends_on) - set(b.depends_on)):
        yield Change("metadata", "depends_on", "changed", f"dependency {dep} removed", Bump.MINOR, old=dep)
    for what in ("description", "references", "author", "created", "status", "changelog"):
        yield from _field("metadata", what, "", getattr(a, what), getattr(b, what), Bump.PATCH)


_COMPARED = {"metadata", "equations", "proof_obligations", "falsification_tests", "kani_harnesses"}


def _other_sections(old: ContractFile, new: ContractFile) -> Iterator[Change]:
    a = {k: v for k, v in old.doc.data.items() if k not in _COMPARED}
    b = {k: v for k, v in new.doc.data.items() if k not in _COMPARED}
    for key in b.keys() - a.keys():
        yield Change(str(key), "", "added", "", Bump.PATCH)
    for key in a.keys() - b.keys():
        yield Change(str(key), "", "removed", "", Bump.PATCH)
    for key in a.keys() & b.keys():
        if a[key] != b[key]:
            yield Change(str(key), "", "changed", "", Bump.PATCH)


def version_triple(version: str) -> tuple[int, int, int] | None:
    match = SEMVER.fullmatch(version.strip())
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def declared_bump(old_version: str, new_version: str) -> Bump | None:
    """The bump from `old_version` to `new_version`; None when either is not semver or it went down."""
    a, b = version_triple(old_version), version_triple(new_version)
    if a is None or b is None or b < a:
        return None
    if b[0] > a[0]:
        return Bump.MAJOR
    if b[1] > a[1]:
        return Bump.MINOR
    if b[2] > a[2]:
        return Bump.PATCH
    return Bump.NONE


def diff_contracts(old: ContractFile, new: ContractFile) -> ContractDiff:
    """Every change from `old` to `new` with the bump it needs, and whether NEW's version carries it."""
    assert old.contract is not None and new.contract is not None
    changes = [
        *_equations(old.contract, new.contract),
        *_obligations(old.contract, new.contract),
        *_falsifiers(old.contract, new.contract),
        *_harnesses(old.contract, new.contract),
        *_metadata(old.contract, new.contract),
        *_other_sections(old, new),
    ]
    order = {"added": 0, "removed": 1, "changed": 2}
    changes.sort(key=lambda c: (-c.bump, c.section, c.item, order[c.kind], c.what))
    old_version, new_version = old.contract.metadata.version, new.contract.metadata.version
    result = ContractDiff(old, new, changes, declared_bump(old_version, new_version))
    if not result.sufficient:
        where = new.doc.position(("metadata", "version"))
        reasons = "; ".join(c.describe() for c in changes if c.bump is result.needed)
        if version_triple(old_version) is None or version_triple(new_version) is None:
            bad = new_version if version_triple(new_version) is None else old_version
            result.diagnostics.append(rule("PV-SCHEMA-007").at(
                new.path, where, f"metadata.version '{bad}' is not semver, so the {result.needed.name} bump "
                f"the changes need cannot be checked ({reasons})"))
        else:
            declared = "a lower version" if result.declared is None else result.declared.name
            result.diagnostics.append(rule("PV-DIFF-001").at(
                new.path, where,
                f"version {old_version} -> {new_version} is {declared}, but the changes need {result.needed.name}: {reasons}",
                f"set metadata.version to {suggest_version(old_version, result.needed)}"))
    return result


def suggest_version(old_version: str, bump: Bump) -> str:
    triple = version_triple(old_version)
    if triple is None:
        return "a semver version"
    major, minor, patch = triple
    if bump is Bump.MAJOR:
        return f"{major + 1}.0.0"
    if bump is Bump.MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def diff_as_dict(diff: ContractDiff) -> dict[str, Any]:
    assert diff.old.contract is not None and diff.new.contract is not None
    return {
        "old": {"path": diff.old.path, "version": diff.old.contract.metadata.version},
        "new": {"path": diff.new.path, "version": diff.new.contract.metadata.version},
        "needed": diff.needed.label,
        "declared": diff.declared.label if diff.declared is not None else None,
        "sufficient": diff.sufficient,
        "changes": [c.as_dict() for c in diff.changes],
        "diagnostics": [d.as_dict() for d in diff.diagnostics],
    }


def _short(value: Any, limit: int = 100) -> str:
    text = _text(value) if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def render_diff_text(diff: ContractDiff) -> str:
    assert diff.old.contract is not None and diff.new.contract is not None
    lines = [f"{diff.old.path} ({diff.old.contract.metadata.version}) -> {diff.new.path} ({diff.new.contract.metadata.version})"]
    if not diff.changes:
        lines.append("  no changes")
    for c in diff.changes:
        lines.append(f"  {c.bump.name:<5}  {c.describe()}")
        if c.kind == "changed" and c.old is not None:
            lines.append(f"           - {_short(c.old)}")
        if c.kind == "changed" and c.new is not None:
            lines.append(f"           + {_short(c.new)}")
    declared = diff.declared.name if diff.declared is not None else "unknown"
    verdict = "ok" if diff.sufficient else "too small"
    lines.append(f"needed: {diff.needed.name}; declared: {declared}: {verdict}")
    for d in diff.diagnostics:
        lines.append(f"{d.path}:{d.line}:{d.col}: {d.code} {d.message}")
        lines.extend(f"    hint: {h}" for h in d.hints)
    return "\n".join(lines) + "\n"
