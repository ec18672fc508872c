"""PV-CLAUSE-001: Python clauses in the safe subset, Rust clauses left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from pv.contracts.validate import validate_paths

HEADER = """\
metadata:
  version: "1.0.0"
  description: "d"
  references: ["r"]
{switch}
equations:
  norm:
    formula: "y = x"
    preconditions:
      finite: "isfinite(x).all()"
      evil: "x.ndim >= 1 and __import__('os').system('true') == 0"
      broken: "x.len() > 0 &&"
      rust: "x.iter().all(|v| v.is_finite())"
"""


def _findings(tmp_path: Path, switch: str) -> list[tuple[int, int, str]]:
    path = tmp_path / "norm-v1.yaml"
    path.write_text(HEADER.format(switch=switch))
    result = validate_paths([path])
    return [(d.line, d.col, d.message) for d in result.diagnostics if d.code == "PV-CLAUSE-001"]


@pytest.mark.parametrize("switch", ["  language: python", "implementations:\n  ref: \"kernels:norm\""])
def test_python_contract_reports_each_bad_clause_at_line_and_column(tmp_path: Path, switch: str) -> None:
    findings = _findings(tmp_path, switch)
    lines = HEADER.format(switch=switch).splitlines()
    evil_line = next(i for i, line in enumerate(lines, 1) if "evil:" in line)
    by_key = {message.split(":")[0].rsplit(".", 1)[1]: (line, col, message) for line, col, message in findings}
    assert set(by_key) == {"evil", "broken", "rust"}
    line, col, message = by_key["evil"]
    assert line == evil_line
    assert lines[line - 1][col - 1:].startswith("__import__"), (col, lines[line - 1])
    assert "underscore" in message
    assert "not a Python expression" in by_key["broken"][2]


def test_clauses_of_other_languages_are_not_parsed(tmp_path: Path) -> None:
    assert _findings(tmp_path, "") == []


def test_bundled_contracts_have_safe_python_clauses() -> None:
    repo = Path(__file__).resolve().parents[2]
    result = validate_paths([repo / "contracts"])
    assert [d for d in result.diagnostics if d.code == "PV-CLAUSE-001"] == []
    assert all(f.contract is not None and f.contract.metadata.language == "python" for f in result.files)


def test_list_form_clauses_of_list_form_equations_are_located(tmp_path: Path) -> None:
    path = tmp_path / "listy-v1.yaml"
    path.write_text(
        'metadata: {version: "1.0.0", description: "d", references: ["r"], language: python}\n'
        "equations:\n"
        "  - id: norm\n"
        '    formula: "y = x"\n'
        "    preconditions: [\"x.ndim >= 1\", \"(lambda: 1)()\"]\n"
        "    postconditions:\n"
        "      - result.shape == x.shape\n"
        "      - result.__class__ is x.__class__\n")
    found = [(d.line, d.col, d.message) for d in validate_paths([path]).diagnostics if d.code == "PV-CLAUSE-001"]
    lines = path.read_text().splitlines()
    assert len(found) == 2, found
    (l1, c1, m1), (l2, c2, m2) = sorted(found)
    assert "preconditions.1" in m1 and lines[l1 - 1][c1 - 1:].startswith("lambda"), (l1, c1)
    assert "postconditions.1" in m2 and lines[l2 - 1][c2 - 1:].startswith("result.__class__"), (l2, c2)
