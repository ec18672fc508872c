"""Scaled dot-product attention with causal mask and grouped-query heads, contract
`attention-kernel-v1`.

    O = softmax(Q K^T / sqrt(D) + M) V

q is (B, H, S_q, D); k and v are (B, H_kv, S_kv, D) with H % H_kv == 0 and query head h
reading kv head h // (H / H_kv) (GQA, Ainslie et al. 2023). Causal masks are
bottom-right aligned: query i sees keys j <= i + (S_kv - S_q), the convention of
decoding with a KV cache (torch's SDPA `is_causal` is top-left aligned instead). Causal
attention with S_q > S_kv would leave the first S_q - S_kv queries without any key; the
contract excludes it as a precondition rather than invent an output for them.

Two implementations of one equation:
- `attention`: materialises one block of score rows against all keys, stable softmax
  (row max subtracted before exp).
- `attention_tiled`: online softmax over key blocks (Milakov & Gimelshein 2018; Dao et
  al. 2022): running max m, running sum l and an accumulator rescaled by exp(m_old -
  m_new), so no row block ever holds more than block_size keys' scores.

Layout: with H = H_kv * G, q.reshape(B, H_kv, G * S_q, D) is a view in which the G query
heads of one kv head are consecutive row blocks, so one GEMM per kv head serves the whole
group without repeating k and v. Work items (batch, kv head, row block) run on a small
thread pool (numpy and BLAS release the GIL), with BLAS held to one thread meanwhile:
two pool threads each driving a multi-threaded GEMM oversubscribe the cores (measured on
2 cores: 54 ms -> 42 ms for B1 H16 S1024 D64). The limit is process-wide while the pool
runs, through threadpoolctl. Computation is in the input dtype.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from functools import cache

import numpy as np
from threadpoolctl import ThreadpoolController

from engine.contract import ContractViolation, enforce, precondition_check, violation

CONTRACT = "attention-kernel-v1"
EQUATION = "attention"

# Score elements per work item of the reference kernel (4 MiB of float32): a whole
# 1024 x 1024 head, so each GEMM is large enough for BLAS to run at full rate.
_ITEM_SCORES = 1 << 20
_PARALLEL_MIN = 1 << 16
_CAUSAL_ROWS = 256
DEFAULT_BLOCK = 256


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="attention")


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def _one_blas_thread() -> AbstractContextManager[object]:
    return _blas().limit(limits=1, user_api="blas")


def _violation(key: str, detail: str) -> ContractViolation:
    return violation(CONTRACT, EQUATION, key, detail)


def _score_overflow() -> ContractViolation:
    return _violation("finite_scores", "a score q.k / sqrt(D) overflows the dtype")


def _layout(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    b, h, s_q, d = q.shape
    h_kv = k.shape[1]
    # Scale q, not the scores: S_q * D multiplies instead of S_q * S_kv.
    qs = np.ascontiguousarray(q) * q.dtype.type(1.0 / math.sqrt(d))
    return qs.reshape(b, h_kv, (h // h_kv) * s_q, d), np.ascontiguousarray(k), np.ascontiguousarray(v), h // h_kv


def _visible(rows: slice, s_q: int, cols: slice, offset: int) -> np.ndarray:
    """Mask of (row, key) pairs a causal query may NOT see: key j > i + offset, i = row % S_q."""
    i = np.arange(rows.start, rows.stop) % s_q
    j = np.arange(cols.start, cols.stop)
    return j[None, :] > (i[:, None] + offset)


def _run(items: list[tuple[int, int, slice]], work: Callable[[tuple[int, int, slice]], bool], size: int) -> bool:
    def quiet(item: tuple[int, int, slice]) -> bool:
        # An overflowing score is reported as the `finite` clause after the pass.
        with np.errstate(over="ignore", invalid="ignore"):
            return work(item)

    if size >= _PARALLEL_MIN and len(items) > 1:
        with _one_blas_thread():
            return all(_pool().map(quiet, items))
    return all(quiet(item) for item in items)


def _items(b: int, h_kv: int, rows: int, step: int) -> list[tuple[int, int, slice]]:
    return [(bi, g, slice(r, min(r + step, rows))) for bi in range(b) for g in range(h_kv) for r in range(0, rows, step)]


def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, *, causal: bool = False) -> np.ndarray:
    """softmax(q k^T / sqrt(D) + mask) v with GQA head mapping h -> h // (H / H_kv)."""
    return _attention(np.asarray(q), np.asarray(k), np.asarray(v), causal)


def attention_tiled(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, *, causal: bool = False, block_size: int = DEFAULT_BLOCK
) -> np.ndarray:
    """Same equation as `attention`, by online softmax over blocks of `block_size` keys.

    Extra memory per row block of `block_size` queries: the block's scores
    (block_size x block_size) plus m, l and the accumulator (O(block_size * D)).
    """
    return _attention(np.asarray(q), np.asarray(k), np.asarray(v), causal, block_size)


