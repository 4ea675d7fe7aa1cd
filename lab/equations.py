"""The derivation's equations for each stage, as LaTeX: symbolic, then with the numbers.

Each stage gives a list of :class:`Equation`: the equation in symbols, the same
equation with the actual matrices substituted (3 decimals) and its result, and the
shapes of the operands. Two forms: per-sample column vectors and mini-batch rows
(docs/backprop.md derives both). Pure: no Streamlit.

Layout: a numeric equation is a list of terms (an operand with the operator before
it) and a result. Terms are packed into lines of at most :data:`LINE_EM` (an
estimate of KaTeX's width in em, :func:`latex_width_em`), the result on a line of
its own: an 8-row mini-batch times a weight matrix then stacks instead of running
off a projector's screen, while a short equation stays on one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from nncore import ACTIVATIONS

from .numbers import parts
from .passdata import PassData
from .stages import Stage

LINE_EM = 22.0  # widest line of a numeric equation, in em (≈ a 4-column matrix of 8 rows)


@dataclass(frozen=True)
class Equation:
    """symbolic: the LaTeX in symbols; numeric: the same with numbers; shapes: LaTeX."""

    symbolic: str
    numeric: str
    shapes: str


def num(v: float) -> str:
    r"""A number with 3 decimals (−0.000 is written 0.000); from 10⁶ on a mantissa with 3
    decimals times a power of ten, ``1.235\times 10^{9}`` (see :func:`lab.numbers.parts`)."""
    m, e = parts(v)
    return m if e is None else rf"{m}\times 10^{{{e}}}"


def mat(M, T: bool = False) -> str:
    """A bmatrix of the array's entries; a 1-D array is a column vector. ``T`` writes
    it with a transpose sign: Δᵀ printed as Δ (N rows) with ⊤ stays narrow."""
    M = np.asarray(M, dtype=float)
    if M.ndim == 1:
        M = M[:, None]
    rows = [" & ".join(num(v) for v in row) for row in M]
    out = r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"
    return out + r"^{\top}" if T else out


def R(r: int, c: int) -> str:
    return rf"\mathbb{{R}}^{{{r}\times {c}}}"


# ---------------------------------------------------------------- width estimate
_MATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", re.DOTALL)
_COMMAND = re.compile(r"\\[a-zA-Z]+")
_SPACES = {r"\quad": 1.0, r"\qquad": 2.0, r"\,": 0.17, r"\ ": 0.33, r"\;": 0.28}


def _number_em(s: str) -> float:
    r"""KaTeX's width of a number: digits 0.5 em, point 0.28 em, minus sign 0.78 em; for
    ``m\times 10^{e}`` also the sign ×, the 10 and the exponent (set at 70 %)."""
    def chars(t: str) -> float:
        return sum(0.78 if c == "-" else 0.28 if c == "." else 0.5 for c in t.strip())
    mantissa, times, power = s.partition(r"\times")
    if not times:
        return chars(s)
    exponent = power.strip().removeprefix("10^{").removesuffix("}")
    return chars(mantissa) + 0.78 + 1.0 + 0.7 * chars(exponent)


def _matrix_em(body: str) -> float:
    rows = [r.split("&") for r in body.split(r"\\")]
    cols = max(len(r) for r in rows)
    widths = [max(_number_em(r[c]) if c < len(r) else 0.0 for r in rows) for c in range(cols)]
    return sum(widths) + 1.0 * (cols - 1) + 1.2  # column gaps, brackets and padding


_ZERO_WIDTH = {r"\mathbf", r"\boldsymbol", r"\hat", r"\left", r"\right", r"\small",
               r"\begin", r"\end", r"\mathbb", r"\displaystyle"}
_WIDE = {r"\tanh": 1.9, r"\sigma": 0.6, r"\top": 0.8, r"\leftarrow": 1.3, r"\sum": 1.5}
_SCRIPT = re.compile(r"[\^_]\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}|[\^_](\\[a-zA-Z]+|.)")
_TEXT = re.compile(r"\\text\{([^{}]*)\}")


def _line_em(tex: str) -> float:
    width = 0.0
    for m in _MATRIX.finditer(tex):
        width += _matrix_em(m.group(1))
    rest = _MATRIX.sub(" ", tex)
    rest = re.sub(r"\\(begin|end)\{[a-z]*\}", " ", rest)
    for cmd, em in _SPACES.items():
        width += rest.count(cmd) * em
        rest = rest.replace(cmd, " ")
    for m in _TEXT.finditer(rest):  # upright text: ~0.5 em a letter
        width += 0.5 * len(m.group(1))
    rest = _TEXT.sub(" ", rest)
    # \frac{a}{b}: the longer of numerator and denominator
    rest = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}",
                  lambda m: max(m.group(1), m.group(2), key=len), rest)
    for m in _SCRIPT.finditer(rest):  # super- and subscripts are set at ~70 %
        width += 0.7 * _symbols_em(m.group(1) or m.group(2) or "")
    rest = _SCRIPT.sub(" ", rest)
    return width + _symbols_em(rest)


def _symbols_em(tex: str) -> float:
    """Width of plain math (no matrices, scripts or text): commands and characters."""
    width = 0.8 * len(re.findall(r"\\(?:left|right)[()\[\]]", tex))  # tall delimiters
    tex = re.sub(r"\\(left|right)[()\[\]]", " ", tex)
    for cmd in _COMMAND.findall(tex):
        width += 0.0 if cmd in _ZERO_WIDTH else _WIDE.get(cmd, 1.0)  # \odot, \delta ≈ 1 em
    visible = re.sub(r"[{}&\s]", "", _COMMAND.sub("", tex))
    return width + sum(0.9 if c in "=+-<>" else 0.3 if c in ",.;:()[]|'" else 0.6
                       for c in visible)


def latex_width_em(tex: str) -> float:
    """An estimate (a little generous) of the rendered width of ``tex`` in em: the widest
    of its lines (``\\\\`` outside matrices separates lines)."""
    protected = _MATRIX.sub(lambda m: m.group(0).replace(r"\\", "\0"), tex)
    lines = [ln.replace("\0", r"\\") for ln in protected.split(r"\\")]
    return max(_line_em(ln) for ln in lines)


def stacked(terms: list[str], result: str | None = None, max_em: float = LINE_EM) -> str:
    """``terms`` (each an operand with the operator before it) packed into lines of at
    most ``max_em``; then ``= result`` on its own line. One line if it all fits."""
    whole = " ".join(terms) + (f" = {result}" if result is not None else "")
    if latex_width_em(whole) <= max_em:
        return whole
    lines: list[str] = []
    for t in terms:
        if lines and latex_width_em(lines[-1] + " " + t) <= max_em:
            lines[-1] += " " + t
        else:
            lines.append(t)
    lines = [_balanced(ln) for ln in lines]
    body = [f"&{lines[0]}"] + [rf"&\quad {ln}" for ln in lines[1:]]
    if result is not None:
        body.append(f"&= {result}")
    return r"\begin{aligned}" + r"\\ ".join(body) + r"\end{aligned}"


def _balanced(line: str) -> str:
    r"""Close a ``\left(`` opened on this line with ``\right.`` and open a ``\right)``
    closed on it with ``\left.``: KaTeX needs each pair within one line of an aligned
    block, and a parenthesis then spans lines as two halves sized to their lines."""
    depth = low = 0
    for m in re.finditer(r"\\(left|right)\b", line):
        depth += 1 if m.group(1) == "left" else -1
        low = min(low, depth)
    return r"\left. " * -low + line + r" \right." * (depth - low)


# ---------------------------------------------------------------- symbols
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


def _dsigma_tex(activation: str) -> str:
    return ACTIVATIONS[activation].dformula


def _dL(s: str) -> str:
    return rf"\frac{{\partial L}}{{\partial {s}}}"


def stage_equations(stage: Stage, p: PassData) -> list[Equation]:
    """The equations of ``stage`` for the pass ``p`` (its ``form`` picks the notation)."""
    return (_sample if p.form == "sample" else _batch)(stage, p)


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
        return [Equation(r"L = \sum_{l} (\hat{y}_l - y_l)^2",
                         stacked(["L = " + terms[0]] + terms[1:], num(p.loss)),
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
            eqs.append(Equation(
                rf"{_dL(W)} = {d} {_a(k - 1, T=True)}",
                stacked([mat(col(p.delta[k - 1])), mat(p.A[k - 1])], mat(p.dW[k - 1])),
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
        return [Equation(r"L = \frac{1}{N}\mathbf{1}_N^\top\left[(\hat{\mathbf{Y}} - \mathbf{Y})"
                         r"\odot(\hat{\mathbf{Y}} - \mathbf{Y})\right]\mathbf{1}_E",
                         stacked([rf"\hat{{\mathbf{{Y}}}} - \mathbf{{Y}} = {mat(E)},",
                                  rf"L = \frac{{1}}{{{N}}}\,{num(np.sum(E * E))}"], num(p.loss)),
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
            eqs.append(Equation(
                rf"{_dL(W)} = {D(k, T=True)} {_A(k - 1)}",
                stacked([mat(p.delta[k - 1], T=True), mat(p.A[k - 1])], mat(p.dW[k - 1])),
                rf"{_dL(W)} \in {R(n[k], n[k - 1])}"))
            eqs.append(Equation(
                rf"{_dL(b)} = \mathbf{{1}}_N^\top {D(k)}",
                stacked([r"\mathbf{1}_N^\top", mat(p.delta[k - 1])], mat(p.db[k - 1][None, :])),
                rf"{_dL(b)} \in {R(1, n[k])}\ \text{{(a row: }}{_sym('b', k, T=True)}\text{{)}}"))
        mean = np.mean([s[L - 1] for s in p.sample_dW], axis=0)
        eqs.append(Equation(
            rf"{_dL(_sym('W', L))} = \frac{{1}}{{N}}\sum_{{n=1}}^{{N}}"
            rf"{_delta(L)}_n \left({_a(L - 1)}_n\right)^\top",
            stacked([rf"\frac{{1}}{{{N}}}\left(" + mat(p.sample_dW[0][L - 1])]
                    + ["+ " + mat(s[L - 1]) for s in p.sample_dW[1:]] + [r"\right)"], mat(mean)),
            rf"\text{{per-sample mean vs batch: }}\max|\text{{diff}}| = "
            rf"{np.max(np.abs(mean - p.dW[L - 1])):.1e}"))
        return eqs
    return _update(p, n)
