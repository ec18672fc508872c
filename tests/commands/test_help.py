"""Every command's --help shows an example that runs that command."""

from __future__ import annotations

import pytest

from pv.cli import build_parser, main


def _commands() -> list[str]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if a.dest == "command"]
    return sorted(sub.choices or {})


def test_every_command_is_listed() -> None:
    assert len(_commands()) >= 15 and {"check", "validate", "lint", "falsify", "mutate", "scoreboard"} <= set(_commands())


@pytest.mark.parametrize("command", _commands())
def test_help_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out and f"pv {command}" in out
