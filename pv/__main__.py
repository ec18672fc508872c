"""`python -m pv`: the same CLI as the `pv` command, for when `pv` on PATH is another program
(Debian's Pipe Viewer is also called `pv`) or the environment's scripts are not on PATH."""

from __future__ import annotations

import sys

from pv.cli import main

if __name__ == "__main__":
    sys.exit(main())
