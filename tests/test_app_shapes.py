"""AppTest: shaping the network in the sidebar (hidden layers and their neurons, input
features, the weight penalty), each read after exactly the click a user makes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from apptest_util import open_link, run_app

from lab.state import SIZES
from nncore import MLP, features


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


def lesson_heading(at) -> str:
    return next(h.value for h in at.subheader if h.value.startswith("Step "))


@pytest.mark.parametrize("layers, n_steps", [(3, 14), (1, 13), (0, 10)])
def test_the_lesson_follows_the_sidebars_network(layers, n_steps):
    at = run_app()
    at.sidebar.number_input(key="layers").set_value(layers).run()
    at.session_state["tab"] = "Lesson"
    at.run()
    assert not at.exception
    sizes = lab_of(at).net.sizes
    assert lesson_heading(at) == f"Step 1 of {n_steps}: The network and its notation"
    text = at.markdown[0].value
    n_params = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    assert f"{n_params} parameters in all" in text and f"$n_{layers + 1} = 2$ outputs" in text
    assert not any("2-3-4-2" in i.value for i in at.info)  # no other network stands in
    for k in range(2, n_steps + 1):  # to the end, one run per click
        at.button(key="lesson_next").click().run()
        assert not at.exception, k
        assert lesson_heading(at).startswith(f"Step {k} of {n_steps}: ")
        assert "<<" not in at.markdown[0].value
    assert at.button(key="lesson_next").disabled


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
        if tab == "Lesson":  # the lesson's own sample, of this regression
            assert "its target is the number $y =" in at.markdown[0].value
            assert "class 1" not in at.markdown[0].value
        if tab == "Train":
            el = next(e for e in at.get("bidi_component")
                      if e.proto.component_name == "backprop_lab.player")
            t = json.loads(el.proto.json)["points"]["t"]
            got = np.frombuffer(__import__("base64").b64decode(t), "<f8")
            d = lab_of(at).data
            assert np.array_equal(got, np.concatenate([d.Y_train[:, 0], d.Y_test[:, 0]]))
    at.slider(key="stage").set_value(7).run()  # the loss: one output, one term
    assert r"\hat{y}_l - y_l" in " ".join(x.body for x in at.latex)


def test_a_weight_set_by_hand_is_journalled_and_a_link_replays_it_bit_for_bit():
    from lab.journal import Edit, Journal
    from lab.links import parse_link
    from lab.replay import replay
    from lab.state import Settings, new_lab, reset, set_weight

    lab = new_lab(Settings(hidden=(4,)))
    lab.trainer.step(25)
    set_weight(lab, 1, 2, 0, -0.75)
    assert lab.net.W[0][2, 0] == -0.75
    lab.trainer.step(30)  # training goes on from the edited weights
    assert isinstance(lab.journal.entries[-1], Edit) and lab.journal.entries[-1].at == 25
    log = lab.journal.params()["log"]
    assert "w25_1_2_0_-0.75" in log
    check = parse_link({"log": [log], "steps": ["55"], "layers": ["1"], "width1": ["4"]})
    assert not check.ignored, check.ignored
    other = new_lab(Settings(hidden=(4,)))
    assert replay(other, 55, check.values["log"]) == ""
    assert other.net.get_flat().tobytes() == lab.net.get_flat().tobytes()
    assert other.trainer.steps == lab.trainer.steps == 55
    # a weight this network does not have is left out, with a message
    from lab.journal import Trained

    far = new_lab(Settings(hidden=(2,)))
    log = [Trained(5, 0.3, 8, 0.0), Edit(5, 1, 3, 0, 1.0), Trained(20, 0.03, 16, 0.5)]
    said = replay(far, 40, log)
    assert "does not have" in said
    t = far.trainer  # the rest of the link replayed, at the link's settings
    assert t.steps == 40 and (t.lr, t.batch_size, t.momentum) == (0.1, 32, 0.9)
    assert far.journal.entries == [log[0], log[2]]
    # Reset undoes the edit (the seed's initial weights, bit for bit)
    reset(lab)
    assert lab.net.get_flat().tobytes() == new_lab(Settings(hidden=(4,))).net.get_flat().tobytes()
    assert Journal().params() == lab.journal.params() == {}


def test_a_links_edited_weight_must_be_finite_and_bounded():
    from lab.links import parse_link

    for bad in ("w0_1_0_0_nan", "w0_1_0_0_1e300", "w0_1_0_0_1e7", "w0_0_0_0_1", "w0_1_0_0_x"):
        check = parse_link({"log": [bad]})
        assert "log" in check.ignored, bad


def pick_edge(at, q, i, j):
    """As a click on the edge of W^(q)[i, j] in the picture: the chart's selection."""
    at.session_state["network_chart"] = {"selection": {"points": [{"customdata": [q, i, j]}],
                                                       "point_indices": [0], "box": [],
                                                       "lasso": []}}
    at.run()


