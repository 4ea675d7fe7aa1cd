"""AppTest: the step-by-step view. Every assertion reads the page after exactly the one
run a user's interaction causes (no extra rerun that could hide a view lagging behind)."""

import numpy as np
import pytest
from apptest_util import flat, numbers, run_app

from lab.stages import build_stages
from lab.state import Settings, make_data
from nncore import MLP

STAGES = build_stages(3)


def fresh_net_and_data():
    s = Settings()
    return MLP((2, 3, 4, 2), s.activation, seed=s.seed), make_data(s)


def numeric_latex(at, i=0):
    """The i-th equation's numeric line (the view writes symbolic, numeric, shapes)."""
    return at.latex[3 * i + 1].value


def heading(at) -> str:
    """The stage heading: "k/12 · title", then " · L = …" past the forward stages."""
    return next(h.value for h in at.subheader if "/12 · " in h.value)


def chart(at, key: str):
    return next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key))


def scatter_ring(at) -> list[int]:
    """Sample ids circled on the picker scatter (its last trace, "flowing through")."""
    import json
    spec = json.loads(chart(at, "sample_scatter").proto.spec)
    ring = spec["data"][-1]
    assert ring["name"] == "flowing through"
    cd = ring["customdata"]
    if isinstance(cd, dict):  # base64-packed by Plotly
        import base64
        cd = np.frombuffer(base64.b64decode(cd["bdata"]), dtype=cd["dtype"]).tolist()
    return [int(v) for v in cd]


@pytest.fixture(scope="module")
def app():
    return run_app()


@pytest.mark.parametrize("form", ["sample", "batch"])
def test_every_stage_renders_in_both_forms(app, form):
    at = app
    at.radio(key="form").set_value(form).run()
    for k in range(len(STAGES)):
        at.slider(key="stage").set_value(k + 1).run()
        assert not at.exception, (form, STAGES[k].key, [e.message for e in at.exception])
        assert len(at.latex) >= 3
        assert heading(at).startswith(f"{k + 1}/12 · " + build_stages(3, form)[k].title)
        assert len(chart(at, "network_chart").proto.spec) <= 25_000  # one stage, no frames


def test_typed_sample_shows_at_once_in_equations_picture_and_ring():
    at = run_app()
    net, d = fresh_net_and_data()
    at.slider(key="stage").set_value(1 + 1).run()  # z1 = W1 x + b1
    at.number_input(key="sample_index").set_value(7).run()  # the one run of this change
    x = d.X_train[7]
    f = net.forward_sample(x)
    np.testing.assert_allclose(numbers(numeric_latex(at)),
                               flat(net.W[0], x, net.b[0], f.z[0]), atol=5e-4)
    assert scatter_ring(at) == [7]
    assert any(c.value.startswith(f"sample 7: x = ({x[0]:.3f}, {x[1]:.3f})") for c in at.caption)
    node_text = __import__("json").loads(chart(at, "network_chart").proto.spec)["data"][26]["text"]
    assert node_text[:2] == [f"{x[0]:.2f}", f"{x[1]:.2f}"]


def test_batch_size_change_shows_at_once():
    at = run_app()
    at.radio(key="form").set_value("batch").run()
    at.slider(key="stage").set_value(0 + 1).run()
    at.slider(key="view_batch_size").set_value(6).run()
    _, d = fresh_net_and_data()
    np.testing.assert_allclose(numbers(numeric_latex(at)), flat(d.X_train[:6], d.Y_train[:6]),
                               atol=5e-4)
    assert scatter_ring(at) == [0, 1, 2, 3, 4, 5]


def test_equation_numbers_equal_nncore_sample_form():
    at = run_app()
    at.number_input(key="sample_index").set_value(7).run()
    net, d = fresh_net_and_data()
    x, y = d.X_train[7], d.Y_train[7]
    f = net.forward_sample(x)
    g = net.backward_sample(f, y)
    at.slider(key="stage").set_value(8 + 1).run()  # δ2 = σ'(z2) ⊙ (W3ᵀ δ3)
    assert STAGES[8].key == "delta2"
    np.testing.assert_allclose(numbers(numeric_latex(at)),
                               flat(1 - np.tanh(f.z[1]) ** 2, net.W[2].T, g.delta[2],
                                    g.delta[1]), atol=5e-4)
    at.slider(key="stage").set_value(6 + 1).run()  # loss
    assert numbers(numeric_latex(at))[-1] == pytest.approx(g.loss, abs=5e-4)


