"""Falsifiers of contracts/rmsnorm-kernel-v1.yaml, run against engine.rmsnorm.rmsnorm.

Every number (shapes, eps, tolerances, input ranges) is read from the falsifier's
`parameters` in the contract. Values are drawn from a numpy generator seeded by
hypothesis; each test also runs the contract's own case as an explicit `@example`, so
a mutant is met on the first example whatever the budget.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine.contract import ContractViolation
import engine.rmsnorm
from engine.rmsnorm import rmsnorm
from pv.testing import exercise_preconditions, falsifier

RN_001 = falsifier("FALSIFY-RN-001")
RN_002 = falsifier("FALSIFY-RN-002")
RN_003 = falsifier("FALSIFY-RN-003")
RN_004 = falsifier("FALSIFY-RN-004")
RN_005 = falsifier("FALSIFY-RN-005")
RN_006 = falsifier("FALSIFY-RN-006")
RN_007 = falsifier("FALSIFY-RN-007")
RN_008 = falsifier("FALSIFY-RN-008")
RN_009 = falsifier("FALSIFY-RN-009")

DTYPES = (np.float32, np.float64)
seeds = st.integers(0, 2**32 - 1)


def formula(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    """The contract's equation in float64, overflow-safe: rms = s * sqrt(mean((x/s)^2) + eps/s^2)."""
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    s = np.abs(x64).max(axis=-1, keepdims=True)
    s[s == 0] = 1.0
    u = x64 / s
    rms = s * np.sqrt(np.mean(u * u, axis=-1, keepdims=True) + (eps / s) / s)
    return x64 / rms * g64


SCALE_MIN = int(RN_001.param("log10_scale_min"))
SCALE_MAX = {np.float32: int(RN_001.param("log10_scale_max")), np.float64: int(RN_001.param("log10_scale_max_float64"))}
# each dtype over its own range: float64 rows whose x^2 overflows float64 too (the scaled path)
dtype_and_scale = st.sampled_from(DTYPES).flatmap(lambda dtype: st.tuples(st.just(dtype),
                                                                          st.integers(SCALE_MIN, SCALE_MAX[dtype])))


@pytest.mark.falsifies(RN_001.id)
@given(seed=seeds, rows=st.integers(1, int(RN_001.param("rows"))), n=st.integers(1, int(RN_001.param("n"))),
       case=dtype_and_scale)
@example(seed=0, rows=int(RN_001.param("rows")), n=int(RN_001.param("n")), case=(np.float32, 0))
@example(seed=0, rows=int(RN_001.param("rows")), n=int(RN_001.param("n")), case=(np.float64, 0))
@example(seed=1, rows=2, n=32, case=(np.float32, SCALE_MAX[np.float32]))
@example(seed=1, rows=2, n=32, case=(np.float64, SCALE_MAX[np.float64]))
@settings(deadline=None)
def test_matches_float64_formula(seed: int, rows: int, n: int, case: tuple[type, int]) -> None:
    """FALSIFY-RN-001: max |y - f64 formula| / max |f64 formula| <= rtol (1e-5 float32, 1e-13 float64),
    x ~ 10^k * N(0, 1) with k over the contract's range for the dtype (rows whose x^2 overflows included)."""
    dtype, log10_scale = case
    rng = np.random.default_rng(seed)
    eps = RN_001.param("eps")
    x = (rng.standard_normal((rows, n)) * 10.0**log10_scale).astype(dtype)
    g = rng.standard_normal(n).astype(dtype)
    expected = formula(x, g, eps)
    y = rmsnorm(x, g, eps)
    if y.dtype != x.dtype or y.shape != x.shape:
        RN_001.fail(f"output {y.dtype}{y.shape} for input {x.dtype}{x.shape}")
    scale = np.abs(expected).max()
    error = float(np.abs(y.astype(np.float64) - expected).max() / scale) if scale > 0 else float(np.abs(y).max())
    rtol = RN_001.param("rtol_float32" if dtype is np.float32 else "rtol_float64")
    RN_001.check_close(error, rtol, what=f"relative error ({np.dtype(dtype).name}, 10^{log10_scale} scale)")


