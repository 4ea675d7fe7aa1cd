"""AppTest: the Train tab. The player's JS cannot run here, so its pull requests are made
by calling the server side directly (as the fragment's callback does); each button click
is one ``at.run()`` and the assertions follow exactly that run."""

import base64
import json
import math

import numpy as np
import pytest
from apptest_util import APP
from streamlit.testing.v1 import AppTest

from lab.panels import training as panel
from lab.player import protocol as P
from lab.state import Settings, new_lab
from lab.training import pull
from nncore import ACTIVATIONS, MLP, datasets


def run_train(timeout: float = 60) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state["tab"] = "Train"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def lab_of(at):
    return at.session_state["lab"]


def element(at, name):
    found = [e for e in at.get("bidi_component") if e.proto.component_name == name]
    assert len(found) == 1, [e.proto.component_name for e in at.get("bidi_component")]
    return found[0]


def player(at) -> dict:
    return json.loads(element(at, "backprop_lab.player").proto.json)


def shown_theta(at) -> np.ndarray:
    return np.frombuffer(base64.b64decode(player(at)["state"]["theta"]), "<f8")


def pull_as_browser(at, want=30):
    """What the player does: ask for what it lacks, from the last step it received (then
    the fragment reruns, and trains the next pull's snapshots after its reply)."""
    lab = lab_of(at)
    got = P.decode(element(at, "backprop_lab.feed").proto.bytes)["snapshots"]["step"]
    have = int(got[-1]) if len(got) else player(at)["state"]["step"]
    return pull(lab, P.player_state(lab), {"gen": lab.generation, "have": have, "want": want,
                                           "seq": 1, "shown": have})


def test_the_tab_mounts_the_player_and_its_feed_with_their_keys():
    at = run_train()
    assert [b.key for b in at.button if b.key in ("play", "step", "step_epoch")] == [
        "play", "step", "step_epoch"]
    p = element(at, "backprop_lab.player")
    assert "live_player" in p.proto.id and "live_feed" in element(at, "backprop_lab.feed").proto.id
    d = player(at)
    lab = lab_of(at)
    np.testing.assert_array_equal(shown_theta(at), lab.net.get_flat())  # float64, exact
    assert d["state"]["step"] == 0 and not d["running"] and d["gen"] == lab.generation
    X = np.frombuffer(base64.b64decode(d["points"]["x"]), "<f8").reshape(-1, 2)
    np.testing.assert_array_equal(X, np.vstack([lab.data.X_train, lab.data.X_test]))  # exact
    assert d["points"]["n_train"] == lab.data.X_train.shape[0]
    # epoch 0 already has a point on every chart (the initial metrics)
    assert d["history"]["n"] == 1
    assert len(p.proto.json) < 15_000


def test_play_then_pulls_train_and_pause_holds_the_exact_weights():
    at = run_train()
    at.button(key="play").click().run()
    assert lab_of(at).running and player(at)["running"]
    assert lab_of(at).trainer.steps == 0  # nothing trains until the player asks
    steps, sent = [], []
    for _ in range(3):
        raw = pull_as_browser(at)
        at.run()
        assert not at.exception
        steps.append(lab_of(at).trainer.steps)
        feed = element(at, "backprop_lab.feed").proto.bytes
        assert feed == raw
        sent.append(int(P.decode(feed)["snapshots"]["step"][-1]))
    s, ahead = P.stride_for(P.DEFAULT_SPEED), math.ceil(30 * P.AHEAD)
    # the first pull trains its own 30 snapshots; after every reply the trainer gets
    # `ahead` snapshots beyond what was sent (the next pull may ask for a little more)
    assert sent == [30 * s, 60 * s, 90 * s]
    assert steps == [(30 + ahead) * s, (60 + ahead) * s, (90 + ahead) * s]
    at.button(key="play").click().run()  # Pause: back to the frame on screen
    lab = lab_of(at)
    assert not lab.running and not player(at)["running"]
    # the screen showed step 60·s at the last pull, and has moved on a frame (s steps) per
    # 1/60 s since: never past what it got (90·s), never ahead of the trainer's 120·s
    assert 60 * s <= lab.trainer.steps <= 90 * s and lab.trainer.steps % s == 0
    assert lab.trainer.steps == player(at)["state"]["step"]
    np.testing.assert_array_equal(shown_theta(at), lab.net.get_flat())
    held = lab.trainer.steps
    pull_as_browser(at)  # a late request after Pause trains nothing
    at.run()
    assert lab_of(at).trainer.steps == held == player(at)["state"]["step"]


def play_and_pull(at, pulls: int) -> tuple[int, int, int]:
    """Play, and pull as the browser does; returns (generation, the trainer's step, the
    last step sent): the trainer is ahead of what the player got."""
    at.button(key="play").click().run()
    for _ in range(pulls):
        pull_as_browser(at)
        at.run()
    lab = lab_of(at)
    sent = int(P.decode(element(at, "backprop_lab.feed").proto.bytes)["snapshots"]["step"][-1])
    return lab.generation, lab.trainer.steps, sent


