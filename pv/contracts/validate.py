"""Contract validation: one file's schema and rules, then rules across all files given."""

from __future__ import annotations

import difflib
import gc
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from pv.diagnostics.diagnostic import Diagnostic, Severity
from pv.contracts.keys import check_keys
from pv.contracts.loader import EXCERPT_CHARS, Document, excerpt, load
from pv.diagnostics.rules import rule
from pv.contracts.parse_cache import ParseCache
from pv.contracts.clauses import clause_findings
from pv.contracts.crossfile import registry_findings, summarize
from pv.contracts.model import ContractFile
from pv.contracts.numbers import number_findings
from pv.contracts.format2026 import ASCII_ID, format_rules
from pv.contracts.schema import Contract, equation_keys

SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
# [0-9], not \d: \d matches every Unicode digit (٠, ０), and ids are ASCII.
FALSIFIER_ID = re.compile(r"FALSIFY-[A-Z0-9]+(?:-[A-Z0-9]+)*-[0-9]{3,}")
CONTRACT_SUFFIXES = (".yaml", ".yml")


@dataclass
class ValidationResult:
    files: list[ContractFile]
    diagnostics: list[Diagnostic]
    io_errors: int = 0

    @property
    def contracts(self) -> list[ContractFile]:
        return [f for f in self.files if f.contract is not None]

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity is severity)


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Contract files under `paths` (files as given, directories searched recursively).

    Anything given that is not a directory is kept, so that reading it reports what is
    wrong (a FIFO, a symlink loop); a directory holding no contract is an I/O error, not
    a silent pass.
    """
    found: list[Path] = []
    problems: list[Diagnostic] = []
    for path in paths:
        try:
            if path.is_dir():
                inside = sorted(p for p in path.rglob("*") if p.suffix in CONTRACT_SUFFIXES and not p.is_dir())
                if not inside:
                    problems.append(rule("PV-IO-001").at(
                        str(path), (0, 0), f"no contract files ({', '.join('*' + s for s in CONTRACT_SUFFIXES)}) under this directory"))
                found.extend(inside)
            elif os.path.lexists(path):
                found.append(path)
            else:
                problems.append(rule("PV-IO-001").at(str(path), (0, 0), "no such file or directory"))
        except OSError as bad:
            problems.append(rule("PV-IO-001").at(str(path), (0, 0), f"cannot read: {bad.strerror or bad}"))
    return found, problems


def check_file(path: Path, cache: ParseCache | None = None) -> ContractFile:
    doc = load(path, cache=cache)
    result = ContractFile(path=doc.path, stem=path.stem, doc=doc, diagnostics=list(doc.diagnostics))
    if doc.data is None and doc.diagnostics:
        return result
    if not isinstance(doc.data, dict):
        kind = "empty" if doc.data is None else f"a {type(doc.data).__name__}"
        result.diagnostics.append(rule("PV-SCHEMA-001").at(
            doc.path, doc.position(()), f"the document is {kind}, not a contract mapping"))
        return result
    result.diagnostics.extend(check_keys(doc, Contract))
    try:
        result.contract = Contract.model_validate(doc.data)
    except ValidationError as invalid:
        result.diagnostics.extend(_schema_errors(doc, invalid))
        return result
    result.diagnostics.extend(_contract_rules(doc, result.contract))
    return result


def _yaml_path(doc: Document, loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The model's path to a value as a path in the YAML: list-form equations are
    keyed by name in the model and by index in the file."""
    if len(loc) >= 2 and loc[0] == "equations" and isinstance(doc.data, dict):
        keys = equation_keys(doc.data.get("equations"))
        if isinstance(loc[1], str) and loc[1] in keys:
            return ("equations", keys[loc[1]], *loc[2:])
    return loc


def _schema_errors(doc: Document, invalid: ValidationError) -> Iterator[Diagnostic]:
    for error in invalid.errors(include_url=False):
        at = _yaml_path(doc, tuple(error["loc"]))
        dotted = excerpt(".".join(str(p) for p in at))
        if error["type"] == "missing":
            parent = excerpt(".".join(str(p) for p in at[:-1])) or "top level"
            yield rule("PV-SCHEMA-002").at(
                doc.path, doc.key_position(at[:-1]), f"missing required key '{excerpt(at[-1])}' in {parent}")
        elif error["type"] == "literal_error":
            expected = error.get("ctx", {}).get("expected", "")
            choices = re.findall(r"'([^']*)'", expected)
            got = str(error["input"])
            close = difflib.get_close_matches(got, choices, n=1, cutoff=0.6) if len(got) <= EXCERPT_CHARS else []
            hint = f"; did you mean '{close[0]}'?" if close else ""
            yield rule("PV-SCHEMA-004").at(
                doc.path, doc.position(at), f"{dotted}: '{excerpt(got)}' is not one of {', '.join(choices)}{hint}")
        else:
            yield rule("PV-SCHEMA-003").at(doc.path, doc.position(at), f"{dotted}: {error['msg']}")


