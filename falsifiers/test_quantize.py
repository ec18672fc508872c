"""Falsifiers of contracts/quantize-ggml-v1.yaml, run against engine.quantize and engine.gguf_file.

The oracle is llama.cpp's own Python package, `gguf` (the `oracle` extra): its numpy
quantizers are bit-exact to ggml's C reference, its reader and writer define the GGUF
container in practice. Sizes, seeds, scales and error bounds are read from each
falsifier's `parameters`; the contract's own case runs first as an explicit `@example`,
then hypothesis draws seeds, shapes, types and codes within the contract's ranges.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import gguf  # the oracle extra; a missing oracle is a collection error, never a silent skip
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine import gguf_file
from engine import quantize as kernels
from engine.contract import ContractViolation
from pv.testing import Falsifier, exercise_preconditions, falsifier

QG_001 = falsifier("FALSIFY-QG-001")
QG_002 = falsifier("FALSIFY-QG-002")
QG_003 = falsifier("FALSIFY-QG-003")
QG_004 = falsifier("FALSIFY-QG-004")
QG_005 = falsifier("FALSIFY-QG-005")
QG_006 = falsifier("FALSIFY-QG-006")
QG_007 = falsifier("FALSIFY-QG-007")
QG_008 = falsifier("FALSIFY-QG-008")
QG_009 = falsifier("FALSIFY-QG-009")
QG_010 = falsifier("FALSIFY-QG-010")
QG_011 = falsifier("FALSIFY-QG-011")
QG_012 = falsifier("FALSIFY-QG-012")
QG_013 = falsifier("FALSIFY-QG-013")

LEGACY = ("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1")
K_QUANTS = ("Q4_K", "Q6_K")
ALL_TYPES = LEGACY + K_QUANTS
seeds = st.integers(0, 2**32 - 1)


def quantize(x: np.ndarray, qtype: str) -> np.ndarray:
    """The engine's quantize, looked up at call time so an injected mutant is the one run."""
    return kernels.quantize(x, qtype)


def dequantize(data: np.ndarray, qtype: str, n: int) -> np.ndarray:
    return kernels.dequantize(data, qtype, n)


def oracle_quantize(x: np.ndarray, qtype: str) -> np.ndarray:
    with np.errstate(all="ignore"):  # the oracle warns on fp16 overflow and 1 / subnormal
        return gguf.quants.quantize(x.astype(np.float32), gguf.GGMLQuantizationType[qtype])


def oracle_dequantize(data: np.ndarray, qtype: str) -> np.ndarray:
    with np.errstate(all="ignore"):
        return gguf.quants.dequantize(data, gguf.GGMLQuantizationType[qtype])


def block_size(qtype: str) -> int:
    """Values per block, from the oracle's table (not from the engine under test)."""
    return int(gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[qtype]][0])


def int_param(f: Falsifier, name: str) -> int:
    return int(f.param(name))


def for_each_type(qtypes: tuple[str, ...], **case: object) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The contract's own case as an explicit @example for each of `qtypes`, in order."""

    def apply(test: Callable[..., None]) -> Callable[..., None]:
        for qtype in reversed(qtypes):
            test = example(qtype=qtype, **case)(test)
        return test

    return apply


