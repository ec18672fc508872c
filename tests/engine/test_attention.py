"""engine.attention (reference and tiled) against torch SDPA with an explicit mask."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import yaml

from engine.attention import attention, attention_tiled
from engine.contract import ContractViolation, contracts_dir

CONTRACT = "attention-kernel-v1"
ATOL = {np.float32: 2e-6, np.float64: 1e-12}


def _clauses() -> dict[str, str]:
    with (contracts_dir() / f"{CONTRACT}.yaml").open() as handle:
        return yaml.safe_load(handle)["equations"]["attention"]["preconditions"]


def _oracle(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool) -> np.ndarray:
    """torch SDPA with kv heads repeated per group and an explicit bottom-right causal mask.

    torch's `is_causal=True` is top-left aligned (query i sees keys j <= i), which differs
    from the contract's convention when S_q != S_kv, so the mask is built here.
    """
    group = q.shape[1] // k.shape[1]
    kt = torch.from_numpy(k).repeat_interleave(group, dim=1)
    vt = torch.from_numpy(v).repeat_interleave(group, dim=1)
    mask = None
    if causal:
        s_q, s_kv = q.shape[2], k.shape[2]
        mask = torch.arange(s_kv)[None, :] <= torch.arange(s_q)[:, None] + (s_kv - s_q)
    out = torch.nn.functional.scaled_dot_product_attention(torch.from_numpy(q), kt, vt, attn_mask=mask)
    return out.numpy()


def _inputs(dtype: type, b: int, h: int, h_kv: int, s_q: int, s_kv: int, d: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((b, h, s_q, d)).astype(dtype)
    k = rng.standard_normal((b, h_kv, s_kv, d)).astype(dtype)
    v = rng.standard_normal((b, h_kv, s_kv, d)).astype(dtype)
    return q, k, v


CASES = [
    # (B, H, H_kv, S_q, S_kv, D)
    (2, 14, 2, 33, 33, 16),  # GQA 7:1
    (1, 4, 4, 17, 50, 32),  # MHA, S_q < S_kv
    (2, 14, 2, 40, 19, 8),  # S_q > S_kv (non-causal only)
    (1, 2, 1, 1, 64, 64),  # single query against a cache (decode step)
]


# Causal attention with S_q > S_kv is outside the contract's domain (a precondition test covers it).
IN_DOMAIN = [
    pytest.param(case, causal, id="B{}H{}Hkv{}Sq{}Skv{}D{}".format(*case) + ("-causal" if causal else "-full"))
    for case in CASES for causal in (False, True) if not (causal and case[3] > case[4])
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("case", "causal"), IN_DOMAIN)
@pytest.mark.parametrize("kernel", ["reference", "tiled"])
def test_matches_torch_sdpa(dtype: type, case: tuple, causal: bool, kernel: str) -> None:
    q, k, v = _inputs(dtype, *case)
    if kernel == "reference":
        out = attention(q, k, v, causal=causal)
    else:
        out = attention_tiled(q, k, v, causal=causal, block_size=7)
    expected = _oracle(q, k, v, causal)
    assert out.dtype == q.dtype and out.shape == q.shape
    assert np.abs(out - expected).max() <= ATOL[dtype]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("block_size", [1, 5, 16, 64, 1000])
def test_tiled_matches_reference(dtype: type, causal: bool, block_size: int) -> None:
    rng = np.random.default_rng(1)
    # Scores spread over tens of units so the running max changes between key blocks.
    q = (rng.standard_normal((2, 6, 45, 16)) * 3).astype(dtype)
    k = (rng.standard_normal((2, 3, 64, 16)) * 3).astype(dtype)
    v = rng.standard_normal((2, 3, 64, 16)).astype(dtype)
    ref = attention(q, k, v, causal=causal)
    tiled = attention_tiled(q, k, v, causal=causal, block_size=block_size)
    assert np.abs(tiled - ref).max() <= {np.float32: 1e-5, np.float64: 1e-12}[dtype]


def test_large_logits_match_float64_oracle() -> None:
    rng = np.random.default_rng(2)
    u = rng.standard_normal((1, 2, 16, 64))
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    qk = (np.sqrt(1000 * 8) * u).astype(np.float32)  # diagonal score 1000
    v = rng.standard_normal((1, 2, 16, 64)).astype(np.float32)
    expected = _oracle(qk.astype(np.float64), qk.astype(np.float64), v.astype(np.float64), False)
    for out in (attention(qk, qk, v), attention_tiled(qk, qk, v, block_size=4)):
        assert np.isfinite(out).all()
        assert np.abs(out - expected).max() <= 1e-4


def test_torch_is_causal_is_top_left_aligned() -> None:
    """Why the oracle builds its own mask: SDPA's is_causal differs when S_q != S_kv."""
    q, k, v = _inputs(np.float64, 1, 1, 1, 3, 6, 8)
    top_left = torch.nn.functional.scaled_dot_product_attention(
        torch.from_numpy(q), torch.from_numpy(k), torch.from_numpy(v), is_causal=True
    ).numpy()
    ours = attention(q, k, v, causal=True)
    assert np.abs(ours - _oracle(q, k, v, True)).max() <= 1e-12
    assert np.abs(ours - top_left).max() > 1e-3


