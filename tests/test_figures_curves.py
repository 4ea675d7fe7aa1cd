"""lab.figures.curves: loss, accuracy and gradient-flow figures over epochs (no Streamlit)."""

import numpy as np
import pytest
from test_figures_maps import assert_finite_json, assert_readable

from lab.figures.curves import _log_ticks, accuracy_figure, gradient_flow_figure, loss_figure
from nncore import MLP, datasets, train

LAYERS = ["a⁽¹⁾ (tanh)", "a⁽²⁾ (tanh)", "ŷ (linear)"]


@pytest.fixture(scope="module")
def history():
    X, Y = datasets.make("xor", n=200, noise=0.1, seed=0)
    (Xtr, Ytr), (Xte, Yte) = datasets.split(X, Y, test_fraction=0.3, seed=0)
    return train(MLP(seed=0), Xtr, Ytr, X_test=Xte, Y_test=Yte, epochs=60)


def long_run(epochs=1000, seed=0):
    """1000 epochs of plausible, noisy numbers, shaped like nncore.History's lists."""
    rng = np.random.default_rng(seed)
    e = np.arange(1, epochs + 1)
    loss = 0.5 * np.exp(-e / 200) * (1 + 0.3 * rng.random(epochs)) + 1e-3
    acc = np.clip(1 - loss + 0.05 * rng.random(epochs), 0, 1)
    grads = (loss[:, None] * [0.05, 0.2, 1.0] * (1 + rng.random((epochs, 3)))).tolist()
    sat = np.clip(np.outer(e / epochs, [0.6, 0.3]) + 0.02 * rng.random((epochs, 2)), 0, 1)
    return e.tolist(), loss.tolist(), (loss * 1.2).tolist(), acc.tolist(), acc.tolist(), grads, \
        sat.tolist()


def test_loss_train_solid_test_dashed(history):
    h = history
    fig = loss_figure(h.epoch, h.train_loss, h.test_loss)
    train_, test = fig.data
    assert (train_.name, test.name) == ("train", "test")
    assert train_.line.dash == "solid" and test.line.dash == "dash"
    np.testing.assert_allclose(train_.y, np.float32(h.train_loss))
    np.testing.assert_allclose(train_.x, h.epoch)
    lay = fig.layout
    assert lay.xaxis.title.text == "epoch" and lay.yaxis.title.text == "loss L"
    assert lay.yaxis.type == "linear" and lay.legend.orientation == "h"
    assert lay.uirevision == "loss" and lay.showlegend
    assert_readable(fig)


def test_loss_without_test_set_and_log_axis(history):
    h = history
    fig = loss_figure(h.epoch, h.train_loss, [], log_y=True)
    assert [t.name for t in fig.data] == ["train"]
    assert fig.layout.yaxis.type == "log"
    lo, hi = min(h.train_loss), max(h.train_loss)
    assert sum(lo <= t <= hi for t in fig.layout.yaxis.tickvals) >= 3


def test_non_finite_and_non_positive_points_are_dropped():
    e = [1, 2, 3, 4, 5]
    loss = [1.0, np.nan, np.inf, 0.0, 0.5]
    fig = loss_figure(e, loss, [0.9, 0.8, -np.inf, 0.7, 0.6], log_y=True)
    np.testing.assert_array_equal(fig.data[0].x, [1, 5])
    np.testing.assert_array_equal(fig.data[1].x, [1, 2, 4, 5])
    assert_finite_json(fig)
    linear = loss_figure(e, loss, [])
    np.testing.assert_array_equal(linear.data[0].x, [1, 4, 5])  # 0 is fine on a linear axis
    assert_finite_json(linear)
    assert_finite_json(loss_figure([], [], [], log_y=True))


def test_accuracy_is_a_percentage(history):
    h = history
    fig = accuracy_figure(h.epoch, h.train_acc, h.test_acc)
    assert len(fig.data) == 2 and fig.data[1].line.dash == "dash"
    assert fig.layout.yaxis.tickformat == ".0%"
    assert fig.layout.yaxis.range[0] == 0 and 1 <= fig.layout.yaxis.range[1] <= 1.05
    assert fig.layout.yaxis.title.text == "accuracy" and fig.layout.uirevision == "accuracy"
    assert [t.name for t in accuracy_figure(h.epoch, h.train_acc, []).data] == ["train"]
    assert_readable(fig)


