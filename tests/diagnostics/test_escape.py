"""Hostile text from contracts and file names never reaches a terminal, a log or a viewer raw.

The catalogue: ANSI/OSC escapes and bidi overrides in contract text and in a contract's
file name, through every command that prints them (status, equations, graph, lint in
text and github formats, falsify's summary) and `|`, HTML and a `javascript:` link in
scoreboard.md.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from pv.diagnostics.escape import github, json_text, markdown, terminal
from tests.conftest import VALID_CONTRACT
from tests.contracts.test_hostile_inputs import run_pv

ESC, RLO, CSI8 = "\x1b", "\u202e", "\x9b"
HOSTILE = f"{ESC}[2J{ESC}]0;owned\x07 PASS{RLO}LIAF{CSI8}31m"
RAW = re.compile(f"[{ESC}{RLO}{CSI8}\x07]")


def test_terminal_escapes_every_control_but_newline() -> None:
    assert terminal(f"a{ESC}[31mb\nc{RLO}d\te") == "a\\x1b[31mb\nc\\u202ed\\te"
    assert terminal("plain é 😀 text") == "plain é 😀 text"


def test_json_text_is_the_same_json_without_raw_controls() -> None:
    text = json.dumps({"k": HOSTILE + "é"}, ensure_ascii=False)
    assert not RAW.search(json_text(text)) and json.loads(json_text(text)) == {"k": HOSTILE + "é"}


def test_github_commands_cannot_be_injected() -> None:
    assert github("a\n::error::forged") == "a%0A::error::forged"
    assert github("x:y,z", property_value=True) == "x%3Ay%2Cz"
    assert not RAW.search(github(HOSTILE))


@pytest.mark.parametrize(("text", "forbidden"), [
    ("FAIL | DISCHARGED", " | "), ("<script>alert(1)</script>", "<script"), ("<img src=x onerror=alert(1)>", "<img"),
    ("[click](javascript:alert(1))", "](javascript"), ("![x](http://evil/x.png)", "!["), ("`code` *em*", "`code`"),
])
def test_markdown_is_literal(text: str, forbidden: str) -> None:
    assert forbidden not in markdown(text) and "\n" not in markdown(text + "\nnext")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "contracts").mkdir(parents=True)
    (root / "falsifiers").mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "h"\nversion = "0"\n\n[tool.pytest.ini_options]\ntestpaths = ["falsifiers"]\n')
    (root / "falsifiers" / "__init__.py").write_text("")
    (root / "falsifiers" / "test_identity.py").write_text(textwrap.dedent(f"""\
        import pytest

        @pytest.mark.falsifies("FALSIFY-ID-001")
        def test_identity():
            assert False, {HOSTILE!r}
        """))
    quoted = json.dumps(HOSTILE)
    text = VALID_CONTRACT.replace('description: "Identity kernel"', f"description: {quoted}")
    text = text.replace('formula: "f(x) = x"', f"formula: {quoted}", 1)
    text = text.replace('rule: "Identity"', f"rule: {json.dumps('[x](javascript:alert(1)) <b>|</b>')}")
    text = text.replace('version: "1.0.0"', 'version: "1.0.0"\n  status: "FAIL | DISCHARGED"\n  depends_on: ["x\\e[31m"]')
    (root / "contracts" / f"id{ESC}[31m{RLO}-v1.yaml").write_text(text)
    (root / "falsifiers" / "test_uncollectable.py").write_text(f"raise ImportError({HOSTILE!r})\n")
    return root


@pytest.mark.parametrize("command", [
    ("status",), ("status", "--format", "json"), ("equations",), ("equations", "--format", "json"), ("graph",),
    ("graph", "--format", "json"), ("graph", "--format", "dot"), ("graph", "--format", "mermaid"),
    ("lint",), ("lint", "--format", "github"), ("lint", "--format", "json"), ("validate",), ("falsify",),
    ("coverage",), ("coverage", "--format", "json"), ("audit",), ("audit", "--format", "json"), ("scoreboard",),
    ("diff", "CONTRACT", "CONTRACT"), ("diff", "CONTRACT", "CONTRACT", "--format", "json"),
])
def test_no_command_prints_hostile_text_raw(project: Path, command: tuple[str, ...]) -> None:
    [contract] = (project / "contracts").glob("*.yaml")
    command = tuple(str(contract.relative_to(project)) if part == "CONTRACT" else part for part in command)
    done = run_pv(project, *command, timeout=120)
    assert done.returncode in (0, 1, 2), done.stderr
    assert not RAW.search(done.stdout), (command, done.stdout[:2000])
    assert not RAW.search(done.stderr), (command, done.stderr[-2000:])
    if command[-1] == "json":
        json.loads(done.stdout)


def test_scoreboard_markdown_keeps_its_columns(project: Path) -> None:
    # written, and red: 'FAIL | DISCHARGED' is no lifecycle word, so the scoreboard says so and fails
    assert run_pv(project, "scoreboard", timeout=120).returncode == 1
    markdown_text = (project / "reports" / "scoreboard.md").read_text()
    rows = [line for line in markdown_text.splitlines() if line.startswith("| ")]
    header_cells = {len(re.split(r"(?<!\\)\|", row)) for row in rows}
    assert len(header_cells) == 2  # the contract table and the falsifier table, each one width
    assert "javascript:alert(1))" not in markdown_text.replace("\\(", "(").replace("\\)", ")").replace("\\[", "[").replace("\\]", "]") \
        or "](javascript" not in markdown_text
    assert "<b>" not in markdown_text and not RAW.search(markdown_text)
