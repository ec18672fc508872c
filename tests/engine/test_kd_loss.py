"""engine.kd_loss (reference and fused) against torch autograd, finite differences and
the contract's preconditions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import yaml

from engine.contract import ContractViolation, contracts_dir
from engine.kd_loss import IMPLEMENTATIONS, kd_loss, kd_loss_fused, kd_loss_grad, kd_loss_grad_fused

CONTRACT = "kd-loss-v1"
LOSS_RTOL = {np.float32: 1e-5, np.float64: 1e-12}
GRAD_ATOL = {np.float32: 1e-7, np.float64: 1e-15}
NAMES = sorted(IMPLEMENTATIONS)


def _clauses() -> dict[str, str]:
    with (contracts_dir() / f"{CONTRACT}.yaml").open() as handle:
        return yaml.safe_load(handle)["equations"]["kd_loss"]["preconditions"]


def _oracle(zs: np.ndarray, zt: np.ndarray, y: np.ndarray, t: float, alpha: float) -> tuple[float, np.ndarray]:
    """alpha * T^2 * KL(p_t || p_s) + (1 - alpha) * CE, batch mean, and its autograd gradient."""
    f = torch.nn.functional
    s = torch.tensor(zs, requires_grad=True)
    kl = f.kl_div(f.log_softmax(s / t, -1), f.log_softmax(torch.from_numpy(zt) / t, -1), reduction="batchmean", log_target=True)
    loss = alpha * t * t * kl + (1 - alpha) * f.cross_entropy(s, torch.from_numpy(y))
    loss.backward()
    return loss.item(), s.grad.numpy()


def _inputs(dtype: type, n: int = 12, c: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    zs = (rng.standard_normal((n, c)) * 3).astype(dtype)
    zt = (rng.standard_normal((n, c)) * 3).astype(dtype)
    return zs, zt, rng.integers(0, c, n)


def test_public_names_are_the_fused_kernel() -> None:
    assert kd_loss is kd_loss_fused and kd_loss_grad is kd_loss_grad_fused
    assert set(IMPLEMENTATIONS) == {"reference", "fused"}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("temperature", [1.0, 2.0, 8.0])
@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
def test_matches_torch_autograd(name: str, dtype: type, temperature: float, alpha: float) -> None:
    loss_fn, grad_fn = IMPLEMENTATIONS[name]
    zs, zt, y = _inputs(dtype)
    expected_loss, expected_grad = _oracle(zs, zt, y, temperature, alpha)
    loss = loss_fn(zs, zt, y, temperature=temperature, alpha=alpha)
    grad = grad_fn(zs, zt, y, temperature=temperature, alpha=alpha)
    assert isinstance(loss, float)
    assert abs(loss - expected_loss) <= LOSS_RTOL[dtype] * abs(expected_loss)
    assert grad.dtype == zs.dtype and grad.shape == zs.shape
    assert np.abs(grad - expected_grad).max() <= GRAD_ATOL[dtype]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("temperature", "alpha"), [(1.0, 0.0), (1.0, 0.5), (4.0, 1.0), (4.0, 0.3), (0.5, 0.7)])
def test_gradient_matches_central_differences(name: str, temperature: float, alpha: float) -> None:
    loss_fn, grad_fn = IMPLEMENTATIONS[name]
    zs, zt, y = _inputs(np.float64, n=3, c=6, seed=4)
    grad = grad_fn(zs, zt, y, temperature=temperature, alpha=alpha)
    h = 1e-5
    numeric = np.empty_like(zs)
    for index in np.ndindex(zs.shape):
        plus, minus = zs.copy(), zs.copy()
        plus[index] += h
        minus[index] -= h
        numeric[index] = (
            loss_fn(plus, zt, y, temperature=temperature, alpha=alpha)
            - loss_fn(minus, zt, y, temperature=temperature, alpha=alpha)
        ) / (2 * h)
    assert np.abs(grad - numeric).max() <= 1e-8


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_reference_and_fused_agree(dtype: type) -> None:
    zs, zt, y = _inputs(dtype, n=16, c=200, seed=5)
    (ref_loss, ref_grad), (fused_loss, fused_grad) = IMPLEMENTATIONS["reference"], IMPLEMENTATIONS["fused"]
    for temperature in (1.0, 2.0, 8.0):
        for alpha in (0.0, 0.5, 1.0):
            kw = {"temperature": temperature, "alpha": alpha}
            a, b = ref_loss(zs, zt, y, **kw), fused_loss(zs, zt, y, **kw)
            assert abs(a - b) <= LOSS_RTOL[dtype] * abs(a)
            assert np.abs(ref_grad(zs, zt, y, **kw) - fused_grad(zs, zt, y, **kw)).max() <= GRAD_ATOL[dtype]


@pytest.mark.parametrize("name", NAMES)
def test_large_batch_uses_chunks_and_matches_torch(name: str) -> None:
    """Enough rows for several chunks (and the thread pool) in the fused kernel."""
    zs, zt, y = _inputs(np.float32, n=40, c=8000, seed=6)
    loss_fn, grad_fn = IMPLEMENTATIONS[name]
    expected_loss, expected_grad = _oracle(zs, zt, y, 2.0, 0.5)
    assert abs(loss_fn(zs, zt, y, temperature=2.0, alpha=0.5) - expected_loss) <= 1e-5 * abs(expected_loss)
    assert np.abs(grad_fn(zs, zt, y, temperature=2.0, alpha=0.5) - expected_grad).max() <= 1e-7


def _bad_calls() -> list[tuple[str, object]]:
    zs, zt, y = _inputs(np.float64, n=4, c=5, seed=7)
    ok = {"temperature": 2.0, "alpha": 0.5}
    calls: list[tuple[str, object]] = []
    for t in (0.0, -1.0, math.inf, math.nan):
        calls.append(("temperature", lambda f, t=t: f(zs, zt, y, temperature=t, alpha=0.5)))
    for a in (-0.1, 1.1, math.nan):
        calls.append(("alpha", lambda f, a=a: f(zs, zt, y, temperature=1.0, alpha=a)))
    calls += [
        ("labels", lambda f: f(zs, zt, np.array([0, 1, 2, -1]), **ok)),
        ("labels", lambda f: f(zs, zt, np.array([0, 1, 2, 5]), **ok)),
        ("labels", lambda f: f(zs, zt, y.astype(np.float64), **ok)),
        ("labels", lambda f: f(zs, zt, y[:3], **ok)),
        ("shapes", lambda f: f(zs, np.zeros((4, 6)), y, **ok)),
        ("rank", lambda f: f(zs[0], zt[0], y[:1], **ok)),
        ("rank", lambda f: f(zs[:0], zt[:0], y[:0], **ok)),
        ("dtype", lambda f: f(zs.astype(np.int64), zt.astype(np.int64), y, **ok)),
        ("dtype", lambda f: f(zs.astype(np.float16), zt.astype(np.float16), y, **ok)),
        ("dtype", lambda f: f(zs.astype(np.float32), zt, y, **ok)),
    ]
    for which in (0, 1):
        for bad in (np.nan, np.inf, -np.inf):
            for kw in ({"temperature": 1.0, "alpha": 0.5}, {"temperature": 2.0, "alpha": 1.0}, {"temperature": 2.0, "alpha": 0.0}):
                def call(f, which=which, bad=bad, kw=kw):
                    s, t = zs.copy(), zt.copy()
                    (s if which == 0 else t)[1, 2] = bad
                    return f(s, t, y, **kw)

                calls.append(("finite", call))
    return calls


@pytest.mark.parametrize("function", [f for name in NAMES for f in IMPLEMENTATIONS[name]], ids=lambda f: f.__name__)
@pytest.mark.parametrize(("key", "call"), _bad_calls())
def test_precondition_raises_with_contract_clause(function, key: str, call) -> None:
    with pytest.raises(ContractViolation) as caught:
        call(function)
    assert CONTRACT in str(caught.value)
    assert _clauses()[key] in str(caught.value)
    assert caught.value.clause_key == key
