"""Untrusted YAML in, plain data plus source positions out.

pv composes the node graph with libyaml when present (pure Python otherwise) and
builds the data itself, so that: no tag can construct an object, duplicate keys are
errors instead of silently keeping the last value, alias expansion is bounded, every
value keeps its line and column, and YAML 1.1 timestamps stay the strings the author
wrote (the Rust loader reads `created: 2026-02-18` as text too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pv.diagnostics import Diagnostic
from pv.rules import rule

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

Path_ = tuple[str | int, ...]
Position = tuple[int, int]

# Values past these limits are refused with PV-YAML-004 instead of exhausting memory.
MAX_EXPANDED_NODES = 1_000_000
MAX_DEPTH = 200

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
# YAML 1.2 reads `1e-5` as a float; YAML 1.1 (PyYAML) needs a dot and reads a string.
# Contracts are written for the YAML 1.2 reading, so plain scalars of this form are numbers.
_YAML12_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+")


@dataclass
class Document:
    """A parsed YAML file: its data, where each value sits, and what went wrong."""

    path: str
    data: Any = None
    positions: dict[Path_, Position] = field(default_factory=dict)
    key_positions: dict[Path_, Position] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    text: str = ""

    def position(self, at: Path_) -> Position:
        """Where the value at `at` (or its nearest existing ancestor) starts."""
        for end in range(len(at), -1, -1):
            found = self.positions.get(at[:end])
            if found is not None:
                return found
        return (1, 1)

    def key_position(self, at: Path_) -> Position:
        """Where the key naming `at` starts (its value's position when there is no key)."""
        return self.key_positions.get(at) or self.position(at)


class _TooLarge(Exception):
    def __init__(self, node: Node, reason: str) -> None:
        self.node, self.reason = node, reason


def _pos(node: Node) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed node graph into plain Python data, recording positions."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.scalars = SafeConstructor()
        self.expanded = 0

    def build(self, node: Node, at: Path_, depth: int) -> Any:
        self.expanded += 1
        if self.expanded > MAX_EXPANDED_NODES:
            raise _TooLarge(node, f"more than {MAX_EXPANDED_NODES:,} values after alias expansion")
        if depth > MAX_DEPTH:
            raise _TooLarge(node, f"nesting deeper than {MAX_DEPTH} levels")
        self.doc.positions[at] = _pos(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node, at)
        if isinstance(node, SequenceNode):
            self.check_tag(node, _SEQ, at)
            return [self.build(item, (*at, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            self.check_tag(node, _MAP, at)
            return self.mapping(node, at, depth)
        raise _TooLarge(node, "unsupported node")  # pragma: no cover - composer yields only these

    def check_tag(self, node: Node, expected: str, at: Path_) -> None:
        if node.tag != expected:
            self.doc.diagnostics.append(rule("PV-YAML-003").at(
                self.doc.path, _pos(node), f"tag {node.tag!r} is not accepted; contracts are plain YAML data"))

    def scalar(self, node: ScalarNode, at: Path_) -> Any:
        if node.tag == _TIMESTAMP:
            return node.value  # keep the date as written, as the Rust loader does
        if node.tag == _STR and not node.style and _YAML12_FLOAT.fullmatch(node.value):
            return float(node.value)
        if node.tag not in _PLAIN_TAGS:
            self.doc.diagnostics.append(rule("PV-YAML-003").at(
                self.doc.path, _pos(node), f"tag {node.tag!r} is not accepted; contracts are plain YAML data"))
            return node.value
        try:
            return self.scalars.construct_object(node)
        except (ConstructorError, ValueError):
            return node.value

    def mapping(self, node: MappingNode, at: Path_, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in self._pairs(node):
            if not isinstance(key_node, ScalarNode):
                self.doc.diagnostics.append(rule("PV-SCHEMA-003").at(
                    self.doc.path, _pos(key_node), "mapping keys must be plain scalars"))
                continue
            key = self.scalar(key_node, at)
            key = key if isinstance(key, (str, int)) and not isinstance(key, bool) else str(key)
            if key in result:
                first = self.doc.key_positions[(*at, key)]
                self.doc.diagnostics.append(rule("PV-YAML-002").at(
                    self.doc.path, _pos(key_node),
                    f"duplicate key {key!r} (first defined at line {first[0]}); "
                    "YAML would silently keep only the last value"))
                continue
            self.doc.key_positions[(*at, key)] = _pos(key_node)
            result[key] = self.build(value_node, (*at, key), depth + 1)
        return result

    def _pairs(self, node: MappingNode) -> list[tuple[Node, Node]]:
        """Key/value pairs with YAML merge keys (`<<: *base`) applied, explicit keys first."""
        pairs: list[tuple[Node, Node]] = []
        merged: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if isinstance(source, MappingNode):
                        merged.extend(self._pairs(source))
            else:
                pairs.append((key_node, value_node))
        explicit = {k.value for k, _ in pairs if isinstance(k, ScalarNode)}
        return pairs + [(k, v) for k, v in merged if not (isinstance(k, ScalarNode) and k.value in explicit)]


def _decode(raw: bytes, path: str) -> tuple[str | None, Diagnostic | None]:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, rule("PV-YAML-005").at(path, (1, 1), "file is UTF-16 encoded; save it as UTF-8")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return None, rule("PV-YAML-005").at(path, (line, 1), "file contains NUL bytes; it is not a text file")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as bad:
        line = raw[: bad.start].count(b"\n") + 1
        return None, rule("PV-YAML-005").at(path, (line, 1), f"not valid UTF-8 at byte {bad.start}")


def parse_text(text: str, path: str) -> Document:
    """Parse YAML text into a `Document`; problems become diagnostics, never exceptions."""
    doc = Document(path=path, text=text)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as bad:
        mark = bad.problem_mark or bad.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        doc.diagnostics.append(rule("PV-YAML-001").at(path, where, f"{bad.problem or bad.context}".strip()))
        return doc
    except yaml.YAMLError as bad:
        doc.diagnostics.append(rule("PV-YAML-001").at(path, (1, 1), str(bad).splitlines()[0]))
        return doc
    except RecursionError:
        doc.diagnostics.append(rule("PV-YAML-004").at(path, (1, 1), "nesting too deep to parse"))
        return doc
    if node is None:
        return doc
    try:
        doc.data = _Builder(doc).build(node, (), 0)
    except _TooLarge as too_large:
        doc.data = None
        doc.diagnostics.append(rule("PV-YAML-004").at(path, _pos(too_large.node), too_large.reason))
    except RecursionError:
        doc.data = None
        doc.diagnostics.append(rule("PV-YAML-004").at(path, (1, 1), "nesting too deep to parse"))
    return doc


def load(path: Path, display: str | None = None) -> Document:
    """Read and parse one file. I/O and encoding problems become diagnostics."""
    shown = display if display is not None else str(path)
    try:
        raw = path.read_bytes()
    except OSError as bad:
        doc = Document(path=shown)
        doc.diagnostics.append(rule("PV-IO-001").at(shown, (0, 0), f"cannot read: {bad.strerror or bad}"))
        return doc
    text, problem = _decode(raw, shown)
    if problem is not None:
        doc = Document(path=shown)
        doc.diagnostics.append(problem)
        return doc
    assert text is not None
    return parse_text(text, shown)