def test_lengths_must_match():
    with pytest.raises(ValueError, match="per epoch"):
        loss_figure([1, 2, 3], [1.0, 2.0], [])
    with pytest.raises(ValueError, match="per epoch"):
        gradient_flow_figure([1, 2], [[1.0, 1.0]], [])


def test_gradient_flow(history):
    h = history
    fig = gradient_flow_figure(h.epoch, h.grad_norm, h.saturation, LAYERS)
    names = [t.name for t in fig.data]
    assert names == ["‖∂L/∂W⁽¹⁾‖", "‖∂L/∂W⁽²⁾‖", "‖∂L/∂W⁽³⁾‖", LAYERS[0], LAYERS[1]]
    lay = fig.layout
    assert lay.yaxis.type == "log" and lay.yaxis2.type != "log"
    assert lay.yaxis2.tickformat == ".0%" and lay.yaxis2.range[0] == 0
    assert lay.xaxis.matches == "x2" and lay.xaxis2.title.text == "epoch"
    assert [t.yaxis for t in fig.data] == ["y"] * 3 + ["y2"] * 2
    np.testing.assert_allclose(fig.data[1].y, np.float32(np.array(h.grad_norm)[:, 1]))
    assert fig.layout.uirevision == "gradients"
    assert_readable(fig)


def test_gradient_flow_drops_zero_and_non_finite_norms():
    G = [[1.0, 0.0, 0.1], [np.nan, 0.2, 0.2], [np.inf, 0.3, -1.0]]
    fig = gradient_flow_figure([1, 2, 3], G, [[0.1, np.nan]] * 3)
    np.testing.assert_array_equal(fig.data[0].x, [1])
    np.testing.assert_array_equal(fig.data[1].x, [2, 3])
    np.testing.assert_array_equal(fig.data[2].x, [1, 2])
    assert len(fig.data[4].x) == 0
    assert fig.data[0].name == "‖∂L/∂W⁽¹⁾‖" and fig.data[3].name == "a⁽¹⁾"  # default names
    assert_finite_json(fig)


def test_gradient_flow_before_the_first_epoch_keeps_both_panels():
    fig = gradient_flow_figure([], [], [], LAYERS)
    assert {t.yaxis for t in fig.data} == {"y", "y2"}
    assert not any(t.showlegend for t in fig.data)


def test_thinning_keeps_spikes_and_ends():
    e, loss, *_ = long_run()
    loss[500] = 50.0
    fig = loss_figure(e, loss, [], max_points=100)
    t = fig.data[0]
    assert len(t.x) <= 102 and t.x[0] == 1 and t.x[-1] == 1000
    assert 501 in t.x and t.y.max() == 50.0


def test_log_ticks_are_labelled_at_full_size():
    ticks = _log_ticks([0.004, 0.5])
    assert ticks["ticktext"][:3] == ["0.001", "0.002", "0.005"]
    wide = _log_ticks([1e-9, 10])
    assert "10⁻⁹" in wide["ticktext"] and len(wide["tickvals"]) <= 8
    narrow = _log_ticks([0.30, 0.35])
    assert sum(0.30 <= t <= 0.35 for t in narrow["tickvals"]) >= 2
    assert _log_ticks([0.0, np.nan]) == {}


def test_curve_payload_budget():
    e, tl, vl, ta, va, g, s = long_run()
    sizes = {
        "loss": len(loss_figure(e, tl, vl, log_y=True).to_json()),
        "accuracy": len(accuracy_figure(e, ta, va).to_json()),
        "gradients": len(gradient_flow_figure(e, g, s, LAYERS).to_json()),
    }
    assert max(sizes.values()) <= 15_000, sizes


def test_every_curve_figure_passes_plotly_validation():
    """The builders skip validation for speed (style.fast_figure); rebuilding with it on
    must raise nothing, so a misspelt property cannot slip through."""
    import plotly.graph_objects as go

    e = np.arange(1, 51)
    figs = [loss_figure(e, np.linspace(1, 0.1, 50), np.linspace(1.1, 0.2, 50), log_y=True),
            accuracy_figure(e, np.linspace(0.5, 1, 50), []),
            gradient_flow_figure(e, np.ones((50, 3)), np.zeros((50, 2)), ["a⁽¹⁾", "a⁽²⁾"]),
            gradient_flow_figure([], [], [])]
    for fig in figs:
        go.Figure(fig.to_dict())
