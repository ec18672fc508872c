"""Real 2026 contracts (tests/fixtures/aprender-2026, written in paiml/aprender): read
every one, lose none.

Each command is run as its users run it, over a project holding the ten contracts the
Rust validator accepts plus the two it rejects; every command must count every falsifier
the files declare and name every file it could not read.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from pv.contracts.validate import validate_paths
from pv.diagnostics.diagnostic import Severity
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "aprender-2026"
ACCEPTED = sorted((FIXTURES / "contracts").glob("*.yaml"))
REJECTED = sorted((FIXTURES / "rejected").glob("*.yaml"))
PV = Callable[..., tuple[int, str, str]]


def declared(path: Path) -> int:
    """Falsifiers the file declares, counted from the YAML itself (not through pv)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return len(data.get("falsification_tests") or [])


DECLARED = sum(declared(p) for p in ACCEPTED + REJECTED)
DENOMINATOR = f"{DECLARED} falsifiers in {len(ACCEPTED) + len(REJECTED)} files ({len(ACCEPTED) + 1} contracts read, 1 unreadable)"


def test_the_fixture_set_is_a_dozen_real_contracts_of_several_kinds() -> None:
    assert len(ACCEPTED) + len(REJECTED) >= 12 and DECLARED == 48
    kinds = {(yaml.safe_load(p.read_text(encoding="utf-8")).get("metadata") or {}).get("kind") for p in ACCEPTED}
    assert {None, "kernel", "schema", "pattern", "beat-benchmark"} <= kinds


def test_accepted_contracts_validate_with_no_false_error() -> None:
    result = validate_paths(ACCEPTED)
    assert len(result.contracts) == len(ACCEPTED)
    errors = [(Path(d.path).name, d.code, d.message) for d in result.diagnostics if d.severity is Severity.ERROR]
    # The only errors are true ones: two Kani harnesses citing obligation ids that do not
    # exist (the obligations are ALD087-BND-001/002), which the Rust validator misses.
    assert [(name, code) for name, code, _ in errors] == [("alibi-kernel-v1.yaml", "PV-SCHEMA-011")] * 2
    assert all("AL-BND-00" in message for _, _, message in errors)
    for f in result.contracts:
        assert f.contract is not None and len(f.contract.falsification_tests) == declared(Path(f.path)), f.path


def test_rejected_contracts_are_reported_never_dropped() -> None:
    result = validate_paths(REJECTED)
    assert len(result.files) == 2
    by_file = {Path(f.path).name: [d.code for d in f.errors] for f in result.files}
    assert by_file == {"apr-book-ch01-v1.yaml": ["PV-SCHEMA-002", "PV-SCHEMA-002"],  # no metadata.version
                       "apr-checkpoint-v1.yaml": ["SCHEMA-018"]}  # a top-level kind


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "real"\nversion = "0"\n', encoding="utf-8")
    (tmp_path / "contracts").mkdir()
    for path in ACCEPTED + REJECTED:
        shutil.copy(path, tmp_path / "contracts" / path.name)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_nothing.py").write_text("def test_nothing() -> None:\n    pass\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_strict_lint_counts_every_falsifier_of_every_file(pv: PV, project: Path) -> None:
    code, out, _ = pv("lint", "--strict-test-binding", "--no-cache", "--format", "json")
    report = json.loads(out)
    summary = report["summary"]
    assert code == 1  # cargo and prose references bind to no pytest test: findings, not silence
    assert (summary["files"], summary["contracts"], summary["unreadable"]) == (12, 11, 1)
    assert summary["falsifiers"] + summary["falsifiers_unread"] == DECLARED
    failing = {d["path"] for d in report["diagnostics"] if d["severity"] == "error"}
    assert {Path(p).name for p in failing} >= {p.name for p in ACCEPTED + REJECTED} - {"beat-sklearn-iris-v1.yaml"}


def test_status_lists_every_file_and_counts_every_falsifier(pv: PV, project: Path) -> None:
    code, out, _ = pv("status", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["denominator"] == DENOMINATOR
    assert len(report["contracts"]) == 11 and report["totals"]["falsifiers"] == DECLARED
    assert [Path(u["path"]).name for u in report["unreadable"]] == ["apr-book-ch01-v1.yaml"]
    distill = next(c for c in report["contracts"] if c["stem"] == "apr-cli-distill-train-v1")
    # its `pv validate contracts/...` meta-check is something pv runs itself, so the evidence
    # supports more than the PROPOSED it declares: stale, shown as such, never a false claim
    assert distill["declared"] == "PROPOSED" and distill["overclaim"] is None
    assert distill["agrees"] is (distill["derived"] == "PROPOSED")
    assert (distill["underclaim"] is None) is distill["agrees"]
    code, text, _ = pv("status")
    assert "apr-book-ch01-v1.yaml: UNREADABLE" in text and DENOMINATOR in text


def test_coverage_counts_every_falsifier(pv: PV, project: Path) -> None:
    code, out, _ = pv("coverage", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["denominator"] == DENOMINATOR
    assert report["totals"]["falsifiers"] == DECLARED and len(report["unreadable"]) == 1


def test_scoreboard_counts_every_falsifier_and_names_the_unreadable_file(pv: PV, project: Path) -> None:
    code, out, _ = pv("scoreboard")
    assert code == 1 and DENOMINATOR in out and "apr-book-ch01-v1.yaml: UNREADABLE" in out
    model = json.loads((project / "reports" / "scoreboard.json").read_text(encoding="utf-8"))
    assert model["totals"]["falsifiers"] == DECLARED == model["totals"]["falsifiers_declared"]
    assert sum(len(c["falsifiers"]) for c in model["contracts"]) == DECLARED
    assert "apr-book-ch01-v1.yaml" in (project / "reports" / "scoreboard.md").read_text(encoding="utf-8")
    assert "apr-book-ch01-v1.yaml" in (project / "reports" / "scoreboard.html").read_text(encoding="utf-8")


def test_audit_and_graph_name_the_unreadable_file(pv: PV, project: Path) -> None:
    code, out, _ = pv("audit", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["summary"]["files"] == 12 and report["summary"]["falsifiers_declared"] == DECLARED
    assert any(d["path"].endswith("apr-book-ch01-v1.yaml") for d in report["diagnostics"])
    code, out, _ = pv("graph", "--format", "json")
    assert code == 1 and [Path(p).name for p in json.loads(out)["unreadable"]] == ["apr-book-ch01-v1.yaml"]
