"""Backprop checked against central finite differences, parameter by parameter.

For each parameter θ, with the others fixed, central differences of the loss
C(h) = (L(θ+h) − L(θ−h)) / 2h are taken at h, 2h and 4h. For smooth activations
Richardson's extrapolation cancels their h² terms, R(h) = (4 C(h) − C(2h)) / 3, and
one more level cancels the h⁴ terms::

    numeric = (16 R(h) − R(2h)) / 15,   h = 1e-3

For ReLU the loss is piecewise quadratic in each parameter, so the plain central
difference numeric = C(h), h = 1e-4, is exact up to rounding as long as no unit
changes sides of its kink (z = 0) between θ − 2h and θ + 2h. At a kink the loss has
no derivative there and the difference quotient is not backprop's one-sided σ'(0)
= 0 convention, so such a row is reported as unresolvable, never as a fail.

The rule, in plain words: a finite difference can only measure a gradient that is
large compared with its own error. Two errors are estimated for every parameter:

* rounding: each computed loss is off by about e_L (:func:`loss_rounding_error`:
  machine ε times the size of what each sum adds up, carried through the forward
  pass, so it grows with the loss and with large weights); dividing a difference
  by 2h turns that into ~e_L / h;
* truncation: how much the estimate moves when h doubles, |R(h) − R(2h)| / 15
  (the h⁴ error of R(h), larger than that of the value used), or |C(h) − C(2h)|
  for ReLU.

Their sum, times a safety factor, is the error of the numeric derivative. The
*resolution* of a parameter is the smallest gradient that error lets us measure to
the tolerance: ``resolution = SAFETY · (rounding + truncation) / tol``.

* If both the backprop gradient and the numeric one are below the resolution, the
  row is "unresolvable": finite differences cannot tell a right gradient from a
  wrong one there (saturated units, a huge loss whose rounding swamps the change,
  a ReLU kink inside the step, a dead ReLU unit's exact zero). It never counts as
  a pass.
* Otherwise the row is held to a true relative error
  |a − n| / max(|a|, |n|) ≤ tol: "pass", else "fail".

The check passes when no row fails and at least one row passed. When no row is
resolvable its verdict is "unresolvable", ``passed`` is False and
``max_rel_error`` is NaN. At ordinary weights (|w| ~ 1, L ~ 1) the resolution is
~1e-4 and every row of the derivation's net is resolvable, with errors ~1e-11.
"""

from __future__ import annotations

import copy
import math
import numbers
from dataclasses import dataclass

import numpy as np

from ._checks import as_matrix, check_float, show
from .mlp import MLP

RELATIVE_ERROR_FLOOR = 1e-4  # relative_error's default floor (kept for callers)
SAFETY = 3.0  # room on the error estimate: measured errors stayed below half of it
EPS = float(np.finfo(np.float64).eps)
H_SMOOTH = 1e-3  # rounding ~1e-13·L/h stays small; after extrapolation truncation ~h⁶
H_RELU = 1e-4
# Six (ReLU: four) forward passes of N × n_params work per parameter: n_params² × N at
# most this keeps one check under about a minute instead of hours.
MAX_WORK = 10_000_000_000


@dataclass(frozen=True)
class GradRow:
    """One parameter: ``name`` like ``"W(2)[3,1]"`` (seed numbering, 1-based),
    ``kind`` "W" or "b", layer ``q``, 0-based ``i``, ``j`` (j = 0 for b).

    rel_error : |a − n| / max(|a|, |n|) (0 when both are 0).
    status : "pass", "fail" or "unresolvable" (see the module docstring); "" for a
        row built without one, which is then judged by rel_error ≤ tol.
    resolution : the smallest |∂L/∂θ| finite differences can measure to the
        tolerance at these weights (inf when nothing can be measured).
    """

    name: str
    kind: str
    q: int
    i: int
    j: int
    backprop: float
    numeric: float
    rel_error: float
    status: str = ""
    resolution: float = 0.0


@dataclass(frozen=True)
class GradientCheck:
    """All rows (W^(1), b^(1), W^(2), … in order), the worst relative error over the
    resolvable rows (NaN when no row is resolvable), the tolerance, the
    finite-difference method used, and the loss L at the checked weights."""

    rows: list[GradRow]
    max_rel_error: float
    tol: float
    method: str
    loss: float = math.nan

    def row_status(self, row: GradRow) -> str:
        """The row's status; a row built without one is judged by rel_error ≤ tol."""
        if row.status:
            return row.status
        return "pass" if row.rel_error <= self.tol else "fail"

    def _count(self, status: str) -> int:
        return sum(self.row_status(r) == status for r in self.rows)

    @property
    def n_pass(self) -> int:
        return self._count("pass")

    @property
    def n_fail(self) -> int:
        return self._count("fail")

    @property
    def n_unresolvable(self) -> int:
        return self._count("unresolvable")

    @property
    def verdict(self) -> str:
        """The overall result: "fail" if any row fails, else "pass" if at least one
        row passed, else "unresolvable" (nothing could be measured at these weights)."""
        if self.n_fail:
            return "fail"
        return "pass" if self.n_pass else "unresolvable"

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def __repr__(self) -> str:
        return (f"GradientCheck({len(self.rows)} parameters: {self.n_pass} pass, "
                f"{self.n_fail} fail, {self.n_unresolvable} unresolvable; max_rel_error="
                f"{self.max_rel_error:.2e}, tol={self.tol:g}: {self.verdict})")


