"""Renderers: diagnostics in, text out. Renderers never decide what is a finding."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from pv.diagnostics import Diagnostic, Severity

FORMATS = ("text", "json")
JSON_SHAPE_VERSION = 1


def _use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def render_text(diagnostics: Sequence[Diagnostic], summary: dict[str, int], stream: TextIO) -> None:
    colour = _use_colour(stream)
    for d in diagnostics:
        code = d.code
        if colour:
            code = f"\033[{'31' if d.severity is Severity.ERROR else '33'}m{code}\033[0m"
        stream.write(f"{d.path}:{d.line}:{d.col}: {code} {d.message}\n")
        for hint in d.hints:
            stream.write(f"    hint: {hint}\n")
    stream.write(", ".join(f"{value} {name}" for name, value in summary.items()) + "\n")


def render_json(diagnostics: Sequence[Diagnostic], summary: dict[str, int], stream: TextIO) -> None:
    json.dump(
        {"version": JSON_SHAPE_VERSION, "diagnostics": [d.as_dict() for d in diagnostics], "summary": summary},
        stream, indent=2, ensure_ascii=False,
    )
    stream.write("\n")


def render(fmt: str, diagnostics: Sequence[Diagnostic], summary: dict[str, int], stream: TextIO | None = None) -> None:
    {"text": render_text, "json": render_json}[fmt](diagnostics, summary, stream or sys.stdout)


def exit_code(diagnostics: Sequence[Diagnostic], *, strict: bool, io_errors: int = 0) -> int:
    """0 clean, 1 findings (errors; warnings too under --strict), 2 usage or I/O error."""
    if io_errors:
        return 2
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return 1
    if strict and diagnostics:
        return 1
    return 0