def _contract_rules(doc: Document, contract: Contract) -> Iterator[Diagnostic]:
    """Rules on one parsed contract: the Rust pv's SCHEMA/AUDIT rules plus pv's own."""
    p, at = doc.path, doc.position
    meta = contract.metadata
    if not meta.references:
        yield rule("SCHEMA-001").at(p, doc.key_position(("metadata", "references")) if "references" in doc.data["metadata"] else at(("metadata",)),
                                    "metadata.references must not be empty: cite the source of the math")
    if not meta.version.strip():
        yield rule("SCHEMA-002").at(p, at(("metadata", "version")), "metadata.version must not be empty")
    elif not SEMVER.fullmatch(meta.version):
        yield rule("PV-SCHEMA-007").at(p, at(("metadata", "version")),
                                       f"metadata.version '{excerpt(meta.version)}' is not semver (MAJOR.MINOR.PATCH)")
    kernel = contract.requires_proofs  # other kinds are checked only for what they contain
    default = " (no metadata.kind: judged a kernel by default)" if doc.data["metadata"].get("kind") is None else ""
    if kernel and not contract.equations:
        yield rule("SCHEMA-003").at(p, at(("equations",)), f"equations must contain at least one equation{default}")
    keys = equation_keys(doc.data.get("equations"))
    for name, equation in contract.equations.items():
        if kernel and not equation.formula.strip():
            yield rule("SCHEMA-004").at(p, at(("equations", keys.get(name, name), "formula")),
                                        f"equations.{excerpt(name)}.formula must not be empty")
    yield from _obligation_rules(doc, contract)
    yield from _falsifier_rules(doc, contract)
    yield from number_findings(doc)
    yield from _kani_rules(doc, contract)
    yield from format_rules(doc, contract)
    yield from clause_findings(doc, contract)
    if contract.qa_gate is None:
        if kernel:
            yield rule("SCHEMA-013").at(p, (1, 1), f"no qa_gate defined{default}")
    else:
        declared = {t.id for t in contract.falsification_tests}
        for i, check in enumerate(contract.qa_gate.checks):
            if FALSIFIER_ID.fullmatch(check) and check not in declared:
                yield rule("PV-SCHEMA-013").at(p, at(("qa_gate", "checks", i)),
                                               f"qa_gate.checks names {excerpt(check)}, which this contract does not declare")
    if kernel and contract.equations and not contract.proof_obligations:
        yield rule("AUDIT-003").at(p, at(("equations",)), "equations defined but no proof obligations")


def _obligation_rules(doc: Document, contract: Contract) -> Iterator[Diagnostic]:
    p, at = doc.path, doc.position
    formals: dict[str, int] = {}
    ids: dict[str, int] = {}
    for i, ob in enumerate(contract.proof_obligations):
        if not ob.property.strip():
            yield rule("SCHEMA-005").at(p, at(("proof_obligations", i, "property")),
                                        f"proof_obligations[{i}].property must not be empty")
        if ob.formal is not None:
            if ob.formal in formals:
                yield rule("SCHEMA-006").at(p, at(("proof_obligations", i, "formal")),
                                            f"duplicate formal predicate (same as proof_obligations[{formals[ob.formal]}]): {excerpt(ob.formal)}")
            formals.setdefault(ob.formal, i)
        if ob.id is not None:
            if ob.id in ids:
                yield rule("PV-SCHEMA-012").at(p, at(("proof_obligations", i, "id")),
                                               f"duplicate obligation id {excerpt(ob.id)} (also proof_obligations[{ids[ob.id]}])")
            ids.setdefault(ob.id, i)


def _obligation_ids(contract: Contract) -> set[str]:
    return {ob.id for ob in contract.proof_obligations if ob.id}


