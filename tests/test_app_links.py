"""AppTest: a link reproduces the screen of the session that made it, and hostile links
change nothing but say what they ignored."""

import numpy as np
import pytest
from apptest_util import numbers, open_link
from streamlit.testing.v1 import AppTest

from lab.links import to_param

SETTINGS = ("dataset", "n_samples", "noise", "test_fraction", "activation", "seed", "lr",
            "batch_size", "momentum", "epochs_limit")
VIEW = ("form", "stage", "sample_index", "view_batch_size")


def link_of(at: AppTest) -> dict[str, str]:
    """The parameters the session's URL holds (AppTest does not mirror the browser's
    address bar, so they are read from the widgets and the Lab, as the page writes them)."""
    lab = at.session_state["lab"]
    params = {k: to_param(at.session_state[k]) for k in SETTINGS + VIEW if k in at.session_state}
    params["steps"] = str(lab.trainer.steps)
    params["data_seed"] = str(lab.settings.data_seed)
    for name in ("log", "w0"):  # what the page wrote to its address (the run's journal)
        if name in at.query_params:
            params[name] = at.query_params[name]
    return params


def same_screen(at, params, tab="Backprop, step by step"):
    """Open ``params`` in a fresh session: its equations, weights and history equal ``at``'s
    bit for bit."""
    lab = at.session_state["lab"]
    other = open_link({**params, "tab": tab})
    theirs = other.session_state["lab"]
    assert [lt.value for lt in other.latex] == [lt.value for lt in at.latex]
    np.testing.assert_array_equal(theirs.net.get_flat(), lab.net.get_flat())
    assert (theirs.trainer.steps, theirs.trainer.epoch) == (lab.trainer.steps, lab.trainer.epoch)
    assert theirs.trainer.history.train_loss == lab.trainer.history.train_loss
    assert theirs.journal.params() == lab.journal.params()
    return other


def test_every_field_of_a_link_is_applied():
    at = open_link({"dataset": "moons", "n_samples": "300", "noise": "0.2",
                    "test_fraction": "0.25", "activation": "sigmoid", "seed": "5", "lr": "0.3",
                    "batch_size": "16", "momentum": "0.5", "epochs_limit": "77",
                    "form": "batch", "stage": "9", "sample_index": "12",
                    "view_batch_size": "3", "steps": "40", "data_seed": "2"})
    s = at.session_state["lab"].settings
    assert (s.dataset, s.n, s.noise, s.test_fraction, s.activation, s.seed, s.lr, s.batch_size,
            s.momentum, s.epochs_limit, s.data_seed) == ("moons", 300, 0.2, 0.25, "sigmoid", 5,
                                                         0.3, 16, 0.5, 77, 2)
    assert at.session_state["lab"].trainer.steps == 40
    assert (at.session_state["form"], at.session_state["stage"], at.session_state["sample_index"],
            at.session_state["view_batch_size"]) == ("batch", 9, 12, 3)
    assert not at.warning


def test_the_tab_of_a_link_is_the_open_tab():
    at = open_link({"tab": "Gradient check"})
    assert at.session_state["tab"] == "Gradient check" and at.dataframe


def test_a_link_reproduces_the_numbers_of_the_session_that_made_it():
    at = open_link({})
    at.selectbox(key="dataset").set_value("circles").run()
    at.select_slider(key="lr").set_value(0.3).run()
    at.session_state["tab"] = "Train"
    at.run()
    at.button(key="step_epoch").click().run()
    at.button(key="step").click().run()
    at.session_state["tab"] = TAB = "Backprop, step by step"
    at.run()
    at.radio(key="form").set_value("batch").run()
    at.number_input(key="sample_index").set_value(21).run()
    at.slider(key="stage").set_value(9).run()
    made = [lt.value for lt in at.latex]
    lab = at.session_state["lab"]
    params = link_of(at)
    other = open_link({**params, "tab": TAB})
    assert [lt.value for lt in other.latex] == made
    theirs = other.session_state["lab"]
    assert all(np.array_equal(a, b) for a, b in zip(lab.net.W + lab.net.b,
                                                   theirs.net.W + theirs.net.b))
    assert numbers(made[1]).size > 10


