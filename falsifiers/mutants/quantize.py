"""Mutants of engine.quantize and engine.gguf_file (contract quantize-ggml-v1).

Quantizer mutants keep the engine for every type but one and re-encode that type with a
plain per-block numpy kernel (gguf's float32 arithmetic) carrying one bug, or alter the
engine's bytes where the bug is in the packing. The engine is still called first on the
same input, so its precondition checks stay in force. GGUF mutants rewrite the writer's
layout step that the bug concerns and nothing else.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pv.mutation import Mutant

CONTRACT = "quantize-ggml-v1"
QUANTIZE = "engine.quantize:quantize"
DEQUANTIZE = "engine.quantize:dequantize"
WRITE_GGUF = "engine.gguf_file:write_gguf"
Quantize = Callable[[np.ndarray, str], np.ndarray]
Encoder = Callable[[np.ndarray], np.ndarray]  # float32 blocks (m, 32) -> bytes (m, size)


def _for_type(qtype: str, encode: Encoder) -> Callable[[Quantize], Quantize]:
    """quantize() with `qtype` re-encoded by `encode`; other types and all checks unchanged."""

    def make(original: Quantize) -> Quantize:
        def quantize(x: np.ndarray, wanted: str) -> np.ndarray:
            correct = original(x, wanted)
            if wanted != qtype or correct.size == 0:
                return correct
            blocks = np.asarray(x).astype(np.float32).reshape(-1, 32)
            with np.errstate(all="ignore"):
                encoded = encode(blocks)
            return encoded.reshape(*np.shape(x)[:-1], -1)

        return quantize

    return make


def _bytes_after(qtype: str, alter: Callable[[np.ndarray], None], size: int) -> Callable[[Quantize], Quantize]:
    """quantize() whose `qtype` blocks (of `size` bytes) are altered in place after encoding."""

    def make(original: Quantize) -> Quantize:
        def quantize(x: np.ndarray, wanted: str) -> np.ndarray:
            out = original(x, wanted)
            if wanted == qtype and out.size:
                alter(out.reshape(-1, size))
            return out

        return quantize

    return make


def _f16_bytes(d: np.ndarray) -> np.ndarray:
    return d.astype(np.float16).reshape(-1, 1).view(np.uint8)


def _q8_0(rounding: Callable[[np.ndarray], np.ndarray], signed_max: bool = False,
          scale_dtype: type = np.float16) -> Encoder:
    """Q8_0 in gguf's float32 arithmetic (non-finite codes cast as gguf casts them)."""

    def encode(blocks: np.ndarray) -> np.ndarray:
        big = blocks.max(axis=1, keepdims=True) if signed_max else np.abs(blocks).max(axis=1, keepdims=True)
        d = big / np.float32(127)
        inverse = np.where(d == 0, np.float32(0), np.float32(1) / d)
        codes = rounding(blocks * inverse).astype(np.int8).view(np.uint8)
        scale = d.astype(scale_dtype).reshape(-1, 1).view(np.uint8)
        return np.concatenate([scale, codes], axis=1)

    return encode


def _roundf(v: np.ndarray) -> np.ndarray:
    """C roundf, exactly: the fraction is doubled and floored, so 0.49999997 stays below 0.5."""
    a = np.abs(v)
    whole = np.floor(a)
    return np.sign(v) * (whole + np.floor(2 * (a - whole)))


def _naive_roundf(v: np.ndarray) -> np.ndarray:
    return np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))  # 0.49999997 + 0.5 is 1.0 in float32


def _q8_0_block_64(original: Quantize) -> Quantize:
    """Q8_0 with 64-value blocks: one scale per 64 values, 66 bytes per block."""

    def quantize(x: np.ndarray, wanted: str) -> np.ndarray:
        correct = original(x, wanted)
        if wanted != "Q8_0" or correct.size == 0 or np.shape(x)[-1] % 64:
            return correct
        blocks = np.asarray(x).astype(np.float32).reshape(-1, 64)
        with np.errstate(all="ignore"):
            d = np.abs(blocks).max(axis=1, keepdims=True) / np.float32(127)
            inverse = np.where(d == 0, np.float32(0), np.float32(1) / d)
            codes = _roundf(blocks * inverse).astype(np.int8).view(np.uint8)
        return np.concatenate([_f16_bytes(d), codes], axis=1).reshape(*np.shape(x)[:-1], -1)

    return quantize


