"""Hidden-layer activations, each paired with its derivative.

The registry ``ACTIVATIONS`` maps a name to an :class:`Activation` holding the
function ``sigma`` and its derivative ``dsigma`` (the derivation's σ'), both taking the
pre-activation ``Z`` so that backward can use ``σ'(Z^(q))`` exactly as the derivation
writes it. The app builds its activation menu from this registry.

The output layer of :class:`nncore.MLP` is always linear (the derivation's ŷ = W a + b).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """An element-wise function and its derivative, both of ``z``.

    ``sigma(z)`` and ``dsigma(z)`` take an array of any shape and return one of
    the same shape. ``formula`` and ``dformula`` are LaTeX for the UI.
    """

    name: str
    sigma: Callable[[Array], Array]
    dsigma: Callable[[Array], Array]
    formula: str
    dformula: str
    # False for functions with kinks (ReLU): the gradient check then takes a
    # small two-point step that does not jump over a kink.
    smooth: bool = True
    # max of σ'; a unit counts as saturated where σ'(z) < 6% of it, which for
    # tanh is exactly |a| > 0.97.
    dsigma_max: float = 1.0

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _tanh_prime(z: Array) -> Array:
    # The derivation's σ'(z) = 1 − tanh(z)²
    return 1.0 - np.tanh(z) ** 2


def _sigmoid(z: Array) -> Array:
    # Written through tanh so that large |z| never overflows exp.
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _sigmoid_prime(z: Array) -> Array:
    s = _sigmoid(z)
    return s * (1.0 - s)


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _relu_prime(z: Array) -> Array:
    # The derivative at exactly 0 is taken as 0 (a subgradient), as PyTorch does.
    return (z > 0.0).astype(np.float64)


def _identity(z: Array) -> Array:
    return np.array(z, dtype=np.float64, copy=True)


def _identity_prime(z: Array) -> Array:
    return np.ones_like(z, dtype=np.float64)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("tanh", np.tanh, _tanh_prime, r"\tanh(z)", r"1-\tanh(z)^2"),
        Activation(
            "sigmoid",
            _sigmoid,
            _sigmoid_prime,
            r"\frac{1}{1+e^{-z}}",
            r"\sigma(z)\,(1-\sigma(z))",
            dsigma_max=0.25,
        ),
        Activation("relu", _relu, _relu_prime, r"\max(0, z)", r"[z>0]", smooth=False),
        Activation("identity", _identity, _identity_prime, r"z", r"1"),
    )
}


def get_activation(name: str) -> Activation:
    """Look up an activation by name; unknown names raise ``ValueError``."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r}: expected one of {', '.join(ACTIVATIONS)}"
        )
    return ACTIVATIONS[name]
