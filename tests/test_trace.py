"""Trainer.trace (many strides in one call, recorded): held equal to the plain
``step(stride)`` calls it replaces, bit for bit."""

import numpy as np
import pytest

from nncore import MLP, Trace, Trainer, datasets


def trainer(lr=0.1, batch_size=32, momentum=0.9, n=400, seed=0, activation="tanh",
            test=True):
    X, Y = datasets.make("xor", n=n, noise=0.1, seed=seed)
    (Xtr, Ytr), (Xte, Yte) = datasets.split(X, Y, test_fraction=0.3, seed=seed)
    net = MLP(seed=seed, activation=activation)
    if not test:
        return net, Trainer(net, Xtr, Ytr, lr=lr, batch_size=batch_size, momentum=momentum)
    return net, Trainer(net, Xtr, Ytr, Xte, Yte, lr=lr, batch_size=batch_size,
                        momentum=momentum)


def stepped(t: Trainer, net: MLP, n: int, stride: int, until_epoch=None):
    """What ``trace`` promises to equal: step(stride) n times, recording after each call
    that moved the counter (and stopping there once training stops)."""
    steps, epochs, thetas, metrics = [], [], [], []
    for _ in range(n):
        if t.diverged or (until_epoch is not None and t.epoch >= until_epoch):
            break
        k = stride
        if until_epoch is not None:
            per = -(-t.X.shape[0] // t.batch_size)
            k = min(k, t.steps_left_in_epoch + (until_epoch - t.epoch - 1) * per)
        e0, last = t.epoch, steps[-1] if steps else t.steps
        t.step(k)
        if t.epoch != e0:
            metrics.append(dict(t.latest))
        if t.steps <= last:
            break
        steps.append(t.steps)
        epochs.append(t.epoch)
        thetas.append(net.get_flat())
    return steps, epochs, thetas, metrics


def assert_same(tr: Trace, ref) -> None:
    steps, epochs, thetas, metrics = ref
    assert tr.steps.tolist() == steps and tr.epochs.tolist() == epochs
    np.testing.assert_array_equal(tr.theta, np.reshape(thetas, (len(steps), tr.theta.shape[1])))
    assert tr.metrics == metrics


@pytest.mark.parametrize("stride", [1, 5, 17, 100])
@pytest.mark.parametrize(("batch_size", "momentum"), [(32, 0.9), (1, 0.0), (13, 0.5), (500, 0.9)])
def test_trace_records_what_stepping_in_strides_passes_through(stride, batch_size, momentum):
    net_a, a = trainer(batch_size=batch_size, momentum=momentum)
    net_b, b = trainer(batch_size=batch_size, momentum=momentum)
    tr = a.trace(12, stride)
    assert_same(tr, stepped(b, net_b, 12, stride))
    assert len(tr) == 12 and tr.steps[-1] == 12 * stride
    # the trainer is left exactly where stepping leaves it: weights, counters, history
    np.testing.assert_array_equal(net_a.get_flat(), net_b.get_flat())
    assert (a.steps, a.epoch, a.latest) == (b.steps, b.epoch, b.latest)
    assert a.history.train_loss == b.history.train_loss
    # and training on from there goes on identically
    a.step(7)
    b.step(7)
    np.testing.assert_array_equal(net_a.get_flat(), net_b.get_flat())


def test_theta_rows_are_in_get_flat_order():
    net, t = trainer()
    tr = t.trace(1, 3)
    np.testing.assert_array_equal(tr.theta[0], net.get_flat())
    W, b = [w.copy() for w in net.W], [v.copy() for v in net.b]
    other = MLP.from_params(W, b)
    other.set_flat(tr.theta[0])
    for q in range(3):
        np.testing.assert_array_equal(other.W[q], net.W[q])
        np.testing.assert_array_equal(other.b[q], net.b[q])


@pytest.mark.parametrize("until", [0, 1, 2, 7])
@pytest.mark.parametrize("stride", [1, 4, 9, 167])
def test_trace_never_passes_the_end_of_until_epoch(until, stride):
    _, a = trainer()
    net_b, b = trainer()
    tr = a.trace(50, stride, until_epoch=until)
    assert_same(tr, stepped(b, net_b, 50, stride, until_epoch=until))
    assert a.epoch == min(until, a.epoch) and a.epoch <= until
    if 50 * stride >= until * 9:  # enough steps to get there: it stops exactly at the end
        assert a.epoch == until and a.steps == until * 9  # 280 rows, batch 32: 9 steps an epoch


@pytest.mark.parametrize(("lr", "batch_size", "momentum"),
                         [(10.0, 1, 0.9), (30.0, 32, 0.9), (3.0, 1, 0.9), (50.0, 280, 0.0)])
@pytest.mark.parametrize("stride", [1, 3, 7, 50])
def test_divergence_mid_trace_keeps_exactly_what_stepping_keeps(lr, batch_size, momentum, stride):
    net_a, a = trainer(lr=lr, batch_size=batch_size, momentum=momentum)
    net_b, b = trainer(lr=lr, batch_size=batch_size, momentum=momentum)
    tr = a.trace(200, stride)
    ref = stepped(b, net_b, 200, stride)
    assert a.diverged and b.diverged, "these settings are chosen to blow up"
    assert_same(tr, ref)
    assert a.message == b.message and a.steps == b.steps
    np.testing.assert_array_equal(net_a.get_flat(), net_b.get_flat())
    assert np.all(np.isfinite(tr.theta))
    if len(tr):
        assert tr.steps[-1] == a.steps  # the last record is where the undo left the weights
        np.testing.assert_array_equal(tr.theta[-1], net_a.get_flat())
    assert a.trace(5, stride).steps.size == 0  # a stopped trainer records nothing


def test_weights_edited_between_calls_are_the_new_start():
    net_a, a = trainer()
    net_b, b = trainer()
    a.trace(3, 5)
    b.step(15)
    for net in (net_a, net_b):
        net.W[0][0, 0] = 0.5
    tr = a.trace(4, 5)
    assert_same(tr, stepped(b, net_b, 4, 5))


def test_a_time_budget_of_zero_records_once_and_n_zero_trains_nothing():
    net, t = trainer()
    tr = t.trace(100, 5, seconds=0)
    assert len(tr) == 1 and t.steps == 5
    tr = t.trace(0, 5)
    assert len(tr) == 0 and tr.theta.shape == (0, net.n_params) and t.steps == 5


def test_metrics_record_the_last_epoch_ended_in_each_stride():
    _, t = trainer()
    tr = t.trace(6, 20)  # 20 steps a record, 9 steps an epoch: 2 or 3 epochs a record
    assert [m["epoch"] for m in tr.metrics] == [2, 4, 6, 8, 11, 13]
    assert tr.metrics[-1] == t.latest and t.history.epoch[-1] == 13


@pytest.mark.parametrize(("kw", "word"), [
    ({"n": -1}, "n"), ({"n": 1.5}, "n"), ({"n": True}, "n"), ({"stride": 0}, "stride"),
    ({"stride": "3"}, "stride"), ({"n": 10**4, "stride": 10**4}, "n × stride"),
    ({"n": 10**7, "stride": 1}, "n"),  # 10⁷ records of 35 floats: 2.8 GB, refused
    ({"seconds": -1.0}, "seconds"), ({"seconds": float("nan")}, "seconds"),
    ({"until_epoch": -1}, "until_epoch"), ({"until_epoch": 2.0}, "until_epoch")])
def test_bad_arguments_are_refused_with_their_name(kw, word):
    _, t = trainer()
    args = {"n": 2, "stride": 3} | kw
    n, stride = args.pop("n"), args.pop("stride")
    with pytest.raises(ValueError, match=word):
        t.trace(n, stride, **args)
    assert t.steps == 0


def test_trace_repr_and_len():
    _, t = trainer()
    tr = t.trace(3, 4)
    assert len(tr) == 3 and repr(tr) == "Trace(3 records, steps 4…12, 1 epoch metrics)"
