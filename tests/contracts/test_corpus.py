"""The compatibility corpus: 92 real contracts written for the Rust pv.

pv must read every one without a crash, and report only real violations of documented
rules. The expected findings are pinned in a fixture so that any change in behaviour
shows up as a diff to review (regenerate with `python -m tests.test_corpus`).
"""

from __future__ import annotations

from pathlib import Path

from pv.diagnostics.rules import RULES
from pv.contracts.validate import validate_paths
from tests.conftest import CORPUS

EXPECTED = Path(__file__).resolve().parent.parent / "fixtures" / "corpus_findings.txt"


def corpus_findings() -> list[str]:
    assert CORPUS.is_dir(), f"the anchor corpus is missing: {CORPUS} (the repository expects ../shared/corpus beside it)"
    result = validate_paths([CORPUS])
    assert len(result.files) == 92
    return [f"{Path(d.path).relative_to(CORPUS)}:{d.line}:{d.col}: {d.code}" for d in result.diagnostics]


def test_corpus_reads_every_file_and_reports_the_pinned_findings() -> None:
    assert corpus_findings() == EXPECTED.read_text(encoding="utf-8").splitlines()


def test_every_corpus_finding_is_a_documented_rule() -> None:
    for line in EXPECTED.read_text(encoding="utf-8").splitlines():
        assert line.rsplit(" ", 1)[1] in RULES


def test_corpus_falsifier_id_collisions_are_the_ten_known_ones() -> None:
    collisions = [line for line in EXPECTED.read_text(encoding="utf-8").splitlines() if line.endswith("PV-SCHEMA-009")]
    assert len(collisions) == 10


if __name__ == "__main__":
    EXPECTED.write_text("\n".join(corpus_findings()) + "\n", encoding="utf-8")
