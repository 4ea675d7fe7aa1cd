"""lab.passdata.compute_pass: every field equals the same quantity computed independently.

The spec (docs/backprop.md): for one sample the column form z = W a + b, δ^(L) = 2(ŷ − y),
δ^(q) = σ'(z^(q)) ⊙ (W^(q+1)ᵀ δ^(q+1)); for a batch the row form Z = A Wᵀ ⊕ bᵀ,
Δ^(L) = (2/N)(Ŷ − Y), Δ^(q) = (Δ^(q+1) W^(q+1)) ⊙ σ'(Z^(q)), ∂L/∂W = Δᵀ A, ∂L/∂b = 1ᵀ Δ;
then one SGD step θ ← θ − γ∇L. Each test computes a field a second way (nncore called
directly, or plain numpy written from the formulas) and compares.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from lab.passdata import PassData, compute_pass
from nncore import MLP

ACTIVATIONS = ("tanh", "sigmoid", "relu", "identity")
SEEDS = (0, 3, 7)
LR = 0.1
DOC = Path(__file__).resolve().parents[1] / "docs" / "backprop.md"


def _data(seed: int, n: int = 20):
    rng = np.random.default_rng(100 + seed)
    X = rng.normal(scale=1.5, size=(n, 2))
    Y = rng.normal(size=(n, 2))
    return X, Y


def _net(seed: int, activation: str) -> MLP:
    net = MLP((2, 3, 4, 2), activation, seed=seed)
    # non-zero biases, so a b ↔ 0 mix-up cannot hide
    rng = np.random.default_rng(seed)
    for v in net.b:
        v[:] = rng.normal(scale=0.3, size=v.shape)
    return net


def _batch_indices(seed: int, N: int) -> np.ndarray:
    return np.random.default_rng(seed).choice(20, size=N, replace=False)


CASES = [(seed, act) for seed in SEEDS for act in ACTIVATIONS]


# ---------------------------------------------------------------- plain numpy reference
def _sigma(activation: str, z):
    return {"tanh": np.tanh, "sigmoid": lambda t: 1.0 / (1.0 + np.exp(-t)),
            "relu": lambda t: np.maximum(t, 0.0), "identity": lambda t: t}[activation](z)


def _dsigma(activation: str, z):
    if activation == "tanh":
        return 1.0 - np.tanh(z) ** 2
    if activation == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-z))
        return s * (1.0 - s)
    if activation == "relu":
        return (z > 0).astype(float)
    return np.ones_like(z)


def _reference_batch(W, b, activation, X, Y):
    """The row-form equations written out directly, no nncore."""
    L, N = len(W), X.shape[0]
    A, Z = [X], []
    for q in range(L):
        Zq = A[q] @ W[q].T + b[q][None, :]          # Z^(q) = A^(q-1) W^(q)ᵀ ⊕ b^(q)ᵀ
        Z.append(Zq)
        A.append(Zq if q == L - 1 else _sigma(activation, Zq))
    loss = np.ones(N) @ ((A[L] - Y) * (A[L] - Y)) @ np.ones(Y.shape[1]) / N
    D = [None] * L
    D[L - 1] = 2.0 / N * (A[L] - Y)
    for q in range(L - 2, -1, -1):
        D[q] = (D[q + 1] @ W[q + 1]) * _dsigma(activation, Z[q])
    dW = [D[q].T @ A[q] for q in range(L)]
    db = [np.ones(N) @ D[q] for q in range(L)]
    return Z, A, D, loss, dW, db


def _reference_sample(W, b, activation, x, y):
    """The column-form equations with explicit index sums (z_i = b_i + Σ_j w_ij a_j)."""
    L = len(W)
    a, z = [np.asarray(x, float)], []
    for q in range(L):
        zq = np.array([b[q][i] + sum(W[q][i, j] * a[q][j] for j in range(W[q].shape[1]))
                       for i in range(W[q].shape[0])])
        z.append(zq)
        a.append(zq if q == L - 1 else _sigma(activation, zq))
    loss = sum((a[L][l] - y[l]) ** 2 for l in range(len(y)))
    d = [None] * L
    d[L - 1] = 2.0 * (a[L] - y)
    for q in range(L - 2, -1, -1):
        d[q] = _dsigma(activation, z[q]) * np.array(
            [sum(W[q + 1][m, k] * d[q + 1][m] for m in range(W[q + 1].shape[0]))
             for k in range(W[q + 1].shape[1])])
    dW = [np.outer(d[q], a[q]) for q in range(L)]
    return z, a, d, loss, dW


# ---------------------------------------------------------------- one sample
@pytest.mark.parametrize(("seed", "activation"), CASES)
def test_sample_pass_equals_nncore_column_form(seed, activation):
    """Every field of the per-sample pass is nncore's forward_sample / backward_sample."""
    net = _net(seed, activation)
    X, Y = _data(seed)
    i = 5 + seed
    p = compute_pass(net, X, Y, [i], LR, "sample")
    f = net.forward_sample(X[i])
    g = net.backward_sample(f, Y[i])

    assert isinstance(p, PassData)
    assert p.form == "sample" and p.N == 1 and p.L == 3
    np.testing.assert_array_equal(p.indices, [i])
    np.testing.assert_array_equal(p.X, X[[i]])
    np.testing.assert_array_equal(p.Y, Y[[i]])
    assert len(p.Z) == 3 and len(p.A) == 4 and len(p.delta) == 3 and len(p.dsigma) == 2
    for q in range(1, 4):
        np.testing.assert_array_equal(p.Z[q - 1], f.z[q - 1].T)   # (1, n_q) row of z^(q)
        np.testing.assert_array_equal(p.delta[q - 1], g.delta[q - 1].T)
        np.testing.assert_array_equal(p.dW[q - 1], g.dW[q - 1])
        np.testing.assert_array_equal(p.db[q - 1], g.db[q - 1][:, 0])
        assert p.Z[q - 1].shape == (1, net.sizes[q])
        assert p.dW[q - 1].shape == net.W[q - 1].shape
        assert p.db[q - 1].shape == net.b[q - 1].shape
    for q in range(4):
        np.testing.assert_array_equal(p.A[q], f.a[q].T)
    for q in range(1, 3):
        np.testing.assert_array_equal(p.dsigma[q - 1], net.act.dsigma(f.z[q - 1]).T)
    assert p.loss == g.loss
    assert p.sample_dW is None
    assert p.activation == activation and p.lr == LR


