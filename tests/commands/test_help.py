"""Every new command's --help shows an example."""

from __future__ import annotations

import pytest

from pv.cli import main


@pytest.mark.parametrize("command", ["status", "audit", "coverage", "diff", "graph", "equations", "new"])
def test_help_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out and f"pv {command}" in out
