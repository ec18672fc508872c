"""Generated mutants: each operator of the issue makes its bug, named by operator and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from pv.mutants.generated import compile_generated, generate
from pv.mutants.operators import OPERATORS

KERNEL = '''\
import numpy as np


def norm(x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - m)
    s = np.sqrt(np.mean(e * e, axis=-1, keepdims=True) + eps)
    for i in range(x.shape[0]):
        if x[i, 0] < 0.5:
            e[i] = e[i] * 2.0
    return e[:, 1:] / s + np.sum(x, axis=0)[0]
'''


def kernel(tmp_path: Path) -> Path:
    (tmp_path / "opkern").mkdir()
    (tmp_path / "opkern" / "__init__.py").write_text("")
    (tmp_path / "opkern" / "k.py").write_text(KERNEL)
    return tmp_path


def test_every_operator_of_the_issue_has_a_mutant(tmp_path: Path) -> None:
    made = generate("c", ["opkern.k:norm"], kernel(tmp_path))
    assert set(OPERATORS) <= {m.operator for m in made}
    names = [m.name for m in made]
    assert len(names) == len(set(names))
    assert "eps-move@opkern/k.py:8" in names and "max-sub-drop@opkern/k.py:7" in names
    move = next(m for m in made if m.name == "eps-move@opkern/k.py:8")
    assert move.diff.splitlines()[2:] == [
        "@@ -8 +8 @@",
        "-    s = np.sqrt(np.mean(e * e, axis=-1, keepdims=True) + eps)",
        "+    s = (np.sqrt(np.mean(e * e, axis=-1, keepdims=True)) + eps)"]
    assert move.description == ("'np.sqrt(np.mean(e * e, axis=-1, keepdims=True) + eps)' -> "
                                "'np.sqrt(np.mean(e * e, axis=-1, keepdims=True)) + eps' in norm")


def test_names_stay_when_the_code_does_not_move(tmp_path: Path) -> None:
    root = kernel(tmp_path)
    first = [m.name for m in generate("c", ["opkern.k:norm"], root)]
    assert first == [m.name for m in generate("c", ["opkern.k:norm"], root)]


def test_a_generated_mutant_compiles_to_the_changed_function(tmp_path: Path) -> None:
    root = kernel(tmp_path)
    made = {m.name: m for m in generate("c", ["opkern.k:norm"], root)}
    namespace: dict = {"np": np, "__name__": "opkern.k"}
    exec(compile(KERNEL, "k.py", "exec"), namespace)
    original = namespace["norm"]
    mutant = compile_generated(made["max-sub-drop@opkern/k.py:7"].spec())(original)
    x = np.array([[800.0, 799.0, 1.0]])
    assert np.isfinite(original(x)).all() and not np.isfinite(mutant(x)).all()
    assert mutant.__code__.co_filename == str(root / "opkern" / "k.py")


def test_helpers_reached_by_name_and_re_exports_are_mutated(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from pkg.impl import top\n")
    (tmp_path / "pkg" / "impl.py").write_text(textwrap.dedent('''\
        TABLE = {"a": lambda v: _helper(v)}


        def _helper(v):
            return v.sum(axis=0)


        def _unused(v):
            return v.max(axis=0)


        def top(v):
            return TABLE["a"](v)
        '''))
    targets = {m.target for m in generate("c", ["pkg:top"], tmp_path)}
    assert targets == {"pkg.impl:_helper"}
