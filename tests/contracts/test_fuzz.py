"""Fuzzing validate and lint with contract-shaped documents.

Documents start from real contracts (tests/conftest.py VALID_CONTRACT and the bundled
contracts/*.yaml) and are mutated as trees (wrong types, missing and renamed fields,
odd unicode, huge numbers, deleted, duplicated and inserted entries), then dumped in
block or flow style, and as text (random splices, duplicated or swapped lines, indent
changes, YAML syntax tokens: anchors, aliases, tags, merge keys, document markers, BOM,
NUL, line separators). For every document, in process:

- `check_file` and `lint` (strict and not, against a small Registry built here) raise nothing;
- every diagnostic about the file has a real position: 1 <= line <= lines in the file
  (counted as an editor does: the text after a final newline is one more, empty, line),
  1 <= col <= that line's length + 1; or 0:0 for whole-file I/O codes only;
- when the loader's fast pass accepted the file, its data equals the positioned pass's
  (the composed node graph), and every value the validator can point at has a position.

    PV_FUZZ_EXAMPLES=100000 python -m pytest tests/contracts/test_fuzz.py -q   # the long run
"""

from __future__ import annotations

import copy
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pv.contracts.loader import Document, _Builder, _Loader
from pv.binding.lint import lint
from pv.binding.registry import CollectedTest, Registry
from pv.contracts.validate import check_file, check_registry
from tests.conftest import REPO, VALID_CONTRACT

EXAMPLES = int(os.environ.get("PV_FUZZ_EXAMPLES", "300"))
WHOLE_FILE_CODES = {"PV-IO-001"}

SEEDS = [VALID_CONTRACT] + [p.read_text(encoding="utf-8") for p in sorted((REPO / "contracts").glob("*.yaml"))]


def _bindings(text: str) -> list[tuple[str, str]]:
    document = yaml.safe_load(text)
    return [(t["id"], t["test"]) for t in document.get("falsification_tests", []) if "::" in str(t.get("test"))]


def _registry(root: Path) -> Registry:
    """The tests the seeds name, each marked with its falsifier, plus an orphan and a skipped one."""
    tests: dict[str, CollectedTest] = {}
    for seed in SEEDS:
        for falsifier_id, nodeid in _bindings(seed):
            path = nodeid.split("::")[0]
            params = nodeid.split("[", 1)[1].rstrip("]") if "[" in nodeid else None
            tests[nodeid] = CollectedTest(nodeid, path, 3, (falsifier_id,), params, False)
    tests["falsifiers/test_other.py::test_orphan"] = CollectedTest(
        "falsifiers/test_other.py::test_orphan", "falsifiers/test_other.py", 5, ("FALSIFY-ZZ-999",), None, False)
    tests["falsifiers/test_other.py::test_skipped"] = CollectedTest(
        "falsifiers/test_other.py::test_skipped", "falsifiers/test_other.py", 9, (), None, True)
    return Registry(root=root, tests=tests)


# -- tree mutations --------------------------------------------------------------------

ODD_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**30, max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True), ODD_TEXT,
    st.sampled_from(["", " ", "1e-5", "2026-02-18", "yes", "~", "0x1F", ".nan", "<<", "=", "FALSIFY-X-001",
                     "LIVE-PENDING: later", "../../x.py::t", "/abs/x.py::t", "a.py::T::t[p]", "\u202e", "\x85"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.one_of(ODD_TEXT, st.integers()), inner, max_size=3)), max_leaves=6)
KEY_SPELLINGS = ["metadata", "equations", "proof_obligations", "falsification_tests", "falsfication_tests",
                 "kani_harnesses", "qa_gate", "id", "test", "obligation", "tolerance", "type", "version",
                 "references", "depends_on", "status", "formula", "implementations", "parameters", "guard"]


def _containers(node: Any, out: list[Any]) -> list[Any]:
    if isinstance(node, (dict, list)):
        out.append(node)
        for child in (node.values() if isinstance(node, dict) else node):
            _containers(child, out)
    return out


@st.composite
def mutated_tree(draw: st.DrawFn, data: Any) -> Any:
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 4))):
        containers = _containers(data, [])
        target = containers[draw(st.integers(0, len(containers) - 1))]
        keys = list(target.keys()) if isinstance(target, dict) else list(range(len(target)))
        op = draw(st.sampled_from(["replace", "delete", "insert", "rename", "duplicate", "wrap"]))
        if not keys and op != "insert":
            op = "insert"
        if op == "insert":
            value = draw(VALUES)
            if isinstance(target, dict):
                target[draw(st.one_of(st.sampled_from(KEY_SPELLINGS), ODD_TEXT))] = value
            else:
                target.insert(draw(st.integers(0, len(target))), value)
            continue
        key = keys[draw(st.integers(0, len(keys) - 1))]
        if op == "replace":
            target[key] = draw(VALUES)
        elif op == "delete":
            del target[key]
        elif op == "rename" and isinstance(target, dict):
            target[draw(st.one_of(st.sampled_from(KEY_SPELLINGS), ODD_TEXT))] = target.pop(key)
        elif op == "duplicate" and isinstance(target, list):
            target.append(copy.deepcopy(target[key]))
        elif op == "wrap":
            target[key] = [target[key]] if draw(st.booleans()) else str(target[key])
    return data


