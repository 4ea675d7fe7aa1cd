"""The seed's equations for each stage, as LaTeX: symbolic, then with the numbers.

Each stage gives a list of :class:`Equation`: the equation as the seed writes it,
the same equation with the actual matrices substituted (3 decimals) and its
result, and the shapes of the operands. Two forms: per-sample column vectors (the
seed's first half) and mini-batch rows (its second half). Pure: no Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nncore import ACTIVATIONS

from .passdata import PassData
from .stages import Stage

DECIMALS = 3


@dataclass(frozen=True)
class Equation:
    """symbolic: the seed's LaTeX; numeric: the same with numbers; shapes: LaTeX."""

    symbolic: str
    numeric: str
    shapes: str


def num(v: float) -> str:
    """A number with 3 decimals; −0.000 is written 0.000."""
    s = f"{float(v):.{DECIMALS}f}"
    return s[1:] if s.startswith("-") and float(s) == 0.0 else s


def mat(M) -> str:
    """A bmatrix of the array's entries; a 1-D array is a column vector."""
    M = np.asarray(M, dtype=float)
    if M.ndim == 1:
        M = M[:, None]
    rows = [" & ".join(num(v) for v in row) for row in M]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def R(r: int, c: int) -> str:
    return rf"\mathbb{{R}}^{{{r}\times {c}}}"


def _sym(name: str, q: int | None = None, T: bool = False, style: str = "mathbf") -> str:
    r"""A bold symbol with an optional layer superscript and transpose, written as one
    superscript (``\mathbf{W}^{(3)\top}``): KaTeX rejects a double superscript."""
    core = rf"\{style}{{{name}}}"
    top = r"\top" if T else ""
    if q is None:
        return core + (rf"^{{{top}}}" if T else "")
    return rf"{core}^{{({q}){top}}}"


def _delta(q: int, T: bool = False, capital: bool = False) -> str:
    return _sym(r"\Delta" if capital else r"\delta", q, T=T, style="boldsymbol")


def _act_name(activation: str) -> str:
    return r"\tanh" if activation == "tanh" else r"\sigma"


def stage_equations(stage: Stage, p: PassData) -> list[Equation]:
    """The equations of ``stage`` for the pass ``p`` (its ``form`` picks the notation)."""
    return (_sample if p.form == "sample" else _batch)(stage, p)


# ---------------------------------------------------------------- per sample
def _a(q: int, T: bool = False) -> str:
    return _sym("x", T=T) if q == 0 else _sym("a", q, T=T)


