"""`pv check` loads the project once: each contract parsed once, pytest asked for its tests
once, each falsifier resolved once, for every step from validate to the scoreboard."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import pv.binding.registry
import pv.contracts.validate
from pv.binding.registries import Registries
from pv.cli import main
from tests.conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "mutation_project"


def _counting(counter: Counter[str], name: str, original: Callable[..., Any], key: Callable[..., str] | None = None) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        counter[key(*args) if key else name] += 1
        return original(*args, **kwargs)
    return wrapper


def test_check_parses_each_contract_once_and_collects_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capfd: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns("reports", ".pv-cache", "__pycache__"))
    monkeypatch.chdir(project)
    loads: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    monkeypatch.setattr(pv.contracts.validate, "load", _counting(loads, "load", pv.contracts.validate.load, key=lambda path, **_: str(path)))
    monkeypatch.setattr(pv.binding.registry, "_run_collection", _counting(calls, "_run_collection", pv.binding.registry._run_collection))
    monkeypatch.setattr(pv.binding.registry, "environment_key", _counting(calls, "environment_key", pv.binding.registry.environment_key))
    monkeypatch.setattr(Registries, "resolve", _counting(calls, "resolve", Registries.resolve))

    code = main(["check", "--profile", "fast", "--seed", "1"])

    out = capfd.readouterr().out
    assert "== validate: ok; lint --strict-test-binding: ok; falsify: ok; mutate:" in out, out
    assert code == 1, out  # the fixture's catalogue holds a surviving mutant on purpose: never green
    assert dict(loads) == {"contracts/toy-mean-v1.yaml": 1} or list(loads.values()) == [1], loads
    assert calls["_run_collection"] == 1 and calls["environment_key"] == 1, calls
    assert calls["resolve"] == 4, calls  # the fixture declares 4 falsifiers: each resolved once
