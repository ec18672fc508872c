"""Shared helpers for pv's own tests."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from pv.cli import main

# Fixture projects hold test files of their own; they are run by pv's tests, not collected here.
collect_ignore_glob = ["fixtures/*"]

REPO = Path(__file__).resolve().parent.parent
# The February-2026 anchor corpus: beside the repository (../shared/corpus), or where PV_CORPUS says.
CORPUS = Path(os.environ.get("PV_CORPUS") or REPO.parent / "shared" / "corpus") / "provable-contracts" / "contracts"
# scripts/test.sh sets this: it installs the `dev` extra, so a missing optional module is a failure there.
REQUIRE_EXTRAS = "PV_TESTS_REQUIRE_EXTRAS"


def optional(module: str, extra: str = "dev") -> ModuleType:
    """An optional test dependency, or a skip that says which extra brings it.

    The README's main command (`pip install -e '.[oracle]' && pv check`) collects these tests
    without the `dev` extra: they must skip with the reason, not fail to collect. Under
    scripts/test.sh (which installs `dev`) a missing module fails instead, so the full suite
    can never go green by skipping.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        reason = f"needs {module.split('.')[0]} from the '{extra}' extra: pip install -e '.[{extra}]' (scripts/test.sh does)"
        if os.environ.get(REQUIRE_EXTRAS):
            pytest.fail(f"{reason}; {REQUIRE_EXTRAS} is set", pytrace=False)
        pytest.skip(reason, allow_module_level=True)

VALID_CONTRACT = textwrap.dedent(
    """\
    metadata:
      version: "1.0.0"
      created: 2026-11-24
      author: "pv tests"
      description: "Identity kernel"
      references:
        - "Doe (2024) Identity"
    equations:
      identity:
        formula: "f(x) = x"
        domain: "x in R^n"
        preconditions:
          finite: "x is finite"
    proof_obligations:
      - id: ID-INV-001
        type: invariant
        property: "output equals input"
        formal: "f(x) = x"
        tolerance: 1e-5
        applies_to: all
    falsification_tests:
      - id: FALSIFY-ID-001
        rule: "Identity"
        prediction: "max |f(x) - x| <= 1e-5"
        test: "falsifiers/test_identity.py::test_identity"
        if_fails: "kernel changes its input"
        obligation: ID-INV-001
    kani_harnesses:
      - id: KANI-ID-001
        obligation: ID-INV-001
        bound: 8
        strategy: exhaustive
    qa_gate:
      id: F-ID-001
      name: "Identity"
      checks: ["FALSIFY-ID-001"]
    """
)


@pytest.fixture
def write_contract(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML text to a contract file under tmp_path and return its path."""

    def write(text: str, name: str = "identity-v1.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def cargo_workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The mixed Python + Rust workspace of tests/cargo_workspace.py, built once per session:
    (root, line of each falsifier's `test:`). Tests that change it work on a copy."""
    from tests.cargo_workspace import CARGO, SKIP_REASON, write_workspace

    if CARGO is None:
        pytest.skip(SKIP_REASON)
    root = tmp_path_factory.mktemp("cargo") / "ws"
    where = write_workspace(root)
    subprocess.run([CARGO, "test", "--workspace", "--no-run", "--offline", "-q"], cwd=root, check=True, capture_output=True)
    return root, where


@pytest.fixture
def pv(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """`pv(*argv)` runs pv in this process -> (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


MUTATION_PROJECT = REPO / "tests" / "fixtures" / "mutation_project"


def copy_project(tmp_path: Path, fixture: Path = MUTATION_PROJECT) -> Path:
    """A fresh copy of a fixture project (by default the toy-mean project with its mutant
    catalogue) under `tmp_path/project`, without anything a run left in the fixture."""
    project = tmp_path / "project"
    shutil.copytree(fixture, project, ignore=shutil.ignore_patterns("reports", ".pv-cache", "__pycache__"))
    return project


def run_pv(cwd: Path, *argv: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """pv as its users run it: a separate process in `cwd` (`env` is added to this process's, whose
    PV_CONTRACTS_DIR would point every project at one directory)."""
    inherited = {k: v for k, v in os.environ.items() if k != "PV_CONTRACTS_DIR"}
    return subprocess.run([sys.executable, "-m", "pv.cli", *argv], cwd=cwd, capture_output=True, text=True,
                          env={**inherited, **(env or {})}, timeout=timeout)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that read the anchor corpus stop the run at once, saying where it is expected,
    instead of failing one by one with a path error (a registry collection is not stopped)."""
    if config.option.collectonly or CORPUS.is_dir():
        return
    users = sorted({item.nodeid.split("::")[0] for item in items
                    if getattr(getattr(item, "module", None), "CORPUS", None) is CORPUS})
    if users:
        raise pytest.UsageError(
            f"the anchor corpus is missing: {CORPUS} (expected at ../shared/corpus beside the repository, or set "
            f"PV_CORPUS to the directory holding provable-contracts/); needed by {', '.join(users[:3])}"
            + (f" and {len(users) - 3} more" if len(users) > 3 else ""))
