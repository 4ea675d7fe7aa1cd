"""lab.state without Streamlit: settings changes, views, the single step and its guard."""

import numpy as np
import pytest

from lab.state import Settings, View, apply_one_step, change, new_lab, reset, view_indices
from nncore import MLP


def weights(net):
    return [a.copy() for a in net.W + net.b]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_data_change_resets_training_and_says_so():
    lab = new_lab()
    lab.trainer.step(5)
    g = lab.generation
    notice = change(lab, dataset="moons")
    assert lab.settings.dataset == "moons" and lab.trainer.steps == 0
    assert same(weights(lab.net), weights(MLP((2, 3, 4, 2), "tanh", seed=0)))
    assert lab.generation == g + 1 and "dataset" in notice and notice == lab.notice
    X_moons = lab.data.X_train.copy()
    change(lab, noise=0.3)
    assert not np.array_equal(lab.data.X_train, X_moons)


def test_network_change_resets_without_touching_the_data():
    lab = new_lab()
    X = lab.data.X_train
    lab.trainer.step(3)
    change(lab, seed=4)
    assert lab.data.X_train is X and lab.trainer.steps == 0
    assert same(weights(lab.net), weights(MLP((2, 3, 4, 2), "tanh", seed=4)))


def test_sgd_settings_apply_to_the_running_trainer_without_a_reset():
    lab = new_lab()
    lab.trainer.step(7)
    before = weights(lab.net)
    assert change(lab, lr=0.3, batch_size=8, momentum=0.5) == ""
    t = lab.trainer
    assert (t.lr, t.batch_size, t.momentum, t.steps) == (0.3, 8, 0.5, 7)
    assert same(weights(lab.net), before)


def test_no_change_and_unknown_settings():
    lab = new_lab()
    assert change(lab, lr=lab.settings.lr) == ""
    with pytest.raises(TypeError):
        change(lab, learning_rate=0.1)


def test_reset_restores_the_initial_weights_bit_for_bit():
    lab = new_lab(Settings(seed=3))
    first = weights(lab.net)
    lab.trainer.step(50)
    apply_one_step(lab, View("sample", np.array([2])))
    reset(lab)
    assert same(weights(lab.net), first) and lab.trainer.steps == 0 and lab.last_step is None


def test_view_indices():
    assert view_indices(10, "sample", 12, 4).tolist() == [9]
    assert view_indices(10, "sample", -3, 4).tolist() == [0]
    assert view_indices(10, "batch", 8, 4).tolist() == [8, 9, 0, 1]
    assert view_indices(3, "batch", 0, 8).tolist() == [0, 1, 2]


def test_one_step_is_the_update_on_the_viewed_rows():
    lab = new_lab()
    view = View("batch", np.array([3, 4, 5]))
    net = lab.net.copy()
    g = net.gradients(lab.data.X_train[[3, 4, 5]], lab.data.Y_train[[3, 4, 5]])
    s = apply_one_step(lab, view)
    lr = lab.settings.lr
    for q in range(3):
        assert np.array_equal(lab.net.W[q], net.W[q] - lr * g.dW[q])
        assert np.array_equal(s["W_after"][q], lab.net.W[q])
        assert np.array_equal(s["W_before"][q], net.W[q])
    assert s["loss_before"] == pytest.approx(g.loss) and not s["undone"]


def test_a_single_step_that_blows_up_is_undone_exactly():
    lab = new_lab(Settings(lr=10.0))
    view = View("sample", np.array([0]))
    for _ in range(40):
        before = weights(lab.net)
        s = apply_one_step(lab, view)
        if s["undone"]:
            break
    assert s["undone"], "γ = 10 never tripped the divergence rule"
    assert same(weights(lab.net), before)  # exactly the weights before, never zeros
    assert "learning rate" in s["message"] and "single SGD step on sample 0" in s["message"]
    assert all(np.isfinite(w).all() for w in lab.net.W)
