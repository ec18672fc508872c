"""The scoreboard rendered from fixed evidence: the numbers shown, escaping, changes, atomicity."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pv import __version__, atomic
from pv.atomic import write_json
from pv.evidence.fingerprint import bind_inputs
from pv.evidence.store import evidence_dir
from pv.evidence.plan import load_plan
from pv.reports.scoreboard import build_model, write_scoreboard
from tests.conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "mutation_project"
HOSTILE = "<script>alert('x')</script>"


def record(outcome: str, **extra: object) -> dict:
    return {"nodeids": ["n"], "outcome": outcome, "duration": 0.25, "examples": 20, "margin": None, **extra}


def bound(root: Path, document: dict) -> dict:
    """A hand-written run bound, as `pv falsify` binds it, to the files it is about."""
    inputs, depends = bind_inputs(load_plan(root=root))
    for fid, rec in document.get("falsifiers", {}).items():
        rec["inputs"] = depends[fid]
    return {**document, "inputs": inputs, "pv_version": __version__}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("reports", ".pv-cache", "__pycache__"))
    evidence = evidence_dir(root)
    write_json(evidence / "falsify-20260101T000000000000Z.json", bound(root, {
        "kind": "falsify", "time": "2026-01-01T00:00:00Z", "falsifiers": {
            "FALSIFY-TM-001": record("passed"), "FALSIFY-TM-002": record("passed"),
            "FALSIFY-TM-003": record("passed"), "FALSIFY-TM-004": record("failed", message="old")}}))
    write_json(evidence / "falsify-20260102T000000000000Z.json", bound(root, {
        "kind": "falsify", "time": "2026-01-02T00:00:00Z", "commit": "abc123", "profile": "ci", "seed": 9,
        "falsifiers": {
            "FALSIFY-TM-001": record("passed", margin={"error": 5e-10, "tolerance": 1e-9, "ratio": 0.5}),
            "FALSIFY-TM-002": record("failed", message=HOSTILE, falsifying_example="Falsifying example: c=0.5"),
            "FALSIFY-TM-003": record("passed", examples=None),
            "FALSIFY-TM-004": record("passed")}}))
    write_json(evidence / "mutate-20260102T000000000000Z.json", bound(root, {
        "kind": "mutate", "time": "2026-01-02T00:00:00Z", "mutants": [
            {"name": "mean-n-plus-one", "contract": "toy-mean-v1", "target": "toy.kernel:mean", "description": "n+1",
             "killed_by": ["FALSIFY-TM-001", "FALSIFY-TM-002"], "survived": False},
            {"name": "mean-tiny-bias", "contract": "toy-mean-v1", "target": "toy.kernel:mean", "description": "bias",
             "killed_by": [], "survived": True},
            {"name": "of-another-contract", "contract": "other-v1", "target": "other:f", "description": "not shown",
             "killed_by": [], "survived": True}]}))
    return root


def test_model_derives_every_number_from_the_evidence(project: Path) -> None:
    model = build_model(load_plan(root=project))
    totals = model["totals"]
    assert (totals["falsifiers"], totals["pass"], totals["fail"], totals["unbound"]) == (4, 3, 1, 0)
    assert (totals["mutants"], totals["mutants_killed"]) == (2, 1)  # a mutant of a contract not shown is left out
    assert model["changes"] == {"newly_failing": ["FALSIFY-TM-002"], "newly_passing": ["FALSIFY-TM-004"]}
    [contract] = model["contracts"]
    assert (contract["declared"], contract["derived"], contract["agrees"]) == ("DISCHARGED", "PARTIAL", False)
    rows = {r["id"]: r for r in contract["falsifiers"]}
    assert rows["FALSIFY-TM-001"]["mutants_killed"] == ["mean-n-plus-one"]
    assert rows["FALSIFY-TM-004"]["status"] == "PASS" and rows["FALSIFY-TM-004"]["mutants_killed"] == []


def test_reports_show_the_numbers_and_keep_contract_text_inert(project: Path, tmp_path: Path) -> None:
    model = build_model(load_plan(root=project))
    out = tmp_path / "out"
    write_scoreboard(model, out)
    html = (out / "scoreboard.html").read_text()
    assert '<div class="card" data-total="pass"><b>3</b>PASS</div>' in html
    assert '<div class="card" data-total="fail"><b>1</b>FAIL</div>' in html
    assert "newly failing: FALSIFY-TM-002" in html
    assert HOSTILE not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "5e-10 / 1e-09" in html
    assert "http://" not in html and "https://" not in html  # self-contained: nothing fetched
    markdown = (out / "scoreboard.md").read_text()
    assert "4 falsifiers in 1 file (1 contract read): 3 PASS, 1 FAIL" in markdown
    assert "| toy-mean-v1 | DISCHARGED | PARTIAL | NO |" in markdown
    assert json.loads((out / "scoreboard.json").read_text())["totals"] == model["totals"]


def test_interrupted_write_keeps_the_previous_reports(project: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    model = build_model(load_plan(root=project))
    write_scoreboard(model, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    model["totals"]["pass"] = 999
    with pytest.raises(KeyboardInterrupt):
        write_scoreboard(model, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # old reports intact, no temp files


def test_a_report_that_cannot_render_writes_nothing(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    model = build_model(load_plan(root=project))
    del model["totals"]["fail"]
    with pytest.raises(KeyError):
        write_scoreboard(model, out)
    assert not out.exists()


def test_a_not_reached_mutant_is_neither_killed_nor_discharging(project: Path, tmp_path: Path) -> None:
    """Evidence with `killed_by: []` and `survived: false` read as killed: a mutant whose
    function never ran counted toward the kill total and let the contract be DISCHARGED."""
    evidence = evidence_dir(project)
    write_json(evidence / "falsify-20260103T000000000000Z.json", bound(project, {
        "kind": "falsify", "time": "2026-01-03T00:00:00Z", "falsifiers": {
            fid: record("passed") for fid in ("FALSIFY-TM-001", "FALSIFY-TM-002", "FALSIFY-TM-003", "FALSIFY-TM-004")}}))
    killers = ["FALSIFY-TM-001", "FALSIFY-TM-002", "FALSIFY-TM-004"]
    write_json(evidence / "mutate-20260103T000000000000Z.json", bound(project, {
        "kind": "mutate", "time": "2026-01-03T00:00:00Z", "matrix": "full", "mutants": [
        {"name": "mean-n-plus-one", "contract": "toy-mean-v1", "target": "toy.kernel:mean", "description": "n+1",
         "killed_by": killers, "survived": False, "state": "killed", "kind": "curated", "operator": "curated"},
        {"name": "helper-eps", "contract": "toy-mean-v1", "target": "toy.kernel:unused", "description": "eps",
         "killed_by": [], "survived": False, "state": "not-reached", "kind": "curated", "operator": "curated"},
        {"name": "eps-drop@toy/kernel.py:4", "contract": "toy-mean-v1", "target": "toy.kernel:mean",
         "description": "'a + eps' -> 'a'", "killed_by": [], "survived": False, "state": "equivalent",
         "reason": "eps is 0 here", "kind": "generated", "operator": "eps-drop", "diff": "--- a/toy/kernel.py"}]}))
    model = build_model(load_plan(root=project))
    totals = model["totals"]
    assert (totals["mutants"], totals["mutants_killed"], totals["mutants_not_reached"],
            totals["mutants_equivalent"], totals["mutants_generated"]) == (3, 1, 1, 1, 1)
    assert model["contracts"][0]["derived"] == "FUNCTIONAL"  # not DISCHARGED: a mutant was never reached
    assert model["operators"]["curated"]["kill_rate"] == 0.5 and model["operators"]["eps-drop"]["kill_rate"] is None
    out = tmp_path / "out"
    write_scoreboard(model, out)
    html = (out / "scoreboard.html").read_text()
    assert "NOT-REACHED" in html and "EQUIVALENT" in html and "<summary>diff</summary>" in html
    assert "| eps-drop | 1 | 0 | 0 | 0 | 1 | - |" in (out / "scoreboard.md").read_text()
