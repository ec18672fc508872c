"""Knowledge-distillation loss (Hinton et al. 2015), contract `kd-loss-v1`.

    L = mean_n [ alpha * T^2 * KL(softmax(z_t/T) || softmax(z_s/T)) + (1 - alpha) * CE(z_s, y) ]

    dL/dz_s[n] = ( alpha * T * (softmax(z_s/T) - softmax(z_t/T))
                   + (1 - alpha) * (softmax(z_s) - onehot(y)) ) / N

The T^2 factor keeps the soft-target gradient on the scale of the hard-target one
(Hinton et al. 2015, section 2). Two implementations of one contract, both listed in
`IMPLEMENTATIONS` so each falsifier runs against both:

- reference: one example at a time, in float64, spelled as the formula reads.
- fused: whole batch in row chunks, in the input dtype, with per-row scalars in float64.
  KL is expanded so that no log-probability array is ever materialised:
      KL_n = sum_j p_t,j (a_j - b_j) - lse(a) + lse(b),   a = z_t/T, b = z_s/T,
  because sum_j p_t,j = 1. When student == teacher both terms are computed by the same
  operations on the same numbers, so KL is exactly 0.

The loss is returned as a Python float (accumulated in float64); the gradient has the
dtype of the student logits.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np

from engine.contract import ContractViolation, precondition_check, violation

CONTRACT = "kd-loss-v1"
EQUATION = "kd_loss"

_CHUNK_BYTES = 1 << 19  # rows per chunk: a chunk of both inputs plus buffers stays in L2
_PARALLEL_MIN = 1 << 18


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="kd_loss")


def _violation(key: str, detail: str) -> ContractViolation:
    return violation(CONTRACT, EQUATION, key, detail)


def _domain(student: np.ndarray, teacher: np.ndarray, labels: np.ndarray, temperature: float, alpha: float) -> None:
    """The names the contract's clauses read, after the kernels convert their inputs to arrays."""


# Four kernels (loss and gradient, reference and fused) share one domain, so they call
# one check from `_prepare` rather than each carrying a decorator. `finite` and
# `finite_scaled` are checked in the bodies: they ride on reductions the kernels compute
# anyway (`_check_finite` runs only when one came out non-finite). `finite_scaled` is seen
# through its effect, a non-finite loss or gradient from finite logits: a kernel whose
# float64 arithmetic absorbs an overflowing z / T (the fused gradient does) accepts it.
_check = precondition_check(CONTRACT, EQUATION, _domain, without=("finite", "finite_scaled"))


def _check_finite(student: np.ndarray, teacher: np.ndarray, result: np.ndarray | float) -> None:
    """Slow path, reached only when a cheap reduction came out non-finite.

    A reduction of finite logits can overflow while the result is still finite; only
    non-finite inputs, or a non-finite result (logits / T overflowing), are violations.
    """
    for name, a in (("student", student), ("teacher", teacher)):
        if not np.isfinite(a).all():
            raise _violation("finite", f"{name} logits contain NaN or Inf")
    if not np.isfinite(result).all():
        raise _violation("finite_scaled", "logits / temperature overflow the dtype")


