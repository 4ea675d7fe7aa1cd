""""Your turn": a question on one live number of the current stage, and the checking of answers.

A :class:`Question` hides one value the stage computes: an entry of z, a, ŷ, δ (Δ in the
batch form), ∂L/∂W, ∂L/∂b, an updated weight or bias, the loss, or the loss after the SGD
step (stage "update", where the new weights are on screen). The input stage computes
nothing, so it has no question. Entries are named 1-based, as on the picture (the arrays
are 0-based: ``Z[q - 1][n, i]`` is row n + 1, column i + 1 of Z^(q)).

Tolerance. The student works from the numbers the equations print, each off by up to
half a unit of its last digit, e(u) (:func:`lab.numbers.shown_error`): H = 0.0005 for a
number printed with 3 decimals, 0.0005 × 10ᵏ for one printed as m × 10ᵏ (from 10⁶ on).
For an answer Σ u_k v_k + c the printed operands move the result by at most
Σ e(u_k)|v_k| + e(v_k)|u_k| + e(u_k)e(v_k), plus e(c) per added operand, plus e(x) each
time the student rounds an intermediate result x, and the answer. The tolerance is that
worst-case bound, at least TOL_FLOOR (four such roundings: most answers take about that
many steps), rounded up to 4 decimals: the number stated on screen is the one applied.
A sign error or a neighbouring entry is rejected whenever it differs from the truth by
more than the tolerance. Pure: no Streamlit.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, replace

import numpy as np

from nncore import ACTIVATIONS, MLP

from .equations import LINE_EM, Equation, mat, num, stacked
from .numbers import how_to_write, shown_error, strict_float
from .numbers import plain as plain_number  # `plain` names a question's plain text here
from .passdata import PassData
from .stages import SUB, Stage, sup

TOL_FLOOR = 0.002
MAX_LEN = 40  # longest answer read (and the most of it ever echoed)


@dataclass(frozen=True)
class Question:
    """stage: the stage key; kind: "z", "a", "delta", "dW", "db", "W_new", "b_new", "loss"
    or "loss_after"; prompt / prompt_tex: the question, plain text and LaTeX; answer: the
    exact value (float64); tol: accepted |answer − truth|; solution_tex: the worked solution
    with the numbers; traps: (value, hint) pairs of likely mistakes, for hints. index: the
    layer q, then the entry: (q, n, i) of Z[q-1], A[q] or delta[q-1] (row form); (q, i, j)
    of dW[q-1] or W_new[q-1]; (q, i) of db[q-1] or b_new[q-1]."""

    stage: str
    kind: str
    prompt: str
    prompt_tex: str
    answer: float
    tol: float
    solution_tex: str
    traps: tuple[tuple[float, str], ...] = ()
    index: tuple[int, ...] = ()  # (q, then 0-based indices into kind's array), () for losses
    shown: str = ""  # the LaTeX that prints the answer in the stage's equations ("" if none)
    hidden: str = ""  # the same with the answer replaced by a boxed "?"


@dataclass(frozen=True)
class Result:
    """ok: True right, False wrong, None not a number (then value is None)."""

    ok: bool | None
    message: str
    value: float | None = None


# ---------------------------------------------------------------- names
def _sub(*idx: int) -> str:
    return "".join(str(i + 1) for i in idx).translate(SUB)


def _tol(bound: float, answer: float) -> float:
    """The student's rounding of the answer on top of ``bound``; at least TOL_FLOOR;
    rounded up to 4 decimals."""
    return math.ceil(max(TOL_FLOOR, bound + _e(answer)) * 1e4 - 1e-9) / 1e4


def _p(v: float) -> str:
    return f"({num(v)})"


_e = shown_error  # how far the printed v can be from v: H = 0.0005 with 3 decimals
_E = np.vectorize(shown_error, otypes=[float])  # the same, entry by entry of an array


def _prod(u: float, v: float) -> float:
    """Worst-case change of u·v when the student multiplies the printed u and v, and
    rounds the product as it would be printed."""
    return _e(u) * abs(v) + _e(v) * abs(u) + _e(u) * _e(v) + _e(u * v)


_PLAIN = {"yhat": "ŷ", "delta": "δ"}
_TEX = {"yhat": r"\hat{y}", "delta": r"\delta"}
_BIG_PLAIN = {"yhat": "Ŷ", "delta": "Δ"}
_BIG_TEX = {"yhat": r"\hat{Y}", "delta": r"\Delta"}


def _entry(p: PassData, name: str, q: int | None, n: int, i: int) -> tuple[str, str]:
    """Plain and LaTeX names of entry i of a layer's vector ("x", "y", "z", "a", "yhat",
    "delta"; q None for x, y, ŷ): z₂⁽¹⁾ for a sample; for a batch, row n + 1, column
    i + 1 of the matrix (capital letter)."""
    top, ttop = ("", "") if q is None else (sup(q), f"^{{({q})}}")
    if p.form == "sample":
        return (_PLAIN.get(name, name) + _sub(i) + top,
                _TEX.get(name, name) + f"_{{{i + 1}}}{ttop}")
    where = f"row {n + 1}, column {i + 1} (sample {p.indices[n]}, neuron {i + 1})"
    return (f"{_BIG_PLAIN.get(name, name.upper())}{top} {where}",
            _BIG_TEX.get(name, name.upper()) + f"{ttop}_{{{n + 1},{i + 1}}}")


def _input(p: PassData, q: int, n: int, j: int) -> str:
    """LaTeX name of entry j of a^(q-1) (x for q = 1) in row n."""
    return _entry(p, "x", None, n, j)[1] if q == 1 else _entry(p, "a", q - 1, n, j)[1]


def _w(q: int, i: int, j: int) -> str:
    return f"w_{{{i + 1}{j + 1}}}^{{({q})}}"


def _dL(s: str) -> str:
    return rf"\frac{{\partial L}}{{\partial {s}}}"


# ---------------------------------------------------------------- the questions
def generate(p: PassData, stage: Stage, rng: np.random.Generator) -> Question | None:
    """A question hiding one value of ``stage`` for the pass ``p``, the entry picked with
    ``rng``; None for the input stage (x and y are data: nothing is computed there)."""
    key, L = stage.key, p.L
    if key == "input":
        return None
    if key == "loss":
        return _loss(p)
    if key == "grads":
        q = int(rng.integers(1, L + 1))
        if rng.random() < 2 / 3:
            i, j = (int(rng.integers(s)) for s in p.dW[q - 1].shape)
            return _dW(p, q, i, j)
        return _db(p, q, int(rng.integers(p.db[q - 1].size)))
    if key == "update":
        r, q = rng.random(), int(rng.integers(1, L + 1))
        if r < 1 / 6:
            return _loss_after(p)
        if r < 1 / 3:
            return _new(p, "b", q, int(rng.integers(p.b[q - 1].size)), 0)
        i, j = (int(rng.integers(s)) for s in p.W[q - 1].shape)
        return _new(p, "W", q, i, j)
    q = L if key == "yhat" else int(re.sub(r"\D", "", key))
    n, i = int(rng.integers(p.N)), int(rng.integers(p.Z[q - 1].shape[1]))
    make = _delta if key.startswith("delta") else _act if key.startswith("a") else _z
    return make(p, q, n, i)


def _others(p: PassData, M: np.ndarray, n: int, i: int, name: str, q) -> list:
    """The entries in the same row or column of M, each with a hint naming it."""
    cells = [(n, c) for c in range(M.shape[1]) if c != i] + \
            [(r, i) for r in range(M.shape[0]) if r != n]
    return [(float(M[r, c]), (f"that is the value of {_entry(p, name, q, r, c)[0]}, not of "
                             f"{_entry(p, name, q, n, i)[0]}")) for r, c in cells]


def _z(p: PassData, q: int, n: int, i: int) -> Question:
    L, a, W, b = p.L, p.A[q - 1][n], p.W[q - 1][i], float(p.b[q - 1][i])
    name, qq = ("yhat", None) if q == L else ("z", q)
    plain, tex = _entry(p, name, qq, n, i)
    sym = [("+ " if j else f"{tex} = ") + rf"{_w(q, i, j)}\,{_input(p, q, n, j)}"
           for j in range(a.size)]
    terms = [("+ " if j else "= ") + f"{_p(W[j])}{_p(a[j])}" for j in range(a.size)]
    truth = float(p.Z[q - 1][n, i])
    sol = stacked(sym + [f"+ b_{{{i + 1}}}^{{({q})}}"] + terms + [f"+ {_p(b)}"],
                  num(truth), LINE_EM)
    bound = sum(_prod(W[j], a[j]) for j in range(a.size)) + _e(b)
    return _q(p, "yhat" if q == L else f"z{q}", "z", plain, tex, truth, bound, sol,
              _others(p, p.Z[q - 1], n, i, name, qq), _cell(p, p.Z[q - 1], n, i), (q, n, i))


def _act(p: PassData, q: int, n: int, i: int) -> Question:
    f = {"tanh": r"\tanh", "sigmoid": r"\sigma", "relu": r"\max"}.get(p.activation, "")
    call = (lambda s: rf"{f}\left(0, {s}\right)") if f == r"\max" else \
        (lambda s: rf"{f}\left({s}\right)")
    plain, tex = _entry(p, "a", q, n, i)
    zplain, ztex = _entry(p, "z", q, n, i)
    z, truth = float(p.Z[q - 1][n, i]), float(p.A[q][n, i])
    sol = stacked([f"{tex} = {call(ztex)}", f"= {call(num(z))}"], num(truth), LINE_EM)
    traps = [(z, f"that is {zplain}, the input of σ; a = σ(z)")]
    bound = ACTIVATIONS[p.activation].dsigma_max * _e(z)
    return _q(p, f"a{q}", "a", plain, tex, truth, bound, sol,
              traps + _others(p, p.A[q], n, i, "a", q), _cell(p, p.A[q], n, i), (q, n, i))


def _delta(p: PassData, q: int, n: int, i: int) -> Question:
    L, N = p.L, p.N
    plain, tex = _entry(p, "delta", q, n, i)
    truth = float(p.delta[q - 1][n, i])
    others = _others(p, p.delta[q - 1], n, i, "delta", q)
    if q == L:
        yh, y = float(p.A[L][n, i]), float(p.Y[n, i])
        c, ctex = (2.0, "2") if N == 1 else (2 / N, rf"\frac{{2}}{{{N}}}")
        names = rf"{_entry(p, 'yhat', None, n, i)[1]} - {_entry(p, 'y', None, n, i)[1]}"
        sol = stacked([rf"{tex} = {ctex}\left({names}\right)",
                       rf"= {ctex}\left({num(yh)} - {num(y)}\right)"], num(truth), LINE_EM)
        traps = [(yh - y, f"you left out the factor {'2' if N == 1 else '2/N'}")]
        if N > 1:
            traps += [(2 * (yh - y), "you left out the 1/N of the mean"),
                      ((yh - y) / N, "you left out the factor 2 (the loss has no ½)")]
        return _q(p, f"delta{q}", "delta", plain, tex, truth, c * _e(yh), sol, traps + others,
                  _cell(p, p.delta[q - 1], n, i), (q, n, i))
    s, w, d = float(p.dsigma[q - 1][n, i]), p.W[q][:, i], p.delta[q][n]
    back = float(w @ d)
    ds = _entry(p, "delta", q + 1, n, 0)[1].replace("_{1}", "_{l}").replace(",1}", ",l}")
    sym = (rf"{tex} = \sigma'\left({_entry(p, 'z', q, n, i)[1]}\right)"
           rf"\sum_{{l}} w_{{l{i + 1}}}^{{({q + 1})}}\,{ds}")
    terms = [("+ " if k else rf"= {_p(s)}\left(") + f"{_p(w[k])}{_p(d[k])}"
             for k in range(d.size)]
    terms[-1] += r"\right)"
    sol = stacked([sym] + terms, num(truth), LINE_EM)
    err_back = sum(_prod(w[k], d[k]) for k in range(d.size))
    # the printed σ' times the student's sum, and that product rounded
    bound = abs(s) * err_back + (abs(back) + err_back) * _e(s) + _e(s * back)
    traps = [(back, "you left out the factor σ'(z)")]
    return _q(p, f"delta{q}", "delta", plain, tex, truth, bound, sol, traps + others,
              _cell(p, p.delta[q - 1], n, i), (q, n, i))


def _dW(p: PassData, q: int, i: int, j: int) -> Question:
    d, a, M = p.delta[q - 1][:, i], p.A[q - 1][:, j], p.dW[q - 1]
    truth, w = float(M[i, j]), _w(q, i, j)
    plain = f"∂L/∂w{_sub(i, j)}{sup(q)}"
    sym = rf"{_entry(p, 'delta', q, 0, i)[1]}\,{_input(p, q, 0, j)}"
    if p.N > 1:  # Σ over the rows n of the batch
        sym = r"\sum_{n=1}^{" + str(p.N) + "} " + sym.replace("_{1,", "_{n,")
    terms = [("+ " if m else "= ") + f"{_p(d[m])}{_p(a[m])}" for m in range(p.N)]
    sol = stacked([f"{_dL(w)} = {sym}"] + terms, num(truth), LINE_EM)
    bound = sum(_prod(d[m], a[m]) for m in range(p.N))
    traps = [(float(M[j, i]), (f"that is ∂L/∂w{_sub(j, i)}{sup(q)}: the first index is the "
                              "neuron the edge goes to, the second the one it comes from"))
             ] if i != j and j < M.shape[0] and i < M.shape[1] else []
    traps += [(float(M[r, c]), f"that is ∂L/∂w{_sub(r, c)}{sup(q)}, not {plain}")
              for r, c in [(i, c) for c in range(M.shape[1])] + [(r, j) for r in range(M.shape[0])]
              if (r, c) != (i, j)]
    return _q(p, "grads", "dW", plain, _dL(w), truth, bound, sol, traps, (M, i, j),
              (q, i, j))


def _db(p: PassData, q: int, i: int) -> Question:
    d, truth = p.delta[q - 1][:, i], float(p.db[q - 1][i])
    bt, plain = f"b_{{{i + 1}}}^{{({q})}}", f"∂L/∂b{_sub(i)}{sup(q)}"
    names = _entry(p, "delta", q, 0, i)[1]
    if p.N > 1:
        names = r"\sum_{n=1}^{" + str(p.N) + "} " + names.replace("_{1,", "_{n,")
    terms = [("+ " if m else "= ") + _p(d[m]) for m in range(p.N)]
    sol = stacked([f"{_dL(bt)} = {names}"] + (terms if p.N > 1 else []), num(truth), LINE_EM)
    traps = [(float(p.db[q - 1][k]), f"that is ∂L/∂b{_sub(k)}{sup(q)}, not {plain}")
             for k in range(p.db[q - 1].size) if k != i]
    cell = (p.db[q - 1], i, 0) if p.form == "sample" else (p.db[q - 1][None, :], 0, i)
    return _q(p, "grads", "db", plain, _dL(bt), truth, float(sum(_E(d))), sol, traps, cell,
              (q, i))


def _new(p: PassData, name: str, q: int, i: int, j: int) -> Question:
    if name == "W":
        old, g, new = p.W[q - 1][i, j], p.dW[q - 1][i, j], p.W_new[q - 1][i, j]
        s, plain_s = _w(q, i, j), f"w{_sub(i, j)}{sup(q)}"
    else:
        old, g, new = p.b[q - 1][i], p.db[q - 1][i], p.b_new[q - 1][i]
        s, plain_s = f"b_{{{i + 1}}}^{{({q})}}", f"b{_sub(i)}{sup(q)}"
    lr = p.lr
    sol = stacked([rf"{s} \leftarrow {s} - \gamma\,{_dL(s)}", f"= {num(old)}", f"- {_p(lr)}{_p(g)}"],
                  num(new), LINE_EM)
    bound = _e(old) + _prod(lr, g)
    traps = [(float(old + lr * g), (f"you added γ·∂L/∂{plain_s}: the step goes against the "
                                   "gradient, θ − γ ∂L/∂θ")),
             (float(old - g), "you left out the learning rate γ"),
             (float(old), f"that is {plain_s} before the step")]
    return _q(p, "update", f"{name}_new", f"the new {plain_s}, after the step",
              rf"{s}\ \text{{(new)}}", float(new), bound, sol, traps,
              (p.W_new[q - 1], i, j) if name == "W" else (p.b_new[q - 1], i, 0),
              (q, i, j) if name == "W" else (q, i))


def _loss(p: PassData) -> Question:
    E, N, truth = p.A[p.L] - p.Y, p.N, float(p.loss)
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
    # each square from a printed ŷ (y is exact), then rounded itself
    e = _E(p.A[p.L])
    bound = float(np.sum(2 * np.abs(E) * e + e * e + _E(E * E))) / N
    traps = [(truth / 2, "this loss has no ½: L = Σ (ŷ − y)²")]
    if N > 1:
        traps.append((truth * N, "you left out the 1/N of the mean"))
    return _q(p, "loss", "loss", plain, "L", truth, bound, sol, traps, num(truth))


def loss_after(p: PassData) -> float:
    """The loss of the same rows after the step: nncore's loss on a net with W_new, b_new
    (PassData carries them, so the live net is not needed and never touched)."""
    return MLP.from_params(p.W_new, p.b_new, p.activation).loss(p.X, p.Y)


def _loss_after(p: PassData) -> Question:
    net = MLP.from_params(p.W_new, p.b_new, p.activation)
    f, truth = net.forward(p.X), loss_after(p)
    # Worst case of a forward pass by hand from the 3-decimal x and new weights, rounding
    # every product, z and a to 3 decimals on the way: e bounds each value's error.
    # (Every printed number x is off by up to e(x) = _e(x).)
    lip = ACTIVATIONS[p.activation].dsigma_max
    e = _E(p.X)
    for q in range(1, net.L + 1):
        A, W = f.A[q - 1], net.W[q - 1]  # A (N, n_in), W (n_out, n_in)
        ew = _E(W)
        products = _E(A[:, None, :] * W[None, :, :]).sum(axis=2)  # each rounded
        ez = e @ np.abs(W).T + (np.abs(A) + 2 * e) @ ew.T + products \
            + _E(net.b[q - 1]) + _E(f.Z[q - 1])  # the bias, and z rounded
        e = ez if q == net.L else lip * ez + _E(f.A[q])
    E = f.A[-1] - p.Y
    bound = float(np.sum(2 * np.abs(E) * e + e * e + _E(E * E))) / p.N
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
    traps = [(float(p.loss), "that is the loss before the step")]
    return _q(p, "update", "loss_after", "the loss L of the same rows after the step "
              "(a forward pass with the new weights)", r"L_\text{after}", truth, bound, sol,
              traps)


def _q(p, stage, kind, plain, tex, truth, bound, sol, traps, cell=None, index=()) -> Question:
    """cell: (M, r, c), where the equations print the answer: entry (r, c) of mat(M)
    (a 1-D M is a column), or the string that prints it."""
    shown = hidden = ""
    if isinstance(cell, str):
        shown, hidden = cell, r"\boxed{?}"
    elif cell is not None:
        shown, hidden = mat(cell[0]), _mat_hidden(*cell)
    return Question(stage=stage, kind=kind, prompt=f"What is {plain}?",
                    prompt_tex=rf"{tex} = \ ?", answer=float(truth), tol=_tol(bound, truth),
                    solution_tex=sol, traps=tuple((float(v), h) for v, h in traps),
                    index=tuple(int(k) for k in index), shown=shown, hidden=hidden)


def _mat_hidden(M, r: int, c: int) -> str:
    """:func:`lab.equations.mat` with entry (r, c) written as a boxed "?"."""
    M = np.asarray(M, dtype=float)
    M = M[:, None] if M.ndim == 1 else M
    rows = [" & ".join(r"\boxed{?}" if (a, b) == (r, c) else num(v) for b, v in enumerate(row))
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


# ---------------------------------------------------------------- answers
def _echo(text: str) -> str:
    """At most 30 characters of the student's text, in a code span (markdown inert)."""
    s = text.strip().replace("`", "'")
    return "`" + (s[:30] + "…" if len(s) > 30 else s) + "`"


