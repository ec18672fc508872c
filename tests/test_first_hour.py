"""A new user's first hour with this repository: the README's commands, names, and what it documents."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from pv import DISTRIBUTION
from tests.conftest import REPO, REQUIRE_EXTRAS, optional

README = (REPO / "README.md").read_text(encoding="utf-8")
# The `dev` extra's modules that some tests import; the README's main command installs `oracle` only.
DEV_ONLY = ("jsonschema", "playwright", "pre_commit")


def env_without(tmp_path: Path, modules: tuple[str, ...]) -> dict[str, str]:
    """An environment in which importing each of `modules` fails, as if its extra was not installed."""
    blocker = tmp_path / "blocked"
    blocker.mkdir()
    for module in modules:
        (blocker / f"{module}.py").write_text(f"raise ModuleNotFoundError(\"No module named '{module}'\", name='{module}')\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PV_CONTRACTS_DIR", REQUIRE_EXTRAS)}
    env["PYTHONPATH"] = str(blocker)
    return env


def test_strict_lint_is_clean_without_the_dev_extra(tmp_path: Path) -> None:
    """The README's main command (`pip install -e '.[oracle]' && pv check`) has no `dev` extra: every test
    module must still be collected (optional imports skip), or strict lint reports PV-VER-010."""
    env = env_without(tmp_path, DEV_ONLY)
    assert subprocess.run([sys.executable, "-c", "import jsonschema"], env=env, capture_output=True).returncode == 1
    done = subprocess.run([sys.executable, "-m", "pv", "lint", "--strict-test-binding", "--no-cache"], cwd=REPO,
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PV-VER-010" not in done.stdout


def test_optional_skips_with_the_extra_and_fails_under_the_test_script(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_EXTRAS, raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"needs no_such_module_xyz from the 'dev' extra: pip install"):
        optional("no_such_module_xyz")
    monkeypatch.setenv(REQUIRE_EXTRAS, "1")
    with pytest.raises(pytest.fail.Exception, match="PV_TESTS_REQUIRE_EXTRAS is set"):
        optional("no_such_module_xyz")
    assert REQUIRE_EXTRAS in (REPO / "scripts" / "test.sh").read_text()


def test_the_distribution_name_is_not_pv_and_python_m_pv_works() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION != "pv"
    assert project["scripts"] == {"pv": "pv.cli:main"}
    done = subprocess.run([sys.executable, "-m", "pv", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and DISTRIBUTION in done.stdout


def test_the_hooks_name_the_distribution_and_never_run_another_pv() -> None:
    text = (REPO / ".pre-commit-hooks.yaml").read_text()
    assert f"pip install {DISTRIBUTION}" in text and "pip install pv`" not in text
    for hook in yaml.safe_load(text) + yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]:
        assert hook["entry"].startswith("python -m pv "), hook  # Debian's Pipe Viewer is also `pv`
    assert f"pip install {DISTRIBUTION}" in README and "python -m pv" in README


def _python_blocks(section: str) -> list[str]:
    body = README.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", body, flags=re.S)


def test_the_readme_binding_snippet_is_complete() -> None:
    [snippet] = _python_blocks("Binding tests to falsifiers")
    compile(snippet, "README.md", "exec")
    imported = set(re.findall(r"^(?:import (\w+)|from [\w.]+ import (\w+))", snippet, flags=re.M))
    names = {a or b for a, b in imported}
    assert {"pytest", "falsifier"} <= names


def test_the_readme_documents_mutants_and_other_repositories() -> None:
    assert "## Writing mutants" in README and "## Running pv in another repository" in README
    [example] = _python_blocks("Writing mutants")
    assert "Mutant(" in example and "MUTANTS" in example
    for field in ("name", "contract", "target", "description", "make"):
        assert f"`{field}`" in README.split("## Writing mutants", 1)[1].split("\n## ", 1)[0], field
    assert "../shared/corpus" in README and "PV_CORPUS" in README


def test_a_missing_corpus_stops_the_run_saying_where_it_is_expected(tmp_path: Path) -> None:
    env = {**os.environ, "PV_CORPUS": str(tmp_path / "nowhere")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/commands/test_graph.py"],
                          cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 4, output
    assert f"the anchor corpus is missing: {tmp_path / 'nowhere'}" in output and "PV_CORPUS" in output
