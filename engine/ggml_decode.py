"""GGML block decoders for every type of contract `quantize-ggml-v1`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.ggml_layout import QK_K

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




DECODERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "Q8_0": _dq_q8_0,
    "Q4_0": _dq_q4_0,
    "Q4_1": _dq_q4_1,
    "Q5_0": _dq_q5_0,
    "Q5_1": _dq_q5_1,
    "Q4_K": _dq_q4_k,
    "Q6_K": _dq_q6_k,
}
