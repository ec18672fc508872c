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

from engine.contract import ContractViolation, enforce, violation
from engine.ggml_decode import DECODERS
from engine.ggml_kquants import ENCODERS as K_QUANT_ENCODERS
from engine.ggml_layout import BLOCK_SIZE, LAYOUT, QK_K, QTYPES, TYPE_SIZE
from engine.ggml_legacy import ENCODERS as LEGACY_ENCODERS

__all__ = ["BLOCK_SIZE", "CONTRACT", "QK_K", "QTYPES", "TYPE_SIZE", "dequantize", "quantize"]

CONTRACT = "quantize-ggml-v1"
_ENCODERS = {**LEGACY_ENCODERS, **K_QUANT_ENCODERS}


def _violation(equation: str, key: str, detail: str) -> ContractViolation:
    return violation(CONTRACT, equation, key, detail)


def quantize(x: np.ndarray, qtype: str) -> np.ndarray:
    """GGML `qtype` bytes of `x`, blocks along the last axis: shape (..., n / block * bytes)."""
    return _quantize(np.asarray(x), qtype, BLOCK_SIZE.get(qtype, 0))


def dequantize(data: np.ndarray, qtype: str, n: int) -> np.ndarray:
    """float32 values of GGML `qtype` bytes: shape (..., n), n values per row of `data`."""
    return _dequantize(np.asarray(data), qtype, n, BLOCK_SIZE.get(qtype, 0), TYPE_SIZE.get(qtype, 0))


# The clauses read the block geometry of `qtype` as arguments (0 for an unknown qtype,
# which `known_qtype` rejects first). `finite_input` is checked in the body: the encoders
# report a non-finite value from the block maxima they compute anyway.
@enforce(CONTRACT, "quantize", in_body=("finite_input",))
def _quantize(x: np.ndarray, qtype: str, block: int) -> np.ndarray:
    out_shape = (*x.shape[:-1], x.shape[-1] // block * TYPE_SIZE[qtype])
    if x.size == 0:
        return np.empty(out_shape, np.uint8)
    with np.errstate(over="ignore"):  # float64 beyond float32 range becomes Inf: rejected below
        blocks = np.ascontiguousarray(x, dtype=np.float32).reshape(-1, block)
    out = np.empty(blocks.shape[0], LAYOUT[qtype])
    if not _ENCODERS[qtype](blocks, out):
        raise _violation("quantize", "finite_input", "x contains NaN or Inf (after conversion to float32)")
    return out.view(np.uint8).reshape(out_shape)


@enforce(CONTRACT, "dequantize")
def _dequantize(data: np.ndarray, qtype: str, n: int, block: int, size: int) -> np.ndarray:
    out_shape = (*data.shape[:-1], int(n))
    if data.size == 0:
        return np.empty(out_shape, np.float32)
    blocks = np.ascontiguousarray(data).reshape(-1, size).view(LAYOUT[qtype]).reshape(-1)
    return DECODERS[qtype](blocks).reshape(out_shape)