def test_a_training_setting_changed_while_playing_applies_from_the_frame_on_screen():
    at = run_train()
    gen, ahead, sent = play_and_pull(at, 3)
    at.select_slider(key="lr").set_value(0.3).run()
    lab = lab_of(at)
    # the trainer went back from where it had got (ahead) to the screen, then took the new
    # rate: the player starts a new stream from there, still playing
    assert lab.running and player(at)["running"] and lab.trainer.lr == 0.3
    assert lab.trainer.steps <= sent < ahead and lab.generation == gen + 1
    assert player(at)["gen"] == lab.generation
    assert player(at)["state"]["step"] == lab.trainer.steps
    np.testing.assert_array_equal(shown_theta(at), lab.net.get_flat())
    at.button(key="play").click().run()  # Pause
    held = lab_of(at).trainer.steps  # paused: a new rate changes nothing else
    at.select_slider(key="lr").set_value(1.0).run()
    assert lab_of(at).trainer.steps == held and lab_of(at).trainer.lr == 1.0


def test_leaving_the_train_tab_while_playing_goes_back_to_the_last_frame_drawn():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.session_state["tab"] = "Train"  # as a click on the tab (a tab preset before the
    at.run()  # first run stays: the address binds it)
    gen, ahead, sent = play_and_pull(at, 3)
    at.session_state["tab"] = "Backprop, step by step"
    at.run()
    assert at.radio(key="form")  # the step-by-step tab is drawn
    lab = lab_of(at)
    # the player hides and stops there: the step-by-step tab shows those weights
    assert lab.running and lab.trainer.steps <= sent < ahead and lab.generation == gen + 1
    held = (lab.trainer.steps, lab.net.get_flat())
    at.select_slider(key="lr").set_value(0.3).run()  # no frame ahead: nothing goes back
    assert lab_of(at).trainer.steps == held[0] and lab_of(at).trainer.lr == 0.3
    at.button(key="apply_step").click().run()  # one SGD step, from those weights
    lab = lab_of(at)
    assert not lab.running and lab.trainer.steps == held[0]
    assert not np.array_equal(lab.net.get_flat(), held[1])
    before = np.concatenate([np.ravel(x) for pair in zip(lab.last_step["W_before"],
                                                          lab.last_step["b_before"])
                             for x in pair])
    np.testing.assert_array_equal(before, held[1])  # get_flat order: W¹, b¹, W², b², …


def test_a_new_speed_while_playing_starts_from_the_frame_on_screen():
    at = run_train()
    gen, ahead, sent = play_and_pull(at, 2)
    at.select_slider(key="train_speed").set_value(1).run()  # slow motion, at once
    lab = lab_of(at)
    assert lab.running and lab.trainer.steps <= sent < ahead and lab.generation == gen + 1
    d = player(at)
    assert (d["speed"], d["stride"], d["state"]["step"]) == (1, 1, lab.trainer.steps)
    raw = pull_as_browser(at, want=3)
    assert np.diff(P.decode(raw)["snapshots"]["step"]).tolist() == [1, 1]


