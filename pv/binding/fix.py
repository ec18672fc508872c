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
from typing import TYPE_CHECKING

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pv.atomic import write_text
from pv.binding.resolve import NODE_ID, Binding, BindingState
from pv.binding.registry import Registry

if TYPE_CHECKING:
    from pv.binding.registries import Registries

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
        return node.value[key]
    return None


def _render_scalar(value: str, style: str | None) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"' or not NODE_ID.fullmatch(value):
        return json.dumps(value, ensure_ascii=False)
    return value


def replace_scalar(text: str, at: tuple[str | int, ...], value: str) -> str:
    """`text` with the scalar at path `at` replaced by `value`, everything else untouched."""
    node: Node | None = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for key in at:
        node = _child(node, key) if node is not None else None
    if not isinstance(node, ScalarNode):
        raise LookupError(f"no scalar at {'.'.join(map(str, at))}")
    start, end = node.start_mark.index, node.end_mark.index
    return text[:start] + _render_scalar(value, node.style or None) + text[end:]


def choose_fix(binding: Binding, registry: Registry) -> tuple[str | None, str]:
    """The one node id to write, or None with the reason no fix is certain."""
    if binding.state not in (BindingState.UNRESOLVED, BindingState.PROSE, BindingState.MISSING):
        return None, "already resolved or deliberately pending"
    marked = sorted({t.nodeid for t in registry.by_falsifier().get(binding.falsifier_id, [])})
    if len(marked) == 1:
        return marked[0], f"the only test marked falsifies(\"{binding.falsifier_id}\")"
    if not marked:
        return None, f"no collected test carries falsifies(\"{binding.falsifier_id}\"); nothing certain to point at"
    return None, f"{len(marked)} tests carry falsifies(\"{binding.falsifier_id}\") ({', '.join(marked[:3])}); choose one by hand"


def fix_file(path: Path, display: str, falsifier_ids: list[str], bindings: list[Binding],
             registry: Registry | Registries, positions: list[tuple[int, int]]) -> list[FixOutcome]:
    """Apply every certain fix to one contract file, atomically; report the rest."""
    outcomes: list[FixOutcome] = []
    raw = path.read_bytes().decode("utf-8")
    bom = raw.startswith(_BOM)
    text = raw[1:] if bom else raw
    changed = False
    for index, (falsifier_id, binding, position) in enumerate(zip(falsifier_ids, bindings, positions)):
        if binding.state in (BindingState.RESOLVED, BindingState.PENDING):
            continue
        target, why = choose_fix(binding, registry) if isinstance(registry, Registry) else registry.fix(binding)
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
