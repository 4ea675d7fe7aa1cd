"""Backprop checked against central finite differences, parameter by parameter.

For smooth activations the numeric derivative is the fourth-order central
difference (Richardson's combination of two central differences)::

    g ≈ [8 (L(θ+h) − L(θ−h)) − (L(θ+2h) − L(θ−2h))] / 12h,   h = 1e-3

whose truncation error (~h⁴) and rounding error (~1e-16 L / h) both stay far
below 1e-7. For ReLU the loss is piecewise quadratic in each parameter, so the
plain central difference (L(θ+h) − L(θ−h)) / 2h with h = 1e-4 is exact up to
rounding as long as the step does not cross a kink.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mlp import MLP

RELATIVE_ERROR_FLOOR = 1e-6


@dataclass(frozen=True)
class GradRow:
    """One parameter: ``name`` like ``"W(2)[3,1]"`` (seed numbering, 1-based),
    ``kind`` "W" or "b", layer ``q``, 0-based ``i``, ``j`` (j = 0 for b)."""

    name: str
    kind: str
    q: int
    i: int
    j: int
    backprop: float
    numeric: float
    rel_error: float


@dataclass(frozen=True)
class GradientCheck:
    """All rows (W^(1), b^(1), W^(2), … in order), the worst relative error,
    the tolerance, and the finite-difference method used."""

    rows: list[GradRow]
    max_rel_error: float
    tol: float
    method: str

    @property
    def passed(self) -> bool:
        return self.max_rel_error <= self.tol

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (f"GradientCheck({len(self.rows)} parameters, max_rel_error="
                f"{self.max_rel_error:.2e}, tol={self.tol:g}: {verdict})")


def relative_error(a: float, n: float, floor: float = RELATIVE_ERROR_FLOOR) -> float:
    """|a − n| / max(|a|, |n|, floor). Below the floor (gradients under 1e-6) the
    comparison becomes absolute, since a relative error of two values that are
    both nearly zero measures only rounding."""
    return abs(a - n) / max(abs(a), abs(n), floor)


def gradient_check(net: MLP, X, Y, tol: float = 1e-7) -> GradientCheck:
    """Compare every entry of ``net.backward`` (dW, db) with a central finite
    difference of ``net.loss``. X : (N, n_0), Y : (N, n_L). ``net`` is unchanged."""
    grads = net.gradients(X, Y)
    probe = net.copy()
    smooth = net.act.smooth
    h = 1e-3 if smooth else 1e-4
    method = ("fourth-order central difference, h = 1e-3" if smooth
              else "central difference, h = 1e-4")
    rows = []
    for q in range(1, net.L + 1):
        for kind, P, G in (("W", probe.W[q - 1], grads.dW[q - 1]),
                           ("b", probe.b[q - 1], grads.db[q - 1])):
            for idx in np.ndindex(P.shape):
                numeric = _derivative(probe, P, idx, X, Y, h, smooth)
                analytic = float(G[idx])
                i = idx[0]
                j = idx[1] if kind == "W" else 0
                label = f"W({q})[{i + 1},{j + 1}]" if kind == "W" else f"b({q})[{i + 1}]"
                rows.append(GradRow(label, kind, q, i, j, analytic, numeric,
                                    relative_error(analytic, numeric)))
    worst = max(r.rel_error for r in rows)
    return GradientCheck(rows=rows, max_rel_error=worst, tol=tol, method=method)


def _derivative(probe: MLP, P: np.ndarray, idx, X, Y, h: float, smooth: bool) -> float:
    old = P[idx]

    def loss_at(d: float) -> float:
        P[idx] = old + d
        return probe.loss(X, Y)

    try:
        central = loss_at(h) - loss_at(-h)
        if not smooth:
            return central / (2.0 * h)
        wide = loss_at(2 * h) - loss_at(-2 * h)
        return (8.0 * central - wide) / (12.0 * h)
    finally:
        P[idx] = old
