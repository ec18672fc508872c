"""pv's hooks under the real `pre-commit` tool, offline: a good commit passes, a dangling `test:` is rejected."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, optional

FIXTURE = REPO / "tests" / "fixtures" / "mutation_project"


def git(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_hooks_accept_a_good_commit_and_reject_a_dangling_test(tmp_path: Path) -> None:
    optional("pre_commit")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
    }
    hooks = tmp_path / "pv-hooks"
    hooks.mkdir()
    shutil.copy(REPO / ".pre-commit-hooks.yaml", hooks)
    git(hooks, "init", "-q", env=env)
    git(hooks, "add", ".", env=env)
    git(hooks, "commit", "-q", "-m", "hooks", env=env)
    rev = git(hooks, "rev-parse", "HEAD", env=env).stdout.strip()

    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns("reports", ".pv-cache", "__pycache__"))
    (project / ".gitignore").write_text(".pv-cache/\nreports/\n__pycache__/\n")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: pv-validate\n      - id: pv-lint\n")
    git(project, "init", "-q", env=env)
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project,
                               capture_output=True, text=True, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    git(project, "add", ".", env=env)
    good = git(project, "commit", "-m", "good contract", env=env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "pv lint --strict-test-binding" in good.stdout + good.stderr and "Passed" in good.stdout + good.stderr

    contract = project / "contracts" / "toy-mean-v1.yaml"
    contract.write_text(contract.read_text().replace("test_toy.py::test_constant", "test_toy.py::test_constant_input"))
    git(project, "add", ".", env=env)
    bad = git(project, "commit", "-m", "dangling test", env=env)
    output = bad.stdout + bad.stderr
    assert bad.returncode != 0, output
    assert "contracts/toy-mean-v1.yaml:24:11: PV-VER-002 FALSIFY-TM-002 names" in output
    assert "closest: falsifiers/test_toy.py::test_constant" in output
    assert "dangling test" not in git(project, "log", "--oneline", env=env).stdout
