"""GGML block quantization (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q6_K), contract `quantize-ggml-v1`.

    quantize(x, qtype)         -> uint8 bytes, blocks along the last axis of x
    dequantize(data, qtype, n) -> float32 values, n elements along the last axis

This module checks the contract's preconditions and dispatches. Block layouts are
ggml's (`engine.ggml_layout`); the encoders are `engine.ggml_legacy` (32-value blocks,
byte-identical to `gguf.quants.quantize`, including inputs whose fp16 scale overflows:
the stored scale is then +-Inf, as in ggml and gguf) and `engine.ggml_kquants` (256-value
superblocks, ggml's reference quantizers); the decoders are `engine.ggml_decode`, value
for value what `gguf.quants.dequantize` returns.
"""

from __future__ import annotations

import numpy as np

from engine.contract import ContractViolation, clause
from engine.ggml_decode import DECODERS
from engine.ggml_kquants import ENCODERS as K_QUANT_ENCODERS
from engine.ggml_layout import BLOCK_SIZE, LAYOUT, QK_K, QTYPES, TYPE_SIZE
from engine.ggml_legacy import ENCODERS as LEGACY_ENCODERS

__all__ = ["BLOCK_SIZE", "CONTRACT", "QK_K", "QTYPES", "TYPE_SIZE", "dequantize", "quantize"]

CONTRACT = "quantize-ggml-v1"
_ACCEPTED_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_ENCODERS = {**LEGACY_ENCODERS, **K_QUANT_ENCODERS}


def _violation(equation: str, key: str, detail: str) -> ContractViolation:
    return ContractViolation(CONTRACT, key, clause(CONTRACT, equation, key), detail)


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
    out = np.empty(blocks.shape[0], LAYOUT[qtype])
    if not _ENCODERS[qtype](blocks, out):
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
    blocks = np.ascontiguousarray(data).reshape(-1, size).view(LAYOUT[qtype]).reshape(-1)
    return DECODERS[qtype](blocks).reshape(out_shape)
