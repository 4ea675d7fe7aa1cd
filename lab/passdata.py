"""One pass through the network, everything the views show: pure numpy from nncore.

For the per-sample form the pass is the derivation's column-vector equations on one
sample; for the mini-batch form it is the row-vector equations on N samples. In
both, the values drawn on the picture's nodes are one vector per layer: the
sample's own z, a, δ, or for a batch the mean of z and a over the batch and
δ summed over the batch, 1ᵀΔ^(q) = ∂L/∂b^(q) (the mean of the samples' δ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nncore import MLP

Array = np.ndarray


@dataclass(frozen=True)
class PassData:
    """A forward pass, its backward pass and the SGD update it leads to.

    form : "sample" or "batch". indices : (N,) training-row indices (N = 1 for a sample).
    X (N, n_0), Y (N, n_L): the rows. Z[q-1], A[q], delta[q-1]: (N, n_q) in row form
    (for a sample the transposed columns z^(q), a^(q), δ^(q)). dW, db: the gradients.
    W, b: parameters before; W_new, b_new: after θ ← θ − γ∇L with γ = lr.
    sample_dW : per-sample gradients ∂ℓ_n/∂W^(q) (list over n of lists over q), batch only.
    """

    form: str
    indices: Array
    X: Array
    Y: Array
    Z: list[Array]
    A: list[Array]
    delta: list[Array]
    dsigma: list[Array]
    loss: float
    dW: list[Array]
    db: list[Array]
    W: list[Array]
    b: list[Array]
    W_new: list[Array]
    b_new: list[Array]
    lr: float
    activation: str
    sample_dW: list[list[Array]] | None = None
    # the weight penalty λR(W) of the loss (nncore.penalty): loss = data_loss + penalty
    regularization: str = "none"
    reg_rate: float = 0.0
    data_loss: float | None = None
    penalty: float = 0.0
    # the input features' names (nncore.features), None for the point itself (x₁, x₂)
    inputs: tuple[str, ...] | None = None

    @property
    def N(self) -> int:
        return self.X.shape[0]

    @property
    def L(self) -> int:
        return len(self.W)

    def node_values(self, kind: str, q: int) -> Array:
        """The vector drawn on layer q's nodes: kind "z", "a" or "delta"
        (layer 0 has only "a" = x). Batch: mean of z, a over rows; δ summed (= ∂L/∂b)."""
        if kind == "a":
            rows = self.A[q]
        elif kind == "z":
            rows = self.Z[q - 1]
        elif kind == "delta":
            return self.delta[q - 1].sum(axis=0)
        else:
            raise ValueError(f"kind must be 'z', 'a' or 'delta', got {kind!r}")
        return rows.mean(axis=0)


def compute_pass(net: MLP, X, Y, indices, lr: float, form: str,
                 inputs: tuple[str, ...] | None = None) -> PassData:
    """Run the derivation's equations on rows ``X[indices]`` in the chosen form.

    X (n, n_0), Y (n, n_L): the training set; indices: (N,) ints; form "sample"
    requires N = 1 and uses ``forward_sample``/``backward_sample``.
    """
    if form not in ("sample", "batch"):
        raise ValueError(f"form must be 'sample' or 'batch', got {form!r}")
    idx = np.atleast_1d(np.asarray(indices, dtype=int))
    Xb, Yb = np.asarray(X)[idx], np.asarray(Y)[idx]
    if form == "sample":
        if idx.size != 1:
            raise ValueError(f"the per-sample form takes one index, got {idx.size}")
        f = net.forward_sample(Xb[0])
        g = net.backward_sample(f, Yb[0])
        Z = [z.T for z in f.z]
        A = [a.T for a in f.a]
        delta = [d.T for d in g.delta]
        dW, db = g.dW, [d[:, 0] for d in g.db]
        loss, sample_dW = g.loss, None
    else:
        f = net.forward(Xb)
        g = net.backward(f, Yb)
        Z, A, delta, dW, db, loss = f.Z, f.A, g.delta, g.dW, g.db, g.loss
        sample_dW = [net.backward_sample(net.forward_sample(x), y).dW for x, y in zip(Xb, Yb)]
    err = A[-1] - Yb  # (N, n_L) in both forms (N = 1 for a sample)
    data_loss = float(np.sum(err * err)) / Xb.shape[0]
    dsigma = [net.act.dsigma(z) for z in Z[:-1]]
    W_new = [w - lr * d for w, d in zip(net.W, dW)]
    b_new = [v - lr * d for v, d in zip(net.b, db)]
    return PassData(form=form, indices=idx, X=Xb, Y=Yb, Z=Z, A=A, delta=delta, dsigma=dsigma,
                    loss=loss, dW=dW, db=db, W=[w.copy() for w in net.W],
                    b=[v.copy() for v in net.b], W_new=W_new, b_new=b_new, lr=float(lr),
                    activation=net.activation, sample_dW=sample_dW,
                    regularization=net.regularization, reg_rate=net.reg_rate,
                    data_loss=data_loss if net.reg_rate else loss, penalty=net.penalty(),
                    inputs=inputs)


def loss_after(p: PassData) -> float:
    """The loss of the pass's rows after its plain SGD step: nncore's loss on a net with
    W_new, b_new (the pass carries them, so the live net is not needed and never touched).
    What the lesson quotes and "Your turn" asks at the update stage."""
    return MLP.from_params(p.W_new, p.b_new, p.activation, regularization=p.regularization,
                           reg_rate=p.reg_rate).loss(p.X, p.Y)
