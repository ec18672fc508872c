"""Falsifiers of contracts/attention-kernel-v1.yaml, run against engine.attention.

Each prediction covers both implementations of the equation, `attention` and
`attention_tiled` (with the falsifier's block size); both are looked up on the module
at call time, so an injected mutant of either is the one exercised. Numbers come from
the falsifier's `parameters`; the contract's own case runs as an explicit `@example`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import engine.attention
from engine.contract import ContractViolation
from pv.testing import Falsifier, exercise_preconditions, falsifier

ATT_001 = falsifier("FALSIFY-ATT-001")
ATT_002 = falsifier("FALSIFY-ATT-002")
ATT_003 = falsifier("FALSIFY-ATT-003")
ATT_004 = falsifier("FALSIFY-ATT-004")
ATT_005 = falsifier("FALSIFY-ATT-005")
ATT_006 = falsifier("FALSIFY-ATT-006")
ATT_007 = falsifier("FALSIFY-ATT-007")
ATT_008 = falsifier("FALSIFY-ATT-008")
ATT_009 = falsifier("FALSIFY-ATT-009")
ATT_010 = falsifier("FALSIFY-ATT-010")
ATT_011 = falsifier("FALSIFY-ATT-011")

DTYPES = (np.float32, np.float64)
seeds = st.integers(0, 2**32 - 1)
Kernel = Callable[..., np.ndarray]


def implementations(block_size: int) -> Iterator[tuple[str, Kernel]]:
    """(name, kernel) for attention and attention_tiled(block_size), resolved now (mutants apply)."""
    yield "attention", engine.attention.attention
    tiled = engine.attention.attention_tiled
    yield f"attention_tiled(block {block_size})", lambda q, k, v, causal=False: tiled(q, k, v, causal=causal, block_size=block_size)


def run(kernel: Kernel, q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool) -> np.ndarray:
    with np.errstate(all="ignore"):  # a broken kernel's overflow is the finding, not a warning
        return kernel(q, k, v, causal=causal)


def equation(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool) -> np.ndarray:
    """The contract's equation in float64: kv head h // (H / H_kv), bottom-right causal mask."""
    q, k, v = (a.astype(np.float64) for a in (q, k, v))
    group = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if causal:
        s_q, s_kv = q.shape[2], k.shape[2]
        s = np.where(np.arange(s_kv)[None, :] > np.arange(s_q)[:, None] + (s_kv - s_q), -np.inf, s)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    return (w / w.sum(axis=-1, keepdims=True)) @ v


def normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: type = np.float64, std: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * std).astype(dtype)


def max_error(observed: np.ndarray, expected: np.ndarray) -> float:
    """Largest absolute difference; NaN or Inf anywhere counts as infinite."""
    diff = np.abs(observed.astype(np.float64) - expected.astype(np.float64))
    return float(np.where(np.isfinite(diff), diff, np.inf).max(initial=0.0))


def _int(f: Falsifier, name: str) -> int:
    return int(f.param(name))


