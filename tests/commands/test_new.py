"""pv new: the scaffold validates strictly, lints with strict binding, and its tests fail until written."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pv.contracts.scaffold import default_prefix

PV = Callable[..., tuple[int, str, str]]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "toy"\nversion = "0"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PV_CONTRACTS_DIR", None)
    return subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True, env=env, timeout=120)


def test_round_trip(pv: PV, project: Path) -> None:
    code, out, err = pv("new", "softmax-kernel-v1", "--prefix", "SM")
    assert code == 0, err
    contract = project / "contracts" / "softmax-kernel-v1.yaml"
    tests = project / "falsifiers" / "test_softmax_kernel_v1.py"
    assert contract.is_file() and tests.is_file()
    assert "status: PROPOSED" in contract.read_text(encoding="utf-8")
    assert pv("validate", "--strict")[0] == 0
    lint = _run(project, "-m", "pv.cli", "lint", "--strict-test-binding")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "2 bound" in lint.stdout
    run = _run(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests.relative_to(project)))
    assert run.returncode == 1, run.stdout
    assert "FALSIFY-SM-001 not implemented" in run.stdout and "FALSIFY-SM-002 not implemented" in run.stdout
    assert "2 failed" in run.stdout


def test_refuses_to_overwrite(pv: PV, project: Path) -> None:
    existing = project / "falsifiers" / "test_norm_v1.py"
    existing.parent.mkdir()
    existing.write_text("# mine\n", encoding="utf-8")
    code, _, err = pv("new", "norm-v1")
    assert code == 2
    assert "test_norm_v1.py already exists; pv new never overwrites a file" in err
    assert existing.read_text(encoding="utf-8") == "# mine\n"
    assert not (project / "contracts" / "norm-v1.yaml").exists()  # nothing half-written


def test_refuses_a_taken_prefix(pv: PV, project: Path) -> None:
    assert pv("new", "rms-norm-v1")[0] == 0
    code, _, err = pv("new", "rope-nope-v1", "--prefix", "RN")
    assert code == 2 and "FALSIFY-RN-001" in err and "choose another --prefix" in err


@pytest.mark.parametrize(("args", "message"), [
    (("Bad Name",), "is not a contract name"),
    (("good-v1", "--prefix", "sm"), "must be upper-case"),
])
def test_rejects_bad_names(pv: PV, project: Path, args: tuple[str, ...], message: str) -> None:
    code, _, err = pv("new", *args)
    assert code == 2 and message in err


def test_default_prefix() -> None:
    assert default_prefix("rms-norm-v1") == "RN"
    assert default_prefix("softmax-kernel-v1") == "SO"
    assert default_prefix("kd_loss") == "KL"


def test_honours_testpaths_and_finds_the_root_from_a_subdirectory(pv: PV, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "toy"\nversion = "0"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n', encoding="utf-8")
    (tmp_path / "tests").mkdir()
    monkeypatch.chdir(tmp_path / "tests")
    code, out, err = pv("new", "softmax-kernel-v1", "--prefix", "SM")
    assert code == 0, err
    assert (tmp_path / "contracts" / "softmax-kernel-v1.yaml").is_file()
    assert (tmp_path / "tests" / "test_softmax_kernel_v1.py").is_file()
    assert not (tmp_path / "falsifiers").exists() and not (tmp_path / "tests" / "contracts").exists()
    catalogue = tmp_path / "tests" / "mutants.py"
    assert catalogue.is_file() and "mutants.py" in out
    lint = _run(tmp_path, "-m", "pv", "lint", "--strict-test-binding")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    # the scaffolded catalogue imports: `pv mutate` (and so `pv check`) asks for a mutant instead of exit 2
    mutate = _run(tmp_path, "-m", "pv", "mutate")
    assert mutate.returncode == 1, mutate.stdout + mutate.stderr
    assert "the catalogue tests.mutants has no mutant for softmax-kernel-v1" in mutate.stderr
    # a second contract keeps the user's catalogue as it is
    catalogue.write_text("# mine\nMUTANTS = []\n", encoding="utf-8")
    assert pv("new", "rms-norm-v1")[0] == 0
    assert catalogue.read_text(encoding="utf-8") == "# mine\nMUTANTS = []\n"
