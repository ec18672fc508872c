"""A contract's equations as text and as LaTeX.

Formulas in contracts are written in a plain mix of ASCII and unicode math
(`y_i = x_i / sqrt(mean(x^2) + eps)`, `Σ_j exp(x_j)`, `x ∈ ℝ^n`, `0.044715x³`). The
conversion to LaTeX is best-effort but always safe: every character either maps to a
known LaTeX form or is escaped, braces and parentheses are balanced, so the output
compiles (amsmath, amssymb) even where the typesetting is not the one a person
would choose. Prose inside a formula ("over the last axis of x") becomes \\text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pv.contracts.model import ContractFile

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
    "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
}
ALIASES = {"eps": r"\varepsilon", "epsilon": r"\varepsilon", "infinity": r"\infty", "inf": r"\infty",
           "sum": r"\sum", "prod": r"\prod", "integral": r"\int", "nabla": r"\nabla", "partial": r"\partial"}
# Operators LaTeX typesets upright with the right spacing (amsmath's built-ins).
BUILTIN_FUNCTIONS = {"exp", "log", "ln", "sin", "cos", "tan", "tanh", "sinh", "cosh", "max", "min", "det",
                     "lim", "sup", "arg", "dim", "ker", "deg", "gcd", "Pr"}
ACCENTS = {"hat": r"\hat", "bar": r"\bar", "tilde": r"\tilde", "dot": r"\dot", "vec": r"\vec"}
CONNECTIVES = {"in": r"\in", "and": r"\text{ and }", "or": r"\text{ or }", "for": r"\text{ for }",
               "if": r"\text{ if }", "else": r"\text{ else }", "when": r"\text{ when }", "then": r"\text{ then }",
               "where": r"\text{ where }", "with": r"\text{ with }", "as": r"\text{ as }", "not": r"\lnot"}
SHORT_WORDS = {"of", "as", "is", "in", "or", "if", "to", "by", "on", "at", "be", "an", "no"}

UNICODE = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "ϵ": r"\epsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ι": r"\iota", "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu",
    "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon",
    "φ": r"\varphi", "ϕ": r"\phi", "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega",
    "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\prod",
    "Σ": r"\sum", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega", "∑": r"\sum", "∏": r"\prod",
    "∈": r"\in", "∉": r"\notin", "∋": r"\ni", "ℝ": r"\mathbb{R}", "ℕ": r"\mathbb{N}", "ℤ": r"\mathbb{Z}",
    "ℚ": r"\mathbb{Q}", "ℂ": r"\mathbb{C}", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "≈": r"\approx",
    "≡": r"\equiv", "∼": r"\sim", "≪": r"\ll", "≫": r"\gg", "∝": r"\propto", "·": r"\cdot", "⋅": r"\cdot",
    "×": r"\times", "÷": r"\div", "±": r"\pm", "∓": r"\mp", "−": "-", "–": "-", "→": r"\to",
    "←": r"\leftarrow", "↦": r"\mapsto", "⇒": r"\Rightarrow", "⟹": r"\implies", "⇔": r"\iff",
    "⟺": r"\iff", "↔": r"\leftrightarrow", "∀": r"\forall", "∃": r"\exists", "∞": r"\infty",
    "∂": r"\partial", "∇": r"\nabla", "∫": r"\int", "‖": r"\|", "⊙": r"\odot", "⊗": r"\otimes",
    "⊕": r"\oplus", "∘": r"\circ", "∧": r"\land", "∨": r"\lor", "¬": r"\lnot", "∪": r"\cup",
    "∩": r"\cap", "⊂": r"\subset", "⊆": r"\subseteq", "⊃": r"\supset", "⊇": r"\supseteq",
    "∅": r"\emptyset", "…": r"\ldots", "⋯": r"\cdots", "⌊": r"\lfloor", "⌋": r"\rfloor",
    "⌈": r"\lceil", "⌉": r"\rceil", "⟨": r"\langle", "⟩": r"\rangle", "°": r"^{\circ}", "′": "'",
    "∣": r"\mid", "½": r"\tfrac{1}{2}", "¼": r"\tfrac{1}{4}", "—": "-", "’": "'", "∥": r"\parallel", "⊥": r"\perp", "√": r"\sqrt", "ᵀ": "^{T}", "ℓ": r"\ell",
}
SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ", "0123456789+-=()ni"))
SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼ", "0123456789+-=()aeoxhklmnpstij"))
ASCII_SPECIAL = {"#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "~": r"\sim ", "\\": r"\backslash ",
                 '"': r"\text{''}", "`": r"\text{`}", "*": r"\cdot "}
OPERATORS = {"<=": r"\leq", ">=": r"\geq", "!=": r"\neq", "==": "=", "->": r"\to", "=>": r"\Rightarrow",
             "<-": r"\leftarrow", "...": r"\ldots", "..": r"\ldots", "||": r"\|", "+=": r"\mathrel{+}=",
             "**": "^", "<<": r"\ll", ">>": r"\gg"}

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<ident>[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)
  | (?P<op>\.\.\.|<=|>=|!=|==|->|=>|<-|\.\.|\|\||\+=|\*\*|<<|>>)
  | (?P<char>.)
""", re.VERBOSE | re.DOTALL)
COMBINING = {"\u0302": r"\hat", "\u0304": r"\bar", "\u0303": r"\tilde", "\u0307": r"\dot", "\u20d7": r"\vec"}
_CONTROL_WORD_END = re.compile(r"\\[A-Za-z]+$")


