"""`pv lint --fix`: rewrite a dangling `test:` in place, only when the fix is certain.

Certain means, for pytest, exactly one collected test carries a `falsifies` marker naming
the falsifier: the test itself says which falsifier it discharges. Rust tests carry no
marker, so for cargo it means one dangling filter with exactly one close test in the same
crate (pv.binding.cargo_resolve.choose_cargo_fix). Each registry decides.

The rewrite replaces each `test:` scalar's source span and leaves every other byte as it
was; it is written only when it is provably right, else refused with the reason:

- the new text must parse to the old data with exactly the fixed values changed (a block
  scalar, a flow mapping, a parametrize id holding `: ` or ` #` are checked, not trusted);
- an aliased value (`test: *ref`), an anchored or tagged one is refused: rewriting it
  would change every other place the anchor is used;
- all fixes of a file are applied in one pass over one parse (400 fixes are not 400 parses);
- a symlinked contract stays a link (its target is rewritten), the file keeps its mode,
  and a file changed since lint read it is not written (nothing is lost).
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pv.atomic import write_text
from pv.binding.resolve import Binding, BindingState
from pv.contracts.loader import compose_nodes, parse_text
from pv.diagnostics.diagnostic import Severity

_BOM = "\ufeff"
# A node id that is safe as a plain scalar in block context: no `[`, `: `, ` #` surprises.
_PLAIN_SAFE = re.compile(r"[\w./-]+\.py(::[\w.\-]+)+(\[[\w.\-]*\])?")


@dataclass(frozen=True)
class FixOutcome:
    path: str
    line: int
    falsifier_id: str
    fixed: bool
    detail: str


@dataclass(frozen=True)
class _Edit:
    index: int          # falsification_tests[index]
    start: int          # the span replaced in the text
    end: int
    replacement: str
    value: str


def _value_of(mapping: MappingNode, key: str) -> tuple[ScalarNode, Node] | None:
    return next(((k, v) for k, v in mapping.value if isinstance(k, ScalarNode) and k.value == key), None)


def _render(value: str, style: str | None, flow: bool) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style in (None, "") and not flow and _PLAIN_SAFE.fullmatch(value):
        return value
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _shared(root: Node) -> set[int]:
    """ids of nodes reached twice (through an alias): their text is not theirs alone."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return shared


def _plan_edit(text: str, entry: Node, index: int, value: str, shared: set[int]) -> _Edit | str:
    """The edit for one entry's `test:`, or the reason there is none."""
    if not isinstance(entry, MappingNode) or id(entry) in shared:
        return "the falsifier entry is an alias or not a mapping; fix it by hand"
    found = _value_of(entry, "test")
    if found is None:
        return "no `test:` key to rewrite; add one by hand"
    key, node = found
    if not isinstance(node, ScalarNode):
        return "`test:` is not a single value; fix it by hand"
    start, end = node.start_mark.index, node.end_mark.index
    if id(node) in shared or start < key.end_mark.index:
        return "`test:` is an alias (or its anchor is used elsewhere); rewriting it would change the other uses"
    if text[start:start + 1] in ("&", "!"):
        return "`test:` carries an anchor or a tag; fix it by hand"
    flow = bool(entry.flow_style)
    if node.style in ("|", ">"):
        trailing = re.search(r"\n[ \t\n]*\Z", text[start:end])
        replacement = json.dumps(value, ensure_ascii=False) + (trailing.group() if trailing else "")
        return _Edit(index, start, end, replacement, value)
    if node.value == "" and not node.style:  # `test:` or `test:   # TODO`: write just after the colon
        colon = text.find(":", key.end_mark.index)
        if colon < 0:
            return "cannot find the `:` of `test:`; fix it by hand"
        return _Edit(index, colon + 1, colon + 1, " " + json.dumps(value, ensure_ascii=False), value)
    return _Edit(index, start, end, _render(value, node.style or None, flow), value)


def _apply(text: str, edits: list[_Edit]) -> str:
    """Every edit in one pass (edits do not overlap: one per entry)."""
    pieces, at = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        pieces += [text[at:edit.start], edit.replacement]
        at = edit.end
    pieces.append(text[at:])
    return "".join(pieces)


