"""pv equations: formulas as text, JSON and LaTeX that is always escaped and balanced."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from pv.reports.equations import math_to_latex
from tests.conftest import CORPUS, REPO

PV = Callable[..., tuple[int, str, str]]


@pytest.mark.parametrize(("formula", "latex"), [
    ("y_i = x_i / sqrt(mean(x^2) + eps) * g_i",
     r"y_{i} = x_{i} / \sqrt{\operatorname{mean}(x^{2}) + \varepsilon} \cdot g_{i}"),
    ("Σ_j exp(x_j) ∈ ℝ, x² ≤ 1", r"\sum_{j} \exp(x_{j}) \in \mathbb{R}, x^{2} \leq 1"),
    ("√d_k · A_ij", r"\sqrt{d_{k}} \cdot A_{ij}"),
    ("m_hat_t = m_t / (1 - beta1^t)", r"\hat{m}_{t} = m_{t} / (1 - \beta_{1}^{t})"),
    ("theta_{t-1} >= 0", r"\theta_{t-1} \geq 0"),
    ("log_softmax(z) over the last axis", r"\operatorname{log\_softmax}(z) \text{ over the last axis }"),
    ("x ∀i", r"x \forall i"),
    ("100% of #rows & $cost ~ a\\b", r"100\% \mathrm{of} \#\mathrm{rows} \& \$\mathrm{cost} \sim a\backslash b"),
])
def test_unicode_and_ascii_math(formula: str, latex: str) -> None:
    assert math_to_latex(formula) == latex


@pytest.mark.parametrize("formula", ["sqrt((a + b", "x)) }{ {", "a_ ^", "f(x_{i", "√", "ŷ = x̂"])
def test_malformed_formulas_still_balance(formula: str) -> None:
    latex = math_to_latex(formula)
    assert _balanced(latex), latex


def _balanced(latex: str) -> bool:
    depth = 0
    for token in re.findall(r"\\[{}]|[{}]", latex):
        if token in ("{", "}"):
            depth += 1 if token == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def test_bundled_contracts_text_and_latex(pv: PV) -> None:
    code, text, _ = pv("equations", str(REPO / "contracts"))
    assert code == 0 and "rmsnorm-kernel-v1" in text and "  rmsnorm: y_i = x_i / sqrt(" in text
    code, latex, _ = pv("equations", str(REPO / "contracts"), "--format", "latex")
    assert code == 0
    assert r"\section*{rmsnorm-kernel-v1}" in latex and r"\subsection*{kd\_loss}" in latex
    assert r"\sqrt{(1/n) \cdot \sum_{j} x_{j}^{2} + \varepsilon}" in latex


def test_corpus_latex_is_ascii_and_balanced(pv: PV) -> None:
    code, out, err = pv("equations", str(CORPUS), "--format", "json")
    views = json.loads(out)
    assert code == 0 and "skipped" in err  # the corpus holds files that are not valid contracts
    assert len({v["contract"] for v in views}) > 80
    for v in views:
        for latex in (v["latex"], v["domain_latex"] or "", v["codomain_latex"] or "", *v["invariants_latex"]):
            assert latex.isascii() and _balanced(latex), (v["contract"], v["name"], latex)
    assert pv("equations", str(CORPUS), "--format", "latex")[0] == 0
