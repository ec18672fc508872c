"""Rules the 2026 format brought, on one parsed contract: kinds, design by contract,
beat benchmarks, spellings, ids and lifecycle words.

Codes shared with the Rust pv keep its meaning (SCHEMA-014..017, PROVABILITY-001,
BEAT-001..007); pv's own (PV-SCHEMA-015..018) close what the Rust pv lets pass in
silence: two spellings of one field, look-alike Unicode ids, legacy blocks nothing
runs, and lifecycle words nothing checks.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator
from typing import Any

from pv.contracts.keys import spellings
from pv.contracts.loader import Document, excerpt
from pv.contracts.schema import Contract, FalsificationTest, ProofObligation
from pv.contracts.vocabulary import LIFECYCLE_LEVELS, lifecycle_level
from pv.diagnostics.diagnostic import Diagnostic
from pv.diagnostics.rules import rule

ASCII_ID = re.compile(r"[A-Za-z0-9._-]+")
BEAT_INCUMBENTS = ("scikit-learn", "pytorch", "unsloth", "ollama", "llama.cpp")


def format_rules(doc: Document, contract: Contract) -> Iterator[Diagnostic]:
    yield from _provability(doc, contract)
    yield from _design_by_contract(doc, contract)
    if contract.effective_kind == "beat-benchmark":
        yield from _beat(doc, contract)
    yield from _two_spellings(doc)
    yield from _ascii_ids(doc, contract)
    yield from _legacy_blocks(doc, contract)
    yield from _lifecycle_words(doc, contract)


def _provability(doc: Document, contract: Contract) -> Iterator[Diagnostic]:
    """PROVABILITY-001, kernel kinds only: what is claimed must be falsifiable.

    One deliberate difference from the Rust pv: Kani harnesses are not required. Kani
    proves Rust code; pv's kernels are Python, where the falsifiers (and mutation runs)
    carry the evidence, so a missing `kani_harnesses` is not a finding here.
    """
    if not contract.requires_proofs:
        return
    obligations, falsifiers = len(contract.proof_obligations), len(contract.falsification_tests)
    missing = [name for name, present in (("proof_obligations", obligations), ("falsification_tests", falsifiers))
               if not present]
    why = " (no metadata.kind: judged a kernel by default)" if doc.data["metadata"].get("kind") is None else ""
    if missing:
        yield rule("PROVABILITY-001").at(doc.path, (1, 1), f"kernel contract has no {', no '.join(missing)}{why}")
    if falsifiers < obligations:
        yield rule("PROVABILITY-001").at(doc.path, doc.position(("falsification_tests",)),
                                         f"falsification_tests ({falsifiers}) < proof_obligations ({obligations}){why}")


def _design_by_contract(doc: Document, contract: Contract) -> Iterator[Diagnostic]:
    """SCHEMA-014..017: a DbC field belongs on the one obligation type that reads it."""
    placed = (("requires", ("postcondition",), "SCHEMA-014"),
              ("applies_to_phase", ("loop_invariant", "loop_variant"), "SCHEMA-015"),
              ("parent_contract", ("subcontract",), "SCHEMA-016"))
    for i, ob in enumerate(contract.proof_obligations):
        for field, types, code in placed:
            if getattr(ob, field) is not None and ob.type not in types:
                yield rule(code).at(doc.path, doc.position(("proof_obligations", i, field)),
                                    f"proof_obligations[{i}].{field} is only valid on {' or '.join(types)} "
                                    f"obligations (found on {ob.type})")
        if ob.type == "subcontract" and ob.parent_contract is not None \
                and ob.parent_contract not in contract.metadata.depends_on:
            yield rule("SCHEMA-017").at(doc.path, doc.position(("proof_obligations", i, "parent_contract")),
                                        f"proof_obligations[{i}].parent_contract '{excerpt(ob.parent_contract)}' "
                                        "must be listed in metadata.depends_on")


def _beat(doc: Document, contract: Contract) -> Iterator[Diagnostic]:
    """BEAT-001..007: a beat benchmark is a pinned claim CI can fail."""
    beat = contract.beat
    if beat is None:
        yield rule("BEAT-001").at(doc.path, (1, 1), "beat-benchmark contract has no `beat:` block "
                                  "(incumbent, metric, direction, beat_threshold, ci_gate_name, approved_compute)")
        return

    def at(field: str) -> tuple[int, int]:
        return doc.position(("beat", field))

    incumbent = beat.incumbent.strip().lower()
    if not incumbent or not any(p in incumbent for p in BEAT_INCUMBENTS):
        yield rule("BEAT-002").at(doc.path, at("incumbent"),
                                  f"beat.incumbent '{excerpt(beat.incumbent)}' must name one of {', '.join(BEAT_INCUMBENTS)}")
    if not beat.metric.strip():
        yield rule("BEAT-003").at(doc.path, at("metric"), "beat.metric must name the measured quantity")
    if beat.direction.strip() not in ("higher_is_better", "lower_is_better"):
        yield rule("BEAT-004").at(doc.path, at("direction"),
                                  f"beat.direction must be higher_is_better or lower_is_better, got '{excerpt(beat.direction)}'")
    if beat.beat_threshold is None or not math.isfinite(beat.beat_threshold):
        yield rule("BEAT-005").at(doc.path, at("beat_threshold"),
                                  f"beat.beat_threshold must be a finite number, got {beat.beat_threshold}")
    if not beat.ci_gate_name.strip():
        yield rule("BEAT-006").at(doc.path, at("ci_gate_name"), "beat.ci_gate_name must name the CI test that enforces it")
    if (beat.approved_compute or "").strip().upper() not in ("CPU", "GPU"):
        yield rule("BEAT-007").at(doc.path, at("approved_compute"),
                                  f"beat.approved_compute must be CPU or GPU, got '{excerpt(beat.approved_compute)}'")


def _two_spellings(doc: Document) -> Iterator[Diagnostic]:
    """PV-SCHEMA-015: `statement` and `property` (or any alias pair) in one entry."""
    for section, model in (("proof_obligations", ProofObligation), ("falsification_tests", FalsificationTest)):
        entries = doc.data.get(section)
        if not isinstance(entries, list):
            continue
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            for name, info in model.model_fields.items():
                written = [s for s in spellings(name, info) if s in entry]
                if len(written) > 1:
                    yield rule("PV-SCHEMA-015").at(doc.path, doc.key_position((section, i, written[1])),
                                                   f"{section}[{i}] writes {name} twice, as "
                                                   f"{' and '.join(repr(w) for w in written)}; one would be dropped")


def _ascii_ids(doc: Document, contract: Contract) -> Iterator[Diagnostic]:
    """PV-SCHEMA-016: ids are ASCII (a Unicode digit looks like an ASCII one and is not)."""
    sections: list[tuple[str, list[Any]]] = [("falsification_tests", contract.falsification_tests),
                                            ("proof_obligations", contract.proof_obligations),
                                            ("kani_harnesses", contract.kani_harnesses)]
    for section, entries in sections:
        for i, entry in enumerate(entries):
            if entry.id is not None and not ASCII_ID.fullmatch(entry.id):
                yield rule("PV-SCHEMA-016").at(doc.path, doc.position((section, i, "id")),
                                               f"{section}[{i}].id {entry.id!a} is not ASCII letters, digits, '-', '_', '.'")


def _legacy_blocks(doc: Document, contract: Contract) -> Iterator[Diagnostic]:
    """PV-SCHEMA-017: a legacy block is kept and counted, never taken for falsifiers."""
    for block in ("falsification", "falsification_conditions"):
        value = getattr(contract, block)
        if block not in doc.data:
            continue
        rows = len(value) if isinstance(value, (list, dict)) else 1 if value is not None else 0
        yield rule("PV-SCHEMA-017").at(doc.path, doc.key_position((block,)),
                                       f"legacy `{block}:` block with {rows} row(s): not falsification tests, "
                                       "nothing binds, runs or counts them")


def _lifecycle_words(doc: Document, contract: Contract) -> Iterator[Diagnostic]:
    """PV-SCHEMA-018: every lifecycle word is one pv can check (README, "Lifecycle words")."""
    places: list[tuple[tuple[str | int, ...], Any]] = [(("metadata", "status"), contract.metadata.status)]
    for i, test in enumerate(contract.falsification_tests):
        places.append((("falsification_tests", i, "status"), test.status))
        if isinstance(test.algorithm_evidence, dict):
            places.append((("falsification_tests", i, "algorithm_evidence", "status"), test.algorithm_evidence.get("status")))
    for where, word in places:
        if word is None:
            continue
        if not isinstance(word, str) or lifecycle_level(word) is None:
            dotted = ".".join(str(p) for p in where)
            close = difflib.get_close_matches(str(word).upper(), LIFECYCLE_LEVELS, n=1) if len(str(word)) <= 64 else []
            hint = f"; did you mean '{close[0]}'?" if close else f" (one of {', '.join(LIFECYCLE_LEVELS)})"
            yield rule("PV-SCHEMA-018").at(doc.path, doc.position(where),
                                           f"{dotted}: '{excerpt(word)}' is not a lifecycle word{hint}")
