"""pv diff: the bump table (MAJOR removed/changed claim, MINOR added, PATCH text) vs the declared version."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CORPUS, REPO, VALID_CONTRACT

PV = Callable[..., tuple[int, str, str]]


def _pair(tmp_path: Path, new_text: str, version: str) -> tuple[Path, Path]:
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    old.write_text(VALID_CONTRACT, encoding="utf-8")
    new.write_text(new_text.replace('version: "1.0.0"', f'version: "{version}"'), encoding="utf-8")
    return old, new


ADDED_FALSIFIER = VALID_CONTRACT.replace("kani_harnesses:", """  - id: FALSIFY-ID-002
    rule: "Idempotent"
    prediction: "f(f(x)) = f(x)"
    test: "falsifiers/test_identity.py::test_idempotent"
    if_fails: "state"
kani_harnesses:""")

CASES = [
    # (what changed, new text, needed bump)
    ("formula changed", VALID_CONTRACT.replace('formula: "f(x) = x"', 'formula: "f(x) = 2x"'), "major"),
    ("falsifier removed", VALID_CONTRACT.split("falsification_tests:")[0] + "kani_harnesses: []\n", "major"),
    ("obligation removed", VALID_CONTRACT.replace("proof_obligations:\n  - id: ID-INV-001", "proof_obligations: []\nremoved:\n  - id: ID-INV-001"), "major"),
    ("precondition added (domain tightened)", VALID_CONTRACT.replace('finite: "x is finite"', 'finite: "x is finite"\n      small: "|x| < 1"'), "major"),
    ("prediction changed", VALID_CONTRACT.replace('prediction: "max |f(x) - x| <= 1e-5"', 'prediction: "max |f(x) - x| <= 1e-7"'), "major"),
    ("falsifier added", ADDED_FALSIFIER, "minor"),
    ("invariant added", VALID_CONTRACT.replace('domain: "x in R^n"', 'domain: "x in R^n"\n    invariants: ["f(0) = 0"]'), "minor"),
    ("description changed", VALID_CONTRACT.replace('"Identity kernel"', '"The identity kernel"'), "patch"),
    ("test re-bound", VALID_CONTRACT.replace("::test_identity", "::test_identity_holds"), "patch"),
    ("formula re-wrapped", VALID_CONTRACT.replace('formula: "f(x) = x"', 'formula: "f(x)  =  x"'), "patch"),
    ("nothing", VALID_CONTRACT, "none"),
]


@pytest.mark.parametrize(("what", "text", "needed"), CASES, ids=[c[0] for c in CASES])
def test_bump_table(pv: PV, tmp_path: Path, what: str, text: str, needed: str) -> None:
    old, new = _pair(tmp_path, text, "1.0.0")
    code, out, _ = pv("diff", str(old), str(new), "--format", "json")
    report = json.loads(out)
    assert report["needed"] == needed, report["changes"]
    assert report["declared"] == "none"
    assert code == (0 if needed == "none" else 1)


@pytest.mark.parametrize(("version", "code"), [("2.0.0", 0), ("1.1.0", 1), ("1.0.1", 1), ("0.9.0", 1)])
def test_declared_bump_must_carry_the_needed_one(pv: PV, tmp_path: Path, version: str, code: int) -> None:
    old, new = _pair(tmp_path, VALID_CONTRACT.replace('formula: "f(x) = x"', 'formula: "f(x) = 2x"'), version)
    got, out, _ = pv("diff", str(old), str(new))
    assert got == code
    if code:
        # the finding sits on NEW's metadata.version, line 2 col 12, and suggests the version to use
        assert f"{new}:2:12: PV-DIFF-001" in out
        assert "set metadata.version to 2.0.0" in out


def test_minor_change_accepts_minor_or_major(pv: PV, tmp_path: Path) -> None:
    for version, code in (("1.1.0", 0), ("1.0.1", 1), ("2.0.0", 0)):
        old, new = _pair(tmp_path, ADDED_FALSIFIER, version)
        assert pv("diff", str(old), str(new))[0] == code, version


def test_unreadable_contract_exits_2(pv: PV, tmp_path: Path) -> None:
    old, new = _pair(tmp_path, "metadata: [", "1.0.0")
    code, _, err = pv("diff", str(old), str(new))
    assert code == 2 and "not a readable contract" in err


def test_bundled_contract_against_itself_is_clean(pv: PV) -> None:
    path = str(REPO / "contracts" / "rmsnorm-kernel-v1.yaml")
    code, out, _ = pv("diff", path, path)
    assert code == 0 and "no changes" in out


def test_corpus_pairs_never_crash(pv: PV) -> None:
    files = sorted(CORPUS.rglob("*.yaml"))
    assert len(files) >= 90
    for old, new in zip(files, files[1:]):
        code, _, err = pv("diff", str(old), str(new), "--format", "json")
        assert code in (0, 1, 2), (old, new, err)
