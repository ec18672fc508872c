"""engine.quantize against the gguf package (llama.cpp's numpy quantizers, the oracle)
and the numbers of its contract, quantize-ggml-v1."""

from __future__ import annotations

import gguf
import numpy as np
import pytest
import yaml
from gguf.quants import dequantize as gguf_dequantize
from gguf.quants import quantize as gguf_quantize

from engine.contract import ContractViolation, contracts_dir
from engine.quantize import BLOCK_SIZE, QTYPES, TYPE_SIZE, dequantize, quantize

CONTRACT = "quantize-ggml-v1"
LEGACY = ("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1")
K_QUANTS = ("Q4_K", "Q6_K")


def _contract() -> dict:
    with (contracts_dir() / f"{CONTRACT}.yaml").open() as handle:
        return yaml.safe_load(handle)


CONTRACT_DOC = _contract()
PARAMS = {f["id"]: f.get("parameters", {}) for f in CONTRACT_DOC["falsification_tests"]}


def _oracle_type(qtype: str) -> gguf.GGMLQuantizationType:
    return gguf.GGMLQuantizationType[qtype]


def _data_classes() -> list[tuple[str, np.ndarray]]:
    p = PARAMS["FALSIFY-QG-001"]
    rng = np.random.default_rng(p["seed"])
    normal = rng.standard_normal((p["rows"], p["n"]))
    return [
        ("normal_2d", normal.astype(np.float32)),
        ("normal_1d", rng.standard_normal(1024).astype(np.float32)),
        ("normal_3d", rng.standard_normal((2, 3, 64)).astype(np.float32)),
        ("constant", np.full((3, 64), 0.7, np.float32)),
        ("negative_constant", np.full(64, -0.7, np.float32)),
        ("zeros", np.zeros(64, np.float32)),
        ("signed_zeros", rng.choice([0.0, -0.0], 256).astype(np.float32)),
        ("ties", rng.choice([-1.0, -0.5, 0.5, 1.0], 256).astype(np.float32)),
        ("integers", rng.integers(-20, 20, 512).astype(np.float32)),
        ("tiny", (normal[0] * p["tiny"]).astype(np.float32)),
        ("subnormal", (normal[1] * p["subnormal"]).astype(np.float32)),
        ("huge", rng.choice([-p["huge"], p["huge"]], 256).astype(np.float32)),
        ("huge_normal", (normal[2] * p["huge"]).astype(np.float32)),
        ("fp16_overflow", (normal[3] * p["overflow"]).astype(np.float32)),
        ("float32_max", rng.choice([-3.4e38, 3.4e38], 64).astype(np.float32)),
        ("float64_input", normal[4].astype(np.float64)),
        ("float16_input", normal[5].astype(np.float16)),
    ]


@pytest.mark.parametrize("qtype", LEGACY)
@pytest.mark.parametrize(("name", "x"), _data_classes(), ids=[n for n, _ in _data_classes()])
def test_legacy_bytes_match_gguf(qtype: str, name: str, x: np.ndarray) -> None:
    with np.errstate(all="ignore"):  # the oracle warns on fp16 overflow and 1/subnormal
        expected = gguf_quantize(x.astype(np.float32), _oracle_type(qtype))
    got = quantize(x, qtype)
    assert got.dtype == np.uint8 and got.shape == expected.shape
    assert np.array_equal(got, expected)


@pytest.mark.parametrize("qtype", QTYPES)
def test_dequantize_matches_gguf(qtype: str) -> None:
    p = PARAMS["FALSIFY-QG-002"]
    x = np.random.default_rng(p["seed"]).standard_normal((p["rows"], p["n"])).astype(np.float32)
    q = quantize(x, qtype)
    got = dequantize(q, qtype, p["n"])
    assert got.dtype == np.float32 and got.shape == x.shape
    assert np.array_equal(got, gguf_dequantize(q, _oracle_type(qtype)))


@pytest.mark.parametrize("qtype", QTYPES)
def test_dequantize_matches_gguf_on_edge_data(qtype: str) -> None:
    """Inf scales (fp16 overflow) decode to the same Inf/NaN pattern as the oracle."""
    rng = np.random.default_rng(9)
    block = BLOCK_SIZE[qtype]
    for x in (np.zeros(block), rng.standard_normal(block) * 1e30, rng.standard_normal(2 * block) * 1e-3):
        q = quantize(x.astype(np.float32), qtype)
        with np.errstate(all="ignore"):
            assert np.array_equal(dequantize(q, qtype, x.size), gguf_dequantize(q, _oracle_type(qtype)), equal_nan=True)


