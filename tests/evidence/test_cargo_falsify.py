"""`pv falsify` + `pv scoreboard` + `pv status` on the mixed workspace: per-falsifier PASS/FAIL
from cargo (one invocation per package), pytest and pv's own meta-check, in one evidence file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_pv


@pytest.fixture(scope="module")
def falsified(cargo_workspace: tuple[Path, dict[str, int]]) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    root, _ = cargo_workspace
    done = run_pv(root, "falsify")
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
    board = run_pv(root, "scoreboard")
    assert board.returncode == 0, board.stderr
    model = json.loads((root / "reports" / "scoreboard.json").read_text(encoding="utf-8"))
    status = {r["id"]: r["status"] for c in model["contracts"] for r in c["falsifiers"]}
    assert status["FALSIFY-WS-010"] == "PASS" and status["FALSIFY-WS-020"] == "FAIL"
    assert status["FALSIFY-WS-001"] == "UNBOUND" and status["FALSIFY-WS-014"] == "PENDING"
    assert model["totals"]["pass"] == 12 and model["totals"]["fail"] == 1
    text = run_pv(root, "status").stdout
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
        run_pv(root, "scoreboard")
        model = json.loads((root / "reports" / "scoreboard.json").read_text(encoding="utf-8"))
        status = {r["id"]: r["status"] for c in model["contracts"] for r in c["falsifiers"]}
        assert status["FALSIFY-WS-011"] == "STALE" and status["FALSIFY-WS-012"] == "STALE"
        assert status["FALSIFY-WS-010"] == "PASS"
    finally:
        source.write_text(original, encoding="utf-8")


@pytest.fixture
def with_path_dependency(tmp_path: Path) -> Path:
    """The workspace with `gamma`, a path dependency of `alpha`, and two falsifiers citing alpha."""
    from tests.cargo_workspace import CARGO, SKIP_REASON, contract_text, write_workspace

    if CARGO is None:
        pytest.skip(SKIP_REASON)
    root = tmp_path / "ws"
    write_workspace(root)
    manifest = root / "crates" / "alpha" / "Cargo.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + '\n[dependencies]\ngamma = { path = "../gamma" }\n',
                        encoding="utf-8")
    (root / "crates" / "gamma" / "src").mkdir(parents=True)
    (root / "crates" / "gamma" / "Cargo.toml").write_text('[package]\nname = "gamma"\nversion = "0.1.0"\nedition = "2021"\n',
                                                          encoding="utf-8")
    (root / "crates" / "gamma" / "src" / "lib.rs").write_text("pub fn one() -> i32 { 1 }\n", encoding="utf-8")
    text, _ = contract_text([("FALSIFY-WS-040", "cargo test -p alpha --lib tests::add_works && python3 scripts/check.py"),
                             ("FALSIFY-WS-041", "cargo test -p alpha --lib tests::add_works")])
    (root / "contracts" / "ws-v1.yaml").write_text(text, encoding="utf-8")
    return root


def test_path_dependencies_and_unrun_halves_are_never_green(with_path_dependency: Path) -> None:
    """A compound whose second half is no test pv runs was PASS when only the cargo half ran;
    a change in a path dependency's source left the evidence current."""
    root = with_path_dependency
    done = run_pv(root, "falsify")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FALSIFY-WS-040 SKIPPED" in done.stdout and "`python3 scripts/check.py`" in done.stdout
    [path] = (root / "reports" / "evidence").glob("falsify-*.json")
    records = json.loads(path.read_text(encoding="utf-8"))["falsifiers"]
    assert records["FALSIFY-WS-040"]["outcome"] == "skipped" and records["FALSIFY-WS-041"]["outcome"] == "passed"
    assert "crates/gamma/src/lib.rs" in records["FALSIFY-WS-041"]["inputs"]
    (root / "crates" / "gamma" / "src" / "lib.rs").write_text("pub fn one() -> i32 { 2 }\n", encoding="utf-8")
    run_pv(root, "scoreboard")
    model = json.loads((root / "reports" / "scoreboard.json").read_text(encoding="utf-8"))
    status = {r["id"]: r["status"] for c in model["contracts"] for r in c["falsifiers"]}
    assert status == {"FALSIFY-WS-040": "STALE", "FALSIFY-WS-041": "STALE"}


def test_a_cargo_exit_no_failed_test_explains_is_never_a_pass(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """libtest printed `ok`, then the binary exited 101 (a crash after its last test): PASS before."""
    import pv.evidence.cargo_runner as runner
    from pv.binding.cargo import CargoPackage, CargoRegistry, CargoTarget, CargoTest

    registry = CargoRegistry(tmp_path, {"alpha": CargoPackage("alpha", "crates/alpha", (CargoTarget("lib", "alpha", "src/lib.rs"),))},
                             ("alpha",))
    test = CargoTest("alpha", "lib", "alpha", "tests::add_works", False)
    output = ("     Running unittests src/lib.rs (target/debug/deps/alpha-0123)\n\nrunning 1 test\n"
              "test tests::add_works ... ok\n\ntest result: ok. 1 passed; 0 failed\n\n")
    monkeypatch.setattr(runner, "_stream", lambda command, root: (101, [(0.0, output)]))
    [result] = runner.run_package(tmp_path, registry, "alpha", [test]).results
    assert result["outcome"] == "error" and "cargo exited 101" in result["message"]
    monkeypatch.setattr(runner, "_stream", lambda command, root: (0, [(0.0, output)]))
    [result] = runner.run_package(tmp_path, registry, "alpha", [test]).results
    assert result["outcome"] == "passed"
