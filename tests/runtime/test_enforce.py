"""pv.enforce in a scratch project outside the repository: the issue's acceptance checks."""

from __future__ import annotations

import importlib.util
import itertools
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import pv
from pv.runtime import UnsafeClause, clause_violation, precondition_check
from pv.runtime.checker import ClauseNameError

CONTRACT = """\
metadata: {version: "1.0.0", description: "scratch"}
equations:
  norm:
    formula: "y = x / sqrt(sum(x^2) + eps)"
    preconditions:
      - "x.ndim >= 1"
      - "isfinite(x).all()"
      - "eps > 0"
    postconditions:
      - "result.shape == x.shape"
  scaled:
    formula: "y = a * x"
    preconditions:
      finite: "isfinite(x).all()"
      positive: "all(v > 0 for v in (a, b))"
"""

KERNEL = """\
import numpy as np
import pv

CALLS = []

@pv.enforce("norm-v1", "norm")
def norm(x, eps=1e-6, *, truncate=False):
    CALLS.append(1)
    y = x / np.sqrt((x * x).sum() + eps)
    return y[:1] if truncate else y

@pv.enforce("norm-v1", "scaled")
def scaled(x, a, /, b=1.0):
    return a * b * x
"""

_names = itertools.count()


def _project(root: Path, contract: str = CONTRACT, kernel: str = KERNEL) -> Path:
    (root / "contracts").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "scratch"\nversion = "0"\n')
    (root / "contracts" / "norm-v1.yaml").write_text(contract)
    (root / "src" / "kernel.py").write_text(kernel)
    return root / "src" / "kernel.py"


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"scratch_kernel_{next(_names)}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.delenv("PV_CONTRACTS", raising=False)
    monkeypatch.delenv("PV_CONTRACTS_DIR", raising=False)
    return _import(_project(tmp_path))


def test_nan_input_names_the_contract_and_quotes_the_clause(kernel: ModuleType) -> None:
    with pytest.raises(pv.ContractViolation) as caught:
        kernel.norm(np.array([1.0, np.nan, 2.0]))
    message = str(caught.value)
    assert "norm-v1" in message and "'norm'" in message
    assert "(isfinite(x).all())" in message
    assert "1 NaN" in message and "shape (3,) float64" in message
    assert caught.value.clause_key == 1 and caught.value.kind == "precondition"
    assert kernel.CALLS == []  # the precondition ran before the body
    assert isinstance(caught.value, ValueError)


def test_violated_postcondition_raises(kernel: ModuleType) -> None:
    with pytest.raises(pv.ContractViolation, match=r"postcondition #0 .*\(result.shape == x.shape\)"):
        kernel.norm(np.ones(4), truncate=True)


def test_valid_input_passes_and_returns_the_result(kernel: ModuleType) -> None:
    y = kernel.norm(np.ones(4), eps=1e-6)
    np.testing.assert_allclose(y, np.full(4, 0.5), rtol=1e-6)
    assert kernel.scaled(np.ones(2), 2.0, b=3.0).tolist() == [6.0, 6.0]


def test_mapping_form_keys_and_generator_clause(kernel: ModuleType) -> None:
    with pytest.raises(pv.ContractViolation) as caught:
        kernel.scaled(np.ones(2), 2.0, b=-1.0)
    assert caught.value.clause_key == "positive"
    assert "precondition 'positive'" in str(caught.value)
    assert "b = -1.0" in str(caught.value)


def test_a_clause_that_raises_is_a_violation_not_a_crash(kernel: ModuleType) -> None:
    with pytest.raises(pv.ContractViolation, match="raised AttributeError"):
        kernel.norm([1.0, 2.0])


def test_wrong_call_is_the_functions_own_type_error(kernel: ModuleType) -> None:
    with pytest.raises(TypeError, match="norm"):
        kernel.norm()


def test_huge_array_summary_stays_short(kernel: ModuleType) -> None:
    with pytest.raises(pv.ContractViolation) as caught:
        kernel.norm(np.full(1_000_000, np.nan))
    assert len(str(caught.value)) < 400