def test_setting_a_weight_by_hand_in_the_step_view():
    at = run_app()
    at.slider(key="stage").set_value(2).run()  # z⁽¹⁾ = W⁽¹⁾x + b⁽¹⁾
    pick_edge(at, 1, 2, 1)
    box = at.number_input(key="edit_weight_1_2_1")
    assert box.value == lab_of(at).net.W[0][2, 1] and "w⁽¹⁾₃,₂" in box.label
    box.set_value(-2.5).run()
    assert lab_of(at).net.W[0][2, 1] != -2.5  # typing alone changes nothing
    at.button(key="set_weight").click().run()
    lab = lab_of(at)
    assert lab.net.W[0][2, 1] == -2.5
    assert "-2.500" in " ".join(x.body for x in at.latex)  # the equation, at once
    assert "to -2.5" in at.toast[0].value
    assert lab.journal.params()["log"] == "w0_1_2_1_-2.5"
    at.sidebar.button(key="reset").click().run()
    assert lab_of(at).net.W[0][2, 1] != -2.5 and lab_of(at).journal.params() == {}


def test_an_edge_the_network_does_not_have_is_not_offered():
    at = run_app()
    pick_edge(at, 3, 5, 0)  # 2-3-4-2 has no unit 6 in its output
    assert not [n for n in at.number_input if (n.key or "").startswith("edit_weight")]
    assert not at.exception


def test_the_quiz_with_a_penalty_asks_what_the_screen_gives():
    from lab.equations import num
    from lab.quiz import generate
    from lab.stages import build_stages
    from lab.state import Settings, View, current_pass, new_lab

    for kind in ("L2", "L1"):
        lab = new_lab(Settings(regularization=kind, reg_rate=1.0))
        for form, rows in (("sample", [5]), ("batch", [5, 6, 7])):
            p = current_pass(lab, View(form, np.array(rows)))
            stages = {s.key: s for s in build_stages(3, form)}
            asked = []
            for seed in range(40):
                q = generate(p, stages["grads"], np.random.default_rng(seed))
                if q.kind != "dW":
                    continue
                qq, i, j = q.index
                w = lab.net.W[qq - 1][i, j]
                term = (f"({num(2.0)})({num(w)})" if kind == "L2"
                        else f"({num(1.0)})({num(float(np.sign(w)))})")
                assert term in q.solution_tex, (kind, q.solution_tex)
                assert q.answer == p.dW[qq - 1][i, j]
                asked.append(q)
            assert asked
            q = generate(p, stages["loss"], np.random.default_rng(0))
            assert q.answer == p.data_loss != p.loss and "L_data" in q.prompt


def test_a_heading_and_caption_for_an_upload_kept_or_replaced():
    at = run_app()
    at.sidebar.selectbox(key="dataset").set_value("plane").run()
    csv = "x1,x2,label\n" + "\n".join(f"{i / 40},{-i / 40},{i % 2}" for i in range(20))
    at.file_uploader(key="upload_data").set_value(("d.csv", csv.encode(), "text/csv")).run()
    assert lab_of(at).using_upload and lab_of(at).net.sizes == (2, 3, 4, 2)
    assert "Network 2-3-4-2" in headers(at)  # the upload is two-class, whatever the menu says
    assert not any("Regression" in c.value for c in at.sidebar.caption)
    at.sidebar.slider(key="noise").set_value(0.2).run()  # replaces the upload: plane again
    assert lab_of(at).net.sizes == (2, 3, 4, 1) and "Network 2-3-4-1" in headers(at)
    assert any("Regression" in c.value for c in at.sidebar.caption)


def test_the_penalty_stage_shows_its_numbers():
    from lab.equations import num
    from lab.state import View, current_pass

    at = run_app()
    at.sidebar.segmented_control(key="regularization").set_value("L1").run()
    at.slider(key="stage").set_value(7).run()
    p = current_pass(lab_of(at), View("sample", np.array([0])))
    latex = " ".join(x.body for x in at.latex)
    for v in (p.data_loss, p.reg_rate, p.penalty / p.reg_rate, p.loss):
        assert num(v) in latex, v


def test_a_lesson_step_beyond_a_shorter_lesson_stays_in_it():
    at = run_app()
    at.session_state["tab"] = "Lesson"
    at.session_state["lesson"] = 14  # the last step of 2-3-4-2's lesson
    at.run()
    assert lesson_heading(at).startswith("Step 14 of 14: ")
    at.sidebar.number_input(key="layers").set_value(0).run()  # a lesson of 10 steps
    assert not at.exception
    assert lesson_heading(at).startswith("Step 10 of 10: ")
    assert at.session_state["lesson"] == 10


def test_a_links_lesson_step_beyond_its_networks_lesson_is_ignored_and_said():
    at = open_link({"layers": "0", "lesson": "12"})  # 10 steps without a hidden layer
    assert not at.exception
    assert lesson_heading_of(at, "Lesson").startswith("Step 1 of 10: ")
    assert any("lesson" in w.value and "from 1 to 10" in w.value for w in at.warning)
    at = open_link({"layers": "0", "lesson": "10"})
    assert lesson_heading_of(at, "Lesson").startswith("Step 10 of 10: ")


def lesson_heading_of(at, tab: str) -> str:
    at.session_state["tab"] = tab
    at.run()
    return lesson_heading(at)
