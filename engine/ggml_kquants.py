"""GGML K-quant quantizers (Q4_K, Q6_K; 256-value superblocks): ggml's reference
quantizers (`quantize_row_q4_K_ref` with `make_qkx2_quants`, `quantize_row_q6_K_ref` with
`make_qx_quants`), vectorised over sub-blocks. Their sums are accumulated in numpy's
order, not C's sequential order, so a tie in the scale search can resolve differently
from the C code; the bytes are a valid encoding either way and decode identically
through `gguf.quants.dequantize`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.ggml_layout import QK_K

_GROUP_MAX_EPS = np.float32(1e-15)  # ggml-quants.c: a group this small is all zero

# ------------------------------------------------------------------------ K-quants
# ggml's reference K-quantizers, each loop over sub-blocks turned into array ops over
# all sub-blocks of a chunk of superblocks. The search loops (21 candidate scales for
# Q4_K, 18 for Q6_K) stay Python loops over candidates, not over blocks.

_K_CHUNK = 512  # superblocks per chunk: bounds the (chunk, 8, 32) temporaries


def _nearest_int(v: np.ndarray) -> np.ndarray:
    """ggml `nearest_int` (the 1.5 * 2^23 magic add): round half to even, for |v| < 2^22."""
    return np.rint(v)


def _make_qkx2_quants(x: np.ndarray, w: np.ndarray, nmax: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ggml `make_qkx2_quants(n, nmax, x, w, L, &min, Laux, -1, 0.1, 20, false)` per row of x.

    Fits x ~ scale * L - the_min with L in 0..nmax by weighted least squares over 21
    candidate inverse scales; returns (scale, the_min, L).
    """
    rmin, rdelta, nstep = np.float32(-1.0), np.float32(0.1), 20
    lo = np.minimum(x.min(axis=1), np.float32(0))  # the minimum is never above 0
    hi = x.max(axis=1)
    flat = hi == lo
    sum_w = w.sum(axis=1)
    sum_x = (w * x).sum(axis=1)
    span = np.where(flat, np.float32(1), hi - lo)
    shifted = x - lo[:, None]
    iscale = np.float32(nmax) / span
    scale = np.float32(1) / iscale
    levels = np.clip(_nearest_int(iscale[:, None] * shifted), 0, nmax)
    diff = (scale[:, None] * levels + lo[:, None]) - x
    best = (w * (diff * diff)).sum(axis=1)
    for step in range(nstep + 1):
        iscale = (rmin + rdelta * np.float32(step) + np.float32(nmax)) / span
        cand = np.clip(_nearest_int(iscale[:, None] * shifted), 0, nmax)
        wl = w * cand
        sum_l = wl.sum(axis=1)
        sum_l2 = (wl * cand).sum(axis=1)
        sum_xl = (wl * x).sum(axis=1)
        det = sum_w * sum_l2 - sum_l * sum_l
        with np.errstate(divide="ignore", invalid="ignore"):
            this_scale = (sum_w * sum_xl - sum_x * sum_l) / det
            this_min = (sum_l2 * sum_x - sum_l * sum_xl) / det
            positive = this_min > 0  # a positive offset is not allowed: refit through 0
            this_min = np.where(positive, np.float32(0), this_min)
            this_scale = np.where(positive, sum_xl / sum_l2, this_scale)
            diff = (this_scale[:, None] * cand + this_min[:, None]) - x
            mad = (w * (diff * diff)).sum(axis=1)
        better = (det > 0) & (mad < best)
        levels[better] = cand[better]
        best = np.where(better, mad, best)
        scale = np.where(better, this_scale, scale)
        lo = np.where(better, this_min, lo)
    levels[flat] = 0
    scale = np.where(flat, np.float32(0), scale)
    return scale.astype(np.float32), (-lo).astype(np.float32), levels.astype(np.uint8)


