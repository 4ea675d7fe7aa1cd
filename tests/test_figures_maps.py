"""lab.figures.maps: the grid, the decision map and the neuron thumbnails (no Streamlit)."""

import base64
import json

import numpy as np
import plotly.graph_objects as go
import pytest

from lab.figures import style
from lab.figures.maps import (
    MAX_RESOLUTION,
    decision_figure,
    grid_points,
    neuron_maps_figure,
    zero_level,
)
from nncore import MLP, datasets, train

NAMES = ["a⁽¹⁾ (tanh)", "a⁽²⁾ (tanh)", "ŷ (linear)"]


def arrays(node):
    """Every number array in a figure's JSON, base64 typed arrays decoded."""
    if isinstance(node, dict):
        if "bdata" in node:
            yield np.frombuffer(base64.b64decode(node["bdata"]), dtype=np.dtype(node["dtype"]))
            return
        for v in node.values():
            yield from arrays(v)
    elif isinstance(node, list):
        if node and all(isinstance(v, (int, float)) for v in node):
            yield np.asarray(node, dtype=float)
        for v in node:
            yield from arrays(v)


def assert_finite_json(fig):
    text = fig.to_json()
    assert "NaN" not in text and "Infinity" not in text
    for a in arrays(json.loads(text)):
        assert np.all(np.isfinite(a))


def font_sizes(node, inherited=16):
    if isinstance(node, dict):
        for k, v in node.items():
            if k.endswith("font") and isinstance(v, dict) and "size" in v:
                yield v["size"]
            yield from font_sizes(v)
    elif isinstance(node, list):
        for v in node:
            yield from font_sizes(v)


def assert_readable(fig):
    layout = json.loads(fig.to_json())
    assert layout["layout"]["font"]["size"] >= 14
    assert min(font_sizes(layout), default=14) >= 14


@pytest.fixture(scope="module")
def trained():
    X, Y = datasets.make("xor", n=400, noise=0.1, seed=0)
    (Xtr, Ytr), (Xte, Yte) = datasets.split(X, Y, test_fraction=0.3, seed=0)
    net = MLP(seed=0)
    train(net, Xtr, Ytr, epochs=200)  # saturated units: the largest payload (see below)
    xs, ys, P = grid_points(1.3, 40)
    fwd = net.forward(P)
    margin = (fwd.A[-1][:, 1] - fwd.A[-1][:, 0]).reshape(40, 40)
    return xs, ys, fwd, margin, Xtr, Ytr.argmax(1), Xte, Yte.argmax(1)


# ------------------------------------------------------------------ grid
def test_grid_points_are_row_major_y_outer():
    xs, ys, P = grid_points(1.0, 5)
    assert xs.shape == ys.shape == (5,) and P.shape == (25, 2)
    assert xs[0] == -1.0 and xs[-1] == 1.0
    i, j = 3, 1
    assert tuple(P[i * 5 + j]) == (xs[j], ys[i])
    v = P[:, 0] + 10 * P[:, 1]  # a value vector reshaped must match z[y, x]
    z = v.reshape(5, 5)
    assert z[i, j] == xs[j] + 10 * ys[i]


@pytest.mark.parametrize("bad", [MAX_RESOLUTION + 1, 1, 0, 40.0, True, "40"])
def test_grid_resolution_is_bounded(bad):
    with pytest.raises(ValueError, match="resolution"):
        grid_points(1.3, bad)


def test_grid_allows_the_maximum_and_checks_extent():
    assert grid_points(1.3, MAX_RESOLUTION)[2].shape == (MAX_RESOLUTION**2, 2)
    for extent in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="extent"):
            grid_points(extent, 10)


# ------------------------------------------------------------------ decision map
def test_decision_map_equals_the_margin(trained):
    xs, ys, _, margin, Xtr, ytr, Xte, yte = trained
    fig = decision_figure(xs, ys, margin, Xtr, ytr, Xte, yte)
    shade, boundary = fig.data[0], fig.data[1]
    assert shade.type == "heatmap" and len(fig.data) == 6
    assert shade.z.dtype == np.float32 and shade.z.shape == (40, 40)
    np.testing.assert_allclose(shade.z, np.round(margin, 3), atol=1e-6)
    r = min(np.abs(margin).max(), 1.5)
    assert shade.zmin == pytest.approx(-r, abs=1e-3) and shade.zmax == pytest.approx(r, abs=1e-3)
    assert shade.colorbar.title.text == "ŷ₂ − ŷ₁"
    assert boundary.mode == "lines" and len([v for v in boundary.x if v is not None]) > 20
    assert [tuple(c) for c in shade.colorscale] == [tuple(c) for c in style.DIVERGING]
    # x0/dx place the cells exactly on the grid
    assert shade.x0 == pytest.approx(xs[0]) and shade.dx == pytest.approx(xs[1] - xs[0])


