"""AppTest: the network view, its equations with numbers, picker, one step, reset, grad check."""

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
    """The i-th equation's numeric line (the panel writes symbolic, numeric, shapes)."""
    return at.latex[3 * i + 1].value


@pytest.fixture(scope="module")
def app():
    return run_app()


@pytest.mark.parametrize("form", ["sample", "batch"])
def test_every_stage_renders_in_both_forms(app, form):
    at = app
    at.radio(key="form").set_value(form).run()
    for k in range(len(STAGES)):
        at.select_slider(key="stage").set_value(k).run()
        assert not at.exception, (form, STAGES[k].key, [e.message for e in at.exception])
        assert len(at.latex) >= 3
        spec = at.get("plotly_chart")[0].proto.spec
        assert len(spec) <= 150_000  # the network figure with all its frames


def test_equation_numbers_equal_nncore_sample_form():
    at = run_app()
    at.number_input(key="sample_index").set_value(7).run()
    net, d = fresh_net_and_data()
    x, y = d.X_train[7], d.Y_train[7]
    f = net.forward_sample(x)
    g = net.backward_sample(f, y)
    at.select_slider(key="stage").set_value(1).run()  # z1 = W1 x + b1
    np.testing.assert_allclose(numbers(numeric_latex(at)),
                               flat(net.W[0], x, net.b[0], f.z[0]), atol=5e-4)
    at.select_slider(key="stage").set_value(8).run()  # δ2 = σ'(z2) ⊙ (W3ᵀ δ3)
    assert STAGES[8].key == "delta2"
    np.testing.assert_allclose(numbers(numeric_latex(at)),
                               flat(1 - np.tanh(f.z[1]) ** 2, net.W[2].T, g.delta[2],
                                    g.delta[1]), atol=5e-4)
    at.select_slider(key="stage").set_value(6).run()  # loss
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
    at.select_slider(key="stage").set_value(7).run()  # Δ3 = (2/N)(Ŷ − Y)
    assert STAGES[7].key == "delta3"
    got = numbers(numeric_latex(at))
    np.testing.assert_allclose(got, flat(f.A[3], Y, g.delta[2]), atol=5e-4)
    at.select_slider(key="stage").set_value(10).run()  # ∂L/∂W^(1) = Δ1ᵀ X
    got = numbers(numeric_latex(at, 0))
    np.testing.assert_allclose(got, flat(g.delta[0].T, X, g.dW[0], g.db[0]), atol=5e-4)
    # the extra line: batch gradient = mean of per-sample gradients
    mean_line = numeric_latex(at, 3)
    assert r"\frac{1}{3}" in mean_line


def test_stage_buttons_wrap_around():
    at = run_app()
    at.button(key="prev_stage").click().run()
    assert at.select_slider(key="stage").value == len(STAGES) - 1
    at.button(key="next_stage").click().run()
    assert at.select_slider(key="stage").value == 0
    at.button(key="next_stage").click().run()
    assert at.select_slider(key="stage").value == 1


def test_one_step_updates_weights_and_reset_restores_them():
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
    assert len(at.metric) >= 1
    at.button(key="reset").click().run()
    lab = at.session_state["lab"]
    assert all(np.array_equal(a, b) for a, b in zip(lab.net.W + lab.net.b, net.W + net.b))


def test_gradient_check_panel_passes():
    at = run_app()
    assert any("Pass" in s.value for s in at.success)
    table = at.dataframe[0].value
    assert len(table) == 35
    assert (table["relative error"] <= 1e-7).all()


def test_out_of_range_sample_index_is_clamped_when_data_shrinks():
    at = run_app()
    at.number_input(key="sample_index").set_value(279).run()
    at.slider(key="n_samples").set_value(50).run()
    assert not at.exception
    assert at.number_input(key="sample_index").value <= 34
