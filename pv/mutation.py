"""Mutants: small, named, realistic bugs injected into a kernel in memory only.

A mutant replaces one attribute of one module (`engine.rmsnorm:rmsnorm`) for the
lifetime of a pytest process: the pv plugin applies it at start-up when `PV_MUTANT`
names it, before any test module is imported. Files on disk are never touched, so an
interrupted run cannot leave a half-mutated tree.
"""

from __future__ import annotations

import difflib
import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pv.errors import PvError

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
    listed = getattr(catalogue, "MUTANTS", None)
    if not isinstance(listed, (list, tuple)) or not all(isinstance(x, Mutant) for x in listed):
        raise CatalogueError(f"{name}: MUTANTS must be a list of pv.mutation.Mutant")
    mutants = list(listed)
    names = [m.name for m in mutants]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CatalogueError(f"{name}: duplicate mutant names {', '.join(duplicates)}")
    return mutants


def target_problem(mutant: Mutant) -> str | None:
    """Why `mutant.target` cannot be patched (bad form, no module, no attribute), or None.

    Checked before any mutant runs: a typo would otherwise crash every pytest child at
    start-up and read as "pytest exited 3".
    """
    module_name, colon, attribute = mutant.target.partition(":")
    if not colon or not module_name or not attribute:
        return f"target '{mutant.target}' must read 'package.module:attribute'"
    try:
        module = importlib.import_module(module_name)
    except ImportError as missing:
        return f"target '{mutant.target}': cannot import {module_name} ({missing})"
    if not hasattr(module, attribute):
        names = [n for n in dir(module) if not n.startswith("_")]
        close = difflib.get_close_matches(attribute, names, n=1)
        hint = f"; did you mean '{module_name}:{close[0]}'?" if close else ""
        return f"target '{mutant.target}': {module_name} has no attribute '{attribute}'{hint}"
    return None


def apply(mutant: Mutant) -> list[str]:
    """Swap the target attribute for the mutant, in this process only; returns every name patched.

    Importing the target module first runs its package's `__init__`, which may already have
    re-exported the original (`from pkg.ops import softmax` in `pkg/__init__.py`); a test doing
    `from pkg import softmax` would then never see the mutant, and it would "survive" a good
    falsifier. So every module of the same top-level package that holds the very same object
    under the same name gets the mutant too.
    """
    module_name, _, attribute = mutant.target.partition(":")
    module = importlib.import_module(module_name)
    original = getattr(module, attribute)
    replacement = mutant.make(original)
    package = module_name.split(".")[0]
    patched = []
    for name, loaded in list(sys.modules.items()):
        if loaded is None or not (name == package or name.startswith(package + ".")):
            continue
        if loaded is module or getattr(loaded, attribute, None) is original:
            setattr(loaded, attribute, replacement)
            patched.append(f"{name}:{attribute}")
    return sorted(patched)


def apply_from_environment() -> Mutant | None:
    wanted = os.environ.get(MUTANT_ENV)
    if not wanted:
        return None
    for mutant in load_catalogue():
        if mutant.name == wanted:
            apply(mutant)
            return mutant
    raise LookupError(f"{MUTANT_ENV}={wanted}: no such mutant in the catalogue")