def _accented(ch: str) -> str | None:
    """ŷ -> \\hat{y}: a precomposed letter with one accent LaTeX has."""
    decomposed = unicodedata.normalize("NFD", ch)
    if len(decomposed) == 2 and decomposed[0].isascii() and decomposed[1] in COMBINING:
        return f"{COMBINING[decomposed[1]]}{{{decomposed[0]}}}"
    return None


def latex_escape(text: str) -> str:
    """Plain text for LaTeX text mode (titles, names): every special character escaped."""
    out = []
    for ch in text:
        out.append({"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}.get(ch, ch))
    return "".join(out)


def _is_word(token: tuple[str, str], following: str) -> bool:
    kind, text = token
    if kind != "ident" or not text.isalpha() or following in ("(", "_", "^"):
        return False
    plain = text.lower() not in GREEK and text not in ALIASES and text not in BUILTIN_FUNCTIONS
    return plain and (len(text) >= 3 or text.lower() in SHORT_WORDS)


def _sub(part: str) -> str:
    if part in GREEK:
        return "\\" + part
    if len(part) <= 2 or part.isdigit():
        return part
    return r"\mathrm{" + latex_escape(part) + "}"


def _identifier(name: str, following: str) -> str:
    """One identifier: `x_i` -> x_{i}, `beta1` -> \\beta_{1}, `m_hat_t` -> \\hat{m}_{t}, `log_softmax` -> upright."""
    head, *subs = name.split("_")
    stem, digits = re.fullmatch(r"(.*?)(\d*)", head).groups()  # type: ignore[union-attr]
    if head in ALIASES:
        base = ALIASES[head]
    elif stem in GREEK:
        base = "\\" + stem
        if digits:
            subs.insert(0, digits)
    elif subs and (following == "(" or len(head) > 2) and any(
            len(p) > 2 and not p.isdigit() and p not in GREEK and p not in ACCENTS for p in subs):
        # a snake_case name (token_embed, log_softmax, is_garbage(...)), not a subscripted symbol
        word = latex_escape(name)
        return rf"\operatorname{{{word}}}" if following == "(" else rf"\mathrm{{{word}}}"
    elif head in BUILTIN_FUNCTIONS:
        base = "\\" + head
    elif subs and len(head) > 2:
        base = rf"\mathrm{{{latex_escape(head)}}}"  # attn_ij: a named quantity with an index
    elif len(head) <= 2:
        base = head
    else:
        word = latex_escape(head)
        return rf"\operatorname{{{word}}}" if following == "(" else rf"\mathrm{{{word}}}"
    if subs and subs[0] in ACCENTS:
        base = f"{ACCENTS[subs[0]]}{{{base}}}"
        subs = subs[1:]
    if subs:
        base += "_{" + ",".join(_sub(p) for p in subs) + "}"
    return base


def math_to_latex(formula: str) -> str:
    """Best-effort LaTeX (math mode) for a contract formula; always balanced and escaped."""
    tokens = [(m.lastgroup or "char", m.group()) for m in _TOKEN.finditer(formula)]
    out: list[str] = []
    parens: list[str] = []  # the closer owed for each open "(": ")", "}" (sqrt) or ")}" (script group)
    braces: list[str] = []  # the closer owed for each open "{": "}" (group) or "\}" (set)
    i = 0

    def emit(piece: str) -> None:
        if out and piece[:1].isalpha() and _CONTROL_WORD_END.search(out[-1]):
            out.append(" ")
        out.append(piece)

    def following(j: int) -> str:
        return tokens[j + 1][1] if j + 1 < len(tokens) else ""

    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "space":
            emit(" ")
        elif kind == "number":
            emit(text.replace("_", r"\,"))
        elif kind == "ident" and text == "sqrt" and following(i) == "(":
            emit(r"\sqrt{")
            parens.append("}")
            i += 1
        elif kind == "ident" and _is_word(tokens[i], following(i)):
            words, j = [text], i
            while (j + 2 < len(tokens) and tokens[j + 1][0] == "space"
                   and _is_word(tokens[j + 2], following(j + 2))):
                words.append(tokens[j + 2][1])
                j += 2
            if len(words) > 1:
                emit(r"\text{ " + " ".join(words) + " }")
                i = j
            else:
                emit(CONNECTIVES.get(text.lower(), rf"\mathrm{{{text}}}"))
        elif kind == "ident":
            emit(_identifier(text, following(i)))
        elif kind == "op":
            emit(OPERATORS[text])
        elif text in ("^", "_"):
            nxt = following(i)
            if nxt == "{":
                emit(text + "{")
                braces.append("}")
                i += 1
            elif nxt == "(":
                emit(text + "{(")
                parens.append(")}")
                i += 1
            elif nxt and tokens[i + 1][0] in ("number", "ident"):
                emit(text + "{" + (_identifier(nxt, following(i + 1)) if tokens[i + 1][0] == "ident" else nxt) + "}")
                i += 1
            elif nxt == "-" and i + 2 < len(tokens) and tokens[i + 2][0] in ("number", "ident"):
                emit(text + "{-" + tokens[i + 2][1].replace("_", r"\_") + "}")
                i += 2
            else:
                emit(r"\_" if text == "_" else r"\hat{}")
        elif text == "√":
            nxt = following(i)
            if nxt == "(":
                emit(r"\sqrt{")
                parens.append("}")
                i += 1
            elif nxt and tokens[i + 1][0] in ("number", "ident"):
                emit(r"\sqrt{" + (_identifier(nxt, following(i + 1)) if tokens[i + 1][0] == "ident" else nxt) + "}")
                i += 1
            else:
                emit(r"\surd")
        elif text == "(":
            emit("(")
            parens.append(")")
        elif text == ")":
            emit(parens.pop() if parens else ")")
        elif text == "{":
            emit(r"\{")
            braces.append(r"\}")
        elif text == "}":
            emit(braces.pop() if braces else r"\}")
        elif text in SUPERSCRIPTS or text in SUBSCRIPTS:
            table, mark = (SUPERSCRIPTS, "^") if text in SUPERSCRIPTS else (SUBSCRIPTS, "_")
            run = [table[text]]
            while i + 1 < len(tokens) and tokens[i + 1][1] in table:
                i += 1
                run.append(table[tokens[i][1]])
            emit(mark + "{" + "".join(run) + "}")
        elif text in UNICODE:
            emit(UNICODE[text])
        elif text in ASCII_SPECIAL:
            emit(ASCII_SPECIAL[text])
        elif text.isascii():
            emit(text)
        elif text in COMBINING and out:
            out[-1] = f"{COMBINING[text]}{{{out[-1]}}}"  # x̂: the mark follows the letter it sits on
        elif _accented(text):
            emit(_accented(text))  # type: ignore[arg-type]
        else:
            emit(r"\text{" + latex_escape(text) + "}")
        i += 1
    # Close what the formula left open, so the LaTeX around it stays balanced.
    out.extend(closer for closer in reversed(parens) if closer != ")")
    out.extend(closer for closer in reversed(braces) if closer == "}")
    return re.sub(r" {2,}", " ", "".join(out)).strip()


@dataclass(frozen=True)
class EquationView:
    contract: str
    path: str
    name: str
    formula: str
    domain: str | None
    codomain: str | None
    invariants: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "contract": self.contract, "path": self.path, "name": self.name,
            "formula": self.formula, "latex": math_to_latex(self.formula),
            "domain": self.domain, "domain_latex": math_to_latex(self.domain) if self.domain else None,
            "codomain": self.codomain, "codomain_latex": math_to_latex(self.codomain) if self.codomain else None,
            "invariants": list(self.invariants),
            "invariants_latex": [math_to_latex(i) for i in self.invariants],
        }


def equations_of(files: Sequence[ContractFile]) -> list[EquationView]:
    views = []
    for f in files:
        if f.contract is None:
            continue
        for name, eq in f.contract.equations.items():
            views.append(EquationView(f.stem, f.path, name, " ".join(eq.formula.split()),
                                      " ".join(eq.domain.split()) if eq.domain else None,
                                      " ".join(eq.codomain.split()) if eq.codomain else None,
                                      tuple(" ".join(i.split()) for i in eq.invariants)))
    return views


def render_text(views: Sequence[EquationView]) -> str:
    lines: list[str] = []
    contract = None
    for v in views:
        if v.contract != contract:
            if contract is not None:
                lines.append("")
            lines.append(f"{v.contract} ({v.path})")
            contract = v.contract
        lines.append(f"  {v.name}: {v.formula}")
        if v.domain:
            lines.append(f"    domain: {v.domain}")
        if v.codomain:
            lines.append(f"    codomain: {v.codomain}")
        lines.extend(f"    invariant: {inv}" for inv in v.invariants)
    return "\n".join(lines) + ("\n" if lines else "")


def render_latex(views: Sequence[EquationView]) -> str:
    """A LaTeX fragment (amsmath, amssymb) to \\input into a document."""
    lines = ["% pv equations: best-effort LaTeX of contract formulas; needs amsmath and amssymb"]
    contract = None
    for v in views:
        if v.contract != contract:
            lines += ["", f"% {v.path}", rf"\section*{{{latex_escape(v.contract)}}}"]
            contract = v.contract
        lines += [rf"\subsection*{{{latex_escape(v.name)}}}", r"\[", math_to_latex(v.formula), r"\]"]
        if v.domain:
            lines.append(rf"\noindent Domain: \({math_to_latex(v.domain)}\)\par")
        if v.codomain:
            lines.append(rf"\noindent Codomain: \({math_to_latex(v.codomain)}\)\par")
        if v.invariants:
            lines.append(r"\begin{itemize}")
            lines.extend(rf"\item \({math_to_latex(inv)}\)" for inv in v.invariants)
            lines.append(r"\end{itemize}")
    return "\n".join(lines) + "\n"
