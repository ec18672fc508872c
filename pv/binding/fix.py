"""`pv lint --fix`: rewrite a dangling `test:` in place, only when the fix is certain.

Certain means, for pytest, exactly one collected test carries a `falsifies` marker naming
the falsifier: the test itself says which falsifier it discharges. Rust tests carry no
marker, so for cargo it means one dangling filter with exactly one close test in the same
crate (pv.binding.cargo_resolve.choose_cargo_fix). Each registry decides; the rewrite replaces
the one YAML scalar's source span and leaves every other byte of the file as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pv.atomic import write_text
from pv.binding.resolve import NODE_ID, Binding, BindingState
from pv.contracts.loader import compose_nodes

_BOM = "\ufeff"


@dataclass(frozen=True)
class FixOutcome:
    path: str
    line: int
    falsifier_id: str
    fixed: bool
    detail: str


def _child(node: Node, key: str | int) -> Node | None:
    if isinstance(node, MappingNode):
        return next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == key), None)
    if isinstance(node, SequenceNode) and isinstance(key, int) and key < len(node.value):
        child: Node = node.value[key]
        return child
    return None


def _render_scalar(value: str, style: str | None) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"' or not NODE_ID.fullmatch(value):
        return json.dumps(value, ensure_ascii=False)
    return value


def replace_scalar(text: str, at: tuple[str | int, ...], value: str) -> str:
    """`text` with the scalar at path `at` replaced by `value`, everything else untouched."""
    node: Node | None = compose_nodes(text)
    for key in at:
        node = _child(node, key) if node is not None else None
    if not isinstance(node, ScalarNode):
        raise LookupError(f"no scalar at {'.'.join(map(str, at))}")
    start, end = node.start_mark.index, node.end_mark.index
    return text[:start] + _render_scalar(value, node.style or None) + text[end:]


def fix_file(path: Path, display: str, falsifier_ids: list[str], bindings: list[Binding],
             choose: Callable[[Binding], tuple[str | None, str]], positions: list[tuple[int, int]]) -> list[FixOutcome]:
    """Apply every certain fix to one contract file, atomically; report the rest.

    `choose(binding)` is the registry's fix: the `test:` to write, or None with the reason."""
    outcomes: list[FixOutcome] = []
    raw = path.read_bytes().decode("utf-8")
    bom = raw.startswith(_BOM)
    text = raw[1:] if bom else raw
    changed = False
    for index, (falsifier_id, binding, position) in enumerate(zip(falsifier_ids, bindings, positions)):
        if binding.state in (BindingState.RESOLVED, BindingState.PENDING):
            continue
        target, why = choose(binding)
        if target is None:
            outcomes.append(FixOutcome(display, position[0], falsifier_id, False, why))
            continue
        try:
            text = replace_scalar(text, ("falsification_tests", index, "test"), target)
        except LookupError:
            outcomes.append(FixOutcome(display, position[0], falsifier_id, False, "no `test:` scalar to rewrite; add one by hand"))
            continue
        changed = True
        outcomes.append(FixOutcome(display, position[0], falsifier_id, True, f"{binding.reference!r} -> {target!r} ({why})"))
    if changed:
        write_text(path, (_BOM if bom else "") + text)
    return outcomes
