"""Untrusted text (contract fields, file names, test messages) made safe for each output.

A contract is written by anyone who can open a pull request, and pv's output is read in
terminals, CI logs, Markdown viewers and browsers. An ANSI escape can rewrite what a
terminal shows (a FAIL redrawn as PASS), a right-to-left override can reorder it, a `|`
can shift a Markdown table's columns, and raw HTML or a `javascript:` link can run in a
viewer. Each output format has exactly one function here, and every renderer of that
format goes through it:

- `terminal`: text for a terminal or a log. Keeps newlines; every other character that is
  not printable (C0/C1 controls, ESC, bidi overrides and isolates, zero-width marks) is
  shown as its Python escape (`\\x1b`, `\\u202e`).
- `github`: a GitHub Actions workflow command's message or property (after `terminal`).
- `json_text`: JSON printed for a terminal: the same characters as \\u escapes (JSON
  already escapes the C0 controls; C1 and bidi characters it leaves raw).
- `markdown`: a Markdown table cell or inline text: no HTML, no link, no column break.
- HTML is Jinja's autoescape (pv/reports/templates), which escapes every field.
"""

from __future__ import annotations

import re


def _escape_char(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")


def _line(line: str) -> str:
    if line.isprintable():  # the common case, at C speed
        return line
    return "".join(c if c.isprintable() else _escape_char(c) for c in line)


def terminal(text: str) -> str:
    """`text` with every non-printable character but the newline escaped."""
    return "\n".join(_line(line) for line in text.split("\n"))


_NOT_PRINTABLE_OUTSIDE_ASCII = re.compile(r"[\u0080-\U0010ffff]")


def json_text(text: str) -> str:
    """JSON text with non-printable non-ASCII characters as \\u escapes (still the same JSON)."""
    if text.isprintable():
        return text

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if char.isprintable():
            return char
        code = ord(char)
        if code > 0xFFFF:  # a surrogate pair, as JSON spells it
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    return _NOT_PRINTABLE_OUTSIDE_ASCII.sub(escape, text)


def github(text: str, *, property_value: bool = False) -> str:
    """A workflow command's message (or, with `property_value`, a `file=`/`title=` value)."""
    escaped = terminal(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escaped.replace(":", "%3A").replace(",", "%2C") if property_value else escaped


# Characters that make Markdown (CommonMark + GFM) inline syntax: code, emphasis, links
# and images, strikethrough, table columns. `<`, `>` and `&` become entities (no HTML,
# no `<scheme:...>` autolink). Line-start syntax (#, -, +) cannot occur inside a cell.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()!|~])")


def markdown(text: str) -> str:
    """Inline Markdown showing `text` literally: one line, HTML as entities, every
    Markdown punctuation backslash-escaped (no link, no emphasis, no column break)."""
    one_line = " ".join(terminal(text).split("\n"))
    entities = one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", entities)