def _prepare(
    student_logits: object, teacher_logits: object, labels: object, temperature: float, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    zs, zt, y = np.asarray(student_logits), np.asarray(teacher_logits), np.asarray(labels)
    _check(zs, zt, y, temperature, alpha)
    return zs, zt, y


# --------------------------------------------------------------------------- reference


def _log_softmax64(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max()
    return shifted - math.log(np.exp(shifted).sum())


def kd_loss_reference(
    student_logits: np.ndarray, teacher_logits: np.ndarray, labels: np.ndarray, *, temperature: float, alpha: float
) -> float:
    """Per-example loop in float64, written as the contract's formula reads."""
    zs, zt, y = _prepare(student_logits, teacher_logits, labels, temperature, alpha)
    t = float(temperature)
    total = 0.0
    for n in range(zs.shape[0]):
        s_row, t_row = zs[n].astype(np.float64), zt[n].astype(np.float64)
        if not (np.isfinite(s_row).all() and np.isfinite(t_row).all()):
            _check_finite(zs, zt, math.nan)
        log_p_s = _log_softmax64(s_row / t)
        log_p_t = _log_softmax64(t_row / t)
        kl = float(np.sum(np.exp(log_p_t) * (log_p_t - log_p_s)))
        ce = -float(_log_softmax64(s_row)[y[n]])
        total += alpha * t * t * kl + (1.0 - alpha) * ce
    loss = total / zs.shape[0]
    if not math.isfinite(loss):
        _check_finite(zs, zt, loss)
    return loss


def kd_loss_grad_reference(
    student_logits: np.ndarray, teacher_logits: np.ndarray, labels: np.ndarray, *, temperature: float, alpha: float
) -> np.ndarray:
    """Gradient of the batch-mean loss w.r.t. the student logits, one example at a time."""
    zs, zt, y = _prepare(student_logits, teacher_logits, labels, temperature, alpha)
    t = float(temperature)
    n_rows = zs.shape[0]
    grad = np.empty(zs.shape, dtype=np.float64)
    for n in range(n_rows):
        s_row, t_row = zs[n].astype(np.float64), zt[n].astype(np.float64)
        if not (np.isfinite(s_row).all() and np.isfinite(t_row).all()):
            _check_finite(zs, zt, math.nan)
        p_s_t = np.exp(_log_softmax64(s_row / t))
        p_t_t = np.exp(_log_softmax64(t_row / t))
        p_s = np.exp(_log_softmax64(s_row))
        onehot = np.zeros_like(p_s)
        onehot[y[n]] = 1.0
        grad[n] = (alpha * t * (p_s_t - p_t_t) + (1.0 - alpha) * (p_s - onehot)) / n_rows
    if not np.isfinite(grad).all():
        _check_finite(zs, zt, grad)
    return grad.astype(zs.dtype)


# --------------------------------------------------------------------------- fused


def _chunks(zs: np.ndarray) -> list[slice]:
    n, c = zs.shape
    step = max(1, _CHUNK_BYTES // (c * zs.itemsize))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def _map(work: Callable[[slice], object], zs: np.ndarray) -> list:
    def quiet(rows: slice) -> object:
        # NaN/Inf logits are reported as the `finite` clause after the pass, not as warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return work(rows)

    chunks = _chunks(zs)
    if zs.size >= _PARALLEL_MIN and len(chunks) > 1:
        return list(_pool().map(quiet, chunks))
    return [quiet(s) for s in chunks]


def _exp_shifted(z: np.ndarray, m: np.ndarray, inv_t: float, out: np.ndarray) -> np.ndarray:
    """out = exp((z - max) / T) and the row sums, in float64. exp(...) <= 1: no overflow."""
    np.subtract(z, m[:, None], out=out)
    if inv_t != 1.0:
        out *= out.dtype.type(inv_t)
    np.exp(out, out=out)
    return out.sum(axis=1, dtype=np.float64)


def kd_loss_fused(
    student_logits: np.ndarray, teacher_logits: np.ndarray, labels: np.ndarray, *, temperature: float, alpha: float
) -> float:
    """Batched loss: three exp passes (teacher/T, student/T, student) and two row dots per chunk."""
    zs, zt, y = _prepare(student_logits, teacher_logits, labels, temperature, alpha)
    t = float(temperature)
    inv_t = 1.0 / t

    def work(rows: slice) -> float:
        s, tt = zs[rows], zt[rows]
        ms, mt = s.max(axis=1), tt.max(axis=1)
        buf = np.empty_like(s)
        sum_t = _exp_shifted(tt, mt, inv_t, buf)
        # sum_j p_t,j (a_j - b_j) = (e_t . z_t - e_t . z_s) / (T * sum e_t). A NaN/Inf in
        # either input makes one of these dots non-finite (e_t > 0, or 0 * inf = NaN),
        # which the caller's finiteness test on the loss catches: no extra pass.
        cross = (np.einsum("ij,ij->i", buf, tt).astype(np.float64) - np.einsum("ij,ij->i", buf, s)) / (t * sum_t)
        lse_a = mt.astype(np.float64) * inv_t + np.log(sum_t)
        sum_b = _exp_shifted(s, ms, inv_t, buf)
        lse_b = ms.astype(np.float64) * inv_t + np.log(sum_b)
        # KL >= 0 exactly; rounding can leave -1e-9 when the distributions agree.
        kl = np.maximum(cross - lse_a + lse_b, 0.0)
        if t == 1.0:
            lse_s = lse_b
        else:
            lse_s = ms.astype(np.float64) + np.log(_exp_shifted(s, ms, 1.0, buf))
        ce = lse_s - s[np.arange(s.shape[0]), y[rows]]
        return float(np.sum(alpha * t * t * kl + (1.0 - alpha) * ce))

    loss = math.fsum(_map(work, zs)) / zs.shape[0]
    if not math.isfinite(loss):
        _check_finite(zs, zt, loss)
    return loss


def kd_loss_grad_fused(
    student_logits: np.ndarray, teacher_logits: np.ndarray, labels: np.ndarray, *, temperature: float, alpha: float
) -> np.ndarray:
    """Batched gradient, written chunk by chunk into one output array of the input dtype."""
    zs, zt, y = _prepare(student_logits, teacher_logits, labels, temperature, alpha)
    t = float(temperature)
    inv_t = 1.0 / t
    n_rows = zs.shape[0]
    grad = np.empty_like(zs)

    def work(rows: slice) -> bool:
        s, tt, g = zs[rows], zt[rows], grad[rows]
        # The chunk is in cache: these sums are the cheap finite-input check.
        ok = bool(np.isfinite(s.sum() + tt.sum()))
        ms, mt = s.max(axis=1), tt.max(axis=1)
        buf = np.empty_like(s)
        sum_t = _exp_shifted(tt, mt, inv_t, buf)
        sum_b = _exp_shifted(s, ms, inv_t, g)
        # g = alpha*T/N * softmax(z_s/T) - alpha*T/N * softmax(z_t/T) + (1-alpha)/N * (softmax(z_s) - onehot)
        kd = alpha * t / n_rows
        if t == 1.0:
            g *= ((kd + (1.0 - alpha) / n_rows) / sum_b).astype(s.dtype)[:, None]
        else:
            g *= (kd / sum_b).astype(s.dtype)[:, None]
        buf *= (kd / sum_t).astype(s.dtype)[:, None]
        g -= buf
        if t != 1.0 and alpha != 1.0:
            sum_s = _exp_shifted(s, ms, 1.0, buf)
            buf *= ((1.0 - alpha) / n_rows / sum_s).astype(s.dtype)[:, None]
            g += buf
        g[np.arange(g.shape[0]), y[rows]] -= s.dtype.type((1.0 - alpha) / n_rows)
        return ok and bool(np.isfinite(sum_t).all() and np.isfinite(sum_b).all())

    if not all(_map(work, zs)):
        _check_finite(zs, zt, grad)
    return grad


kd_loss = kd_loss_fused
kd_loss_grad = kd_loss_grad_fused

IMPLEMENTATIONS: dict[str, tuple[Callable[..., float], Callable[..., np.ndarray]]] = {
    "reference": (kd_loss_reference, kd_loss_grad_reference),
    "fused": (kd_loss_fused, kd_loss_grad_fused),
}