def _q4_0_codes(blocks: np.ndarray, offset: float = 8.5) -> tuple[np.ndarray, np.ndarray]:
    """gguf's Q4_0 in float32: d = (first value of largest |x|) / -8, q = min(15, trunc(x / d + offset))."""
    big = np.take_along_axis(blocks, np.abs(blocks).argmax(axis=1, keepdims=True), axis=1)
    d = big / np.float32(-8)
    inverse = np.where(d == 0, np.float32(0), np.float32(1) / d)
    q = np.trunc(blocks * inverse + np.float32(offset), dtype=np.float32).astype(np.uint8).clip(0, 15)
    return d, q


def _q4_0(pack: Callable[[np.ndarray], np.ndarray], offset: float = 8.5) -> Encoder:
    def encode(blocks: np.ndarray) -> np.ndarray:
        d, q = _q4_0_codes(blocks, offset)
        return np.concatenate([_f16_bytes(d), pack(q)], axis=1)

    return encode


def _split_halves(q: np.ndarray) -> np.ndarray:
    return q[:, :16] | q[:, 16:] << 4  # ggml's order


def _swapped_nibbles(q: np.ndarray) -> np.ndarray:
    return q[:, 16:] | q[:, :16] << 4


def _interleaved_nibbles(q: np.ndarray) -> np.ndarray:
    return q[:, 0::2] | q[:, 1::2] << 4


def _drop_q4_k_scale_high_bits(blocks: np.ndarray) -> None:
    # get_scale_min_k4 keeps bits 4-5 of sub-blocks 4..7 in the top two bits of bytes 0..7
    blocks[:, 4:12] &= np.uint8(0x3F)


def _flip_q6_k_scale_sign(blocks: np.ndarray) -> None:
    blocks[:, 209] ^= np.uint8(0x80)  # sign bit of the fp16 d at bytes 208-209


def _finite_unchecked(original: Quantize) -> Quantize:
    def quantize(x: np.ndarray, qtype: str) -> np.ndarray:
        from engine.contract import ContractViolation

        try:
            return original(x, qtype)
        except ContractViolation as violation:
            if violation.clause_key != "finite_input":
                raise
            return original(np.nan_to_num(np.asarray(x, np.float32)), qtype)  # NaN/Inf quietly become numbers

    return quantize


def _empty_as_float(original: Quantize) -> Quantize:
    def quantize(x: np.ndarray, qtype: str) -> np.ndarray:
        out = original(x, qtype)
        return np.zeros(out.shape) if out.size == 0 else out  # float64 zeros, not uint8

    return quantize


Dequantize = Callable[[np.ndarray, str, int], np.ndarray]


def _q4_1_min_dropped(original: Dequantize) -> Dequantize:
    def dequantize(data: np.ndarray, qtype: str, n: int) -> np.ndarray:
        out = original(data, qtype, n)
        if qtype != "Q4_1" or out.size == 0:
            return out
        blocks = np.ascontiguousarray(data).reshape(-1, 20)
        minimum = blocks[:, 2:4].copy().view(np.float16).astype(np.float32)
        return (out.reshape(-1, 32) - minimum).reshape(out.shape)  # value = d q, the + min forgotten

    return dequantize


def _q5_0_high_bits_of_low_half(original: Dequantize) -> Dequantize:
    def dequantize(data: np.ndarray, qtype: str, n: int) -> np.ndarray:
        if qtype != "Q5_0" or np.asarray(data).size == 0:
            return original(data, qtype, n)
        blocks = np.ascontiguousarray(data).reshape(-1, 22).copy()
        qh = blocks[:, 2:6].view("<u4")[:, 0]
        low16 = qh & np.uint32(0xFFFF)
        blocks[:, 2:6] = (low16 | low16 << np.uint32(16)).reshape(-1, 1).view(np.uint8)  # bit j used for j + 16
        return original(blocks.reshape(np.shape(data)), qtype, n)

    return dequantize