def test_equation_numbers_equal_nncore_batch_form():
    at = run_app()
    at.radio(key="form").set_value("batch").run()
    at.slider(key="view_batch_size").set_value(3).run()
    at.number_input(key="sample_index").set_value(10).run()
    net, d = fresh_net_and_data()
    idx = [10, 11, 12]
    X, Y = d.X_train[idx], d.Y_train[idx]
    f = net.forward(X)
    g = net.backward(f, Y)
    at.slider(key="stage").set_value(7 + 1).run()  # Δ3 = (2/N)(Ŷ − Y)
    assert heading(at).startswith("8/12 · Backward: Δ⁽³⁾ = (2/N)(Ŷ − Y)")
    np.testing.assert_allclose(numbers(numeric_latex(at)), flat(f.A[3], Y, g.delta[2]),
                               atol=5e-4)
    at.slider(key="stage").set_value(8 + 1).run()  # Δ2 = (Δ3 W3) ⊙ σ'(Z2): W, not Wᵀ
    np.testing.assert_allclose(numbers(numeric_latex(at)),
                               flat(g.delta[2], net.W[2], 1 - np.tanh(f.Z[1]) ** 2, g.delta[1]),
                               atol=5e-4)
    at.slider(key="stage").set_value(10 + 1).run()  # ∂L/∂W^(1) = Δ1ᵀ X, Δ1 printed ⊤
    np.testing.assert_allclose(numbers(numeric_latex(at, 0)), flat(g.delta[0], X, g.dW[0]),
                               atol=5e-4)
    np.testing.assert_allclose(numbers(numeric_latex(at, 1)), flat(g.delta[0], g.db[0]),
                               atol=5e-4)
    assert r"\frac{1}{3}" in numeric_latex(at, 6)  # the mean of the per-sample gradients


def test_stage_buttons_stop_at_the_ends():
    at = run_app()
    at.button(key="prev_stage").click().run()
    assert at.slider(key="stage").value == 1
    at.button(key="next_stage").click().run()
    assert at.slider(key="stage").value == 2
    assert heading(at).startswith("2/12 · " + STAGES[1].title)


def test_play_moves_slider_heading_picture_and_equations_together():
    at = run_app()
    at.button(key="play_stages_button").click().run()
    assert at.button(key="play_stages_button").label == "Pause"
    import json
    for _ in range(14):
        k = (at.slider(key="stage").value - 1)
        assert heading(at).startswith(f"{k + 1}/12 · " + STAGES[k].title)
        fig = json.loads(chart(at, "network_chart").proto.spec)
        rings = fig["data"][26]["marker"]["line"]["width"]
        assert len(rings) == 11
        at.run()  # one tick of the play timer
    assert (at.slider(key="stage").value - 1) == len(STAGES) - 1
    assert at.session_state["play_stages"] is False  # the last stage ends the play
    assert at.button(key="play_stages_button").label == "Play"


def test_pause_stops_the_stage_play_where_it_is():
    at = run_app()
    at.button(key="play_stages_button").click().run()
    at.run()  # a tick of the play timer
    k = at.slider(key="stage").value
    assert k > 1
    at.button(key="play_stages_button").click().run()  # Pause
    assert at.button(key="play_stages_button").label == "Play"
    assert at.session_state["play_stages"] is False
    at.run()  # a late tick: the play stays paused on that stage
    assert at.slider(key="stage").value == k and heading(at).startswith(f"{k}/12 ·")


def test_a_late_tick_with_the_stage_before_does_not_stop_the_play_a_move_does():
    """While playing, a request the page sent before it drew the server's last stage still
    carries the stage before (a slow server, a timer tick): the play goes on from the
    server's stage. Moving the slider anywhere else stops the play there."""
    at = run_app()
    at.button(key="play_stages_button").click().run()
    at.run()  # a tick: stage 2 (the page may still say 1)
    k = at.slider(key="stage").value
    at.slider(key="stage").set_value(k - 1).run()  # the late request: the stage before
    assert at.session_state["play_stages"] is True
    assert at.slider(key="stage").value == k + 1  # this run's tick, from the server's stage
    at.slider(key="stage").set_value(10).run()  # the user's move
    assert at.session_state["play_stages"] is False
    assert at.slider(key="stage").value == 10 and heading(at).startswith("10/12 ·")