def test_checks_off_returns_the_function_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PV_CONTRACTS", "off")
    module = _import(_project(tmp_path))
    assert not hasattr(module.norm, "__wrapped__")
    module.norm(np.array([np.nan]))  # nothing checked
    module.norm(np.ones(3), truncate=True)


def test_pre_mode_checks_preconditions_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PV_CONTRACTS", "pre")
    module = _import(_project(tmp_path))
    with pytest.raises(pv.ContractViolation):
        module.norm(np.array([np.nan]))
    assert module.norm(np.ones(3), truncate=True).shape == (1,)


def test_import_clause_is_refused_and_never_executed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PV_CONTRACTS", raising=False)
    marker = tmp_path / "PWNED"
    evil = CONTRACT.replace('"eps > 0"', f"\"__import__('os').system('touch {marker}') == 0\"")
    path = _project(tmp_path, contract=evil)
    with pytest.raises(UnsafeClause, match="underscore"):
        _import(path)
    assert not marker.exists()


def test_unknown_name_is_refused_at_decoration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PV_CONTRACTS", raising=False)
    path = _project(tmp_path, contract=CONTRACT.replace('"eps > 0"', '"epsilon > 0"'))
    with pytest.raises(ClauseNameError, match="'epsilon'"):
        _import(path)


def test_missing_contract_is_a_lookup_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PV_CONTRACTS", raising=False)
    path = _project(tmp_path, kernel=KERNEL.replace('"norm-v1", "norm"', '"nope-v1", "norm"'))
    with pytest.raises(LookupError, match="nope-v1"):
        _import(path)


def test_violation_pickles(kernel: ModuleType) -> None:
    with pytest.raises(pv.ContractViolation) as caught:
        kernel.norm(np.ones(2), eps=0.0)
    again = pickle.loads(pickle.dumps(caught.value))
    assert str(again) == str(caught.value) and again.clause_key == 2


def test_explicit_check_and_in_body_violation(kernel: ModuleType, tmp_path: Path) -> None:
    check = precondition_check("norm-v1", "norm", kernel.norm.__wrapped__)
    check(np.ones(2))
    with pytest.raises(pv.ContractViolation, match="eps > 0"):
        check(np.ones(2), eps=-1.0)
    made = clause_violation("norm-v1", "norm", 1, "x has a NaN", near=tmp_path / "src")
    assert "(isfinite(x).all())" in str(made)
    with pytest.raises(LookupError, match="does not state"):
        clause_violation("norm-v1", "norm", 7, "", near=tmp_path / "src")


def test_importing_pv_runtime_loads_neither_numpy_nor_pydantic() -> None:
    code = "import sys, pv, pv.runtime; print(sorted(m for m in ('numpy', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_engine_depends_on_pv_runtime_only() -> None:
    """engine/ may import pv.runtime (the point of the issue) and pv.project (discovery), nothing else of pv."""
    root = Path(__file__).resolve().parents[2] / "engine"
    imports = {line.split()[1] for path in root.glob("*.py") for line in path.read_text().splitlines()
               if line.startswith(("from pv", "import pv"))}
    assert imports <= {"pv.runtime", "pv.project", "pv"}, imports


def test_clauses_are_read_as_pv_validate_reads_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A repeated clause key: PyYAML's loader silently kept the last clause, so the kernel checked
    one text while `pv validate` reported the file as broken (SCHEMA-020). One loader: refused."""
    monkeypatch.delenv("PV_CONTRACTS", raising=False)
    repeated = CONTRACT.replace('      positive: "all(v > 0 for v in (a, b))"\n',
                                '      positive: "all(v > 0 for v in (a, b))"\n      finite: "True"\n')
    path = _project(tmp_path, contract=repeated)
    with pytest.raises(LookupError, match="SCHEMA-020 duplicate key 'finite'"):
        _import(path)