@pytest.mark.parametrize("qtype", QTYPES)
def test_bytes_per_block(qtype: str) -> None:
    p = PARAMS["FALSIFY-QG-003"]
    x = np.random.default_rng(0).standard_normal((p["rows"], p["n"])).astype(np.float32)
    assert TYPE_SIZE[qtype] == p[qtype] == gguf.GGML_QUANT_SIZES[_oracle_type(qtype)][1]
    assert BLOCK_SIZE[qtype] == gguf.GGML_QUANT_SIZES[_oracle_type(qtype)][0]
    assert quantize(x, qtype).shape == (p["rows"], p["n"] // BLOCK_SIZE[qtype] * p[qtype])


@pytest.mark.parametrize("qtype", LEGACY)
def test_legacy_error_bound(qtype: str) -> None:
    p = PARAMS["FALSIFY-QG-004"]
    rng = np.random.default_rng(p["seed"])
    for scale in p["scales"]:
        x = (rng.standard_normal((p["rows"], p["n"])) * scale).astype(np.float32)
        err = np.abs(dequantize(quantize(x, qtype), qtype, p["n"]) - x).reshape(-1, 32).max(axis=1)
        amax = np.abs(x).reshape(-1, 32).max(axis=1)
        assert (err <= p[qtype] * amax).all(), (scale, float((err / amax).max()))


def _kquant_rows(kind: str, rng: np.random.Generator, rows: int) -> np.ndarray:
    if kind == "normal":
        return rng.standard_normal((rows, 256))
    if kind == "uniform":
        return rng.uniform(-1, 1, (rows, 256))
    if kind == "positive":
        return rng.uniform(0, 1, (rows, 256))
    if kind == "laplace":
        return rng.laplace(size=(rows, 256))
    sub = 10.0 ** rng.uniform(-3, 0, (rows, 16, 1))
    return (rng.uniform(-1, 1, (rows, 16, 16)) * sub).reshape(rows, 256)


@pytest.mark.parametrize("qtype", K_QUANTS)
def test_kquant_error_bound(qtype: str) -> None:
    p = PARAMS["FALSIFY-QG-005"]
    rng = np.random.default_rng(p["seed"])
    for kind in ("normal", "uniform", "positive", "laplace", "sub_block_scales"):
        base = _kquant_rows(kind, rng, p["rows"])
        base /= np.abs(base).max(axis=1, keepdims=True)
        for amax in p["amax"]:
            x = (base * amax).astype(np.float32)
            q = quantize(x, qtype)
            y = dequantize(q, qtype, 256)
            assert np.array_equal(y, gguf_dequantize(q, _oracle_type(qtype)))
            err = np.abs(y - x).max(axis=1)
            assert (err <= p[qtype] * np.abs(x).max(axis=1)).all(), (kind, amax, float(err.max() / amax))


def test_kquant_zero_and_constant_superblocks() -> None:
    for qtype in K_QUANTS:
        zero = quantize(np.zeros((2, 256), np.float32), qtype)
        assert not zero.any()  # ggml memsets an all-zero Q6_K block; Q4_K scales are all 0
        const = np.full(256, 0.3, np.float32)
        assert np.abs(dequantize(quantize(const, qtype), qtype, 256) - const).max() <= 1e-3


def test_q8_0_sign_symmetry() -> None:
    p = PARAMS["FALSIFY-QG-006"]
    x = np.random.default_rng(p["seed"]).standard_normal((p["rows"], p["n"])).astype(np.float32)
    pos, neg = quantize(x, "Q8_0").reshape(-1, 34), quantize(-x, "Q8_0").reshape(-1, 34)
    assert np.array_equal(pos[:, :2], neg[:, :2])
    assert np.array_equal(pos[:, 2:].view(np.int8), -neg[:, 2:].view(np.int8))


@pytest.mark.parametrize("qtype", LEGACY)
def test_requantize_is_identity(qtype: str) -> None:
    p = PARAMS["FALSIFY-QG-007"]
    rng = np.random.default_rng(p["seed"])
    for scale in p["scales"]:
        q = quantize((rng.standard_normal((p["rows"], p["n"])) * scale).astype(np.float32), qtype)
        assert np.array_equal(quantize(dequantize(q, qtype, p["n"]), qtype), q)


def test_q8_0_rounds_half_away_from_zero() -> None:
    p = PARAMS["FALSIFY-QG-008"]
    x = np.zeros(32, np.float32)
    x[: len(p["values"])] = p["values"]
    q = quantize(x, "Q8_0")
    assert list(q[:2]) == [0x00, 0x3C]  # fp16 1.0: d = 127 / 127
    codes = q[2:].view(np.int8)
    assert codes[: len(p["codes"])].tolist() == p["codes"]
    assert not codes[len(p["codes"]) :].any()


def test_q4_0_offset_and_nibble_order() -> None:
    p = PARAMS["FALSIFY-QG-009"]
    x = np.concatenate([np.arange(16) - 8, 7 - np.arange(16)]).astype(np.float32)
    q = quantize(x, "Q4_0")
    assert q[:2].tolist() == p["scale_bytes"]
    assert q[2:].tolist() == [i + 16 * (15 - i) for i in range(16)]
    assert (q[2], q[-1]) == (p["first_qs_byte"], p["last_qs_byte"])


@pytest.mark.parametrize("qtype", QTYPES)
def test_empty_input_gives_empty_output(qtype: str) -> None:
    empty = quantize(np.zeros((0,), np.float32), qtype)
    assert empty.dtype == np.uint8 and empty.shape == (0,)
    assert quantize(np.zeros((3, 0), np.float32), qtype).shape == (3, 0)
    assert quantize(np.zeros((0, 2 * BLOCK_SIZE[qtype])), qtype).shape == (0, 2 * TYPE_SIZE[qtype])
    back = dequantize(np.zeros((0,), np.uint8), qtype, 0)
    assert back.dtype == np.float32 and back.shape == (0,)


def _clause(equation: str, key: str) -> str:
    return CONTRACT_DOC["equations"][equation]["preconditions"][key]


def _bad_calls() -> list[tuple[str, str, object]]:
    ok = np.ones(64, np.float32)
    nan, inf = ok.copy(), ok.copy()
    nan[5], inf[40] = np.nan, -np.inf
    return [
        ("quantize", "known_qtype", lambda: quantize(ok, "Q3_K")),
        ("quantize", "known_qtype", lambda: quantize(ok, "q8_0")),
        ("quantize", "float_dtype", lambda: quantize(ok.astype(np.int32), "Q8_0")),
        ("quantize", "float_dtype", lambda: quantize(ok.astype(bool), "Q4_0")),
        ("quantize", "float_dtype", lambda: quantize(ok.astype(np.complex64), "Q8_0")),
        ("quantize", "float_dtype", lambda: quantize(ok.astype(object), "Q8_0")),
        ("quantize", "whole_blocks", lambda: quantize(np.float32(1.0), "Q8_0")),
        ("quantize", "whole_blocks", lambda: quantize(np.ones(33, np.float32), "Q8_0")),
        ("quantize", "whole_blocks", lambda: quantize(np.ones((2, 128), np.float32), "Q4_K")),
        ("quantize", "finite_input", lambda: quantize(nan, "Q8_0")),
        ("quantize", "finite_input", lambda: quantize(nan, "Q4_0")),
        ("quantize", "finite_input", lambda: quantize(inf, "Q4_1")),
        ("quantize", "finite_input", lambda: quantize(inf, "Q5_0")),
        ("quantize", "finite_input", lambda: quantize(nan, "Q5_1")),
        ("quantize", "finite_input", lambda: quantize(np.full(256, 1e39), "Q4_K")),
        ("quantize", "finite_input", lambda: quantize(np.concatenate([np.ones(255), [np.nan]]), "Q6_K")),
        ("dequantize", "known_qtype", lambda: dequantize(np.zeros(34, np.uint8), "F32", 32)),
        ("dequantize", "byte_dtype", lambda: dequantize(np.zeros(34, np.int8), "Q8_0", 32)),
        ("dequantize", "byte_length", lambda: dequantize(np.zeros(35, np.uint8), "Q8_0", 32)),
        ("dequantize", "byte_length", lambda: dequantize(np.zeros(34, np.uint8), "Q8_0", 33)),
        ("dequantize", "byte_length", lambda: dequantize(np.zeros(34, np.uint8), "Q8_0", -32)),
        ("dequantize", "byte_length", lambda: dequantize(np.uint8(0), "Q8_0", 0)),
    ]


@pytest.mark.parametrize(("equation", "key", "call"), _bad_calls())
def test_preconditions_rejected(equation: str, key: str, call) -> None:  # noqa: ANN001
    with pytest.raises(ContractViolation) as caught:
        call()
    message = str(caught.value)
    assert CONTRACT in message and _clause(equation, key) in message
    assert caught.value.clause_key == key


def test_large_input_matches_gguf_across_chunks_and_threads() -> None:
    """More blocks than one chunk and than the parallel threshold: the seams are invisible."""
    x = np.random.default_rng(11).standard_normal((3, (1 << 20) + 96), dtype=np.float32)
    for qtype in ("Q8_0", "Q4_0"):
        assert np.array_equal(quantize(x, qtype), gguf_quantize(x, _oracle_type(qtype)))