# -- text mutations --------------------------------------------------------------------

TOKENS = ["&a ", "*a", "&a [*a]", "!!python/object/apply:os.system ['x'] ", "!!str ", "!!int ", "!custom ",
          "<<: *a\n", "<<: {id: x}\n", "? ", "? [a]\n: 1\n", "---\n", "...\n", "%YAML 1.1\n", "\t", "\x00",
          "\ufeff", "\u2028", "\x85", "{", "}", "[", "]", "'", '"', "|\n", ">-\n", "#", ": ", "- ", ",",
          "1e-5", "9" * 400, "2026-01-01", "~", "@", "`", "\\", "\r\n", "\r", "  ", "\n  - x\n"]


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(1, 5))):
        lines = text.split("\n")
        op = draw(st.sampled_from(["splice", "token", "delete", "dup_line", "swap", "indent", "truncate"]))
        at = draw(st.integers(0, len(text)))
        if op == "splice":
            text = text[:at] + draw(st.text(max_size=12)) + text[at:]
        elif op == "token":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif op == "truncate":
            text = text[:at]
        elif lines:
            i = draw(st.integers(0, len(lines) - 1))
            if op == "dup_line":
                lines.insert(i, lines[i])
            elif op == "swap":
                j = draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
            elif op == "indent":
                lines[i] = " " * draw(st.integers(0, 6)) + lines[i].lstrip(" ")
            text = "\n".join(lines)
    return text


@st.composite
def contract_documents(draw: st.DrawFn) -> bytes:
    seed = draw(st.sampled_from(SEEDS))
    text = seed
    mode = draw(st.sampled_from(["tree", "text", "tree+text"]))
    if "tree" in mode:
        tree = draw(mutated_tree(yaml.safe_load(seed)))
        text = yaml.safe_dump(tree, sort_keys=False, allow_unicode=draw(st.booleans()),
                              default_flow_style=draw(st.sampled_from([False, None, True])), width=draw(st.sampled_from([80, 10**6])))
    if "text" in mode:
        text = draw(mutated_text(text))
    return text.encode("utf-8", "surrogatepass")


# -- the properties --------------------------------------------------------------------

def _assert_real_positions(diagnostics: list[Any], path: str, raw: bytes) -> None:
    try:
        text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        text = None
    # Line breaks as YAML counts them (\n, \r\n or a lone \r); NEL and LS/PS are not
    # breaks in YAML 1.2 and libyaml does not count them.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if text is not None else raw.split(b"\n")
    for d in diagnostics:
        if d.path != path:
            continue
        if (d.line, d.col) == (0, 0):
            assert d.code in WHOLE_FILE_CODES, d
            continue
        assert 1 <= d.line <= len(lines), (d, len(lines))
        assert 1 <= d.col <= len(lines[d.line - 1]) + 1, (d, lines[d.line - 1][:200])


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*at, i))
    return found


def _assert_fast_pass_agrees(doc: Document) -> None:
    """A file the fast pass accepted reads the same through the composed node graph."""
    if doc.diagnostics or doc._positions is not None or doc.data is None:
        return  # the positioned pass built this one (or it did not load)
    shadow = Document(path=doc.path, text=doc.text, _positions={}, _key_positions={})
    data = _Builder(shadow).build(yaml.compose(doc.text, Loader=_Loader), (), 0)
    assert not shadow.diagnostics, shadow.diagnostics
    assert _same(doc.data, data)
    if len(shadow._positions) < 20_000:
        assert set(_paths(doc.data)) <= set(doc.positions)


SCRATCH = Path(tempfile.mkdtemp(prefix="pv-fuzz-"))
REGISTRY = _registry(SCRATCH)


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(raw=contract_documents(), strict=st.booleans())
def test_validate_and_lint_never_raise_and_always_point_at_the_file(raw: bytes, strict: bool) -> None:
    path = SCRATCH / "fuzzed-v1.yaml"
    path.write_bytes(raw)
    checked = check_file(path)
    _assert_real_positions(checked.diagnostics, str(path), raw)
    _assert_fast_pass_agrees(checked.doc)
    _assert_real_positions(list(check_registry([checked])), str(path), raw)
    known = {t.id for t in checked.contract.falsification_tests} if checked.contract else set()
    result = lint([checked], REGISTRY, strict=strict, known_ids=known)
    for d in result.diagnostics:
        if d.path == "<lint>":
            assert (d.line, d.col, d.code) == (0, 0, "PV-VER-009"), d
    _assert_real_positions(result.diagnostics, str(path), raw)
