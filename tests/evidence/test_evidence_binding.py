"""Evidence is an input: bound to what it tested, chosen by recorded time, validated on read.

Before: a future-dated `falsify-*.json` claiming PASS pinned every view, a changed kernel
kept its old PASS, NaN observations were written as bare `NaN` tokens, and a list or a
string margin in an evidence file was a traceback.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pv.cli import main
from tests.conftest import run_pv
from tests.conftest import copy_project
from tests.evidence.test_falsify_mutate import evidence


def strict_load(path: Path) -> Any:
    """What JSON.parse accepts: no NaN, Infinity or -Infinity tokens."""
    def refuse(token: str) -> None:
        raise ValueError(f"{path.name}: {token} is not JSON")
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toy project after one real, passing `pv falsify`."""
    project = copy_project(tmp_path_factory.mktemp("ran"))
    done = run_pv(project, "falsify", "--profile", "fast", "--seed", "5")
    assert done.returncode == 0, done.stdout + done.stderr
    return project


@pytest.fixture
def project(ran: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(ran, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def statuses(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, str], str]:
    monkeypatch.chdir(project)
    capsys.readouterr()
    code = main(["status", "--format", "json"])
    out, err = capsys.readouterr()
    rows = {f["id"]: f["status"] for c in json.loads(out)["contracts"] for f in c["falsifiers"]}
    return code, rows, err


def test_a_changed_kernel_makes_its_evidence_stale_on_every_view(project: Path, capsys, monkeypatch) -> None:
    kernel = project / "toy" / "kernel.py"
    kernel.write_text(kernel.read_text() + "\n# an edit after the run\n")
    _, rows, _ = statuses(project, capsys, monkeypatch)
    assert set(rows.values()) == {"STALE"}
    assert main(["scoreboard"]) == 1  # written, and red: stale evidence supports less than the declared DISCHARGED
    board = strict_load(project / "reports" / "scoreboard.json")
    assert board["totals"]["stale"] == 4 and board["totals"]["pass"] == 0
    row = board["contracts"][0]["falsifiers"][0]
    assert "toy/kernel.py" in row["message"] and row["recorded_outcome"] == "PASS"
    assert board["contracts"][0]["derived"] == "PARTIAL"
    assert "STALE" in (project / "reports" / "scoreboard.md").read_text()


@pytest.mark.parametrize("edit", ["contracts/toy-mean-v1.yaml", "falsifiers/test_toy.py", "falsifiers/__init__.py"])
def test_a_changed_contract_or_test_file_makes_the_evidence_stale(project: Path, edit: str, capsys, monkeypatch) -> None:
    path = project / edit
    path.write_text(path.read_text() + "\n# edited\n")
    _, rows, _ = statuses(project, capsys, monkeypatch)
    assert set(rows.values()) == {"STALE"}


def test_evidence_without_hashes_is_stale_not_pass(project: Path, capsys, monkeypatch) -> None:
    [path] = sorted((project / "reports" / "evidence").glob("falsify-*.json"))
    document = json.loads(path.read_text())
    del document["inputs"]
    path.write_text(json.dumps(document))
    _, rows, _ = statuses(project, capsys, monkeypatch)
    assert set(rows.values()) == {"STALE"}


def test_newest_is_chosen_by_recorded_time_not_file_name(project: Path, capsys, monkeypatch) -> None:
    """A file named for the year 2999 but recorded earlier loses to the real, later run."""
    [real] = sorted((project / "reports" / "evidence").glob("falsify-*.json"))
    document = json.loads(real.read_text())
    forged = json.loads(real.read_text())
    document["falsifiers"]["FALSIFY-TM-002"]["outcome"] = "failed"  # the newer run's verdict
    forged["time"] = "2020-01-01T00:00:00Z"
    real.write_text(json.dumps(document))
    (real.parent / "falsify-29990101T000000000000Z.json").write_text(json.dumps(forged))
    _, rows, _ = statuses(project, capsys, monkeypatch)
    assert rows["FALSIFY-TM-002"] == "FAIL"


def test_future_dated_evidence_is_rejected_with_its_path(project: Path, capsys, monkeypatch) -> None:
    [real] = sorted((project / "reports" / "evidence").glob("falsify-*.json"))
    document = json.loads(real.read_text())
    document["falsifiers"]["FALSIFY-TM-001"]["outcome"] = "failed"
    real.write_text(json.dumps(document))
    forged = json.loads(real.read_text())
    forged["falsifiers"]["FALSIFY-TM-001"]["outcome"] = "passed"
    forged["time"] = "2999-01-01T00:00:00Z"
    (real.parent / "falsify-29990101T000000000000Z.json").write_text(json.dumps(forged))
    code, rows, err = statuses(project, capsys, monkeypatch)
    assert rows["FALSIFY-TM-001"] == "FAIL"
    assert code == 1 and "falsify-29990101T000000000000Z.json: $.time" in err and "future" in err


WRONG_SHAPES = {
    "a list": lambda d: [d],
    "unknown outcome": lambda d: {**d, "falsifiers": {**d["falsifiers"], "FALSIFY-TM-001": {
        **d["falsifiers"]["FALSIFY-TM-001"], "outcome": "totally-passed"}}},
    "string margin": lambda d: {**d, "falsifiers": {**d["falsifiers"], "FALSIFY-TM-001": {
        **d["falsifiers"]["FALSIFY-TM-001"], "margin": "0.5"}}},
    "falsifiers a list": lambda d: {**d, "falsifiers": ["FALSIFY-TM-001"]},
    "no time": lambda d: {k: v for k, v in d.items() if k != "time"},
    "a bad time": lambda d: {**d, "time": "yesterday"},
}


@pytest.mark.parametrize("shape", sorted(WRONG_SHAPES))
def test_wrong_shape_evidence_is_reported_with_its_path_never_a_traceback(project: Path, shape: str, capsys,
                                                                          monkeypatch) -> None:
    [real] = sorted((project / "reports" / "evidence").glob("falsify-*.json"))
    real.write_text(json.dumps(WRONG_SHAPES[shape](json.loads(real.read_text()))))
    code, rows, err = statuses(project, capsys, monkeypatch)
    assert code == 1 and real.name in err and "Traceback" not in err
    assert "PASS" not in rows.values()  # the only run is unusable: nothing passes on its word
    assert main(["scoreboard"]) == 1


@pytest.mark.parametrize("text", ["NaN", "{\"kind\": \"falsify\", \"time\": \"2026-01-01T00:00:00Z\", "
                                  "\"falsifiers\": {\"FALSIFY-TM-001\": {\"nodeids\": [], \"outcome\": \"passed\", "
                                  "\"duration\": Infinity}}}", "{", "\u0000"])
def test_non_json_evidence_is_reported(project: Path, text: str, capsys, monkeypatch) -> None:
    path = project / "reports" / "evidence" / "falsify-29990101T000000000000Z.json"
    path.write_text(text)
    code, _, err = statuses(project, capsys, monkeypatch)
    assert code == 1 and path.name in err


def test_a_nan_observation_is_a_clear_fail_and_evidence_stays_strict_json(project: Path) -> None:
    tests = project / "falsifiers" / "test_toy.py"
    tests.write_text(tests.read_text().replace("TM_001.check_close(max(min(xs) - m, m - max(xs), 0.0))",
                                               "TM_001.check_close(float('nan'))"))
    done = run_pv(project, "falsify", "--profile", "fast", "--seed", "5")
    assert done.returncode == 1
    record = evidence(project, "falsify-")["falsifiers"]["FALSIFY-TM-001"]
    assert record["outcome"] == "failed" and "error is NaN (not a number)" in record["message"]
    assert record["margin"]["ratio"] is None and "nan" in record["margin"]["note"]
    for path in (project / "reports" / "evidence").glob("*.json"):
        strict_load(path)
    assert run_pv(project, "scoreboard").returncode == 1  # written, and red: a FAIL cannot support DISCHARGED
    strict_load(project / "reports" / "scoreboard.json")


def test_an_infinite_tolerance_never_passes(project: Path) -> None:
    contract = project / "contracts" / "toy-mean-v1.yaml"
    contract.write_text(contract.read_text().replace("tolerance: 1.0e-9", "tolerance: .inf"))
    done = run_pv(project, "validate")
    assert done.returncode == 1 and "PV-SCHEMA-014" in done.stdout and "toy-mean-v1.yaml:" in done.stdout
    done = run_pv(project, "falsify", "--profile", "fast", "--seed", "5")
    assert done.returncode == 1
    record = evidence(project, "falsify-")["falsifiers"]["FALSIFY-TM-001"]
    assert record["outcome"] == "failed" and "not a finite number" in record["message"]


def test_kernels_on_pytests_pythonpath_are_hashed(tmp_path: Path) -> None:
    """A kernel the tests import through `[tool.pytest.ini_options] pythonpath` (not the root,
    not src/) was not among the inputs, so editing it left the evidence current."""
    from pv.evidence.fingerprint import dependencies

    (tmp_path / "lib" / "kern").mkdir(parents=True)
    (tmp_path / "lib" / "kern" / "__init__.py").write_text("from .ops import f\n")
    (tmp_path / "lib" / "kern" / "ops.py").write_text("def f(x):\n    return x\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_k.py").write_text("from kern import f\n")
    (tmp_path / "c.yaml").write_text("metadata: {}\n")
    found = dependencies(tmp_path, tmp_path / "c.yaml", ["tests/test_k.py"], ["lib", "../outside"])
    assert found == ["c.yaml", "lib/kern/__init__.py", "lib/kern/ops.py", "tests/test_k.py"]


def test_the_pythonpath_setting_reaches_the_inputs(tmp_path: Path) -> None:
    from pv.config import load_config

    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["lib", "."]\n')
    assert load_config(tmp_path).import_paths == ("lib", ".")
