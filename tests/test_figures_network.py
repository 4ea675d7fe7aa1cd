"""The network figure builder: structure, encodings, one stage per figure, payload."""

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.colors import sample_colorscale

from lab.figures.network import PENDING, _luminance, network_figure, stage_caption, weights_figure
from lab.figures.style import DIVERGING, NEG, POS
from lab.passdata import compute_pass
from lab.stages import build_stages
from nncore import MLP, datasets

N_EDGES = 6 + 12 + 8


@pytest.fixture(scope="module")
def setup():
    X, Y = datasets.make("moons", n=60, noise=0.1, seed=1)
    net = MLP(seed=4)
    stages = build_stages(net.L)
    sample = compute_pass(net, X, Y, [5], 0.1, "sample")
    batch = compute_pass(net, X, Y, [1, 2, 3, 4], 0.1, "batch")
    return net, stages, sample, batch


class _Stage:
    """The figure drawn at the stage named ``key`` (the view draws one stage at a time)."""

    def __init__(self, p, stages, key):
        k = [s.key for s in stages].index(key)
        self.data = network_figure(p, stages, active=k).data


def frame(fig_or_p, key, stages=None):
    return _Stage(fig_or_p, stages or build_stages(3, fig_or_p.form), key)


def test_stage_list_covers_every_equation_in_order(setup):
    _, stages, _, _ = setup
    assert [s.key for s in stages] == ["input", "z1", "a1", "z2", "a2", "yhat", "loss", "delta3",
                                       "delta2", "delta1", "grads", "update"]
    assert [s.lit for s in stages if s.phase == "backward"] == [0, 3, 2]


def test_one_stage_per_figure_no_animation_and_small_payload(setup):
    _net, stages, p, b = setup
    for pas in (p, b):
        for k in range(len(stages)):
            fig = network_figure(pas, stages, active=k)
            lines = [t for t in fig.data if t.mode == "lines"]
            assert len(lines) == N_EDGES
            # no Plotly frames or Play buttons: they ran out of step with the equations
            assert not fig.frames and not fig.layout.updatemenus and not fig.layout.sliders
            assert len(fig.to_json()) <= 25_000


def test_edge_colour_is_sign_and_width_grows_with_abs_weight(setup):
    net, stages, p, _ = setup
    fig = network_figure(p, stages, active=1)
    w = np.concatenate([m.ravel() for m in net.W])  # edge order: W^(1), W^(2), W^(3) row-major
    edges = fig.data[:N_EDGES]
    assert [e.line.color for e in edges] == [POS if v >= 0 else NEG for v in w]
    widths = np.array([e.line.width for e in edges])
    order = np.argsort(np.abs(w))
    assert np.all(np.diff(widths[order]) >= -1e-12)


def test_node_colours_encode_the_values(setup):
    _net, _stages, p, _ = setup
    nodes = frame(p, "z2").data[N_EDGES]
    values = [p.A[0][0], p.A[1][0], p.Z[1][0]]  # x, a1 shown; layer 2 shows z2; output pending
    span = max(np.max(np.abs(np.concatenate(values))), 1e-9)
    expected = [sample_colorscale(DIVERGING, [0.5 + 0.5 * v / span])[0]
                for v in np.concatenate(values)]
    assert list(nodes.marker.color[:9]) == expected
    assert list(nodes.marker.color[9:]) == [PENDING, PENDING]
    assert list(nodes.text[5:9]) == [f"{v:.2f}" for v in p.Z[1][0]]


def test_forward_lights_the_feeding_edges_backward_the_outgoing_ones(setup):
    _, _stages, p, _ = setup
    op = lambda key: np.array([t.opacity for t in frame(p, key).data[:N_EDGES]])
    w1, w2, w3 = slice(0, 6), slice(6, 18), slice(18, 26)
    z1 = op("z1")
    assert np.all(z1[w1] > 0.9) and np.all(z1[6:] < 0.5)
    d2 = op("delta2")  # δ2 = σ'(z2) ⊙ (W3ᵀ δ3): the edges of W^(3) carry δ3 back
    assert np.all(d2[w3] > 0.9) and np.all(d2[:18] < 0.5)
    d1 = op("delta1")
    assert np.all(d1[w2] > 0.9) and np.all(d1[w1] < 0.5) and np.all(d1[w3] < 0.5)
    rings = np.array(frame(p, "delta2").data[N_EDGES].marker.line.width)
    assert np.all(rings[5:9] > 3) and np.all(rings[:5] < 3)


def test_backward_nodes_show_delta_and_gradient_stage_shows_gradients(setup):
    _, _stages, _p, b = setup
    nodes = frame(b, "delta1").data[N_EDGES]
    # batch: δ summed over the batch is ∂L/∂b
    assert list(nodes.text[2:5]) == [f"{v:.2f}" for v in b.db[0]]
    grads = frame(b, "grads").data[:N_EDGES]
    g = np.concatenate([m.ravel() for m in b.dW])
    assert [e.line.color for e in grads] == [POS if v >= 0 else NEG for v in g]


def test_colour_scale_follows_the_stage(setup):
    _, stages, p, _ = setup
    for k, stage in enumerate(stages):
        fig = network_figure(p, stages, active=k)
        scale = fig.data[N_EDGES + 1].marker
        shown = [p.node_values(kind, q) for q, kind in enumerate(stage.shows) if kind]
        span = max(float(np.max(np.abs(np.concatenate(shown)))), 1e-9)
        if {kd for kd in stage.shows if kd} == {"a"}:
            span = max(span, 1.0)  # tanh activations: the whole range −1 … 1
        assert (scale.cmin, scale.cmax) == pytest.approx((-span, span)), stage.key


def test_numbers_on_dark_nodes_are_white_and_on_light_nodes_dark(setup):
    _, stages, p, _ = setup
    for k in range(len(stages)):
        nodes = network_figure(p, stages, active=k).data[N_EDGES]
        for fill, ink, text in zip(nodes.marker.color, nodes.textfont.color, nodes.text):
            if text:
                assert (ink == "white") == (_luminance(fill) < 0.21), (k, fill, ink)


def test_caption_uses_the_notation_of_the_form(setup):
    _, _, p, b = setup
    sample_stages, batch_stages = build_stages(3, "sample"), build_stages(3, "batch")
    cap = " ".join(stage_caption(sample_stages[8], p))
    assert "δ" in cap and "Δ" not in cap
    cap = " ".join(stage_caption(batch_stages[8], b))
    assert "Δ" in cap and "δ" not in cap and "batch of 4" in cap
    assert "Z and A averaged" in " ".join(stage_caption(batch_stages[3], b))


def test_hover_gives_exact_numbers(setup):
    net, stages, p, _ = setup
    fig = network_figure(p, stages)
    node_hover = fig.data[N_EDGES].hovertext
    assert f"z = {p.Z[0][0][0]:.4g}" in node_hover[2]
    edge_hover = next(t for t in fig.data if t.mode == "markers" and t.hovertext
                      and "∂L/∂w" in t.hovertext[0]).hovertext
    assert len(edge_hover) == N_EDGES
    assert f"= {net.W[0][0, 0]:.4g}" in edge_hover[0]


def test_weights_figure(setup):
    net, _, _, _ = setup
    fig = weights_figure(net.W, net.b, "tanh")
    assert sum(t.mode == "lines" for t in fig.data) == N_EDGES
    assert len(fig.to_json()) < 20_000
    go.Figure(fig.to_dict())  # built without validation: it must still be valid
