"""Helpers for command tests: run `pv` in-process and capture what it prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest



def as_json(text: str) -> Any:
    return json.loads(text)


TOY_CONTRACT = """\
metadata:
  version: "1.0.0"
  description: "Toy kernel"
  references: ["Doe (2024) Toys"]
  status: FUNCTIONAL
equations:
  toy:
    formula: "y_i = x_i^2"
proof_obligations:
  - id: TOY-INV-001
    type: invariant
    property: "non-negative"
    formal: "y >= 0"
  - id: TOY-BND-001
    type: bound
    property: "bounded by x^2"
    formal: "y <= x^2"
falsification_tests:
  - id: FALSIFY-TOY-001
    rule: "non-negative"
    prediction: "min y >= 0"
    test: "falsifiers/test_toy.py::test_non_negative"
    if_fails: "sign error"
    obligation: TOY-INV-001
  - id: FALSIFY-TOY-002
    rule: "renamed"
    prediction: "y = x^2"
    test: "falsifiers/test_toy.py::test_square_renamed"
    if_fails: "wrong power"
  - id: FALSIFY-TOY-003
    rule: "later"
    prediction: "y is finite"
    test: "LIVE-PENDING: needs a float16 kernel"
    if_fails: "overflow"
    obligation: TOY-INV-001
qa_gate:
  id: F-TOY-001
  name: "Toy"
"""

TOY_TESTS = """\
import pytest


@pytest.mark.falsifies("FALSIFY-TOY-001")
def test_non_negative():
    assert True


@pytest.mark.falsifies("FALSIFY-TOY-002")
def test_square():
    assert True
"""


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.fixture(scope="session")
def toy_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with one contract: one falsifier bound, one drifted, one pending; one obligation uncited."""
    root = tmp_path_factory.mktemp("toy")
    (root / "pyproject.toml").write_text('[project]\nname = "toy"\nversion = "0"\n', encoding="utf-8")
    (root / "contracts").mkdir()
    (root / "contracts" / "toy-v1.yaml").write_text(TOY_CONTRACT, encoding="utf-8")
    (root / "falsifiers").mkdir()
    (root / "falsifiers" / "test_toy.py").write_text(TOY_TESTS, encoding="utf-8")
    return root
