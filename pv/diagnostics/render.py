"""Renderers: diagnostics in, text out. Renderers never decide what is a finding."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from pv import __version__
from pv.diagnostics.diagnostic import Diagnostic, Severity
from pv.diagnostics.escape import github, json_text, terminal
from pv.diagnostics.rules import RULES

FORMATS = ("text", "json", "sarif", "github")
JSON_SHAPE_VERSION = 1


def counted(value: int, noun: str) -> str:
    """"1 file", "2 files": a count with its plural noun in the number it needs."""
    return f"{value} {noun[:-1] if value == 1 and noun.endswith('s') else noun}"


def summary_line(summary: dict[str, int]) -> str:
    """"1 file, 2 contracts, 0 errors"."""
    return ", ".join(counted(value, name) for name, value in summary.items())


def _use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def render_text(diagnostics: Sequence[Diagnostic], summary: dict[str, int], stream: TextIO) -> None:
    colour = _use_colour(stream)
    for d in diagnostics:
        code = d.code
        if colour:
            code = f"\033[{'31' if d.severity is Severity.ERROR else '33'}m{code}\033[0m"
        stream.write(f"{terminal(d.path)}:{d.line}:{d.col}: {code} {terminal(d.message)}\n")
        for hint in d.hints:
            stream.write(f"    hint: {terminal(hint)}\n")
    stream.write(summary_line(summary) + "\n")


def render_json(diagnostics: Sequence[Diagnostic], summary: dict[str, int], stream: TextIO) -> None:
    stream.write(json_text(json.dumps(
        {"version": JSON_SHAPE_VERSION, "diagnostics": [d.as_dict() for d in diagnostics], "summary": summary},
        indent=2, ensure_ascii=False)))
    stream.write("\n")


def render_sarif(diagnostics: Sequence[Diagnostic], summary: dict[str, int], stream: TextIO) -> None:
    """SARIF 2.1.0 as GitHub code scanning accepts it: rules, levels, physical locations."""
    codes = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    rules = []
    for code in codes:
        known = RULES.get(code)
        rule_entry: dict[str, object] = {"id": code, "name": code.replace("-", "")}
        if known is not None:
            rule_entry.update({
                "shortDescription": {"text": known.summary},
                "fullDescription": {"text": known.why},
                "help": {"text": known.fix},
                "defaultConfiguration": {"level": known.severity.value},
            })
        rules.append(rule_entry)
    results = []
    for d in diagnostics:
        location: dict[str, object] = {"artifactLocation": {"uri": _uri(d.path), "uriBaseId": "%SRCROOT%"}}
        if d.line > 0:  # line 0 means "the whole file": SARIF then carries no region
            location["region"] = {"startLine": d.line, "startColumn": max(d.col, 1)}
        results.append({
            "ruleId": d.code, "ruleIndex": index[d.code], "level": d.severity.value,
            "message": {"text": d.message + "".join(f"\n{hint}" for hint in d.hints)},
            "locations": [{"physicalLocation": location}],
        })
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pv", "version": __version__, "rules": rules,
                                "informationUri": "https://github.com/paiml/provable-contracts"}},
            "results": results,
            "properties": {"summary": summary},
        }],
    }
    stream.write(json_text(json.dumps(log, indent=2, ensure_ascii=False)))
    stream.write("\n")


def _uri(path: str) -> str:
    return Path(path).as_posix().removeprefix("./")


def render_github(diagnostics: Sequence[Diagnostic], summary: dict[str, int], stream: TextIO) -> None:
    """GitHub Actions workflow commands: one annotation per diagnostic, then the summary."""
    for d in diagnostics:
        command = "error" if d.severity is Severity.ERROR else "warning"
        where = f"file={github(d.path, property_value=True)}"
        if d.line > 0:
            where += f",line={d.line},col={max(d.col, 1)}"
        message = "\n".join((d.message, *d.hints))
        stream.write(f"::{command} {where},title={github(d.code, property_value=True)}::{github(message)}\n")
    stream.write(summary_line(summary) + "\n")


RENDERERS = {"text": render_text, "json": render_json, "sarif": render_sarif, "github": render_github}


def render(fmt: str, diagnostics: Sequence[Diagnostic], summary: dict[str, int], stream: TextIO | None = None) -> None:
    RENDERERS[fmt](diagnostics, summary, stream or sys.stdout)


def exit_code(diagnostics: Sequence[Diagnostic], *, strict: bool, io_errors: int = 0) -> int:
    """0 clean, 1 findings (errors; warnings too under --strict), 2 usage or I/O error."""
    if io_errors:
        return 2
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return 1
    if strict and diagnostics:
        return 1
    return 0