def parse_answer(text: str) -> tuple[float | None, str]:
    """(value, "") or (None, why not). Reads numbers as the dataset upload does
    (:func:`lab.numbers.strict_float`): plain decimal or scientific notation in ASCII,
    "0.16", " -0.160 ", "+0.5", ".5", "1e-3", "2.5E+2". Refuses anything else with the
    way to write it: a decimal comma ("0,16", and "1,000", one thousand or one?), a
    Unicode minus or other scripts' digits, "nan", "inf", "1_0", "0x1"; also more than
    MAX_LEN characters, and numbers too large to be finite."""
    if text is None or not text.strip():
        return None, "Type a number first."
    if len(text) > MAX_LEN:
        return None, (f"That is {len(text)} characters; type just the number "
                     f"(at most {MAX_LEN}).")
    v = strict_float(text)
    if v is None:
        return None, f"{_echo(text)} is not a number here: {how_to_write(text)}."
    if not math.isfinite(v):
        return None, f"{_echo(text)} is too large to be a number here."
    return v, ""


def check(question: Question, text: str) -> Result:
    """Right if |value − answer| ≤ tol. A wrong answer gets a hint when it fits one likely
    mistake (another entry, a left-out factor, the sign) and not the truth."""
    v, why = parse_answer(text)
    if v is None:
        return Result(None, why)
    truth, tol = question.answer, question.tol
    off = abs(v - truth)
    if off <= tol:
        return Result(True, f"Right: the exact value is {plain_number(truth, 5)}, and yours is "
                            f"within ±{plain_number(tol, 4)} of it.", v)
    # a hint only when the answer fits exactly one likely mistake: never a guess
    fits = sorted({h for t, h in question.traps if abs(v - t) <= tol and abs(t - truth) > tol})
    hint = fits[0] if len(fits) == 1 else ""
    if not fits and abs(v + truth) <= tol:
        hint = "the sign is off"
    msg = (f"Not right: {v:.6g} is {plain_number(off, 4)} away from the exact value (accepted: "
           f"±{plain_number(tol, 4)}).")
    return Result(False, msg + (f" Hint: {hint}." if hint else ""), v)


