"""What the live training view shows, computed without Streamlit (so it is benchmarked
and tested on its own): the counters and every chart, from the current weights."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .figures.curves import accuracy_figure, gradient_flow_figure, loss_figure
from .figures.maps import decision_figure, grid_points, neuron_maps_figure
from .figures.network import weights_figure
from .stages import sup
from .state import Lab

# 28 × 28: the decision map and the neuron maps (thinned to 10 × 10) then fit, with the
# curves and the weights, in the 60 KB a live tick may send (measured: ~55 KB).
GRID = 28
NEURON_SIDE = 10
_GRID_CACHE: dict[int, tuple] = {}


def grid(resolution: int | None = None):
    """The input-plane grid (pure and constant: computed once per resolution)."""
    resolution = resolution or GRID
    if resolution not in _GRID_CACHE:
        _GRID_CACHE[resolution] = grid_points(extent=1.3, resolution=resolution)
    return _GRID_CACHE[resolution]


def counters(lab: Lab) -> dict[str, float]:
    """Epoch, steps, and loss and accuracy of the current weights on train and test."""
    t, d, net = lab.trainer, lab.data, lab.net
    out = {"epoch": t.epoch, "steps": t.steps, "progress": t.epoch_progress}
    for part, X, Y in (("train", d.X_train, d.Y_train), ("test", d.X_test, d.Y_test)):
        Yh = net.predict(X)
        out[f"{part}_loss"] = float(np.mean(np.sum((Yh - Y) ** 2, axis=1)))
        out[f"{part}_acc"] = float(np.mean(np.argmax(Yh, 1) == np.argmax(Y, 1)))
    return out


FAST_CHARTS = ("decision_chart",)  # with the loss sparkline inside
SLOW_CHARTS = ("loss_chart", "acc_chart", "neurons_chart", "gradflow_chart", "weights_chart")
ALL_CHARTS = FAST_CHARTS + SLOW_CHARTS


def live_figures(lab: Lab, keys=ALL_CHARTS,
                 log_loss: bool = True) -> dict[str, go.Figure]:
    """The charts of the live view named in ``keys`` (their Streamlit chart keys)."""
    d, net, h = lab.data, lab.net, lab.trainer.history
    xs, ys, P = grid()
    n = xs.size
    names = [f"a{sup(q)} ({net.activation})" for q in range(1, net.L)] + ["ŷ (linear)"]
    bounded = net.activation in ("tanh", "sigmoid")
    builders = {
        "decision_chart": lambda fwd: decision_figure(
            xs, ys, (fwd.A[-1][:, 1] - fwd.A[-1][:, 0]).reshape(n, n), d.X_train, d.y_train,
            d.X_test, d.y_test, loss=(h.epoch, h.train_loss, h.test_loss)),
        "loss_chart": lambda fwd: loss_figure(h.epoch, h.train_loss, h.test_loss,
                                              log_y=log_loss),
        "acc_chart": lambda fwd: accuracy_figure(h.epoch, h.train_acc, h.test_acc),
        "neurons_chart": lambda fwd: neuron_maps_figure(
            xs, ys, fwd.A[1:], names, max_side=NEURON_SIDE,
            hidden_range=1.0 if bounded else None),
        "gradflow_chart": lambda fwd: gradient_flow_figure(h.epoch, h.grad_norm, h.saturation,
                                                           names[:-1]),
        "weights_chart": lambda fwd: weights_figure(net.W, net.b, net.activation),
    }
    # one batched pass over the grid feeds the boundary and all the neuron maps
    fwd = net.forward(P) if {"decision_chart", "neurons_chart"} & set(keys) else None
    return {k: builders[k](fwd) for k in keys}