def _bad_calls() -> list[tuple[str, object]]:
    rng = np.random.default_rng(3)

    def r(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape)

    calls: list[tuple[str, object]] = [
        ("gqa_heads", lambda f: f(r(1, 6, 3, 4), r(1, 4, 3, 4), r(1, 4, 3, 4))),
        ("rank", lambda f: f(r(6, 3, 4), r(6, 3, 4), r(6, 3, 4))),
        ("shapes", lambda f: f(r(1, 2, 3, 4), r(1, 2, 3, 4), r(1, 2, 5, 4))),
        ("shapes", lambda f: f(r(1, 2, 3, 4), r(1, 2, 3, 8), r(1, 2, 3, 8))),
        ("shapes", lambda f: f(r(1, 2, 3, 4), r(2, 2, 3, 4), r(2, 2, 3, 4))),
        ("shapes", lambda f: f(r(1, 2, 3, 4), r(1, 2, 0, 4), r(1, 2, 0, 4))),
        ("dtype", lambda f: f(r(1, 2, 3, 4).astype(np.int64), r(1, 2, 3, 4), r(1, 2, 3, 4))),
        ("dtype", lambda f: f(*(r(1, 2, 3, 4).astype(np.float16) for _ in range(3)))),
        ("dtype", lambda f: f(r(1, 2, 3, 4).astype(np.float32), r(1, 2, 3, 4), r(1, 2, 3, 4))),
        ("causal_length", lambda f: f(r(1, 2, 5, 4), r(1, 2, 4, 4), r(1, 2, 4, 4), causal=True)),
    ]
    for which in range(3):
        for bad in (np.nan, np.inf, -np.inf):
            def call(f, which=which, bad=bad):
                arrays = [r(1, 2, 3, 4) for _ in range(3)]
                arrays[which][0, 1, 2, 3] = bad
                return f(*arrays)

            calls.append(("finite", call))
    big = np.full((1, 1, 2, 4), 1e20, np.float32)
    calls.append(("finite_scores", lambda f: f(big, big, big)))  # scores overflow float32
    return calls


@pytest.mark.parametrize("kernel", [attention, attention_tiled], ids=["reference", "tiled"])
@pytest.mark.parametrize(("key", "call"), _bad_calls())
def test_precondition_raises_with_contract_clause(kernel, key: str, call) -> None:
    with pytest.raises(ContractViolation) as caught:
        call(kernel)
    assert CONTRACT in str(caught.value)
    assert _clauses()[key] in str(caught.value)
    assert caught.value.clause_key == key


@pytest.mark.parametrize("block_size", [0, -3, 2.5])
def test_tiled_block_size_precondition(block_size) -> None:
    q, k, v = _inputs(np.float64, 1, 2, 2, 3, 3, 4)
    with pytest.raises(ContractViolation) as caught:
        attention_tiled(q, k, v, block_size=block_size)
    assert _clauses()["block_size"] in str(caught.value)
