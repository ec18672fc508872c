"""A mutant reaches its target however the kernel is referenced, and says when it cannot."""

from __future__ import annotations

import math
import sys
import types
from collections.abc import Iterator

import pytest

from pv.mutants.reach import MutantRefused, apply


@pytest.fixture()
def kernel_module() -> Iterator[types.ModuleType]:
    """A module `kern` with a plain function, a closure, a method and a dict of implementations."""
    module = types.ModuleType("pv_reach_kern")
    exec(
        "def scale(x, k=2):\n    return x * k\n"
        "def _outer():\n    offset = 1\n    def shifted(x):\n        return x + offset\n    return shifted\n"
        "shifted = _outer()\n"
        "class Norm:\n    def apply(self, x):\n        return x / 2\n"
        "IMPLEMENTATIONS = {'scale': scale}\n",
        module.__dict__)
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


def test_every_reference_sees_the_mutant_and_restore_undoes_it(kernel_module: types.ModuleType) -> None:
    imported = kernel_module.scale  # `from kern import scale`, taken before the mutant
    table = kernel_module.IMPLEMENTATIONS
    applied = apply("pv_reach_kern:scale", lambda original: lambda x, k=2: original(x, k) + 100)
    assert (imported(1), table["scale"](1), kernel_module.scale(1)) == (102, 102, 102)
    assert applied.reached and applied.calls[0] == 3
    applied.restore()
    assert imported(1) == 2


def test_a_mutant_that_never_runs_is_not_reached(kernel_module: types.ModuleType) -> None:
    applied = apply("pv_reach_kern:scale", lambda original: lambda x, k=2: -x)
    assert not applied.reached
    applied.restore()


def test_closures_and_methods_are_reached(kernel_module: types.ModuleType) -> None:
    held = kernel_module.shifted
    closure = apply("pv_reach_kern:shifted", lambda original: lambda x: original(x) * 10)
    method = apply("pv_reach_kern:Norm.apply", lambda original: lambda self, x: x)
    try:
        assert held(1) == 20  # the original closure's cell (offset = 1) still serves the copy
        assert kernel_module.Norm().apply(8) == 8
    finally:
        closure.restore()
        method.restore()


@pytest.mark.parametrize(("target", "why"), [
    ("math:sqrt", "builtin or C function"),
    ("pv_reach_kern:IMPLEMENTATIONS", "not a function"),
    ("pv_reach_kern:missing", "'missing' not found"),
    ("pv_reach_kern", "a target is"),
    ("no_such_module_xyz:f", "cannot import"),
])
def test_targets_that_cannot_be_mutated_in_place_are_refused(kernel_module: types.ModuleType, target: str,
                                                             why: str) -> None:
    with pytest.raises(MutantRefused, match=why):
        apply(target, lambda original: original)
    assert math.sqrt(4.0) == 2.0
