"""`pv lint --strict-test-binding` on a mixed Python + Rust workspace: every shape of the
`test:` grammar, every drift class, resolved against cargo's own test list.

The workspace (tests/cargo_workspace.py) is built once per session; pv runs as a user runs
it, a subprocess from the workspace root.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.cargo_workspace import CITATIONS, DANGLING, NEVER_RUNS, NOTED, contract_text
from tests.conftest import run_pv


@pytest.fixture(scope="module")
def report(cargo_workspace: tuple[Path, dict[str, int]]) -> dict[str, Any]:
    root, _ = cargo_workspace
    done = run_pv(root, "lint", "--strict-test-binding", "--format", "json")
    assert done.returncode == 1, done.stderr
    return dict(json.loads(done.stdout))


def codes_at(report: dict[str, Any], line: int) -> list[str]:
    return sorted(d["code"] for d in report["diagnostics"] if d["path"] == "contracts/ws-v1.yaml" and d["line"] == line)


@pytest.mark.parametrize(("falsifier", "test"), CITATIONS, ids=[fid for fid, _ in CITATIONS])
def test_each_citation_gets_exactly_its_findings(report: dict[str, Any], cargo_workspace: tuple[Path, dict[str, int]],
                                                 falsifier: str, test: str) -> None:
    _, where = cargo_workspace
    expected = (["PV-VER-002"] if falsifier in DANGLING else []) + (["PV-VER-012"] if falsifier in NOTED else []) \
        + (["PV-VER-008"] if falsifier in NEVER_RUNS else [])
    if test.startswith("LIVE-PENDING"):
        expected = ["PV-VER-003"]
    assert codes_at(report, where[falsifier]) == expected


def message_at(report: dict[str, Any], line: int) -> dict[str, Any]:
    [finding] = [d for d in report["diagnostics"] if d["line"] == line and d["code"] == "PV-VER-002"]
    return dict(finding)


@pytest.mark.parametrize(("falsifier", "cited", "first"), [
    ("FALSIFY-WS-001", "config::tests::init_matches_constructor", "cargo test -p alpha --lib config::tests::init_matches_input"),
    ("FALSIFY-WS-002", "transformer::model::tests::gqa_7_to_1_matches_full_mha",
     "cargo test -p alpha --lib transformer::attention::tests::gqa_7_to_1_matches_full_mha"),
    ("FALSIFY-WS-003", "tests::add_works", "cargo test -p alpha --lib tests::add_works"),
    ("FALSIFY-WS-004", "--test integration", "cargo test -p alpha --test integ integ_smoke"),
    ("FALSIFY-WS-005", "parity_gate_tpu", "cargo test -p beta-core --lib parity_gate::parity_gate_"),
    ("FALSIFY-WS-006", "MUTANT_this_test_fn_does_not_exist_anywhere", None),
    ("FALSIFY-WS-008", "tests::extra_only", "cargo test -p alpha --features extra --lib tests::extra_only"),
    ("FALSIFY-WS-009", "--features nope", None),
])
def test_dangling_findings_name_the_part_in_the_rust_wording_with_the_closest_test_first(
        report: dict[str, Any], cargo_workspace: tuple[Path, dict[str, int]], falsifier: str, cited: str,
        first: str | None) -> None:
    _, where = cargo_workspace
    finding = message_at(report, where[falsifier])
    assert finding["message"].startswith(f"Dangling test reference: cited `{cited}` not found")
    assert f"(falsification_tests[{falsifier}].test)" in finding["message"]
    if first is not None:
        assert finding["hints"][0].startswith(f"candidate: {first}")


def test_the_compound_finding_names_only_its_dangling_half(report: dict[str, Any],
                                                            cargo_workspace: tuple[Path, dict[str, int]]) -> None:
    _, where = cargo_workspace
    finding = message_at(report, where["FALSIFY-WS-005"])
    assert "`parity_gate_tpu`" in finding["message"] and "add_works" not in finding["message"].split("closest")[0]


def test_summary_counts_both_registries_and_every_falsifier(report: dict[str, Any]) -> None:
    summary = report["summary"]
    assert summary["falsifiers"] == len(CITATIONS)
    assert summary["pending"] == 2
    assert summary["bound"] == len(CITATIONS) - len(DANGLING) - 2  # all but the dangling and the 2 deferrals
    # cargo lists 12 tests in the default build and 10 in alpha's `--features extra` build; pytest 1
    assert summary["tests"] == 12 + 10 + 1


def test_fix_rewrites_the_suffix_drift_and_nothing_it_is_not_sure_of(
        cargo_workspace: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    root, _ = cargo_workspace
    target = root / "contracts-fix"
    target.mkdir(exist_ok=True)
    text, where = contract_text([CITATIONS[0], CITATIONS[2], CITATIONS[3]])
    contract = target / "fix-v1.yaml"
    contract.write_text(text, encoding="utf-8")
    try:
        done = run_pv(root, "lint", "--strict-test-binding", "--fix", "contracts-fix/fix-v1.yaml")
        fixed = contract.read_text(encoding="utf-8").splitlines()
        assert fixed[where["FALSIFY-WS-001"] - 1] == '    test: "cargo test -p alpha --lib config::tests::init_matches_input"'
        assert fixed[where["FALSIFY-WS-003"] - 1] == text.splitlines()[where["FALSIFY-WS-003"] - 1]  # another crate
        assert fixed[where["FALSIFY-WS-004"] - 1] == text.splitlines()[where["FALSIFY-WS-004"] - 1]  # a target
        assert "fixed FALSIFY-WS-001" in done.stderr and "not fixed FALSIFY-WS-003" in done.stderr
    finally:
        shutil.rmtree(target)


def test_a_pure_rust_workspace_needs_no_python_configuration(cargo_workspace: tuple[Path, dict[str, int]],
                                                              tmp_path: Path) -> None:
    """Without pyproject.toml pytest is never started; the cargo side still gates."""
    root, _ = cargo_workspace
    rust_only = tmp_path / "rust"
    shutil.copytree(root, rust_only, ignore=shutil.ignore_patterns("target", ".pv-cache", "pyproject.toml", "falsifiers"))
    text, _ = contract_text([c for c in CITATIONS if c[0] in ("FALSIFY-WS-010", "FALSIFY-WS-011")])
    (rust_only / "contracts" / "ws-v1.yaml").write_text(text, encoding="utf-8")
    # run from inside a crate, as a Rust developer would: the root is the workspace's
    done = run_pv(rust_only / "crates" / "beta", "lint", "--strict-test-binding", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)["summary"]
    assert summary["bound"] == 2 and summary["tests"] == 12  # no citation asks for a feature build


def test_renaming_a_real_rust_test_adds_exactly_one_finding(report: dict[str, Any],
                                                             cargo_workspace: tuple[Path, dict[str, int]]) -> None:
    """The gate is falsifiable itself: rename the test one citation names, and that citation,
    and nothing else, becomes dangling (a cached registry must not hide the rename)."""
    root, where = cargo_workspace
    source = root / "crates" / "beta" / "src" / "lib.rs"
    original = source.read_text(encoding="utf-8")
    try:
        # `beta_ok_x` would still be selected: cargo's filter is a substring
        source.write_text(original.replace("fn beta_ok()", "fn beta_fine()"), encoding="utf-8")
        done = run_pv(root, "lint", "--strict-test-binding", "--format", "json")
        after = json.loads(done.stdout)
    finally:
        source.write_text(original, encoding="utf-8")

    def keyed(r: dict[str, Any]) -> set[tuple[str, int, str]]:
        return {(d["path"], d["line"], d["code"]) for d in r["diagnostics"] if d["code"] != "PV-VER-009"}

    assert keyed(after) - keyed(report) == {("contracts/ws-v1.yaml", where["FALSIFY-WS-011"], "PV-VER-002")}
    assert keyed(report) - keyed(after) == set()
