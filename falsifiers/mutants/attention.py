"""Mutants of engine.attention (contract attention-kernel-v1).

`attention` mutants replace the reference kernel with a plain one, softmax(q k^T /
sqrt(D) + M) v per (batch, head) in the input dtype with the engine's precondition
checks, carrying one bug. `attention_tiled` mutants replace the tiled kernel with a
plain online-softmax loop over key blocks carrying one bug. Signatures (keyword-only
`causal`, `block_size`) are the engine's, so every caller keeps working.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pv.mutation import Mutant

CONTRACT = "attention-kernel-v1"
REFERENCE = "engine.attention:attention"
TILED = "engine.attention:attention_tiled"


@dataclass(frozen=True)
class Spec:
    """How the plain kernel computes; the default is the contract's equation."""

    scale: Callable[[int], float] = lambda d: 1.0 / math.sqrt(d)
    subtract_max: bool = True
    visible: Callable[[np.ndarray, np.ndarray, int], np.ndarray] = lambda i, j, offset: j <= i + offset
    causal_offset: Callable[[int, int], int] = lambda s_q, s_kv: s_kv - s_q  # bottom-right aligned
    kv_head: Callable[[int, int, int], int] = lambda h, heads, kv_heads: h // (heads // kv_heads)
    softmax_axis: int = -1  # the key axis
    check_finite: bool = True
    # tiled only
    rescale_accumulator: bool = True
    block_end: Callable[[int, int], int] = lambda c0, block: c0 + block
    check_block_size: bool = True


CORRECT = Spec()


def _checked(spec: Spec, q: Any, k: Any, v: Any, causal: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from engine.attention import _check, _check_finite  # the engine's own precondition checks

    q, k, v = np.asarray(q), np.asarray(k), np.asarray(v)
    _check(q, k, v, causal)
    if spec.check_finite:
        _check_finite(q, k, v)
    return q, k, v


def _mask(spec: Spec, s_q: int, s_kv: int) -> np.ndarray:
    i, j = np.arange(s_q)[:, None], np.arange(s_kv)[None, :]
    return spec.visible(i, j, spec.causal_offset(s_q, s_kv))


def _plain(spec: Spec, q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool) -> np.ndarray:
    b, heads, s_q, d = q.shape
    kv_heads, s_kv = k.shape[1], k.shape[2]
    out = np.empty_like(q)
    scale = q.dtype.type(spec.scale(d))
    for bi in range(b):
        for h in range(heads):
            g = spec.kv_head(h, heads, kv_heads)
            s = (q[bi, h] @ k[bi, g].T) * scale
            if causal:
                s = np.where(_mask(spec, s_q, s_kv), s, -np.inf)
            if spec.subtract_max:
                s = s - s.max(axis=spec.softmax_axis, keepdims=True)
            w = np.exp(s)
            w /= w.sum(axis=spec.softmax_axis, keepdims=True)
            out[bi, h] = w @ v[bi, g]
    return out


def _tiled(spec: Spec, q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool, block: int) -> np.ndarray:
    b, heads, s_q, d = q.shape
    kv_heads, s_kv = k.shape[1], k.shape[2]
    out = np.empty_like(q)
    scale = q.dtype.type(spec.scale(d))
    mask = _mask(spec, s_q, s_kv) if causal else np.ones((s_q, s_kv), dtype=bool)
    for bi in range(b):
        for h in range(heads):
            g = spec.kv_head(h, heads, kv_heads)
            m = np.full((s_q, 1), -np.inf if spec.subtract_max else 0, dtype=q.dtype)
            l = np.zeros((s_q, 1), dtype=q.dtype)
            acc = np.zeros((s_q, d), dtype=q.dtype)
            for c0 in range(0, s_kv, block):
                cols = slice(c0, min(spec.block_end(c0, block), s_kv))
                s = np.where(mask[:, cols], (q[bi, h] @ k[bi, g, cols].T) * scale, -np.inf)
                # without the running max (subtract_max off) the shift stays 0 and exp(s) is taken raw
                m_new = np.maximum(m, s.max(axis=1, keepdims=True)) if spec.subtract_max else np.zeros_like(m)
                safe = np.where(np.isneginf(m_new), 0, m_new)
                alpha = np.exp(m - safe)
                p = np.exp(s - safe)
                l = l * alpha + p.sum(axis=1, keepdims=True)
                acc = (acc * alpha if spec.rescale_accumulator else acc) + p @ v[bi, g, cols]
                m = m_new
            out[bi, h] = acc / l
    return out


def reference(spec: Spec) -> Callable[[Any], Callable[..., np.ndarray]]:
    def make(original: Any) -> Callable[..., np.ndarray]:
        def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, *, causal: bool = False) -> np.ndarray:
            q, k, v = _checked(spec, q, k, v, causal)
            with np.errstate(all="ignore"):
                return _plain(spec, q, k, v, causal)

        return attention

    return make


