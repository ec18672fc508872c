"""Cases ported from the Rust validator's unit tests (aprender-contracts, schema/
validator_tests.rs, validator_tests_top_level.rs and the BEAT tests): each snippet gives
the verdict the Rust pv gives it, under the same rule code.

The Rust tests assert `violations.iter().any(|v| v.rule == CODE)`; so do these. pv may
report more (its own PV-* rules), never less, and never an error where the Rust pv
finds the contract valid.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pv.contracts.validate import validate_paths
from pv.diagnostics.diagnostic import Diagnostic, Severity

HEAD = """\
metadata:
  version: "1.0.0"
  description: "case"
  references:
    - "Paper"
equations:
  f:
    formula: "f(x) = x"
"""

VALID = HEAD + """\
proof_obligations:
  - type: invariant
    property: "output is finite"
falsification_tests:
  - id: FALSIFY-001
    rule: "finiteness"
    prediction: "output is always finite"
    if_fails: "overflow in computation"
kani_harnesses:
  - id: KANI-001
    obligation: "output is finite"
    bound: 8
    strategy: stub_float
    solver: cadical
    harness: verify_finiteness
qa_gate:
  id: F-001
  name: "Test Gate"
  checks:
    - "finiteness"
  pass_criteria: "All tests pass"
"""


def diagnostics(tmp_path: Path, text: str, name: str = "case-v1.yaml") -> list[Diagnostic]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return validate_paths([path]).diagnostics


def codes(tmp_path: Path, text: str) -> list[str]:
    return [d.code for d in diagnostics(tmp_path, text)]


def test_valid_contract_has_no_errors(tmp_path: Path) -> None:
    found = diagnostics(tmp_path, VALID)
    assert [d for d in found if d.severity is Severity.ERROR] == []


# (test name in the Rust suite, snippet, the rule it must raise)
CASES = {
    "missing_references_is_error": (
        HEAD.replace('  references:\n    - "Paper"\n', "  references: []\n") + "falsification_tests: []\n", "SCHEMA-001"),
    "empty_formula_is_error": (HEAD.replace('"f(x) = x"', '""') + "falsification_tests: []\n", "SCHEMA-004"),
    "duplicate_falsification_id_is_error": (HEAD + textwrap.dedent("""\
        falsification_tests:
          - {id: FALSIFY-001, rule: "test", prediction: "works", if_fails: "broken"}
          - {id: FALSIFY-001, rule: "test2", prediction: "works2", if_fails: "broken2"}
        """), "SCHEMA-007"),
    "kani_harness_without_bound_is_warning": (
        HEAD + "kani_harnesses:\n  - id: KANI-001\n    obligation: OBL-001\nfalsification_tests: []\n", "SCHEMA-012"),
    "no_equations_is_error": (HEAD.split("equations:")[0] + "equations: {}\nfalsification_tests: []\n", "SCHEMA-003"),
    "empty_version_is_error": (HEAD.replace('version: "1.0.0"', 'version: ""') + "falsification_tests: []\n", "SCHEMA-002"),
    "empty_property_is_error": (
        HEAD + 'proof_obligations:\n  - type: invariant\n    property: ""\nfalsification_tests: []\n', "SCHEMA-005"),
    "duplicate_formal_is_warning": (HEAD + textwrap.dedent("""\
        proof_obligations:
          - {type: invariant, property: "prop1", formal: "same_formal"}
          - {type: bound, property: "prop2", formal: "same_formal"}
        falsification_tests: []
        """), "SCHEMA-006"),
    "empty_prediction_is_error": (
        HEAD + 'falsification_tests:\n  - {id: FALSIFY-001, rule: "test", prediction: "", if_fails: "broken"}\n', "SCHEMA-008"),
    "empty_if_fails_is_warning": (
        HEAD + 'falsification_tests:\n  - {id: FALSIFY-001, rule: "test", prediction: "works", if_fails: ""}\n', "SCHEMA-009"),
    "duplicate_kani_id_is_error": (HEAD + textwrap.dedent("""\
        kani_harnesses:
          - {id: KANI-001, obligation: OBL-001, bound: 8}
          - {id: KANI-001, obligation: OBL-002, bound: 16}
        falsification_tests: []
        """), "SCHEMA-010"),
    "kernel_without_qa_gate_warns": (VALID.split("qa_gate:")[0], "SCHEMA-013"),
    "kernel_with_fewer_falsifiers_than_obligations": (VALID.replace(
        'proof_obligations:\n  - type: invariant\n    property: "output is finite"\n',
        'proof_obligations:\n  - type: invariant\n    property: "output is finite"\n  - type: bound\n    property: "bounded"\n'),
        "PROVABILITY-001"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule_fires(case: str, tmp_path: Path) -> None:
    text, code = CASES[case]
    assert code in codes(tmp_path, text), case


# -- BEAT-001..007: a beat-benchmark contract pins a falsifiable baseline -------------

BEAT_HEAD = """\
metadata:
  kind: beat-benchmark
  version: "1.0.0"
  description: "BEAT validator test"
  references:
    - "docs/specifications/campaign-ev-reprioritization-2026-06-12.md"
