"""Weight penalties (regularization): the loss the network is trained on becomes

    L = (1/N) Σ_n Σ_e (ŷ − y)²  +  λ R(W),     R = Σ_q Σ_ij |W^(q)_ij|     (L1)
                                               R = Σ_q Σ_ij (W^(q)_ij)²     (L2)

with the same convention as the data term: no ½, so L2's gradient is 2λW, as the data
term's is 2(ŷ − y). Only the weights are penalized, not the biases: a bias moves a
unit's boundary without making the network any more able to bend it, and pulling the
biases to 0 would pull every boundary through the origin.

The penalty does not depend on any z, so the error signals δ (= ∂L/∂z) are the
derivation's, unchanged; only the weight gradients gain a term::

    ∂L/∂W^(q) = Δ^(q)ᵀ A^(q-1) + λ R'(W^(q)),   R' = sign(W) (L1),  2W (L2)

|w| has no derivative at w = 0; L1 uses sign(0) = 0 there (the subgradient that
leaves a weight that is exactly 0 at 0, and the one a symmetric finite difference
measures).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_float

REGULARIZATIONS = ("none", "L1", "L2")
MAX_RATE = 10.0  # beyond this the penalty swamps any data term of these toy sets


def check_penalty(regularization, rate) -> tuple[str, float]:
    """(kind, λ) checked: a name in :data:`REGULARIZATIONS` and 0 ≤ λ ≤ :data:`MAX_RATE`;
    "none" always has λ = 0 (a rate without a penalty is refused, not ignored)."""
    if not isinstance(regularization, str) or regularization not in REGULARIZATIONS:
        raise ValueError(f"regularization must be one of {', '.join(REGULARIZATIONS)}, "
                         f"got {regularization!r:.40}")
    lam = check_float("reg_rate", rate, 0.0, MAX_RATE, high_open=False)
    if regularization == "none" and lam:
        raise ValueError(f"reg_rate must be 0 without a regularization, got {lam}")
    return regularization, lam


def penalty(W, kind: str, lam: float) -> float:
    """λ R(W) for the list of weight matrices W."""
    if kind == "none" or not lam:
        return 0.0
    if kind == "L1":
        return lam * float(sum(np.abs(w).sum() for w in W))
    return lam * float(sum(np.vdot(w, w) for w in W))


def penalty_grad(w: np.ndarray, kind: str, lam: float) -> np.ndarray:
    """λ R'(w) for one weight matrix: λ sign(w) (L1) or 2λ w (L2); zeros for none."""
    if kind == "L1":
        return lam * np.sign(w)
    if kind == "L2":
        return (2.0 * lam) * w
    return np.zeros_like(w)
