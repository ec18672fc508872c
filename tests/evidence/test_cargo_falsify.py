"""`pv falsify` + `pv scoreboard` + `pv status` on the mixed workspace: per-falsifier PASS/FAIL
from cargo (one invocation per package), pytest and pv's own meta-check, in one evidence file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def pv(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pv.cli", *args], cwd=root, capture_output=True, text=True)


@pytest.fixture(scope="module")
def falsified(cargo_workspace: tuple[Path, dict[str, int]]) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    root, _ = cargo_workspace
    done = pv(root, "falsify")
    [evidence] = sorted((root / "reports" / "evidence").glob("falsify-*.json"))[-1:]
    return done, json.loads(evidence.read_text(encoding="utf-8"))


def test_falsify_records_cargo_outcomes_and_durations(falsified: tuple[subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    done, evidence = falsified
    assert done.returncode == 1, done.stderr  # FALSIFY-WS-020 fails
    records = evidence["falsifiers"]
    outcomes = {fid: r["outcome"] for fid, r in records.items()}
    assert outcomes == {
        "FALSIFY-WS-010": "passed", "FALSIFY-WS-011": "passed", "FALSIFY-WS-012": "passed", "FALSIFY-WS-013": "passed",
        "FALSIFY-WS-016": "passed", "FALSIFY-WS-017": "passed", "FALSIFY-WS-018": "passed", "FALSIFY-WS-019": "passed",
        "FALSIFY-WS-020": "failed", "FALSIFY-WS-021": "passed", "FALSIFY-WS-022": "passed", "FALSIFY-WS-030": "passed",
        "FALSIFY-WS-031": "passed",
    }
    assert "two and two" in records["FALSIFY-WS-020"]["message"]
    assert len(records["FALSIFY-WS-012"]["nodeids"]) == 2  # the suite prefix ran both tests
    assert all(isinstance(r["duration"], float) and r["duration"] >= 0 for r in records.values())
    # one cargo invocation per package, and one more for the feature build a citation asks for
    assert set(evidence["cargo_exit"]) == {"alpha", "alpha --features extra", "beta-core"}
    assert done.stderr.count("pv falsify: cargo test -p") == 3
    assert records["FALSIFY-WS-022"]["nodeids"] == ["cargo test -p alpha --features extra --lib tests::extra_only -- --exact"]


def test_scoreboard_and_status_show_cargo_results(cargo_workspace: tuple[Path, dict[str, int]],
                                                   falsified: tuple[subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    root, _ = cargo_workspace
    board = pv(root, "scoreboard")
    assert board.returncode == 0, board.stderr
    model = json.loads((root / "reports" / "scoreboard.json").read_text(encoding="utf-8"))
    status = {r["id"]: r["status"] for c in model["contracts"] for r in c["falsifiers"]}
    assert status["FALSIFY-WS-010"] == "PASS" and status["FALSIFY-WS-020"] == "FAIL"
    assert status["FALSIFY-WS-001"] == "UNBOUND" and status["FALSIFY-WS-014"] == "PENDING"
    assert model["totals"]["pass"] == 12 and model["totals"]["fail"] == 1
    text = pv(root, "status").stdout
    assert "FALSIFY-WS-020     FAIL" in text and "FALSIFY-WS-013     PASS" in text


def test_a_rust_source_change_makes_cargo_evidence_stale(cargo_workspace: tuple[Path, dict[str, int]],
                                                          falsified: tuple[subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    """Evidence is about the code it ran against: editing beta-core's source leaves alpha's
    results current and turns beta-core's into STALE."""
    root, _ = cargo_workspace
    _, evidence = falsified
    assert "crates/beta/src/lib.rs" in evidence["falsifiers"]["FALSIFY-WS-011"]["inputs"]
    source = root / "crates" / "beta" / "src" / "lib.rs"
    original = source.read_text(encoding="utf-8")
    try:
        source.write_text(original + "\n// touched\n", encoding="utf-8")
        pv(root, "scoreboard")
        model = json.loads((root / "reports" / "scoreboard.json").read_text(encoding="utf-8"))
        status = {r["id"]: r["status"] for c in model["contracts"] for r in c["falsifiers"]}
        assert status["FALSIFY-WS-011"] == "STALE" and status["FALSIFY-WS-012"] == "STALE"
        assert status["FALSIFY-WS-010"] == "PASS"
    finally:
        source.write_text(original, encoding="utf-8")
