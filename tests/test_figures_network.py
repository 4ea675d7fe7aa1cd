"""The network figure builder: structure, encodings, one stage per figure, payload."""

import numpy as np
import pytest
from plotly.colors import sample_colorscale

from lab.figures.network import (
    PENDING,
    layer_heading,
    network_figure,
    node_name,
    pass_spans,
    stage_caption,
)
from lab.figures.style import DIVERGING, NEG, POS, contrast, fill, ink_on
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


def test_node_colours_encode_the_values_on_one_scale_for_the_whole_pass(setup):
    _net, _stages, p, _ = setup
    nodes = frame(p, "z2").data[N_EDGES]
    values = np.concatenate([p.A[0][0], p.A[1][0], p.Z[1][0]])  # x, a1; z2; output pending
    every = np.concatenate([p.A[0][0], p.A[1][0], p.A[2][0], *[z[0] for z in p.Z]])
    span = max(np.max(np.abs(every)), 1.0)  # every value of the pass (tanh: at least 1)
    assert pass_spans(p)["value"] == pytest.approx(span)
    expected = [sample_colorscale(DIVERGING, [0.5 + 0.5 * v / span])[0] for v in values]
    assert list(nodes.marker.color[:9]) == expected
    assert list(nodes.marker.color[9:]) == [PENDING, PENDING]
    assert list(nodes.text[5:9]) == [f"{v:.2f}" for v in p.Z[1][0]]


def test_a_value_keeps_its_colour_from_stage_to_stage(setup):
    """x₁'s node is the same colour at every stage of a pass (it was rescaled per stage)."""
    _, stages, p, b = setup
    for pas in (p, b):
        colours = {network_figure(pas, stages, active=k).data[N_EDGES].marker.color[0]
                   for k in range(len(stages))}
        assert len(colours) == 1, colours


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


def test_colour_bars_span_each_quantity_of_the_pass(setup):
    _, stages, p, _ = setup
    spans = pass_spans(p)
    for k, stage in enumerate(stages):
        fig = network_figure(p, stages, active=k)
        bars = [t.marker for t in fig.data if t.marker and t.marker.showscale]
        got = {b.colorbar.title.text: (b.cmin, b.cmax) for b in bars}
        assert got["x, z, a"] == pytest.approx((-spans["value"], spans["value"])), stage.key
        if "delta" in stage.shows:
            assert got["δ"] == pytest.approx((-spans["delta"], spans["delta"])), stage.key
        else:
            assert "δ" not in got, stage.key


def test_every_text_on_any_fill_of_the_scale_is_readable():
    """WCAG AA: at least 4.5:1 between a node's number and its fill, for every colour the
    scale can produce (black or white text, whichever contrasts more)."""
    worst = min(contrast(fill(t), ink_on(fill(t))) for t in np.linspace(-1, 1, 2001))
    assert worst >= 4.5, worst


def test_numbers_take_the_ink_that_contrasts_more(setup):
    _, stages, p, _ = setup
    for k in range(len(stages)):
        nodes = network_figure(p, stages, active=k).data[N_EDGES]
        for colour, ink, text in zip(nodes.marker.color, nodes.textfont.color, nodes.text):
            if text:
                assert ink == ink_on(colour) and contrast(colour, ink) >= 4.5, (k, colour)


def test_nodes_and_layers_are_named_for_what_they_show():
    assert [node_name(1, 0, 3, k, False) for k in ("z", "a", "delta")] == ["z₁⁽¹⁾", "a₁⁽¹⁾",
                                                                           "δ₁⁽¹⁾"]
    assert node_name(3, 1, 3, "a", False) == "ŷ₂" and node_name(0, 0, 3, "a", True) == "X₁"
    assert node_name(2, 3, 3, "delta", True) == "ΣΔ₄⁽²⁾"
    assert layer_heading(1, 3, "z", False) == "layer 1<br><b>z⁽¹⁾</b>"
    assert layer_heading(3, 3, "delta", True) == "output<br><b>1ᵀΔ⁽³⁾</b>"
    assert layer_heading(2, 3, "", False) == "layer 2<br><b>—</b>"


def test_the_heading_and_names_follow_the_stage(setup):
    _, stages, p, _ = setup
    texts = lambda key: [a.text for a in network_figure(
        p, stages, active=[s.key for s in stages].index(key)).layout.annotations]
    assert "z₂⁽¹⁾" in texts("z1") and "a₂⁽¹⁾" in texts("a1")
    assert "δ₂⁽¹⁾" in texts("delta1") and "a₂⁽¹⁾" not in texts("delta1")
    assert "output<br><b>δ⁽³⁾</b>" in texts("delta3")


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