def _byte_length_unchecked(original: Dequantize) -> Dequantize:
    def dequantize(data: np.ndarray, qtype: str, n: int) -> np.ndarray:
        from engine.quantize import BLOCK_SIZE, TYPE_SIZE

        data = np.asarray(data)
        if qtype in TYPE_SIZE and data.dtype == np.uint8 and data.ndim >= 1:
            whole = data.shape[-1] // TYPE_SIZE[qtype]
            # the byte count decides: n is ignored and a ragged tail silently dropped
            data, n = data[..., : whole * TYPE_SIZE[qtype]], whole * BLOCK_SIZE[qtype]
        return original(data, qtype, n)

    return dequantize


WriteGGUF = Callable[..., None]


def _writer(*, header_padding: bool = True, tensor_padding: bool = True, honour_alignment: bool = True,
            reverse_dims: bool = True) -> Callable[[WriteGGUF], WriteGGUF]:
    """write_gguf with one layout step wrong; the encoding of values is the engine's."""

    def make(original: WriteGGUF) -> WriteGGUF:
        def write_gguf(path: str | Path, tensors: Sequence[Any], metadata: Mapping[str, Any] | None = None) -> None:
            from engine.gguf_file import GGML_TYPE_ID, MAGIC, VERSION, _encode_value, _pad, _string

            metadata = dict(metadata or {})
            alignment = int(metadata.get("general.alignment", 32)) if honour_alignment else 32
            if "general.alignment" in metadata:
                metadata["general.alignment"] = np.uint32(metadata["general.alignment"])
            head = [MAGIC, struct.pack("<IQQ", VERSION, len(tensors), len(metadata))]
            for key, value in metadata.items():
                head += [_string(key), _encode_value(value)]
            blobs, offset = [], 0
            for t in tensors:
                raw = np.ascontiguousarray(t.data).tobytes()
                dims = tuple(reversed(t.shape)) if reverse_dims else tuple(t.shape)
                head += [_string(t.name), struct.pack(f"<I{len(dims)}Q", len(dims), *dims),
                         struct.pack("<IQ", GGML_TYPE_ID[t.ggml_type], offset)]
                blobs.append(raw + (bytes(_pad(len(raw), alignment)) if tensor_padding else b""))
                offset += len(blobs[-1])
            header = b"".join(head)
            with open(path, "wb") as handle:
                handle.write(header + (bytes(_pad(len(header), alignment)) if header_padding else b""))
                for blob in blobs:
                    handle.write(blob)

        return write_gguf

    return make


# The encoders above without a bug: tests/evidence/test_mutant_catalogue.py checks they reproduce
# the engine byte for byte, so each mutant differs from the engine by its one bug only.
CONTROLS: dict[str, Encoder] = {"Q8_0": _q8_0(_roundf), "Q4_0": _q4_0(_split_halves)}