def tiled(spec: Spec) -> Callable[[Any], Callable[..., np.ndarray]]:
    def make(original: Any) -> Callable[..., np.ndarray]:
        from engine.attention import DEFAULT_BLOCK, _violation

        def attention_tiled(q: np.ndarray, k: np.ndarray, v: np.ndarray, *, causal: bool = False,
                            block_size: int = DEFAULT_BLOCK) -> np.ndarray:
            q, k, v = _checked(spec, q, k, v, causal)
            if spec.check_block_size and not (isinstance(block_size, (int, np.integer)) and block_size >= 1):
                raise _violation("block_size", f"block_size = {block_size!r}")
            with np.errstate(all="ignore"):
                return _tiled(spec, q, k, v, causal, max(1, int(block_size)))

        return attention_tiled

    return make


def _both(name: str, description: str, spec: Spec) -> list[Mutant]:
    """The same bug in the reference kernel and in the tiled kernel."""
    return [Mutant(name, CONTRACT, REFERENCE, description, reference(spec)),
            Mutant(f"{name}-tiled", CONTRACT, TILED, f"{description} (attention_tiled)", tiled(spec))]


MUTANTS = [
    *_both("attention-scale-inv-d", "scores scaled by 1/D instead of 1/sqrt(D)", replace(CORRECT, scale=lambda d: 1.0 / d)),
    Mutant("attention-unscaled", CONTRACT, REFERENCE, "scores not scaled at all", reference(replace(CORRECT, scale=lambda d: 1.0))),
    *_both("attention-no-max-subtraction", "softmax without subtracting the row max: exp(1000) overflows",
           replace(CORRECT, subtract_max=False)),
    *_both("attention-causal-excludes-diagonal", "causal mask j < i + offset: a query cannot see its own key",
           replace(CORRECT, visible=lambda i, j, offset: j < i + offset)),
    *_both("attention-causal-one-future-key", "causal mask j <= i + offset + 1: one future key leaks in",
           replace(CORRECT, visible=lambda i, j, offset: j <= i + offset + 1)),
    Mutant("attention-causal-ignored", CONTRACT, REFERENCE, "causal=True computes non-causal attention",
           reference(replace(CORRECT, visible=lambda i, j, offset: np.ones(np.broadcast(i, j).shape, dtype=bool)))),
    Mutant("attention-causal-top-left", CONTRACT, REFERENCE,
           "causal mask top-left aligned (j <= i) instead of bottom-right (j <= i + S_kv - S_q)",
           reference(replace(CORRECT, causal_offset=lambda s_q, s_kv: 0))),
    *_both("attention-kv-head-modulo", "query head h reads kv head h % H_kv instead of h // (H / H_kv)",
           replace(CORRECT, kv_head=lambda h, heads, kv_heads: h % kv_heads)),
    Mutant("attention-softmax-query-axis", CONTRACT, REFERENCE, "softmax normalised over the query axis, not the key axis",
           reference(replace(CORRECT, softmax_axis=0))),
    Mutant("attention-finite-unchecked", CONTRACT, REFERENCE, "precondition 'finite' removed: NaN/Inf inputs give NaN output",
           reference(replace(CORRECT, check_finite=False))),
    Mutant("attention-tiled-no-rescale", CONTRACT, TILED,
           "online softmax: running sum rescaled by exp(m_old - m_new) but the accumulator is not",
           tiled(replace(CORRECT, rescale_accumulator=False))),
    Mutant("attention-tiled-short-block", CONTRACT, TILED,
           "key block [c0, c0 + block - 1): the last key of every block is skipped",
           tiled(replace(CORRECT, block_end=lambda c0, block: c0 + block - 1 if block > 1 else c0 + 1))),
    Mutant("attention-tiled-overlapping-blocks", CONTRACT, TILED,
           "key block [c0, c0 + block + 1): the first key of the next block is counted twice",
           tiled(replace(CORRECT, block_end=lambda c0, block: c0 + block + 1))),
    Mutant("attention-tiled-block-size-unchecked", CONTRACT, TILED,
           "precondition block_size >= 1 removed: block_size 0 silently runs with blocks of 1",
           tiled(replace(CORRECT, check_block_size=False))),
]