"""
VALID_BEAT = """\
beat:
  incumbent: scikit-learn
  metric: accuracy
  direction: higher_is_better
  beat_threshold: 0.92
  ci_gate_name: beat_sklearn_iris
  approved_compute: CPU
"""
BEAT_CASES = {
    "BEAT-001": BEAT_HEAD,
    "BEAT-002": BEAT_HEAD + VALID_BEAT.replace("scikit-learn", "tensorflow"),
    "BEAT-003": BEAT_HEAD + VALID_BEAT.replace("  metric: accuracy\n", ""),
    "BEAT-004": BEAT_HEAD + VALID_BEAT.replace("higher_is_better", "bigger_number"),
    "BEAT-005": BEAT_HEAD + VALID_BEAT.replace("  beat_threshold: 0.92\n", ""),
    "BEAT-006": BEAT_HEAD + VALID_BEAT.replace("  ci_gate_name: beat_sklearn_iris\n", ""),
    "BEAT-007": BEAT_HEAD + VALID_BEAT.replace("approved_compute: CPU", "approved_compute: TPU"),
}


@pytest.mark.parametrize("code", sorted(BEAT_CASES))
def test_beat_rule_fires(code: str, tmp_path: Path) -> None:
    assert code in codes(tmp_path, BEAT_CASES[code])


def test_valid_beat_block_has_no_beat_errors_and_no_kernel_rules(tmp_path: Path) -> None:
    found = diagnostics(tmp_path, BEAT_HEAD + VALID_BEAT)
    assert [d.code for d in found if d.severity is Severity.ERROR or d.code.startswith("BEAT")] == []
    assert "SCHEMA-013" not in [d.code for d in found]  # not a kernel: no qa_gate needed


# -- SCHEMA-018/019/020: the top-level keys serde used to drop in silence ----------------

def with_top_level(extra: str) -> str:
    """A minimal, valid registry contract with `extra` at the top (the Rust fixture)."""
    return extra + "\n" + textwrap.dedent("""\
        metadata:
          version: "1.0.0"
          description: "top-level key fixture"
          registry: true
          references:
            - "Test paper (2026)"
        """)


def test_top_level_kind_is_an_error_but_metadata_kind_is_not(tmp_path: Path) -> None:
    assert "SCHEMA-018" in codes(tmp_path, with_top_level("kind: registry"))
    fixed = 'metadata:\n  version: "1.0.0"\n  description: "d"\n  kind: registry\n  references:\n    - "p"\n'
    assert codes(tmp_path, fixed) == []


def test_top_level_kind_error_names_the_fix(tmp_path: Path) -> None:
    [found] = [d for d in diagnostics(tmp_path, with_top_level("kind: KernelContract")) if d.code == "SCHEMA-018"]
    assert found.severity is Severity.ERROR and "metadata.kind" in found.message


NEAR_MISSES = [
    ("falsification_test", "falsification_tests"), ("falsification-tests", "falsification_tests"),
    ("Falsification_Tests", "falsification_tests"), ("falsificationTests", "falsification_tests"),
    ("proof_obligation", "proof_obligations"), ("proofObligations", "proof_obligations"),
    ("equation", "equations"), ("kani_harness", "kani_harnesses"), ("qa_gates", "qa_gate"),
    ("simd_dispatches", "simd_dispatch"), ("type_invariant", "type_invariants"), ("coq_specs", "coq_spec"),
    ("beats", "beat"), ("kernel_structures", "kernel_structure"), ("meta_data", "metadata"),
]


@pytest.mark.parametrize(("typo", "meant"), NEAR_MISSES)
def test_near_miss_block_names_are_errors_that_name_the_real_field(typo: str, meant: str, tmp_path: Path) -> None:
    [found] = [d for d in diagnostics(tmp_path, with_top_level(f"{typo}: []")) if d.code == "SCHEMA-019"]
    assert found.severity is Severity.ERROR and f"'{meant}'" in found.message


LEGITIMATE = ["version", "name", "status", "contract", "surface", "date", "pmat_work_tracking", "page",
              "sections", "scope", "description", "preconditions", "postconditions", "invariants", "gates",
              "spec", "family", "architectures", "size_variants", "inputs", "outputs", "references", "summary",
              "certification", "constraints", "required_fields",
              "implementation"]  # a 2026 plan section, not a slip of pv's own `implementations`


@pytest.mark.parametrize("key", LEGITIMATE)
def test_legitimate_downstream_keys_are_not_flagged(key: str, tmp_path: Path) -> None:
    found = diagnostics(tmp_path, with_top_level(f'{key}: "x"'))
    assert [d.code for d in found if d.severity is Severity.ERROR] == []
    assert [d.code for d in found] == ["PV-SCHEMA-005"]  # an unknown key stays a warning


def test_legacy_falsification_block_is_captured_not_dropped(tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        metadata:
          version: "1.0.0"
          description: "publish-workspace shape"
          registry: true
          references:
            - "Potvin & Levenberg (2016)"
        falsification:
          - name: FALSIFY-PUB-001
            description: "Crate published before its dependency"
            check: "cargo install fails"
          - name: FALSIFY-PUB-002
            description: "Shim crate fails to re-export"
            check: "type mismatch"
        """)
    path = tmp_path / "publish-workspace-v1.yaml"
    path.write_text(text, encoding="utf-8")
    result = validate_paths([path])
    contract = result.contracts[0].contract
    assert contract is not None and contract.falsification_tests == []  # never counted as falsifiers
    assert isinstance(contract.falsification, list) and len(contract.falsification) == 2
    [legacy] = [d for d in result.diagnostics if d.code == "PV-SCHEMA-017"]
    assert "2 row(s)" in legacy.message
    assert "SCHEMA-019" not in [d.code for d in result.diagnostics]