def test_decision_range_is_capped_at_1_5():
    xs, ys, _ = grid_points(1.0, 4)
    fig = decision_figure(xs, ys, np.full((4, 4), 7.0), np.zeros((0, 2)), [], np.zeros((0, 2)), [])
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-1.5, 1.5)


def test_decision_points_by_class_and_split(trained):
    xs, ys, _, margin, Xtr, ytr, Xte, yte = trained
    fig = decision_figure(xs, ys, margin, Xtr, ytr, Xte, yte)
    points = {t.name: t for t in fig.data[2:]}
    assert list(points) == ["train: class 1", "train: class 2", "test: class 1", "test: class 2"]
    for part, X, y in (("train", Xtr, ytr), ("test", Xte, yte)):
        for k in (0, 1):
            t = points[f"{part}: class {k + 1}"]
            assert t.marker.color == style.CLASS_COLORS[k]
            np.testing.assert_allclose(t.x, X[y == k, 0].astype(np.float32))
            np.testing.assert_allclose(t.y, X[y == k, 1].astype(np.float32))
    train, test = points["train: class 1"].marker, points["test: class 1"].marker
    assert (train.symbol, train.line.color) != (test.symbol, test.line.color)
    assert train.symbol != test.symbol


def test_decision_accepts_one_hot_and_checks_shapes(trained):
    xs, ys, _, margin, Xtr, ytr, Xte, yte = trained
    one_hot = np.eye(2)[ytr]
    fig = decision_figure(xs, ys, margin, Xtr, one_hot, Xte, yte)
    assert len(fig.data[2].x) == np.sum(ytr == 0)
    with pytest.raises(ValueError, match="margin"):
        decision_figure(xs, ys, margin[:, :-1], Xtr, ytr, Xte, yte)
    with pytest.raises(ValueError, match="train"):
        decision_figure(xs, ys, margin, Xtr, ytr[:-1], Xte, yte)


def test_decision_layout(trained):
    xs, ys, _, margin, Xtr, ytr, Xte, yte = trained
    fig = decision_figure(xs, ys, margin, Xtr, ytr, Xte, yte, title="xor")
    lay = fig.layout
    assert lay.yaxis.scaleanchor == "x"
    assert (lay.xaxis.title.text, lay.yaxis.title.text) == ("x₁", "x₂")
    assert lay.uirevision == "decision" and lay.title.text == "xor"
    assert_readable(fig)


def test_decision_never_sends_nan(trained):
    xs, ys, _, margin, Xtr, ytr, Xte, yte = trained
    bad = margin.copy()
    bad[0, 0], bad[1, 1], bad[2, 2] = np.nan, np.inf, -np.inf
    Xbad = Xtr.copy()
    Xbad[0] = np.nan
    fig = decision_figure(xs, ys, bad, Xbad, ytr, Xte, yte)
    assert_finite_json(fig)
    assert fig.data[0].z[0, 0] == fig.data[0].z[1, 1] == fig.data[0].z[2, 2] == 0
    assert sum(len(t.x) for t in fig.data[2:4]) == len(Xtr) - 1
    all_nan = decision_figure(xs, ys, np.full_like(margin, np.nan), Xtr, ytr, Xte, yte)
    assert_finite_json(all_nan)


def test_zero_level_traces_a_circle():
    xs = ys = np.linspace(-1, 1, 21)
    X, Y = np.meshgrid(xs, ys)
    bx, by = zero_level(xs, ys, X**2 + Y**2 - 0.5)
    pts = np.array([(a, b) for a, b in zip(bx, by) if a is not None])
    assert len(pts) > 40 and len(bx) == 3 * len(pts) // 2  # 2-point segments, None-separated
    np.testing.assert_allclose(np.hypot(pts[:, 0], pts[:, 1]), np.sqrt(0.5), atol=5e-3)
    assert zero_level(xs, ys, np.ones((21, 21))) == ([], [])


# ------------------------------------------------------------------ neuron maps
def tile(fig, layer, j, side):
    """Neuron j's map out of layer ``layer``'s column trace (tiles from the top, 3-cell gaps)."""
    column = np.asarray(fig.data[layer].z)
    rows = (column.shape[0] + 3) // (side + 3)
    top = (rows - 1 - j) * (side + 3)
    return column[top:top + side]