def test_one_step_uses_the_rows_just_picked_and_reset_restores_them():
    at = run_app()
    at.number_input(key="sample_index").set_value(3).run()
    net, d = fresh_net_and_data()
    g = net.gradients(d.X_train[[3]], d.Y_train[[3]])
    at.button(key="apply_step").click().run()
    assert not at.exception
    lab = at.session_state["lab"]
    lr = lab.settings.lr
    for q in range(3):
        np.testing.assert_allclose(lab.net.W[q], net.W[q] - lr * g.dW[q], atol=1e-15)
    assert lab.last_step["loss_after"] < lab.last_step["loss_before"]
    assert any("the loss on those rows went from" in t.value for t in at.toast)
    # the update equation shown is this step's: old − γ ∂L/∂W = new, for W^(3)
    eq = next(lt.value for lt in at.latex if r"\leftarrow" in lt.value and "W" in lt.value)
    step_line = at.latex[[lt.value for lt in at.latex].index(eq) + 1].value
    np.testing.assert_allclose(numbers(step_line),
                               flat(net.W[2], lr, g.dW[2], lab.net.W[2]), atol=5e-4)
    at.button(key="reset").click().run()
    lab = at.session_state["lab"]
    assert all(np.array_equal(a, b) for a, b in zip(lab.net.W + lab.net.b, net.W + net.b))


def test_one_step_that_blows_up_is_undone_with_a_message():
    at = run_app()
    at.select_slider(key="lr").set_value(10.0).run()
    for _ in range(14):
        at.button(key="apply_step").click().run()
        lab = at.session_state["lab"]
        assert all(np.isfinite(w).all() for w in lab.net.W)
    assert lab.last_step["undone"], "γ = 10 on one sample never hit the divergence rule"
    before = [w.copy() for w in lab.net.W]
    assert any("learning rate" in e.value for e in at.error)
    at.button(key="apply_step").click().run()
    # an undone step leaves every weight exactly as it was, never zero
    lab = at.session_state["lab"]
    assert all(np.array_equal(a, b) for a, b in zip(lab.net.W, before))
    assert any(np.abs(w).max() > 0 for w in lab.net.W)


def test_gradient_check_tab_passes_on_the_picked_sample():
    at = run_app()
    at.number_input(key="sample_index").set_value(5).run()
    at.session_state["tab"] = "Gradient check"
    at.run()
    assert any("Pass" in s.value and "sample 5" in s.value for s in at.success)
    table = at.dataframe[0].value
    assert len(table) == 35


def test_out_of_range_sample_index_is_clamped_when_data_shrinks():
    at = run_app()
    at.number_input(key="sample_index").set_value(279).run()
    at.slider(key="n_samples").set_value(50).run()
    assert not at.exception
    assert at.number_input(key="sample_index").value == 34
    assert scatter_ring(at) == [34]


def test_only_the_open_tab_runs():
    at = run_app()
    assert len(at.get("plotly_chart")) == 2  # network picture and sample scatter (popover)
    at.session_state["tab"] = "Derivation"
    at.run()
    assert not at.get("plotly_chart")
    assert sorted(c.key for c in at.get("bidi_component")) == ["copy_link", "downloads"]  # no player
    assert any("Backward pass" in m.value for m in at.markdown)


def test_your_turn_hides_the_asked_value_in_the_picture_and_checks_the_answer():
    import json
    at = run_app()
    at.slider(key="stage").set_value(2).run()  # z1 = W1 x + b1
    assert not any("?" in t for t in json.loads(chart(at, "network_chart").proto.spec)["data"][26]["text"])
    at.toggle(key="your_turn_on").set_value(True).run()
    lab = at.session_state["lab"]
    q = lab.quiz.question
    assert q is not None and q.kind == "z"
    texts = json.loads(chart(at, "network_chart").proto.spec)["data"][26]["text"]
    assert texts.count("?") == 1 and texts[2 + q.index[2]] == "?"
    assert any(r"\boxed" in lt.value or "?" in lt.value for lt in at.latex)
    at.text_input(key="answer").input(f"{q.answer:.3f}").run()
    at.button(key="check_answer").click().run()
    assert lab.quiz.score == "1 of 1 right"
