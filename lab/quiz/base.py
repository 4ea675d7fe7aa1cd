"""What a question is, what checking an answer gives, and the names and tolerances every
question is built from (:mod:`lab.quiz.questions`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..equations import num
from ..numbers import shown_error
from ..passdata import PassData
from ..stages import SUB, sup

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


def sub_tex(*idx: int) -> str:
    return "".join(str(i + 1) for i in idx).translate(SUB)


def tolerance(bound: float, answer: float) -> float:
    """The student's rounding of the answer on top of ``bound``; at least TOL_FLOOR;
    rounded up to 4 decimals."""
    return math.ceil(max(TOL_FLOOR, bound + err(answer)) * 1e4 - 1e-9) / 1e4


def in_parens(v: float) -> str:
    return f"({num(v)})"


err = shown_error  # how far the printed v can be from v: H = 0.0005 with 3 decimals
errs = np.vectorize(shown_error, otypes=[float])  # the same, entry by entry of an array


def prod_err(u: float, v: float) -> float:
    """Worst-case change of u·v when the student multiplies the printed u and v, and
    rounds the product as it would be printed."""
    return err(u) * abs(v) + err(v) * abs(u) + err(u) * err(v) + err(u * v)


PLAIN = {"yhat": "ŷ", "delta": "δ"}
TEX = {"yhat": r"\hat{y}", "delta": r"\delta"}
BIG_PLAIN = {"yhat": "Ŷ", "delta": "Δ"}
BIG_TEX = {"yhat": r"\hat{Y}", "delta": r"\Delta"}


def entry_names(p: PassData, name: str, q: int | None, n: int, i: int) -> tuple[str, str]:
    """Plain and LaTeX names of entry i of a layer's vector ("x", "y", "z", "a", "yhat",
    "delta"; q None for x, y, ŷ): z₂⁽¹⁾ for a sample; for a batch, row n + 1, column
    i + 1 of the matrix (capital letter)."""
    top, ttop = ("", "") if q is None else (sup(q), f"^{{({q})}}")
    if p.form == "sample":
        return (PLAIN.get(name, name) + sub_tex(i) + top,
                TEX.get(name, name) + f"_{{{i + 1}}}{ttop}")
    where = f"row {n + 1}, column {i + 1} (sample {p.indices[n]}, neuron {i + 1})"
    return (f"{BIG_PLAIN.get(name, name.upper())}{top} {where}",
            BIG_TEX.get(name, name.upper()) + f"{ttop}_{{{n + 1},{i + 1}}}")


def input_tex(p: PassData, q: int, n: int, j: int) -> str:
    """LaTeX name of entry j of a^(q-1) (x for q = 1) in row n."""
    return entry_names(p, "x", None, n, j)[1] if q == 1 else entry_names(p, "a", q - 1, n, j)[1]


def w_tex(q: int, i: int, j: int) -> str:
    return f"w_{{{i + 1}{j + 1}}}^{{({q})}}"


def dL_tex(s: str) -> str:
    return rf"\frac{{\partial L}}{{\partial {s}}}"
