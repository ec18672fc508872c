"""GGML legacy quantizers (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1; 32-value blocks), bit-exact to
ggml's `quantize_row_*_ref` and so byte-identical to `gguf.quants.quantize`: the same
float32 operations in the same order, so the same roundings (see each kernel's comments).

Speed: the kernels walk the blocks in cache-sized chunks with preallocated scratch
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

# The largest float32 below 0.5. trunc(v + copysign(HALF_DOWN, v)) is round-half-away-
# from-zero (C roundf, which ggml's Q8_0 uses) for every float32 |v| < 2^22: a tie
# k + 0.5 rounds up to k + 1 when the sum is formed, anything below stays below.
_HALF_DOWN = np.nextafter(np.float32(0.5), np.float32(0.0))
_CHUNK = 8192  # blocks per chunk: 1 MiB of float32 input; measured best of 2048..16384
_PARALLEL_MIN = 1 << 16  # blocks; below this a thread pool costs more than it saves


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="quantize")


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



Encoder = Callable[[np.ndarray, np.ndarray], bool]  # (float32 blocks, out blocks) -> all inputs finite
ENCODERS: dict[str, Encoder] = {
    "Q8_0": _legacy(_q8_0_chunk),
    "Q4_0": _legacy(_q4_0_chunk),
    "Q4_1": _legacy(_q4_1_chunk),
    "Q5_0": _legacy(_q5_0_chunk),
    "Q5_1": _legacy(_q5_1_chunk),
}
