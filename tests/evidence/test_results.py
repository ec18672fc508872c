"""A results file is written by a process that ran the project's code: its shape is checked."""

from __future__ import annotations

import pytest

from pv.evidence.results import RunFailed, checked_results


def test_well_formed_results_pass_through() -> None:
    data = [{"nodeid": "t.py::a", "outcome": "passed", "duration": 0.5, "falsifies": ["FALSIFY-X-001"],
             "margins": {"FALSIFY-X-001": {"error": 1e-9, "tolerance": 1e-6, "ratio": 0.001}}}]
    assert checked_results(data, "results") == data


@pytest.mark.parametrize(("data", "place"), [
    ({"tests": []}, "$:"),
    ([{"nodeid": "t.py::a", "outcome": "PASSED", "duration": 0.5}], "$[0].outcome"),
    ([{"nodeid": "t.py::a", "outcome": "passed", "duration": "0.5"}], "$[0].duration"),
    ([{"outcome": "passed", "duration": 0.5}], "$[0].nodeid"),
    ([{"nodeid": "t.py::a", "outcome": "passed", "duration": 0.5, "falsifies": "FALSIFY-X-001"}], "$[0].falsifies"),
])
def test_a_wrong_shape_is_a_failed_run_naming_the_place(data: object, place: str) -> None:
    with pytest.raises(RunFailed, match=place.replace("$", r"\$").replace("[", r"\[").replace("]", r"\]")):
        checked_results(data, "pytest's results file")
