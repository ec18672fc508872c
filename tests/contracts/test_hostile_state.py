"""Hostile state around the contracts: caches, FIFOs, symlinks, report directories, huge values.

A sibling of test_hostile_inputs.py (same bounds: memory, time, output, no traceback).
Each case gives a clear diagnostic naming the file, exit 1 or 2, and loses nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import VALID_CONTRACT, copy_project
from tests.contracts.test_hostile_inputs import run_pv as run_bounded

# pv falsify and pv scoreboard run pytest or render reports: slower than validate on a
# loaded machine, still far from "blocked for ever".
SLOW_COMMANDS = {"falsify": 120.0, "scoreboard": 120.0, "status": 60.0, "lint": 60.0}


def run_pv(cwd: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_bounded(cwd, *args, code=code, timeout=SLOW_COMMANDS.get(args[0], 20.0))

PYPROJECT = textwrap.dedent("""\
    [project]
    name = "hostile"
    version = "0"

    [tool.pytest.ini_options]
    testpaths = ["falsifiers"]
    """)
# The falsifier reads its contract at import, as real falsifiers do (pv.testing.falsifier):
# collection then opens the contract files, which is where a FIFO used to block.
TEST_FILE = textwrap.dedent("""\
    import pytest
    from pv.testing import falsifier

    SPEC = falsifier("FALSIFY-ID-001")

    @pytest.mark.falsifies("FALSIFY-ID-001")
    def test_identity():
        assert SPEC.id == "FALSIFY-ID-001"
    """)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "project"
    (root / "contracts").mkdir(parents=True)
    (root / "falsifiers").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "falsifiers" / "__init__.py").write_text("")
    (root / "falsifiers" / "test_identity.py").write_text(TEST_FILE)
    (root / "contracts" / "identity-v1.yaml").write_text(VALID_CONTRACT)
    yield root


def test_the_project_is_clean(project: Path) -> None:
    done = run_pv(project, "lint", "--strict-test-binding")
    assert done.returncode == 0, done.stdout + done.stderr


# -- item 16: a FIFO named like a contract ----------------------------------------------

@pytest.mark.parametrize("command", [("lint", "--strict-test-binding"), ("falsify",), ("validate",)])
def test_a_fifo_in_contracts_never_blocks(project: Path, command: tuple[str, ...]) -> None:
    os.mkfifo(project / "contracts" / "pipe.yaml")
    done = run_pv(project, *command)  # TIMEOUT fails the test if anything opens the FIFO blocking
    if command[0] != "falsify":  # falsify's verdict on an unreadable contract is not this catalogue's
        assert done.returncode == 2, done.stdout
        assert "contracts/pipe.yaml:0:0: PV-IO-001 cannot read: it is a FIFO" in done.stdout


# -- items 9 and 16: symlinks --------------------------------------------------------------

@pytest.mark.parametrize("command", [("validate", "--changed"), ("lint", "--strict-test-binding", "--changed"),
                                     ("lint", "--strict-test-binding")])
def test_a_contract_symlinked_from_outside_the_root(project: Path, command: tuple[str, ...]) -> None:
    outside = project.parent / "elsewhere" / "out-v1.yaml"
    outside.parent.mkdir()
    outside.write_text(VALID_CONTRACT.replace("FALSIFY-ID-001", "FALSIFY-ID-002").replace("test_identity.py::test_identity", "test_identity.py::test_gone"))
    (project / "contracts" / "out-v1.yaml").symlink_to(outside)
    done = run_pv(project, *command, "contracts/out-v1.yaml")
    if command[0] == "lint":
        assert done.returncode == 1, done.stdout
        assert "contracts/out-v1.yaml:25:11: PV-VER-002 FALSIFY-ID-002 names 'falsifiers/test_identity.py::test_gone'" in done.stdout
    else:
        assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("command", [("validate",), ("lint",), ("validate", "--changed"), ("lint", "--changed")])
def test_a_symlink_loop_in_contracts_is_an_io_error(project: Path, command: tuple[str, ...]) -> None:
    (project / "contracts" / "loop-a.yaml").symlink_to("loop-b.yaml")
    (project / "contracts" / "loop-b.yaml").symlink_to("loop-a.yaml")
    done = run_pv(project, *command, "contracts/loop-a.yaml")
    assert done.returncode == 2, done.stdout
    assert done.stdout.count("contracts/loop-a.yaml:0:0: PV-IO-001 cannot read: Too many levels of symbolic links") == 1


# -- item 8: every cache file, in every wrong shape ----------------------------------------

WRONG_SHAPES = ["[]", '"text"', "{", '{"format": 2, "tests": [{"nodeid": 1}]}', "\x00\xff", "null",
                '{"contracts/identity-v1.yaml": {"hash": 1, "summary": {"path": []}}}']


@pytest.mark.parametrize("cache", ["registry.json", "contracts.json", "parsed.json"])
@pytest.mark.parametrize("content", WRONG_SHAPES)
def test_a_wrong_shape_cache_is_rebuilt_not_trusted(project: Path, cache: str, content: str) -> None:
    assert run_pv(project, "lint", "--strict-test-binding", "contracts").returncode == 0
    (project / ".pv-cache" / cache).write_text(content, errors="surrogateescape")
    for command in (("lint", "--strict-test-binding", "contracts"), ("lint", "--changed", "contracts/identity-v1.yaml"),
                    ("validate",), ("status",)):
        done = run_pv(project, *command)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert (project / ".pv-cache" / cache).read_text(errors="replace") != content  # rebuilt


def test_a_cache_that_is_a_fifo_or_a_directory_is_ignored(project: Path) -> None:
    (project / ".pv-cache").mkdir()
    os.mkfifo(project / ".pv-cache" / "registry.json")
    (project / ".pv-cache" / "parsed.json").mkdir()
    os.mkfifo(project / ".pv-cache" / "contracts.json")
    done = run_pv(project, "lint", "--strict-test-binding", "--changed", "contracts/identity-v1.yaml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_planted_registry_entry_does_not_bind_a_missing_test(project: Path) -> None:
    contract = project / "contracts" / "identity-v1.yaml"
    contract.write_text(VALID_CONTRACT.replace("test_identity.py::test_identity", "test_identity.py::test_missing"))
    assert run_pv(project, "lint", "--strict-test-binding").returncode == 1
    cache = project / ".pv-cache" / "registry.json"
    document = json.loads(cache.read_text())
    document["tests"].append(dict(document["tests"][0], nodeid="falsifiers/test_identity.py::test_missing"))
    cache.write_text(json.dumps(document))
    done = run_pv(project, "lint", "--strict-test-binding")
    assert done.returncode == 1 and "FALSIFY-ID-001 names 'falsifiers/test_identity.py::test_missing', which pytest does not collect" in done.stdout


# -- item 12: a huge `test:` value ---------------------------------------------------------

def test_a_58_kb_test_reference_is_linted_quickly(project: Path) -> None:
    """Within 30 s on a loaded machine (it took over 60 s; tests/binding/test_resolve_bounds.py
    counts the work exactly); the value is quoted clipped."""
    huge = "falsifiers/test_identity.py::test_" + "x" * 58_000
    (project / "contracts" / "identity-v1.yaml").write_text(VALID_CONTRACT.replace("falsifiers/test_identity.py::test_identity", huge))
    done = run_bounded(project, "lint", "--strict-test-binding", timeout=30)
    assert done.returncode == 1
    assert "contracts/identity-v1.yaml:25:11: PV-VER-002 FALSIFY-ID-001 names 'falsifiers/test_identity.py::test_xxx" in done.stdout
    assert len(done.stdout) < 4_000


# -- item 16: where reports go --------------------------------------------------------------

def test_reports_in_an_absolute_directory(project: Path, tmp_path: Path) -> None:
    reports = tmp_path / "elsewhere-reports"
    with (project / "pyproject.toml").open("a") as handle:
        handle.write(f'\n[tool.pv]\nreports = "{reports}"\n')
    for command in ("falsify", "scoreboard", "status"):
        done = run_pv(project, command)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert list((reports / "evidence").glob("falsify-*.json")) and (reports / "scoreboard.json").exists()


def test_reports_being_a_file_is_a_one_line_error(project: Path) -> None:
    with (project / "pyproject.toml").open("a") as handle:
        handle.write('\n[tool.pv]\nreports = "out"\n')
    (project / "out").write_text("keep me")
    for command in ("falsify", "scoreboard"):
        done = run_pv(project, command)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert f"pv {command}: cannot write" in done.stderr and "out" in done.stderr
    assert (project / "out").read_text() == "keep me"


ENOSPC_SHIM = textwrap.dedent("""\
    import errno, os, sys
    import pv.atomic
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    pv.atomic.os.fsync = full
    from pv.cli import main
    sys.exit(main(sys.argv[1:]))
    """)


def test_a_full_disk_is_a_one_line_error_and_the_old_reports_stay(project: Path) -> None:
    assert run_pv(project, "falsify").returncode == 0
    assert run_pv(project, "scoreboard").returncode == 0
    before = {p: p.read_bytes() for p in (project / "reports").rglob("*") if p.is_file()}
    for command in ("falsify", "scoreboard"):
        done = run_pv(project, command, code=ENOSPC_SHIM)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "No space left on device" in done.stderr
    after = {p: p.read_bytes() for p in (project / "reports").rglob("*") if p.is_file()}
    assert after == before


def test_a_full_disk_during_mutate_is_a_one_line_error(tmp_path: Path) -> None:
    """The kill matrix is computed, then its evidence cannot be written: one line, exit 2,
    no partial evidence (it was a traceback)."""
    project = copy_project(tmp_path)
    done = run_bounded(project, "mutate", code=ENOSPC_SHIM, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "pv mutate: " in done.stderr and "No space left on device" in done.stderr
    assert not list((project / "reports" / "evidence").glob("mutate-*"))