@pytest.mark.falsifies(RN_002.id)
@given(seed=seeds, rows=st.integers(1, int(RN_002.param("rows"))), n=st.integers(1, int(RN_002.param("n"))),
       dtype=st.sampled_from(DTYPES))
@example(seed=0, rows=int(RN_002.param("rows")), n=int(RN_002.param("n")), dtype=np.float32)
@settings(deadline=None)
def test_zero_in_zero_out(seed: int, rows: int, n: int, dtype: type) -> None:
    """FALSIFY-RN-002: rmsnorm(0, g ~ N(0, 1), eps) is exactly 0 (and finite), float32 and float64."""
    g = np.random.default_rng(seed).standard_normal(n).astype(dtype)
    with np.errstate(invalid="ignore", divide="ignore"):  # a broken kernel's 0/0 is the finding, not a warning
        y = rmsnorm(np.zeros((rows, n), dtype=dtype), g, RN_002.param("eps"))
    if not np.isfinite(y).all():
        RN_002.fail(f"non-finite output for zero input ({np.dtype(dtype).name})")
    RN_002.check_close(float(np.abs(y).max()), 0.0, what="max |y| for zero input")


@pytest.mark.falsifies(RN_003.id)
@given(seed=seeds, rows=st.integers(1, int(RN_003.param("rows"))))
@example(seed=0, rows=int(RN_003.param("rows")))
@settings(deadline=None)
def test_unit_rms_with_unit_weight(seed: int, rows: int) -> None:
    """FALSIFY-RN-003: with g = 1, each row of x ~ N(0, s^2), s in [0.5, 2], has RMS(y) = 1 within
    tol + eps / (2 mean(x^2)) (a sum in place of the mean gives RMS 1/16 at n = 256)."""
    rng = np.random.default_rng(seed)
    n, eps = int(RN_003.param("n")), RN_003.param("eps")
    scales = rng.uniform(RN_003.param("scale_min"), RN_003.param("scale_max"), size=(rows, 1))
    x = rng.standard_normal((rows, n)) * scales
    y = rmsnorm(x, np.ones(n), eps)
    rms = np.sqrt(np.mean(y * y, axis=-1))
    slack = eps / (2.0 * np.mean(x * x, axis=-1))  # RMS(y) = sqrt(m / (m + eps)) >= 1 - eps / (2m)
    RN_003.check_close(float(np.max(np.abs(rms - 1.0) - slack)), RN_003.param("tol"), what="|RMS(y) - 1| beyond the eps term")


@pytest.mark.falsifies(RN_004.id)
@given(seed=seeds, rows=st.integers(1, int(RN_004.param("rows"))), n=st.integers(1, int(RN_004.param("n"))))
@example(seed=0, rows=int(RN_004.param("rows")), n=int(RN_004.param("n")))
@settings(deadline=None)
def test_scale_invariance(seed: int, rows: int, n: int) -> None:
    """FALSIFY-RN-004: |rmsnorm(a x) - sign(a) rmsnorm(x)| <= 1e-9 beyond the eps term
    |y| eps / (2 min(a^2, 1) mean(x^2)) for each contract scale a (eps = 1e-16, float64)."""
    rng = np.random.default_rng(seed)
    eps = RN_004.param("eps")
    x, g = rng.standard_normal((rows, n)), rng.standard_normal(n)
    y = rmsnorm(x, g, eps)
    mean_square = np.mean(x * x, axis=-1, keepdims=True)
    for a in RN_004.param("scales"):
        # "up to the eps term": a row with a tiny mean(x^2) (n = 1, x ~ 1e-4) feels eps at a = 0.01
        slack = np.abs(y) * eps / (2.0 * min(a * a, 1.0) * mean_square)
        error = float((np.abs(rmsnorm(a * x, g, eps) - math.copysign(1.0, a) * y) - slack).max())
        RN_004.check_close(error, RN_004.param("tol"), what=f"change under scaling by {a}, beyond the eps term")


