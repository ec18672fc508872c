"""`equations` as a map or a list with `id`; pre/postconditions as a mapping or a list.

The 2026 contracts write `equations: [{id: silu, formula: ...}]` and
`preconditions: [x.len() > 0, ...]`; pv's own contracts write mappings. Both read the
same, and `Equation.clauses` gives every consumer one shape.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from pv.contracts.schema import Clause
from pv.contracts.validate import validate_paths
from tests.conftest import VALID_CONTRACT

LIST_FORM = VALID_CONTRACT.replace(
    'equations:\n  identity:\n    formula: "f(x) = x"\n    domain: "x in R^n"\n    preconditions:\n      finite: "x is finite"\n',
    textwrap.dedent("""\
    equations:
      - id: identity
        formula: "f(x) = x"
        preconditions: ["x.len() > 0", "x.iter().all(|v| v.is_finite())"]
        postconditions: ["result.len() == x.len()"]
        lean_theorem: Theorems.Identity
        float_tolerance: 1.0e-6
        assumes: {from_contract: other-v1, from_equation: f}
        guarantees: {shapes: {output: {dims: ["x.len()"]}}}
      - formula: "g(x) = x"
    """),
)


def _codes(path: Path) -> list[str]:
    return [d.code for d in validate_paths([path]).diagnostics]


def test_list_form_is_read_by_id_and_clean(write_contract) -> None:
    assert LIST_FORM != VALID_CONTRACT
    result = validate_paths([write_contract(LIST_FORM)])
    assert [d.code for d in result.diagnostics] == []
    contract = result.contracts[0].contract
    assert list(contract.equations) == ["identity", "equation_1"]  # an entry without id is kept, not dropped
    identity = contract.equations["identity"]
    assert identity.clauses("preconditions") == [Clause(0, "x.len() > 0"), Clause(1, "x.iter().all(|v| v.is_finite())")]
    assert identity.clauses("postconditions") == [Clause(0, "result.len() == x.len()")]
    assert identity.lean_theorem == "Theorems.Identity" and identity.float_tolerance == 1e-6
    assert identity.guarantees == {"shapes": {"output": {"dims": ["x.len()"]}}}


def test_mapping_preconditions_keep_their_names(write_contract) -> None:
    contract = validate_paths([write_contract(VALID_CONTRACT)]).contracts[0].contract
    assert contract.equations["identity"].clauses("preconditions") == [Clause("finite", "x is finite")]
    assert contract.equations["identity"].clauses("postconditions") == []


def test_empty_formula_in_list_form_is_located_at_its_entry(write_contract) -> None:
    text = LIST_FORM.replace('  - formula: "g(x) = x"', '  - id: g\n    formula: ""')
    diagnostics = validate_paths([write_contract(text)]).diagnostics
    assert [(d.code, d.line) for d in diagnostics] == [("SCHEMA-004", text.splitlines().index('    formula: ""') + 1)]
    assert "equations.g.formula" in diagnostics[0].message


def test_wrong_type_inside_list_form_is_located_at_its_entry(write_contract) -> None:
    text = LIST_FORM.replace("    float_tolerance: 1.0e-6", "    float_tolerance: tight")
    [d] = validate_paths([write_contract(text)]).diagnostics
    assert (d.code, d.line) == ("PV-SCHEMA-003", text.splitlines().index("    float_tolerance: tight") + 1)


def test_two_list_entries_with_one_id_are_an_error_not_a_silent_overwrite(write_contract) -> None:
    text = LIST_FORM.replace('  - formula: "g(x) = x"', '  - id: identity\n    formula: "g(x) = x"')
    assert _codes(write_contract(text)) == ["PV-SCHEMA-003"]


def test_unknown_key_inside_a_list_entry_is_reported(write_contract) -> None:
    text = LIST_FORM.replace('  - formula: "g(x) = x"', '  - formula: "g(x) = x"\n    formulla: "typo"')
    assert _codes(write_contract(text)) == ["PV-SCHEMA-006"]


def test_equations_neither_map_nor_list_is_a_type_error(write_contract) -> None:
    text = LIST_FORM.split("equations:")[0] + "equations: 5\n" + "proof_obligations:" + LIST_FORM.split("proof_obligations:")[1]
    assert "PV-SCHEMA-003" in _codes(write_contract(text))
