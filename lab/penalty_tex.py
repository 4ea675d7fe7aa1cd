"""The weight penalty's part of the equations (nncore.penalty), as LaTeX with its numbers.

With a penalty λR(W) the loss stage shows the data term (as without one, named
L_data) and then L = L_data + λR with the numbers; each weight gradient gains the term
λR'(W^(q)): + 2λ W^(q) (L2) or + λ sign(W^(q)) (L1), written with the matrix; δ, the
bias gradients and the update are unchanged in form. Without a penalty nothing here is
used. Pure: no Streamlit.
"""

from __future__ import annotations

import numpy as np

from .equations_base import Equation, mat, num, stacked
from .passdata import PassData


def data_name(p: PassData) -> str:
    """The loss stage's first equation names the data term L_data when a penalty follows."""
    return r"L_{\mathrm{data}}" if p.reg_rate else "L"


def R_tex(kind: str) -> str:
    """R(W) in symbols."""
    inner = r"\left|W^{(q)}_{ij}\right|" if kind == "L1" else r"\left(W^{(q)}_{ij}\right)^2"
    return rf"\sum_{{q}}\sum_{{i,j}} {inner}"


def loss_equation(p: PassData) -> Equation:
    """L = L_data + λR(W) with the numbers (the pass's loss is their sum)."""
    R = p.penalty / p.reg_rate
    return Equation(
        rf"L = L_{{\mathrm{{data}}}} + \lambda R,\quad R = {R_tex(p.regularization)}",
        stacked([rf"L = {num(p.data_loss)}", rf"+ {num(p.reg_rate)} \times {num(R)}"],
                num(p.loss)),
        rf"\lambda = {num(p.reg_rate)}\ (\text{{{p.regularization}}}),\ "
        r"\text{biases not penalized}")


def grad_terms(p: PassData, k: int) -> tuple[str, list[str]]:
    """The penalty's term in ∂L/∂W^(k): in symbols, and as terms with numbers."""
    W = p.W[k - 1]
    if p.regularization == "L2":
        return (rf" + 2\lambda\,\mathbf{{W}}^{{({k})}}",
                [rf"+ {num(2 * p.reg_rate)}\,{mat(W)}"])
    return (rf" + \lambda\,\operatorname{{sign}}\mathbf{{W}}^{{({k})}}",
            [rf"+ {num(p.reg_rate)}\,{mat(np.sign(W))}"])
