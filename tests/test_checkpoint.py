"""Trainer.checkpoint / Trainer.restore: going back to a step and training on from it
repeats what training did from there, bit for bit (what the live player's Pause relies on:
it rewinds the server to the frame on screen)."""

import numpy as np
import pytest

from nncore import MLP, Checkpoint, Trainer, datasets


def make(lr=0.1, batch_size=32, momentum=0.9, n=300, seed=0, test=True, max_history=1000):
    X, Y = datasets.make("xor", n=n, noise=0.1, seed=seed)
    (Xtr, Ytr), (Xte, Yte) = datasets.split(X, Y, test_fraction=0.3, seed=seed)
    net = MLP(seed=seed)
    extra = (Xte, Yte) if test else ()
    return net, Trainer(net, Xtr, Ytr, *extra, lr=lr, batch_size=batch_size,
                        momentum=momentum, max_history=max_history)


def state(t: Trainer, net: MLP) -> dict:
    """Everything a user of the trainer can observe, plus what the next step depends on."""
    h = t.history
    return {
        "theta": net.get_flat().tobytes(),
        "steps": t.steps, "epoch": t.epoch, "pos": t.epoch_progress,
        "last_batch": t.last_batch.tolist(),
        "latest": repr(t.latest),
        "history": repr([h.epoch, h.train_loss, h.test_loss, h.train_acc, h.test_acc,
                         h.grad_norm, h.saturation, h.stride, h.diverged, h.message,
                         h.steps]),
        "settings": (t.lr, t.batch_size, t.momentum),
        # the next steps depend on the velocity and the shuffling's random state
        "vel": t._f.vel.tobytes(), "rng": repr(t.rng.bit_generator.state),
    }


def run(t: Trainer, net: MLP, pattern) -> list[dict]:
    """Train in the given chunks (k for step(k), (n, stride) for trace), recording after each."""
    out = []
    for p in pattern:
        if isinstance(p, tuple):
            tr = t.trace(*p)
            out.append({"trace": (tr.steps.tolist(), tr.theta.tobytes())})
        else:
            t.step(p)
        out.append(state(t, net))
    return out


PATTERNS = [[1], [5, 3, 17], [(10, 3), 4, (7, 1)], [40, (20, 5)]]


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("batch_size", [1, 7, 32, 500])
@pytest.mark.parametrize("test", [True, False])
@pytest.mark.parametrize("pattern", PATTERNS)
def test_restore_then_train_repeats_bit_for_bit(momentum, batch_size, test, pattern):
    net, t = make(batch_size=batch_size, momentum=momentum, test=test)
    t.step(11)  # mid-epoch for most batch sizes
    before = state(t, net)
    cp = t.checkpoint()
    first = run(t, net, pattern)
    t.restore(cp)
    assert state(t, net) == before
    assert run(t, net, pattern) == first
    t.restore(cp)  # a checkpoint can be used again
    assert run(t, net, pattern) == first


def test_restore_at_the_start_and_across_epochs():
    net, t = make(batch_size=64)
    cp = t.checkpoint()
    start = state(t, net)
    first = run(t, net, [t.steps_left_in_epoch, 50, (30, 4)])
    assert t.epoch >= 3
    t.restore(cp)
    assert state(t, net) == start
    assert run(t, net, [t.steps_left_in_epoch, 50, (30, 4)]) == first


def test_restore_undoes_a_divergence_and_the_replay_diverges_the_same_way():
    net, t = make(lr=0.1, momentum=0.0)
    t.step(20)
    cp = t.checkpoint()
    before = state(t, net)
    t.lr = 1e6
    t.step(50)
    assert t.diverged
    gone = state(t, net)
    t.restore(cp)
    assert not t.diverged and t.message == ""
    assert state(t, net) == before  # lr 0.1 again: settings are part of the state
    t.lr = 1e6
    t.step(50)
    assert state(t, net) == gone


def test_history_thinned_after_the_checkpoint_comes_back_whole():
    net, t = make(batch_size=300, max_history=4)  # one step per epoch, thinning early
    t.step(3)
    cp = t.checkpoint()
    before = state(t, net)
    first = run(t, net, [20])
    assert t.history.stride > 1  # the history was thinned after the checkpoint
    t.restore(cp)
    assert state(t, net) == before
    assert run(t, net, [20]) == first


def test_weights_edited_before_the_checkpoint_are_its_start():
    net, t = make()
    t.step(5)
    net.W[0][0, 0] += 0.25  # a user's edit between calls
    cp = t.checkpoint()
    edited = net.get_flat()
    first = run(t, net, [9])
    t.restore(cp)
    assert np.array_equal(net.get_flat(), edited)
    assert run(t, net, [9]) == first


def test_restore_writes_the_network_in_place():
    net, t = make()
    W0 = net.W[0]
    cp = t.checkpoint()
    t.step(30)
    t.restore(cp)
    assert net.W[0] is W0 and np.array_equal(net.get_flat(), MLP(seed=0).get_flat())


def test_a_checkpoint_only_fits_its_own_trainer():
    _, t1 = make()
    _, t2 = make()
    cp = t1.checkpoint()
    with pytest.raises(ValueError, match="same trainer"):
        t2.restore(cp)
    with pytest.raises(ValueError, match="same trainer"):
        t1.restore("steps=0")
    assert isinstance(cp, Checkpoint) and repr(cp) == "Checkpoint(steps=0, epoch=0)"