@pytest.mark.falsifies(ATT_001.id)
@given(seed=seeds, batch=st.integers(1, _int(ATT_001, "batch")), kv_heads=st.integers(1, _int(ATT_001, "kv_heads")),
       group=st.integers(1, _int(ATT_001, "heads") // _int(ATT_001, "kv_heads")),
       s_q=st.integers(1, _int(ATT_001, "s_q")), s_kv=st.integers(1, _int(ATT_001, "s_kv")),
       head_dim=st.integers(1, _int(ATT_001, "head_dim")), causal=st.booleans())
@example(seed=0, batch=_int(ATT_001, "batch"), kv_heads=_int(ATT_001, "kv_heads"),
         group=_int(ATT_001, "heads") // _int(ATT_001, "kv_heads"), s_q=_int(ATT_001, "s_q"), s_kv=_int(ATT_001, "s_kv"),
         head_dim=_int(ATT_001, "head_dim"), causal=True)
@example(seed=0, batch=_int(ATT_001, "batch"), kv_heads=_int(ATT_001, "kv_heads"),
         group=_int(ATT_001, "heads") // _int(ATT_001, "kv_heads"), s_q=_int(ATT_001, "s_q"), s_kv=_int(ATT_001, "s_kv"),
         head_dim=_int(ATT_001, "head_dim"), causal=False)
@settings(deadline=None)
def test_matches_equation(seed: int, batch: int, kv_heads: int, group: int, s_q: int, s_kv: int, head_dim: int,
                          causal: bool) -> None:
    """FALSIFY-ATT-001: max |O - O_f64| <= 1e-12 against the equation evaluated directly in float64,
    GQA shapes up to B = 2, H = 14 over H_kv = 2, S_q = 12, S_kv = 20, D = 16, causal (S_q <= S_kv)
    and not, for attention and attention_tiled (block 5)."""
    causal = causal and s_q <= s_kv
    rng = np.random.default_rng(seed)
    q = normal(rng, (batch, kv_heads * group, s_q, head_dim))
    k, v = normal(rng, (batch, kv_heads, s_kv, head_dim)), normal(rng, (batch, kv_heads, s_kv, head_dim))
    expected = equation(q, k, v, causal)
    for name, kernel in implementations(_int(ATT_001, "block_size")):
        ATT_001.check_close(max_error(run(kernel, q, k, v, causal), expected), ATT_001.param("tol"),
                            what=f"{name} vs the equation (causal={causal})")


@pytest.mark.falsifies(ATT_002.id)
@given(head_dim=st.integers(1, _int(ATT_002, "head_dim")), causal=st.booleans())
@example(head_dim=_int(ATT_002, "head_dim"), causal=False)
def test_scale_is_inverse_sqrt_head_dim(head_dim: int, causal: bool) -> None:
    """FALSIFY-ATT-002: one query q = sqrt(D) e_0, keys e_0 and 0, values e_0 and 0: O[0] = sigmoid(1)
    within 1e-12 (1/D scale gives sigmoid(1/sqrt(D)): 0.531 at D = 64)."""
    expected = ATT_002.param("expected")
    if abs(expected - 1.0 / (1.0 + math.exp(-1.0))) > ATT_002.param("tol"):
        ATT_002.fail(f"contract's expected {expected} is not sigmoid(1)")
    q = np.zeros((1, 1, 1, head_dim))
    q[..., 0] = math.sqrt(head_dim)
    k = np.zeros((1, 1, 2, head_dim))
    k[0, 0, 0, 0] = 1.0
    v = k.copy()
    # causal with S_q = 1 < S_kv = 2: bottom-right alignment lets the one query see both keys
    for name, kernel in implementations(1):
        out = run(kernel, q, k, v, causal)
        ATT_002.check_close(abs(float(out[0, 0, 0, 0]) - expected), ATT_002.param("tol"), what=f"{name}: |O[0] - sigmoid(1)|")


@pytest.mark.falsifies(ATT_003.id)
@given(seed=seeds, heads=st.integers(1, _int(ATT_003, "heads")), seq=st.integers(1, _int(ATT_003, "seq")),
       head_dim=st.integers(1, _int(ATT_003, "head_dim")), dtype=st.sampled_from(DTYPES), causal=st.booleans())
@example(seed=0, heads=_int(ATT_003, "heads"), seq=_int(ATT_003, "seq"), head_dim=_int(ATT_003, "head_dim"),
         dtype=np.float32, causal=False)
@example(seed=0, heads=_int(ATT_003, "heads"), seq=_int(ATT_003, "seq"), head_dim=_int(ATT_003, "head_dim"),
         dtype=np.float64, causal=True)
@settings(deadline=None)
def test_weight_rows_sum_to_one(seed: int, heads: int, seq: int, head_dim: int, dtype: type, causal: bool) -> None:
    """FALSIFY-ATT-003: with v = 1 and q, k ~ N(0, 3^2), every output is 1 within 1e-6 (float32) and
    1e-12 (float64), causal and not, for attention and attention_tiled (block 16)."""
    rng = np.random.default_rng(seed)
    std = ATT_003.param("logit_std")
    q, k = normal(rng, (1, heads, seq, head_dim), dtype, std), normal(rng, (1, heads, seq, head_dim), dtype, std)
    v = np.ones_like(k)
    tol = ATT_003.param("tol_float32" if dtype is np.float32 else "tol_float64")
    for name, kernel in implementations(_int(ATT_003, "block_size")):
        ATT_003.check_close(max_error(run(kernel, q, k, v, causal), np.ones_like(q)), tol,
                            what=f"{name}: |O - 1| with v = 1 ({np.dtype(dtype).name}, causal={causal})")


@pytest.mark.falsifies(ATT_004.id)
@given(seed=seeds, heads=st.integers(1, _int(ATT_004, "heads")), seq=st.integers(1, _int(ATT_004, "seq")),
       head_dim=st.integers(1, _int(ATT_004, "head_dim")))
@example(seed=0, heads=_int(ATT_004, "heads"), seq=_int(ATT_004, "seq"), head_dim=_int(ATT_004, "head_dim"))
@settings(deadline=None)
def test_output_is_convex_combination(seed: int, heads: int, seq: int, head_dim: int) -> None:
    """FALSIFY-ATT-004: causal, float32: every O_id lies within [min, max] of v_jd over the visible keys
    j <= i, widened by 1e-6, for attention and attention_tiled (block 8)."""
    rng = np.random.default_rng(seed)
    q, k, v = (normal(rng, (1, heads, seq, head_dim), np.float32) for _ in range(3))
    low = np.minimum.accumulate(v, axis=2).astype(np.float64)  # visible keys of query i: 0..i
    high = np.maximum.accumulate(v, axis=2).astype(np.float64)
    for name, kernel in implementations(_int(ATT_004, "block_size")):
        out = run(kernel, q, k, v, True).astype(np.float64)
        outside = np.maximum(low - out, out - high)
        outside = np.where(np.isfinite(outside), outside, np.inf)
        ATT_004.check_close(float(outside.max()), ATT_004.param("tol"), what=f"{name}: distance outside the visible V range")


@pytest.mark.falsifies(ATT_005.id)
@given(seed=seeds, seq=st.integers(1, _int(ATT_005, "seq")), causal=st.booleans())
@example(seed=0, seq=_int(ATT_005, "seq"), causal=False)
@settings(deadline=None)
def test_large_logits_stay_finite(seed: int, seq: int, causal: bool) -> None:
    """FALSIFY-ATT-005: float32, q_i = k_i = sqrt(1000 sqrt(D)) u_i (largest score of row i is 1000):
    output finite and within 1e-4 of the float64 equation, for attention and attention_tiled (block 4)."""
    rng = np.random.default_rng(seed)
    d = _int(ATT_005, "head_dim")
    u = rng.standard_normal((1, 1, seq, d))
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    q = (math.sqrt(ATT_005.param("max_score") * math.sqrt(d)) * u).astype(np.float32)
    v = normal(rng, (1, 1, seq, d), np.float32)
    expected = equation(q, q, v, causal)
    for name, kernel in implementations(_int(ATT_005, "block_size")):
        out = run(kernel, q, q.copy(), v, causal)
        if not np.isfinite(out).all():
            ATT_005.fail(f"{name}: non-finite output for scores up to {ATT_005.param('max_score')} (causal={causal})")
        ATT_005.check_close(max_error(out, expected), ATT_005.param("tol"), what=f"{name} vs the float64 equation")


@pytest.mark.falsifies(ATT_006.id)
@given(seed=seeds, heads=st.integers(1, _int(ATT_006, "heads")), s_q=st.integers(1, _int(ATT_006, "s_q")),
       extra=st.integers(0, _int(ATT_006, "s_kv") - _int(ATT_006, "s_q")), head_dim=st.integers(1, _int(ATT_006, "head_dim")))
@example(seed=0, heads=_int(ATT_006, "heads"), s_q=_int(ATT_006, "s_q"), extra=_int(ATT_006, "s_kv") - _int(ATT_006, "s_q"),
         head_dim=_int(ATT_006, "head_dim"))
@settings(deadline=None)
def test_causal_future_independence(seed: int, heads: int, s_q: int, extra: int, head_dim: int) -> None:
    """FALSIFY-ATT-006: causal, S_kv = S_q + offset: replacing k and v at every key j > i + offset by fresh
    values leaves output row i unchanged (difference 0), for each i, attention and attention_tiled (block 3)."""
    rng = np.random.default_rng(seed)
    s_kv = s_q + extra
    q = normal(rng, (1, heads, s_q, head_dim))
    k, v = normal(rng, (1, heads, s_kv, head_dim)), normal(rng, (1, heads, s_kv, head_dim))
    for name, kernel in implementations(_int(ATT_006, "block_size")):
        out = run(kernel, q, k, v, True)
        for i in range(s_q):
            k2, v2 = k.copy(), v.copy()
            future = slice(i + extra + 1, s_kv)
            k2[:, :, future], v2[:, :, future] = normal(rng, k2[:, :, future].shape), normal(rng, v2[:, :, future].shape)
            changed = run(kernel, q, k2, v2, True)
            ATT_006.check_close(max_error(changed[:, :, i], out[:, :, i]), ATT_006.param("tol"),
                                what=f"{name}: change of row {i} when keys > {i + extra} change")


@pytest.mark.falsifies(ATT_007.id)
@given(seed=seeds, head_dim=st.integers(1, _int(ATT_007, "head_dim")))
@example(seed=0, head_dim=_int(ATT_007, "head_dim"))
@settings(deadline=None)
def test_causal_diagonal_is_visible(seed: int, head_dim: int) -> None:
    """FALSIFY-ATT-007: causal, S_q = S_kv = 10: O_0 = v_0; S_q = 4, S_kv = 10: the last row equals the
    non-causal last row and row 0 equals attention over keys 0..6 only (within 1e-12), for attention and
    attention_tiled (block 3)."""
    rng = np.random.default_rng(seed)
    heads, seq, short, tol = _int(ATT_007, "heads"), _int(ATT_007, "seq"), _int(ATT_007, "s_q_short"), ATT_007.param("tol")
    q = normal(rng, (1, heads, seq, head_dim))
    k, v = normal(rng, (1, heads, seq, head_dim)), normal(rng, (1, heads, seq, head_dim))
    qs = q[:, :, :short]
    offset = seq - short
    row0_expected = equation(qs[:, :, :1], k[:, :, :offset + 1], v[:, :, :offset + 1], False)[:, :, 0]
    for name, kernel in implementations(_int(ATT_007, "block_size")):
        square = run(kernel, q, k, v, True)
        ATT_007.check_close(max_error(square[:, :, 0], v[:, :, 0]), tol, what=f"{name}: |O_0 - v_0| (S_q = S_kv)")
        causal, full = run(kernel, qs, k, v, True), run(kernel, qs, k, v, False)
        ATT_007.check_close(max_error(causal[:, :, -1], full[:, :, -1]), tol,
                            what=f"{name}: last row, causal vs not (S_q = {short} < S_kv = {seq})")
        ATT_007.check_close(max_error(causal[:, :, 0], row0_expected), tol,
                            what=f"{name}: row 0 vs attention over keys 0..{offset}")


@pytest.mark.falsifies(ATT_008.id)
@given(seed=seeds, kv_heads=st.integers(1, _int(ATT_008, "kv_heads")),
       group=st.integers(1, _int(ATT_008, "heads") // _int(ATT_008, "kv_heads")), seq=st.integers(1, _int(ATT_008, "seq")),
       head_dim=st.integers(1, _int(ATT_008, "head_dim")), causal=st.booleans())
@example(seed=0, kv_heads=_int(ATT_008, "kv_heads"), group=_int(ATT_008, "heads") // _int(ATT_008, "kv_heads"),
         seq=_int(ATT_008, "seq"), head_dim=_int(ATT_008, "head_dim"), causal=False)
@settings(deadline=None)
def test_gqa_matches_repeated_kv_heads(seed: int, kv_heads: int, group: int, seq: int, head_dim: int, causal: bool) -> None:
    """FALSIFY-ATT-008: GQA (up to H = 14 over H_kv = 2, 7:1): attention(q, k, v) equals attention(q,
    repeat_interleave(k, G), repeat_interleave(v, G)) within 1e-12, causal and not, for attention and
    attention_tiled (block 4)."""
    rng = np.random.default_rng(seed)
    q = normal(rng, (1, kv_heads * group, seq, head_dim))
    k, v = normal(rng, (1, kv_heads, seq, head_dim)), normal(rng, (1, kv_heads, seq, head_dim))
    k_rep, v_rep = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    for name, kernel in implementations(_int(ATT_008, "block_size")):
        ATT_008.check_close(max_error(run(kernel, q, k, v, causal), run(kernel, q, k_rep, v_rep, causal)),
                            ATT_008.param("tol"), what=f"{name}: GQA vs repeated kv heads (H = {kv_heads * group}, H_kv = {kv_heads})")


@pytest.mark.falsifies(ATT_009.id)
@given(seed=seeds, heads=st.integers(1, _int(ATT_009, "heads")), s_q=st.integers(1, _int(ATT_009, "s_q")),
       s_kv=st.integers(1, _int(ATT_009, "s_kv")), head_dim=st.integers(1, _int(ATT_009, "head_dim")))
@example(seed=0, heads=_int(ATT_009, "heads"), s_q=_int(ATT_009, "s_q"), s_kv=_int(ATT_009, "s_kv"),
         head_dim=_int(ATT_009, "head_dim"))
@settings(deadline=None)
def test_key_permutation_invariance(seed: int, heads: int, s_q: int, s_kv: int, head_dim: int) -> None:
    """FALSIFY-ATT-009: non-causal: permuting the key axis of k and v jointly changes the output by at
    most 1e-12, for attention and attention_tiled (block 5)."""
    rng = np.random.default_rng(seed)
    q = normal(rng, (1, heads, s_q, head_dim))
    k, v = normal(rng, (1, heads, s_kv, head_dim)), normal(rng, (1, heads, s_kv, head_dim))
    perm = rng.permutation(s_kv)
    for name, kernel in implementations(_int(ATT_009, "block_size")):
        ATT_009.check_close(max_error(run(kernel, q, k[:, :, perm], v[:, :, perm], False), run(kernel, q, k, v, False)),
                            ATT_009.param("tol"), what=f"{name}: change under a key permutation")


@pytest.mark.falsifies(ATT_010.id)
@given(seed=seeds, batch=st.integers(1, _int(ATT_010, "batch")), kv_heads=st.integers(1, _int(ATT_010, "kv_heads")),
       group=st.integers(1, _int(ATT_010, "heads") // _int(ATT_010, "kv_heads")),
       s_q=st.integers(1, _int(ATT_010, "s_q")), s_kv=st.integers(1, _int(ATT_010, "s_kv")),
       head_dim=st.integers(1, _int(ATT_010, "head_dim")), block=st.sampled_from(ATT_010.param("block_sizes")),
       dtype=st.sampled_from(DTYPES), causal=st.booleans())
@example(seed=0, batch=_int(ATT_010, "batch"), kv_heads=_int(ATT_010, "kv_heads"),
         group=_int(ATT_010, "heads") // _int(ATT_010, "kv_heads"), s_q=_int(ATT_010, "s_q"), s_kv=_int(ATT_010, "s_kv"),
         head_dim=_int(ATT_010, "head_dim"), block=7, dtype=np.float32, causal=True)
@example(seed=0, batch=_int(ATT_010, "batch"), kv_heads=_int(ATT_010, "kv_heads"),
         group=_int(ATT_010, "heads") // _int(ATT_010, "kv_heads"), s_q=_int(ATT_010, "s_q"), s_kv=_int(ATT_010, "s_kv"),
         head_dim=_int(ATT_010, "head_dim"), block=16, dtype=np.float64, causal=False)
@settings(deadline=None)
def test_tiled_matches_reference(seed: int, batch: int, kv_heads: int, group: int, s_q: int, s_kv: int, head_dim: int,
                                 block: int, dtype: type, causal: bool) -> None:
    """FALSIFY-ATT-010: q, k ~ N(0, 3^2), v ~ N(0, 1): max |attention_tiled - attention| <= 1e-5 (float32)
    and 1e-12 (float64) for block sizes 1, 7, 16, 45 and 64, causal (S_q <= S_kv) and not, shapes up to
    B = 2, H = 4 over H_kv = 2, S_q = 37, S_kv = 45, D = 16."""
    causal = causal and s_q <= s_kv
    rng = np.random.default_rng(seed)
    std = ATT_010.param("logit_std")
    q = normal(rng, (batch, kv_heads * group, s_q, head_dim), dtype, std)
    k = normal(rng, (batch, kv_heads, s_kv, head_dim), dtype, std)
    v = normal(rng, (batch, kv_heads, s_kv, head_dim), dtype)
    reference = run(engine.attention.attention, q, k, v, causal)
    tiled = engine.attention.attention_tiled
    with np.errstate(all="ignore"):
        out = tiled(q, k, v, causal=causal, block_size=block)
    tol = ATT_010.param("tol_float32" if dtype is np.float32 else "tol_float64")
    ATT_010.check_close(max_error(out, reference), tol, what=f"tiled (block {block}) vs reference ({np.dtype(dtype).name}, causal={causal})")


@pytest.mark.falsifies(ATT_011.id)
def test_preconditions_rejected() -> None:
    """FALSIFY-ATT-011: H = 6 over H_kv = 4, rank-3 inputs, k and v of different shapes, int64 or float16 q,
    mixed float32/float64, causal with S_q = 5 > S_kv = 4, NaN or Inf in q, k or v, and block_size 0
    (tiled) raise ContractViolation naming attention-kernel-v1 and the clause."""
    clauses = ATT_011.document["equations"]["attention"]["preconditions"]
    ones = np.ones((1, 2, 4, 8))
    nan, inf = ones.copy(), ones.copy()
    nan[0, 1, 2, 3], inf[0, 0, 1, 0] = np.nan, np.inf
    cases: list[tuple[str, tuple[np.ndarray, ...], dict[str, object]]] = [
        ("gqa_heads", (np.ones((1, 6, 4, 8)), np.ones((1, 4, 4, 8)), np.ones((1, 4, 4, 8))), {}),
        ("rank", (np.ones((2, 4, 8)),) * 3, {}),
        ("shapes", (ones, ones, np.ones((1, 2, 5, 8))), {}),
        ("dtype", (ones.astype(np.int64), ones.astype(np.int64), ones.astype(np.int64)), {}),
        ("dtype", (ones.astype(np.float16),) * 3, {}),
        ("dtype", (ones.astype(np.float32), ones, ones), {}),
        ("causal_length", (np.ones((1, 2, 5, 8)), ones, ones), {"causal": True}),
        ("finite", (nan, ones, ones), {}), ("finite", (ones, inf, ones), {}), ("finite", (ones, ones, nan), {}),
    ]
    kernels = {"attention": engine.attention.attention, "attention_tiled": engine.attention.attention_tiled}
    checks = [(name, kernel, key, args, kwargs) for name, kernel in kernels.items() for key, args, kwargs in cases]
    checks.append(("attention_tiled", kernels["attention_tiled"], "block_size", (ones, ones, ones), {"block_size": 0}))
    for name, kernel, key, args, kwargs in checks:
        try:
            with np.errstate(all="ignore"):
                kernel(*args, **kwargs)
        except ContractViolation as violation:
            text = str(violation)
            if "attention-kernel-v1" not in text or clauses[key] not in text:
                ATT_011.fail(f"{name}: violation of '{key}' raised without naming the contract and its clause: {text}")
        else:
            ATT_011.fail(f"{name}: precondition '{key}' violated ({clauses[key]}) but no ContractViolation was raised")
    # And one generated input per clause, for both kernels; GQA and score overflow need two
    # arguments changed together, so their inputs are given.
    big = np.full((1, 1, 2, 4), 1e20, np.float32)
    examples = {"gqa_heads": ((np.ones((1, 6, 4, 8)), np.ones((1, 4, 4, 8)), np.ones((1, 4, 4, 8)), False, 2), {}),
                "finite_scores": ((big, big, big, False, 2), {})}
    for name, call in (("attention", lambda q, k, v, causal, block: kernels["attention"](q, k, v, causal=causal)),
                       ("attention_tiled", lambda q, k, v, causal, block: kernels["attention_tiled"](q, k, v, causal=causal, block_size=block))):
        with np.errstate(all="ignore"):
            problems = exercise_preconditions(ATT_011.contract, "attention", engine.attention._attention,
                                              ((ones, ones, ones, True, 2), {}), call, examples=examples,
                                              vary=("q", "k", "v", "causal") + (("block_size",) if name == "attention_tiled" else ()),
                                              without=() if name == "attention_tiled" else ("block_size",))  # no block_size in the full kernel
        if problems:
            ATT_011.fail(f"{name}: " + "; ".join(problems))