def test_step_and_step_epoch_advance_exactly_and_the_player_shows_it():
    at = run_train()
    t = lab_of(at).trainer
    n, bs = t.X.shape[0], t.batch_size
    at.button(key="step").click().run()
    assert (lab_of(at).trainer.steps, lab_of(at).trainer.epoch) == (1, 0)
    assert player(at)["state"]["step"] == 1
    at.button(key="step_epoch").click().run()
    assert lab_of(at).trainer.epoch == 1 and lab_of(at).trainer.steps == -(-n // bs)
    at.button(key="step_epoch").click().run()
    lab = lab_of(at)
    assert lab.trainer.epoch == 2 and lab.trainer.steps == 2 * -(-n // bs)
    d = player(at)
    assert (d["state"]["epoch"], d["state"]["step"]) == (2, lab.trainer.steps)
    assert d["history"]["n"] == 3  # epochs 0, 1, 2
    np.testing.assert_array_equal(shown_theta(at), lab.net.get_flat())


def test_reset_restores_initial_weights_bit_for_bit_and_starts_a_new_run():
    at = run_train()
    at.number_input(key="seed").set_value(7).run()
    initial = MLP((2, 3, 4, 2), "tanh", seed=7)
    at.button(key="step_epoch").click().run()
    gen = player(at)["gen"]
    assert not np.array_equal(lab_of(at).net.W[0], initial.W[0])
    at.button(key="reset").click().run()
    lab = lab_of(at)
    assert lab.trainer.steps == 0 and lab.trainer.epoch == 0
    assert all(np.array_equal(a, b) for a, b in zip(lab.net.W + lab.net.b, initial.W + initial.b))
    np.testing.assert_array_equal(shown_theta(at), initial.get_flat())
    assert player(at)["gen"] == gen + 1
    assert P.decode(element(at, "backprop_lab.feed").proto.bytes)["n_snap"] == 0


def test_changing_data_resets_training():
    at = run_train()
    at.button(key="step_epoch").click().run()
    at.selectbox(key="dataset").set_value("moons").run()
    lab = lab_of(at)
    assert lab.trainer.steps == 0 and lab.settings.dataset == "moons"
    X, _ = datasets.make("moons", n=400, noise=0.1, seed=0)
    assert player(at)["points"]["n_train"] + lab.data.X_test.shape[0] == X.shape[0]


def test_learning_rate_applies_without_reset():
    at = run_train()
    at.button(key="step_epoch").click().run()
    at.select_slider(key="lr").set_value(0.03).run()
    lab = lab_of(at)
    assert lab.trainer.lr == 0.03 and lab.trainer.epoch == 1


def test_speed_sets_the_stride():
    at = run_train()
    at.select_slider(key="train_speed").set_value(1).run()
    assert player(at)["stride"] == 1 and player(at)["interval"] == 1.0
    at.button(key="play").click().run()
    pull_as_browser(at, want=1)
    assert lab_of(at).trainer.steps == 1  # slow motion: one step per snapshot
    at.select_slider(key="train_speed").set_value(3000).run()
    assert player(at)["stride"] == 50


def test_divergence_stops_play_with_the_message_and_agreeing_counters():
    at = run_train()
    at.select_slider(key="lr").set_value(10.0).run()
    at.select_slider(key="batch_size").set_value(1).run()
    at.slider(key="momentum").set_value(0.9).run()
    at.button(key="play").click().run()
    for _ in range(30):  # each pull reruns the feed's fragment
        pull_as_browser(at, want=120)
        at.run()
        if not lab_of(at).running:
            break
    lab = lab_of(at)
    assert lab.trainer.diverged and not lab.running
    assert any("learning rate" in e.value for e in at.error)
    d = player(at)
    assert not d["running"] and "diverged" in d["status"] and d["flags"] & P.DIVERGED
    assert d["state"]["step"] == lab.trainer.steps and d["state"]["epoch"] == lab.trainer.epoch
    assert np.all(np.isfinite(shown_theta(at)))
    assert "NaN" not in element(at, "backprop_lab.player").proto.json
    rows = np.frombuffer(base64.b64decode(d["history"]["rows"]), "<f4")
    assert np.all(np.isfinite(rows[~np.isnan(rows)]))
    at.select_slider(key="lr").set_value(0.1).run()
    at.button(key="reset").click().run()
    assert not lab_of(at).trainer.diverged
    at.button(key="step_epoch").click().run()
    assert lab_of(at).trainer.epoch == 1 and not at.error


def test_epoch_limit_stops_training():
    at = run_train()
    at.number_input(key="epochs_limit").set_value(3).run()
    at.button(key="play").click().run()
    for _ in range(5):
        pull_as_browser(at, want=120)
        at.run()
        lab = lab_of(at)
        if not lab.running:
            break
        assert lab.trainer.epoch <= 3 and not player(at)["status"]  # not drawn there yet
    assert lab.trainer.epoch == 3 and not lab.running
    assert "epoch limit" in player(at)["status"]
    at.button(key="play").click().run()  # refuses, says why
    assert not lab_of(at).running


@pytest.mark.parametrize("name", datasets.NAMES)
def test_every_dataset_renders(name):
    at = run_train()
    at.selectbox(key="dataset").set_value(name).run()
    at.button(key="step_epoch").click().run()
    assert not at.exception and lab_of(at).trainer.epoch == 1


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_activation_renders(activation):
    at = run_train()
    at.selectbox(key="activation").set_value(activation).run()
    at.button(key="step_epoch").click().run()
    assert not at.exception and player(at)["activation"] == activation


def test_player_payload_stays_small_with_a_long_history():
    lab = new_lab(Settings(epochs_limit=10**6))
    ps = P.player_state(lab)
    ps.sync(lab)
    lab.trainer.step(9 * 1500)  # 1,500 epochs: history thinned to 500 points
    from lab.player.view import player_data

    raw = json.dumps(player_data(lab, ps))
    assert len(raw) < 40_000
    assert player_data(lab, ps)["history"]["n"] <= 500


# ------------------------------------------------------------------ callbacks
class FakeSt:
    def __init__(self, state):
        self.session_state = state


def test_a_click_on_a_training_point_picks_it_and_test_points_do_not(monkeypatch):
    lab = new_lab()
    n = lab.data.X_train.shape[0]
    for value, expected in ((5, 5), (n - 1, n - 1), (n, None), (-1, None), ("3", None),
                            (None, None)):
        state = {"live_player": {"pick": value}}
        monkeypatch.setattr(panel, "st", FakeSt(state))
        panel._on_pick(lab)
        assert state.get("sample_index") == expected, value


def test_the_pull_callback_answers_from_session_state(monkeypatch):
    lab = new_lab()
    lab.running = True
    state = {"live_feed": {"pull": {"gen": 0, "have": 0, "want": 4, "seq": 3}}}
    monkeypatch.setattr(panel, "st", FakeSt(state))
    panel._on_pull(lab)
    d = P.decode(P.player_state(lab).reply)
    assert d["seq"] == 3 and d["n_snap"] == 4
