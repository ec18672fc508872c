"""Files pv writes: the umask decides a new file's mode, a replaced file keeps its own, and
`pv lint --fix` leaves a contract's mode as it was."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pv.atomic import current_umask, write_json, write_text
from tests.conftest import REPO


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o002)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_mode_the_umask_allows(tmp_path: Path, umask: None) -> None:
    assert current_umask() == 0o002
    write_text(tmp_path / "report.md", "x\n")
    write_json(tmp_path / "evidence" / "run.json", {"a": 1})
    assert mode(tmp_path / "report.md") == 0o664
    assert mode(tmp_path / "evidence" / "run.json") == 0o664
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_replaced_file_keeps_its_mode(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "contract.yaml"
    target.write_text("old\n")
    target.chmod(0o640)
    write_text(target, "new\n")
    assert target.read_text() == "new\n" and mode(target) == 0o640


def test_lint_fix_keeps_the_contract_mode(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(REPO / "tests" / "fixtures" / "drift_project", project)
    contract = project / "contracts" / "drift-v1.yaml"
    contract.chmod(0o664)
    before = contract.read_bytes()
    env = {k: v for k, v in os.environ.items() if k != "PV_CONTRACTS_DIR"}
    subprocess.run([sys.executable, "-m", "pv", "lint", "--strict-test-binding", "--fix"], cwd=project,
                   capture_output=True, text=True, env=env, timeout=300)
    assert contract.read_bytes() != before, "the fixture has certain fixes"
    assert mode(contract) == 0o664
