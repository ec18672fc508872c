"""Evidence keeps a bounded history: one file per run would grow without end."""

from __future__ import annotations

from pathlib import Path

import pytest

from pv.config import ConfigError, load_config
from pv.evidence.store import MUTATION_PREFIX, RUN_PREFIX, evidence_dir, write_evidence


def project(tmp_path: Path, table: str = "") -> Path:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "p"\nversion = "0"\n\n[tool.pv]\n{table}\n')
    load_config.cache_clear()
    return tmp_path


def test_only_the_newest_runs_are_kept(tmp_path: Path) -> None:
    root = project(tmp_path, "history = 3")
    (evidence_dir(root)).mkdir(parents=True)
    mine = evidence_dir(root) / "falsify-notes.json"  # not a name pv writes: never deleted
    mine.write_text("{}")
    written = [write_evidence(root, RUN_PREFIX, {"kind": "falsify", "n": n}) for n in range(6)]
    other = write_evidence(root, MUTATION_PREFIX, {"kind": "mutate"})
    kept = sorted(evidence_dir(root).glob("falsify-2*.json"))
    assert kept == written[-3:]
    assert other.exists() and mine.exists()


def test_history_zero_keeps_everything_and_the_default_is_bounded(tmp_path: Path) -> None:
    root = project(tmp_path, "history = 0")
    for n in range(4):
        write_evidence(root, RUN_PREFIX, {"n": n})
    assert len(list(evidence_dir(root).glob("falsify-*.json"))) == 4
    assert load_config(project(tmp_path / "d" if (tmp_path / "d").mkdir() is None else tmp_path)).history == 20


@pytest.mark.parametrize("value", ["-1", "true", '"5"', "1.5"])
def test_history_must_be_a_whole_number(tmp_path: Path, value: str) -> None:
    root = project(tmp_path, f"history = {value}")
    with pytest.raises(ConfigError, match="history must be a whole number >= 0"):
        load_config(root)
