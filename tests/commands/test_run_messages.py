"""What `pv mutate` and `pv falsify` say when the user's setup is wrong: the cause, and what to do next."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pv.evidence.runner import RunFailed, run_tests
from tests.conftest import copy_project, run_pv

PV = Callable[..., tuple[int, str, str]]


def test_a_typo_in_a_mutant_target_is_named_before_anything_runs(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    catalogue = project / "falsifiers" / "mutants" / "__init__.py"
    catalogue.write_text(catalogue.read_text().replace('"toy.kernel:mean", "divides', '"toy.kernel:maen", "divides'))
    done = run_pv(project, "mutate")
    assert done.returncode == 2, done.stdout + done.stderr
    assert ("mutant 'mean-n-plus-one' (falsifiers.mutants): target 'toy.kernel:maen': toy.kernel has no "
            "attribute 'maen'; did you mean 'toy.kernel:mean'?") in done.stderr
    assert "without results" not in done.stderr


def test_a_run_without_results_gives_a_reproduction_with_its_environment(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    with pytest.raises(RunFailed) as failed:
        run_tests(project, ["falsifiers/test_toy.py::test_single"], profile="fast", seed=0, quiet=True,
                  env={"PV_MUTANT": "no-such-mutant", "PV_MUTANTS_MODULE": "falsifiers.mutants"})
    message = str(failed.value)
    assert "PV_MUTANT=no-such-mutant PV_MUTANTS_MODULE=falsifiers.mutants python -m pytest " in message
    assert "falsifiers/test_toy.py::test_single" in message and str(project) in message


def test_falsify_in_parallel_without_xdist_says_what_to_install(pv: PV, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "xdist" else real(name, *a))
    monkeypatch.chdir(copy_project(tmp_path))
    code, _, err = pv("falsify", "-n", "auto")
    assert code == 2
    assert "pytest-xdist, which is not installed: pip install pytest-xdist" in err