# Both kernels share the contract's clauses, checked on arrays; `block_size` is None for
# the full kernel. `finite_scores` is checked in the body: the kernels see each score as
# they compute it (q scaled by 1/sqrt(D) first, so the boundary differs by rounding only),
# where the clause as an expression would materialise every score a second time.
@enforce(CONTRACT, EQUATION, in_body=("finite_scores",))
def _attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool = False,
               block_size: int | None = None) -> np.ndarray:
    if block_size is not None:
        return _tiled(q, k, v, causal, int(block_size))
    return _full(q, k, v, causal)


# The clauses without `finite` (and its in-body `finite_scores`), and `finite` alone: the
# mutants (falsifiers/mutants/attention.py) re-implement the kernels with these checks.
_check = precondition_check(CONTRACT, EQUATION, _attention, without=("finite", "finite_scores"))
_check_finite = precondition_check(CONTRACT, EQUATION, _attention, only=("finite",))


def _full(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool) -> np.ndarray:
    b, h, s_q, d = q.shape
    h_kv, s_kv = k.shape[1], k.shape[2]
    offset = s_kv - s_q
    qg, k, v, group = _layout(q, k, v)
    out = np.empty_like(qg)
    rows = group * s_q
    # Causal: smaller row blocks, so each block skips the keys wholly in its future.
    step = max(1, min(rows, _ITEM_SCORES // s_kv, _CAUSAL_ROWS if causal else rows))

    def work(item: tuple[int, int, slice]) -> bool:
        bi, g, r = item
        i = np.arange(r.start, r.stop) % s_q
        # Keys [0, first) are visible to every row of the block, [last, S_kv) to none.
        first, last = (min(s_kv, int(i.min()) + offset + 1), min(s_kv, int(i.max()) + offset + 1)) if causal else (s_kv, s_kv)
        scores = qg[bi, g, r] @ k[bi, g, :last].T
        if causal and first < last:
            np.copyto(scores[:, first:], -np.inf, where=_visible(r, s_q, slice(first, last), offset))
        m = scores.max(axis=1, keepdims=True)
        # Stable softmax: exp(s - max) <= 1. With finite inputs a non-finite row max can
        # only be a score that overflowed the dtype.
        ok = bool(np.isfinite(m).all())
        np.subtract(scores, m, out=scores)
        np.exp(scores, out=scores)
        denom = scores.sum(axis=1, keepdims=True)
        np.matmul(scores, v[bi, g, :last], out=out[bi, g, r])
        out[bi, g, r] /= denom
        return ok

    if not _run(_items(b, h_kv, rows, step), work, b * h * s_q * s_kv):
        raise _score_overflow()
    return out.reshape(b, h, s_q, d)


def _tiled(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool, block_size: int) -> np.ndarray:
    b, h, s_q, d = q.shape
    h_kv, s_kv = k.shape[1], k.shape[2]
    offset = s_kv - s_q
    qg, k, v, group = _layout(q, k, v)
    out = np.empty_like(qg)
    rows = group * s_q
    dtype = q.dtype

    def work(item: tuple[int, int, slice]) -> bool:
        bi, g, r = item
        qb = qg[bi, g, r]
        n = r.stop - r.start
        m = np.full((n, 1), -np.inf, dtype=dtype)
        l = np.zeros((n, 1), dtype=dtype)
        acc = out[bi, g, r]
        acc[...] = 0
        ok = True
        # Last key any row of this block may see (causal): skip key blocks wholly in the future.
        last = s_kv if not causal else min(s_kv, int((np.arange(r.start, r.stop) % s_q).max()) + offset + 1)
        for c0 in range(0, last, block_size):
            cols = slice(c0, min(c0 + block_size, s_kv))
            scores = qb @ k[bi, g, cols].T
            if causal:
                np.copyto(scores, -np.inf, where=_visible(r, s_q, cols, offset))
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            ok = ok and bool(np.isfinite(m_new).all())
            # A row whose keys in this block are all masked keeps m = -inf; exp(-inf - -inf)
            # would be NaN, so its rescale factor is 1 and its new weights are 0.
            safe = np.where(np.isneginf(m_new), 0, m_new)
            alpha = np.exp(m - safe)
            np.subtract(scores, safe, out=scores)
            np.exp(scores, out=scores)
            l *= alpha
            l += scores.sum(axis=1, keepdims=True)
            acc *= alpha  # rescale the accumulator to the new running max
            acc += scores @ v[bi, g, cols]
            m = m_new
        acc /= l
        return ok

    step = block_size
    if not _run(_items(b, h_kv, rows, step), work, b * h * s_q * s_kv):
        raise _score_overflow()
    return out.reshape(b, h, s_q, d)
