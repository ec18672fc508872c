"""Ids are ASCII; lifecycle words are words pv knows.

`\\d` matches every Unicode digit, so `FALSIFY-ID-٠٠١` (Arabic-Indic) and `FALSIFY-ID-００１`
(full-width) used to pass the id rule while matching nothing byte for byte; a typo in
`metadata.status` (DISCHARGD) used to switch the declared-vs-derived check off. Ids the
Rust validator accepts in another style (FALSIFY-001, REG-F-001) stay accepted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pv.cli import main
from pv.contracts.validate import validate_paths
from pv.diagnostics.diagnostic import Severity
from tests.conftest import VALID_CONTRACT


def _codes(path: Path) -> list[tuple[str, Severity]]:
    return [(d.code, d.severity) for d in validate_paths([path]).diagnostics]


@pytest.mark.parametrize("falsifier_id", ["FALSIFY-ID-\u0660\u0660\u0661", "FALSIFY-ID-\uff10\uff10\uff11",
                                          "FALSIFY-\u0399D-001", "FALSIFY ID 001"])
def test_a_non_ascii_or_spaced_falsifier_id_is_an_error(falsifier_id: str, write_contract) -> None:
    text = VALID_CONTRACT.replace("- id: FALSIFY-ID-001", f'- id: "{falsifier_id}"').replace(
        'checks: ["FALSIFY-ID-001"]', "checks: []")
    assert ("PV-SCHEMA-016", Severity.ERROR) in _codes(write_contract(text))


@pytest.mark.parametrize("section, old", [("proof_obligations", "- id: ID-INV-001"),
                                          ("kani_harnesses", "- id: KANI-ID-001")])
def test_other_ids_are_ascii_too(section: str, old: str, write_contract) -> None:
    assert old in VALID_CONTRACT
    text = VALID_CONTRACT.replace(old, old.replace("001", "\u0660\u0660\u0661"))
    assert "PV-SCHEMA-016" in [code for code, _ in _codes(write_contract(text))]


@pytest.mark.parametrize("falsifier_id", ["FALSIFY-001", "REG-F-001", "F-ACCEL-001"])
def test_ids_the_rust_validator_accepts_are_a_style_warning_only(falsifier_id: str, write_contract) -> None:
    path = write_contract(VALID_CONTRACT.replace("FALSIFY-ID-001", falsifier_id))
    assert _codes(path) == [("PV-SCHEMA-008", Severity.WARNING)]
    assert main(["validate", "--no-cache", str(path)]) == 0
    assert main(["validate", "--no-cache", "--strict", str(path)]) == 1


def test_a_misspelt_lifecycle_word_is_reported_with_the_word_meant(write_contract) -> None:
    text = VALID_CONTRACT.replace('  description: "Identity kernel"', '  description: "Identity kernel"\n  status: DISCHARGD')
    [found] = [d for d in validate_paths([write_contract(text)]).diagnostics if d.code == "PV-SCHEMA-018"]
    assert found.severity is Severity.ERROR and "did you mean 'DISCHARGED'" in found.message


@pytest.mark.parametrize("where, word", [
    ("metadata", "PARTIAL_ALGORITHM_LEVEL"), ("metadata", "active-runtime"), ("falsifier", "BLOCKER_FIXTURE_ABSENT"),
    ("falsifier", "FULL_DISCHARGED")])
def test_every_2026_lifecycle_word_is_known(where: str, word: str, write_contract) -> None:
    if where == "metadata":
        text = VALID_CONTRACT.replace('  description: "Identity kernel"', f'  description: "Identity kernel"\n  status: {word}')
    else:
        text = VALID_CONTRACT.replace('    rule: "Identity"', f'    rule: "Identity"\n    status: {word}')
    assert text != VALID_CONTRACT
    assert "PV-SCHEMA-018" not in [code for code, _ in _codes(write_contract(text))]


def test_an_unknown_falsifier_or_evidence_status_is_reported(write_contract) -> None:
    text = VALID_CONTRACT.replace('    rule: "Identity"', '    rule: "Identity"\n    status: DONE\n'
                                  '    algorithm_evidence: {status: PARTIAL_ALGO}')
    found = [d for d in validate_paths([write_contract(text)]).diagnostics if d.code == "PV-SCHEMA-018"]
    assert [d.message.split(":")[0] for d in found] == ["falsification_tests.0.status",
                                                         "falsification_tests.0.algorithm_evidence.status"]
