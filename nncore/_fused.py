"""The training hot path: the derivation's equations on preallocated buffers.

Same math as :meth:`MLP.forward` / :meth:`MLP.backward` (a test holds them equal
to 1e-12), arranged for speed on tiny layers, where numpy's per-call overhead
dominates: each bias is folded into its weights as an extra row of the
transpose, ``Ŵ^(q) = [W^(q)ᵀ ; b^(q)ᵀ]`` of shape (n_{q-1}+1, n_q), acting on
``Ã^(q-1) = [A^(q-1) | 1]``, so one ``np.dot`` gives ``Z^(q) = Ã^(q-1) Ŵ^(q)``
and one gives both ``∂L/∂W^(q)ᵀ`` and ``∂L/∂b^(q)ᵀ``. Storing the transpose
keeps ``W^(q)ᵀ`` a contiguous block, which BLAS needs for ``Δ^(q) W^(q)``. All
Ŵ live in one flat vector θ so that the update is a single operation, and every
array is written in place with ``out=``.

Products use ``np.matmul``, not ``np.dot``: on a server where many threads share one
interpreter, ``np.dot`` lets go of the GIL around every BLAS call, however small, and
getting it back can wait for another thread's whole time slice (5 ms), about a hundred
times the product itself. ``np.matmul`` and the element-wise ufuncs keep the GIL on
arrays this small (under ~500 elements), so a mini-batch step runs through.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .activations import Activation
from .mlp import MLP
from .penalty import penalty_grad


class FusedSGD:
    """Flat parameters θ (and gradient, velocity) of a network, plus buffers."""

    def __init__(self, sizes: tuple[int, ...], act: Activation):
        self.sizes = sizes
        self.act = act
        self.L = len(sizes) - 1
        self.shapes = [(m + 1, n) for m, n in itertools.pairwise(sizes)]
        total = sum(r * c for r, c in self.shapes)
        self._tmp = np.zeros(total)
        self._bind(*(np.zeros(total) for _ in range(5)))
        self._bufs: dict[object, dict] = {}
        self._is_tanh = act.name == "tanh"
        self.pen = ("none", 0.0)  # the net's weight penalty (kind, λ), read by load and sync

    def _bind(self, theta, grad, vel, theta_prev, vel_prev) -> None:
        """Keep θ, ∇, v and the rollback point in these flat arrays (each contiguous, of
        θ's size): the per-layer blocks become views into them. Training many networks
        in one pass (_lockstep.py) binds each to a row of its stacked arrays."""
        self.theta, self.grad, self.vel = theta, grad, vel
        self._theta_prev, self._vel_prev = theta_prev, vel_prev
        self.Wt, self.Gt, self.WT = [], [], []
        i = 0
        for r, c in self.shapes:
            self.Wt.append(self.theta[i:i + r * c].reshape(r, c))
            self.Gt.append(self.grad[i:i + r * c].reshape(r, c))
            self.WT.append(self.Wt[-1][:-1].T)  # W^(q) itself, a view, for Δ^(q) W^(q)
            i += r * c

    def arrays(self) -> tuple:
        """(θ, ∇, v, θ before the last update, v before it): what :meth:`_bind` takes."""
        return self.theta, self.grad, self.vel, self._theta_prev, self._vel_prev

    # ------------------------------------------------------------ parameters
    def load(self, net: MLP) -> None:
        """θ ← the network's W, b. Also the rollback point: until the next update a
        rollback restores exactly these weights (and the current velocity)."""
        self.pen = net._penalty
        self._write(net)
        self._snapshot()

    def sync(self, net: MLP) -> bool:
        """θ ← the network's W, b; True if that changed θ (the net was edited since the
        last store), and then those weights are the new rollback point."""
        self.pen = net._penalty
        self._tmp[...] = self.theta  # one flat comparison is cheaper than one per array
        self._write(net)
        if np.array_equal(self.theta, self._tmp):
            return False
        self._snapshot()
        return True

    def _write(self, net: MLP) -> None:
        for q in range(self.L):
            self.Wt[q][:-1] = net.W[q].T
            self.Wt[q][-1] = net.b[q]

    def store(self, net: MLP) -> None:
        for q in range(self.L):
            net.W[q][...] = self.Wt[q][:-1].T
            net.b[q][...] = self.Wt[q][-1]

    def flat_into(self, out: np.ndarray) -> None:
        """out ← θ in ``MLP.get_flat`` order (W^(q) row-major, then b^(q), layer by
        layer), by slices: fancy indexing would let go of the GIL (see above)."""
        i = 0
        for W, Wb in zip(self.WT, self.Wt):
            n, m = W.shape
            out[i:i + n * m].reshape(n, m)[...] = W
            out[i + n * m:i + n * m + n] = Wb[-1]
            i += n * m + n

    def rollback(self) -> None:
        """θ, v ← their values before the last update, or at the last load when no
        update came after it (used when an update made the loss blow up)."""
        self.theta[...] = self._theta_prev
        self.vel[...] = self._vel_prev

    def _snapshot(self) -> None:
        self._theta_prev[...] = self.theta
        self._vel_prev[...] = self.vel

    # ------------------------------------------------------------ buffers
    def buffers(self, key, N: int) -> dict:
        """Buffers for a batch of N rows: Ã^(0…L-1) with their ones column, Z, Δ (kept per
        key and size: an epoch's last, smaller batch does not reallocate the others)."""
        buf = self._bufs.get((key, N))
        if buf is None:
            A = [np.ones((N, n + 1)) for n in self.sizes[:-1]]
            buf = {
                "N": N,
                "A": A,
                "H": [a[:, :-1] for a in A],  # the activations, a view without the ones
                "Z": [np.zeros((N, n)) for n in self.sizes[1:]],
                "D": [np.zeros((N, n)) for n in self.sizes[1:]],
                "T": [np.zeros((N, n)) for n in self.sizes[1:]],
                "Y": np.zeros((N, self.sizes[-1])),
            }
            buf["AT"] = [a.T for a in A]
            self._bufs[(key, N)] = buf
        return buf

    # ------------------------------------------------------------ the math
    def forward(self, buf: dict) -> None:
        """Z^(q) = Ã^(q-1) Ŵ^(q), A^(q) = σ(Z^(q)); Ŷ = Z^(L). Input in buf["H"][0]."""
        A, H, Z = buf["A"], buf["H"], buf["Z"]
        for q in range(self.L):
            np.matmul(A[q], self.Wt[q], out=Z[q])
            if q + 1 < self.L:
                if self._is_tanh:
                    np.tanh(Z[q], out=H[q + 1])
                else:
                    H[q + 1][...] = self.act.sigma(Z[q])

    def backward(self, buf: dict) -> float:
        """Δ^(L) = (2/N)(Ŷ − Y); Δ^(q) = (Δ^(q+1) W^(q+1)) ⊙ σ'(Z^(q));
        [∂L/∂W^(q) | ∂L/∂b^(q)] = Δ^(q)ᵀ Ã^(q-1), written into ``self.grad``.
        Returns the batch loss L."""
        N = buf["N"]
        AT, H, Z, D, T = buf["AT"], buf["H"], buf["Z"], buf["D"], buf["T"]
        last = D[-1]
        np.subtract(Z[-1], buf["Y"], out=last)
        loss = float(np.vdot(last, last)) / N
        last *= 2.0 / N
        for q in range(self.L - 1, -1, -1):
            np.matmul(AT[q], D[q], out=self.Gt[q])
            if q > 0:
                np.matmul(D[q], self.WT[q], out=D[q - 1])
                if self._is_tanh:  # σ'(Z) = 1 − tanh(Z)² = 1 − A², A already computed
                    np.multiply(H[q], H[q], out=T[q - 1])
                    np.subtract(1.0, T[q - 1], out=T[q - 1])
                    D[q - 1] *= T[q - 1]
                else:
                    D[q - 1] *= self.act.dsigma(Z[q - 1])
        if self.pen[1]:
            self.penalize(self.Gt, self.Wt)
        return loss

    def penalize(self, Gt: list, Wt: list) -> None:
        """∂L/∂W^(q) += λ R'(W^(q)) (nncore.penalty) in the weight rows of each Ĝ (not the
        bias row); Gt, Wt may carry a leading axis of stacked networks (_lockstep.py)."""
        for g, w in zip(Gt, Wt):
            g[..., :-1, :] += penalty_grad(w[..., :-1, :], *self.pen)

    def loss(self, buf: dict) -> float:
        """L = (1/N) Σ (Ŷ − Y)² on the batch in ``buf``, the data term (a forward pass
        only; the gradient buffer is left untouched)."""
        self.forward(buf)
        err = buf["D"][-1]
        np.subtract(buf["Z"][-1], buf["Y"], out=err)
        return float(np.vdot(err, err)) / buf["N"]

    def update(self, lr: float, momentum: float) -> None:
        """θ ← θ − γ∇L, or with momentum v ← μv + ∇L, θ ← θ − γv."""
        self._snapshot()  # the pre-step θ, v: what a rollback of this update restores
        if momentum:
            self.vel *= momentum
            self.vel += self.grad
            np.multiply(self.vel, lr, out=self._tmp)
        else:
            np.multiply(self.grad, lr, out=self._tmp)
        self.theta -= self._tmp

    def layer_grad_norms(self) -> list[float]:
        """‖∂L/∂W^(q)‖_F for q = 1 … L from the last backward (bias column excluded)."""
        return [math.sqrt(np.vdot(g[:-1], g[:-1])) for g in self.Gt]
