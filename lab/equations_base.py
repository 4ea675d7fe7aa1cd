"""The equations' building blocks: an :class:`Equation`, numbers and matrices as LaTeX,
and the layout of a numeric equation in lines (its width estimated in em, as KaTeX
draws it). What each stage shows is lab/equations.py. Pure: no Streamlit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from nncore import ACTIVATIONS

from .numbers import parts

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


MAX_COLS = 6  # a wider matrix (8 neurons a layer) shows its first 3 and last 2 columns


def shown_columns(n: int) -> list[int | None]:
    """The columns a matrix of n columns writes: all up to MAX_COLS, else the first three,
    None (written ⋯, the middle left out), and the last two."""
    return list(range(n)) if n <= MAX_COLS else [0, 1, 2, None, n - 2, n - 1]


def mat(M, T: bool = False) -> str:
    """A bmatrix of the array's entries; a 1-D array is a column vector. ``T`` writes
    it with a transpose sign: Δᵀ printed as Δ (N rows) with ⊤ stays narrow. More than
    MAX_COLS columns: the middle ones are written ⋯ (:func:`shown_columns`), so a layer of
    8 keeps the type readable in its column."""
    M = np.asarray(M, dtype=float)
    if M.ndim == 1:
        M = M[:, None]
    cols = shown_columns(M.shape[1])
    rows = [" & ".join(r"\cdots" if c is None else num(row[c]) for c in cols) for row in M]
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
    if s.strip() == r"\cdots":
        return 1.2
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
