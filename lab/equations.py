"""The derivation's equations for each stage, as LaTeX: symbolic, then with the numbers.

Each stage gives a list of :class:`Equation`: the equation in symbols, the same
equation with the actual matrices substituted (3 decimals) and its result, and the
shapes of the operands. Two forms: per-sample column vectors and mini-batch rows
(docs/backprop.md derives both). Pure: no Streamlit.

Layout (lab/equations_base.py): a numeric equation is a list of terms (an operand with the operator before
it) and a result. Terms are packed into lines of at most :data:`LINE_EM` (an
estimate of KaTeX's width in em, :func:`latex_width_em`), the result on a line of
its own: an 8-row mini-batch times a weight matrix then stacks instead of running
off a projector's screen, while a short equation stays on one line.
"""

from __future__ import annotations

import numpy as np

from . import penalty_tex
from .equations_base import (  # noqa: F401 (LINE_EM, latex_width_em: public here as before)
    LINE_EM,
    Equation,
    R,
    _act_name,
    _delta,
    _dL,
    _dsigma_tex,
    _sym,
    latex_width_em,
    mat,
    num,
    stacked,
)
from .passdata import PassData
from .stages import Stage


def stage_equations(stage: Stage, p: PassData) -> list[Equation]:
    """The equations of ``stage`` for the pass ``p`` (its ``form`` picks the notation);
    with a weight penalty, the loss stage ends with L = L_data + λR (lab/penalty_tex.py)."""
    eqs = (_sample if p.form == "sample" else _batch)(stage, p)
    if p.reg_rate and stage.phase == "loss":
        eqs.append(penalty_tex.loss_equation(p))
    return eqs


def _sizes(p: PassData) -> list[int]:
    return [p.X.shape[1]] + [w.shape[0] for w in p.W]


# ---------------------------------------------------------------- per sample
def _a(q: int, T: bool = False) -> str:
    return _sym("x", T=T) if q == 0 else _sym("a", q, T=T)


def _sample(stage: Stage, p: PassData) -> list[Equation]:
    L, q, n = p.L, stage.q, _sizes(p)
    col = lambda rows: rows[0]
    if stage.key == "input":
        return [Equation(r"\mathbf{x},\ \mathbf{y}",
                         stacked([rf"\mathbf{{x}} = {mat(col(p.X))},",
                                  rf"\mathbf{{y}} = {mat(col(p.Y))}"]),
                         rf"\mathbf{{x}} \in {R(n[0], 1)},\ \mathbf{{y}} \in {R(n[L], 1)}")]
    if stage.phase == "forward":
        if stage.key.startswith("a"):
            f = _act_name(p.activation)
            return [Equation(rf"{_sym('a', q)} = {f}\left({_sym('z', q)}\right)",
                             stacked([rf"{f}\left({mat(col(p.Z[q - 1]))}\right)"],
                                     mat(col(p.A[q]))),
                             rf"{_sym('a', q)} \in {R(n[q], 1)}")]
        out = r"\hat{\mathbf{y}}" if q == L else _sym("z", q)
        return [Equation(rf"{out} = {_sym('W', q)}{_a(q - 1)} + {_sym('b', q)}",
                         stacked([mat(p.W[q - 1]), mat(col(p.A[q - 1])), "+ " + mat(p.b[q - 1])],
                                 mat(col(p.Z[q - 1]))),
                         rf"{_sym('W', q)} \in {R(n[q], n[q - 1])},\ {_a(q - 1)} \in "
                         rf"{R(n[q - 1], 1)},\ {_sym('b', q)} \in {R(n[q], 1)}")]
    if stage.phase == "loss":
        yh, y = col(p.A[L]), col(p.Y)
        terms = [("+ " if i else "") + rf"({num(a)} - {num(b)})^2"
                 for i, (a, b) in enumerate(zip(yh, y))]
        Ld = penalty_tex.data_name(p)
        return [Equation(Ld + r" = \sum_{l} (\hat{y}_l - y_l)^2",
                         stacked([Ld + " = " + terms[0]] + terms[1:], num(p.data_loss)),
                         r"L \in \mathbb{R}")]
    if stage.phase == "backward":
        if q == L:
            return [Equation(rf"{_delta(L)} = 2(\hat{{\mathbf{{y}}}} - \mathbf{{y}})",
                             stacked([rf"2\left({mat(col(p.A[L]))}", rf"- {mat(col(p.Y))}\right)"],
                                     mat(col(p.delta[L - 1]))),
                             rf"{_delta(L)} \in {R(n[L], 1)}")]
        d, dn = _delta(q), _delta(q + 1)
        return [Equation(rf"{d} = \sigma'\left({_sym('z', q)}\right) \odot \left("
                         rf"{_sym('W', q + 1, T=True)} {dn}\right)",
                         stacked([mat(col(p.dsigma[q - 1])),
                                  rf"\odot \left({mat(p.W[q].T)}", rf"{mat(col(p.delta[q]))}\right)"],
                                 mat(col(p.delta[q - 1]))),
                         rf"\sigma'(z) = {_dsigma_tex(p.activation)},\ {d} \in {R(n[q], 1)},\ "
                         rf"{_sym('W', q + 1, T=True)} \in {R(n[q], n[q + 1])}")]
    if stage.phase == "gradients":
        eqs = []
        for k in range(1, L + 1):
            d, W, b = _delta(k), _sym("W", k), _sym("b", k)
            extra, terms = penalty_tex.grad_terms(p, k) if p.reg_rate else ("", [])
            eqs.append(Equation(
                rf"{_dL(W)} = {d} {_a(k - 1, T=True)}" + extra,
                stacked([mat(col(p.delta[k - 1])), mat(p.A[k - 1]), *terms], mat(p.dW[k - 1])),
                rf"{_dL(W)} \in {R(n[k], n[k - 1])}"))
            eqs.append(Equation(rf"{_dL(b)} = {d}", mat(p.db[k - 1]),
                                rf"{_dL(b)} \in {R(n[k], 1)}"))
        return eqs
    return _update(p, n)