@pytest.mark.falsifies(RN_005.id)
@given(n=st.integers(1, int(RN_005.param("n"))))
@example(n=int(RN_005.param("n")))
def test_eps_inside_sqrt(n: int) -> None:
    """FALSIFY-RN-005: rmsnorm(c 1_n, 1, eps) = c / sqrt(c^2 + eps) = 0.0995037190 (c = 1e-4, eps = 1e-6)
    for every n (eps outside the sqrt gives 0.990, eps dropped 1.0)."""
    c, eps, expected = RN_005.param("c"), RN_005.param("eps"), RN_005.param("expected")
    if abs(expected - c / math.sqrt(c * c + eps)) > RN_005.param("tol"):  # the contract's number is the formula's
        RN_005.fail(f"contract's expected {expected} is not c / sqrt(c^2 + eps) = {c / math.sqrt(c * c + eps)}")
    with np.errstate(invalid="ignore", divide="ignore"):
        y = rmsnorm(np.full(n, c), np.ones(n), eps)
    RN_005.check_close(float(np.abs(y - expected).max()), RN_005.param("tol"), what="|y - c / sqrt(c^2 + eps)|")


@pytest.mark.falsifies(RN_006.id)
@given(seed=seeds, rows=st.integers(1, int(RN_006.param("rows"))), n=st.integers(1, int(RN_006.param("n"))))
@example(seed=0, rows=int(RN_006.param("rows")), n=int(RN_006.param("n")))
@settings(deadline=None)
def test_weight_applied_after_normalisation(seed: int, rows: int, n: int) -> None:
    """FALSIFY-RN-006: rmsnorm(x, g) = g * rmsnorm(x, 1) within 1e-12, and the weight is not ignored
    (with g = 2 + |N(0, 1)|, so g != 1 everywhere)."""
    rng = np.random.default_rng(seed)
    eps = RN_006.param("eps")
    x = rng.standard_normal((rows, n))
    g = rng.standard_normal(n)
    y, unit = rmsnorm(x, g, eps), rmsnorm(x, np.ones(n), eps)
    RN_006.check_close(float(np.abs(y - g * unit).max()), RN_006.param("tol"), what="|rmsnorm(x, g) - g rmsnorm(x, 1)|")
    g_far = 2.0 + np.abs(rng.standard_normal(n))  # every |g_i - 1| >= 1: the weight must show
    effect = float(np.abs(rmsnorm(x, g_far, eps) - unit).max())
    if not effect > RN_006.param("min_effect") * float(np.abs(unit).max()):
        RN_006.fail(f"weight ignored: rmsnorm(x, g) - rmsnorm(x, 1) is only {effect:.3g}")


@pytest.mark.falsifies(RN_007.id)
@given(seed=seeds, shape=st.sampled_from([(64, 64), (3, 5, 32), (2, 7), (9, 1)]))
@example(seed=0, shape=(64, 64))
@example(seed=0, shape=(3, 5, 32))
@settings(deadline=None)
def test_rows_normalised_independently(seed: int, shape: tuple[int, ...]) -> None:
    """FALSIFY-RN-007: replacing row 0 by 10 * row 0 changes no other row's output (exactly), and each
    row equals rmsnorm of that row alone; shapes (64, 64) and (3, 5, 32) among others."""
    rng = np.random.default_rng(seed)
    eps = RN_007.param("eps")
    x = rng.standard_normal(shape)
    g = rng.standard_normal(shape[-1])
    y = rmsnorm(x, g, eps).reshape(-1, shape[-1])
    changed = x.copy().reshape(-1, shape[-1])
    changed[0] *= RN_007.param("factor")
    y_changed = rmsnorm(changed.reshape(shape), g, eps).reshape(-1, shape[-1])
    RN_007.check_close(float(np.abs(y_changed[1:] - y[1:]).max(initial=0.0)), 0.0, what="change of other rows")
    rows = x.reshape(-1, shape[-1])
    alone = np.stack([rmsnorm(row, g, eps) for row in rows])
    RN_007.check_close(float(np.abs(alone - y).max()), 0.0, what="row vs the row normalised alone")


