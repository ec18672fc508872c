"""Mutants: small, named, realistic bugs injected into a kernel in memory only.

A mutant replaces the code of one Python function (`engine.rmsnorm:rmsnorm`) for the
lifetime of one process (pv.mutants.reach): every reference to the function sees it,
however it was imported. `pv mutate` applies each mutant in a forked child of its fork
server; `PV_MUTANT=name pytest ...` applies one by hand (to replay a kill). Files on
disk are never touched, so an interrupted run cannot leave a half-mutated tree.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pv.errors import PvError
from pv.mutants import reach
from pv.mutants.reach import Applied

MUTANT_ENV = "PV_MUTANT"
CATALOGUE_ENV = "PV_MUTANTS_MODULE"
DEFAULT_CATALOGUE = "falsifiers.mutants"


class CatalogueError(PvError):
    """The mutant catalogue cannot be imported or is inconsistent."""


@dataclass(frozen=True)
class Mutant:
    """One injected bug: `make(original)` returns the replacement for `target`."""

    name: str
    contract: str  # contract stem whose falsifiers should kill it
    target: str  # "package.module:attribute"
    description: str
    make: Callable[[Any], Any]
    operator: str = "curated"  # generated mutants name their operator (pv.mutants.operators)
    diff: str = ""  # generated mutants: the one-line change as a unified diff


def load_catalogue(module: str | None = None, root: Path | None = None) -> list[Mutant]:
    """The project's mutants; `root` is put on sys.path so the catalogue imports as pytest sees it."""
    name = module or os.environ.get(CATALOGUE_ENV) or DEFAULT_CATALOGUE
    if root is not None and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        catalogue = importlib.import_module(name)
    except ImportError as missing:
        raise CatalogueError(f"cannot import the mutant catalogue {name!r} ({missing}); "
                             "set [tool.pv] mutants to the module that defines MUTANTS") from None
    mutants = list(getattr(catalogue, "MUTANTS"))
    names = [m.name for m in mutants]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CatalogueError(f"{name}: duplicate mutant names {', '.join(duplicates)}")
    return mutants


def apply(mutant: Mutant) -> Applied:
    """Put the mutant in place of its target's code, in this process only (see pv.mutants.reach)."""
    return reach.apply(mutant.target, mutant.make)


def apply_from_environment() -> Mutant | None:
    wanted = os.environ.get(MUTANT_ENV)
    if not wanted:
        return None
    for mutant in load_catalogue():
        if mutant.name == wanted:
            apply(mutant)
            return mutant
    raise LookupError(f"{MUTANT_ENV}={wanted}: no such mutant in the catalogue")
