"""Backprop checked against central finite differences, parameter by parameter.

For smooth activations the numeric derivative is Richardson's extrapolation of two
central differences, C(h) = (L(θ+h) − L(θ−h)) / 2h::

    g ≈ (4 C(h) − C(2h)) / 3,   h = 1e-3

whose h² error terms cancel, leaving a truncation error ~h⁴ and a rounding error
~1e-13 × L. For ReLU the loss is piecewise quadratic in each parameter, so the
plain central difference with h = 1e-4 is exact up to rounding as long as the step
does not cross a kink.

Relative error: |a − n| / max(|a|, |n|, 1e-4 · max(1, L)). The floor exists because
a difference quotient cannot resolve a gradient far below its own error: after
wild training (|w| ~ 80, saturated tanh) gradients of 1e-9 … 1e-12 appear, whose
finite-difference estimates are off by ~1e-12 in absolute terms. Below the floor the
comparison is therefore absolute (passing means |a − n| ≤ 1e-11 · max(1, L)); every
gradient above it is held to a true relative error of 1e-7.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mlp import MLP

RELATIVE_ERROR_FLOOR = 1e-4  # times max(1, L): see the module docstring


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
    """|a − n| / max(|a|, |n|, floor): below the floor the comparison is absolute."""
    return abs(a - n) / max(abs(a), abs(n), floor)


def gradient_check(net: MLP, X, Y, tol: float = 1e-7) -> GradientCheck:
    """Compare every entry of ``net.backward`` (dW, db) with a central finite
    difference of ``net.loss``. X : (N, n_0), Y : (N, n_L). ``net`` is unchanged."""
    grads = net.gradients(X, Y)
    probe = net.copy()
    smooth = net.act.smooth
    floor = RELATIVE_ERROR_FLOOR * max(1.0, grads.loss)
    method = ("Richardson extrapolation of central differences, h = 1e-3" if smooth
              else "central difference, h = 1e-4")
    rows = []
    for q in range(1, net.L + 1):
        for kind, P, G in (("W", probe.W[q - 1], grads.dW[q - 1]),
                           ("b", probe.b[q - 1], grads.db[q - 1])):
            for idx in np.ndindex(P.shape):
                numeric = _derivative(probe, P, idx, X, Y, smooth)
                analytic = float(G[idx])
                i = idx[0]
                j = idx[1] if kind == "W" else 0
                label = f"W({q})[{i + 1},{j + 1}]" if kind == "W" else f"b({q})[{i + 1}]"
                rows.append(GradRow(label, kind, q, i, j, analytic, numeric,
                                    relative_error(analytic, numeric, floor)))
    worst = max(r.rel_error for r in rows)
    return GradientCheck(rows=rows, max_rel_error=worst, tol=tol, method=method)


def _derivative(probe: MLP, P: np.ndarray, idx, X, Y, smooth: bool) -> float:
    old = P[idx]

    def central(h: float) -> float:
        P[idx] = old + h
        up = probe.loss(X, Y)
        P[idx] = old - h
        down = probe.loss(X, Y)
        return (up - down) / (2.0 * h)

    try:
        if not smooth:
            return central(1e-4)
        # Richardson: the h² error terms of the two central differences cancel
        return (4.0 * central(1e-3) - central(2e-3)) / 3.0
    finally:
        P[idx] = old


def _ridders(central, h: float = 0.1, shrink: float = 1.4, n: int = 10) -> float:
    """Ridders' extrapolation of central(h) to h → 0 (Numerical Recipes' dfridr):
    each new column removes the next even power of h; the estimate whose neighbours
    agree best is kept, and the search stops once extrapolating makes it worse."""
    table = np.zeros((n, n))
    table[0, 0] = central(h)
    best, err = table[0, 0], np.inf
    for i in range(1, n):
        h /= shrink
        table[0, i] = central(h)
        fac = shrink**2
        for j in range(1, i + 1):
            table[j, i] = (table[j - 1, i] * fac - table[j - 1, i - 1]) / (fac - 1.0)
            fac *= shrink**2
            e = max(abs(table[j, i] - table[j - 1, i]), abs(table[j, i] - table[j - 1, i - 1]))
            if e <= err:
                best, err = table[j, i], e
        if abs(table[i, i] - table[i - 1, i - 1]) >= 2.0 * err:
            break
    return float(best)