def _sample(stage: Stage, p: PassData) -> list[Equation]:
    L, q = p.L, stage.q
    n = [p.X.shape[1]] + [w.shape[0] for w in p.W]
    col = lambda rows: rows[0]
    if stage.key == "input":
        return [Equation(r"\mathbf{x},\ \mathbf{y}",
                         rf"\mathbf{{x}} = {mat(col(p.X))},\quad \mathbf{{y}} = {mat(col(p.Y))}",
                         rf"\mathbf{{x}} \in {R(n[0], 1)},\ \mathbf{{y}} \in {R(n[L], 1)}")]
    if stage.phase == "forward":
        out = r"\hat{\mathbf{y}}" if q == L else _sym("z", q)
        sym = rf"{out} = {_sym('W', q)}{_a(q - 1)} + {_sym('b', q)}"
        if stage.key.startswith("a"):
            f = _act_name(p.activation)
            return [Equation(rf"{_sym('a', q)} = {f}\left({_sym('z', q)}\right)",
                             rf"{f}\left({mat(col(p.Z[q - 1]))}\right) = {mat(col(p.A[q]))}",
                             rf"{_sym('a', q)} \in {R(n[q], 1)}")]
        return [Equation(sym, rf"{mat(p.W[q - 1])}{mat(col(p.A[q - 1]))} + {mat(p.b[q - 1])}"
                              rf" = {mat(col(p.Z[q - 1]))}",
                         rf"{_sym('W', q)} \in {R(n[q], n[q - 1])},\ {_a(q - 1)} \in "
                         rf"{R(n[q - 1], 1)},\ {_sym('b', q)} \in {R(n[q], 1)}")]
    if stage.phase == "loss":
        yh, y = col(p.A[L]), col(p.Y)
        terms = " + ".join(rf"({num(a)} - {num(b)})^2" for a, b in zip(yh, y))
        return [Equation(r"L = \sum_{l} (\hat{y}_l - y_l)^2",
                         rf"L = {terms} = {num(p.loss)}",
                         r"L \in \mathbb{R}")]
    if stage.phase == "backward":
        if q == L:
            return [Equation(rf"{_delta(L)} = 2(\hat{{\mathbf{{y}}}} - \mathbf{{y}})",
                             rf"2\left({mat(col(p.A[L]))} - {mat(col(p.Y))}\right) = "
                             rf"{mat(col(p.delta[L - 1]))}",
                             rf"{_delta(L)} \in {R(n[L], 1)}")]
        d, dn = _delta(q), _delta(q + 1)
        return [Equation(rf"{d} = \sigma'\left({_sym('z', q)}\right) \odot \left("
                         rf"{_sym('W', q + 1, T=True)} {dn}\right)",
                         rf"{mat(col(p.dsigma[q - 1]))} \odot \left({mat(p.W[q].T)}"
                         rf"{mat(col(p.delta[q]))}\right) = {mat(col(p.delta[q - 1]))}",
                         rf"\sigma'(z) = {_dsigma_tex(p.activation)},\ {d} \in {R(n[q], 1)},\ "
                         rf"{_sym('W', q + 1, T=True)} \in {R(n[q], n[q + 1])}")]
    if stage.phase == "gradients":
        eqs = []
        for k in range(1, L + 1):
            d = _delta(k)
            eqs.append(Equation(
                rf"\frac{{\partial L}}{{\partial {_sym('W', k)}}} = {d} {_a(k - 1, T=True)},\quad"
                rf"\frac{{\partial L}}{{\partial {_sym('b', k)}}} = {d}",
                rf"{mat(col(p.delta[k - 1]))}{mat(p.A[k - 1])} = {mat(p.dW[k - 1])},\quad "
                rf"{mat(p.db[k - 1])}",
                rf"\frac{{\partial L}}{{\partial {_sym('W', k)}}} \in {R(n[k], n[k - 1])}"))
        return eqs
    return _update(p, n)


def _dsigma_tex(activation: str) -> str:
    return ACTIVATIONS[activation].dformula


def _update(p: PassData, n: list[int]) -> list[Equation]:
    eqs = []
    for k in range(1, p.L + 1):
        for name, old, grad, new in (("W", p.W[k - 1], p.dW[k - 1], p.W_new[k - 1]),
                                     ("b", p.b[k - 1], p.db[k - 1], p.b_new[k - 1])):
            s = _sym(name, k)
            eqs.append(Equation(
                rf"{s} \leftarrow {s} - \gamma \frac{{\partial L}}{{\partial {s}}}",
                rf"{mat(old)} - {num(p.lr)}\,{mat(grad)} = {mat(new)}",
                rf"\gamma = {num(p.lr)},\ {s} \in "
                + (R(n[k], n[k - 1]) if name == "W" else R(n[k], 1))))
    return eqs


# ---------------------------------------------------------------- mini-batch
def _A(q: int) -> str:
    return _sym("X") if q == 0 else _sym("A", q)


