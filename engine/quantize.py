"""GGML block quantization (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q6_K), contract `quantize-ggml-v1`.

    quantize(x, qtype)      -> uint8 bytes, blocks along the last axis of x
    dequantize(data, qtype, n) -> float32 values, n elements along the last axis

Block layouts are ggml's (`ggml-common.h`): little-endian, fp16 scales, packed
structs, described here by numpy structured dtypes (`_LAYOUT`).

Legacy formats (block 32) are byte-identical to `gguf.quants.quantize`, which is
itself bit-exact to ggml's `quantize_row_*_ref`: the same float32 operations in the
same order, so the same roundings (see each kernel's comments). That includes inputs
whose fp16 scale overflows (|x| beyond about 8.3e6 for Q8_0, 5.2e5 for Q4_0): the
stored scale is then +-Inf, as in ggml and gguf, and dequantizes to Inf/NaN.

K-quants (block 256) follow ggml's reference quantizers (`quantize_row_q4_K_ref` with
`make_qkx2_quants`, `quantize_row_q6_K_ref` with `make_qx_quants`), vectorised over
sub-blocks. Their sums are accumulated in numpy's order, not C's sequential order, so
a tie in the scale search can resolve differently from the C code; the bytes are a
valid encoding either way and decode identically through `gguf.quants.dequantize`.

Speed: legacy kernels walk the blocks in cache-sized chunks with preallocated scratch
buffers, on a small thread pool (numpy releases the GIL inside ufuncs). The per-block
maximum and minimum are found on int32 keys ordered like the floats, by five pairwise
halvings over all blocks at once: numpy's last-axis reduction pays a call per 32-value
row. Broadcasts of per-block scales go through np.repeat for the same reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np

from engine.contract import ContractViolation, clause

CONTRACT = "quantize-ggml-v1"
QK_K = 256
QTYPES = ("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q6_K")
BLOCK_SIZE = {"Q8_0": 32, "Q4_0": 32, "Q4_1": 32, "Q5_0": 32, "Q5_1": 32, "Q4_K": QK_K, "Q6_K": QK_K}
TYPE_SIZE = {"Q8_0": 34, "Q4_0": 18, "Q4_1": 20, "Q5_0": 22, "Q5_1": 24, "Q4_K": 144, "Q6_K": 210}

_F16 = "<f2"
_LAYOUT = {
    "Q8_0": np.dtype([("d", _F16), ("qs", "i1", (32,))]),
    "Q4_0": np.dtype([("d", _F16), ("qs", "u1", (16,))]),
    "Q4_1": np.dtype([("d", _F16), ("m", _F16), ("qs", "u1", (16,))]),
    "Q5_0": np.dtype([("d", _F16), ("qh", "<u4"), ("qs", "u1", (16,))]),
    "Q5_1": np.dtype([("d", _F16), ("m", _F16), ("qh", "<u4"), ("qs", "u1", (16,))]),
    "Q4_K": np.dtype([("d", _F16), ("dmin", _F16), ("scales", "u1", (12,)), ("qs", "u1", (QK_K // 2,))]),
    "Q6_K": np.dtype([("ql", "u1", (QK_K // 2,)), ("qh", "u1", (QK_K // 4,)), ("scales", "i1", (QK_K // 16,)), ("d", _F16)]),
}
_ACCEPTED_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))

# The largest float32 below 0.5. trunc(v + copysign(HALF_DOWN, v)) is round-half-away-
# from-zero (C roundf, which ggml's Q8_0 uses) for every float32 |v| < 2^22: a tie
# k + 0.5 rounds up to k + 1 when the sum is formed, anything below stays below.
_HALF_DOWN = np.nextafter(np.float32(0.5), np.float32(0.0))
_CHUNK = 8192  # blocks per chunk: 1 MiB of float32 input; measured best of 2048..16384
_PARALLEL_MIN = 1 << 16  # blocks; below this a thread pool costs more than it saves
_GROUP_MAX_EPS = np.float32(1e-15)  # ggml-quants.c: a group this small is all zero


def _violation(equation: str, key: str, detail: str) -> ContractViolation:
    return ContractViolation(CONTRACT, key, clause(CONTRACT, equation, key), detail)


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="quantize")


# --------------------------------------------------------------------------- public API


def quantize(x: np.ndarray, qtype: str) -> np.ndarray:
    """GGML `qtype` bytes of `x`, blocks along the last axis: shape (..., n / block * bytes)."""
    if qtype not in BLOCK_SIZE:
        raise _violation("quantize", "known_qtype", f"qtype = {qtype!r}")
    x = np.asarray(x)
    if x.dtype not in _ACCEPTED_DTYPES:
        raise _violation("quantize", "float_dtype", f"x has dtype {x.dtype}")
    block = BLOCK_SIZE[qtype]
    if x.ndim < 1 or x.shape[-1] % block:
        raise _violation("quantize", "whole_blocks", f"x has shape {x.shape}, {qtype} blocks hold {block} values")
    out_shape = (*x.shape[:-1], x.shape[-1] // block * TYPE_SIZE[qtype])
    if x.size == 0:
        return np.empty(out_shape, np.uint8)
    with np.errstate(over="ignore"):  # float64 beyond float32 range becomes Inf: rejected below
        blocks = np.ascontiguousarray(x, dtype=np.float32).reshape(-1, block)
    out = np.empty(blocks.shape[0], _LAYOUT[qtype])
    if not _KERNELS[qtype](blocks, out):
        raise _violation("quantize", "finite_input", "x contains NaN or Inf (after conversion to float32)")
    return out.view(np.uint8).reshape(out_shape)


def dequantize(data: np.ndarray, qtype: str, n: int) -> np.ndarray:
    """float32 values of GGML `qtype` bytes: shape (..., n), n values per row of `data`."""
    if qtype not in BLOCK_SIZE:
        raise _violation("dequantize", "known_qtype", f"qtype = {qtype!r}")
    data = np.asarray(data)
    if data.dtype != np.uint8:
        raise _violation("dequantize", "byte_dtype", f"data has dtype {data.dtype}")
    block, size = BLOCK_SIZE[qtype], TYPE_SIZE[qtype]
    if (
        not isinstance(n, (int, np.integer))
        or n < 0
        or n % block
        or data.ndim < 1
        or data.shape[-1] != n // block * size
    ):
        raise _violation(
            "dequantize", "byte_length", f"data has shape {data.shape}, n = {n!r}; {qtype} stores {block} values in {size} bytes"
        )
    out_shape = (*data.shape[:-1], int(n))
    if data.size == 0:
        return np.empty(out_shape, np.float32)
    blocks = np.ascontiguousarray(data).reshape(-1, size).view(_LAYOUT[qtype]).reshape(-1)
    return _DECODERS[qtype](blocks).reshape(out_shape)


# ------------------------------------------------------------------- chunked execution


def _run(chunk_kernel: Callable[[np.ndarray, np.ndarray, dict], bool], blocks: np.ndarray, out: np.ndarray) -> bool:
    """Apply `chunk_kernel(x_chunk, out_chunk, scratch)` over all blocks; True if every input was finite."""
    nb = blocks.shape[0]

    def span(lo: int, hi: int) -> bool:
        scratch: dict = {}
        ok = True
        # errstate is per thread: fp16 scale overflow stores Inf as in ggml, NaN is reported
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(lo, hi, _CHUNK):
                stop = min(start + _CHUNK, hi)
                ok &= chunk_kernel(blocks[start:stop], out[start:stop], scratch)
        return ok

    workers = _pool()._max_workers  # noqa: SLF001 - the pool's own size
    if nb < _PARALLEL_MIN or workers == 1:
        return span(0, nb)
    step = -(-nb // workers)
    return all(_pool().map(lambda lo: span(lo, min(lo + step, nb)), range(0, nb, step)))


def _buf(scratch: dict, name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """A scratch buffer reused across chunks (fresh allocations of this size page-fault)."""
    have = scratch.get(name)
    if have is None or have.shape[0] < shape[0]:
        have = scratch[name] = np.empty(shape, dtype)
    return have[: shape[0]]


def _halving_reduce(ufunc: np.ufunc, keys: np.ndarray, s: dict, dtype: type = np.int32) -> np.ndarray:
    """ufunc-reduce each 32-key row of (m, 32) int32 `keys`: five pairwise halvings.

    Each level is one long 1-D loop over every block at once (stride-2 reads); numpy's
    own last-axis reduction pays a call per 32-value row and is about 3x slower.
    """
    cur = keys.reshape(-1)
    m = keys.shape[0]
    for level, width in enumerate((16, 8, 4, 2, 1)):
        nxt = _buf(s, f"halve{level}", (m * width,), np.int32).view(dtype)
        ufunc(cur[0::2], cur[1::2], out=nxt)
        cur = nxt
    return cur


def _abs_bits(xb: np.ndarray, s: dict) -> np.ndarray:
    """|x| as int32 bit patterns: ordered like |x| for non-NaN, NaN above +Inf."""
    return np.bitwise_and(xb.view(np.int32), np.int32(0x7FFFFFFF), out=_buf(s, "bits", xb.shape, np.int32))


def _sortable_bits(xb: np.ndarray, s: dict) -> np.ndarray:
    """int32 keys ordered like the float32 values: negative floats get their magnitude bits flipped."""
    bits = xb.view(np.int32)
    flip = np.right_shift(bits, 31, out=_buf(s, "flip", xb.shape, np.int32))  # 0 or -1
    np.bitwise_and(flip, np.int32(0x7FFFFFFF), out=flip)
    return np.bitwise_xor(bits, flip, out=_buf(s, "bits", xb.shape, np.int32))


def _from_sortable(keys: np.ndarray) -> np.ndarray:
    return (keys ^ ((keys >> 31) & np.int32(0x7FFFFFFF))).view(np.float32)


def _max_min(xb: np.ndarray, s: dict) -> tuple[np.ndarray, np.ndarray]:
    keys = _sortable_bits(xb, s)
    hi = _from_sortable(_halving_reduce(np.maximum, keys, s))
    lo = _from_sortable(_halving_reduce(np.minimum, keys, s))
    return hi, lo


def _scale_rows(xb: np.ndarray, per_block: np.ndarray, out: np.ndarray) -> np.ndarray:
    """xb * per_block[:, None] as one long 1-D loop (a broadcast pays a call per block)."""
    np.multiply(xb.reshape(-1), np.repeat(per_block, 32), out=out.reshape(-1))
    return out


def _inverse(d: np.ndarray, out: np.ndarray) -> np.ndarray:
    """ggml's `id = d ? 1.0f/d : 0.0f`, in float32."""
    with np.errstate(divide="ignore"):
        np.divide(np.float32(1.0), d, out=out)
    out[d == 0] = 0
    return out


