"""RMSNorm (Zhang & Sennrich 2019), contract `rmsnorm-kernel-v1`.

    y_i = x_i / sqrt(mean(x^2) + eps) * g_i        over the last axis

Precision: the kernel computes in the input dtype (float32 or float64). The sum of
squares of a row is accumulated by numpy's SIMD dot loop (several partial sums), whose
float32 error for n = 4096 is far below the contract's 1e-5 relative tolerance. Rows
whose sum of squares overflows (|x| ~ 1e19 in float32) are recomputed in float64 with
the row scaled by its largest magnitude, so finite input always gives finite output.

Speed: rows are processed in cache-sized chunks (the second multiply reads the chunk
from L2, not from memory) spread over a small thread pool; numpy releases the GIL
inside ufuncs, so the chunks run in parallel.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np

from engine.contract import ContractViolation, enforce, precondition_check, violation

CONTRACT = "rmsnorm-kernel-v1"
EQUATION = "rmsnorm"

# Rows per chunk: ~2 MiB of input, measured best on a 2 MiB-L2 machine (bench/run.py):
# the second pass over the output chunk mostly hits cache.
_CHUNK_BYTES = 1 << 21
# Below this many elements a thread pool costs more than it saves.
_PARALLEL_MIN = 1 << 18


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="rmsnorm")


def _violation(key: str, detail: str) -> ContractViolation:
    return violation(CONTRACT, EQUATION, key, detail)


def _rows(x: np.ndarray, weight: np.ndarray, out: np.ndarray, eps: float) -> bool:
    """Normalise the rows of 2-D `x` into `out`; False if a row's sum of squares is not finite."""
    with np.errstate(over="ignore", invalid="ignore"):  # reported below, as a contract clause
        return _rows_unchecked(x, weight, out, eps)


def _rows_unchecked(x: np.ndarray, weight: np.ndarray, out: np.ndarray, eps: float) -> bool:
    inv = np.einsum("ij,ij->i", x, x)
    # The sum of squares is non-finite iff a row holds NaN/Inf or overflows on squaring:
    # the finite-input check rides on a reduction the kernel needs anyway.
    ok = bool(np.isfinite(inv.sum()))
    inv *= 1.0 / x.shape[1]
    inv += eps  # eps inside the sqrt: y = x / sqrt(mean(x^2) + eps)
    np.sqrt(inv, out=inv)
    np.reciprocal(inv, out=inv)
    np.multiply(x, inv[:, None], out=out)
    out *= weight
    return ok


def _rows_scaled(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    """Overflow-safe path in float64: rms(x) = s * sqrt(mean((x/s)^2) + eps/s^2), s = max|x|."""
    x64 = x.astype(np.float64)
    s = np.abs(x64).max(axis=1, keepdims=True)
    s[s == 0] = 1.0
    u = x64 / s
    rms = s * np.sqrt(np.mean(u * u, axis=1, keepdims=True) + (eps / s) / s)  # (eps/s)/s: s*s overflows for s ~ 1e200
    return (x64 / rms * weight).astype(x.dtype)


def rmsnorm(x: np.ndarray, weight: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """y = x / sqrt(mean(x^2, axis=-1) + eps) * weight, in the dtype of `x`."""
    return _rmsnorm(np.asarray(x), np.asarray(weight), eps)


# The contract's clauses are checked on arrays, so the public function converts first.
# `finite` (every x_i finite) is checked in the body: it rides on the sum of squares the
# kernel computes anyway; as a separate `isfinite(x).all()` it would cost ~18 % more time.
@enforce(CONTRACT, EQUATION, in_body=("finite",))
def _rmsnorm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    n = x.shape[-1]
    x2 = np.ascontiguousarray(x).reshape(-1, n)
    out = np.empty_like(x2)
    rows = x2.shape[0]
    step = max(1, _CHUNK_BYTES // (n * x2.itemsize))
    chunks = [slice(i, min(i + step, rows)) for i in range(0, rows, step)]
    if x2.size >= _PARALLEL_MIN and len(chunks) > 1:
        oks = list(_pool().map(lambda s: _rows(x2[s], weight, out[s], eps), chunks))
    else:
        oks = [_rows(x2[s], weight, out[s], eps) for s in chunks]
    if not all(oks):
        if not np.isfinite(x2).all():
            raise _violation("finite", "x contains NaN or Inf")
        bad = ~np.isfinite(np.einsum("ij,ij->i", x2, x2))
        out[bad] = _rows_scaled(x2[bad], weight, eps)
    return out.reshape(x.shape)


# The contract's preconditions, minus the one the kernel checks in its body: the mutants
# (falsifiers/mutants/rmsnorm.py) re-implement the kernel with exactly these checks.
_check = precondition_check(CONTRACT, EQUATION, _rmsnorm, without=("finite",))