DUPLICATE = textwrap.dedent("""\
    metadata:
      version: "1.0.0"
      description: "duplicate key fixture"
      registry: true
      references:
        - "YAML 1.2 §7.4.2"
    commands:
      - name: modelfile
        subcommands: [parse]
        subcommands: [parse, render]
    """)


def test_duplicate_mapping_key_is_rejected_and_the_deduplicated_form_is_not(tmp_path: Path) -> None:
    assert "SCHEMA-020" in codes(tmp_path, DUPLICATE)
    fixed = DUPLICATE.replace("    subcommands: [parse]\n", "")
    assert "SCHEMA-020" not in codes(tmp_path, fixed)


def test_duplicate_key_does_not_blind_the_unknown_key_capture(tmp_path: Path) -> None:
    found = codes(tmp_path, "kind: CLICommandContract\n" + DUPLICATE)
    assert "SCHEMA-018" in found and "SCHEMA-020" in found


# -- SCHEMA-014..017: design-by-contract fields belong on their obligation type -----------

def _obligation(body: str) -> str:
    return with_top_level("").replace("  registry: true\n", "  registry: true\n  depends_on: [base-v1]\n") \
        + "proof_obligations:\n  - " + body + "\n"


@pytest.mark.parametrize(("body", "code"), [
    ('{type: invariant, property: "p", requires: PRE-001}', "SCHEMA-014"),
    ('{type: postcondition, property: "p", applies_to_phase: reduce}', "SCHEMA-015"),
    ('{type: invariant, property: "p", parent_contract: base-v1}', "SCHEMA-016"),
    ('{type: subcontract, property: "p", parent_contract: other-v1}', "SCHEMA-017"),
])
def test_dbc_field_on_the_wrong_type_is_an_error(body: str, code: str, tmp_path: Path) -> None:
    assert code in codes(tmp_path, _obligation(body))


@pytest.mark.parametrize("body", [
    '{type: postcondition, property: "p", requires: PRE-001}',
    '{type: loop_invariant, property: "p", applies_to_phase: reduce}',
    '{type: loop_variant, property: "p", applies_to_phase: reduce}',
    '{type: subcontract, property: "p", parent_contract: base-v1}',
    '{statement: "the type defaults to invariant", verification: "grep -q x"}',
])
def test_dbc_field_on_its_own_type_is_clean(body: str, tmp_path: Path) -> None:
    (tmp_path / "base-v1.yaml").write_text(with_top_level(""), encoding="utf-8")  # the parent, beside it
    assert codes(tmp_path, _obligation(body)) == []


def test_non_kernel_kinds_need_no_equations_harnesses_or_qa_gate(tmp_path: Path) -> None:
    for kind in ("registry", "model-family", "model-family-variant", "tokenizer", "training-loop",
                 "pretraining-corpus", "training-precondition-gate", "corpus-assembly", "pattern", "schema"):
        text = f'metadata:\n  kind: {kind}\n  version: "1.0.0"\n  description: "d"\n  references: ["p"]\n'
        assert codes(tmp_path, text) == [], kind


def test_a_kernel_by_default_is_told_so(tmp_path: Path) -> None:
    [missing] = [d for d in diagnostics(tmp_path, 'metadata:\n  version: "1.0.0"\n  description: "d"\n  references: ["p"]\n')
                 if d.code == "SCHEMA-003"]
    assert "judged a kernel by default" in missing.message
