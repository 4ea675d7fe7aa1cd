"""nncore beyond the derivation's 2-3-4-2 net: feature inputs, weight penalties (L1, L2),
regression sets, any depth; checked against hand-computed numbers, against central
finite differences (relative error ≤ 1e-7), and the fast paths against the plain ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nncore import FEATURES, MLP, REGULARIZATIONS, Trainer, datasets, features, gradient_check
from nncore._lockstep import trace_many
from nncore.penalty import MAX_RATE, check_penalty

# ----------------------------------------------------------------- features


def test_features_by_hand():
    X = np.array([[0.5, -2.0], [3.0, 0.25]])
    got = features.expand(X, FEATURES)
    want = np.array([[0.5, -2.0, 0.25, 4.0, -1.0, math.sin(0.5), math.sin(-2.0)],
                     [3.0, 0.25, 9.0, 0.0625, 0.75, math.sin(3.0), math.sin(0.25)]])
    assert got.shape == (2, 7) and np.array_equal(got, want)
    # a subset keeps FEATURES' order whatever order it is given in
    assert features.check_features(["sin2", "x1"]) == ("x1", "sin2")
    assert np.array_equal(features.expand(X, ["x1x2", "x2"]),
                          np.column_stack([X[:, 1], X[:, 0] * X[:, 1]]))
    assert np.array_equal(features.expand(X), X)  # the default: the point itself


@pytest.mark.parametrize("bad, says", [
    ([], "at least one"), (["x1", "x1"], "once"), (["x3"], "unknown feature 'x3'"),
    ("x1", "sequence"), (None, "sequence"), ([1], "unknown feature 1"),
])
def test_features_refused_with_a_reason(bad, says):
    with pytest.raises(ValueError, match=says):
        features.expand(np.zeros((1, 2)), bad)


# ----------------------------------------------------------------- penalties


def one_weight_net(w, b, kind, lam):
    return MLP.from_params([np.array([[w]])], [np.array([b])], regularization=kind,
                           reg_rate=lam)


@pytest.mark.parametrize("kind", ["L1", "L2"])
def test_penalty_by_hand(kind):
    # ŷ = w x + b on two samples; L = (1/2) Σ (ŷ − y)² + λ R(w)
    w, b, lam = -0.75, 0.5, 0.2
    x, y = np.array([[1.0], [2.0]]), np.array([[0.0], [1.0]])
    net = one_weight_net(w, b, kind, lam)
    err = (w * x[:, 0] + b) - y[:, 0]  # (−0.25, −2.0)
    data = float(np.mean(err ** 2))  # (0.0625 + 4) / 2
    R = abs(w) if kind == "L1" else w * w
    dR = math.copysign(1.0, w) if kind == "L1" else 2.0 * w
    g = net.gradients(x, y)
    assert g.loss == pytest.approx(2.03125 + lam * R, rel=1e-15)
    assert data == 2.03125
    assert g.dW[0][0, 0] == pytest.approx(np.mean(2 * err * x[:, 0]) + lam * dR, rel=1e-15)
    assert g.db[0][0] == pytest.approx(np.mean(2 * err), rel=1e-15)  # biases: no penalty
    # δ is the derivation's: the penalty has no z in it
    plain = one_weight_net(w, b, "none", 0.0).gradients(x, y)
    assert np.array_equal(g.delta[0], plain.delta[0])
    assert net.loss(x, y) == g.loss and net.data_loss(x, y) == data
    assert net.penalty() == pytest.approx(lam * R)


def test_a_penalty_of_none_is_the_derivation_bit_for_bit():
    X, Y = datasets.make("moons", n=40, seed=1)
    a = MLP(seed=3)
    b = MLP(seed=3, regularization="L2", reg_rate=0.0)
    ga, gb = a.gradients(X, Y), b.gradients(X, Y)
    assert ga.flat().tobytes() == gb.flat().tobytes() and ga.loss == gb.loss


@pytest.mark.parametrize("kind, rate, says", [
    ("L3", 0.1, "one of none, L1, L2"), ("none", 0.1, "must be 0 without"),
    ("L2", -1e-3, "reg_rate must be"), ("L2", math.nan, "reg_rate must be"),
    ("L1", MAX_RATE * 2, "reg_rate must be"), (None, 0.0, "one of"),
])
def test_penalty_refused_with_a_reason(kind, rate, says):
    with pytest.raises(ValueError, match=says):
        check_penalty(kind, rate)
    with pytest.raises(ValueError, match=says):
        MLP(regularization=kind, reg_rate=rate)


def test_sample_gradients_average_to_the_batch_gradient_with_a_penalty():
    X, Y = datasets.make("xor", n=6, seed=2)
    net = MLP((2, 5, 3, 2), "sigmoid", seed=1, regularization="L1", reg_rate=0.03)
    g = net.gradients(X, Y)
    samples = [net.backward_sample(net.forward_sample(x), y) for x, y in zip(X, Y)]
    for q in range(net.L):
        assert np.allclose(np.mean([s.dW[q] for s in samples], axis=0), g.dW[q],
                           rtol=1e-12, atol=1e-15)
    assert np.mean([s.loss for s in samples]) == pytest.approx(g.loss, rel=1e-12)


@pytest.mark.parametrize("act, near", [("tanh", 5e-4), ("tanh", 2e-3), ("tanh", 3.5e-3),
                                       ("relu", 5e-5), ("relu", 1.5e-4)])
def test_l1_at_its_kink(act, near):
    """At w = 0 exactly the check measures (and backprop uses) the subgradient 0; a weight
    so near 0 that the steps (to 4h) cross it cannot be measured: unresolvable, never a
    fail."""
    X, Y = datasets.make("circles", n=12, seed=0)
    net = MLP((2, 3, 2), act, seed=0, regularization="L1", reg_rate=0.05)
    net.W[0][0, 0] = 0.0
    net.W[0][1, 1] = near
    check = gradient_check(net, X, Y)
    rows = {r.name: r for r in check.rows}
    plain = MLP.from_params(net.W, net.b, act).gradients(X, Y)
    assert rows["W(1)[1,1]"].backprop == plain.dW[0][0, 0]
    assert rows["W(1)[1,1]"].status == "pass"
    assert rows["W(1)[2,2]"].status == "unresolvable"
    assert check.passed and check.max_rel_error <= 1e-7


# ------------------------------------------------- random shapes, checked numerically

shape = st.tuples(
    st.lists(st.integers(1, 8), min_size=0, max_size=4),  # hidden widths
    st.lists(st.sampled_from(FEATURES), min_size=1, max_size=7, unique=True),
    st.sampled_from(["tanh", "sigmoid", "relu"]),
    st.sampled_from(REGULARIZATIONS),
    st.sampled_from([0.001, 0.03, 0.3]),
    st.sampled_from(["xor", "spiral", "plane", "gauss"]),
    st.integers(0, 5),
)


def build(hidden, feats, act, kind, lam, data, seed, n=10):
    X2, Y = datasets.make(data, n=n, noise=0.1, seed=seed)
    X = features.expand(X2, feats)
    sizes = (X.shape[1], *hidden, Y.shape[1])
    net = MLP(sizes, act, seed=seed, regularization=kind, reg_rate=lam if kind != "none" else 0)
    return net, X, Y


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(s=shape)
def test_any_shape_backprop_equals_finite_differences(s):
    net, X, Y = build(*s)
    check = gradient_check(net, X, Y)
    assert check.n_fail == 0, [r for r in check.rows if r.status == "fail"][:3]
    assert check.passed, check.verdict
    assert check.max_rel_error <= 1e-7
    # and the trainer's fast path takes the same step (one step on all rows: the
    # shuffled row order changes only the order of the sums)
    t = Trainer(net.copy(), X, Y, lr=0.1, batch_size=X.shape[0], momentum=0.0)
    t.step(1)
    if not t.diverged:
        want = net.get_flat() - 0.1 * check_grad(net, X, Y)
        assert np.allclose(t.net.get_flat(), want, rtol=1e-10, atol=1e-13)


def check_grad(net, X, Y):
    return net.gradients(X, Y).flat()


@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(st.tuples(shape, st.integers(0, 25)), min_size=2, max_size=5))
def test_trace_many_with_penalties_and_regression_is_each_own_trace(specs):
    def trainer(s):
        net, X, Y = build(*s, n=30)
        return Trainer(net, X[:21], Y[:21], X[21:], Y[21:], lr=0.1, batch_size=4,
                       momentum=0.9, seed=s[-1])
    alone = [trainer(s) for s, _ in specs]
    together = [trainer(s) for s, _ in specs]
    want = [t.trace(n, 2) for t, (_, n) in zip(alone, specs)]
    got = trace_many([(t, n, 2, None) for t, (_, n) in zip(together, specs)])
    for a, b, ta, tb in zip(want, got, alone, together):
        assert a.theta.tobytes() == b.theta.tobytes()
        assert repr(a.metrics) == repr(b.metrics)
        assert ta._f.vel.tobytes() == tb._f.vel.tobytes()


def test_trainer_step_is_sgd_on_the_penalized_loss():
    X, Y = datasets.make("gaussians", n=20, seed=4)
    net = MLP((2, 4, 2), seed=2, regularization="L2", reg_rate=0.05)
    ref = net.copy()
    t = Trainer(net, X, Y, lr=0.2, batch_size=20, momentum=0.0, seed=0)
    t.step(1)
    g = ref.gradients(X, Y)
    assert np.allclose(net.get_flat(), ref.get_flat() - 0.2 * g.flat(), rtol=0, atol=1e-14)
    # the history's losses are the data term (the curves compare runs with any λ)
    assert t.latest["train_loss"] == pytest.approx(net.data_loss(X, Y), rel=1e-12)


def test_l2_shrinks_weights_and_l1_zeroes_some():
    X, Y = datasets.make("gaussians", n=200, seed=0)
    norms = {}
    for kind, lam in (("none", 0.0), ("L2", 0.05), ("L1", 0.05)):
        net = MLP((2, 8, 8, 2), seed=0, regularization=kind, reg_rate=lam)
        Trainer(net, X, Y, lr=0.05, batch_size=20, momentum=0.9, seed=0).step(600)
        norms[kind] = sum(float(np.abs(w).sum()) for w in net.W)
        if kind == "L1":
            small = sum(int(np.count_nonzero(np.abs(w) < 0.01)) for w in net.W)
    assert norms["L2"] < 0.6 * norms["none"] and norms["L1"] < 0.6 * norms["none"]
    assert small >= 10  # L1 drives many of the 96 weights to (about) zero


# ----------------------------------------------------------------- regression


@pytest.mark.parametrize("name", datasets.REGRESSION)
def test_regression_sets(name):
    X, Y = datasets.make(name, n=300, noise=0.0, seed=1)
    assert X.shape == (300, 2) and Y.shape == (300, 1)
    assert datasets.is_regression(name) and not datasets.is_regression("xor")
    assert np.all(np.abs(X) <= 1) and np.all(np.abs(Y) <= 1)
    if name == "plane":
        assert np.allclose(Y[:, 0], X.sum(axis=1) / 2, atol=1e-15)
    else:  # the bumps: +1 near (0.5, 0.5), −1 near (0.5, −0.5)
        near = np.abs(X - [0.5, 0.5]).max(axis=1) < 0.1
        far = np.abs(X - [0.5, -0.5]).max(axis=1) < 0.1
        assert Y[near, 0].min() > 0.8 and Y[far, 0].max() < -0.8
    same = datasets.make(name, n=300, noise=0.0, seed=1)
    assert np.array_equal(same[0], X) and np.array_equal(same[1], Y)
    noisy = datasets.make(name, n=300, noise=0.1, seed=1)
    assert np.array_equal(noisy[1], Y) and not np.array_equal(noisy[0], X)


def test_a_network_learns_each_regression_set_and_has_no_accuracy():
    for name, goal in (("plane", 0.002), ("gauss", 0.03)):
        X, Y = datasets.make(name, n=400, noise=0.0, seed=0)
        net = MLP((2, 8, 8, 1), seed=0)
        t = Trainer(net, X[:300], Y[:300], X[300:], Y[300:], lr=0.05, batch_size=16,
                    momentum=0.9, seed=0)
        before = t.latest["test_loss"]
        t.step(6000)
        assert t.latest["test_loss"] < min(goal, before / 10), name
        assert math.isnan(t.latest["train_acc"]) and math.isnan(t.latest["test_acc"])


@pytest.mark.parametrize("kind", ["L1", "L2"])
def test_trace_many_stacks_penalized_deep_networks_bit_for_bit(kind, monkeypatch):
    """Three trainers of one shape and penalty go through the stacked path (a group of 3),
    and each gets exactly its own trace."""
    import nncore._lockstep as lockstep

    groups = []
    real = lockstep._together
    monkeypatch.setattr(lockstep, "_together", lambda jobs: groups.append(len(jobs)) or real(jobs))

    def trainer(seed):
        X2, Y = datasets.make("moons", n=60, seed=seed)
        X = features.expand(X2, ("x1", "x2", "x1x2"))
        net = MLP((3, 5, 4, 2), "tanh", seed=seed, regularization=kind, reg_rate=0.01)
        return Trainer(net, X[:40], Y[:40], X[40:], Y[40:], lr=0.2, batch_size=8,
                       momentum=0.9, seed=seed)
    alone = [trainer(s) for s in range(3)]
    together = [trainer(s) for s in range(3)]
    want = [t.trace(30, 3) for t in alone]
    got = trace_many([(t, 30, 3, None) for t in together])
    assert groups == [3]
    for a, b, ta, tb in zip(want, got, alone, together):
        assert a.theta.tobytes() == b.theta.tobytes() and repr(a.metrics) == repr(b.metrics)
        assert ta._f.vel.tobytes() == tb._f.vel.tobytes()
