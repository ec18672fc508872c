"""The one error family of pv's library: a `PvError` means the run cannot go on as asked.

Library code raises a subclass with a message a person can act on (what, where, what to
do next); `pv.cli.main` is the one place that turns it into `pv COMMAND: message` and
exit 2. Findings about contracts are never exceptions: they are diagnostics.
"""

from __future__ import annotations


class PvError(Exception):
    """A usage, configuration or environment problem that stops a command (exit 2)."""