@pytest.mark.falsifies(RN_008.id)
@given(seed=seeds, n=st.integers(1, int(RN_008.param("n"))), dtype=st.sampled_from(DTYPES))
@example(seed=0, n=int(RN_008.param("n")), dtype=np.float32)
@example(seed=0, n=int(RN_008.param("n")), dtype=np.float64)
@settings(deadline=None)
def test_finite_bounded_output(seed: int, n: int, dtype: type) -> None:
    """FALSIFY-RN-008: rows of magnitude 0, 1e-30, 1 and 1e30 give finite y with
    |y_i| <= sqrt(n) |g_i| (1 + 1e-6), float32 and float64."""
    rng = np.random.default_rng(seed)
    magnitudes = np.array(RN_008.param("magnitudes"), dtype=np.float64)[:, None]
    x = (rng.standard_normal((len(magnitudes), n)) * magnitudes).astype(dtype)
    g = rng.standard_normal(n).astype(dtype)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        y = rmsnorm(x, g, RN_008.param("eps"))
    if not np.isfinite(y).all():
        bad = sorted({float(magnitudes[r, 0]) for r in np.nonzero(~np.isfinite(y).all(axis=-1))[0]})
        RN_008.fail(f"non-finite output ({np.dtype(dtype).name}) for rows of magnitude {bad}")
    bound = math.sqrt(n) * np.abs(g.astype(np.float64)) * (1.0 + RN_008.param("slack"))
    excess = np.abs(y.astype(np.float64)) - bound
    RN_008.check_close(float(excess.max()), 0.0, what="|y_i| beyond sqrt(n) |g_i|")


@pytest.mark.falsifies(RN_009.id)
def test_preconditions_rejected() -> None:
    """FALSIFY-RN-009: eps in {0, -1e-6, nan}, a weight of shape (n + 1,), int64 or float16 x, NaN or
    Inf in x, and x of shape (4, 0) raise ContractViolation naming rmsnorm-kernel-v1 and the clause."""
    n = int(RN_009.param("n"))
    clauses = RN_009.document["equations"]["rmsnorm"]["preconditions"]
    x, g = np.ones((4, n)), np.ones(n)
    nan_x, inf_x = x.copy(), x.copy()
    nan_x[1, 2], inf_x[3, 0] = np.nan, np.inf
    cases = [
        ("eps", (x, g, 0.0)), ("eps", (x, g, -1e-6)), ("eps", (x, g, float("nan"))),
        ("weight_shape", (x, np.ones(n + 1), 1e-6)),
        ("dtype", (x.astype(np.int64), g.astype(np.int64), 1e-6)),
        ("dtype", (x.astype(np.float16), g.astype(np.float16), 1e-6)),
        ("finite", (nan_x, g, 1e-6)), ("finite", (inf_x, g, 1e-6)),
        ("rank", (np.ones((4, 0)), np.ones(0), 1e-6)),
    ]
    for key, args in cases:
        try:
            with np.errstate(all="ignore"):
                rmsnorm(*args)
        except ContractViolation as violation:
            text = str(violation)
            if "rmsnorm-kernel-v1" not in text or clauses[key] not in text:
                RN_009.fail(f"violation of '{key}' raised without naming the contract and its clause: {text}")
        else:
            RN_009.fail(f"precondition '{key}' violated ({clauses[key]}) but no ContractViolation was raised")
    # And one generated input per clause of the contract, whatever clauses it gains later.
    with np.errstate(all="ignore"):
        problems = exercise_preconditions(RN_009.contract, "rmsnorm", engine.rmsnorm._rmsnorm, ((x, g, 1e-6), {}),
                                          lambda x, weight, eps: rmsnorm(x, weight, eps))
    if problems:
        RN_009.fail("; ".join(problems))