def _signed_absmax(xb: np.ndarray, s: dict) -> tuple[np.ndarray, bool]:
    """Per block, the first value of largest magnitude (ggml: `if (amax < fabsf(v))`, strict).

    Two halvings on the raw bit patterns, no transform: as int32 the largest is the
    largest positive value (negatives are negative ints); as uint32 the largest is the
    negative of largest magnitude (the sign bit puts every negative above every positive).
    """
    bits = xb.view(np.int32)
    top_pos = _halving_reduce(np.maximum, bits, s).copy()
    top_neg = _halving_reduce(np.maximum, bits.view(np.uint32), s, np.uint32)
    has_pos = top_pos >= 0
    has_neg = top_neg >= np.uint32(0x80000000)
    pos = np.where(has_pos, top_pos, 0).view(np.float32)  # +0.0 stands in for "none"
    neg = np.where(has_neg, top_neg, 0).view(np.float32)  # (-0.0 is 0x80000000: has_neg)
    ok = bool(np.isfinite(pos).all() and np.isfinite(neg).all())  # NaN bits sort above Inf
    mag_pos = np.where(has_pos, pos, -1)
    mag_neg = np.where(has_neg, -neg, -1)
    big = np.where(mag_pos > mag_neg, pos, neg)
    # A block whose largest magnitude occurs with both signs (or +0 and -0) needs the
    # first index: found per block, rare outside such data.
    tie = np.flatnonzero(mag_pos == mag_neg)
    if tie.size:
        rows = xb[tie]
        big[tie] = rows[np.arange(tie.size), np.abs(rows).argmax(axis=1)]
    return big, ok


