"""Hostile numbers (PV-SCHEMA-014): a tolerance or parameter that cannot fail is refused by validate.

Before, each case below validated clean and the falsifier then passed on any error (or,
for a negative tolerance, failed on every run). Each must now be a positioned
PV-SCHEMA-014 error naming the file, exit 1, no traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contracts.test_hostile_inputs import project, replace, run_pv  # noqa: F401 - the shared project fixture

OBLIGATION = "tolerance: 1e-5"
PARAMS = "obligation: ID-INV-001\n"


def with_params(flow: str) -> str:
    return replace(PARAMS, f"obligation: ID-INV-001\n    parameters: {flow}\n")


# name -> (contract text, expected line:col of the finding)
CASES: dict[str, tuple[str, tuple[int, int]]] = {
    "tolerance_inf": (replace(OBLIGATION, "tolerance: .inf"), (19, 16)),
    "tolerance_1e400": (replace(OBLIGATION, "tolerance: 1e400"), (19, 16)),
    "tolerance_quoted_inf": (replace(OBLIGATION, "tolerance: 'inf'"), (19, 16)),
    "tolerance_nan": (replace(OBLIGATION, "tolerance: .nan"), (19, 16)),
    "tolerance_negative": (replace(OBLIGATION, "tolerance: -1.0e-5"), (19, 16)),
    "tolerance_sexagesimal": (replace(OBLIGATION, "tolerance: 1:30"), (19, 16)),
    "parameter_tol_inf": (with_params("{tol: .inf}"), (28, 23)),
    "parameter_tol_quoted_infinity": (with_params("{atol: '-Infinity'}"), (28, 24)),
    "parameter_tolerance_word": (with_params("{tolerance: tiny}"), (28, 29)),
    "parameter_tolerance_bool": (with_params("{tolerance: true}"), (28, 29)),
    "parameter_tol_negative": (with_params("{tol_float32: -1.0e-6}"), (28, 31)),
    "parameter_nan": (with_params("{scale: .nan}"), (28, 25)),
    "parameter_quoted_nan": (with_params("{scale: 'nan'}"), (28, 25)),
    "parameter_list_inf": (with_params("{sizes: [1, .inf]}"), (28, 29)),
    "parameter_sexagesimal": (with_params("{seq: 1:30}"), (28, 23)),
    "parameter_huge_integer": (with_params("{n: " + "9" * 400 + "}"), (28, 21)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_number_that_cannot_fail_is_a_validate_error(name: str, project: Path) -> None:  # noqa: F811
    text, (line, col) = CASES[name]
    path = project / "hostile" / f"number-{name}.yaml"
    path.write_text(text, encoding="utf-8")
    done = run_pv(project, "validate", f"hostile/number-{name}.yaml")
    assert done.returncode == 1, done.stdout[-2000:]
    assert f"hostile/number-{name}.yaml:{line}:{col}: PV-SCHEMA-014 " in done.stdout, done.stdout[-2000:]


def test_finite_numbers_and_quoted_text_are_clean(project: Path) -> None:  # noqa: F811
    path = project / "hostile" / "number-clean.yaml"
    path.write_text(with_params("{tol: 0.0, atol: '1e-6', n: 3, label: '1:30', word: abc, sizes: [1, 2.5]}"),
                    encoding="utf-8")
    done = run_pv(project, "validate", "hostile/number-clean.yaml")
    assert done.returncode == 0, done.stdout[-2000:]
