"""A new user's project, written to a temporary directory: not pv's layout, not pv's names.

The tests import the kernel the natural way, through the package's re-export
(`from mykern import softmax`), which an attribute-swapping mutant never reaches. The
package also exports `rms_scale`, which no test calls.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

FILES = {
    "pyproject.toml": """\
        [project]
        name = "mykern"
        version = "0.0.0"

        [tool.pytest.ini_options]
        testpaths = ["tests"]

        [tool.pv]
        mutants = "catalogue"
        """,
    "mykern/__init__.py": """\
        from mykern.kernels import rms_scale, softmax

        __all__ = ["rms_scale", "softmax"]
        """,
    "mykern/kernels.py": """\
        import numpy as np


        def softmax(x):
            x = np.asarray(x, dtype=np.float64)
            m = np.max(x, axis=-1, keepdims=True)
            e = np.exp(x - m)
            return e / np.sum(e, axis=-1, keepdims=True)


        def rms_scale(x, eps=1e-6):
            x = np.asarray(x, dtype=np.float64)
            return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
        """,
    "catalogue/__init__.py": """\
        import numpy as np

        from pv.mutation import Mutant


        def _no_max_subtraction(original):
            def softmax(x):
                e = np.exp(np.asarray(x, dtype=np.float64))
                return e / np.sum(e, axis=-1, keepdims=True)
            return softmax


        def _eps_dropped(original):
            def rms_scale(x, eps=1e-6):
                x = np.asarray(x, dtype=np.float64)
                return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True))
            return rms_scale


        MUTANTS = [
            Mutant("softmax-no-max-subtraction", "softmax-v1", "mykern.kernels:softmax",
                   "exp(x) without subtracting max(x): overflows for large logits", _no_max_subtraction),
            Mutant("rms-eps-dropped", "softmax-v1", "mykern.kernels:rms_scale",
                   "rms_scale without eps (no test calls rms_scale)", _eps_dropped),
            Mutant("exp-of-numpy", "softmax-v1", "numpy:exp", "a ufunc: no Python code", lambda original: original),
        ]
        """,
    "tests/__init__.py": "",
    "tests/test_softmax.py": """\
        import numpy as np
        import pytest
        from hypothesis import given, strategies as st
        from hypothesis.extra.numpy import arrays

        from mykern import softmax

        logits = arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 8)),
                        elements=st.floats(-800, 800))


        @pytest.mark.falsifies("FALSIFY-SM-001")
        @given(logits)
        def test_rows_sum_to_one(x):
            p = softmax(x)
            assert np.all(np.isfinite(p)) and np.all(p >= 0)
            assert np.allclose(p.sum(axis=-1), 1.0, atol=1e-9)


        @pytest.mark.falsifies("FALSIFY-SM-002")
        @given(logits, st.floats(-100, 100))
        def test_shift_invariant(x, c):
            assert np.allclose(softmax(x + c), softmax(x), atol=1e-9)


        @pytest.mark.falsifies("FALSIFY-SM-003")
        def test_known_values():
            p = softmax(np.array([[0.0, np.log(3.0)], [1.0, 1.0]]))
            assert np.allclose(p, [[0.25, 0.75], [0.5, 0.5]], atol=1e-12)
            assert p.dtype == np.float64
        """,
    "contracts/softmax-v1.yaml": """\
        metadata:
          version: "1.0.0"
          description: "Softmax over the last axis"
          references: ["Bridle (1990) Probabilistic interpretation of feedforward classification network outputs"]
        equations:
          softmax:
            formula: "p_i = exp(x_i - max(x)) / sum_j exp(x_j - max(x))"
        proof_obligations:
          - type: invariant
            property: "every row is a probability distribution"
            formal: "p_i >= 0 and sum_i p_i = 1"
        mutation:
          kernels: ["mykern.kernels:softmax"]
        falsification_tests:
          - id: FALSIFY-SM-001
            rule: "a distribution"
            prediction: "every row is finite, non-negative and sums to one"
            test: "tests/test_softmax.py::test_rows_sum_to_one"
            if_fails: "overflow or a wrong normaliser"
          - id: FALSIFY-SM-002
            rule: "shift invariance"
            prediction: "softmax(x + c) == softmax(x)"
            test: "tests/test_softmax.py::test_shift_invariant"
            if_fails: "the normaliser depends on the offset"
          - id: FALSIFY-SM-003
            rule: "known values"
            prediction: "softmax([0, log 3]) = [1/4, 3/4], float64"
            test: "tests/test_softmax.py::test_known_values"
            if_fails: "wrong formula or precision"
        """,
}


def make_project(where: Path) -> Path:
    project = where / "mykern-project"
    for name, text in FILES.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return project
