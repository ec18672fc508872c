"""Unknown keys: a warning for forward compatibility, an error when it is a typo.

A misspelt section (`falsfication_tests`) would otherwise drop everything inside it
without a word, so a key close to a known one is reported as an error with the fix.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from functools import cache
from typing import Any

from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo

from pv.diagnostics.diagnostic import Diagnostic
from pv.contracts.loader import Document, Path_, excerpt
from pv.diagnostics.rules import rule
from pv.diagnostics.suggest import closest_typo



@cache
def _children(model: type[BaseModel]) -> dict[str, tuple[str, type[BaseModel]] | None]:
    """For each key the model reads (every spelling of every field), how to descend into
    it: ('model'|'list'|'dict', submodel) or None."""
    result: dict[str, tuple[str, type[BaseModel]] | None] = {}
    for name, info in model.model_fields.items():
        for spelling in spellings(name, info):
            result[spelling] = _descent(info.annotation)
    return result


def spellings(name: str, info: FieldInfo) -> list[str]:
    """Every key that fills field `name`: its name and each alias the Rust pv accepts."""
    if isinstance(info.validation_alias, AliasChoices):
        return [str(choice) for choice in info.validation_alias.choices]
    return [info.alias or name]


def _descent(annotation: Any) -> tuple[str, type[BaseModel]] | None:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _descent(arg)
            if found:
                return found
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ("model", annotation)
    args = typing.get_args(annotation)
    if origin is list and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return ("list", args[0])
    if origin is dict and len(args) == 2 and isinstance(args[1], type) and issubclass(args[1], BaseModel):
        return ("dict", args[1])
    return None


def check_keys(doc: Document, model: type[BaseModel]) -> list[Diagnostic]:
    return list(_walk(doc, doc.data, model, ()))


def _walk(doc: Document, data: Any, model: type[BaseModel], at: Path_) -> Iterator[Diagnostic]:
    if not isinstance(data, dict):
        return
    known = _children(model)
    for key, value in data.items():
        if key not in known:
            if at:
                yield _unknown(doc, str(key), sorted(known), (*at, key), model.__name__)
            else:
                yield _unknown_top_level(doc, str(key), [k for k in known if k not in PV_ONLY_TOP_LEVEL])
            continue
        descent = known[key]
        if descent is None:
            continue
        kind, sub = descent
        if kind == "model":
            yield from _walk(doc, value, sub, (*at, key))
        elif kind == "list" and isinstance(value, list):
            for i, item in enumerate(value):
                yield from _walk(doc, item, sub, (*at, key, i))
        elif kind == "dict" and isinstance(value, dict):
            for name, item in value.items():
                yield from _walk(doc, item, sub, (*at, key, name))
        elif kind == "dict" and isinstance(value, list):  # `equations` in its list-with-id form
            for i, item in enumerate(value):
                yield from _walk(doc, item, sub, (*at, key, i))


# pv's own top-level extensions: never the target of a near miss, so a 2026 key such as
# `implementation:` (a plan section) is not mistaken for a slip of `implementations`.
PV_ONLY_TOP_LEVEL = frozenset({"implementations"})


def _key_forms(key: str) -> set[str]:
    """A key case-folded without separators, and its `-s`/`-es` singulars: comparing these
    sets makes `qa_gates` ~ `qa_gate` and `kani_harness` ~ `kani_harnesses` (the Rust pv's rule)."""
    squashed = "".join(c.lower() for c in key if c.isascii() and c.isalnum())
    forms = {squashed}
    for suffix in ("es", "s"):
        if squashed.endswith(suffix) and len(squashed) > len(suffix):
            forms.add(squashed[: -len(suffix)])
    return forms


def near_miss_of(key: str, fields: list[str]) -> str | None:
    """The block `key` is a case, separator or plural variant of (SCHEMA-019), if any."""
    forms = _key_forms(key)
    return next((f for f in sorted(fields) if _key_forms(f) & forms), None)


def _unknown_top_level(doc: Document, key: str, fields: list[str]) -> Diagnostic:
    """SCHEMA-018/019 as the Rust pv has them; a plain typo of a block is PV-SCHEMA-006; any
    other key is a downstream block of the project's own (a warning, nothing checks it)."""
    position, shown = doc.key_position((key,)), excerpt(key)
    if key == "kind":
        return rule("SCHEMA-018").at(doc.path, position,
                                     "top-level `kind:` is not read: a contract's kind comes from `metadata.kind` "
                                     "(kernel when absent); move it under metadata if it names a real kind, or delete it")
    meant = near_miss_of(key, fields) or closest_typo(key, fields)
    if meant is not None:
        code = "SCHEMA-019" if near_miss_of(key, fields) else "PV-SCHEMA-006"
        return rule(code).at(doc.path, position,
                             f"unknown key '{shown}' at top level; did you mean '{meant}'? "
                             "Everything under it would be invisible to every check", f"rename '{shown}' to '{meant}'")
    return rule("PV-SCHEMA-005").at(doc.path, position, f"unknown key '{shown}' at top level (Contract does not define it)")


def _unknown(doc: Document, key: str, known: list[str], at: Path_, where: str) -> Diagnostic:
    place = excerpt(".".join(str(p) for p in at[:-1])) or "top level"
    close = closest_typo(key, known)
    position = doc.key_position(at)
    if close:
        return rule("PV-SCHEMA-006").at(
            doc.path, position, f"unknown key '{excerpt(key)}' in {place}; did you mean '{close}'?",
            f"rename '{excerpt(key)}' to '{close}'")
    return rule("PV-SCHEMA-005").at(doc.path, position, f"unknown key '{excerpt(key)}' in {place} ({where} does not define it)")
