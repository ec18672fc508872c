"""The pytest side of pv (pv.testing, pv.project): where a falsifier test finds its contract, and
that it reads contracts exactly as `pv validate` does, one contract's problem staying its own."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pv.cli import main
from pv.project import find_root
from pv.testing import falsifier_index
from pv.testing import falsifier
from tests.conftest import VALID_CONTRACT

GOOD_TEST = """\
import pytest
from pv.testing import falsifier

ID_001 = falsifier("FALSIFY-ID-001")


@pytest.mark.falsifies(ID_001.id)
def test_identity():
    ID_001.check_close(0.0)
    assert isinstance(ID_001.tolerance, float) and ID_001.tolerance in (1e-5, 1e-7)
"""

BROKEN_TEST = """\
import pytest
from pv.testing import falsifier

BR_001 = falsifier("FALSIFY-BR-001")


@pytest.mark.falsifies(BR_001.id)
def test_broken():
    pass
"""


def project(tmp_path: Path, testpaths: str = "tests") -> Path:
    root = tmp_path / "proj"
    (root / "contracts").mkdir(parents=True)
    (root / testpaths).mkdir()
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "proj"\nversion = "0"\n\n[tool.pytest.ini_options]\ntestpaths = ["{testpaths}"]\n')
    (root / "contracts" / "identity-v1.yaml").write_text(
        VALID_CONTRACT.replace("falsifiers/test_identity.py", f"{testpaths}/test_identity.py"))
    (root / testpaths / "test_identity.py").write_text(GOOD_TEST)
    return root


def pytest_run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PV_CONTRACTS_DIR"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=300)


def test_a_test_run_from_another_directory_finds_its_own_project(tmp_path: Path) -> None:
    root = project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = pytest_run(elsewhere, str(root / "tests"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_find_root_prefers_the_project_that_declares_tool_pv(tmp_path: Path) -> None:
    root = tmp_path / "mono"
    inner = root / "docs" / "site"
    inner.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.pv]\ncontracts = ["specs"]\n')
    (root / "docs" / "pyproject.toml").write_text('[project]\nname = "docs"\n')
    assert find_root(inner) == root
    assert find_root(root / "docs" / "pyproject.toml") == root
    plain = tmp_path / "plain" / "pkg"
    plain.mkdir(parents=True)
    (tmp_path / "plain" / "pyproject.toml").write_text('[project]\nname = "plain"\n')
    assert find_root(plain) == tmp_path / "plain"


def test_falsifier_looks_in_the_callers_project_not_the_working_directory(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    monkeypatch.delenv("PV_CONTRACTS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    found = falsifier("FALSIFY-ID-001", root=root)
    assert found.contract_path == root / "contracts" / "identity-v1.yaml"
    missing = falsifier("FALSIFY-ID-001")  # called from this file: pv's own project has no such id
    assert missing.problem and "no contract under" in missing.problem
    with pytest.raises(LookupError, match="no contract under .* declares it"):
        missing.tolerance  # noqa: B018 - every use says why, not only the lookup


def test_a_broken_contract_breaks_only_its_own_falsifiers(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "contracts" / "broken-v1.yaml").write_text(
        "metadata:\n  version: \"1.0.0\"\nfalsification_tests:\n  - id: FALSIFY-BR-001\n    test: [unclosed\n")
    (root / "tests" / "test_broken.py").write_text(BROKEN_TEST)
    done = pytest_run(root)
    output = done.stdout + done.stderr
    assert "1 passed, 1 error" in output, output  # the good contract's falsifier still runs
    assert "ERROR tests/test_broken.py::test_broken" in output and "Interrupted" not in output
    assert "contracts/broken-v1.yaml:6:1: PV-YAML-001" in output and "run `pv validate`" in output


def test_falsify_names_a_test_file_that_could_not_be_collected(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "tests" / "test_identity.py").write_text("import not_installed_anywhere_xyz\n" + GOOD_TEST)
    env = {k: v for k, v in os.environ.items() if k != "PV_CONTRACTS_DIR"}
    falsify = subprocess.run([sys.executable, "-m", "pv", "falsify", "--profile", "fast"], cwd=root,
                             capture_output=True, text=True, env=env, timeout=300)
    assert falsify.returncode != 0
    assert ("could not collect tests/test_identity.py: ModuleNotFoundError: No module named "
            "'not_installed_anywhere_xyz'") in falsify.stderr, falsify.stderr


# -- one loader: what validate accepts the tests can read, what the tests cannot read validate refuses


def _validate(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["validate", str(root / "contracts")])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("name, edit, code", [
    ("merge of a scalar", lambda t: t.replace('  author: "pv tests"\n', '  author: "pv tests"\n  <<: 5\n'), "PV-YAML-001"),
    ("5,000-digit integer", lambda t: t.replace("    obligation: ID-INV-001\n",
                                                "    obligation: ID-INV-001\n    parameters:\n      n: " + "7" * 5000 + "\n"),
     "PV-YAML-004"),
    ("duplicate key", lambda t: t.replace('  author: "pv tests"\n', '  author: "pv tests"\n  author: "again"\n'), "SCHEMA-020"),
])
def test_a_contract_the_tests_cannot_read_is_a_validate_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              name: str, edit, code: str) -> None:
    root = project(tmp_path)
    path = root / "contracts" / "identity-v1.yaml"
    path.write_text(edit(path.read_text()))
    falsifier_index.cache_clear()
    with pytest.raises(LookupError, match=f"identity-v1.yaml:\\d+:\\d+: {code}"):
        falsifier("FALSIFY-ID-001", root=root).tolerance  # noqa: B018
    exit_code, out = _validate(root, capsys)
    assert exit_code == 1 and code in out, out


def test_what_validate_accepts_the_tests_read_with_the_same_numbers(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    (root / "contracts" / "not-a-contract.yaml").mkdir()  # a directory named like a contract
    path = root / "contracts" / "identity-v1.yaml"
    path.write_text(path.read_text().replace(
        "    obligation: ID-INV-001\n",
        "    obligation: ID-INV-001\n    parameters:\n      tolerance: 1e-7\n      scale: 2e3\n      label: \"1e-3\"\n"))
    exit_code, out = _validate(root, capsys)
    assert exit_code == 0, out
    falsifier_index.cache_clear()
    found = falsifier("FALSIFY-ID-001", root=root)
    # YAML 1.2 numbers as pv validate reads them; a quoted string stays the string written
    assert found.tolerance == 1e-7 and found.param("scale") == 2000.0 and found.param("label") == "1e-3"
    done = pytest_run(root)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_falsifier_test_run_does_not_import_pydantic(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "tests" / "conftest.py").write_text(textwrap.dedent("""\
        import sys

        def pytest_sessionfinish(session, exitstatus):
            print("\\npydantic imported:", "pydantic" in sys.modules)
        """))
    done = pytest_run(root, "-s")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pydantic imported: False" in done.stdout


def test_the_cache_directory_ignores_itself_in_git(tmp_path: Path) -> None:
    root = project(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    env = {k: v for k, v in os.environ.items() if k != "PV_CONTRACTS_DIR"}
    lint = subprocess.run([sys.executable, "-m", "pv", "lint", "--strict-test-binding"], cwd=root,
                          capture_output=True, text=True, env=env, timeout=300)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert (root / ".pv-cache" / "registry.json").is_file()
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root,
                            capture_output=True, text=True, check=True).stdout
    assert ".pv-cache" not in status and "contracts/identity-v1.yaml" in status
