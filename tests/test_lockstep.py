"""trace_many: many trainers stepped together give each, bit for bit, what its own
Trainer.trace gives (records, metrics, and the trainer left behind: θ, velocity,
gradient, rollback point, counters, shuffling, history, divergence)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nncore import MLP, Trainer, datasets
from nncore._lockstep import trace_many


def make(dataset, n, seed, sizes, act, lr, batch, momentum, pre_steps):
    X, Y = datasets.make(dataset, n=n, noise=0.1, seed=seed)
    k = int(0.7 * n)
    net = MLP(sizes, act, seed=seed)
    t = Trainer(net, X[:k], Y[:k], X[k:], Y[k:], lr=lr, batch_size=batch, momentum=momentum,
                seed=seed)
    t.step(pre_steps)
    return t


def state(t: Trainer) -> tuple:
    f = t._f
    h = t.history
    return (f.theta.tobytes(), f.vel.tobytes(), f.grad.tobytes(), f._theta_prev.tobytes(),
            f._vel_prev.tobytes(), t.steps, t.epoch, t._pos, t.last_batch.tolist(),
            str(t.rng.bit_generator.state), t._undo is None, t._given, h.diverged, h.message,
            repr(t.latest), repr([list(h.epoch), list(h.train_loss), list(h.test_acc)]),
            t.net.get_flat().tobytes())


def same_trace(a, b) -> None:
    assert a.steps.tolist() == b.steps.tolist() and a.epochs.tolist() == b.epochs.tolist()
    assert a.theta.tobytes() == b.theta.tobytes()
    assert repr(a.metrics) == repr(b.metrics)


spec = st.tuples(
    st.sampled_from(["xor", "circles", "moons", "spiral"]),
    st.integers(20, 120),  # rows (70 % train)
    st.integers(0, 3),  # seed
    st.sampled_from([(2, 3, 4, 2), (2, 5, 2), (2, 4, 4, 3, 2)]),
    st.sampled_from(["tanh", "relu", "sigmoid"]),
    st.sampled_from([0.05, 0.3, 3.0, 40.0]),  # 40: diverges
    st.sampled_from([1, 4, 7, 32]),
    st.sampled_from([0.0, 0.9]),
    st.integers(0, 12),  # steps before
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(spec, min_size=2, max_size=7),
       asks=st.lists(st.tuples(st.integers(0, 30), st.sampled_from([1, 3, 5]),
                               st.sampled_from([None, 1, 3, 6])), min_size=7, max_size=7))
def test_trace_many_is_each_trainers_own_trace_bit_for_bit(specs, asks):
    alone = [make(*s) for s in specs]
    together = [make(*s) for s in specs]
    want = [t.trace(n, stride, until_epoch=until) for t, (n, stride, until) in zip(alone, asks)]
    got = trace_many([(t, n, stride, until) for t, (n, stride, until) in zip(together, asks)])
    for a, b, ta, tb in zip(want, got, alone, together):
        same_trace(a, b)
        assert state(ta) == state(tb)
        ta.step(3)  # and they step on alike
        tb.step(3)
        assert state(ta) == state(tb)


def test_a_class_of_default_sessions_together():
    """Thirty trainers of the app's default shape at different points of their epochs (the
    last batch of 280 rows is 24), several calls in a row."""
    specs = [("xor", 400, s % 4, (2, 3, 4, 2), "tanh", 0.1, 32, 0.9, 3 * s) for s in range(30)]
    alone, together = [make(*s) for s in specs], [make(*s) for s in specs]
    for call in range(4):
        asks = [(20 + (i + call) % 7, 5, None) for i in range(30)]
        want = [t.trace(n, s, until_epoch=u) for t, (n, s, u) in zip(alone, asks)]
        got = trace_many([(t, *a) for t, a in zip(together, asks)])
        for a, b, ta, tb in zip(want, got, alone, together):
            same_trace(a, b)
            assert state(ta) == state(tb)


def test_edited_weights_are_the_new_start_as_for_trace():
    a, b = (make("xor", 60, 0, (2, 3, 4, 2), "tanh", 0.1, 4, 0.9, 5) for _ in range(2))
    d = make("xor", 60, 1, (2, 3, 4, 2), "tanh", 0.1, 4, 0.9, 5)
    for t in (a, b):
        t.net.W[0][0, 0] += 0.25  # edited between calls
    same_trace(a.trace(6, 2), trace_many([(b, 6, 2, None), (d, 6, 2, None)])[0])
    assert state(a) == state(b)


@pytest.mark.parametrize("bad", [[(object(), 1, 1, None)], "x"])
def test_trace_many_refuses_what_is_not_a_trainer(bad):
    with pytest.raises((ValueError, TypeError)):
        trace_many(bad)


def test_a_trainer_may_appear_once():
    t = make("xor", 40, 0, (2, 3, 4, 2), "tanh", 0.1, 4, 0.0, 0)
    with pytest.raises(ValueError, match="once"):
        trace_many([(t, 1, 1, None), (t, 1, 1, None)])


@pytest.mark.parametrize("lr,momentum", [(2.0, 0.9), (8.0, 0.0), (40.0, 0.9)])
def test_divergence_in_a_group_is_each_trainers_own(lr, momentum):
    """Trainers that blow up at different steps (on a full batch, a last batch, or an
    epoch's end) stop and undo exactly as alone, while the rest of the group steps on."""
    specs = [("spiral", 200, s % 4, (2, 3, 4, 2), "tanh", lr if s % 3 else 0.1, 16, momentum,
              s) for s in range(12)]
    alone, together = [make(*s) for s in specs], [make(*s) for s in specs]
    want = [t.trace(60, 1) for t in alone]
    got = trace_many([(t, 60, 1, None) for t in together])
    assert sum(t.diverged for t in alone) >= 4  # the case is exercised
    for a, b, ta, tb in zip(want, got, alone, together):
        same_trace(a, b)
        assert state(ta) == state(tb)
