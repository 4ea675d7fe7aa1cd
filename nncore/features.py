"""Feature inputs: what the network is fed, computed from a point (x₁, x₂) of the plane.

The network's input layer is the chosen features, in the fixed order of :data:`FEATURES`
(a chosen subset keeps that order), so its width n_0 is the number chosen::

    x1 → x₁,  x2 → x₂,  x1sq → x₁²,  x2sq → x₂²,  x1x2 → x₁x₂,  sin1 → sin x₁,  sin2 → sin x₂

``("x1", "x2")`` (the default) feeds the point itself: the derivation's network. Feeding
x₁² and x₂² lets a network with no hidden layer at all draw a circle; the derivation's
equations are unchanged, since to them the features simply are the input x = a⁽⁰⁾.

>>> expand([[0.5, -2.0]], ("x1", "x1x2"))
array([[ 0.5, -1. ]])
"""

from __future__ import annotations

import numpy as np

from ._checks import as_matrix

FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sin1", "sin2")
DEFAULT = ("x1", "x2")
# how each is written, in plain text and in LaTeX
TEXT = {"x1": "x₁", "x2": "x₂", "x1sq": "x₁²", "x2sq": "x₂²", "x1x2": "x₁x₂",
        "sin1": "sin x₁", "sin2": "sin x₂"}
LATEX = {"x1": "x_1", "x2": "x_2", "x1sq": "x_1^2", "x2sq": "x_2^2", "x1x2": "x_1 x_2",
         "sin1": r"\sin x_1", "sin2": r"\sin x_2"}
_MAKE = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1sq": lambda a, b: a * a,
    "x2sq": lambda a, b: b * b,
    "x1x2": lambda a, b: a * b,
    "sin1": lambda a, b: np.sin(a),
    "sin2": lambda a, b: np.sin(b),
}


def check_features(features) -> tuple[str, ...]:
    """The chosen features as a tuple in :data:`FEATURES` order; a ValueError names what
    is wrong (not a sequence of known names, a repeat, or none at all)."""
    if isinstance(features, (str, bytes)) or not hasattr(features, "__iter__"):
        raise ValueError(f"features must be a sequence of names from {FEATURES}, "
                         f"got {features!r:.60}")
    given = list(features)
    unknown = [f for f in given if not isinstance(f, str) or f not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r:.40}: expected names from "
                         f"{', '.join(FEATURES)}")
    if len(set(given)) != len(given):
        raise ValueError(f"each feature may be chosen once, got {given}")
    if not given:
        raise ValueError("choose at least one feature")
    return tuple(f for f in FEATURES if f in given)


def expand(X, features=DEFAULT) -> np.ndarray:
    """The network's input for points X (N, 2): one column per feature, (N, len(features)),
    float64, a new array. ``features`` is checked by :func:`check_features`."""
    names = check_features(features)
    P = as_matrix("X", X, 2)
    a, b = P[:, 0], P[:, 1]
    return np.column_stack([_MAKE[f](a, b) for f in names]).astype(np.float64, copy=False)