def _update(p: PassData, n: list[int]) -> list[Equation]:
    eqs = []
    for k in range(1, p.L + 1):
        eqs += update_equations(k, p.W[k - 1], p.dW[k - 1], p.W_new[k - 1], p.b[k - 1],
                                p.db[k - 1], p.b_new[k - 1], p.lr)
    return eqs


def update_equations(q: int, W, dW, W_new, b, db, b_new, lr: float) -> list[Equation]:
    """W^(q) ← W^(q) − γ ∂L/∂W^(q) and the same for b^(q), with the numbers: W, dW, W_new
    of shape (n_q, n_{q-1}); b, db, b_new of shape (n_q,); lr the learning rate γ."""
    eqs = []
    for name, old, grad, new in (("W", W, dW, W_new), ("b", b, db, b_new)):
        s = _sym(name, q)
        shape = np.shape(old) if name == "W" else (np.shape(old)[0], 1)
        eqs.append(Equation(
            rf"{s} \leftarrow {s} - \gamma {_dL(s)}",
            stacked([mat(old), rf"- {num(lr)}\,{mat(grad)}"], mat(new)),
            rf"\gamma = {num(lr)},\ {s} \in {R(*shape)}"))
    return eqs


# ---------------------------------------------------------------- mini-batch
def _A(q: int) -> str:
    return _sym("X") if q == 0 else _sym("A", q)