@pytest.mark.parametrize("params", [
    {"noise": "0.23"}, {"sample_index": "3.5"}, {"n_samples": "٤٠٠"}, {"lr": "nan"},
    {"seed": "9" * 40}, {"stage": "99"}, {"dataset": "<img src=x onerror=alert(1)>"},
    {"form": "rows"}, {"presenter": "maybe"}, {"steps": "-1"}, {"tab": "Nope"},
    {"sample_index": "500"}, {"<b>x</b>": "1"},
])
def test_hostile_links_fall_back_to_defaults_and_say_so(params):
    at = open_link(params)
    s = at.session_state["lab"].settings
    assert (s.dataset, s.n, s.noise, s.lr, s.seed) == ("xor", 400, 0.1, 0.1, 0)
    assert at.session_state["lab"].trainer.steps == 0
    assert at.session_state["stage"] == 1 and at.session_state["sample_index"] == 0
    text = " ".join(w.value for w in at.warning)
    name = next(iter(params))
    assert ("unknown" in text) if name.startswith("<") else (name in text)
    assert "<img" not in text and "<b>" not in text


def test_a_huge_steps_value_replays_to_the_bound_and_says_so():
    at = open_link({"steps": "999999999"})
    from lab.links import MAX_REPLAY_STEPS
    lab = at.session_state["lab"]
    assert lab.trainer.steps == MAX_REPLAY_STEPS or lab.trainer.epoch >= lab.settings.epochs_limit
    assert any(f"{MAX_REPLAY_STEPS:,}" in w.value for w in at.warning)


def test_a_replayed_link_says_so_in_a_toast():
    at = open_link({"steps": "25"})
    assert at.session_state["lab"].trainer.steps == 25
    assert any("replayed to step 25" in t.value for t in at.toast)
    assert not at.warning


def test_a_link_after_loaded_weights_starts_from_those_weights():
    from lab import io as lio
    from nncore import MLP
    at = open_link({})
    net = MLP((2, 3, 4, 2), "tanh", seed=12345)  # weights that are not the seed's
    raw = lio.weights_json(net, at.session_state["lab"].settings, 0, 0)
    at.file_uploader(key="upload_weights").set_value(("w.json", raw, "application/json")).run()
    at.session_state["tab"] = "Train"
    at.run()
    at.button(key="step_epoch").click().run()
    at.session_state["tab"] = "Backprop, step by step"
    at.run()
    params = link_of(at)
    assert "w0" in params and "log" not in params
    other = same_screen(at, params)
    initial = other.session_state["lab"].journal.start
    np.testing.assert_array_equal(initial, net.get_flat())


def test_a_link_after_one_sgd_step_and_a_setting_changed_mid_run_replays_both():
    at = open_link({})
    at.session_state["tab"] = "Train"
    at.run()
    at.button(key="step_epoch").click().run()
    at.session_state["tab"] = "Backprop, step by step"
    at.run()
    at.radio(key="form").set_value("batch").run()
    at.number_input(key="sample_index").set_value(7).run()
    at.button(key="apply_step").click().run()  # one SGD step on rows 7 … 10
    at.select_slider(key="lr").set_value(0.3).run()
    at.select_slider(key="batch_size").set_value(8).run()
    at.session_state["tab"] = "Train"
    at.run()
    at.button(key="step").click().run()
    at.button(key="step").click().run()
    at.session_state["tab"] = "Backprop, step by step"
    at.run()
    at.slider(key="stage").set_value(10).run()
    params = link_of(at)
    assert params["log"] == "t9_0.1_32_0.9~s9_0.1_7-8-9-10", params
    same_screen(at, params)
    # without the journal the link would open other numbers: the test can tell
    other = open_link({**{k: v for k, v in params.items() if k != "log"},
                       "tab": "Backprop, step by step"})
    assert [lt.value for lt in other.latex] != [lt.value for lt in at.latex]


def test_presenter_mode_stays_in_the_address():
    at = open_link({"presenter": "1"})
    assert at.session_state["presenter"] is True
    assert at.query_params.get("presenter") in ("1", "true"), dict(at.query_params)
    at.slider(key="stage").set_value(3).run()
    assert at.query_params.get("presenter") in ("1", "true"), dict(at.query_params)


def test_the_copy_link_button_says_before_a_copy_what_a_link_cannot_carry():
    at = open_link({})
    assert not any("A copied link differs" in c.value for c in at.sidebar.caption)
    csv = "x1,x2,label\n" + "\n".join(f"{i / 40},{-i / 40},{i % 2}" for i in range(20))
    at.file_uploader(key="upload_data").set_value(("d.csv", csv.encode(), "text/csv")).run()
    said = [c.value for c in at.sidebar.caption if "A copied link differs" in c.value]
    assert said == [("A copied link differs: your uploaded data (d.csv) is not in links: the "
                    "link opens the built-in xor data, with other numbers.")]
