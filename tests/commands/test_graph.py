"""pv graph: dependencies first, cycles are errors naming the cycle, output shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CORPUS, REPO, VALID_CONTRACT

PV = Callable[..., tuple[int, str, str]]


def _contract(directory: Path, stem: str, depends_on: list[str]) -> Path:
    text = VALID_CONTRACT.replace('version: "1.0.0"', f'version: "1.0.0"\n  depends_on: {json.dumps(depends_on)}')
    text = text.replace("FALSIFY-ID-001", f"FALSIFY-{stem.upper()}-001")
    path = directory / f"{stem}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cycle_is_an_error_naming_the_cycle(pv: PV, tmp_path: Path) -> None:
    _contract(tmp_path, "a", ["b"])
    _contract(tmp_path, "b", ["a"])
    code, out, _ = pv("graph", str(tmp_path))
    assert code == 1
    # line 3 is depends_on; column 16 is the entry "b" that closes the cycle
    assert f"{tmp_path / 'a.yaml'}:3:16: PV-GRAPH-001 depends_on cycle: a -> b -> a" in out
    report = json.loads(pv("graph", str(tmp_path), "--format", "json")[1])
    assert report["cycles"] == [["a", "b"]] and report["order"] == []


def test_self_dependency_is_a_cycle(pv: PV, tmp_path: Path) -> None:
    _contract(tmp_path, "a", ["a"])
    code, out, _ = pv("graph", str(tmp_path))
    assert code == 1 and "cycle: a -> a" in out


def test_unknown_dependency_is_reported(pv: PV, tmp_path: Path) -> None:
    _contract(tmp_path, "a", ["missing-v1"])
    code, out, _ = pv("graph", str(tmp_path))
    assert code == 1
    assert "PV-SCHEMA-010 depends_on names 'missing-v1'" in out
    assert "a -> missing-v1 (unknown)" in out


def test_order_is_dependencies_first(pv: PV, tmp_path: Path) -> None:
    _contract(tmp_path, "base", [])
    _contract(tmp_path, "mid", ["base"])
    _contract(tmp_path, "top", ["mid", "base"])
    code, out, _ = pv("graph", str(tmp_path), "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert report["order"] == ["base", "mid", "top"]
    assert {"from": "top", "to": "mid", "known": True} in report["edges"]
    assert [n["stem"] for n in report["nodes"]] == ["base", "mid", "top"]
    assert next(n for n in report["nodes"] if n["stem"] == "base")["dependents"] == ["mid", "top"]


def test_dot_and_mermaid_shapes(pv: PV, tmp_path: Path) -> None:
    _contract(tmp_path, "base", [])
    _contract(tmp_path, "top", ["base", "gone"])
    code, dot, err = pv("graph", str(tmp_path), "--format", "dot")
    assert code == 1 and "PV-SCHEMA-010" in err  # findings on stderr: stdout stays a valid graph
    assert dot.startswith("digraph contracts {\n") and dot.endswith("}\n")
    assert '  "top" -> "base";' in dot
    assert '"gone" [style=dashed, color=red, label="gone (unknown)"];' in dot
    _, mermaid, _ = pv("graph", str(tmp_path), "--format", "mermaid")
    lines = mermaid.splitlines()
    assert lines[0] == "graph LR"
    assert '  n0["base"]' in lines and '  n1["top"]' in lines and '  n2["gone (unknown)"]' in lines
    assert "  n1 --> n0" in lines and "  class n2 unknown" in lines


def test_bundled_contracts(pv: PV) -> None:
    code, out, _ = pv("graph", str(REPO / "contracts"))
    assert code == 0 and "0 cycles" in out


def test_corpus_graph(pv: PV) -> None:
    code, out, _ = pv("graph", str(CORPUS), "--format", "json")
    report = json.loads(out)
    dependents = [n for n in report["nodes"] if n["depends_on"]]
    assert len(dependents) == 24
    # aprender/binding.yaml is not a contract: reported with its error, so the exit is 1
    assert code == 1 and report["cycles"] == [] and report["unknown"] == []
    assert [p.endswith("aprender/binding.yaml") for p in report["unreadable"]] == [True]
    assert [d["code"] for d in report["diagnostics"]] == ["PV-SCHEMA-002"]
    position = {stem: i for i, stem in enumerate(report["order"])}
    assert all(position[e["to"]] < position[e["from"]] for e in report["edges"])
    for fmt in ("text", "dot", "mermaid"):
        assert pv("graph", str(CORPUS), "--format", fmt)[0] == 1


def test_validate_reports_cycles_and_self_dependency(pv: PV, tmp_path: Path) -> None:
    """A cycle is a validate error (PV-GRAPH-001), not only a `pv graph` finding."""
    _contract(tmp_path, "a", ["b"])
    _contract(tmp_path, "b", ["a"])
    _contract(tmp_path, "self", ["self"])
    code, out, _ = pv("validate", str(tmp_path))
    assert code == 1
    assert f"{tmp_path / 'a.yaml'}:3:16: PV-GRAPH-001 depends_on cycle: a -> b -> a" in out
    assert "PV-GRAPH-001 depends_on cycle: self -> self" in out


def _minimal(directory: Path, stem: str, depends_on: list[str]) -> None:
    (directory / f"{stem}.yaml").write_text(
        f"metadata:\n  version: \"1.0.0\"\n  description: d\n  references: [r]\n  depends_on: {json.dumps(depends_on)}\n"
        "equations:\n  f:\n    formula: \"f(x) = x\"\n", encoding="utf-8")


def test_long_chain_and_long_cycle_need_no_recursion(pv: PV, tmp_path: Path) -> None:
    """1,500-long depends_on chain and a 1,000-contract cycle: an order and a cycle, no RecursionError."""
    chain, ring = tmp_path / "chain", tmp_path / "ring"
    chain.mkdir()
    ring.mkdir()
    for i in range(1500):
        _minimal(chain, f"c{i:04d}", [f"c{i + 1:04d}"] if i < 1499 else [])
    for i in range(1000):
        _minimal(ring, f"r{i:04d}", [f"r{(i + 1) % 1000:04d}"])
    code, out, err = pv("graph", str(chain), "--format", "json")
    assert "Traceback" not in err
    report = json.loads(out)
    assert report["order"][0] == "c1499" and report["order"][-1] == "c0000" and report["cycles"] == []
    code, out, err = pv("graph", str(ring), "--format", "json")
    report = json.loads(out)
    assert code == 1 and len(report["cycles"]) == 1 and len(report["cycles"][0]) == 1000
    code, out, _ = pv("validate", str(ring))
    assert code == 1 and "PV-GRAPH-001 depends_on cycle: r0000 -> r0001 -> r0002 -> ... -> r0999 -> r0000 (1000 contracts)" in out
