"""`pv lint --fix` on every YAML shape a `test:` can take: right, or refused with a reason.

Each case fixes one dangling reference in a small contract and checks that the file then
parses to the same data with only that value changed, or that nothing was written.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
import yaml

from pv.binding.fix import fix_file
from pv.binding.registry import CollectedTest, Registry
from pv.binding.resolve import choose_fix, resolve_binding

TARGET = "falsifiers/test_x.py::test_real[a: b #c]"  # a parametrize id holding ': ' and ' #'
SIMPLE = "falsifiers/test_x.py::test_simple"


def registry(*nodeids: str) -> Registry:
    tests = {n: CollectedTest(n, "falsifiers/test_x.py", 1, (f"FALSIFY-X-{i:03d}",), None, False)
             for i, n in enumerate(nodeids, start=1)}
    return Registry(root=Path("."), tests=tests)


def contract(entries: str, head: str = "") -> str:
    return f"{head}metadata:\n  version: \"1.0.0\"\nfalsification_tests:\n{entries}"


def run_fix(path: Path, reg: Registry) -> list:
    data = yaml.safe_load(path.read_text())
    tests = data["falsification_tests"]
    ids = [t["id"] for t in tests]
    bindings = [resolve_binding(t["id"], t.get("test") if isinstance(t.get("test"), str) else None, reg) for t in tests]
    return fix_file(path, str(path), ids, bindings, lambda b: choose_fix(b, reg), [(1, 1)] * len(ids))


def fixed_value(before: str, after: str, value: str) -> bool:
    """`after` parses to `before`'s data with falsification_tests[0].test = value."""
    expected = yaml.safe_load(before)
    expected["falsification_tests"][0]["test"] = value
    return yaml.safe_load(after) == expected


SHAPES = {
    "plain": "  - id: FALSIFY-X-001\n    test: falsifiers/test_x.py::test_gone\n    rule: r\n",
    "folded_block": "  - id: FALSIFY-X-001\n    test: >\n      proptest with random\n      vectors\n    rule: r\n",
    "literal_block": "  - id: FALSIFY-X-001\n    test: |\n      proptest\n\n    rule: r\n",
    "literal_block_last": "  - id: FALSIFY-X-001\n    rule: r\n    test: |-\n      proptest\n",
    "empty": "  - id: FALSIFY-X-001\n    test:\n    rule: r\n",
    "empty_with_comment": "  - id: FALSIFY-X-001\n    test:   # TODO\n    rule: r\n",
    "flow_entry": "  - {id: FALSIFY-X-001, test: falsifiers/test_x.py::test_gone, rule: r}\n",
    "flow_entry_quoted": "  - {id: FALSIFY-X-001, test: 'old one', rule: r}\n",
    "double_quoted": '  - id: FALSIFY-X-001\n    test: "old # one"\n    rule: r\n',
    "comment_after": "  - id: FALSIFY-X-001\n    test: old  # a comment that stays\n    rule: r\n",
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("target", [TARGET, SIMPLE])
def test_each_shape_is_fixed_to_the_same_data(tmp_path: Path, shape: str, target: str) -> None:
    path = tmp_path / "c.yaml"
    before = contract(SHAPES[shape])
    path.write_text(before)
    [outcome] = run_fix(path, registry(target))
    assert outcome.fixed, outcome.detail
    assert fixed_value(before, path.read_text(), target), path.read_text()


@pytest.mark.parametrize("text", [
    contract("  - id: FALSIFY-X-001\n    test: *ref\n    rule: r\n", head="anchors:\n  shared: &ref old value\n"),
    contract("  - id: FALSIFY-X-001\n    test: &ref old value\n    rule: r\n  - id: FALSIFY-X-002\n    test: *ref\n    rule: r\n"),
    contract("  - id: FALSIFY-X-001\n    test: !!str old\n    rule: r\n"),
    contract("  - *entry\n", head="defs:\n  - &entry {id: FALSIFY-X-001, test: old, rule: r}\n"),
])
def test_aliases_anchors_and_tags_are_refused_with_a_reason(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    outcomes = run_fix(path, registry(SIMPLE))
    assert outcomes and not outcomes[0].fixed and outcomes[0].detail
    assert path.read_text() == text


def test_a_symlinked_contract_stays_a_link_and_keeps_its_mode(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    before = contract(SHAPES["plain"])
    real.write_text(before)
    real.chmod(0o664)
    link = tmp_path / "link.yaml"
    link.symlink_to(real.name)
    [outcome] = run_fix(link, registry(SIMPLE))
    assert outcome.fixed
    assert link.is_symlink() and fixed_value(before, real.read_text(), SIMPLE)
    assert stat.S_IMODE(real.stat().st_mode) == 0o664


def test_a_file_changed_since_lint_read_it_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    read_by_lint = contract(SHAPES["plain"])
    path.write_text(read_by_lint + "# an edit made meanwhile\n")
    reg = registry(SIMPLE)
    data = yaml.safe_load(read_by_lint)
    bindings = [resolve_binding("FALSIFY-X-001", data["falsification_tests"][0]["test"], reg)]
    [outcome] = fix_file(path, str(path), ["FALSIFY-X-001"], bindings, lambda b: choose_fix(b, reg), [(1, 1)], read_text=read_by_lint)
    assert not outcome.fixed and "changed" in outcome.detail
    assert path.read_text() == read_by_lint + "# an edit made meanwhile\n"


def test_four_hundred_fixes_in_one_file_are_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted, not timed: the file is parsed a fixed number of times, not once per fix."""
    entries = "".join(f"  - id: FALSIFY-X-{i:03d}\n    test: gone_{i}\n    rule: r\n" for i in range(1, 401))
    path = tmp_path / "c.yaml"
    path.write_text(contract(entries))
    nodeids = [f"falsifiers/test_x.py::test_{i}" for i in range(1, 401)]
    calls = {"compose": 0, "load": 0}
    real_compose, real_load = yaml.compose, yaml.load

    def compose(*args: object, **kwargs: object) -> object:
        calls["compose"] += 1
        return real_compose(*args, **kwargs)  # type: ignore[arg-type]

    def load(*args: object, **kwargs: object) -> object:
        calls["load"] += 1
        return real_load(*args, **kwargs)  # type: ignore[arg-type]

    reg = registry(*nodeids)
    data = yaml.safe_load(path.read_text())
    bindings = [resolve_binding(t["id"], t["test"], reg) for t in data["falsification_tests"]]
    monkeypatch.setattr(yaml, "compose", compose)
    monkeypatch.setattr(yaml, "load", load)
    outcomes = fix_file(path, str(path), [t["id"] for t in data["falsification_tests"]], bindings, lambda b: choose_fix(b, reg),
                        [(1, 1)] * 400)
    assert sum(o.fixed for o in outcomes) == 400
    assert calls["compose"] + calls["load"] <= 3
    assert [t["test"] for t in yaml.safe_load(path.read_text())["falsification_tests"]] == nodeids