def _falsifier_rules(doc: Document, contract: Contract) -> Iterator[Diagnostic]:
    p, at = doc.path, doc.position
    if contract.requires_proofs and not contract.falsification_tests:
        yield rule("AUDIT-001").at(p, (1, 1), "no falsification tests: the contract is not falsifiable")
    seen: set[str] = set()
    obligations = _obligation_ids(contract)
    for i, test in enumerate(contract.falsification_tests):
        where = ("falsification_tests", i)
        if test.id in seen:
            yield rule("SCHEMA-007").at(p, at((*where, "id")), f"duplicate falsification test id {excerpt(test.id)}")
        seen.add(test.id)
        if not FALSIFIER_ID.fullmatch(test.id) and ASCII_ID.fullmatch(test.id):  # non-ASCII: PV-SCHEMA-016
            yield rule("PV-SCHEMA-008").at(p, at((*where, "id")),
                                           f"falsifier id '{excerpt(test.id)}' does not follow the FALSIFY-<PREFIX>-<NNN> style")
        if not test.prediction.strip():
            yield rule("SCHEMA-008").at(p, at((*where, "prediction")), f"{excerpt(test.id)}: prediction must not be empty")
        if not test.if_fails.strip():
            yield rule("SCHEMA-009").at(p, at((*where, "if_fails")) if "if_fails" in doc.data["falsification_tests"][i] else at(where),
                                        f"{excerpt(test.id)}: if_fails is empty; describe the likely root cause")
        if test.obligation is not None and test.obligation not in obligations:
            yield rule("PV-SCHEMA-011").at(p, at((*where, "obligation")),
                                           f"{excerpt(test.id)} cites obligation {excerpt(test.obligation)}, which no proof obligation declares")


def _kani_rules(doc: Document, contract: Contract) -> Iterator[Diagnostic]:
    p, at = doc.path, doc.position
    seen: set[str] = set()
    obligations = _obligation_ids(contract)
    # A harness may name its obligation by id, by property text or by equation (2026 usage).
    citable = obligations | {ob.property for ob in contract.proof_obligations} | set(contract.equations)
    for i, harness in enumerate(contract.kani_harnesses):
        where = ("kani_harnesses", i)
        if harness.id in seen:
            yield rule("SCHEMA-010").at(p, at((*where, "id")), f"duplicate Kani harness id {excerpt(harness.id)}")
        seen.add(harness.id)
        if not harness.obligation.strip():
            yield rule("SCHEMA-011").at(p, at((*where, "obligation")), f"{excerpt(harness.id)}: obligation must not be empty")
            yield rule("AUDIT-002").at(p, at((*where, "obligation")), f"Kani harness {excerpt(harness.id)} has an empty obligation reference")
        elif obligations and harness.obligation not in citable:
            yield rule("PV-SCHEMA-011").at(p, at((*where, "obligation")),
                                           f"{excerpt(harness.id)} cites obligation {excerpt(harness.obligation)}, which no proof obligation declares")
        if harness.bound is None:
            yield rule("SCHEMA-012").at(p, at(where), f"{excerpt(harness.id)}: no unwind bound")


def check_registry(files: Iterable[ContractFile]) -> Iterator[Diagnostic]:
    """Rules across every contract given (unique falsifier ids, existing dependencies): the
    same function the incremental run applies to its cached summaries."""
    return registry_findings(s for s in (summarize(f, positions=False) for f in files) if s is not None)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Loading builds millions of small acyclic objects (dicts, lists, models), which make
    the cyclic collector rescan everything loaded so far; it has nothing to find there."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def validate_paths(paths: Iterable[Path], cache: ParseCache | None = None) -> ValidationResult:
    """Validate every contract under `paths`, each on its own and then all together; with a
    `cache`, files unchanged since it was written are not parsed again."""
    found, problems = discover(paths)
    with _no_cycle_collection():
        files = [check_file(path, cache) for path in found]
        if cache is not None:
            cache.save()
        cross_file = list(check_registry(files))
    diagnostics = list(problems)
    io_errors = len(problems)
    for f in files:
        diagnostics.extend(f.diagnostics)
        io_errors += sum(1 for d in f.diagnostics if d.code == "PV-IO-001")
    diagnostics.extend(cross_file)
    diagnostics.sort(key=Diagnostic.sort_key)
    return ValidationResult(files=files, diagnostics=diagnostics, io_errors=io_errors)
