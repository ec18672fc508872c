"""Untrusted YAML in, plain data plus source positions out.

pv builds the data itself from libyaml's event stream (pure Python when libyaml is
absent), so that: no tag can construct an object, duplicate keys are errors instead of
silently keeping the last value, alias expansion and nesting are bounded, every value
keeps its line and column, and YAML 1.1 timestamps stay the strings the author wrote
(the Rust loader reads `created: 2026-02-18` as text too).

Two passes, one meaning. The fast pass (`_fast_build`) turns events into data with an
explicit stack: no node objects, no recursion (libyaml's own composer recurses in C and
crashes on ~100,000 nested brackets), no per-value bookkeeping. Positions are needed
only when a diagnostic is emitted, so they are built on first use by the positioned
pass (`_Builder`, over the composed node graph). Anything unusual (a tag, a duplicate or
non-scalar key, a merge key, an alias problem, a second document) sends the file down
the positioned pass at once, which reports it; the fast pass only bounds size and depth
first, so the composer never sees a document it could not survive. tests/contracts/test_fuzz.py
checks that both passes build the same data.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import (AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                         SequenceEndEvent, SequenceStartEvent, StreamEndEvent)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from pv.diagnostics.diagnostic import Diagnostic, Severity
from pv.diagnostics.rules import rule

if TYPE_CHECKING:
    from pv.contracts.parse_cache import ParseCache

try:
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]

    _Loader: type = yaml.CSafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

    def _Parser(text: str) -> yaml.SafeLoader:  # type: ignore[no-redef]
        return yaml.SafeLoader(text)

Path_ = tuple[str | int, ...]
Position = tuple[int, int]

# Values past these limits are refused with PV-YAML-004 instead of exhausting memory.
MAX_EXPANDED_NODES = 1_000_000
MAX_DEPTH = 200
MAX_FILE_BYTES = 32 * 1024 * 1024  # contracts are kilobytes; this is a bound, not a budget

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
# YAML 1.2 reads `1e-5` as a float; YAML 1.1 (PyYAML) needs a dot and reads a string.
# Contracts are written for the YAML 1.2 reading, so plain scalars of this form are numbers.
_YAML12_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+")
_TOO_MANY = f"more than {MAX_EXPANDED_NODES:,} values after alias expansion"
_TOO_DEEP = f"nesting deeper than {MAX_DEPTH} levels"


@dataclass
class Document:
    """A parsed YAML file: its data, where each value sits, and what went wrong.

    `positions` and `key_positions` are built on first use: most files produce no
    diagnostic and never need them.
    """

    path: str
    data: Any = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    text: str = ""
    _positions: dict[Path_, Position] | None = field(default=None, repr=False)
    _key_positions: dict[Path_, Position] | None = field(default=None, repr=False)

    @property
    def positions(self) -> dict[Path_, Position]:
        """Where each value starts, by path from the document root."""
        if self._positions is None:
            self._locate()
        assert self._positions is not None
        return self._positions

    @property
    def key_positions(self) -> dict[Path_, Position]:
        """Where the key naming each mapping value starts."""
        if self._key_positions is None:
            self._locate()
        assert self._key_positions is not None
        return self._key_positions

    def _locate(self) -> None:
        self._positions, self._key_positions = {}, {}
        if self.data is None or not self.text:
            return
        shadow = Document(path=self.path, text=self.text, _positions={}, _key_positions={})
        try:
            node = yaml.compose(self.text, Loader=_Loader)
            if node is not None:
                _Builder(shadow).build(node, (), 0)
        except (yaml.YAMLError, _TooLarge, RecursionError):  # pragma: no cover - the fast pass read it
            return
        self._positions, self._key_positions = shadow._positions, shadow._key_positions

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


EXCERPT_CHARS = 80


def excerpt(value: object) -> str:
    """Contract text as a diagnostic may quote it: printable and at most ~80 characters.

    Keys and values are untrusted: a 10 MB key or a terminal escape sequence must not
    reach the user's terminal or CI log verbatim.
    """
    text = str(value)
    clipped = text[:EXCERPT_CHARS]
    if not clipped.isprintable():
        clipped = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in clipped)
    return clipped if len(text) <= EXCERPT_CHARS else f"{clipped}... ({len(text):,} characters)"


class _TooLarge(Exception):
    def __init__(self, index: int, reason: str) -> None:
        self.index, self.reason = index, reason  # character offset into the text


_BREAK = re.compile(r"\r\n|\r|\n")


class _Lines:
    """Character offset -> (line, column) as an editor counts them.

    libyaml's own line numbers follow YAML 1.1, which also breaks lines at NEL, LS and
    PS (U+0085, U+2028, U+2029) where editors do not, and put the end of a stream with no
    final newline on a line of its own; its character offsets are exact.
    """

    def __init__(self, text: str) -> None:
        self.starts = [0, *(m.end() for m in _BREAK.finditer(text))]
        self.length = len(text)

    def at(self, index: int) -> Position:
        index = min(index, self.length)
        line = bisect_right(self.starts, index) - 1
        return (line + 1, index - self.starts[line] + 1)


class _Builder:
    """Turns a composed node graph into plain Python data, recording positions."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.lines = _Lines(doc.text)
        self.expanded = 0

    def build(self, node: Node, at: Path_, depth: int) -> Any:
        self.expanded += 1
        if self.expanded > MAX_EXPANDED_NODES:
            raise _TooLarge(node.start_mark.index, _TOO_MANY)
        if depth > MAX_DEPTH:
            raise _TooLarge(node.start_mark.index, _TOO_DEEP)
        self.doc.positions[at] = self.pos(node)  # the shadow document's eager dict
        if isinstance(node, ScalarNode):
            return self.scalar(node, at)
        if isinstance(node, SequenceNode):
            self.check_tag(node, _SEQ, at)
            return [self.build(item, (*at, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            self.check_tag(node, _MAP, at)
            return self.mapping(node, at, depth)
        raise _TooLarge(node.start_mark.index, "unsupported node")  # pragma: no cover - composer yields only these

    def pos(self, node: Node) -> Position:
        return self.lines.at(node.start_mark.index)

    def check_tag(self, node: Node, expected: str, at: Path_) -> None:
        if node.tag != expected:
            self.doc.diagnostics.append(rule("PV-YAML-003").at(
                self.doc.path, self.pos(node), f"tag '{excerpt(node.tag)}' is not accepted; contracts are plain YAML data"))

    def scalar(self, node: ScalarNode, at: Path_) -> Any:
        if node.tag not in _PLAIN_TAGS and node.tag != _TIMESTAMP:
            self.doc.diagnostics.append(rule("PV-YAML-003").at(
                self.doc.path, self.pos(node), f"tag '{excerpt(node.tag)}' is not accepted; contracts are plain YAML data"))
            return node.value
        value = _scalar_value(node)
        if node.tag == _INT and isinstance(value, str) and _too_many_digits(value):
            self.doc.diagnostics.append(rule("PV-YAML-004").at(
                self.doc.path, self.pos(node), f"an integer of {len(value):,} characters is beyond the "
                f"{sys.get_int_max_str_digits():,}-digit limit Python reads; write a shorter number"))
        return value

    def mapping(self, node: MappingNode, at: Path_, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in self._pairs(node):
            if not isinstance(key_node, ScalarNode):
                self.doc.diagnostics.append(rule("PV-SCHEMA-003").at(
                    self.doc.path, self.pos(key_node), "mapping keys must be plain scalars"))
                continue
            key = self.scalar(key_node, at)
            key = key if isinstance(key, (str, int)) and not isinstance(key, bool) else str(key)
            if key in result:
                first = self.doc.key_positions[(*at, key)]
                self.doc.diagnostics.append(rule("SCHEMA-020").at(
                    self.doc.path, self.pos(key_node),
                    f"duplicate key '{excerpt(key)}' (first defined at line {first[0]}); "
                    "YAML would silently keep only the last value"))
                continue
            self.doc.key_positions[(*at, key)] = self.pos(key_node)
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
                    else:  # PyYAML and the YAML merge spec refuse it; ignoring it would hide a typo
                        self.doc.diagnostics.append(rule("PV-YAML-001").at(
                            self.doc.path, self.pos(source), "a merge key '<<' takes a mapping or a list of "
                            "mappings (e.g. `<<: *defaults`), not a scalar"))
            else:
                pairs.append((key_node, value_node))
        explicit = {k.value for k, _ in pairs if isinstance(k, ScalarNode)}
        return pairs + [(k, v) for k, v in merged if not (isinstance(k, ScalarNode) and k.value in explicit)]


def _scalar_value(node: ScalarNode) -> Any:
    """The value of a scalar whose tag is plain data (or a timestamp): both passes use this."""
    if node.tag == _TIMESTAMP:
        return node.value  # keep the date as written, as the Rust loader does
    if node.tag == _STR:
        return float(node.value) if not node.style and _YAML12_FLOAT.fullmatch(node.value) else node.value
    try:
        # The constructor functions themselves: construct_object would remember every node.
        return SafeConstructor.yaml_constructors[node.tag](_CONSTRUCTOR, node)
    except (ConstructorError, ValueError, IndexError, KeyError, OverflowError):
        return node.value  # `!!int ""`, `!!bool maybe`: the schema then reports the type


def _too_many_digits(text: str) -> bool:
    """An integer literal longer than Python converts (CVE-2020-10735's limit, 4,300 digits by default)."""
    limit = sys.get_int_max_str_digits()
    return limit > 0 and sum(c.isdigit() for c in text) > limit


_CONSTRUCTOR = SafeConstructor()
_IMPLICIT = Resolver.yaml_implicit_resolvers
_UNUSUAL = object()  # a plain scalar resolving to a tag that is not plain data (`<<`, `=`)
_PLAIN_CACHE: dict[str, Any] = {}
_PLAIN_CACHE_MAX = 100_000


def _plain(value: str) -> Any:
    """An untagged plain scalar's value, resolved exactly as PyYAML's SafeLoader resolves it.

    Callers look in _PLAIN_CACHE first: keys, enum words and small numbers repeat.
    """
    tag = _STR
    for candidate, pattern in _IMPLICIT.get(value[0] if value else "", []) + _IMPLICIT.get(None, []):
        if pattern.match(value):
            tag = candidate
            break
    result = _scalar_value(ScalarNode(tag, value)) if tag in _PLAIN_TAGS or tag == _TIMESTAMP else _UNUSUAL
    if tag == _INT and isinstance(result, str):
        return _UNUSUAL  # an integer Python will not read: the positioned pass reports it
    if len(value) <= 64 and result is not _UNUSUAL:
        if len(_PLAIN_CACHE) >= _PLAIN_CACHE_MAX:
            _PLAIN_CACHE.clear()
        _PLAIN_CACHE[value] = result
    return result


class _Unusual(Exception):
    """The fast pass met something only the positioned pass reports."""


_NO_KEY, _SKIP = object(), object()


def _fast_build(text: str) -> tuple[Any, bool]:
    """(data, unusual) from the event stream; raises _TooLarge past the limits.

    When `unusual` is True the data is unreliable and the positioned pass must run; the
    fast pass still reads to the end so that size and depth are checked first. This loop
    runs once per scalar of every contract, hence the locals and the inlined cache lookup.
    """
    parser = _Parser(text)
    get_event: Callable[[], Any] = parser.get_event
    cached = _PLAIN_CACHE.get
    stack: list[list[Any]] = []  # [container, is_mapping, pending key, anchor, expanded at start]
    frame: list[Any] | None = None  # stack[-1]
    anchors: dict[str, tuple[Any, int, bool]] = {}  # name -> (value, expanded size, is a scalar)
    expanded = depth = 0
    unusual = False
    root: Any = None
    try:
        while True:
            event = get_event()
            kind = type(event)
            if kind is ScalarEvent:
                expanded += 1
                value = event.value
                if event.tag is not None:
                    unusual = True
                elif event.implicit[0]:
                    found = cached(value, _UNUSUAL)
                    if found is _UNUSUAL:
                        found = _plain(value)
                        if found is _UNUSUAL:
                            unusual, found = True, value
                    value = found
                if event.anchor is not None:
                    unusual = unusual or event.anchor in anchors
                    anchors[event.anchor] = (value, 1, True)
                scalar = True
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                expanded += 1
                if expanded > MAX_EXPANDED_NODES:
                    raise _TooLarge(_mark(event), _TOO_MANY)
                if depth > MAX_DEPTH:
                    raise _TooLarge(_mark(event), _TOO_DEEP)
                mapping = kind is MappingStartEvent
                if event.tag is not None and event.tag != (_MAP if mapping else _SEQ):
                    unusual = True
                frame = [{} if mapping else [], mapping, _NO_KEY, event.anchor, expanded - 1]
                stack.append(frame)
                depth += 1
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                value, _, _, anchor, start = stack.pop()
                depth -= 1
                frame = stack[-1] if stack else None
                if anchor is not None:
                    unusual = unusual or anchor in anchors
                    anchors[anchor] = (value, expanded - start, False)
                scalar = False
            elif kind is AliasEvent:
                known = anchors.get(event.anchor)
                if known is None and any(f[3] == event.anchor for f in stack):
                    raise _TooLarge(_mark(event), f"alias *{excerpt(event.anchor)} refers to a node that contains "
                                                  "it (recursive data expands without end)")
                if known is None:  # undefined: the composer reports it
                    unusual, value, size, scalar = True, None, 1, True
                else:
                    value, size, scalar = known
                expanded += size
                if expanded > MAX_EXPANDED_NODES:
                    raise _TooLarge(_mark(event), _TOO_MANY)
            elif kind is StreamEndEvent or event is None:
                break
            elif kind is DocumentStartEvent and expanded:
                unusual = True  # a second document: the composer reports it
                break
            else:
                continue  # stream and document boundaries
            if depth > MAX_DEPTH:
                raise _TooLarge(_mark(event), _TOO_DEEP)
            if frame is None:
                root = value
            elif not frame[1]:
                frame[0].append(value)
            elif frame[2] is _NO_KEY:
                if not scalar:
                    unusual, frame[2] = True, _SKIP
                    continue
                if type(value) is not str and type(value) is not int:
                    value = str(value)
                if value in frame[0]:
                    unusual, frame[2] = True, _SKIP
                else:
                    frame[2] = value
            else:
                if frame[2] is not _SKIP:
                    frame[0][frame[2]] = value
                frame[2] = _NO_KEY
    finally:
        parser.dispose()
    return root, unusual


def contract_data(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The contract's data as `pv validate` reads it, or the first error that stops it being
    read ("path:line:col: CODE message"): for code that reads contracts inside the user's
    process (pv.testing, pv.runtime) and must report, not raise, what validate would."""
    doc = load(path)
    errors = [d for d in doc.diagnostics if d.severity is Severity.ERROR]
    if errors:
        first = min(errors, key=lambda d: (d.line, d.col))
        return None, f"{first.path}:{first.line}:{first.col}: {first.code} {first.message}"
    if not isinstance(doc.data, dict):
        return None, f"{path}: the document is not a contract mapping"
    return doc.data, None


def compose_nodes(text: str) -> Node | None:
    """The node graph with source marks, from the parser `parse_text` uses: for edits that
    replace one value's exact source span (`pv lint --fix`)."""
    node: Node | None = yaml.compose(text, Loader=_Loader)
    return node


def _mark(event: Any) -> int:
    return int(event.start_mark.index)


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


def parse_text(text: str, path: str, cache: ParseCache | None = None) -> Document:
    """Parse YAML text into a `Document`; problems become diagnostics, never exceptions.
    With a `cache`, text parsed in an earlier run is not parsed again (pv.contracts.parse_cache)."""
    doc = Document(path=path, text=text)
    if cache is not None:
        cached = cache.get(text)
        if cached is not None:
            doc.data = cached
            return doc
    try:
        data, unusual = _fast_build(text)
        if not unusual:
            doc.data = data
            if cache is not None:
                cache.put(text, data)
            return doc
        doc._positions, doc._key_positions = {}, {}
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as bad:
        mark = bad.problem_mark or bad.context_mark
        where = _Lines(text).at(mark.index) if mark else (1, 1)
        problem = f"{bad.problem or bad.context}".strip()
        if "nesting depth" in problem:  # PyYAML >= 6.0.4 (libyaml 0.2.6) scans ahead and stops at 1000 levels
            doc.diagnostics.append(rule("PV-YAML-004").at(path, where, f"{_TOO_DEEP} (the YAML parser stopped at its own limit)"))
        else:
            doc.diagnostics.append(rule("PV-YAML-001").at(path, where, problem))
        return doc
    except yaml.YAMLError as bad:
        doc.diagnostics.append(rule("PV-YAML-001").at(path, (1, 1), str(bad).splitlines()[0]))
        return doc
    except _TooLarge as too_large:
        doc.diagnostics.append(rule("PV-YAML-004").at(path, _Lines(text).at(too_large.index), too_large.reason))
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
        doc.diagnostics.append(rule("PV-YAML-004").at(path, _Lines(text).at(too_large.index), too_large.reason))
    except RecursionError:
        doc.data = None
        doc.diagnostics.append(rule("PV-YAML-004").at(path, (1, 1), "nesting too deep to parse"))
    return doc


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class NotAContractFile(OSError):
    """The path exists but is no regular file of bounded size; `code` says which rule applies."""

    def __init__(self, code: str, position: Position, message: str) -> None:
        super().__init__(message)
        self.code, self.position, self.message = code, position, message


def read_bounded(path: Path) -> bytes:
    """The file's bytes, refusing anything that is not a regular file of bounded size.

    Opened without blocking and checked on the open descriptor, so a FIFO or a device
    named like a contract (or swapped in after a check) cannot hang pv or stream forever.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise NotAContractFile("PV-IO-001", (0, 0), f"cannot read: it is {kind}, not a contract file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        raise NotAContractFile("PV-YAML-004", (1, 1), f"file is larger than {MAX_FILE_BYTES // 2**20} MiB")
    return raw


def load(path: Path, display: str | None = None, cache: ParseCache | None = None) -> Document:
    """Read and parse one file. I/O and encoding problems become diagnostics."""
    shown = display if display is not None else str(path)
    try:
        raw = read_bounded(path)
    except NotAContractFile as refused:
        doc = Document(path=shown)
        doc.diagnostics.append(rule(refused.code).at(shown, refused.position, refused.message))
        return doc
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
    return parse_text(text, shown, cache)
