"""engine.quantize beyond its falsifiers (falsifiers/test_quantize.py): Inf scales, degenerate
K-quant superblocks, and inputs large enough to cross chunk and thread seams, against the
gguf package (llama.cpp's numpy quantizers, the oracle)."""

from __future__ import annotations

import gguf
import numpy as np
import pytest
from gguf.quants import dequantize as gguf_dequantize
from gguf.quants import quantize as gguf_quantize

from engine.quantize import BLOCK_SIZE, QTYPES, dequantize, quantize

K_QUANTS = ("Q4_K", "Q6_K")


def _oracle_type(qtype: str) -> gguf.GGMLQuantizationType:
    return gguf.GGMLQuantizationType[qtype]


@pytest.mark.parametrize("qtype", QTYPES)
def test_dequantize_matches_gguf_on_edge_data(qtype: str) -> None:
    """Inf scales (fp16 overflow) decode to the same Inf/NaN pattern as the oracle."""
    rng = np.random.default_rng(9)
    block = BLOCK_SIZE[qtype]
    for x in (np.zeros(block), rng.standard_normal(block) * 1e30, rng.standard_normal(2 * block) * 1e-3):
        q = quantize(x.astype(np.float32), qtype)
        with np.errstate(all="ignore"):
            assert np.array_equal(dequantize(q, qtype, x.size), gguf_dequantize(q, _oracle_type(qtype)), equal_nan=True)


def test_kquant_zero_and_constant_superblocks() -> None:
    for qtype in K_QUANTS:
        zero = quantize(np.zeros((2, 256), np.float32), qtype)
        assert not zero.any()  # ggml memsets an all-zero Q6_K block; Q4_K scales are all 0
        const = np.full(256, 0.3, np.float32)
        assert np.abs(dequantize(quantize(const, qtype), qtype, 256) - const).max() <= 1e-3


def test_large_input_matches_gguf_across_chunks_and_threads() -> None:
    """More blocks than one chunk and than the parallel threshold: the seams are invisible."""
    x = np.random.default_rng(11).standard_normal((3, (1 << 20) + 96), dtype=np.float32)
    for qtype in ("Q8_0", "Q4_0"):
        assert np.array_equal(quantize(x, qtype), gguf_quantize(x, _oracle_type(qtype)))