def relative_error(a: float, n: float, floor: float = RELATIVE_ERROR_FLOOR) -> float:
    """|a − n| / max(|a|, |n|, floor): below the floor the comparison is absolute.

    a, n : real numbers (NaN or inf give NaN or inf); floor : a finite number > 0."""
    for name, v in (("a", a), ("n", n)):
        if not isinstance(v, numbers.Real) or isinstance(v, (bool, np.bool_)):
            raise ValueError(f"{name} must be a real number, got {show(v)}")  # noqa: TRY004
    floor = check_float("floor", floor, 0.0, low_open=True)
    try:
        a, n = float(a), float(n)
    except OverflowError:  # an int beyond the float range (10**400)
        raise ValueError(f"a and n must fit in a float, got {show(a)} and {show(n)}") from None
    return abs(a - n) / max(abs(a), abs(n), floor)


def gradient_check(net: MLP, X, Y, tol: float = 1e-7) -> GradientCheck:
    """Compare every entry of ``net.backward`` (dW, db) with a central finite
    difference of ``net.loss``, row by row as the module docstring says.
    X : (N, n_0), Y : (N, n_L); tol : a finite number > 0; n_params² × N at most
    :data:`MAX_WORK`. ``net`` is unchanged."""
    if not isinstance(net, MLP):
        raise ValueError(f"net must be an nncore.MLP, got {type(net).__name__}")  # noqa: TRY004
    X = as_matrix("X", X, net.sizes[0])
    Y = as_matrix("Y", Y, net.sizes[-1])
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"Y must have {X.shape[0]} rows like X, got shape {Y.shape}")
    tol = check_float("tol", tol, 0.0, low_open=True)
    work = net.n_params ** 2 * X.shape[0]
    if work > MAX_WORK:
        raise ValueError(
            f"X has too many rows for a gradient check of {net.n_params} parameters: "
            f"n_params² × N = {work:.3g} must be at most {MAX_WORK:.0e}; check a few rows"
        )
    with np.errstate(all="ignore"):  # overflow at blown-up weights is reported, not warned
        return _check(net, X, Y, tol)


def _check(net: MLP, X: np.ndarray, Y: np.ndarray, tol: float) -> GradientCheck:
    grads = net.gradients(X, Y)
    probe = copy.deepcopy(net)  # not net.copy(): that refuses non-finite weights
    smooth = net.act.smooth
    e_L = loss_rounding_error(net, X, Y)
    method = ("central differences at h, 2h, 4h with two levels of Richardson "
              "extrapolation, h = 1e-3" if smooth else "central difference, h = 1e-4")
    rows = []
    for q in range(1, net.L + 1):
        for kind, P, G in (("W", probe.W[q - 1], grads.dW[q - 1]),
                           ("b", probe.b[q - 1], grads.db[q - 1])):
            for idx in np.ndindex(P.shape):
                numeric, error = _derivative(probe, P, idx, X, Y, smooth, e_L)
                label = f"W({q})[{idx[0] + 1},{idx[1] + 1}]" if kind == "W" else \
                    f"b({q})[{idx[0] + 1}]"
                rows.append(_row(label, kind, q, idx, float(G[idx]), numeric, error, tol))
    # over the resolvable rows, a NaN gradient counting as inf; NaN when none is resolvable
    judged = [math.inf if math.isnan(r.rel_error) else r.rel_error
              for r in rows if r.status != "unresolvable"]
    worst = max(judged) if judged else math.nan
    return GradientCheck(rows=rows, max_rel_error=worst, tol=tol, method=method,
                         loss=grads.loss)


def _row(label: str, kind: str, q: int, idx, a: float, n: float, error: float,
         tol: float) -> GradRow:
    resolution = SAFETY * error / tol
    rel = _pure_relative_error(a, n)
    if not math.isfinite(resolution) or (abs(a) < resolution and abs(n) < resolution):
        status = "unresolvable"
    else:  # a NaN or inf gradient against a finite resolution fails (rel is NaN)
        status = "pass" if rel <= tol else "fail"
    return GradRow(label, kind, q, idx[0], idx[1] if kind == "W" else 0, a, n, rel,
                   status, resolution)