def _q4_k_superblocks(xs: np.ndarray, out: np.ndarray) -> None:
    """ggml `quantize_row_q4_K_ref` on (S, 256) float32 rows into `out` (S,) of LAYOUT['Q4_K']."""
    nsb = xs.shape[0]
    x = xs.reshape(nsb * 8, 32)
    av_x = np.sqrt((x * x).sum(axis=1) / np.float32(32))
    w = av_x[:, None] + np.abs(x)  # ggml's importance weights: sub-block RMS + |x|
    scales, mins, levels = _make_qkx2_quants(x, w, 15)
    scales, mins, levels = scales.reshape(nsb, 8), mins.reshape(nsb, 8), levels.reshape(nsb, 8, 32)
    max_scale = np.maximum(scales.max(axis=1), np.float32(0))
    max_min = np.maximum(mins.max(axis=1), np.float32(0))
    with np.errstate(divide="ignore"):
        inv_scale = np.where(max_scale > 0, np.float32(63) / max_scale, np.float32(0))
        inv_min = np.where(max_min > 0, np.float32(63) / max_min, np.float32(0))
    # uint8_t ls = nearest_int(...): C converts the int modulo 256, then MIN(63, ls)
    ls = np.minimum(_nearest_int(inv_scale[:, None] * scales).astype(np.int64) & 0xFF, 63).astype(np.uint8)
    lm = np.minimum(_nearest_int(inv_min[:, None] * mins).astype(np.int64) & 0xFF, 63).astype(np.uint8)
    packed = np.empty((nsb, 12), np.uint8)
    packed[:, 0:4] = ls[:, :4] | ((ls[:, 4:] >> 4) << 6)
    packed[:, 4:8] = lm[:, :4] | ((lm[:, 4:] >> 4) << 6)
    packed[:, 8:12] = (ls[:, 4:] & 0x0F) | ((lm[:, 4:] & 0x0F) << 4)
    d16 = (max_scale / np.float32(63)).astype(np.float16)
    dmin16 = (max_min / np.float32(63)).astype(np.float16)
    d = d16.astype(np.float32)[:, None] * ls.astype(np.float32)
    dm = dmin16.astype(np.float32)[:, None] * lm.astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        requant = np.clip(_nearest_int((xs.reshape(nsb, 8, 32) + dm[:, :, None]) / d[:, :, None]), 0, 15)
    # `if (!d) continue;`: a sub-block whose quantized scale is 0 keeps its first-pass levels
    levels = np.where((d != 0)[:, :, None], requant, levels).astype(np.uint8).reshape(nsb, 4, 2, 32)
    out["d"], out["dmin"], out["scales"] = d16, dmin16, packed
    out["qs"] = (levels[:, :, 0, :] | (levels[:, :, 1, :] << 4)).reshape(nsb, QK_K // 2)


def _make_qx_quants(x: np.ndarray, nmax: int) -> tuple[np.ndarray, np.ndarray]:
    """ggml `make_qx_quants(n, nmax, x, L, rmse_type=1, NULL)` per row: (scale, L + nmax).

    Symmetric fit x ~ scale * l, l in -nmax..nmax-1, weights x^2, over 19 candidate
    inverse scales -(nmax + 0.1 i) / max, i = -9..9.
    """
    rows = np.arange(x.shape[0])
    big = x[rows, np.abs(x).argmax(axis=1)]  # first value of largest magnitude
    zero = np.abs(big) < _GROUP_MAX_EPS
    big = np.where(zero, np.float32(1), big)
    w = x * x
    wx = w * x

    def fit(iscale: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cand = np.clip(_nearest_int(iscale[:, None] * x), -nmax, nmax - 1)
        return cand, (wx * cand).sum(axis=1), ((w * cand) * cand).sum(axis=1)

    levels, sumlx, suml2 = fit(np.float32(-nmax) / big)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(suml2 != 0, sumlx / suml2, np.float32(0))
    best = scale * sumlx
    for step in range(-9, 10):
        if step == 0:
            continue
        cand, sumlx, suml2 = fit(-(np.float32(nmax) + np.float32(0.1) * np.float32(step)) / big)
        better = (suml2 > 0) & (sumlx * sumlx > best * suml2)
        levels[better] = cand[better]
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(better, sumlx / suml2, scale)
        best = np.where(better, scale * sumlx, best)
    levels[zero] = 0
    scale = np.where(zero, np.float32(0), scale)
    return scale.astype(np.float32), (levels + nmax).astype(np.int8)


def _q6_k_superblocks(xs: np.ndarray, out: np.ndarray) -> None:
    """ggml `quantize_row_q6_K_ref` on (S, 256) float32 rows into `out` (S,) of LAYOUT['Q6_K']."""
    nsb = xs.shape[0]
    scales, levels = _make_qx_quants(xs.reshape(nsb * 16, 16), 32)
    scales, levels = scales.reshape(nsb, 16), levels.reshape(nsb, 16, 16)
    max_scale = scales[np.arange(nsb), np.abs(scales).argmax(axis=1)]  # first of largest |scale|
    zero = np.abs(max_scale) < _GROUP_MAX_EPS
    iscale = np.float32(-128) / np.where(zero, np.float32(1), max_scale)
    d16 = (np.float32(1) / iscale).astype(np.float16)
    sc = np.minimum(_nearest_int(iscale[:, None] * scales), 127).astype(np.int8)
    d = d16.astype(np.float32)[:, None] * sc.astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        requant = np.clip(_nearest_int(xs.reshape(nsb, 16, 16) / d[:, :, None]), -32, 31) + 32
    levels = np.where((d != 0)[:, :, None], requant, levels).astype(np.uint8)
    levels[zero] = 0  # an all-zero superblock is memset to 0
    sc[zero] = 0
    d16[zero] = 0
    q = levels.reshape(nsb, 2, 4, 32)  # [half, quarter, l] = L[128 h + 32 k + l]
    ql = np.concatenate([(q[:, :, 0] & 0x0F) | ((q[:, :, 2] & 0x0F) << 4), (q[:, :, 1] & 0x0F) | ((q[:, :, 3] & 0x0F) << 4)], axis=2)
    qh = (q[:, :, 0] >> 4) | ((q[:, :, 1] >> 4) << 2) | ((q[:, :, 2] >> 4) << 4) | ((q[:, :, 3] >> 4) << 6)
    out["ql"], out["qh"], out["scales"], out["d"] = ql.reshape(nsb, 128), qh.reshape(nsb, 64), sc, d16


def _k_quant(superblocks: Callable[[np.ndarray, np.ndarray], None]) -> Callable[[np.ndarray, np.ndarray], bool]:
    def kernel(blocks: np.ndarray, out: np.ndarray) -> bool:
        # an fp16 scale may overflow to Inf (as in ggml): Inf/NaN codes are then cast like C's
        with np.errstate(over="ignore", invalid="ignore"):
            if not np.isfinite(np.abs(blocks).max(axis=1)).all():
                return False
            for start in range(0, blocks.shape[0], _K_CHUNK):
                stop = start + _K_CHUNK
                superblocks(blocks[start:stop], out[start:stop])
        return True

    return kernel



ENCODERS: dict[str, Callable[[np.ndarray, np.ndarray], bool]] = {
    "Q4_K": _k_quant(_q4_k_superblocks),
    "Q6_K": _k_quant(_q6_k_superblocks),
}
