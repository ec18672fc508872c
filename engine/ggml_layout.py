"""GGML block layouts (`ggml-common.h`): values per block, bytes per block, and each block
as a numpy structured dtype (little-endian, fp16 scales, packed), shared by the encoders
and decoders of contract `quantize-ggml-v1`."""

from __future__ import annotations

import numpy as np

QK_K = 256
QTYPES = ("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q6_K")
BLOCK_SIZE = {"Q8_0": 32, "Q4_0": 32, "Q4_1": 32, "Q5_0": 32, "Q5_1": 32, "Q4_K": QK_K, "Q6_K": QK_K}
TYPE_SIZE = {"Q8_0": 34, "Q4_0": 18, "Q4_1": 20, "Q5_0": 22, "Q5_1": 24, "Q4_K": 144, "Q6_K": 210}

F16 = "<f2"
LAYOUT = {
    "Q8_0": np.dtype([("d", F16), ("qs", "i1", (32,))]),
    "Q4_0": np.dtype([("d", F16), ("qs", "u1", (16,))]),
    "Q4_1": np.dtype([("d", F16), ("m", F16), ("qs", "u1", (16,))]),
    "Q5_0": np.dtype([("d", F16), ("qh", "<u4"), ("qs", "u1", (16,))]),
    "Q5_1": np.dtype([("d", F16), ("m", F16), ("qh", "<u4"), ("qs", "u1", (16,))]),
    "Q4_K": np.dtype([("d", F16), ("dmin", F16), ("scales", "u1", (12,)), ("qs", "u1", (QK_K // 2,))]),
    "Q6_K": np.dtype([("ql", "u1", (QK_K // 2,)), ("qh", "u1", (QK_K // 4,)), ("scales", "i1", (QK_K // 16,)), ("d", F16)]),
}
