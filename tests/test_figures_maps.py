"""lab.figures.maps: the grid, the decision map and the neuron thumbnails (no Streamlit)."""

import base64
import json

import numpy as np
import plotly.graph_objects as go
import pytest

from lab.figures import style
from lab.figures.maps import MAX_RESOLUTION, decision_figure, grid_points, neuron_maps_figure
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
    shade = fig.data[0]
    assert shade.type == "contour" and len(fig.data) == 5
    assert shade.z.dtype == np.float32 and shade.z.shape == (40, 40)
    np.testing.assert_allclose(shade.z, np.round(margin, 3), atol=1e-6)
    assert shade.contours.start == shade.contours.end == 0 and shade.contours.showlines
    r = min(np.abs(margin).max(), 1.5)
    assert shade.zmin == pytest.approx(-r, abs=1e-3) and shade.zmax == pytest.approx(r, abs=1e-3)
    assert shade.zmid == 0 and shade.colorbar.title.text == "ŷ₂ − ŷ₁"
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
    points = {t.name: t for t in fig.data[1:]}
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
    assert len(fig.data[1].x) == np.sum(ytr == 0)
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
    assert sum(len(t.x) for t in fig.data[1:3]) == len(Xtr) - 1
    all_nan = decision_figure(xs, ys, np.full_like(margin, np.nan), Xtr, ytr, Xte, yte)
    assert_finite_json(all_nan)


# ------------------------------------------------------------------ neuron maps
def test_neuron_maps_one_column_per_layer(trained):
    xs, ys, fwd, *_ = trained
    fig = neuron_maps_figure(xs, ys, fwd.A[1:], NAMES)
    assert len(fig.data) == 9 and all(t.type == "heatmap" for t in fig.data)
    titles = [a.text for a in fig.layout.annotations]
    for name in ["a₁⁽¹⁾", "a₃⁽¹⁾", "a₁⁽²⁾", "a₄⁽²⁾", "ŷ₁", "ŷ₂", *(f"<b>{n}</b>" for n in NAMES)]:
        assert name in titles
    # layer q sits in column q: every map of a layer shares its x domain
    domains = [fig.layout["xaxis" + t.xaxis[1:]].domain for t in fig.data]
    start = 0
    for width in (3, 4, 2):
        assert len(set(domains[start:start + width])) == 1
        start += width
    assert len(set(domains)) == 3
    go.Figure(fig.to_dict())  # built from dicts without validation: still valid
    assert not any(ax.visible for ax in fig.select_xaxes()) and not any(
        ax.visible for ax in fig.select_yaxes())


def test_neuron_maps_values_and_ranges(trained):
    xs, ys, fwd, *_ = trained
    fig = neuron_maps_figure(xs, ys, fwd.A[1:], NAMES)
    step = 3  # 40 points thinned to 14 a side, landing on the last one
    expected = np.round(fwd.A[2][:, 3].reshape(40, 40)[::step, ::step], 3)
    a42 = fig.data[3 + 3]
    assert a42.z.shape == (14, 14) and a42.z.dtype == np.float32
    np.testing.assert_allclose(a42.z, expected, atol=1e-6)
    assert a42.x0 + 13 * a42.dx == pytest.approx(xs[-1])
    hidden, out = fig.layout.coloraxis, fig.layout.coloraxis2
    assert (hidden.cmin, hidden.cmax) == (-1, 1)
    r = np.abs(fwd.A[3]).max()
    assert out.cmin == pytest.approx(-r, abs=1e-3) and out.cmax == pytest.approx(r, abs=1e-3)
    assert [t.coloraxis for t in fig.data] == ["coloraxis"] * 7 + ["coloraxis2"] * 2
    assert_readable(fig)
    assert fig.layout.uirevision == "neurons"


def test_neuron_maps_full_grid_when_small_and_own_hidden_range():
    xs, ys, P = grid_points(1.0, 10)
    A = [np.column_stack([P[:, 0] * 3, -P[:, 1]]), P[:, :1]]  # e.g. relu: beyond 1
    fig = neuron_maps_figure(xs, ys, A, ["a⁽¹⁾ (relu)", "ŷ"], hidden_range=None)
    np.testing.assert_allclose(fig.data[0].z, (P[:, 0] * 3).reshape(10, 10), atol=1e-3)
    assert fig.layout.coloraxis.cmax == pytest.approx(3)


def test_neuron_maps_never_send_nan_and_check_shapes(trained):
    xs, ys, fwd, *_ = trained
    A = [a.copy() for a in fwd.A[1:]]
    A[0][:200] = np.nan
    A[2][5] = np.inf
    assert_finite_json(neuron_maps_figure(xs, ys, A, NAMES))
    with pytest.raises(ValueError, match="name"):
        neuron_maps_figure(xs, ys, fwd.A[1:], NAMES[:2])
    with pytest.raises(ValueError, match=r"activations\[1\]"):
        neuron_maps_figure(xs, ys, [fwd.A[1], fwd.A[2][:-1], fwd.A[3]], NAMES)


def test_map_payload_budget(trained):
    # A trained net's saturated values hold more "/" in base64, which Plotly escapes to
    # "\u002f": this is the worst case, not an untrained net's ~38 KB.
    xs, ys, fwd, margin, Xtr, ytr, Xte, yte = trained
    decision = len(decision_figure(xs, ys, margin, Xtr, ytr, Xte, yte).to_json())
    neurons = len(neuron_maps_figure(xs, ys, fwd.A[1:], NAMES).to_json())
    assert decision + neurons <= 45_000, (decision, neurons)


def test_training_module_reexports():
    from lab.figures import training

    assert training.decision_figure is decision_figure
    assert callable(training.loss_figure) and callable(training.gradient_flow_figure)
