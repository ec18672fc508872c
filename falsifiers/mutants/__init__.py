"""The mutant catalogue: realistic bugs per kernel family, one module per family.

Each module exports `MUTANTS: list[pv.mutation.Mutant]`; this package gathers them all
for `pv mutate`. A mutant replaces one module attribute in memory (never a file).
"""

from __future__ import annotations

import importlib
import pkgutil

from pv.mutation import Mutant

MUTANTS: list[Mutant] = []
for _info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
    MUTANTS.extend(importlib.import_module(f"{__name__}.{_info.name}").MUTANTS)