def _batch(stage: Stage, p: PassData) -> list[Equation]:
    L, q, N = p.L, stage.q, p.N
    n = [p.X.shape[1]] + [w.shape[0] for w in p.W]
    D = lambda k, T=False: _delta(k, T=T, capital=True)
    if stage.key == "input":
        return [Equation(r"\mathbf{X} = \mathbf{A}^{(0)},\ \mathbf{Y}",
                         rf"\mathbf{{X}} = {mat(p.X)},\quad \mathbf{{Y}} = {mat(p.Y)}",
                         rf"\mathbf{{X}} \in {R(N, n[0])},\ \mathbf{{Y}} \in {R(N, n[L])},\ "
                         rf"N = {N}")]
    if stage.phase == "forward":
        if stage.key.startswith("a"):
            f = _act_name(p.activation)
            return [Equation(rf"{_sym('A', q)} = {f}\left({_sym('Z', q)}\right)",
                             rf"{f}\left({mat(p.Z[q - 1])}\right) = {mat(p.A[q])}",
                             rf"{_sym('A', q)} \in {R(N, n[q])}")]
        out = r"\hat{\mathbf{Y}}" if q == L else _sym("Z", q)
        return [Equation(rf"{out} = {_A(q - 1)} {_sym('W', q, T=True)} \oplus "
                         rf"{_sym('b', q, T=True)}",
                         rf"{mat(p.A[q - 1])}{mat(p.W[q - 1].T)} \oplus {mat(p.b[q - 1][None, :])}"
                         rf" = {mat(p.Z[q - 1])}",
                         rf"{_A(q - 1)} \in {R(N, n[q - 1])},\ {_sym('W', q, T=True)} \in "
                         rf"{R(n[q - 1], n[q])},\ {_sym('b', q, T=True)} \in {R(1, n[q])}")]
    if stage.phase == "loss":
        E = p.A[L] - p.Y
        return [Equation(r"L = \frac{1}{N}\mathbf{1}_N^\top\left[(\hat{\mathbf{Y}} - \mathbf{Y})"
                         r"\odot(\hat{\mathbf{Y}} - \mathbf{Y})\right]\mathbf{1}_E",
                         rf"\hat{{\mathbf{{Y}}}} - \mathbf{{Y}} = {mat(E)},\quad L = "
                         rf"\frac{{1}}{{{N}}}\,{num(np.sum(E * E))} = {num(p.loss)}",
                         r"L \in \mathbb{R}")]
    if stage.phase == "backward":
        if q == L:
            return [Equation(rf"{D(L)} = \frac{{2}}{{N}}(\hat{{\mathbf{{Y}}}} - \mathbf{{Y}})",
                             rf"\frac{{2}}{{{N}}}\left({mat(p.A[L])} - {mat(p.Y)}\right) = "
                             rf"{mat(p.delta[L - 1])}", rf"{D(L)} \in {R(N, n[L])}")]
        return [Equation(rf"{D(q)} = \left({D(q + 1)} {_sym('W', q + 1)}\right) \odot "
                         rf"\sigma'\left({_sym('Z', q)}\right)",
                         rf"\left({mat(p.delta[q])}{mat(p.W[q])}\right) \odot "
                         rf"{mat(p.dsigma[q - 1])} = {mat(p.delta[q - 1])}",
                         rf"\sigma'(z) = {_dsigma_tex(p.activation)},\ {D(q)} \in {R(N, n[q])}")]
    if stage.phase == "gradients":
        eqs = []
        for k in range(1, L + 1):
            eqs.append(Equation(
                rf"\frac{{\partial L}}{{\partial {_sym('W', k)}}} = {D(k, T=True)} {_A(k - 1)},\quad"
                rf"\frac{{\partial L}}{{\partial {_sym('b', k)}}} = \mathbf{{1}}_N^\top {D(k)}",
                rf"{mat(p.delta[k - 1].T)}{mat(p.A[k - 1])} = {mat(p.dW[k - 1])},\quad "
                rf"{mat(p.db[k - 1][None, :])}",
                rf"\frac{{\partial L}}{{\partial {_sym('W', k)}}} \in {R(n[k], n[k - 1])}"))
        mean = np.mean([s[L - 1] for s in p.sample_dW], axis=0)
        eqs.append(Equation(
            rf"\frac{{\partial L}}{{\partial {_sym('W', L)}}} = \frac{{1}}{{N}}\sum_{{n=1}}^{{N}}"
            rf"{_delta(L)}_n \left({_a(L - 1)}_n\right)^\top"
            r"\quad\text{(the mean of the per-sample gradients)}",
            rf"\frac{{1}}{{{N}}}\left(" + " + ".join(mat(s[L - 1]) for s in p.sample_dW)
            + rf"\right) = {mat(mean)}",
            rf"\max|\text{{difference}}| = {np.max(np.abs(mean - p.dW[L - 1])):.1e}"))
        return eqs
    return _update(p, n)