# ---------------------------------------------------------------- session state
def fingerprint(p: PassData, stage: Stage) -> str:
    """Changes when the stage, the form, the rows, the data, the weights or γ change."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{stage.key}|{p.form}|{p.activation}|{p.lr!r}|".encode())
    for arr in [p.indices, p.X, p.Y, *p.W, *p.b]:
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


@dataclass
class QuizState:
    """One session's quiz: the question, the last reply, whether the worked solution is
    shown, and the score. A question counts once, on its first numeric answer (right or
    not); "Show solution" before any answer counts it as missed."""

    rng: np.random.Generator
    question: Question | None = None
    fingerprint: str = ""
    reply: Result | None = None
    solution_shown: bool = False
    counted: bool = False
    asked: int = 0
    right: int = 0

    def refresh(self, p: PassData, stage: Stage) -> bool:
        """A new question if the stage, rows or weights changed; True if so."""
        fp = fingerprint(p, stage)
        if fp == self.fingerprint:
            return False
        self.fingerprint = fp
        self.new_question(p, stage)
        return True

    def new_question(self, p: PassData, stage: Stage) -> None:
        """A random entry of the stage; not the one just asked, when there is another."""
        old = self.question
        for _ in range(8):
            q = generate(p, stage, self.rng)
            if q is None or old is None or (q.kind, q.index) != (old.kind, old.index):
                break
        self.question = q
        self.reply, self.solution_shown, self.counted = None, False, False

    def answer(self, text: str) -> Result | None:
        if self.question is None:
            return None
        r = check(self.question, text)
        self.reply = r
        if r.ok is not None:
            if not self.counted:
                self.counted = True
                self.asked += 1
                self.right += bool(r.ok)
            if not r.ok:
                self.solution_shown = True
        return r

    def show_solution(self) -> None:
        if self.question is None:
            return
        if not self.counted:
            self.counted = True
            self.asked += 1
        self.solution_shown = True

    @property
    def score(self) -> str:
        return f"{self.right} of {self.asked} right"


def new_quiz(seed: int = 0) -> QuizState:
    return QuizState(rng=np.random.default_rng(seed))