def legacy_data_classes(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """FALSIFY-QG-001's data classes: random (1, 2 and 3 axes), constant, zero, signed zero,
    ties, tiny, huge, fp16-overflowing, float32-max and subnormal blocks (plus float64 and
    float16 inputs, converted to float32)."""
    p = QG_001.param
    normal = rng.standard_normal((int_param(QG_001, "rows"), int_param(QG_001, "n")))
    # blocks led by 127 (Q8_0: d = 1), the rest k + 0.5: half to even and half away differ at even k
    half_ties = rng.integers(-126, 126, (8, 32)) + 0.5
    half_ties[:, 0] = 127.0
    return {
        "normal": normal.astype(np.float32),
        "normal_1d": rng.standard_normal(1024).astype(np.float32),
        "normal_3d": rng.standard_normal((2, 3, 64)).astype(np.float32),
        "constant": np.full((3, 64), 0.7, np.float32),
        "negative_constant": np.full(64, -0.7, np.float32),
        "zeros": np.zeros(64, np.float32),
        "signed_zeros": rng.choice([0.0, -0.0], 256).astype(np.float32),
        "ties": rng.choice([-1.0, -0.5, 0.5, 1.0], 256).astype(np.float32),
        "half_ties": half_ties.astype(np.float32),
        "integers": rng.integers(-20, 20, 512).astype(np.float32),
        "tiny": (normal[0] * p("tiny")).astype(np.float32),
        "huge": rng.choice([-p("huge"), p("huge")], 256).astype(np.float32),
        "huge_normal": (normal[1] * p("huge")).astype(np.float32),
        "fp16_overflow": (normal[2] * p("overflow")).astype(np.float32),
        "subnormal": (normal[3] * p("subnormal")).astype(np.float32),
        "float32_max": rng.choice([-3.4e38, 3.4e38], 64).astype(np.float32),
        "float64_input": normal[4].astype(np.float64),
        "float16_input": normal[5].astype(np.float16),
    }


@pytest.mark.falsifies(QG_001.id)
@given(qtype=st.sampled_from(LEGACY), seed=seeds)
@for_each_type(LEGACY, seed=int_param(QG_001, "seed"))
@settings(deadline=None)
def test_legacy_bytes_match_gguf(qtype: str, seed: int) -> None:
    """FALSIFY-QG-001: quantize(x, t) == gguf.quants.quantize(x, t) byte for byte, every data class."""
    for name, x in legacy_data_classes(np.random.default_rng(seed)).items():
        expected = oracle_quantize(x, qtype)
        got = quantize(x, qtype)
        if got.dtype != np.uint8 or got.shape != expected.shape:
            QG_001.fail(f"{qtype} {name}: output {got.dtype}{got.shape}, the oracle's {expected.dtype}{expected.shape}")
        if not np.array_equal(got, expected):
            first = int(np.flatnonzero(got.reshape(-1) != expected.reshape(-1))[0])
            QG_001.fail(f"{qtype} {name}: byte {first} is {got.reshape(-1)[first]}, the oracle's "
                        f"{expected.reshape(-1)[first]} ({int((got != expected).sum())} bytes differ)")


@pytest.mark.falsifies(QG_002.id)
@given(qtype=st.sampled_from(ALL_TYPES), seed=seeds, rows=st.integers(1, int_param(QG_002, "rows")),
       superblocks=st.integers(1, int_param(QG_002, "n") // 256))
@for_each_type(ALL_TYPES, seed=int_param(QG_002, "seed"), rows=int_param(QG_002, "rows"),
               superblocks=int_param(QG_002, "n") // 256)
@settings(deadline=None)
def test_dequantize_matches_gguf(qtype: str, seed: int, rows: int, superblocks: int) -> None:
    """FALSIFY-QG-002: dequantize(quantize(x, t), t, n) equals gguf's decoding of the same bytes exactly."""
    n = 256 * superblocks
    x = np.random.default_rng(seed).standard_normal((rows, n)).astype(np.float32)
    q = quantize(x, qtype)
    got = dequantize(q, qtype, n)
    expected = oracle_dequantize(q, qtype)
    if got.dtype != np.float32 or got.shape != x.shape:
        QG_002.fail(f"{qtype}: decoded {got.dtype}{got.shape} for {x.shape} values")
    if not np.array_equal(got, expected, equal_nan=True):
        worst = float(np.nanmax(np.abs(got - expected)))
        QG_002.fail(f"{qtype}: {int((got != expected).sum())} of {got.size} values differ from gguf (worst by {worst:.6g})")


@pytest.mark.falsifies(QG_003.id)
@given(qtype=st.sampled_from(ALL_TYPES), rows=st.integers(0, int_param(QG_003, "rows")),
       superblocks=st.integers(1, int_param(QG_003, "n") // 256))
@for_each_type(ALL_TYPES, rows=int_param(QG_003, "rows"), superblocks=int_param(QG_003, "n") // 256)
@settings(deadline=None)
def test_bytes_per_block(qtype: str, rows: int, superblocks: int) -> None:
    """FALSIFY-QG-003: shape (rows, n / block * bytes) with the contract's bytes per block, which
    must also be the oracle's (an fp32 scale or a block of 64 changes the count)."""
    per_block = int_param(QG_003, qtype)
    oracle_block, oracle_bytes = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[qtype]]
    if per_block != oracle_bytes:
        QG_003.fail(f"the contract says {per_block} bytes per {qtype} block, gguf says {oracle_bytes}")
    n = 256 * superblocks
    x = np.random.default_rng(rows).standard_normal((rows, n)).astype(np.float32)
    shape = quantize(x, qtype).shape
    if shape != (rows, n // oracle_block * per_block):
        QG_003.fail(f"{qtype} of {x.shape} values has shape {shape}, expected {(rows, n // oracle_block * per_block)}")


def worst_block_ratio(x: np.ndarray, y: np.ndarray, block: int, amax_range: tuple[float, float]) -> float:
    """max over blocks of max |y - x| / max |x|, for blocks whose max |x| lies in the contract's range."""
    err = np.abs(y.astype(np.float64) - x).reshape(-1, block).max(axis=1)
    amax = np.abs(x.astype(np.float64)).reshape(-1, block).max(axis=1)
    inside = (amax >= amax_range[0]) & (amax <= amax_range[1])
    if not inside.any():
        return 0.0
    return float((err[inside] / amax[inside]).max())


@pytest.mark.falsifies(QG_004.id)
@given(qtype=st.sampled_from(LEGACY), seed=seeds, rows=st.integers(1, int_param(QG_004, "rows")))
@for_each_type(LEGACY, seed=int_param(QG_004, "seed"), rows=int_param(QG_004, "rows"))
@settings(deadline=None)
def test_legacy_error_bound(qtype: str, seed: int, rows: int) -> None:
    """FALSIFY-QG-004: per 32-value block, max |dequantize(quantize(x)) - x| <= c(t) max |x|
    for x ~ N(0, 1) * s at every contract scale s (blocks with max |x| in the contract's range)."""
    n = int_param(QG_004, "n")
    rng = np.random.default_rng(seed)
    for scale in QG_004.param("scales"):
        x = (rng.standard_normal((rows, n)) * scale).astype(np.float32)
        ratio = worst_block_ratio(x, dequantize(quantize(x, qtype), qtype, n), 32, tuple(QG_004.param("amax_range")))
        QG_004.check_close(ratio, QG_004.param(qtype), what=f"{qtype} block error / max |x| at scale {scale:g}")


KQUANT_KINDS = ("normal", "uniform", "positive", "laplace", "sub_block_scales")


def kquant_rows(kind: str, rng: np.random.Generator, rows: int) -> np.ndarray:
    """Rows of 256 in FALSIFY-QG-005's distributions, each rescaled to max |x| = 1."""
    if kind == "normal":
        x = rng.standard_normal((rows, 256))
    elif kind == "uniform":
        x = rng.uniform(-1, 1, (rows, 256))
    elif kind == "positive":
        x = rng.uniform(0, 1, (rows, 256))
    elif kind == "laplace":
        x = rng.laplace(size=(rows, 256))
    else:  # sub-blocks of 16 at magnitudes spread over three decades
        x = (rng.uniform(-1, 1, (rows, 16, 16)) * 10.0 ** rng.uniform(-3, 0, (rows, 16, 1))).reshape(rows, 256)
    return x / np.abs(x).max(axis=1, keepdims=True)


@pytest.mark.falsifies(QG_005.id)
@given(qtype=st.sampled_from(K_QUANTS), seed=seeds, rows=st.integers(1, int_param(QG_005, "drawn_rows")))
@for_each_type(K_QUANTS, seed=int_param(QG_005, "seed"), rows=int_param(QG_005, "rows"))
@settings(deadline=None)
def test_kquant_error_bound(qtype: str, seed: int, rows: int) -> None:
    """FALSIFY-QG-005: per superblock, max |dequantize(quantize(x)) - x| <= c(t) max |x| over the
    contract's five distributions at every max |x| = a (the contract's case has `rows` rows
    per distribution; drawn runs up to `drawn_rows`, to keep a run of 100 examples short)."""
    rng = np.random.default_rng(seed)
    for kind in KQUANT_KINDS:
        unit = kquant_rows(kind, rng, rows)
        for amax in QG_005.param("amax"):
            x = (unit * amax).astype(np.float32)
            ratio = worst_block_ratio(x, dequantize(quantize(x, qtype), qtype, 256), 256, tuple(QG_005.param("amax_range")))
            QG_005.check_close(ratio, QG_005.param(qtype), what=f"{qtype} superblock error / max |x| ({kind}, a = {amax:g})")


@pytest.mark.falsifies(QG_006.id)
@given(seed=seeds, rows=st.integers(1, int_param(QG_006, "rows")), blocks=st.integers(1, int_param(QG_006, "n") // 32))
@example(seed=int_param(QG_006, "seed"), rows=int_param(QG_006, "rows"), blocks=int_param(QG_006, "n") // 32)
@settings(deadline=None)
def test_q8_0_sign_symmetry(seed: int, rows: int, blocks: int) -> None:
    """FALSIFY-QG-006: quantize(-x, Q8_0) keeps the fp16 scales and negates every int8 code."""
    x = np.random.default_rng(seed).standard_normal((rows, 32 * blocks)).astype(np.float32)
    pos, neg = quantize(x, "Q8_0").reshape(-1, 34), quantize(-x, "Q8_0").reshape(-1, 34)
    if not np.array_equal(pos[:, :2], neg[:, :2]):
        QG_006.fail(f"{int((pos[:, :2] != neg[:, :2]).any(axis=1).sum())} blocks change their scale under x -> -x")
    codes, negated = pos[:, 2:].view(np.int8), neg[:, 2:].view(np.int8)
    if not np.array_equal(codes, -negated):
        QG_006.fail(f"{int((codes != -negated).sum())} codes of quantize(-x) are not the negated codes of quantize(x)")


@pytest.mark.falsifies(QG_007.id)
@given(qtype=st.sampled_from(LEGACY), seed=seeds, rows=st.integers(1, int_param(QG_007, "rows")))
@for_each_type(LEGACY, seed=int_param(QG_007, "seed"), rows=int_param(QG_007, "rows"))
@settings(deadline=None)
def test_requantize_is_identity(qtype: str, seed: int, rows: int) -> None:
    """FALSIFY-QG-007: quantize(dequantize(q, t, n), t) == q for q = quantize(x ~ N(0, s^2), t),
    at every contract scale s."""
    n = int_param(QG_007, "n")
    rng = np.random.default_rng(seed)
    for scale in QG_007.param("scales"):
        q = quantize((rng.standard_normal((rows, n)) * scale).astype(np.float32), qtype)
        again = quantize(dequantize(q, qtype, n), qtype)
        if not np.array_equal(again, q):
            QG_007.fail(f"{qtype} at scale {scale:g}: re-quantizing changes {int((again != q).sum())} of {q.size} bytes")


def q8_0_block(values: list[float]) -> np.ndarray:
    x = np.zeros(32, np.float32)
    x[: len(values)] = values
    return x


@pytest.mark.falsifies(QG_008.id)
@given(ks=st.lists(st.integers(-126, 125), min_size=1, max_size=31))
@example(ks=[])  # the contract's own block
def test_q8_0_rounds_half_away_from_zero(ks: list[int]) -> None:
    """FALSIFY-QG-008: with 127 in the block, d = 1 exactly (bytes 00 3C) and each code is C's
    roundf: the contract's block, then drawn ties k + 0.5 (code k + 1 if k >= 0, else k)."""
    if ks:
        values, codes = [127.0] + [k + 0.5 for k in ks], [127] + [k + 1 if k >= 0 else k for k in ks]
    else:
        values, codes = list(QG_008.param("values")), list(QG_008.param("codes"))
    q = quantize(q8_0_block(values), "Q8_0")
    if q[:2].tolist() != [0x00, 0x3C]:
        QG_008.fail(f"scale bytes {q[:2].tolist()} for a block with max |x| = 127, expected [0, 60] (fp16 1.0)")
    got = q[2:].view(np.int8).tolist()
    expected = codes + [0] * (32 - len(codes))
    if got != expected:
        wrong = [(v, g, e) for v, g, e in zip(values, got, expected) if g != e]
        QG_008.fail("codes (value, got, expected) " + ", ".join(f"({v}, {g}, {e})" for v, g, e in wrong[:5]))


def q4_0_bytes(codes: np.ndarray) -> list[int]:
    """Q4_0 bytes of a block x = codes (codes in -8..7 with a -8, so m = -8 and d = 1): scale, then
    byte j = (x_j + 8) | (x_{j+16} + 8) << 4."""
    q = codes + 8
    return list(QG_009.param("scale_bytes")) + [int(q[j] | q[j + 16] << 4) for j in range(16)]


@pytest.mark.falsifies(QG_009.id)
@given(codes=st.lists(st.integers(-8, 7), min_size=32, max_size=32).filter(lambda c: -8 in c))
@example(codes=[j - 8 for j in range(16)] + [7 - i for i in range(16)])  # the contract's block
@settings(deadline=None)
def test_q4_0_offset_and_nibble_order(codes: list[int]) -> None:
    """FALSIFY-QG-009: a block of integers in -8..7 holding a -8 has fp16(d) = 1.0, codes x + 8, low
    nibble value j and high nibble value j + 16 (the contract's block: F0 E1 ... 1E 0F)."""
    x = np.array(codes, np.float32)
    got = quantize(x, "Q4_0").tolist()
    expected = q4_0_bytes(np.array(codes))
    if codes == [j - 8 for j in range(16)] + [7 - i for i in range(16)]:
        expected_ends = [int(QG_009.param("first_qs_byte")), int(QG_009.param("last_qs_byte"))]
        if [expected[2], expected[-1]] != expected_ends:
            QG_009.fail(f"the formula gives first/last bytes {expected[2]}/{expected[-1]}, the contract {expected_ends}")
    if got != expected:
        QG_009.fail(f"bytes {bytes(got).hex(' ')} for codes {codes}, expected {bytes(expected).hex(' ')}")


def precondition_cases() -> list[tuple[str, str, Callable[[], object]]]:
    """(equation, precondition key, call) for each input FALSIFY-QG-010 names."""
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


@pytest.mark.falsifies(QG_010.id)
def test_preconditions_rejected() -> None:
    """FALSIFY-QG-010: each out-of-domain call raises ContractViolation naming the contract and
    quoting the precondition's text from the contract YAML."""
    for equation, key, call in precondition_cases():
        clause = QG_010.document["equations"][equation]["preconditions"][key]
        try:
            with np.errstate(all="ignore"):
                call()
        except ContractViolation as violation:
            message = str(violation)
            if QG_010.contract not in message or clause not in message or violation.clause_key != key:
                QG_010.fail(f"{equation}: the violation for '{key}' reads {message!r}")
        else:
            QG_010.fail(f"{equation} accepted an input outside its precondition '{key}' ({clause})")
    # And one generated input per clause of both equations; block geometry is derived from qtype.
    with np.errstate(all="ignore"):
        problems = exercise_preconditions(QG_010.contract, "quantize", kernels._quantize, ((np.ones((2, 32)), "Q8_0", 32), {}),
                                          lambda x, qtype, block: kernels.quantize(x, qtype), vary=("x", "qtype"))
        problems += exercise_preconditions(
            QG_010.contract, "dequantize", kernels._dequantize, ((np.zeros((2, 34), np.uint8), "Q8_0", 32, 32, 34), {}),
            lambda data, qtype, n, block, size: kernels.dequantize(data, qtype, n), vary=("data", "qtype", "n"))
    if problems:
        QG_010.fail("; ".join(problems))


def write_and_read_aligned(directory: Path, sizes: list[int], alignment: int) -> None:
    """Write float32 tensors of `sizes` at `alignment`; both readers must find the same values."""
    path = directory / f"aligned-{alignment}.gguf"
    arrays = [np.arange(size, dtype=np.float32) + 1 + 100 * i for i, size in enumerate(sizes)]
    metadata = {"general.alignment": np.uint32(alignment)} if alignment != 32 else {}
    gguf_file.write_gguf(path, [gguf_file.GGUFTensor.from_array(f"t{i}", a) for i, a in enumerate(arrays)], metadata)
    reader = gguf.GGUFReader(path)
    if reader.data_offset % alignment:
        QG_011.fail(f"data section at {reader.data_offset}, not a multiple of {alignment}")
    for a, t in zip(arrays, reader.tensors, strict=True):
        if (t.data_offset - reader.data_offset) % alignment:
            QG_011.fail(f"tensor {t.name} at data offset {t.data_offset - reader.data_offset}, alignment {alignment}")
        if not np.array_equal(np.asarray(t.data), a):
            QG_011.fail(f"gguf.GGUFReader reads tensor {t.name} as {np.asarray(t.data)[:4]}..., written {a[:4]}...")
    ours = gguf_file.read_gguf(path)
    if ours.data_offset != reader.data_offset or ours.alignment != alignment:
        QG_011.fail(f"read_gguf: data offset {ours.data_offset}, alignment {ours.alignment}; gguf: {reader.data_offset}")
    if not all(np.array_equal(t.data, a) for t, a in zip(ours.tensors, arrays, strict=True)):
        QG_011.fail("read_gguf returns other values than were written")


@pytest.mark.falsifies(QG_011.id)
@given(sizes=st.lists(st.integers(1, 40), min_size=1, max_size=4), alignment=st.sampled_from(QG_011.param("alignments")))
@example(sizes=list(QG_011.param("sizes")), alignment=QG_011.param("alignments")[0])
@example(sizes=list(QG_011.param("sizes")), alignment=QG_011.param("alignments")[1])
@settings(deadline=None)
def test_gguf_data_section_aligned(sizes: list[int], alignment: int) -> None:
    """FALSIFY-QG-011: the data section and every tensor start at a multiple of the alignment
    (32, or general.alignment), and gguf.GGUFReader reads back exactly the values written."""
    with tempfile.TemporaryDirectory() as directory:
        write_and_read_aligned(Path(directory), sizes, int(alignment))


METADATA = {
    "general.architecture": "llama",
    "general.name": "tiny ünïcode",
    "test.u32": np.uint32(4_000_000_000),
    "test.i32": -7,
    "test.f32": 0.25,
    "test.u64": np.uint64(2**40 + 3),
    "test.bool": True,
    "test.strings": ["a", "", "ccc"],
    "test.ints": [1, -2, 3],
    "test.floats": np.array([1.5, -2.25], np.float32),
    "test.u64s": np.array([1, 2**50], np.uint64),
    "test.bools": [True, False, True],
}
ORACLE_VALUE_TYPE = {
    "general.architecture": "STRING", "general.name": "STRING", "test.u32": "UINT32", "test.i32": "INT32",
    "test.f32": "FLOAT32", "test.u64": "UINT64", "test.bool": "BOOL", "test.strings": "STRING",
    "test.ints": "INT32", "test.floats": "FLOAT32", "test.u64s": "UINT64", "test.bools": "BOOL",
}  # fmt: skip


def oracle_reads_ours(path: Path, rng: np.random.Generator) -> None:
    tensors = [
        gguf_file.GGUFTensor.from_array("f32.odd", rng.standard_normal((3, 5)).astype(np.float32)),
        gguf_file.GGUFTensor.from_array("f16.vec", rng.standard_normal(7), "F16"),
        gguf_file.GGUFTensor.from_array("q8", rng.standard_normal((2, 64)), "Q8_0"),
        gguf_file.GGUFTensor.from_array("q4k", rng.standard_normal((2, 256)), "Q4_K"),
        gguf_file.GGUFTensor.from_array("q6k", rng.standard_normal(256), "Q6_K"),
    ]
    gguf_file.write_gguf(path, tensors, METADATA)
    reader = gguf.GGUFReader(path)
    if [t.name for t in reader.tensors] != [t.name for t in tensors]:
        QG_012.fail(f"gguf reads tensors {[t.name for t in reader.tensors]}")
    for mine, theirs in zip(tensors, reader.tensors, strict=True):
        dims = tuple(int(d) for d in theirs.shape)
        if theirs.tensor_type.name != mine.ggml_type or dims != tuple(reversed(mine.shape)):  # ggml: fastest dim first
            QG_012.fail(f"{mine.name}: gguf reads {theirs.tensor_type.name} {dims}, written {mine.ggml_type} {mine.shape}")
        if np.asarray(theirs.data).tobytes() != mine.data.tobytes():
            QG_012.fail(f"{mine.name}: gguf reads other tensor bytes than were written")
    for key, value in METADATA.items():
        field = reader.get_field(key)
        expected = value.tolist() if isinstance(value, np.ndarray) else value
        if field is None or field.types[-1].name != ORACLE_VALUE_TYPE[key] or field.contents() != expected:
            QG_012.fail(f"metadata {key}: gguf reads {None if field is None else field.contents()!r}, written {expected!r}")


def we_read_oracles(path: Path, rng: np.random.Generator) -> None:
    f32 = rng.standard_normal((4, 64)).astype(np.float32)
    odd = rng.standard_normal(5).astype(np.float32)
    q4 = oracle_quantize(f32, "Q4_0")
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_uint32("x.u32", 5)
    writer.add_string("x.s", "hé")
    writer.add_array("x.arr", [1.5, 2.5])
    writer.add_bool("x.b", False)
    writer.add_tensor("odd", odd)
    writer.add_tensor("q", q4, raw_dtype=gguf.GGMLQuantizationType.Q4_0)
    writer.add_tensor("f", f32)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    got = gguf_file.read_gguf(path)
    meta = got.metadata
    facts = {
        "version 3, alignment 32": got.version == 3 and got.alignment == 32 and got.data_offset % 32 == 0,
        "metadata": (meta.get("general.architecture"), meta.get("x.u32"), meta.get("x.s"), meta.get("x.b"))
        == ("llama", 5, "hé", False) and np.asarray(meta.get("x.arr")).tolist() == [1.5, 2.5],
        "tensor names": [t.name for t in got.tensors] == ["odd", "q", "f"],
        "F32 values": np.array_equal(got.tensor("odd").data, odd) and np.array_equal(got.tensor("f").data, f32),
        "Q4_0 tensor": (got.tensor("q").ggml_type, got.tensor("q").shape) == ("Q4_0", (4, 64))
        and np.array_equal(got.tensor("q").data, q4),
    }
    wrong = [what for what, holds in facts.items() if not holds]
    if wrong:
        QG_012.fail(f"read_gguf of a gguf.GGUFWriter file gets {', '.join(wrong)} wrong")


@pytest.mark.falsifies(QG_012.id)
@given(seed=seeds)
@example(seed=0)
@settings(deadline=None, max_examples=10)
def test_gguf_round_trip_with_gguf_package(seed: int) -> None:
    """FALSIFY-QG-012: gguf.GGUFReader reads write_gguf files (names, dims, types, metadata,
    bytes), and read_gguf reads gguf.GGUFWriter files, identically."""
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as directory:
        oracle_reads_ours(Path(directory) / "ours.gguf", rng)
        we_read_oracles(Path(directory) / "theirs.gguf", rng)


@pytest.mark.falsifies(QG_013.id)
def test_empty_input_gives_empty_output() -> None:
    """FALSIFY-QG-013: empty inputs of whole-block shape give empty outputs of the right dtype and shape."""
    for qtype in ALL_TYPES:
        block, size = block_size(qtype), int_param(QG_003, qtype)
        cases = [
            ("quantize (0,)", lambda: quantize(np.zeros((0,), np.float32), qtype), np.uint8, (0,)),
            ("quantize (3, 0)", lambda: quantize(np.zeros((3, 0), np.float32), qtype), np.uint8, (3, 0)),
            ("quantize (0, 2 blocks)", lambda: quantize(np.zeros((0, 2 * block), np.float32), qtype), np.uint8, (0, 2 * size)),
            ("dequantize (0,)", lambda: dequantize(np.zeros((0,), np.uint8), qtype, 0), np.float32, (0,)),
        ]
        for what, call, dtype, shape in cases:
            try:
                out = call()
            except Exception as error:  # noqa: BLE001 - any exception on empty input is the finding
                QG_013.fail(f"{qtype} {what} raised {type(error).__name__}: {error}")
            if out.dtype != dtype or out.shape != shape:
                QG_013.fail(f"{qtype} {what} gave {out.dtype}{out.shape}, expected {np.dtype(dtype)}{shape}")