def _expected(data: Any, edits: list[_Edit]) -> Any:
    expected = _copy(data)
    for edit in edits:
        expected["falsification_tests"][edit.index]["test"] = edit.value
    return expected


def _copy(data: Any) -> Any:
    """A deep copy that does not keep aliasing (an edit reaches one place only)."""
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data


def _data_of(text: str) -> Any:
    """The data `pv validate` reads from `text` (the one loader), or _UNREADABLE."""
    doc = parse_text(text, "<fix>")
    return _UNREADABLE if any(d.severity is Severity.ERROR for d in doc.diagnostics) else doc.data


_UNREADABLE = object()


def _parses_as(text: str, expected: Any) -> bool:
    return bool(_data_of(text) == expected)


def _read(path: Path) -> tuple[bytes, os.stat_result]:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path}: not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(), info
    finally:
        os.close(fd)


def fix_file(path: Path, display: str, falsifier_ids: list[str], bindings: list[Binding],
             choose: Callable[[Binding], tuple[str | None, str]], positions: list[tuple[int, int]],
             read_text: str | None = None) -> list[FixOutcome]:
    """Apply every certain fix to one contract file, atomically; report the rest.

    `choose(binding)` is the registry's fix: the `test:` to write, or None with the reason.
    `read_text` is the text lint validated: a file that no longer holds it is not written.
    """
    target = Path(os.path.realpath(path))  # a symlinked contract stays a link
    raw, info = _read(target)
    decoded = raw.decode("utf-8")
    bom = decoded.startswith(_BOM)
    text = decoded[1:] if bom else decoded
    if read_text is not None and read_text not in (text, decoded):
        return [FixOutcome(display, 1, ", ".join(falsifier_ids[:1]) or "-", False,
                           "the file changed since lint read it; nothing written, run pv lint --fix again")]
    root = compose_nodes(text)
    tests = _value_of(root, "falsification_tests") if isinstance(root, MappingNode) else None
    entries = tests[1].value if tests is not None and isinstance(tests[1], SequenceNode) else []
    shared = _shared(root) if root is not None else set()
    outcomes: dict[int, FixOutcome] = {}
    edits: list[_Edit] = []
    for index, (falsifier_id, binding, position) in enumerate(zip(falsifier_ids, bindings, positions)):
        if binding.state in (BindingState.RESOLVED, BindingState.PENDING):
            continue
        value, why = choose(binding)
        if value is None:
            outcomes[index] = FixOutcome(display, position[0], falsifier_id, False, why)
            continue
        planned = _plan_edit(text, entries[index], index, value, shared) if index < len(entries) else "no such entry"
        if isinstance(planned, str):
            outcomes[index] = FixOutcome(display, position[0], falsifier_id, False, planned)
            continue
        edits.append(planned)
        outcomes[index] = FixOutcome(display, position[0], falsifier_id, True,
                                     f"{binding.reference!r} -> {value!r} ({why})")
    if edits:
        data = _data_of(text)
        new = _apply(text, edits)
        if not _parses_as(new, _expected(data, edits)):
            # find the edits that break the file, one by one (only on this rare path)
            good = [e for e in edits if _parses_as(_apply(text, [e]), _expected(data, [e]))]
            for bad in (e for e in edits if e not in good):
                o = outcomes[bad.index]
                outcomes[bad.index] = FixOutcome(o.path, o.line, o.falsifier_id, False,
                                                 "the rewrite would not read back as the same YAML; fix it by hand")
            edits = good
            new = _apply(text, edits)
            if edits and not _parses_as(new, _expected(data, edits)):
                edits = []
                outcomes = {i: FixOutcome(o.path, o.line, o.falsifier_id, False, "fixes interfere; fix by hand")
                            for i, o in outcomes.items()}
    if edits:
        if _read(target)[0] != raw:
            return [FixOutcome(o.path, o.line, o.falsifier_id, False, "the file changed while fixing; nothing written")
                    for o in outcomes.values()]
        write_text(target, (_BOM if bom else "") + new)
        os.chmod(target, stat.S_IMODE(info.st_mode))
    return [outcomes[i] for i in sorted(outcomes)]
