"""Helpers for command tests: run `pv` in-process and capture what it prints."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from pv.cli import main


@pytest.fixture
def pv(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """`pv(*argv)` -> (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def as_json(text: str) -> Any:
    return json.loads(text)
