"""Every validation rule: a failing fixture (code, line, column) and the passing one."""

from __future__ import annotations

from pathlib import Path

import pytest

from pv.diagnostics.diagnostic import Severity
from pv.contracts.validate import validate_paths
from tests.conftest import VALID_CONTRACT


def findings(path: Path) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.col) for d in validate_paths([path]).diagnostics]


def test_valid_contract_is_clean(write_contract) -> None:
    assert findings(write_contract(VALID_CONTRACT)) == []


def test_scientific_tolerance_and_unquoted_date_are_accepted(write_contract) -> None:
    result = validate_paths([write_contract(VALID_CONTRACT)])
    contract = result.contracts[0].contract
    assert contract.proof_obligations[0].tolerance == pytest.approx(1e-5)
    assert contract.metadata.created == "2026-11-24"


# code -> ((replace this, with that), the expected (code, line, col))
CASES = {
    "SCHEMA-001": (('  references:\n    - "Doe (2024) Identity"\n', "  references: []\n"), ("SCHEMA-001", 6, 3)),
    "SCHEMA-002": (('version: "1.0.0"', 'version: ""'), ("SCHEMA-002", 2, 12)),
    "SCHEMA-003": (("equations:\n  identity:\n    formula: \"f(x) = x\"\n    domain: \"x in R^n\"\n    preconditions:\n      finite: \"x is finite\"\n", "equations: {}\n"), ("SCHEMA-003", 8, 12)),
    "SCHEMA-004": (('formula: "f(x) = x"', 'formula: ""'), ("SCHEMA-004", 10, 14)),
    "SCHEMA-005": (('property: "output equals input"', 'property: " "'), ("SCHEMA-005", 17, 15)),
    "SCHEMA-008": (('prediction: "max |f(x) - x| <= 1e-5"', 'prediction: ""'), ("SCHEMA-008", 24, 17)),
    "SCHEMA-009": (('if_fails: "kernel changes its input"', 'if_fails: ""'), ("SCHEMA-009", 26, 15)),
    "SCHEMA-011": (("obligation: ID-INV-001\n    bound", 'obligation: ""\n    bound'), ("SCHEMA-011", 30, 17)),
    "SCHEMA-012": (("    bound: 8\n", ""), ("SCHEMA-012", 29, 5)),
    "SCHEMA-013": (('qa_gate:\n  id: F-ID-001\n  name: "Identity"\n  checks: ["FALSIFY-ID-001"]\n', ""), ("SCHEMA-013", 1, 1)),
    "PV-SCHEMA-002": (("  - id: FALSIFY-ID-001\n    rule:", "  - rule:"), ("PV-SCHEMA-002", 22, 5)),
    "PV-SCHEMA-003": (("bound: 8", "bound: eight"), ("PV-SCHEMA-003", 31, 12)),
    "PV-SCHEMA-004": (("type: invariant", "type: invariants"), ("PV-SCHEMA-004", 16, 11)),
    "PV-SCHEMA-005": (("qa_gate:", "future_section: 1\nqa_gate:"), ("PV-SCHEMA-005", 33, 1)),
    "PV-SCHEMA-006": (("falsification_tests:", "falsfication_tests:"), ("PV-SCHEMA-006", 21, 1)),
    "PV-SCHEMA-007": (('version: "1.0.0"', 'version: "1.0"'), ("PV-SCHEMA-007", 2, 12)),
    "PV-SCHEMA-008": (("- id: FALSIFY-ID-001", "- id: FALSIFY-001"), ("PV-SCHEMA-008", 22, 9)),
    "PV-SCHEMA-011": (("obligation: ID-INV-001\n    bound", "obligation: ID-INV-009\n    bound"), ("PV-SCHEMA-011", 30, 17)),
    "PV-SCHEMA-013": (('checks: ["FALSIFY-ID-001"]', 'checks: ["FALSIFY-ID-002"]'), ("PV-SCHEMA-013", 36, 12)),
    "PV-YAML-001": (("  author:", " author:"), ("PV-YAML-001", 4, 2)),
    "SCHEMA-020": (('  author: "pv tests"\n', '  author: "pv tests"\n  author: "again"\n'), ("SCHEMA-020", 5, 3)),
    "PV-YAML-003": (('author: "pv tests"', "author: !!python/object/apply:os.system [echo]"), ("PV-YAML-003", 4, 11)),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires_at_its_line_and_column(code: str, write_contract) -> None:
    (old, new), expected = CASES[code]
    assert old in VALID_CONTRACT, f"fixture edit for {code} no longer applies"
    text = VALID_CONTRACT.replace(old, new, 1)
    assert expected in findings(write_contract(text))


def test_duplicate_falsifier_id_within_a_file_is_schema_007(write_contract) -> None:
    twice = VALID_CONTRACT.replace("kani_harnesses:", """  - id: FALSIFY-ID-001
    rule: "again"
    prediction: "p"
    if_fails: "f"
kani_harnesses:""")
    assert ("SCHEMA-007", 28, 9) in findings(write_contract(twice))


def test_duplicate_formal_and_obligation_id(write_contract) -> None:
    twice = VALID_CONTRACT.replace("falsification_tests:", """  - id: ID-INV-001
    type: bound
    property: "again"
    formal: "f(x) = x"
falsification_tests:""")
    got = findings(write_contract(twice))
    assert ("SCHEMA-006", 24, 13) in got
    assert ("PV-SCHEMA-012", 21, 9) in got


def test_falsifier_ids_are_unique_across_files(write_contract) -> None:
    first = write_contract(VALID_CONTRACT, "a-v1.yaml")
    write_contract(VALID_CONTRACT.replace("ID-INV-001", "ID2-INV-001"), "b-v1.yaml")
    result = validate_paths([first.parent])
    dup = [d for d in result.diagnostics if d.code == "PV-SCHEMA-009"]
    assert [(Path(d.path).name, d.line, d.col) for d in dup] == [("b-v1.yaml", 22, 9)]
    assert "a-v1.yaml:22" in dup[0].message


def test_depends_on_must_name_an_existing_contract(write_contract) -> None:
    path = write_contract(VALID_CONTRACT.replace("  references:", "  depends_on: [identiti-v1]\n  references:"))
    result = validate_paths([path])
    [dep] = [d for d in result.diagnostics if d.code == "PV-SCHEMA-010"]
    assert (dep.line, dep.col) == (6, 16)
    assert "identity-v1" in dep.message  # suggests itself: the only contract given


def test_kani_reference_is_unchecked_when_obligations_have_no_ids(write_contract) -> None:
    text = VALID_CONTRACT.replace("  - id: ID-INV-001\n    type", "  - type").replace(
        "    obligation: ID-INV-001\nkani", "kani")
    assert findings(write_contract(text)) == []


def test_audit_rules(write_contract) -> None:
    text = VALID_CONTRACT.split("proof_obligations:")[0] + 'qa_gate:\n  id: F\n  name: "n"\n'
    got = {code for code, _, _ in findings(write_contract(text))}
    assert {"AUDIT-001", "AUDIT-003"} <= got


def test_empty_kani_obligation_reports_audit_002_too(write_contract) -> None:
    text = VALID_CONTRACT.replace("obligation: ID-INV-001\n    bound", 'obligation: ""\n    bound')
    assert ("AUDIT-002", 30, 17) in findings(write_contract(text))


def test_typo_suggestion_names_the_right_key(write_contract) -> None:
    path = write_contract(VALID_CONTRACT.replace("falsification_tests:", "falsfication_tests:"))
    [typo] = [d for d in validate_paths([path]).diagnostics if d.code == "PV-SCHEMA-006"]
    assert typo.severity is Severity.ERROR and "did you mean 'falsification_tests'" in typo.message


def test_deliberate_longer_key_is_not_a_typo(write_contract) -> None:
    path = write_contract(VALID_CONTRACT + "type_enforcement: {}\n")
    assert ("PV-SCHEMA-005", 37, 1) in findings(path)


def test_clean_contracts_are_parsed_once() -> None:
    """Positions cost a second, positioned parse; a file without findings never needs them.
    (The cross-file rules once computed every falsifier id's position: 3.6x the parse floor.)"""
    from tests.conftest import REPO

    result = validate_paths([REPO / "contracts"])
    assert result.files and not result.diagnostics
    assert all(f.doc._positions is None for f in result.files)  # noqa: SLF001 - the laziness is the point


def test_a_single_file_reads_its_dependencies_beside_it(tmp_path: Path, write_contract) -> None:
    """`pv validate contracts/x.yaml` as its users run it: x depends on y, which sits in the
    same directory but was not given. Found there, no finding; a stem found nowhere is one."""
    write_contract(VALID_CONTRACT.replace("FALSIFY-ID-001", "FALSIFY-BASE-001"), name="base-v1.yaml")
    depends = VALID_CONTRACT.replace('  references:\n', '  depends_on: [base-v1]\n  references:\n')
    alone = write_contract(depends)
    assert [d.code for d in validate_paths([alone]).diagnostics] == []
    missing = write_contract(depends.replace("[base-v1]", "[nowhere-v1]"))
    assert [d.code for d in validate_paths([missing]).diagnostics] == ["PV-SCHEMA-010"]
