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

from pydantic import BaseModel

from pv.diagnostics.diagnostic import Diagnostic
from pv.contracts.loader import Document, Path_, excerpt
from pv.diagnostics.rules import rule
from pv.diagnostics.suggest import closest_typo



@cache
def _children(model: type[BaseModel]) -> dict[str, tuple[str, type[BaseModel]] | None]:
    """For each field, how to descend into it: ('model'|'list'|'dict', submodel) or None."""
    result: dict[str, tuple[str, type[BaseModel]] | None] = {}
    for name, info in model.model_fields.items():
        result[info.alias or name] = _descent(info.annotation)
    return result


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
            yield _unknown(doc, str(key), sorted(known), (*at, key), model.__name__)
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


def _unknown(doc: Document, key: str, known: list[str], at: Path_, where: str) -> Diagnostic:
    place = excerpt(".".join(str(p) for p in at[:-1])) or "top level"
    close = closest_typo(key, known)
    position = doc.key_position(at)
    if close:
        return rule("PV-SCHEMA-006").at(
            doc.path, position, f"unknown key '{excerpt(key)}' in {place}; did you mean '{close}'?",
            f"rename '{excerpt(key)}' to '{close}'")
    return rule("PV-SCHEMA-005").at(doc.path, position, f"unknown key '{excerpt(key)}' in {place} ({where} does not define it)")
