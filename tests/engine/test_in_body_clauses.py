"""Clauses a kernel checks in its body (fused into its own arithmetic) say what the code does.

pv.enforce compiles these clauses but leaves them to the kernel; here each clause's YAML
text is evaluated as an expression by pv and must agree with the kernel: false (and the
kernel raises that clause) on a violating input, true on a valid one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from engine import attention, kd_loss, quantize, rmsnorm
from engine.contract import ContractViolation, precondition_check

ONES = np.ones((2, 8))
BIG = np.full((1, 1, 2, 4), 1e20, np.float32)
SMALL = np.full((1, 1, 2, 4), 0.5, np.float32)
NAN_X = np.array([[1.0, np.nan] * 16])
LOGITS = np.zeros((2, 3), np.float32)
HUGE = np.full((2, 3), 1e300)
LABELS = np.array([0, 1])


CASES = [
    # (contract, equation, key, signature, clause arguments (violating, valid), kernel call)
    ("rmsnorm-kernel-v1", "rmsnorm", "finite", rmsnorm._rmsnorm,
     ((NAN_X, np.ones(32), 1e-6), (ONES, np.ones(8), 1e-6)), lambda: rmsnorm.rmsnorm(NAN_X, np.ones(32))),
    ("attention-kernel-v1", "attention", "finite_scores", attention._attention,
     ((BIG, BIG, BIG), (SMALL, SMALL, SMALL)), lambda: attention.attention(BIG, BIG, BIG)),
    ("attention-kernel-v1", "attention", "finite_scores", attention._attention,
     ((BIG, BIG, BIG, False, 2), (SMALL, SMALL, SMALL, False, 2)), lambda: attention.attention_tiled(BIG, BIG, BIG, block_size=2)),
    ("kd-loss-v1", "kd_loss", "finite", kd_loss._domain,
     ((LOGITS + np.nan, LOGITS, LABELS, 1.0, 0.5), (LOGITS, LOGITS, LABELS, 1.0, 0.5)),
     lambda: kd_loss.kd_loss_fused(LOGITS + np.nan, LOGITS, LABELS, temperature=1.0, alpha=0.5)),
    ("kd-loss-v1", "kd_loss", "finite_scaled", kd_loss._domain,
     ((HUGE, HUGE, LABELS, 1e-10, 0.5), (HUGE, HUGE, LABELS, 1.0, 0.5)),
     lambda: kd_loss.kd_loss_reference(HUGE, HUGE, LABELS, temperature=1e-10, alpha=0.5)),
    ("quantize-ggml-v1", "quantize", "finite_input", quantize._quantize,
     ((NAN_X, "Q8_0", 32), (ONES.repeat(4, axis=1), "Q8_0", 32)), lambda: quantize.quantize(NAN_X, "Q8_0")),
]


@pytest.mark.parametrize(("contract", "equation", "key", "signature", "arguments", "kernel_call"), CASES,
                         ids=[f"{c[0]}:{c[2]}:{i}" for i, c in enumerate(CASES)])
def test_in_body_clause_text_agrees_with_the_kernel(contract: str, equation: str, key: str, signature: Any,
                                                     arguments: tuple[tuple[Any, ...], tuple[Any, ...]],
                                                     kernel_call: Callable[[], Any]) -> None:
    clause_only = precondition_check(contract, equation, signature, only=(key,))
    violating, valid = arguments
    with np.errstate(all="ignore"):
        with pytest.raises(ContractViolation) as as_expression:
            clause_only(*violating)
        clause_only(*valid)
        with pytest.raises(ContractViolation) as from_kernel:
            kernel_call()
    assert as_expression.value.clause_key == key
    assert from_kernel.value.clause_key == key
    assert from_kernel.value.clause == as_expression.value.clause