def test_neuron_maps_one_column_per_layer(trained):
    xs, ys, fwd, *_ = trained
    fig = neuron_maps_figure(xs, ys, fwd.A[1:], NAMES)
    assert len(fig.data) == 3 and all(t.type == "heatmap" for t in fig.data)
    titles = [a.text for a in fig.layout.annotations]
    for name in ["a₁⁽¹⁾", "a₃⁽¹⁾", "a₁⁽²⁾", "a₄⁽²⁾", "ŷ₁", "ŷ₂", *(f"<b>{n}</b>" for n in NAMES)]:
        assert name in titles
    assert [t.x0 for t in fig.data] == sorted(t.x0 for t in fig.data)  # layer q in column q
    go.Figure(fig.to_dict())  # built from dicts without validation: still valid
    assert not fig.layout.xaxis.visible and not fig.layout.yaxis.visible


def test_neuron_maps_values_and_ranges(trained):
    xs, ys, fwd, *_ = trained
    fig = neuron_maps_figure(xs, ys, fwd.A[1:], NAMES)
    step = 3  # 40 points thinned to 14 a side, landing on the last one
    expected = np.round(fwd.A[2][:, 3].reshape(40, 40)[::step, ::step], 3)
    a42 = tile(fig, 1, 3, 14)
    assert a42.shape == (14, 14) and fig.data[1].z.dtype == np.float32
    np.testing.assert_allclose(a42, expected, atol=1e-6)
    hidden, out = fig.layout.coloraxis, fig.layout.coloraxis2
    assert (hidden.cmin, hidden.cmax) == (-1, 1)
    r = np.abs(fwd.A[3]).max()
    assert out.cmin == pytest.approx(-r, abs=1e-3) and out.cmax == pytest.approx(r, abs=1e-3)
    assert [t.coloraxis for t in fig.data] == ["coloraxis", "coloraxis", "coloraxis2"]
    assert_readable(fig)
    assert fig.layout.uirevision == "neurons"


def test_neuron_maps_full_grid_when_small_and_own_hidden_range():
    xs, ys, P = grid_points(1.0, 10)
    A = [np.column_stack([P[:, 0] * 3, -P[:, 1]]), P[:, :1]]  # e.g. relu: beyond 1
    fig = neuron_maps_figure(xs, ys, A, ["a⁽¹⁾ (relu)", "ŷ"], hidden_range=None)
    np.testing.assert_allclose(tile(fig, 0, 0, 10), (P[:, 0] * 3).reshape(10, 10), atol=1e-3)
    assert fig.layout.coloraxis.cmax == pytest.approx(3)


def test_neuron_maps_never_send_nan_in_a_map_and_check_shapes(trained):
    xs, ys, fwd, *_ = trained
    A = [a.copy() for a in fwd.A[1:]]
    A[0][:200] = np.nan
    A[2][5] = np.inf
    fig = neuron_maps_figure(xs, ys, A, NAMES)
    text = fig.to_json()
    assert "NaN" not in text and "Infinity" not in text
    # NaN only in the gaps between tiles (binary, not JSON), never inside a map
    for layer, width in enumerate((3, 4, 2)):
        for j in range(width):
            assert np.all(np.isfinite(tile(fig, layer, j, 14)))
    with pytest.raises(ValueError, match="name"):
        neuron_maps_figure(xs, ys, fwd.A[1:], NAMES[:2])
    with pytest.raises(ValueError, match=r"activations\[1\]"):
        neuron_maps_figure(xs, ys, [fwd.A[1], fwd.A[2][:-1], fwd.A[3]], NAMES)


def test_map_payload_budget_at_the_live_settings(trained):
    # A trained net's saturated values hold more "/" in base64, which Plotly escapes to
    # "\u002f": the worst case. The live view's settings (lab.live) must leave room in
    # the 60 KB per tick for the curves and the weights.
    from lab.live import GRID, NEURON_SIDE

    *_, Xtr, ytr, Xte, yte = trained
    xs, ys, P = grid_points(1.3, GRID)
    net = MLP(seed=0)
    train(net, Xtr, np.eye(2)[ytr], epochs=200)
    fwd = net.forward(P)
    margin = (fwd.A[-1][:, 1] - fwd.A[-1][:, 0]).reshape(GRID, GRID)
    decision = len(decision_figure(xs, ys, margin, Xtr, ytr, Xte, yte).to_json())
    neurons = len(neuron_maps_figure(xs, ys, fwd.A[1:], NAMES, max_side=NEURON_SIDE).to_json())
    assert decision + neurons <= 36_000, (decision, neurons)