MUTANTS = [
    Mutant("quantize-q8_0-round-half-even", CONTRACT, QUANTIZE,
           "Q8_0 codes rounded with numpy's rint (half to even) in place of C roundf", _for_type("Q8_0", _q8_0(np.rint))),
    Mutant("quantize-q8_0-truncation", CONTRACT, QUANTIZE,
           "Q8_0 codes truncated toward zero (the float -> int8 cast without the +-0.5)", _for_type("Q8_0", _q8_0(np.trunc))),
    Mutant("quantize-q8_0-floor-half-up", CONTRACT, QUANTIZE,
           "Q8_0 codes floor(v + 0.5): negative ties round toward +inf", _for_type("Q8_0", _q8_0(lambda v: np.floor(v + 0.5)))),
    Mutant("quantize-q8_0-naive-roundf", CONTRACT, QUANTIZE,
           "Q8_0 codes sign(v) floor(|v| + 0.5) in float32: 0.49999997 rounds to 1",
           _for_type("Q8_0", _q8_0(_naive_roundf))),
    Mutant("quantize-q8_0-signed-max", CONTRACT, QUANTIZE,
           "Q8_0 scale from max x instead of max |x|", _for_type("Q8_0", _q8_0(_roundf, signed_max=True))),
    Mutant("quantize-q8_0-fp32-scale", CONTRACT, QUANTIZE,
           "Q8_0 scale stored as float32: 36 bytes per block", _for_type("Q8_0", _q8_0(_roundf, scale_dtype=np.float32))),
    Mutant("quantize-q8_0-block-64", CONTRACT, QUANTIZE,
           "Q8_0 blocks of 64 values (one scale per 64)", _q8_0_block_64),
    Mutant("quantize-q4_0-offset-missing", CONTRACT, QUANTIZE,
           "Q4_0 codes trunc(x / d + 0.5) without the +8 offset (negative codes clamp to 0)",
           _for_type("Q4_0", _q4_0(_split_halves, offset=0.5))),
    Mutant("quantize-q4_0-nibbles-swapped", CONTRACT, QUANTIZE,
           "Q4_0 byte j = q_{j+16} | q_j << 4: high and low nibbles exchanged", _for_type("Q4_0", _q4_0(_swapped_nibbles))),
    Mutant("quantize-q4_0-nibbles-interleaved", CONTRACT, QUANTIZE,
           "Q4_0 byte j = q_{2j} | q_{2j+1} << 4: neighbours paired instead of split halves",
           _for_type("Q4_0", _q4_0(_interleaved_nibbles))),
    Mutant("quantize-q4_k-scale-high-bits-dropped", CONTRACT, QUANTIZE,
           "Q4_K 6-bit scales and mins of sub-blocks 4..7 lose their top two bits in the 12-byte packing",
           _bytes_after("Q4_K", _drop_q4_k_scale_high_bits, 144)),
    Mutant("quantize-q6_k-scale-sign", CONTRACT, QUANTIZE,
           "Q6_K superblock scale stored as +S/128 while sub-block scales keep -128 s/S: every value flips sign",
           _bytes_after("Q6_K", _flip_q6_k_scale_sign, 210)),
    Mutant("quantize-finite-unchecked", CONTRACT, QUANTIZE,
           "precondition finite_input removed: NaN and Inf are quietly quantized as numbers", _finite_unchecked),
    Mutant("quantize-empty-as-float", CONTRACT, QUANTIZE,
           "empty input returns float64 zeros instead of an empty uint8 array", _empty_as_float),
    Mutant("dequantize-q4_1-min-dropped", CONTRACT, DEQUANTIZE,
           "Q4_1 decodes d * q, forgetting + min", _q4_1_min_dropped),
    Mutant("dequantize-q5_0-high-bit-order", CONTRACT, DEQUANTIZE,
           "Q5_0 takes bit 4 of value j + 16 from qh bit j instead of bit j + 16", _q5_0_high_bits_of_low_half),
    Mutant("dequantize-byte-length-unchecked", CONTRACT, DEQUANTIZE,
           "precondition byte_length removed: n comes from the byte count and a ragged tail is dropped",
           _byte_length_unchecked),
    Mutant("gguf-header-padding-missing", CONTRACT, WRITE_GGUF,
           "GGUF data section starts right after the header, not at the next multiple of the alignment",
           _writer(header_padding=False)),
    Mutant("gguf-tensor-padding-missing", CONTRACT, WRITE_GGUF,
           "GGUF tensors packed back to back: offsets not multiples of the alignment", _writer(tensor_padding=False)),
    Mutant("gguf-alignment-ignored", CONTRACT, WRITE_GGUF,
           "GGUF writer records general.alignment but pads to 32 regardless", _writer(honour_alignment=False)),
    Mutant("gguf-dims-numpy-order", CONTRACT, WRITE_GGUF,
           "GGUF dims written in numpy order (slowest first) instead of ggml's fastest-first", _writer(reverse_dims=False)),
]
