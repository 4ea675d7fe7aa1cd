"""Training: the fused hot path equals the derivation's equations; SGD, epochs, history, divergence."""

import numpy as np
import pytest

from nncore import (
    ACTIVATIONS,
    DEFAULTS,
    MLP,
    Trainer,
    datasets,
    divergence_message,
    sgd_update,
    train,
)


def data(name="xor", n=100, seed=0):
    X, Y = datasets.make(name, n=n, noise=0.1, seed=seed)
    return datasets.split(X, Y, test_fraction=0.3, seed=seed)


def reference_epoch_steps(net, X, Y, lr, batch_size, momentum, rng, velocity):
    """The derivation's equations, readable: forward, backward, θ ← θ − γ v per mini-batch."""
    perm = rng.permutation(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        idx = perm[start:start + batch_size]
        g = net.gradients(X[idx], Y[idx])
        for q in range(net.L):
            for P, G, key in ((net.W, g.dW, ("W", q)), (net.b, g.db, ("b", q))):
                velocity[key] = momentum * velocity.get(key, 0.0) + G[q]
                P[q] -= lr * velocity[key]


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize(("batch_size", "momentum"), [(1, 0.0), (16, 0.9), (70, 0.5), (13, 0.0)])
def test_fused_training_equals_seed_form(activation, batch_size, momentum):
    (X, Y), _ = data()
    fast = MLP(seed=2, activation=activation)
    slow = fast.copy()
    t = Trainer(fast, X, Y, lr=0.05, batch_size=batch_size, momentum=momentum, seed=4)
    rng = np.random.default_rng(4)
    velocity = {}
    for _ in range(3):  # three epochs; 13 does not divide 70, so partial batches too
        t.step_epoch()
        reference_epoch_steps(slow, X, Y, 0.05, batch_size, momentum, rng, velocity)
    for a, b in zip(fast.W + fast.b, slow.W + slow.b):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_sgd_update_is_theta_minus_lr_gradient():
    net = MLP(seed=0)
    X, Y = np.array([[0.5, -0.5]]), np.array([[1.0, 0.0]])
    before = net.get_flat()
    g = net.gradients(X, Y)
    sgd_update(net, g, lr=0.25)
    np.testing.assert_array_equal(net.get_flat(), before - 0.25 * g.flat())


def test_step_counts_and_epochs():
    (X, Y), _ = data(n=100)  # 70 training rows
    t = Trainer(MLP(seed=0), X, Y, batch_size=16, seed=0)
    assert t.step(3) == 3 and t.steps == 3 and t.epoch == 0
    assert t.step_epoch() == 2  # 48 rows done; batches of 16 and 6 finish the epoch
    assert t.epoch == 1 and t.steps == 5 and t.epoch_progress == 0.0
    assert t.step_epoch() == 5 and t.epoch == 2
    assert len(t.history.train_loss) == 2 and t.history.epoch == [1, 2]


def test_same_seed_same_weights_bit_for_bit():
    (X, Y), _ = data()
    a, b = MLP(seed=3), MLP(seed=3)
    train(a, X, Y, epochs=5, seed=9)
    train(b, X, Y, epochs=5, seed=9)
    c = MLP(seed=3)
    train(c, X, Y, epochs=5, seed=10)
    assert all(np.array_equal(p, r) for p, r in zip(a.W + a.b, b.W + b.b))
    assert not np.array_equal(a.W[0], c.W[0])  # the seed moves the shuffling


@pytest.mark.parametrize("name", datasets.NAMES)
def test_loss_falls_on_every_dataset(name):
    (X, Y), _ = data(name, n=200)
    net = MLP(seed=0)
    start = net.loss(X, Y)
    hist = train(net, X, Y, epochs=30)
    assert len(hist.train_loss) == 30
    assert hist.train_loss[-1] < 0.8 * start
    assert net.loss(X, Y) == pytest.approx(hist.train_loss[-1], rel=1e-12)


@pytest.mark.parametrize("name", ["xor", "circles", "moons", "gaussians"])
def test_defaults_reach_95_percent_test_accuracy(name):
    X, Y = datasets.make(name, n=400, noise=0.1, seed=0)
    (Xtr, Ytr), (Xte, Yte) = datasets.split(X, Y, test_fraction=0.3, seed=0)
    net = MLP(sizes=(2, 3, 4, 2), activation="tanh", seed=0)
    hist = train(net, Xtr, Ytr, X_test=Xte, Y_test=Yte)
    assert len(hist.train_loss) == DEFAULTS.epochs and not hist.diverged
    predicted = np.argmax(net.predict(Xte), axis=1)
    accuracy = np.mean(predicted == np.argmax(Yte, axis=1))
    assert accuracy >= 0.95
    assert hist.test_acc[-1] == pytest.approx(accuracy)


def test_history_stays_bounded():
    (X, Y), _ = data(n=20)
    t = Trainer(MLP(seed=0), X, Y, batch_size=14, max_history=10, seed=0)
    for _ in range(100):
        t.step_epoch()
    h = t.history
    assert t.epoch == 100
    assert len(h.epoch) <= 10 and h.stride > 1
    assert all(len(s) == len(h.epoch) for s in (h.train_loss, h.train_acc, h.grad_norm))
    assert h.epoch == sorted(h.epoch) and all(e % h.stride == 0 for e in h.epoch)


def test_metrics_per_epoch():
    (X, Y), (Xt, Yt) = data()
    t = Trainer(MLP(seed=0), X, Y, Xt, Yt, seed=0)
    t.step_epoch()
    m = t.latest
    assert m["train_loss"] == pytest.approx(t.net.loss(X, Y), rel=1e-12)
    assert m["test_loss"] == pytest.approx(t.net.loss(Xt, Yt), rel=1e-12)
    g = t.net.gradients(X, Y)
    np.testing.assert_allclose(m["grad_norm"], [np.linalg.norm(d) for d in g.dW], rtol=1e-10)
    A = t.net.forward(X).A
    np.testing.assert_allclose(m["saturation"], [np.mean(np.abs(a) > 0.97) for a in A[1:-1]])
    assert 0.0 <= m["train_acc"] <= 1.0 and len(t.history.test_acc) == 1


def test_divergence_stops_keeps_finite_weights_and_names_the_learning_rate():
    (X, Y), _ = data()
    net = MLP(seed=0)
    hist = train(net, X, Y, lr=5.0, batch_size=1, momentum=0.0, epochs=50)
    assert hist.diverged
    assert "learning rate" in hist.message and "5" in hist.message
    assert len(hist.train_loss) < 50
    assert all(np.all(np.isfinite(p)) for p in net.W + net.b)
    assert np.isfinite(net.loss(X, Y))
    t = Trainer(net, X, Y, lr=5.0, batch_size=1)
    t.step(1000)
    assert t.diverged and t.step(5) == 0  # a diverged trainer stays stopped


def test_trainer_picks_up_edits_made_to_the_network_between_calls():
    (X, Y), _ = data()
    net = MLP(seed=0)
    t = Trainer(net, X, Y, momentum=0.0, batch_size=70, seed=0)
    net.W[0][...] = 0.0
    expected = net.copy()
    sgd_update(expected, expected.gradients(X, Y), DEFAULTS.lr)
    t.step(1)
    np.testing.assert_allclose(net.W[0], expected.W[0], atol=1e-14)


BAD = [
    ({"lr": 0.0}, "lr", "0.0"),
    ({"lr": -1}, "lr", "-1"),
    ({"lr": float("nan")}, "lr", "nan"),
    ({"batch_size": 0}, "batch_size must be an integer >= 1", "0"),
    ({"batch_size": 2.5}, "batch_size", "2.5"),
    ({"momentum": 1.0}, "momentum", "1.0"),
    ({"epochs": 0}, "epochs must be an integer >= 1", "0"),
    ({"seed": "a"}, "seed", "'a'"),
]


@pytest.mark.parametrize(("kwargs", "expected", "given"), BAD)
def test_bad_training_settings(kwargs, expected, given):
    (X, Y), _ = data(n=20)
    with pytest.raises(ValueError) as err:
        train(MLP(seed=0), X, Y, **kwargs)
    assert expected in str(err.value) and given in str(err.value), str(err.value)


def test_bad_training_data():
    (X, Y), (Xt, _) = data(n=20)
    with pytest.raises(ValueError, match=r"Y must have 14 rows like X, got shape \(6, 2\)"):
        train(MLP(seed=0), X, Y[:6])
    with pytest.raises(ValueError, match="given together"):
        Trainer(MLP(seed=0), X, Y, X_test=Xt)
    with pytest.raises(ValueError, match=r"3 columns.*\(14, 2\)"):
        train(MLP(sizes=(3, 2)), X, Y)


def test_run_for_stops_at_the_epoch_limit_exactly():
    (X, Y), _ = data(n=100)
    t = Trainer(MLP(seed=0), X, Y, batch_size=16, seed=0)
    t.step(2)
    steps = t.run_for(seconds=60.0, until_epoch=3)
    assert t.epoch == 3 and t.epoch_progress == 0.0
    assert steps == 3 * 5 - 2  # 70 rows at batch 16: 5 steps an epoch
    assert t.run_for(seconds=60.0, until_epoch=3) == 0


# ---------------------------------------------------------------- divergence and rollback
def blow_up(net, X, Y, times=12, lr=10.0):
    """Single SGD steps from outside any trainer, as the app's one-step button does."""
    for _ in range(times):
        sgd_update(net, net.gradients(X[:1], Y[:1]), lr)


def params(net):
    return [p.copy() for p in net.W + net.b]


def assert_same(net, saved):
    for p, s in zip(net.W + net.b, saved):
        np.testing.assert_array_equal(p, s)


def test_rollback_of_a_fresh_trainers_first_step_restores_the_given_weights():
    (X, Y), _ = data()
    net = MLP(seed=0)
    start = params(net)
    t = Trainer(net, X, Y, lr=1e4, batch_size=1, momentum=0.9, seed=0)
    t.step(1)
    assert t.diverged and t.steps == 0 and t.epoch == 0
    assert_same(net, start)  # bit for bit: not zeros, not the blown step
    np.testing.assert_array_equal(t._f.vel, 0.0)  # the velocity from before the step
    assert "Step 1 was undone" in t.message and "the ones training started from" in t.message


def test_rollback_after_an_outside_edit_restores_the_edited_weights_and_velocity():
    (X, Y), _ = data()
    net = MLP(seed=0)
    t = Trainer(net, X, Y, lr=0.1, batch_size=4, momentum=0.9, seed=0)
    t.step(5)
    vel = t._f.vel.copy()
    assert np.any(vel != 0)
    net.W[0] += 0.25  # the app applies single SGD steps to trainer.net like this
    edited = params(net)
    t.lr = 1e4
    t.step(3)
    assert t.diverged and t.steps == 5
    assert_same(net, edited)  # neither the trainer's older state nor zeros
    np.testing.assert_array_equal(t._f.vel, vel)


def test_rollback_mid_training_restores_theta_and_velocity_bit_for_bit():
    (X, Y), _ = data()
    net = MLP(seed=0)
    t = Trainer(net, X, Y, lr=0.1, batch_size=8, momentum=0.9, seed=0)
    t.step(20)
    before, vel, epoch = params(net), t._f.vel.copy(), t.epoch
    t.lr = 1e4
    assert t.step(10) == 0
    assert t.diverged and t.steps == 20 and t.epoch == epoch
    assert_same(net, before)
    np.testing.assert_array_equal(t._f.vel, vel)


def test_a_step_undone_at_the_end_of_its_epoch_takes_the_epoch_back_too():
    (X, Y), _ = data()  # 70 rows, one full batch: every step ends an epoch
    net = MLP(seed=0)
    t = Trainer(net, X, Y, lr=0.1, batch_size=70, momentum=0.0, seed=0)
    t.step(2)
    before = params(net)
    t.lr = 1e5
    t.step(1)
    assert t.diverged and (t.steps, t.epoch) == (2, 2) and t.history.epoch == [1, 2]
    assert_same(net, before)
    assert "whole training set" in t.message


@pytest.mark.parametrize("case", ["stepped", "unstepped", "fresh"])
def test_weights_already_blown_up_stop_training_and_are_left_as_they_are(case):
    (X, Y), _ = data()
    net = MLP(sizes=(2, 3, 4, 2), activation="tanh", seed=0)
    t = Trainer(net, X, Y, lr=10.0, seed=0)
    if case == "stepped":  # its last step could be undone, but the edit came after it
        t.lr = 0.01
        t.step(3)
        t.lr = 10.0
    steps = t.steps
    blow_up(net, X, Y)
    fresh = case == "fresh"
    assert net.loss(X, Y) > 1e40
    if fresh:  # a fresh trainer takes them as its start; so make them non-finite
        net.W[2][0, 0] = np.nan
        t = Trainer(net, X, Y, lr=10.0, seed=0)
    blown = params(net)
    assert t.step(1) == 0
    assert t.diverged and t.steps == (0 if fresh else steps)
    for p, s in zip(net.W + net.b, blown):
        np.testing.assert_array_equal(p, s)  # NaN compares equal here; never zeros
    assert "given to the trainer" in t.message and "left as they are" in t.message


def test_divergence_message_agrees_with_the_counters():
    (X, Y), _ = data()
    t = Trainer(MLP(seed=0), X, Y, lr=5.0, batch_size=1, momentum=0.0, seed=0)
    t.step(10_000)
    assert t.diverged and t.steps > 0
    m = t.message
    assert f"after step {t.steps + 1} (in epoch {t.epoch + 1})" in m, m
    assert f"Step {t.steps + 1} was undone: the weights are those after step {t.steps} " in m
    steps = f"{t.steps} step" + ("s" if t.steps != 1 else "")
    assert f"({steps}, {t.epoch} epochs complete)" in m
    assert "learning rate γ = 5" in m and "batch size 1" in m
    assert "Lower the learning rate (or raise the batch size) and reset." in m


def test_stepping_in_chunks_diverges_exactly_like_one_call():
    (X, Y), _ = data()
    a, b = MLP(seed=1), MLP(seed=1)
    ta = Trainer(a, X, Y, lr=3.0, batch_size=2, momentum=0.5, seed=0)
    tb = Trainer(b, X, Y, lr=3.0, batch_size=2, momentum=0.5, seed=0)
    ta.step(5000)
    while not tb.diverged and tb.steps < 5000:
        tb.step(1)
    assert ta.diverged and tb.diverged and ta.steps == tb.steps and ta.message == tb.message
    assert_same(a, params(b))


def test_loss_limit_and_divergence_message_are_public():
    (X, Y), _ = data()
    net = MLP(seed=0)
    t = Trainer(net, X, Y)
    assert t.loss_limit == pytest.approx(1000.0 * max(1.0, net.loss(X, Y)), rel=1e-12)
    with pytest.raises(AttributeError):
        t.loss_limit = 1.0
    m = divergence_message(3.5e43, lr=10, batch_size=1, momentum=0.0,
                           where="in the single SGD step on sample 7")
    assert m.startswith("Training diverged: the loss became 3.5e+43 in the single SGD step "
                        "on sample 7. The likely cause is the learning rate γ = 10")
    assert "momentum" not in m and m.endswith("raise the batch size) and reset.")
    assert "not a number" in divergence_message(float("nan"), lr=1, batch_size=2,
                                                momentum=0.9, where="x", outcome="Undone.")


def test_fused_rollback_point_is_the_loaded_weights_until_the_first_update():
    from nncore._fused import FusedSGD

    net = MLP(seed=0)
    f = FusedSGD(net.sizes, net.act)
    f.load(net)
    theta = f.theta.copy()
    f.theta += 1.0  # anything done to θ without an update
    f.rollback()
    np.testing.assert_array_equal(f.theta, theta)  # the loaded θ, never the zeros it began as
    assert not f.sync(net)  # θ is the net's again: nothing changed
    net.W[1][0, 0] += 1.0
    f.theta += 1.0
    assert f.sync(net)  # an edit: θ takes it, and it is the new rollback point
    f.rollback()
    np.testing.assert_array_equal(f.Wt[1][0, 0], net.W[1][0, 0])


def test_a_recorded_epoch_end_is_never_undone():
    """If the first batch of the next epoch finds the loss beyond the limit, the step
    that ended the recorded epoch stays: training stops and the weights are left."""
    (X, Y), _ = data()
    net = MLP(seed=0)
    t = Trainer(net, X, Y, lr=0.1, batch_size=16, seed=0)
    t.step_epoch()
    kept, history = params(net), list(t.history.train_loss)
    t._loss_limit = 1e-9  # white box: the only way to make that batch exceed the limit
    assert t.step(1) == 0
    assert t.diverged and (t.steps, t.epoch) == (5, 1) and t.history.train_loss == history
    assert_same(net, kept)
    assert "reached after step 5" in t.message and "left as they are" in t.message
