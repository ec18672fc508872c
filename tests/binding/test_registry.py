"""The registry is exactly what pytest collects, from cache or fresh; ranking by name alone."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from pv.binding.resolve import rank_candidates
from pv.binding.registry import Registry, collect, collect_fresh
from tests.conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "drift_project"


def pytest_node_ids(root: Path) -> set[str]:
    """What plain `pytest --collect-only -q` prints, without pv's plugin."""
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:pv", "-p", "no:cacheprovider"],
                          cwd=root, capture_output=True, text=True)
    return {line for line in done.stdout.splitlines() if "::" in line and not line.startswith(" ")}


@pytest.fixture(scope="module")
def fixture_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("registry") / "project"
    shutil.copytree(FIXTURE, target)
    return target


def test_fast_path_and_pytest_agree_on_the_fixture_project(fixture_project: Path) -> None:
    first = collect(fixture_project)
    cached = collect(fixture_project)
    assert not first.from_cache and cached.from_cache
    expected = pytest_node_ids(fixture_project)
    assert "falsifiers/cases.checks::identity_holds" in expected  # conftest-collected item
    assert set(cached.tests) == set(first.tests) == expected
    assert cached.tests == first.tests


def test_fast_path_and_pytest_agree_on_this_repository() -> None:
    assert set(collect(REPO).tests) == pytest_node_ids(REPO)


def test_cache_is_invalidated_by_a_content_change(fixture_project: Path) -> None:
    collect(fixture_project)
    test_file = fixture_project / "falsifiers" / "test_other.py"
    test_file.write_text(test_file.read_text() + "\n\ndef test_added_later():\n    pass\n")
    registry = collect(fixture_project)
    assert not registry.from_cache
    assert "falsifiers/test_other.py::test_added_later" in registry.tests
    assert set(registry.tests) == set(collect_fresh(fixture_project).tests)


def unmarked(registry: Registry) -> Registry:
    return Registry(root=registry.root, tests={k: replace(t, falsifies=()) for k, t in registry.tests.items()})


@pytest.mark.parametrize(("reference", "first"), [
    ("falsifiers/test_drift.py::test_init_matches_constructor", "falsifiers/test_drift.py::test_init_matches_input"),
    ("falsifiers/test_other.py::TestModel::test_shape_flow", "falsifiers/test_drift.py::TestAttention::test_shape_flow"),
    ("falsifiers/test_drift.py::TestModel::test_ok", "falsifiers/test_drift.py::TestGood::test_ok"),
    ("falsifiers/test_drift.py::test_qwen2_matches_hf_config", "falsifiers/test_drift.py::test_qwen2_matches_hf_config_2026_05_04"),
    ("falsifiers/test_drift.py::test_roundtrip[q8]", "falsifiers/test_drift.py::test_roundtrip[Q8_0]"),
    ("falsifiers/test_parity.py::test_doubles[fusd]", "falsifiers/test_parity.py::test_doubles[fused]"),
])
def test_name_alone_ranks_the_right_candidate_first(fixture_project: Path, reference: str, first: str) -> None:
    """Without any marker to help, each drift class still puts the real test first."""
    registry = unmarked(collect(fixture_project))
    assert rank_candidates("FALSIFY-XX-001", reference, registry)[0].nodeid == first


def test_prose_reference_has_no_candidates_without_a_marker(fixture_project: Path) -> None:
    assert rank_candidates("FALSIFY-XX-001", "proptest with random vectors", unmarked(collect(fixture_project))) == ()
