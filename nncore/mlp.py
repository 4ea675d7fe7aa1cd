"""The derivation's fully connected network: forward and backward, exactly as written.

Notation follows the derivation (docs/backprop.md): layer ``q = 1 … L`` has
``W^(q)`` of shape ``(n_q, n_{q-1})`` and ``b^(q)`` of shape ``(n_q,)``.
Python lists are 0-based, so ``net.W[q-1]`` is ``W^(q)``; ``fwd.A[0]`` is the
input ``X = A^(0)`` and ``fwd.A[q]`` is ``A^(q)``. That offset is the one place
the code departs from the derivation's numbering.

Two forms, both from the derivation:

* batch, row vectors (the derivation's second half), used for training::

      Z^(q) = A^(q-1) W^(q)ᵀ ⊕ b^(q)ᵀ,   A^(q) = σ(Z^(q)),   Ŷ = Z^(L) (linear output)
      L = (1/N) Σ_n Σ_e (Ŷ − Y)²
      Δ^(L) = (2/N)(Ŷ − Y),   Δ^(q) = (Δ^(q+1) W^(q+1)) ⊙ σ'(Z^(q))
      ∂L/∂W^(q) = Δ^(q)ᵀ A^(q-1),   ∂L/∂b^(q) = 1ᵀ Δ^(q)

* one sample, column vectors (the derivation's first half), with the per-sample loss
  ``ℓ = Σ_e (ŷ_e − y_e)²`` (sum over outputs, no ½, hence the factor 2)::

      z^(q) = W^(q) a^(q-1) + b^(q),   δ^(L) = 2(ŷ − y),
      δ^(q) = σ'(z^(q)) ⊙ (W^(q+1)ᵀ δ^(q+1)),   ∂ℓ/∂W^(q) = δ^(q) a^(q-1)ᵀ,   ∂ℓ/∂b^(q) = δ^(q)

The batch gradient is the mean of the per-sample gradients (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, as_matrix, rng_from
from ._shapes import MAX_LAYERS, MAX_PARAMS, as_column, check_forward, check_sizes  # noqa: F401 (public: nncore.mlp.MAX_PARAMS)
from .activations import Activation, get_activation
from .penalty import check_penalty, penalty, penalty_grad

Array = np.ndarray



@dataclass
class Forward:
    """Everything the forward pass computed for a batch.

    Z : list of L arrays, ``Z[q-1]`` = Z^(q) of shape (N, n_q)
    A : list of L+1 arrays, ``A[0]`` = X of shape (N, n_0), ``A[q]`` = A^(q) of
        shape (N, n_q); ``A[-1]`` is Ŷ (the output layer is linear, so A^(L) = Z^(L)).
    """

    Z: list[Array]
    A: list[Array]

    @property
    def Y_hat(self) -> Array:
        return self.A[-1]

    def __repr__(self) -> str:
        return f"Forward(N={self.A[0].shape[0]}, sizes={[a.shape[1] for a in self.A]})"


@dataclass
class Gradients:
    """The backward pass for a batch.

    delta : ``delta[q-1]`` = Δ^(q), shape (N, n_q): ∂L/∂Z^(q), the error signal.
    dW, db : shaped like ``net.W``, ``net.b``: ∂L/∂W^(q) and ∂L/∂b^(q).
    loss : the mini-batch loss L the gradients belong to.
    """

    delta: list[Array]
    dW: list[Array]
    db: list[Array]
    loss: float

    def flat(self) -> Array:
        """All gradients in one vector, in the order of :meth:`MLP.get_flat`."""
        return np.concatenate([p.ravel() for pair in zip(self.dW, self.db) for p in pair])

    def __repr__(self) -> str:
        return f"Gradients(loss={self.loss:.6g}, layers={len(self.dW)})"


@dataclass
class SampleForward:
    """Column-vector forward pass of one sample: ``z[q-1]`` = z^(q) and
    ``a[q]`` = a^(q), each of shape (n_q, 1); ``a[0]`` = x, ``a[-1]`` = ŷ."""

    z: list[Array]
    a: list[Array]


@dataclass
class SampleGradients:
    """Column-vector backward pass of one sample: ``delta[q-1]`` = δ^(q) (n_q, 1),
    ``dW[q-1]`` (n_q, n_{q-1}), ``db[q-1]`` (n_q, 1), and the sample loss ℓ."""

    delta: list[Array]
    dW: list[Array]
    db: list[Array]
    loss: float


class MLP:
    """A fully connected network with sizes (n_0, …, n_L), hidden activation σ,
    linear output, and the derivation's mean-squared-error loss.

    Parameters
    ----------
    sizes : sequence of int, each >= 1, at least two entries. Default (2, 3, 4, 2).
        At most :data:`MAX_LAYERS` + 1 entries and :data:`MAX_PARAMS` parameters
        (a bigger network is refused with a ValueError, not left to exhaust memory).
    activation : a name in :data:`nncore.ACTIVATIONS` ("tanh" by default, as in the derivation).
    seed : int or numpy Generator for the initial weights (Glorot-uniform W, zero b).
    regularization, reg_rate : a weight penalty λR(W) added to the loss ("none", "L1"
        or "L2", and λ ≥ 0; see :mod:`nncore.penalty`). With "none" (the default) every
        result is the derivation's exactly. ``loss``, ``backward`` and the sample forms
        include the penalty; the δ error signals do not change with it.

    Inputs and non-finite values: X, Y, x, y must be real numbers (any real dtype,
    converted to float64), finite and at most ``nncore._checks.MAX_ABS`` = 1e100 in
    magnitude; anything else raises ValueError naming the argument. With such inputs
    and finite weights of ordinary size every result is finite (tanh and sigmoid
    saturate, and no sum can overflow). The weights themselves are not refused: a
    training that blew up (weights huge or NaN) gives a loss that is inf or NaN (numpy
    warns about the overflow), which is how :class:`nncore.Trainer` and the app detect
    divergence.
    """

    def __init__(self, sizes=(2, 3, 4, 2), activation: str = "tanh", seed=0, *,
                 regularization: str = "none", reg_rate: float = 0.0):
        self.sizes = check_sizes(sizes)
        self.act: Activation = get_activation(activation)
        self._penalty = check_penalty(regularization, reg_rate)
        rng = rng_from(seed)
        self.W: list[Array] = []
        self.b: list[Array] = []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            # Glorot-uniform keeps tanh units out of saturation at the start.
            limit = np.sqrt(6.0 / (n_in + n_out))
            self.W.append(rng.uniform(-limit, limit, size=(n_out, n_in)))
            self.b.append(np.zeros(n_out))

    # ------------------------------------------------------------------ building
    @classmethod
    def from_params(cls, W, b, activation: str = "tanh", *, regularization: str = "none",
                    reg_rate: float = 0.0) -> MLP:
        """A network with copies of the given ``W`` (list of (n_q, n_{q-1})) and
        ``b`` (list of (n_q,)) arrays; shapes must chain and values be finite."""
        pen = check_penalty(regularization, reg_rate)
        if not isinstance(W, (list, tuple)) or not isinstance(b, (list, tuple)):
            # ValueError, not TypeError: nncore reports every bad input one way.
            raise ValueError(  # noqa: TRY004
                f"W and b must be lists of arrays, got {type(W).__name__} and {type(b).__name__}"
            )
        if len(W) < 1 or len(W) != len(b):
            raise ValueError(
                f"W and b must be non-empty lists of the same length, got {len(W)} and {len(b)}"
            )
        # no magnitude bound: these are weights (a blown-up net may be copied), only finite
        Ws = [as_matrix(f"W[{q}] (W^({q + 1}))", w, max_abs=None) for q, w in enumerate(W)]
        sizes = [Ws[0].shape[1]] + [w.shape[0] for w in Ws]
        for q in range(1, len(Ws)):
            if Ws[q].shape[1] != Ws[q - 1].shape[0]:
                raise ValueError(
                    f"W[{q}] (W^({q + 1})) must have shape ({Ws[q].shape[0]}, "
                    f"{Ws[q - 1].shape[0]}) to follow W[{q - 1}], got {Ws[q].shape}"
                )
        bs = []
        for q, v in enumerate(b):
            v = np.array(as_float_array(f"b[{q}] (b^({q + 1}))", v))
            if v.ndim == 2 and v.shape[1] == 1:  # accept the derivation's column form (n_q, 1)
                v = v[:, 0].copy()
            if v.shape != (sizes[q + 1],):
                raise ValueError(
                    f"b[{q}] (b^({q + 1})) must have shape ({sizes[q + 1]},), got {v.shape}"
                )
            if not np.all(np.isfinite(v)):
                raise ValueError(f"b[{q}] (b^({q + 1})) must be finite, got NaN or inf")
            bs.append(v)
        net = cls.__new__(cls)
        net.sizes = tuple(sizes)
        net.act = get_activation(activation)
        net._penalty = pen
        net.W = [w.copy() for w in Ws]
        net.b = bs
        return net

    def copy(self) -> MLP:
        return MLP.from_params(self.W, self.b, self.act.name, regularization=self.regularization,
                               reg_rate=self.reg_rate)

    @property
    def regularization(self) -> str:
        """The weight penalty: "none", "L1" or "L2" (set with :meth:`set_penalty`)."""
        return self._penalty[0]

    @property
    def reg_rate(self) -> float:
        """λ, the penalty's rate (0 with "none")."""
        return self._penalty[1]

    def set_penalty(self, regularization: str, reg_rate: float = 0.0) -> None:
        """Change the weight penalty (checked as in the constructor)."""
        self._penalty = check_penalty(regularization, reg_rate)

    def penalty(self) -> float:
        """λ R(W): the penalty's part of the loss at the current weights (0 without one)."""
        return penalty(self.W, *self._penalty)

    @property
    def L(self) -> int:
        """Number of layers with parameters (3 for the derivation's 2-3-4-2 net)."""
        return len(self.W)

    @property
    def activation(self) -> str:
        return self.act.name

    @property
    def n_params(self) -> int:
        return sum(w.size + v.size for w, v in zip(self.W, self.b))

    def get_flat(self) -> Array:
        """All parameters in one vector: W^(1), b^(1), W^(2), b^(2), … (W row-major)."""
        return np.concatenate([p.ravel() for pair in zip(self.W, self.b) for p in pair])

    def set_flat(self, theta) -> None:
        """Inverse of :meth:`get_flat`, written into the existing arrays."""
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},), got {theta.shape}")
        i = 0
        for w, v in zip(self.W, self.b):
            for p in (w, v):
                p[...] = theta[i:i + p.size].reshape(p.shape)
                i += p.size

    def __repr__(self) -> str:
        pen = ("" if self.regularization == "none"
               else f", regularization={self.regularization!r}, reg_rate={self.reg_rate!r}")
        return f"MLP(sizes={self.sizes}, activation={self.act.name!r}{pen})"

    # ------------------------------------------------------------ batch (rows)
    def forward(self, X) -> Forward:
        """Z^(q) = A^(q-1) W^(q)ᵀ ⊕ b^(q)ᵀ and A^(q) = σ(Z^(q)); the last layer is linear.

        X : array of shape (N, n_0). Returns a :class:`Forward`.
        """
        A = [as_matrix("X", X, self.sizes[0])]
        Z = []
        for q in range(1, self.L + 1):
            W, b = self.W[q - 1], self.b[q - 1]
            Zq = A[q - 1] @ W.T + b
            Z.append(Zq)
            A.append(Zq if q == self.L else self.act.sigma(Zq))
        return Forward(Z=Z, A=A)

    def backward(self, fwd: Forward, Y) -> Gradients:
        """Δ^(L) = (2/N)(Ŷ − Y); Δ^(q) = (Δ^(q+1) W^(q+1)) ⊙ σ'(Z^(q));
        ∂L/∂W^(q) = Δ^(q)ᵀ A^(q-1); ∂L/∂b^(q) = 1ᵀ Δ^(q).

        fwd : the :class:`Forward` of the same batch. Y : array of shape (N, n_L).
        """
        check_forward("fwd", fwd, Forward, "Z", "A", self.sizes)
        N = fwd.A[0].shape[0]
        Y = as_matrix("Y", Y, self.sizes[-1])
        if Y.shape[0] != N:
            raise ValueError(f"Y must have {N} rows like X, got shape {Y.shape}")
        err = fwd.A[-1] - Y
        delta = [None] * self.L
        delta[-1] = (2.0 / N) * err
        for q in range(self.L - 1, 0, -1):  # q = L-1 … 1 (seed numbering)
            delta[q - 1] = (delta[q] @ self.W[q]) * self.act.dsigma(fwd.Z[q - 1])
        dW = [delta[q - 1].T @ fwd.A[q - 1] for q in range(1, self.L + 1)]
        db = [delta[q - 1].sum(axis=0) for q in range(1, self.L + 1)]
        loss = float(np.sum(err * err) / N)
        if self.reg_rate:  # + λ R'(W^(q)); δ does not change (the penalty has no z in it)
            dW = [g + penalty_grad(w, *self._penalty) for g, w in zip(dW, self.W)]
            loss += self.penalty()
        return Gradients(delta=delta, dW=dW, db=db, loss=loss)

    def loss(self, X, Y) -> float:
        """L = (1/N) Σ_n Σ_e (Ŷ − Y)² : mean over the batch, sum over outputs, no ½
        (plus the penalty λR(W) when the network has one: :meth:`data_loss` leaves it out)."""
        return self.data_loss(X, Y) + self.penalty()

    def data_loss(self, X, Y) -> float:
        """(1/N) Σ_n Σ_e (Ŷ − Y)², the data term alone (what the loss curves show)."""
        Y_hat = self.forward(X).A[-1]
        Y = as_matrix("Y", Y, self.sizes[-1])
        if Y.shape[0] != Y_hat.shape[0]:
            raise ValueError(f"Y must have {Y_hat.shape[0]} rows like X, got shape {Y.shape}")
        return float(np.sum((Y_hat - Y) ** 2) / Y.shape[0])

    def predict(self, X) -> Array:
        """Ŷ of shape (N, n_L) for X of shape (N, n_0)."""
        return self.forward(X).A[-1]

    def gradients(self, X, Y) -> Gradients:
        """forward then backward on one batch."""
        return self.backward(self.forward(X), Y)

    # -------------------------------------------------------- one sample (columns)
    def forward_sample(self, x) -> SampleForward:
        """z^(q) = W^(q) a^(q-1) + b^(q), a^(q) = σ(z^(q)), with column vectors.

        x : array of shape (n_0,) or (n_0, 1).
        """
        x = as_column("x", x, self.sizes[0])
        z, a = [], [x]
        for q in range(1, self.L + 1):
            zq = self.W[q - 1] @ a[q - 1] + self.b[q - 1][:, None]
            z.append(zq)
            a.append(zq if q == self.L else self.act.sigma(zq))
        return SampleForward(z=z, a=a)

    def backward_sample(self, fwd: SampleForward, y) -> SampleGradients:
        """δ^(L) = 2(ŷ − y); δ^(q) = σ'(z^(q)) ⊙ (W^(q+1)ᵀ δ^(q+1));
        ∂ℓ/∂W^(q) = δ^(q) a^(q-1)ᵀ; ∂ℓ/∂b^(q) = δ^(q). y : shape (n_L,) or (n_L, 1)."""
        check_forward("fwd", fwd, SampleForward, "z", "a", self.sizes)
        y = as_column("y", y, self.sizes[-1])
        err = fwd.a[-1] - y
        delta = [None] * self.L
        delta[-1] = 2.0 * err
        for q in range(self.L - 1, 0, -1):
            delta[q - 1] = self.act.dsigma(fwd.z[q - 1]) * (self.W[q].T @ delta[q])
        dW = [delta[q - 1] @ fwd.a[q - 1].T for q in range(1, self.L + 1)]
        db = [d.copy() for d in delta]
        loss = float(np.sum(err * err))
        if self.reg_rate:  # each sample's ℓ carries the penalty, so the batch L is their mean
            dW = [g + penalty_grad(w, *self._penalty) for g, w in zip(dW, self.W)]
            loss += self.penalty()
        return SampleGradients(delta=delta, dW=dW, db=db, loss=loss)