def _batch(stage: Stage, p: PassData) -> list[Equation]:
    L, q, N, n = p.L, stage.q, p.N, _sizes(p)
    D = lambda k, T=False: _delta(k, T=T, capital=True)
    if stage.key == "input":
        return [Equation(r"\mathbf{X} = \mathbf{A}^{(0)},\ \mathbf{Y}",
                         stacked([rf"\mathbf{{X}} = {mat(p.X)},", rf"\mathbf{{Y}} = {mat(p.Y)}"]),
                         rf"\mathbf{{X}} \in {R(N, n[0])},\ \mathbf{{Y}} \in {R(N, n[L])},\ "
                         rf"N = {N}")]
    if stage.phase == "forward":
        if stage.key.startswith("a"):
            f = _act_name(p.activation)
            return [Equation(rf"{_sym('A', q)} = {f}\left({_sym('Z', q)}\right)",
                             stacked([rf"{f}\left({mat(p.Z[q - 1])}\right)"], mat(p.A[q])),
                             rf"{_sym('A', q)} \in {R(N, n[q])}")]
        out = r"\hat{\mathbf{Y}}" if q == L else _sym("Z", q)
        return [Equation(rf"{out} = {_A(q - 1)} {_sym('W', q, T=True)} \oplus "
                         rf"{_sym('b', q, T=True)}",
                         stacked([mat(p.A[q - 1]), mat(p.W[q - 1].T),
                                  r"\oplus " + mat(p.b[q - 1][None, :])], mat(p.Z[q - 1])),
                         rf"{_A(q - 1)} \in {R(N, n[q - 1])},\ {_sym('W', q, T=True)} \in "
                         rf"{R(n[q - 1], n[q])},\ {_sym('b', q, T=True)} \in {R(1, n[q])}")]
    if stage.phase == "loss":
        E = p.A[L] - p.Y
        Ld = penalty_tex.data_name(p)
        return [Equation(Ld + r" = \frac{1}{N}\mathbf{1}_N^\top\left[(\hat{\mathbf{Y}} - "
                         r"\mathbf{Y})\odot(\hat{\mathbf{Y}} - \mathbf{Y})\right]\mathbf{1}_E",
                         stacked([rf"\hat{{\mathbf{{Y}}}} - \mathbf{{Y}} = {mat(E)},",
                                  Ld + rf" = \frac{{1}}{{{N}}}\,{num(np.sum(E * E))}"],
                                 num(p.data_loss)),
                         r"L \in \mathbb{R}")]
    if stage.phase == "backward":
        if q == L:
            return [Equation(rf"{D(L)} = \frac{{2}}{{N}}(\hat{{\mathbf{{Y}}}} - \mathbf{{Y}})",
                             stacked([rf"\frac{{2}}{{{N}}}\left({mat(p.A[L])}",
                                      rf"- {mat(p.Y)}\right)"], mat(p.delta[L - 1])),
                             rf"{D(L)} \in {R(N, n[L])}")]
        return [Equation(rf"{D(q)} = \left({D(q + 1)} {_sym('W', q + 1)}\right) \odot "
                         rf"\sigma'\left({_sym('Z', q)}\right)",
                         stacked([rf"\left({mat(p.delta[q])}", rf"{mat(p.W[q])}\right)",
                                  rf"\odot {mat(p.dsigma[q - 1])}"], mat(p.delta[q - 1])),
                         rf"\sigma'(z) = {_dsigma_tex(p.activation)},\ {D(q)} \in {R(N, n[q])}")]
    if stage.phase == "gradients":
        eqs = []
        for k in range(1, L + 1):
            W, b = _sym("W", k), _sym("b", k)
            extra, terms = penalty_tex.grad_terms(p, k) if p.reg_rate else ("", [])
            eqs.append(Equation(
                rf"{_dL(W)} = {D(k, T=True)} {_A(k - 1)}" + extra,
                stacked([mat(p.delta[k - 1], T=True), mat(p.A[k - 1]), *terms],
                        mat(p.dW[k - 1])),
                rf"{_dL(W)} \in {R(n[k], n[k - 1])}"))
            eqs.append(Equation(
                rf"{_dL(b)} = \mathbf{{1}}_N^\top {D(k)}",
                stacked([r"\mathbf{1}_N^\top", mat(p.delta[k - 1])], mat(p.db[k - 1][None, :])),
                rf"{_dL(b)} \in {R(1, n[k])}\ \text{{(a row: }}{_sym('b', k, T=True)}\text{{)}}"))
        mean = np.mean([s[L - 1] for s in p.sample_dW], axis=0)
        # each sample's gradient carries the penalty's term too (the mean keeps it once)
        pen = penalty_tex.grad_terms(p, L)[0] if p.reg_rate else ""
        eqs.append(Equation(
            rf"{_dL(_sym('W', L))} = \frac{{1}}{{N}}\sum_{{n=1}}^{{N}}" + (r"\left(" if pen else "")
            + rf"{_delta(L)}_n \left({_a(L - 1)}_n\right)^\top" + (pen + r"\right)" if pen else ""),
            stacked([rf"\frac{{1}}{{{N}}}\left(" + mat(p.sample_dW[0][L - 1])]
                    + ["+ " + mat(s[L - 1]) for s in p.sample_dW[1:]] + [r"\right)"], mat(mean)),
            rf"\text{{per-sample mean vs batch: }}\max|\text{{diff}}| = "
            rf"{np.max(np.abs(mean - p.dW[L - 1])):.1e}"))
        return eqs
    return _update(p, n)