def _pure_relative_error(a: float, n: float) -> float:
    """|a − n| / max(|a|, |n|), 0 when both are 0, NaN when either is not finite."""
    if not (math.isfinite(a) and math.isfinite(n)):
        return math.nan
    top = max(abs(a), abs(n))
    return abs(a - n) / top if top else 0.0


def loss_rounding_error(net: MLP, X: np.ndarray, Y: np.ndarray) -> float:
    """e_L, the typical size of the rounding error of the computed loss L.

    Carried forward as first-order errors e(·), each floating-point sum of n terms
    adding u √n times the size of its terms (u = ε/2; errors of independent
    roundings add like a random walk, not in the worst case)::

        e(Z^(q)) = e(A^(q-1)) |W^(q)|ᵀ + u √(n+1) (|A^(q-1)| |W^(q)|ᵀ + |b^(q)|)
        e(A^(q)) = |σ'(Z^(q))| ⊙ e(Z^(q)) + u |A^(q)|
        e_L = (1/N) Σ (2 |Ŷ − Y| + e(Ŷ)) e(Ŷ) + u √(N n_L) L

    X : (N, n_0), Y : (N, n_L). Returns inf if L or e_L is not finite.
    """
    u = EPS / 2.0
    fwd = net.forward(X)
    e_A = np.zeros_like(X)
    for q in range(1, net.L + 1):
        W, b, A_prev = net.W[q - 1], net.b[q - 1], fwd.A[q - 1]
        absWT = np.abs(W).T
        e_Z = e_A @ absWT + u * math.sqrt(W.shape[1] + 1) * (np.abs(A_prev) @ absWT + np.abs(b))
        if q == net.L:
            e_A = e_Z
        else:
            e_A = np.abs(net.act.dsigma(fwd.Z[q - 1])) * e_Z + u * np.abs(fwd.A[q])
    err = np.abs(fwd.A[-1] - Y)
    L = float(np.sum(err * err)) / X.shape[0]
    e_L = float(np.sum((2.0 * err + e_A) * e_A)) / X.shape[0] + u * math.sqrt(Y.size) * L
    if net.reg_rate:  # the penalty: a sum of n_W terms of its size, and one more addition
        e_L += u * (math.sqrt(sum(w.size for w in net.W)) + 1.0) * net.penalty()
    return e_L if math.isfinite(e_L) and math.isfinite(L) else math.inf


def _derivative(probe: MLP, P: np.ndarray, idx, X, Y, smooth: bool,
                e_L: float) -> tuple[float, float]:
    """The numeric ∂L/∂θ for θ = P[idx] and an estimate of its error (rounding plus
    truncation); the error is inf where a ReLU kink lies within the steps.

    An L1 penalty's kink (|θ| at θ = 0): at θ = 0 exactly every symmetric difference of
    λ|θ| is 0, the subgradient backprop uses (sign 0 = 0), so the row is measured as
    usual; for 0 < |θ| < 4h the differences at h, 2h, 4h see different slopes of λ|θ|
    (λ|θ|/h·… instead of λ sign θ), and the truncation estimate (how the value moves as
    h doubles) grows with λ: such a row comes out unresolvable, not failed (tested)."""
    old = P[idx]
    pattern = None if smooth else _pattern(probe, X)
    crossed = False

    def central(h: float) -> float:
        nonlocal crossed
        values = []
        for t in (old + h, old - h):
            P[idx] = t
            values.append(probe.loss(X, Y))
            if pattern is not None and not crossed:
                crossed = any(not np.array_equal(p, s)
                              for p, s in zip(pattern, _pattern(probe, X)))
        return (values[0] - values[1]) / (2.0 * h)

    try:
        if not smooth:
            h = H_RELU
            c1, c2 = central(h), central(2.0 * h)
            if crossed:  # a unit changed sides of its kink: C(h) is not the slope at θ
                return c1, math.inf
            return c1, e_L / h + abs(c1 - c2)
        h = H_SMOOTH
        c1, c2, c4 = central(h), central(2.0 * h), central(4.0 * h)
        r1 = (4.0 * c1 - c2) / 3.0  # the h² error terms of the two differences cancel
        r2 = (4.0 * c2 - c4) / 3.0
        # one more level cancels the h⁴ terms too; the h⁴ error of r1, |r1 − r2| / 15,
        # then bounds the truncation with room. Rounding: (64 + 20/2 + 1/4) e_L / 45h.
        return (16.0 * r1 - r2) / 15.0, 1.65 * e_L / h + abs(r1 - r2) / 15.0
    finally:
        P[idx] = old


def _pattern(probe: MLP, X) -> list[np.ndarray]:
    """Sign of every hidden pre-activation (−1, 0, +1): which side of the kink."""
    return [np.sign(z) for z in probe.forward(X).Z[:-1]]