# ------------------------------------------------------------------- legacy quantizers


def _q8_0_chunk(xb: np.ndarray, ob: np.ndarray, s: dict) -> bool:
    m = xb.shape[0]
    amax = _halving_reduce(np.maximum, _abs_bits(xb, s), s).view(np.float32)
    ok = bool(np.isfinite(amax).all())  # NaN bits sort above +Inf: a NaN block's amax is NaN
    a = _buf(s, "a", (m, 32), np.float32)
    d = np.divide(amax, np.float32(127), out=_buf(s, "d", (m,), np.float32))  # d = amax / 127
    inv = _inverse(d, _buf(s, "id", (m,), np.float32))
    v = _scale_rows(xb, inv, a)
    # ggml: roundf(x * id), half away from zero (not numpy's half-to-even rint).
    t = np.copysign(_HALF_DOWN, v, out=_buf(s, "t", (m, 32), np.float32))
    np.add(v, t, out=v)
    ob["qs"] = v  # the float -> int8 cast truncates toward zero: completes roundf
    ob["d"] = d  # fp16 round-to-nearest-even, as GGML_FP32_TO_FP16
    return ok


def _offset_codes(xb: np.ndarray, s: dict, half: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Q4_0/Q5_0 (half = 8/16): d = max / -half, q = min(2 half - 1, trunc(x/d + half + 0.5))."""
    m = xb.shape[0]
    big, ok = _signed_absmax(xb, s)
    d = np.divide(big, np.float32(-half), out=_buf(s, "d", (m,), np.float32))
    inv = _inverse(d, _buf(s, "id", (m,), np.float32))
    v = _scale_rows(xb, inv, _buf(s, "a", (m, 32), np.float32))
    # ggml: (int8_t)(x*id + 8.5f): the +8 offset makes codes non-negative and the +0.5
    # with truncation rounds half up; x*id >= -8 here, so truncation is floor.
    np.add(v, np.float32(half + 0.5), out=v)
    q = _buf(s, "q", (m, 32), np.uint8)
    np.copyto(q, v, casting="unsafe")
    np.minimum(q, np.uint8(2 * half - 1), out=q)  # x = -max maps to 2 half: clamp, as ggml's MIN(15, .)
    return d, q, ok


def _min_codes(xb: np.ndarray, s: dict, nmax: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Q4_1/Q5_1: d = (max - min) / nmax, q = min(nmax, trunc((x - min)/d + 0.5))."""
    m = xb.shape[0]
    hi, lo = _max_min(xb, s)
    # The keys order -0.0 below +0.0; numpy's max/min (gguf's) may return either zero,
    # and the sign of a zero reaches the stored fp16 bytes: take numpy's answer there.
    zero = np.flatnonzero((hi == 0) | (lo == 0))
    if zero.size:
        hi[zero], lo[zero] = xb[zero].max(axis=1), xb[zero].min(axis=1)
    ok = bool(np.isfinite(hi).all() and np.isfinite(lo).all())
    with np.errstate(over="ignore", invalid="ignore"):  # max - min may overflow: same as ggml
        d = np.subtract(hi, lo, out=_buf(s, "d", (m,), np.float32))
        np.divide(d, np.float32(nmax), out=d)
        inv = _inverse(d, _buf(s, "id", (m,), np.float32))
        v = np.subtract(xb.reshape(-1), np.repeat(lo, 32), out=_buf(s, "a", (m, 32), np.float32).reshape(-1))
        v = _scale_rows(v.reshape(m, 32), inv, v.reshape(m, 32))
        np.add(v, np.float32(0.5), out=v)
        q = _buf(s, "q", (m, 32), np.uint8)
        np.copyto(q, v, casting="unsafe")
    np.minimum(q, np.uint8(nmax), out=q)
    return d, lo, q, ok


def _pack_nibbles(q: np.ndarray, out: np.ndarray, s: dict, wide: bool = False) -> None:
    """Byte j holds value j in its low nibble and value j + 16 in its high nibble (ggml order).

    Done eight bytes at a time on uint64 words, each word a long strided 1-D loop: with
    every byte <= 0x0F, word << 4 moves each byte's nibble up without crossing bytes.
    """
    low = q.view(np.uint64)  # (m, 4): values 0-7, 8-15, 16-23, 24-31
    if wide:  # Q5 values reach 31: bit 4 lives in qh, not in the nibble
        low = np.bitwise_and(low, np.uint64(0x0F0F0F0F0F0F0F0F), out=_buf(s, "low", (q.shape[0], 4), np.uint64))
    rows = out.view(np.uint8)
    for half in (0, 1):
        dest = rows[:, 8 * half : 8 * half + 8].view("<u8")[:, 0]
        np.left_shift(low[:, 2 + half], np.uint64(4), out=dest)
        np.bitwise_or(dest, low[:, half], out=dest)


def _high_bits(q: np.ndarray) -> np.ndarray:
    """Q5 `qh`: bit j of a little-endian uint32 is bit 4 of value j."""
    return np.packbits(q >> np.uint8(4), axis=1, bitorder="little").view("<u4")[:, 0]


def _q4_0_chunk(xb: np.ndarray, ob: np.ndarray, s: dict) -> bool:
    d, q, ok = _offset_codes(xb, s, 8)
    _pack_nibbles(q, ob["qs"], s)
    ob["d"] = d
    return ok


def _q5_0_chunk(xb: np.ndarray, ob: np.ndarray, s: dict) -> bool:
    d, q, ok = _offset_codes(xb, s, 16)
    _pack_nibbles(q, ob["qs"], s, wide=True)
    ob["qh"] = _high_bits(q)
    ob["d"] = d
    return ok


def _q4_1_chunk(xb: np.ndarray, ob: np.ndarray, s: dict) -> bool:
    d, lo, q, ok = _min_codes(xb, s, 15)
    _pack_nibbles(q, ob["qs"], s)
    with np.errstate(over="ignore"):
        ob["d"], ob["m"] = d, lo
    return ok


def _q5_1_chunk(xb: np.ndarray, ob: np.ndarray, s: dict) -> bool:
    d, lo, q, ok = _min_codes(xb, s, 31)
    _pack_nibbles(q, ob["qs"], s, wide=True)
    ob["qh"] = _high_bits(q)
    with np.errstate(over="ignore"):
        ob["d"], ob["m"] = d, lo
    return ok


def _legacy(chunk_kernel: Callable[[np.ndarray, np.ndarray, dict], bool]) -> Callable[[np.ndarray, np.ndarray], bool]:
    def kernel(blocks: np.ndarray, out: np.ndarray) -> bool:
        return _run(chunk_kernel, blocks, out)

    return kernel


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
    """ggml `quantize_row_q4_K_ref` on (S, 256) float32 rows into `out` (S,) of _LAYOUT['Q4_K']."""
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
    """ggml `quantize_row_q6_K_ref` on (S, 256) float32 rows into `out` (S,) of _LAYOUT['Q6_K']."""
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


_KERNELS: dict[str, Callable[[np.ndarray, np.ndarray], bool]] = {
    "Q8_0": _legacy(_q8_0_chunk),
    "Q4_0": _legacy(_q4_0_chunk),
    "Q4_1": _legacy(_q4_1_chunk),
    "Q5_0": _legacy(_q5_0_chunk),
    "Q5_1": _legacy(_q5_1_chunk),
    "Q4_K": _k_quant(_q4_k_superblocks),
    "Q6_K": _k_quant(_q6_k_superblocks),
}


# ------------------------------------------------------------------------- decoders
# Each decoder does gguf's float32 operations in gguf's grouping, so the values are
# identical to `gguf.quants.dequantize` (e.g. Q4_K is (d*sc)*q - (dmin*m), not d*(sc*q)).


def _f32(h: np.ndarray) -> np.ndarray:
    return h.astype(np.float32)[:, None]


def _nibbles(qs: np.ndarray) -> np.ndarray:
    """Inverse of `_pack_nibbles`: (nb, 16) bytes -> (nb, 32) values 0..15."""
    return np.concatenate([qs & np.uint8(0x0F), qs >> np.uint8(4)], axis=1)


def _with_high_bit(b: np.ndarray) -> np.ndarray:
    bits = (b["qh"][:, None] >> np.arange(32, dtype=np.uint32)) & np.uint32(1)
    return _nibbles(b["qs"]) | (bits.astype(np.uint8) << np.uint8(4))


def _dq_q8_0(b: np.ndarray) -> np.ndarray:
    return b["qs"].astype(np.float32) * _f32(b["d"])


def _dq_q4_0(b: np.ndarray) -> np.ndarray:
    return _f32(b["d"]) * (_nibbles(b["qs"]).astype(np.int8) - np.int8(8)).astype(np.float32)


def _dq_q4_1(b: np.ndarray) -> np.ndarray:
    return _f32(b["d"]) * _nibbles(b["qs"]).astype(np.float32) + _f32(b["m"])


def _dq_q5_0(b: np.ndarray) -> np.ndarray:
    return _f32(b["d"]) * (_with_high_bit(b).astype(np.int8) - np.int8(16)).astype(np.float32)


def _dq_q5_1(b: np.ndarray) -> np.ndarray:
    return _f32(b["d"]) * _with_high_bit(b).astype(np.float32) + _f32(b["m"])


def _q4_k_scale_min(scales: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ggml `get_scale_min_k4`: eight 6-bit scales and mins packed in 12 bytes."""
    lo, mid, hi = scales[:, 0:4], scales[:, 4:8], scales[:, 8:12]
    sc = np.concatenate([lo & 0x3F, (hi & 0x0F) | ((lo >> 2) & 0x30)], axis=1)
    mn = np.concatenate([mid & 0x3F, (hi >> 4) | ((mid >> 2) & 0x30)], axis=1)
    return sc, mn


def _dq_q4_k(b: np.ndarray) -> np.ndarray:
    nb = b.shape[0]
    sc, mn = _q4_k_scale_min(b["scales"])
    d = (_f32(b["d"]) * sc.astype(np.float32))[:, :, None]
    dm = (_f32(b["dmin"]) * mn.astype(np.float32))[:, :, None]
    qs = b["qs"].reshape(nb, 4, 1, 32) >> np.array([0, 4], np.uint8).reshape(1, 1, 2, 1)
    q = (qs & np.uint8(0x0F)).reshape(nb, 8, 32).astype(np.float32)
    return (d * q - dm).reshape(nb, QK_K)


def _dq_q6_k(b: np.ndarray) -> np.ndarray:
    nb = b.shape[0]
    d = (_f32(b["d"]) * b["scales"].astype(np.float32)).reshape(nb, 16, 1)
    ql = b["ql"].reshape(nb, 2, 1, 64) >> np.array([0, 4], np.uint8).reshape(1, 1, 2, 1)
    ql = (ql & np.uint8(0x0F)).reshape(nb, 8, 32)
    qh = b["qh"].reshape(nb, 2, 1, 32) >> np.array([0, 2, 4, 6], np.uint8).reshape(1, 1, 4, 1)
    qh = (qh & np.uint8(0x03)).reshape(nb, 8, 32)
    q = ((ql | (qh << np.uint8(4))).astype(np.int8) - np.int8(32)).reshape(nb, 16, 16).astype(np.float32)
    return (d * q).reshape(nb, QK_K)


_DECODERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "Q8_0": _dq_q8_0,
    "Q4_0": _dq_q4_0,
    "Q4_1": _dq_q4_1,
    "Q5_0": _dq_q5_0,
    "Q5_1": _dq_q5_1,
    "Q4_K": _dq_q4_k,
    "Q6_K": _dq_q6_k,
}
