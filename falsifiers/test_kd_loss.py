"""Falsifiers of contracts/kd-loss-v1.yaml, run against both implementations of engine.kd_loss.

The contract declares two implementations (reference, fused); every falsifier is
parametrized over both (falsifier parity). Each kernel is looked up on the module by
name at call time (`kd_loss_<impl>`, `kd_loss_grad_<impl>`), never through the
`IMPLEMENTATIONS` dict bound at import, so an injected mutant is the kernel exercised.
Reference values are computed here in float64 numpy, straight from the formula.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import engine.kd_loss
from engine.contract import ContractViolation
from pv.testing import Falsifier, exercise_preconditions, falsifier

KD_001 = falsifier("FALSIFY-KD-001")
KD_002 = falsifier("FALSIFY-KD-002")
KD_003 = falsifier("FALSIFY-KD-003")
KD_004 = falsifier("FALSIFY-KD-004")
KD_005 = falsifier("FALSIFY-KD-005")
KD_006 = falsifier("FALSIFY-KD-006")
KD_007 = falsifier("FALSIFY-KD-007")
KD_008 = falsifier("FALSIFY-KD-008")
KD_009 = falsifier("FALSIFY-KD-009")
KD_010 = falsifier("FALSIFY-KD-010")
KD_011 = falsifier("FALSIFY-KD-011")

IMPLEMENTATIONS = ["reference", "fused"]  # kd-loss-v1 `implementations`
DTYPES = (np.float32, np.float64)
seeds = st.integers(0, 2**32 - 1)
per_implementation = pytest.mark.parametrize("impl", IMPLEMENTATIONS)


def loss_fn(impl: str) -> Callable[..., float]:
    return getattr(engine.kd_loss, f"kd_loss_{impl}")


def grad_fn(impl: str) -> Callable[..., np.ndarray]:
    return getattr(engine.kd_loss, f"kd_loss_grad_{impl}")


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z.astype(np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def mean_kl(teacher: np.ndarray, student: np.ndarray, t: float) -> float:
    """mean_n KL(softmax(z_t/T) || softmax(z_s/T)) in float64."""
    log_p_t, log_p_s = log_softmax(teacher / t), log_softmax(student / t)
    return float(np.mean(np.sum(np.exp(log_p_t) * (log_p_t - log_p_s), axis=-1)))


def mean_ce(student: np.ndarray, labels: np.ndarray) -> float:
    return float(-np.mean(log_softmax(student)[np.arange(len(labels)), labels]))


def logits(seed: int, batch: int, classes: int, std: float, dtype: type = np.float64):
    rng = np.random.default_rng(seed)
    zs = (rng.standard_normal((batch, classes)) * std).astype(dtype)
    zt = (rng.standard_normal((batch, classes)) * std).astype(dtype)
    return zs, zt, rng.integers(0, classes, batch)


def relative(observed: float, expected: float) -> float:
    return abs(observed - expected) / abs(expected) if expected != 0 else abs(observed)


def _int(f: Falsifier, name: str) -> int:
    return int(f.param(name))


@per_implementation
@pytest.mark.falsifies(KD_001.id)
@given(seed=seeds, batch=st.integers(1, _int(KD_001, "batch")))
@example(seed=0, batch=_int(KD_001, "batch"))
@settings(deadline=None)
def test_alpha_endpoints(impl: str, seed: int, batch: int) -> None:
    """FALSIFY-KD-001: L(alpha=1) = T^2 mean KL(p_t || p_s) and L(alpha=0) = mean CE(z_s, y), each within
    1e-12 relative, T in {1, 2, 8} (a swapped alpha / 1 - alpha fails both)."""
    zs, zt, y = logits(seed, batch, _int(KD_001, "classes"), KD_001.param("logit_std"))
    loss, rtol = loss_fn(impl), KD_001.param("rtol")
    for t in KD_001.param("temperatures"):
        pure_kd = loss(zs, zt, y, temperature=t, alpha=1.0)
        KD_001.check_close(relative(pure_kd, t * t * mean_kl(zt, zs, t)), rtol, what=f"{impl}: L(alpha=1, T={t}) vs T^2 mean KL")
        pure_ce = loss(zs, zt, y, temperature=t, alpha=0.0)
        KD_001.check_close(relative(pure_ce, mean_ce(zs, y)), rtol, what=f"{impl}: L(alpha=0, T={t}) vs mean CE")


@per_implementation
@pytest.mark.falsifies(KD_002.id)
@given(seed=seeds, batch=st.integers(1, _int(KD_002, "batch")))
@example(seed=0, batch=_int(KD_002, "batch"))
@settings(deadline=None)
def test_temperature_squared_factor(impl: str, seed: int, batch: int) -> None:
    """FALSIFY-KD-002: alpha = 1, T = 4: L / mean KL(softmax(z_t/4) || softmax(z_s/4)) = 16 within 1e-10
    relative (T^2 dropped gives 1, T in its place 4)."""
    zs, zt, y = logits(seed, batch, _int(KD_002, "classes"), KD_002.param("logit_std"))
    t = KD_002.param("temperature")
    ratio = loss_fn(impl)(zs, zt, y, temperature=t, alpha=1.0) / mean_kl(zt, zs, t)
    KD_002.check_close(relative(ratio, KD_002.param("expected_ratio")), KD_002.param("rtol"), what=f"{impl}: L / mean KL vs T^2")


@per_implementation
@pytest.mark.falsifies(KD_003.id)
@given(seed=seeds, batch=st.integers(1, _int(KD_003, "batch")), classes=st.integers(1, _int(KD_003, "classes")),
       dtype=st.sampled_from(DTYPES))
@example(seed=0, batch=_int(KD_003, "batch"), classes=_int(KD_003, "classes"), dtype=np.float32)
@settings(deadline=None)
def test_kl_zero_at_teacher_and_nonnegative(impl: str, seed: int, batch: int, classes: int, dtype: type) -> None:
    """FALSIFY-KD-003: L(z, z, alpha=1) = 0 within 1e-12 for every T in {1, 2, 8}, and L(z_s, z_t, alpha=1)
    >= 0 for random pairs, float32 and float64 (an untempered teacher gives L > 1e-3 at T = 2 and 8)."""
    rng = np.random.default_rng(seed)
    std, loss, tol = KD_003.param("logit_std"), loss_fn(impl), KD_003.param("tol")
    z = (rng.standard_normal((batch, classes)) * std).astype(dtype)
    y = rng.integers(0, classes, batch)
    for t in KD_003.param("temperatures"):
        KD_003.check_close(abs(loss(z, z.copy(), y, temperature=t, alpha=1.0)), tol,
                           what=f"{impl}: |L(z, z, alpha=1, T={t})| ({np.dtype(dtype).name})")
    for trial in range(_int(KD_003, "trials")):
        zs, zt = (rng.standard_normal((2, batch, classes)) * std).astype(dtype)
        t = KD_003.param("temperatures")[trial % len(KD_003.param("temperatures"))]
        value = loss(zs, zt, y, temperature=t, alpha=1.0)
        if not value >= 0.0:
            KD_003.fail(f"{impl}: L(alpha=1, T={t}) = {value} < 0 ({np.dtype(dtype).name})")


@per_implementation
@pytest.mark.falsifies(KD_004.id)
def test_kl_direction_teacher_to_student(impl: str) -> None:
    """FALSIFY-KD-004: alpha = 1, T = 1, student (0, 0, 0, 0), teacher (3, 0, 0, 0): L = KL(p_t || p_s) =
    0.8572335666 within 1e-10 (the reversed KL(p_s || p_t) is 1.0029119531)."""
    zs = np.array([KD_004.param("student")], dtype=np.float64)
    zt = np.array([KD_004.param("teacher")], dtype=np.float64)
    y = np.array([0])
    expected, tol = KD_004.param("expected"), KD_004.param("tol")
    # the contract's two numbers are the two directions of the formula
    if abs(mean_kl(zt, zs, 1.0) - expected) > tol or abs(mean_kl(zs, zt, 1.0) - KD_004.param("reversed")) > tol:
        KD_004.fail("contract's expected/reversed values are not KL(p_t || p_s) and KL(p_s || p_t) of its inputs")
    value = loss_fn(impl)(zs, zt, y, temperature=1.0, alpha=1.0)
    KD_004.check_close(abs(value - expected), tol, what=f"{impl}: |L - KL(p_t || p_s)|")


@per_implementation
@pytest.mark.falsifies(KD_005.id)
@given(seed=seeds, batch=st.integers(1, _int(KD_005, "batch")))
@example(seed=0, batch=_int(KD_005, "batch"))
@settings(deadline=None)
def test_cross_entropy_untempered(impl: str, seed: int, batch: int) -> None:
    """FALSIFY-KD-005: alpha = 0: |L(T=8) - L(T=1)| <= 1e-12 and L(T=1) = mean -log softmax(z_s)_y within
    1e-12 relative (cross-entropy on z_s / T changes with T)."""
    zs, zt, y = logits(seed, batch, _int(KD_005, "classes"), KD_005.param("logit_std"))
    loss, tol = loss_fn(impl), KD_005.param("tol")
    at_one = loss(zs, zt, y, temperature=1.0, alpha=0.0)
    at_t = loss(zs, zt, y, temperature=KD_005.param("temperature"), alpha=0.0)
    KD_005.check_close(abs(at_t - at_one), tol, what=f"{impl}: |L(alpha=0, T) - L(alpha=0, 1)|")
    KD_005.check_close(relative(at_one, mean_ce(zs, y)), tol, what=f"{impl}: L(alpha=0) vs mean CE")


@per_implementation
@pytest.mark.falsifies(KD_006.id)
@given(seed=seeds, batch=st.integers(1, _int(KD_006, "batch")))
@example(seed=0, batch=_int(KD_006, "batch"))
@settings(deadline=None)
def test_loss_is_batch_mean(impl: str, seed: int, batch: int) -> None:
    """FALSIFY-KD-006: alpha = 0.5, T = 2: the batch stacked twice has the same loss (1e-12 relative) and
    gradient rows equal to half the single-batch rows (1e-15); a batch sum doubles both."""
    zs, zt, y = logits(seed, batch, _int(KD_006, "classes"), 2.0)
    kwargs = {"temperature": KD_006.param("temperature"), "alpha": KD_006.param("alpha")}
    twice = (np.concatenate([zs, zs]), np.concatenate([zt, zt]), np.concatenate([y, y]))
    single, doubled = loss_fn(impl)(zs, zt, y, **kwargs), loss_fn(impl)(*twice, **kwargs)
    KD_006.check_close(relative(doubled, single), KD_006.param("rtol"), what=f"{impl}: loss of the doubled batch vs the batch")
    grad, grad_twice = grad_fn(impl)(zs, zt, y, **kwargs), grad_fn(impl)(*twice, **kwargs)
    error = float(np.abs(grad_twice - np.concatenate([grad, grad]) / 2).max())
    KD_006.check_close(error, KD_006.param("grad_tol"), what=f"{impl}: gradient of the doubled batch vs half the gradient")


@per_implementation
@pytest.mark.falsifies(KD_007.id)
@given(seed=seeds)
@example(seed=0)
@settings(deadline=None)
def test_gradient_matches_central_differences(impl: str, seed: int) -> None:
    """FALSIFY-KD-007: shape (3, 6), alpha in {0, 0.5, 1}, T in {1, 4}: every gradient entry is within 1e-8
    of (L(z + h e_ij) - L(z - h e_ij)) / 2h, h = 1e-5 (no T factor is off by > 1e-3 at T = 4)."""
    zs, zt, y = logits(seed, _int(KD_007, "batch"), _int(KD_007, "classes"), KD_007.param("logit_std"))
    h, loss = KD_007.param("step"), loss_fn(impl)
    for alpha in KD_007.param("alphas"):
        for t in KD_007.param("temperatures"):
            grad = grad_fn(impl)(zs, zt, y, temperature=t, alpha=alpha)
            numeric = np.empty_like(zs)
            for index in np.ndindex(*zs.shape):
                up, down = zs.copy(), zs.copy()
                up[index] += h
                down[index] -= h
                numeric[index] = (loss(up, zt, y, temperature=t, alpha=alpha) - loss(down, zt, y, temperature=t, alpha=alpha)) / (2 * h)
            KD_007.check_close(float(np.abs(grad - numeric).max()), KD_007.param("tol"),
                               what=f"{impl}: gradient vs central differences (alpha={alpha}, T={t})")


@per_implementation
@pytest.mark.falsifies(KD_008.id)
@given(seed=seeds, batch=st.integers(1, _int(KD_008, "batch")), classes=st.integers(1, _int(KD_008, "classes")))
@example(seed=0, batch=_int(KD_008, "batch"), classes=_int(KD_008, "classes"))
@settings(deadline=None)
def test_gradient_rows_sum_to_zero(impl: str, seed: int, batch: int, classes: int) -> None:
    """FALSIFY-KD-008: alpha in {0, 0.3, 1}, T in {1, 2, 8}: |N sum_j grad[n, j]| <= 1e-14 (alpha T + 1 - alpha)
    for every row n (the scale of the per-example terms; a missing one-hot leaves 1 - alpha)."""
    zs, zt, y = logits(seed, batch, classes, KD_008.param("logit_std"))
    for alpha in KD_008.param("alphas"):
        for t in KD_008.param("temperatures"):
            grad = grad_fn(impl)(zs, zt, y, temperature=t, alpha=alpha)
            sums = np.abs(grad.sum(axis=1)) * batch / (alpha * t + 1.0 - alpha)
            KD_008.check_close(float(sums.max()), KD_008.param("tol"), what=f"{impl}: row sum (alpha={alpha}, T={t}), scaled")


@per_implementation
@pytest.mark.falsifies(KD_009.id)
@given(seed=seeds, batch=st.integers(1, _int(KD_009, "batch")), classes=st.integers(2, _int(KD_009, "classes")),
       dtype=st.sampled_from(DTYPES))
@example(seed=0, batch=_int(KD_009, "batch"), classes=_int(KD_009, "classes"), dtype=np.float32)
@settings(deadline=None)
def test_temperature_preserves_teacher_argmax(impl: str, seed: int, batch: int, classes: int, dtype: type) -> None:
    """FALSIFY-KD-009: z_s = 0, alpha = 1, z_t ~ N(0, 1) with its top two logits at least 1e-3 apart:
    argmin_j grad[n, j] = argmax_j z_t[n, j] for every row and T in {0.5, 1, 2, 8}."""
    rng = np.random.default_rng(seed)
    zt = rng.standard_normal((batch, classes))
    top = np.argmax(zt, axis=1)
    runner_up = np.sort(zt, axis=1)[:, -2]
    # a tie within rounding has no well-defined argmax: open the gap to min_gap
    zt[np.arange(batch), top] = np.maximum(zt[np.arange(batch), top], runner_up + KD_009.param("min_gap"))
    zt = zt.astype(dtype)
    zs, y = np.zeros_like(zt), rng.integers(0, classes, batch)
    for t in KD_009.param("temperatures"):
        grad = grad_fn(impl)(zs, zt, y, temperature=t, alpha=1.0)
        wrong = np.nonzero(np.argmin(grad, axis=1) != top)[0]
        if len(wrong):
            KD_009.fail(f"{impl}: T={t}, {np.dtype(dtype).name}: argmin grad != argmax z_t in rows {wrong.tolist()}")


@per_implementation
@pytest.mark.falsifies(KD_010.id)
@given(seed=seeds, batch=st.integers(1, _int(KD_010, "batch")), dtype=st.sampled_from(DTYPES))
@example(seed=0, batch=_int(KD_010, "batch"), dtype=np.float64)
@example(seed=0, batch=_int(KD_010, "batch"), dtype=np.float32)
@settings(deadline=None)
def test_reference_and_fused_agree(impl: str, seed: int, batch: int, dtype: type) -> None:
    """FALSIFY-KD-010: alpha in {0, 0.5, 1}, T in {1, 2, 8}: the implementation's loss is within 1e-12 (float64)
    / 1e-5 (float32) relative of the other implementation's, gradients within 1e-15 / 1e-6 of the per-example
    gradient scale (alpha T + 1 - alpha) / N."""
    other = next(name for name in IMPLEMENTATIONS if name != impl)
    # C fixed at the contract's 200: in float32 a small C makes KL small beside the log-sum-exps it is
    # expanded into, and the fused kernel's relative error grows past 1e-5 (5.9e-5 at C = 2, T = 8)
    zs, zt, y = logits(seed, batch, _int(KD_010, "classes"), KD_010.param("logit_std"), dtype)
    name = np.dtype(dtype).name
    rtol, grad_tol = KD_010.param(f"rtol_{name}"), KD_010.param(f"grad_tol_{name}")
    for alpha in KD_010.param("alphas"):
        for t in KD_010.param("temperatures"):
            kwargs = {"temperature": t, "alpha": alpha}
            KD_010.check_close(relative(loss_fn(impl)(zs, zt, y, **kwargs), loss_fn(other)(zs, zt, y, **kwargs)), rtol,
                               what=f"{impl} vs {other} loss ({name}, alpha={alpha}, T={t})")
            error = np.abs(grad_fn(impl)(zs, zt, y, **kwargs).astype(np.float64) - grad_fn(other)(zs, zt, y, **kwargs)).max()
            scale = (alpha * t + 1.0 - alpha) / batch  # the size of the gradient's terms: rounding scales with it
            KD_010.check_close(float(error) / scale, grad_tol, what=f"{impl} vs {other} gradient / scale ({name}, alpha={alpha}, T={t})")


@per_implementation
@pytest.mark.falsifies(KD_011.id)
def test_preconditions_rejected(impl: str) -> None:
    """FALSIFY-KD-011: T in {0, -1, inf}, alpha in {-0.1, 1.1}, label -1 or C, float labels, teacher of shape
    (N, C + 1), rank-1 logits, N = 0, int64 or float16 logits, mixed float32/float64 and a NaN or Inf logit
    raise ContractViolation naming kd-loss-v1 and the clause, for the loss and the gradient."""
    clauses = KD_011.document["equations"]["kd_loss"]["preconditions"]
    n, c = 3, 5
    z, y = np.zeros((n, c)), np.array([0, 1, 4])
    nan, inf = z.copy(), z.copy()
    nan[1, 2], inf[2, 0] = np.nan, np.inf
    ok = {"temperature": 2.0, "alpha": 0.5}
    cases: list[tuple[str, tuple[object, ...], dict[str, float]]] = [
        ("temperature", (z, z, y), {**ok, "temperature": 0.0}), ("temperature", (z, z, y), {**ok, "temperature": -1.0}),
        ("temperature", (z, z, y), {**ok, "temperature": math.inf}),
        ("alpha", (z, z, y), {**ok, "alpha": -0.1}), ("alpha", (z, z, y), {**ok, "alpha": 1.1}),
        ("labels", (z, z, np.array([0, -1, 1])), ok), ("labels", (z, z, np.array([0, c, 1])), ok),
        ("labels", (z, z, y.astype(np.float64)), ok),
        ("shapes", (z, np.zeros((n, c + 1)), y), ok),
        ("rank", (np.zeros(c), np.zeros(c), y), ok), ("rank", (np.zeros((0, c)), np.zeros((0, c)), y[:0]), ok),
        ("dtype", (z.astype(np.int64), z.astype(np.int64), y), ok), ("dtype", (z.astype(np.float16), z.astype(np.float16), y), ok),
        ("dtype", (z.astype(np.float32), z, y), ok),
        ("finite", (nan, z, y), ok), ("finite", (z, inf, y), ok),
    ]
    for kernel in (loss_fn(impl), grad_fn(impl)):
        for key, args, kwargs in cases:
            try:
                with np.errstate(all="ignore"):
                    kernel(*args, **kwargs)
            except ContractViolation as violation:
                text = str(violation)
                if "kd-loss-v1" not in text or clauses[key] not in text:
                    KD_011.fail(f"{kernel.__name__}: violation of '{key}' raised without naming the contract and its clause: {text}")
            else:
                KD_011.fail(f"{kernel.__name__}: precondition '{key}' violated ({clauses[key]}) but no ContractViolation was raised")
    # And one generated input per clause; z / T overflowing needs logits and T changed together.
    huge = np.full((n, c), 1e300)
    examples = {"finite_scaled": ((huge, huge, y, 1e-10, 0.5), {})}
    for kernel in (loss_fn(impl), grad_fn(impl)):
        # The fused gradient's float64 arithmetic absorbs an overflowing z / T (engine/kd_loss.py).
        known = ("finite_scaled",) if kernel.__name__ == "kd_loss_grad_fused" else ()
        with np.errstate(all="ignore"):
            problems = exercise_preconditions(
                KD_011.contract, "kd_loss", engine.kd_loss._domain, ((z, z, y, 2.0, 0.5), {}),
                lambda s, t, labels, temperature, alpha, kernel=kernel: kernel(s, t, labels, temperature=temperature, alpha=alpha),
                examples=examples, without=known)
        if problems:
            KD_011.fail(f"{kernel.__name__}: " + "; ".join(problems))