@pytest.mark.parametrize(("seed", "activation"), CASES)
def test_sample_pass_equals_index_form_by_hand(seed, activation):
    """The per-sample pass equals z_i = b_i + Σ_j w_ij a_j, δ = σ' ⊙ Σ w δ, computed in loops."""
    net = _net(seed, activation)
    X, Y = _data(seed)
    i = 2 * seed + 1
    p = compute_pass(net, X, Y, [i], LR, "sample")
    z, a, d, loss, dW = _reference_sample(net.W, net.b, activation, X[i], Y[i])
    for q in range(3):
        np.testing.assert_allclose(p.Z[q][0], z[q], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(p.A[q + 1][0], a[q + 1], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(p.delta[q][0], d[q], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(p.db[q], d[q], rtol=1e-12, atol=1e-14)   # ∂L/∂b = δ
        np.testing.assert_allclose(p.dW[q], dW[q], rtol=1e-12, atol=1e-14)  # ∂L/∂W = δ aᵀ
    for q in range(2):
        np.testing.assert_allclose(p.dsigma[q][0], _dsigma(activation, z[q]), rtol=1e-12,
                                   atol=1e-14)
    np.testing.assert_allclose(p.loss, loss, rtol=1e-12)
    # the output error signal is 2(ŷ − y): no ½ in the loss
    np.testing.assert_allclose(p.delta[2][0], 2.0 * (p.A[3][0] - Y[i]), rtol=1e-12)


# ---------------------------------------------------------------- mini-batch
@pytest.mark.parametrize("N", [2, 3, 5, 8])
@pytest.mark.parametrize(("seed", "activation"), CASES)
def test_batch_pass_equals_nncore_row_form(seed, activation, N):
    """Every field of the batch pass is nncore's forward / backward on the rows X[indices]."""
    net = _net(seed, activation)
    X, Y = _data(seed)
    idx = _batch_indices(seed + N, N)
    p = compute_pass(net, X, Y, idx, LR, "batch")
    f = net.forward(X[idx])
    g = net.backward(f, Y[idx])

    assert p.form == "batch" and p.N == N and p.L == 3
    np.testing.assert_array_equal(p.indices, idx)
    np.testing.assert_array_equal(p.X, X[idx])
    np.testing.assert_array_equal(p.Y, Y[idx])
    for q in range(1, 4):
        np.testing.assert_array_equal(p.Z[q - 1], f.Z[q - 1])
        np.testing.assert_array_equal(p.delta[q - 1], g.delta[q - 1])
        np.testing.assert_array_equal(p.dW[q - 1], g.dW[q - 1])
        np.testing.assert_array_equal(p.db[q - 1], g.db[q - 1])
        assert p.Z[q - 1].shape == (N, net.sizes[q])
        assert p.delta[q - 1].shape == (N, net.sizes[q])
    for q in range(4):
        np.testing.assert_array_equal(p.A[q], f.A[q])
    for q in range(1, 3):
        np.testing.assert_array_equal(p.dsigma[q - 1], net.act.dsigma(f.Z[q - 1]))
    assert p.loss == g.loss
    np.testing.assert_allclose(p.loss, net.loss(X[idx], Y[idx]), rtol=1e-12)


@pytest.mark.parametrize("N", [2, 4, 8])
@pytest.mark.parametrize(("seed", "activation"), CASES)
def test_batch_pass_equals_plain_numpy_formulas(seed, activation, N):
    """The batch pass equals the row-form equations written out in numpy (no nncore)."""
    net = _net(seed, activation)
    X, Y = _data(seed)
    idx = _batch_indices(seed + 10 * N, N)
    p = compute_pass(net, X, Y, idx, LR, "batch")
    Z, A, D, loss, dW, db = _reference_batch(net.W, net.b, activation, X[idx], Y[idx])
    tol = {"rtol": 1e-12, "atol": 1e-14}
    for q in range(3):
        np.testing.assert_allclose(p.Z[q], Z[q], **tol)
        np.testing.assert_allclose(p.A[q + 1], A[q + 1], **tol)
        np.testing.assert_allclose(p.delta[q], D[q], **tol)
        np.testing.assert_allclose(p.dW[q], dW[q], **tol)
        np.testing.assert_allclose(p.db[q], db[q], **tol)
    for q in range(2):
        np.testing.assert_allclose(p.dsigma[q], _dsigma(activation, Z[q]), **tol)
    np.testing.assert_allclose(p.loss, loss, rtol=1e-12)
    # Δ^(L) = (2/N)(Ŷ − Y): the 2 of the square and the 1/N of the mean
    np.testing.assert_allclose(p.delta[2], 2.0 / N * (p.A[3] - p.Y), rtol=1e-12)


@pytest.mark.parametrize("N", [2, 5, 8])
@pytest.mark.parametrize(("seed", "activation"), CASES)
def test_batch_gradient_is_mean_of_sample_gradients(seed, activation, N):
    """sample_dW holds each row's own ∂ℓ_n/∂W (backward_sample) and their mean is dW."""
    net = _net(seed, activation)
    X, Y = _data(seed)
    idx = _batch_indices(seed + 3 * N, N)
    p = compute_pass(net, X, Y, idx, LR, "batch")
    assert p.sample_dW is not None and len(p.sample_dW) == N
    for n, i in enumerate(idx):
        own = net.backward_sample(net.forward_sample(X[i]), Y[i]).dW
        assert len(p.sample_dW[n]) == 3
        for q in range(3):
            np.testing.assert_array_equal(p.sample_dW[n][q], own[q])
    for q in range(3):
        mean = np.mean([s[q] for s in p.sample_dW], axis=0)
        np.testing.assert_allclose(mean, p.dW[q], rtol=1e-10, atol=1e-14)
    # and the per-sample losses average to the batch loss
    losses = [net.backward_sample(net.forward_sample(X[i]), Y[i]).loss for i in idx]
    np.testing.assert_allclose(np.mean(losses), p.loss, rtol=1e-12)


# ---------------------------------------------------------------- the update
@pytest.mark.parametrize("form", ["sample", "batch"])
@pytest.mark.parametrize(("seed", "activation"), CASES)
@pytest.mark.parametrize("lr", [0.1, 0.5])
def test_update_is_old_minus_lr_times_gradient(seed, activation, form, lr):
    """W_new = W − γ ∂L/∂W and b_new = b − γ ∂L/∂b, exactly, with the gradient from nncore."""
    net = _net(seed, activation)
    X, Y = _data(seed)
    idx = [4] if form == "sample" else _batch_indices(seed, 4)
    p = compute_pass(net, X, Y, idx, lr, form)
    g = net.gradients(X[idx], Y[idx])   # the batch form; for N = 1 it is the sample's gradient
    for q in range(3):
        np.testing.assert_array_equal(p.W[q], net.W[q])
        np.testing.assert_array_equal(p.b[q], net.b[q])
        np.testing.assert_allclose(p.dW[q], g.dW[q], rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(p.W_new[q], net.W[q] - lr * p.dW[q])
        np.testing.assert_array_equal(p.b_new[q], net.b[q] - lr * p.db[q])
        np.testing.assert_allclose(p.W_new[q], net.W[q] - lr * g.dW[q], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(p.b_new[q], net.b[q] - lr * g.db[q], rtol=1e-12, atol=1e-14)
        assert p.W_new[q].shape == net.W[q].shape and p.b_new[q].shape == net.b[q].shape
    assert p.lr == lr
    # the step moved the output bias (its gradient δ^(L) = 2(ŷ − y) is never zero here)
    assert not np.array_equal(p.b_new[2], p.b[2])


@pytest.mark.parametrize("form", ["sample", "batch"])
@pytest.mark.parametrize(("seed", "activation"), CASES)
def test_small_step_lowers_the_loss(seed, activation, form):
    """θ ← θ − γ∇L goes downhill: with a small γ the new parameters have a lower loss."""
    net = _net(seed, activation)
    X, Y = _data(seed)
    idx = [7] if form == "sample" else _batch_indices(seed, 6)
    p = compute_pass(net, X, Y, idx, 1e-3, form)
    after = MLP.from_params(p.W_new, p.b_new, activation)
    before = net.loss(X[idx], Y[idx])
    assert before == pytest.approx(p.loss, rel=1e-12)
    assert after.loss(X[idx], Y[idx]) < before


# ---------------------------------------------------------------- node values
@pytest.mark.parametrize(("seed", "activation"), CASES)
def test_node_values_batch_are_means_and_delta_sum(seed, activation):
    """Batch: nodes show the mean of z and a over the rows, and δ summed over rows = ∂L/∂b."""
    net = _net(seed, activation)
    X, Y = _data(seed)
    idx = _batch_indices(seed, 5)
    p = compute_pass(net, X, Y, idx, LR, "batch")
    f = net.forward(X[idx])
    g = net.backward(f, Y[idx])
    np.testing.assert_allclose(p.node_values("a", 0), X[idx].mean(axis=0), rtol=1e-12)
    for q in range(1, 4):
        np.testing.assert_allclose(p.node_values("z", q), f.Z[q - 1].mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(p.node_values("a", q), f.A[q].mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(p.node_values("delta", q), g.db[q - 1], rtol=1e-12,
                                   atol=1e-15)
        # 1ᵀΔ^(q) is the mean of the samples' own δ^(q)
        own = [net.backward_sample(net.forward_sample(X[i]), Y[i]).delta[q - 1][:, 0]
               for i in idx]
        np.testing.assert_allclose(p.node_values("delta", q), np.mean(own, axis=0),
                                   rtol=1e-10, atol=1e-14)
        assert p.node_values("z", q).shape == (net.sizes[q],)


@pytest.mark.parametrize(("seed", "activation"), CASES[:4])
def test_node_values_sample_are_the_sample_own(seed, activation):
    net = _net(seed, activation)
    X, Y = _data(seed)
    p = compute_pass(net, X, Y, [3], LR, "sample")
    f = net.forward_sample(X[3])
    g = net.backward_sample(f, Y[3])
    np.testing.assert_array_equal(p.node_values("a", 0), X[3])
    for q in range(1, 4):
        np.testing.assert_array_equal(p.node_values("z", q), f.z[q - 1][:, 0])
        np.testing.assert_array_equal(p.node_values("a", q), f.a[q][:, 0])
        np.testing.assert_array_equal(p.node_values("delta", q), g.delta[q - 1][:, 0])
    with pytest.raises(ValueError, match="kind"):
        p.node_values("w", 1)


# ---------------------------------------------------------------- purity and errors
@pytest.mark.parametrize("form", ["sample", "batch"])
def test_pass_does_not_modify_the_net(form):
    net = _net(3, "tanh")
    W0, b0 = [w.copy() for w in net.W], [v.copy() for v in net.b]
    X, Y = _data(3)
    X0, Y0 = X.copy(), Y.copy()
    idx = [2] if form == "sample" else [1, 2, 3]
    p = compute_pass(net, X, Y, idx, 0.5, form)
    for q in range(3):
        np.testing.assert_array_equal(net.W[q], W0[q])
        np.testing.assert_array_equal(net.b[q], b0[q])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    # the pass keeps its own copies: changing the net later does not change it
    net.W[0][0, 0] += 1.0
    net.b[0][0] += 1.0
    assert p.W[0][0, 0] == W0[0][0, 0] and p.b[0][0] == b0[0][0]


def test_bad_form_or_index_count_raise_value_error():
    net = _net(0, "tanh")
    X, Y = _data(0)
    with pytest.raises(ValueError, match="form"):
        compute_pass(net, X, Y, [0], LR, "rows")
    with pytest.raises(ValueError, match="form"):
        compute_pass(net, X, Y, [0, 1], LR, "Batch")
    with pytest.raises(ValueError, match="one index"):
        compute_pass(net, X, Y, [0, 1], LR, "sample")
    with pytest.raises(ValueError, match="one index"):
        compute_pass(net, X, Y, [], LR, "sample")
    # a bare int is one index
    assert compute_pass(net, X, Y, 4, LR, "sample").N == 1


# ---------------------------------------------------------------- the doc's worked example
def _doc_example() -> dict[str, list[float]]:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- worked-example:start -->\s*```text\n(.*?)```", text, re.DOTALL)
    assert block, "docs/backprop.md has no worked-example block"
    values = {}
    for line in block.group(1).splitlines():
        name, _, rhs = line.partition("=")
        values[name.strip()] = [float(t) for t in rhs.replace("/", " ").split()]
    return values


def test_doc_worked_example_matches_nncore():
    """Every number of the worked example in docs/backprop.md is nncore's, to 4 decimals."""
    ex = _doc_example()
    net = MLP((2, 3, 4, 2), "tanh", seed=0)
    x, y, lr = np.array([1.0, -0.5]), np.array([1.0, 0.0]), 0.1
    s = net.forward_sample(x)
    g = net.backward_sample(s, y)
    after = MLP.from_params([w - lr * d for w, d in zip(net.W, g.dW)],
                            [v - lr * d[:, 0] for v, d in zip(net.b, g.db)])
    expected = {
        "x": x, "y": y, "yhat": s.a[3], "loss": g.loss,
        "W(3)T delta(3)": net.W[2].T @ g.delta[2], "W(2)T delta(2)": net.W[1].T @ g.delta[1],
        "W(3) new": net.W[2] - lr * g.dW[2], "b(3) new": net.b[2] - lr * g.db[2][:, 0],
        "loss after": after.backward_sample(after.forward_sample(x), y).loss,
    }
    for q in (1, 2, 3):
        expected[f"W({q})"] = net.W[q - 1]
        expected[f"delta({q})"] = g.delta[q - 1]
        expected[f"dW({q})"] = g.dW[q - 1]
    for q in (1, 2):
        expected[f"z({q})"] = s.z[q - 1]
        expected[f"a({q})"] = s.a[q]
        expected[f"dsigma({q})"] = 1.0 - np.tanh(s.z[q - 1]) ** 2
    assert set(ex) == set(expected)
    for name, value in expected.items():
        want = np.round(np.ravel(value), 4)
        np.testing.assert_allclose(ex[name], want, atol=1e-9, err_msg=name)
