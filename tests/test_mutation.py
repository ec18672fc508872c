"""A mutant reaches the kernel however the tests import it, re-exports by the package included."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pv.mutation import Mutant, apply


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    pkg = tmp_path / "reexportkern"
    pkg.mkdir()
    (pkg / "ops.py").write_text("def double(x):\n    return 2 * x\n")
    (pkg / "__init__.py").write_text("from reexportkern.ops import double\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield pkg
    for name in [n for n in sys.modules if n.split(".")[0] == "reexportkern"]:
        del sys.modules[name]


def test_a_mutant_of_a_submodule_reaches_the_package_re_export(package: Path) -> None:
    mutant = Mutant("double-plus-one", "kern-v1", "reexportkern.ops:double", "adds one", lambda f: lambda x: f(x) + 1)
    applied = apply(mutant)
    import reexportkern
    from reexportkern import ops

    assert applied.target == "reexportkern.ops:double"
    assert reexportkern.double(2) == 5 and ops.double(2) == 5
    applied.restore()
    assert reexportkern.double(2) == 4 and ops.double(2) == 4
