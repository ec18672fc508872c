"""engine.rmsnorm against torch's rms_norm (the oracle) and its contract's preconditions."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import yaml

from engine.contract import ContractViolation, contracts_dir
from engine.rmsnorm import rmsnorm

CONTRACT = "rmsnorm-kernel-v1"
# Relative to the largest |y|: float32 rounding of a 4096-term sum of squares stays below
# 1e-6 in practice; the contract allows 1e-5 (RN-EQV-001).
RTOL = {np.float32: 1e-5, np.float64: 1e-13}


def _clauses() -> dict[str, str]:
    with (contracts_dir() / f"{CONTRACT}.yaml").open() as handle:
        return yaml.safe_load(handle)["equations"]["rmsnorm"]["preconditions"]


def _oracle(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    t = torch.nn.functional.rms_norm(torch.from_numpy(x), (x.shape[-1],), torch.from_numpy(g), eps)
    return t.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (5, 300), (2, 3, 64), (64, 4096), (0, 16)])
@pytest.mark.parametrize("eps", [1e-6, 1e-2])
def test_matches_torch(dtype: type, shape: tuple[int, ...], eps: float) -> None:
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * rng.uniform(0.1, 10)).astype(dtype)
    g = rng.standard_normal(shape[-1]).astype(dtype)
    y = rmsnorm(x, g, eps)
    expected = _oracle(x, g, eps)
    assert y.dtype == x.dtype and y.shape == x.shape
    if x.size:
        assert np.abs(y - expected).max() <= RTOL[dtype] * np.abs(expected).max()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_and_extreme_rows_stay_finite(dtype: type) -> None:
    big = 1e30 if dtype == np.float32 else 1e200  # squares overflow: the scaled fallback path
    x = np.stack([np.zeros(16), np.full(16, 1e-30), np.linspace(-1, 1, 16), np.full(16, big)]).astype(dtype)
    g = np.ones(16, dtype)
    y = rmsnorm(x, g, 1e-6)
    assert np.isfinite(y).all()
    assert (y[0] == 0).all()
    np.testing.assert_allclose(y[3], 1.0, rtol=1e-6)
    np.testing.assert_allclose(y[2], _oracle(x[2:3], g, 1e-6)[0], rtol=RTOL[dtype], atol=RTOL[dtype])


def _bad_inputs() -> list[tuple[str, tuple, dict]]:
    x = np.ones((2, 8))
    nan_x, inf_w = x.copy(), np.ones(8)
    nan_x[1, 3] = np.nan
    inf_w[0] = np.inf
    return [
        ("dtype", (x.astype(np.int64), np.ones(8, np.int64)), {}),
        ("dtype", (x.astype(np.float16), np.ones(8, np.float16)), {}),
        ("dtype", (x.astype(np.float32), np.ones(8)), {}),
        ("rank", (np.float64(1.0), np.ones(1)), {}),
        ("rank", (np.ones((4, 0)), np.ones(0)), {}),
        ("weight_shape", (x, np.ones(9)), {}),
        ("weight_shape", (x, np.ones((1, 8))), {}),
        ("eps", (x, np.ones(8)), {"eps": 0.0}),
        ("eps", (x, np.ones(8)), {"eps": -1e-6}),
        ("eps", (x, np.ones(8)), {"eps": float("nan")}),
        ("finite", (nan_x, np.ones(8)), {}),
        ("finite_weight", (x, inf_w), {}),
    ]


@pytest.mark.parametrize(("key", "args", "kwargs"), _bad_inputs())
def test_precondition_raises_with_contract_clause(key: str, args: tuple, kwargs: dict) -> None:
    with pytest.raises(ContractViolation) as caught:
        rmsnorm(*args, **kwargs)
    message = str(caught.value)
    assert CONTRACT in message
    assert _clauses()[key] in message
    assert caught.value.clause_key == key
