"""AppTest: shaping the network in the sidebar (hidden layers and their neurons, input
features, the weight penalty), each read after exactly the click a user makes."""

from __future__ import annotations

import numpy as np

from lab.state import SIZES
from nncore import MLP, features
from tests.apptest_util import open_link, run_app


def lab_of(at):
    return at.session_state["lab"]


def headers(at) -> list[str]:
    return [h.value for h in at.sidebar.header]


def test_the_default_is_todays_network():
    at = run_app()
    lab = lab_of(at)
    assert lab.net.sizes == SIZES and "Network 2-3-4-2" in headers(at)
    assert [w.key for w in at.sidebar.number_input if w.key.startswith("width")] == \
        ["width1", "width2"]
    assert at.sidebar.pills(key="features").value == ["x1", "x2"]
    assert at.sidebar.select_slider(key="reg_rate").disabled
    ref = MLP(SIZES, "tanh", seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(lab.net.W, ref.W))


def test_adding_layers_and_neurons():
    at = run_app()
    at.sidebar.number_input(key="layers").set_value(4).run()
    assert lab_of(at).net.sizes == (2, 3, 4, 4, 4, 2) and "Network 2-3-4-4-4-2" in headers(at)
    at.sidebar.number_input(key="width3").set_value(8).run()
    assert lab_of(at).net.sizes == (2, 3, 4, 8, 4, 2)
    at.sidebar.number_input(key="layers").set_value(0).run()
    assert lab_of(at).net.sizes == (2, 2) and "Network 2-2" in headers(at)
    assert not at.exception
    # a stage the deeper network had, beyond the shallow one's 6, shows its last stage
    assert at.slider(key="stage").max == 6


def test_features_feed_the_input_layer_and_none_is_refused_with_a_message():
    at = run_app()
    at.sidebar.pills(key="features").set_value(["x1sq", "x2sq", "sin1"]).run()
    lab = lab_of(at)
    assert lab.net.sizes == (3, 3, 4, 2) and "Network 3-3-4-2" in headers(at)
    want = features.expand(lab.data.X_train, ("x1sq", "x2sq", "sin1"))
    assert np.array_equal(lab.trainer.X, want)
    net = lab.net
    at.sidebar.pills(key="features").set_value([]).run()
    assert lab_of(at).net is net and not at.exception
    assert "Choose at least one input feature" in at.sidebar.warning[0].value


def test_a_penalty_shows_in_the_loss_and_gradient_equations():
    at = run_app()
    at.sidebar.segmented_control(key="regularization").set_value("L2").run()
    lab = lab_of(at)
    assert (lab.net.regularization, lab.net.reg_rate) == ("L2", 0.01)
    assert not at.sidebar.select_slider(key="reg_rate").disabled
    at.slider(key="stage").set_value(7).run()  # the loss
    latex = " ".join(x.body for x in at.latex)
    assert r"L = L_{\mathrm{data}} + \lambda R" in latex
    at.slider(key="stage").set_value(11).run()  # the gradients
    latex = " ".join(x.body for x in at.latex)
    assert r"+ 2\lambda\,\mathbf{W}^{(1)}" in latex
    at.sidebar.select_slider(key="reg_rate").set_value(0.1).run()
    assert lab_of(at).net.reg_rate == 0.1


def test_reset_brings_the_shaped_networks_initial_weights_back():
    at = run_app()
    at.sidebar.number_input(key="layers").set_value(1).run()
    lab = lab_of(at)
    start = lab.net.get_flat().copy()
    lab.trainer.step(30)
    at.sidebar.button(key="reset").click().run()
    assert np.array_equal(lab_of(at).net.get_flat(), start)
    assert lab_of(at).net.sizes == (2, 3, 2)


def test_a_link_opens_its_network_and_one_without_the_fields_opens_todays():
    at = open_link({"layers": "1", "width1": "8", "features": ["x₁²", "x₂²"],
                    "regularization": "L1", "reg_rate": "0.03"})
    lab = lab_of(at)
    assert lab.net.sizes == (2, 8, 2) and lab.settings.features == ("x1sq", "x2sq")
    assert (lab.net.regularization, lab.net.reg_rate) == ("L1", 0.03)
    assert lab_of(open_link({"lr": "0.3"})).net.sizes == SIZES


def test_the_lesson_follows_the_derivations_network_and_says_so():
    at = run_app()
    at.sidebar.number_input(key="layers").set_value(3).run()
    at.session_state["tab"] = "Lesson"
    at.run()
    assert not at.exception
    assert any("The lesson follows the derivation's network, 2-3-4-2" in i.value
               for i in at.info)


def test_the_maps_toggles_reach_the_player():
    import json

    at = run_app()
    at.session_state["tab"] = "Train"
    at.run()

    def data():
        el = next(e for e in at.get("bidi_component")
                  if e.proto.component_name == "backprop_lab.player")
        return json.loads(el.proto.json)

    assert (data()["show_test"], data()["discretize"]) == (True, False)
    at.toggle(key="show_test").set_value(False).run()
    assert data()["show_test"] is False
    at.toggle(key="discretize").set_value(True).run()
    assert data()["discretize"] is True and data()["show_test"] is False


def test_a_regression_set_gives_one_output_and_every_tab_works():
    import json

    at = run_app()
    at.sidebar.selectbox(key="dataset").set_value("gauss").run()
    lab = lab_of(at)
    assert lab.net.sizes == (2, 3, 4, 1) and "Network 2-3-4-1" in headers(at)
    assert any("Regression" in c.value for c in at.sidebar.caption)
    assert "target y =" in " ".join(c.value for c in at.caption)
    for tab in ("Lesson", "Train", "Gradient check", "Derivation", "Backprop, step by step"):
        at.session_state["tab"] = tab
        at.run()
        assert not at.exception, (tab, [e.message for e in at.exception])
        if tab == "Lesson":
            assert any("on the two-class xor data" in i.value for i in at.info)
        if tab == "Train":
            el = next(e for e in at.get("bidi_component")
                      if e.proto.component_name == "backprop_lab.player")
            t = json.loads(el.proto.json)["points"]["t"]
            got = np.frombuffer(__import__("base64").b64decode(t), "<f8")
            d = lab_of(at).data
            assert np.array_equal(got, np.concatenate([d.Y_train[:, 0], d.Y_test[:, 0]]))
    at.slider(key="stage").set_value(7).run()  # the loss: one output, one term
    assert r"\hat{y}_l - y_l" in " ".join(x.body for x in at.latex)
