"""The registry cache is believed only when nothing collection depends on changed.

Each case changes one thing a user changes (installs a module, sets PYTEST_ADDOPTS,
edits tests under a directory named `env`, plants or corrupts the cache file, edits a
file while pytest collects) and checks the next `collect` equals a fresh collection.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from pv.binding import registry as registry_module
from pv.binding.registry import collect, collect_fresh, environment_key
from pv.project import CACHE_DIR

PYPROJECT = '[project]\nname = "p"\nversion = "0"\n\n[tool.pytest.ini_options]\ntestpaths = ["falsifiers"]\n'


def make_project(root: Path, tests: dict[str, str]) -> Path:
    (root / "falsifiers").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    for name, body in tests.items():
        path = root / "falsifiers" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def cache_file(root: Path) -> Path:
    return root / CACHE_DIR / "registry.json"


def test_a_collection_error_is_never_served_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13: after installing the missing module, the next lint collects the test."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setenv("PYTHONPATH", str(site))
    root = make_project(tmp_path / "p", {"test_needs.py": "import pv_not_yet_installed\n\ndef test_uses_it():\n    pass\n"})
    first = collect(root)
    assert first.errors and not first.tests
    (site / "pv_not_yet_installed.py").write_text("")  # what `pip install` does
    second = collect(root)
    assert not second.errors and "falsifiers/test_needs.py::test_uses_it" in second.tests


def test_installed_distributions_are_in_the_environment_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    before = environment_key(())
    (site / "some_dist-1.0.dist-info").mkdir()
    after_install = environment_key(())
    (site / "some_dist-1.0.dist-info").rename(site / "some_dist-1.1.dist-info")
    assert len({before, after_install, environment_key(())}) == 3


def test_pytest_addopts_is_in_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "p", {"test_a.py": "def test_a():\n    pass\n", "test_b.py": "def test_b():\n    pass\n"})
    assert set(collect(root).tests) == {"falsifiers/test_a.py::test_a", "falsifiers/test_b.py::test_b"}
    monkeypatch.setenv("PYTEST_ADDOPTS", "--ignore=falsifiers/test_b.py")
    registry = collect(root)
    assert not registry.from_cache and set(registry.tests) == {"falsifiers/test_a.py::test_a"}


# (pytest itself never enters venv/, build/ or dist/: its default norecursedirs)
@pytest.mark.parametrize("directory", ["env", "reports", "node_modules_not"])
def test_tests_under_any_directory_name_are_keyed(tmp_path: Path, directory: str) -> None:
    root = make_project(tmp_path / "p", {f"{directory}/test_x.py": "def test_before():\n    pass\n"})
    assert set(collect(root).tests) == {f"falsifiers/{directory}/test_x.py::test_before"}
    assert collect(root).from_cache
    (root / "falsifiers" / directory / "test_x.py").write_text("def test_after():\n    pass\n")
    assert set(collect(root).tests) == {f"falsifiers/{directory}/test_x.py::test_after"}
    (root / "falsifiers" / directory).rename(root / "falsifiers" / "renamed")
    assert set(collect(root).tests) == {"falsifiers/renamed/test_x.py::test_after"}


def test_a_file_read_through_a_retargeted_symlink_is_keyed(tmp_path: Path) -> None:
    """A conftest parametrizing over a file read through a symlink: retargeting the link is seen."""
    root = make_project(tmp_path / "p", {"test_ids.py": """\
        import pathlib
        import pytest

        IDS = (pathlib.Path(__file__).parent.parent / "data" / "ids.txt").read_text().split()

        @pytest.mark.parametrize("name", IDS)
        def test_id(name):
            pass
        """})
    (root / "data-a").mkdir()
    (root / "data-a" / "ids.txt").write_text("one two")
    (root / "data-b").mkdir()
    (root / "data-b" / "ids.txt").write_text("three")
    (root / "data").symlink_to("data-a")
    assert set(collect(root).tests) == {"falsifiers/test_ids.py::test_id[one]", "falsifiers/test_ids.py::test_id[two]"}
    (root / "data").unlink()
    (root / "data").symlink_to("data-b")
    assert set(collect(root).tests) == {"falsifiers/test_ids.py::test_id[three]"}


@pytest.mark.parametrize("content", [
    b"[]", b'"a string"', b"{}", b'{"format": 2, "tests": "nope"}', b'{"format": 2', b"\xff\xfe\x00garbage",
    b'{"format": 2, "environment": 1, "rootdir": [], "inputs": {}, "tests": [{}], "checksum": null}',
])
def test_a_wrong_shape_cache_is_discarded_and_rebuilt(tmp_path: Path, content: bytes) -> None:
    root = make_project(tmp_path / "p", {"test_a.py": "def test_a():\n    pass\n"})
    cache_file(root).parent.mkdir()
    cache_file(root).write_bytes(content)
    registry = collect(root)
    assert not registry.from_cache and set(registry.tests) == {"falsifiers/test_a.py::test_a"}
    assert json.loads(cache_file(root).read_text())["format"] == 2  # rebuilt
    assert collect(root).from_cache


def _plant(root: Path, *, recompute_checksum: bool) -> None:
    document = json.loads(cache_file(root).read_text())
    forged = dict(document["tests"][0], nodeid="falsifiers/test_a.py::test_that_does_not_exist")
    document["tests"].append(forged)
    if recompute_checksum:
        document["checksum"] = registry_module._checksum(document)
    cache_file(root).write_text(json.dumps(document))


@pytest.mark.parametrize("recompute_checksum", [False, True])
def test_a_planted_entry_is_not_believed(tmp_path: Path, recompute_checksum: bool) -> None:
    """An entry added to the cache (even with its checksum recomputed) never binds a missing test."""
    root = make_project(tmp_path / "p", {"test_a.py": "def test_a():\n    pass\n"})
    collect(root)
    _plant(root, recompute_checksum=recompute_checksum)
    registry = collect(root)
    assert not registry.from_cache
    assert set(registry.tests) == {"falsifiers/test_a.py::test_a"}


def test_a_file_changed_during_collection_does_not_poison_the_cache(tmp_path: Path) -> None:
    """A conftest rewrites a test file while pytest collects (once); after the file is put
    back, the cache must not serve the registry of the version collection saw."""
    original = "def test_original():\n    pass\n"
    root = make_project(tmp_path / "p", {"test_a.py": original, "conftest.py": """\
        import pathlib
        here = pathlib.Path(__file__).parent
        marker = here.parent / "rewritten"
        if not marker.exists():
            marker.write_text("")
            (here / "test_a.py").write_text("def test_during_collection():\\n    pass\\n")
        """})
    assert set(collect(root).tests) == {"falsifiers/test_a.py::test_during_collection"}
    (root / "falsifiers" / "test_a.py").write_text(original)
    registry = collect(root)
    assert set(registry.tests) == set(collect_fresh(root).tests) == {"falsifiers/test_a.py::test_original"}


def test_the_cache_keys_on_what_collection_read_not_on_every_file(tmp_path: Path) -> None:
    """A 2 GB file nobody collects from is never read; one collection reads is streamed."""
    root = make_project(tmp_path / "p", {"test_a.py": "def test_a():\n    pass\n"})
    big = root / "falsifiers" / "huge.json"
    with big.open("wb") as handle:  # sparse: 2 GB of size, no disk
        handle.truncate(2 << 30)
    collect(root)
    document = json.loads(cache_file(root).read_text())
    assert str(big) not in document["inputs"]["files"]
    assert str(root / "falsifiers" / "test_a.py") in document["inputs"]["files"]
    assert collect(root).from_cache
