"""The questions: one hidden value of the current stage, its exact answer, the tolerance
the 3-decimal numbers on screen allow, the worked solution and the likely mistakes."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np

from nncore import ACTIVATIONS, MLP

from ..equations import LINE_EM, Equation, mat, num, stacked
from ..equations_base import MAX_COLS, shown_columns
from ..passdata import PassData
from ..stages import Stage, sup
from .base import (
    Question,
    dL_tex,
    entry_names,
    err,
    errs,
    in_parens,
    input_tex,
    prod_err,
    sub_tex,
    tolerance,
    w_tex,
)


class _Unaskable(Exception):
    """The answer or its tolerance is not a finite number (weights far too large)."""


def generate(p: PassData, stage: Stage, rng: np.random.Generator) -> Question | None:
    """A question hiding one value of ``stage`` for the pass ``p``, the entry picked with
    ``rng``; None for the input stage (x and y are data: nothing is computed there) and
    where the numbers are beyond what a by-hand answer can be checked against (the answer
    or its rounding bound not finite: weights of 10³ in a deep network can do that)."""
    try:
        with np.errstate(all="ignore"):
            return _generate(p, stage, rng)
    except _Unaskable:
        return None


def _generate(p: PassData, stage: Stage, rng: np.random.Generator) -> Question | None:
    key, L = stage.key, p.L
    if key == "input":
        return None
    if key == "loss":
        return _loss(p)
    if key == "grads":
        q = int(rng.integers(1, L + 1))
        if rng.random() < 2 / 3:
            i, j = int(rng.integers(p.dW[q - 1].shape[0])), _column(rng, p.dW[q - 1].shape[1])
            return _dW(p, q, i, j)
        return _db(p, q, int(rng.integers(p.db[q - 1].size)))
    if key == "update":
        r, q = rng.random(), int(rng.integers(1, L + 1))
        if r < 1 / 6:
            return _loss_after(p)
        if r < 1 / 3:
            return _new(p, "b", q, int(rng.integers(p.b[q - 1].size)), 0)
        i, j = int(rng.integers(p.W[q - 1].shape[0])), _column(rng, p.W[q - 1].shape[1])
        return _new(p, "W", q, i, j)
    q = L if key == "yhat" else int(re.sub(r"\D", "", key))
    width = p.Z[q - 1].shape[1]  # a unit: a column of the batch's matrices
    n = int(rng.integers(p.N))
    i = _column(rng, width) if p.form == "batch" else int(rng.integers(width))
    return _pick(p, key, q, n, i)


def _column(rng: np.random.Generator, n: int) -> int:
    """A column of a matrix of n columns that its equations print (not one left out as ⋯
    in a layer of more than six: lab.equations_base.shown_columns)."""
    if n <= MAX_COLS:
        return int(rng.integers(n))
    return int(rng.choice([c for c in shown_columns(n) if c is not None]))


def _pick(p: PassData, key: str, q: int, n: int, i: int) -> Question:
    make = _delta if key.startswith("delta") else _act if key.startswith("a") else _z
    return make(p, q, n, i)


def _others(p: PassData, M: np.ndarray, n: int, i: int, name: str, q) -> list:
    """The entries in the same row or column of M, each with a hint naming it."""
    cells = [(n, c) for c in range(M.shape[1]) if c != i] + \
            [(r, i) for r in range(M.shape[0]) if r != n]
    return [(float(M[r, c]), (f"that is the value of {entry_names(p, name, q, r, c)[0]}, not of "
                             f"{entry_names(p, name, q, n, i)[0]}")) for r, c in cells]


def _z(p: PassData, q: int, n: int, i: int) -> Question:
    L, a, W, b = p.L, p.A[q - 1][n], p.W[q - 1][i], float(p.b[q - 1][i])
    name, qq = ("yhat", None) if q == L else ("z", q)
    plain, tex = entry_names(p, name, qq, n, i)
    sym = [("+ " if j else f"{tex} = ") + rf"{w_tex(q, i, j)}\,{input_tex(p, q, n, j)}"
           for j in range(a.size)]
    terms = [("+ " if j else "= ") + f"{in_parens(W[j])}{in_parens(a[j])}" for j in range(a.size)]
    truth = float(p.Z[q - 1][n, i])
    sol = stacked(sym + [f"+ b_{{{i + 1}}}^{{({q})}}"] + terms + [f"+ {in_parens(b)}"],
                  num(truth), LINE_EM)
    bound = sum(prod_err(W[j], a[j]) for j in range(a.size)) + err(b)
    return _q(p, "yhat" if q == L else f"z{q}", "z", plain, tex, truth, bound, sol,
              _others(p, p.Z[q - 1], n, i, name, qq), _cell(p, p.Z[q - 1], n, i), (q, n, i))


def _act(p: PassData, q: int, n: int, i: int) -> Question:
    f = {"tanh": r"\tanh", "sigmoid": r"\sigma", "relu": r"\max"}.get(p.activation, "")
    call = (lambda s: rf"{f}\left(0, {s}\right)") if f == r"\max" else \
        (lambda s: rf"{f}\left({s}\right)")
    plain, tex = entry_names(p, "a", q, n, i)
    zplain, ztex = entry_names(p, "z", q, n, i)
    z, truth = float(p.Z[q - 1][n, i]), float(p.A[q][n, i])
    sol = stacked([f"{tex} = {call(ztex)}", f"= {call(num(z))}"], num(truth), LINE_EM)
    traps = [(z, f"that is {zplain}, the input of σ; a = σ(z)")]
    bound = ACTIVATIONS[p.activation].dsigma_max * err(z)
    return _q(p, f"a{q}", "a", plain, tex, truth, bound, sol,
              traps + _others(p, p.A[q], n, i, "a", q), _cell(p, p.A[q], n, i), (q, n, i))


def _delta(p: PassData, q: int, n: int, i: int) -> Question:
    L, N = p.L, p.N
    plain, tex = entry_names(p, "delta", q, n, i)
    truth = float(p.delta[q - 1][n, i])
    others = _others(p, p.delta[q - 1], n, i, "delta", q)
    if q == L:
        yh, y = float(p.A[L][n, i]), float(p.Y[n, i])
        c, ctex = (2.0, "2") if N == 1 else (2 / N, rf"\frac{{2}}{{{N}}}")
        names = rf"{entry_names(p, 'yhat', None, n, i)[1]} - {entry_names(p, 'y', None, n, i)[1]}"
        sol = stacked([rf"{tex} = {ctex}\left({names}\right)",
                       rf"= {ctex}\left({num(yh)} - {num(y)}\right)"], num(truth), LINE_EM)
        traps = [(yh - y, f"you left out the factor {'2' if N == 1 else '2/N'}")]
        if N > 1:
            traps += [(2 * (yh - y), "you left out the 1/N of the mean"),
                      ((yh - y) / N, "you left out the factor 2 (the loss has no ½)")]
        return _q(p, f"delta{q}", "delta", plain, tex, truth, c * err(yh), sol, traps + others,
                  _cell(p, p.delta[q - 1], n, i), (q, n, i))
    s, w, d = float(p.dsigma[q - 1][n, i]), p.W[q][:, i], p.delta[q][n]
    back = float(w @ d)
    ds = entry_names(p, "delta", q + 1, n, 0)[1].replace("_{1}", "_{l}").replace(",1}", ",l}")
    sym = (rf"{tex} = \sigma'\left({entry_names(p, 'z', q, n, i)[1]}\right)"
           rf"\sum_{{l}} w_{{l{i + 1}}}^{{({q + 1})}}\,{ds}")
    terms = [("+ " if k else rf"= {in_parens(s)}\left(") + f"{in_parens(w[k])}{in_parens(d[k])}"
             for k in range(d.size)]
    terms[-1] += r"\right)"
    sol = stacked([sym] + terms, num(truth), LINE_EM)
    err_back = sum(prod_err(w[k], d[k]) for k in range(d.size))
    # the printed σ' times the student's sum, and that product rounded
    bound = abs(s) * err_back + (abs(back) + err_back) * err(s) + err(s * back)
    traps = [(back, "you left out the factor σ'(z)")]
    return _q(p, f"delta{q}", "delta", plain, tex, truth, bound, sol, traps + others,
              _cell(p, p.delta[q - 1], n, i), (q, n, i))


def _dW(p: PassData, q: int, i: int, j: int) -> Question:
    d, a, M = p.delta[q - 1][:, i], p.A[q - 1][:, j], p.dW[q - 1]
    truth, w = float(M[i, j]), w_tex(q, i, j)
    plain = f"∂L/∂w{sub_tex(i, j)}{sup(q)}"
    sym = rf"{entry_names(p, 'delta', q, 0, i)[1]}\,{input_tex(p, q, 0, j)}"
    if p.N > 1:  # Σ over the rows n of the batch
        sym = r"\sum_{n=1}^{" + str(p.N) + "} " + sym.replace("_{1,", "_{n,")
    terms = [("+ " if m else "= ") + f"{in_parens(d[m])}{in_parens(a[m])}" for m in range(p.N)]
    bound = sum(prod_err(d[m], a[m]) for m in range(p.N))
    if p.reg_rate:  # the penalty's term: + 2λw (L2) or + λ sign w (L1)
        wv = float(p.W[q - 1][i, j])
        if p.regularization == "L2":
            sym += rf" + 2\lambda {w}"
            terms.append(f"+ {in_parens(2 * p.reg_rate)}{in_parens(wv)}")
            bound += prod_err(2 * p.reg_rate, wv)
        else:
            sym += rf" + \lambda \operatorname{{sign}} {w}"
            terms.append(f"+ {in_parens(p.reg_rate)}{in_parens(float(np.sign(wv)))}")
            bound += p.reg_rate if abs(wv) < err(wv) else 0.0  # printed 0.000: sign unseen
    sol = stacked([f"{dL_tex(w)} = {sym}"] + terms, num(truth), LINE_EM)
    traps = [(float(M[j, i]), (f"that is ∂L/∂w{sub_tex(j, i)}{sup(q)}: the first index is the "
                              "neuron the edge goes to, the second the one it comes from"))
             ] if i != j and j < M.shape[0] and i < M.shape[1] else []
    traps += [(float(M[r, c]), f"that is ∂L/∂w{sub_tex(r, c)}{sup(q)}, not {plain}")
              for r, c in [(i, c) for c in range(M.shape[1])] + [(r, j) for r in range(M.shape[0])]
              if (r, c) != (i, j)]
    return _q(p, "grads", "dW", plain, dL_tex(w), truth, bound, sol, traps, (M, i, j),
              (q, i, j))


def _db(p: PassData, q: int, i: int) -> Question:
    d, truth = p.delta[q - 1][:, i], float(p.db[q - 1][i])
    bt, plain = f"b_{{{i + 1}}}^{{({q})}}", f"∂L/∂b{sub_tex(i)}{sup(q)}"
    names = entry_names(p, "delta", q, 0, i)[1]
    if p.N > 1:
        names = r"\sum_{n=1}^{" + str(p.N) + "} " + names.replace("_{1,", "_{n,")
    terms = [("+ " if m else "= ") + in_parens(d[m]) for m in range(p.N)]
    sol = stacked([f"{dL_tex(bt)} = {names}"] + (terms if p.N > 1 else []), num(truth), LINE_EM)
    traps = [(float(p.db[q - 1][k]), f"that is ∂L/∂b{sub_tex(k)}{sup(q)}, not {plain}")
             for k in range(p.db[q - 1].size) if k != i]
    cell = (p.db[q - 1], i, 0) if p.form == "sample" else (p.db[q - 1][None, :], 0, i)
    return _q(p, "grads", "db", plain, dL_tex(bt), truth, float(sum(errs(d))), sol, traps, cell,
              (q, i))


def _new(p: PassData, name: str, q: int, i: int, j: int) -> Question:
    if name == "W":
        old, g, new = p.W[q - 1][i, j], p.dW[q - 1][i, j], p.W_new[q - 1][i, j]
        s, plain_s = w_tex(q, i, j), f"w{sub_tex(i, j)}{sup(q)}"
    else:
        old, g, new = p.b[q - 1][i], p.db[q - 1][i], p.b_new[q - 1][i]
        s, plain_s = f"b_{{{i + 1}}}^{{({q})}}", f"b{sub_tex(i)}{sup(q)}"
    lr = p.lr
    sol = stacked([rf"{s} \leftarrow {s} - \gamma\,{dL_tex(s)}", f"= {num(old)}", f"- {in_parens(lr)}{in_parens(g)}"],
                  num(new), LINE_EM)
    bound = err(old) + prod_err(lr, g)
    traps = [(float(old + lr * g), (f"you added γ·∂L/∂{plain_s}: the step goes against the "
                                   "gradient, θ − γ ∂L/∂θ")),
             (float(old - g), "you left out the learning rate γ"),
             (float(old), f"that is {plain_s} before the step")]
    return _q(p, "update", f"{name}_new", f"the new {plain_s}, after the step",
              rf"{s}\ \text{{(new)}}", float(new), bound, sol, traps,
              (p.W_new[q - 1], i, j) if name == "W" else (p.b_new[q - 1], i, 0),
              (q, i, j) if name == "W" else (q, i))


def _loss(p: PassData) -> Question:
    # with a penalty, the data term (what ŷ and y on screen give; the L = L_data + λR line
    # adds the penalty)
    E, N, truth = p.A[p.L] - p.Y, p.N, float(p.data_loss)
    terms = [("+ " if k else "") + rf"({num(yh)} - {num(y)})^2"
             for k, (yh, y) in enumerate(zip(p.A[p.L].ravel(), p.Y.ravel()))]
    if N == 1:
        sol = stacked([r"L = \sum_l (\hat{y}_l - y_l)^2 = " + terms[0]] + terms[1:],
                      num(truth), LINE_EM)
        plain = "the loss L"
    else:
        sol = stacked([rf"L = \frac{{1}}{{{N}}}\sum_{{n,l}} (\hat{{Y}}_{{n,l}} - Y_{{n,l}})^2"
                       rf" = \frac{{1}}{{{N}}}\left(" + terms[0]] + terms[1:-1]
                      + [terms[-1] + r"\right)"], num(truth), LINE_EM)
        plain = f"the loss L (the mean over the {N} rows)"
    if p.reg_rate:
        plain = plain.replace("the loss L", "the data term of the loss, L_data")
    # each square from a printed ŷ (y is exact), then rounded itself
    e = errs(p.A[p.L])
    bound = float(np.sum(2 * np.abs(E) * e + e * e + errs(E * E))) / N
    traps = [(truth / 2, "this loss has no ½: L = Σ (ŷ − y)²")]
    if N > 1:
        traps.append((truth * N, "you left out the 1/N of the mean"))
    return _q(p, "loss", "loss", plain, r"L_{\mathrm{data}}" if p.reg_rate else "L", truth,
              bound, sol, traps, num(truth))


def _loss_after(p: PassData) -> Question:
    net = MLP.from_params(p.W_new, p.b_new, p.activation)
    # with a penalty, its data term (the forward pass gives it; λR(W_new) is not asked)
    f = net.forward(p.X)
    truth = net.data_loss(p.X, p.Y)
    # Worst case of a forward pass by hand from the 3-decimal x and new weights, rounding
    # every product, z and a to 3 decimals on the way: e bounds each value's error.
    # (Every printed number x is off by up to e(x) = err(x).)
    lip = ACTIVATIONS[p.activation].dsigma_max
    e = errs(p.X)
    for q in range(1, net.L + 1):
        A, W = f.A[q - 1], net.W[q - 1]  # A (N, n_in), W (n_out, n_in)
        ew = errs(W)
        products = errs(A[:, None, :] * W[None, :, :]).sum(axis=2)  # each rounded
        ez = e @ np.abs(W).T + (np.abs(A) + 2 * e) @ ew.T + products \
            + errs(net.b[q - 1]) + errs(f.Z[q - 1])  # the bias, and z rounded
        e = ez if q == net.L else lip * ez + errs(f.A[q])
    E = f.A[-1] - p.Y
    bound = float(np.sum(2 * np.abs(E) * e + e * e + errs(E * E))) / p.N
    B = p.form == "batch"
    lines = []
    for q in range(1, net.L + 1):
        name = (r"\hat{\mathbf{Y}}" if B else r"\hat{\mathbf{y}}") if q == net.L else \
            rf"\mathbf{{{'A' if B else 'a'}}}^{{({q})}}"
        lines.append(rf"{name} = {mat(f.A[q] if B else f.A[q][0])},")
    last = (rf"L_\text{{after}} = \frac{{1}}{{{p.N}}}\sum_{{n,l}} (\hat{{Y}}_{{n,l}} - Y_{{n,l}})^2"
            if B else r"L_\text{after} = \sum_l (\hat{y}_l - y_l)^2")
    sol = stacked([r"\text{forward pass with the new weights:}"] + lines + [last],
                  num(truth), LINE_EM)
    traps = [(float(p.data_loss), "that is the loss before the step")]
    what = "the data term of the loss" if p.reg_rate else "the loss L"
    return _q(p, "update", "loss_after", f"{what} of the same rows after the step "
              "(a forward pass with the new weights)", r"L_\text{after}", truth, bound, sol,
              traps)


def _q(p, stage, kind, plain, tex, truth, bound, sol, traps, cell=None, index=()) -> Question:
    """cell: (M, r, c), where the equations print the answer: entry (r, c) of mat(M)
    (a 1-D M is a column), or the string that prints it."""
    if not (math.isfinite(bound) and math.isfinite(truth)):
        raise _Unaskable
    shown = hidden = ""
    if isinstance(cell, str):
        shown, hidden = cell, r"\boxed{?}"
    elif cell is not None:
        shown, hidden = mat(cell[0]), _mat_hidden(*cell)
    return Question(stage=stage, kind=kind, prompt=f"What is {plain}?",
                    prompt_tex=rf"{tex} = \ ?", answer=float(truth), tol=tolerance(bound, truth),
                    solution_tex=sol, traps=tuple((float(v), h) for v, h in traps),
                    index=tuple(int(k) for k in index), shown=shown, hidden=hidden)


def _mat_hidden(M, r: int, c: int) -> str:
    """:func:`lab.equations.mat` with entry (r, c) written as a boxed "?" (the same columns
    shown: questions ask only about those)."""
    M = np.asarray(M, dtype=float)
    M = M[:, None] if M.ndim == 1 else M
    cols = shown_columns(M.shape[1])
    rows = [" & ".join(r"\cdots" if b is None else r"\boxed{?}" if (a, b) == (r, c)
                       else num(row[b]) for b in cols)
            for a, row in enumerate(M)]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def _cell(p: PassData, M: np.ndarray, n: int, i: int):
    """Where a layer's entry (row n, column i) is printed: the sample's column, or the matrix."""
    return (M[0], i, 0) if p.form == "sample" else (M, n, i)


def hide(eqs: list[Equation], question: Question | None) -> list[Equation]:
    """The stage's equations with the asked value, where it is printed as a result (the
    last thing of an equation's numeric line), replaced by a boxed "?"."""
    if question is None or not question.shown:
        return eqs
    out = []
    for eq in eqs:
        head, sep, tail = eq.numeric.rpartition(question.shown)
        if sep and tail.strip() in ("", r"\end{aligned}"):
            eq = replace(eq, numeric=head + question.hidden + tail)
        out.append(eq)
    return out
