"""AppTest: the Train tab. The player's JS cannot run here, so its pulls and settles are
made by calling the server side directly (as the elements' callbacks do); each button click
is one ``at.run()`` and the assertions follow exactly that run."""

import base64
import json

import numpy as np
import pytest
from apptest_util import APP
from streamlit.testing.v1 import AppTest

from lab.panels import training as panel
from lab.player import protocol as P
from lab.player.wire import Format
from lab.state import Settings, new_lab
from lab.training import pull, settle
from nncore import ACTIVATIONS, MLP, datasets

F = Format((2, 3, 4, 2))


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


def feed_steps(at) -> list[int]:
    return F.decode(element(at, "backprop_lab.feed").proto.bytes)["snapshots"]["step"].tolist()


def pull_as_browser(at, want=30, shown=None):
    """What the player does: ask for what it lacks, from the last step it received (then
    the fragment reruns, and trains the next pull's snapshots after its reply)."""
    lab, d = lab_of(at), player(at)
    got = feed_steps(at)
    have = got[-1] if got else d["state"]["step"]
    with lab.lock:  # as the pull route does (lab/player/route.py)
        return pull(lab, {"run": d["run"], "stream": d["stream"], "have": have, "want": want,
                          "seq": 1, "shown": have if shown is None else shown}, d["speed"])


def settle_as_browser(at, step: int) -> None:
    """The player stopped on ``step`` and says so (its settle trigger, a full rerun)."""
    d, lab = player(at), lab_of(at)
    with lab.lock:
        settle(lab, {"run": d["run"], "stream": d["stream"], "step": step,
                     "seq": d["settled"] + 1})
    at.run()


def test_the_tab_mounts_the_player_and_its_feed_with_their_keys():
    at = run_train()
    assert [b.key for b in at.button if b.key in ("play", "step", "step_epoch")] == [
        "play", "step", "step_epoch"]
    p = element(at, "backprop_lab.player")
    assert "live_player" in p.proto.id and "live_feed" in element(at, "backprop_lab.feed").proto.id
    d = player(at)
    lab = lab_of(at)
    np.testing.assert_array_equal(shown_theta(at), lab.net.get_flat())  # float64, exact
    assert d["state"]["step"] == 0 and not d["running"] and d["run"] == lab.generation
    X = np.frombuffer(base64.b64decode(d["points"]["x"]), "<f8").reshape(-1, 2)
    np.testing.assert_array_equal(X, np.vstack([lab.data.X_train, lab.data.X_test]))  # exact
    assert d["points"]["n_train"] == lab.data.X_train.shape[0]
    assert d["history"]["n"] == 1  # epoch 0 already has a point on every chart
    assert d["sizes"] == [2, 3, 4, 2] and d["scale"] == 1.0
    assert len(p.proto.json) < 15_000


def play_and_pull(at, pulls: int) -> list[int]:
    """Play, and pull as the browser does; returns the steps received (the trainer is
    ahead of them: it trained the next pull's)."""
    at.button(key="play").click().run()
    got = []
    for _ in range(pulls):
        pull_as_browser(at)
        at.run()
        assert not at.exception
        got += feed_steps(at)
    return got


def test_play_then_pulls_train_and_pause_stops_on_the_frame_the_player_shows():
    at = run_train()
    at.button(key="play").click().run()
    assert lab_of(at).running and player(at)["running"]
    assert lab_of(at).trainer.steps == 0  # nothing trains until the player asks
    steps, sent = [], []
    for _ in range(3):
        raw = pull_as_browser(at)
        at.run()
        steps.append(lab_of(at).trainer.steps)
        assert element(at, "backprop_lab.feed").proto.bytes == raw
        sent.append(feed_steps(at)[-1])
    # the first reply is short (nothing was ready); ⌈1.25 × 30⌉ prefetched after each reply
    s, f, ahead = P.stride_for(P.DEFAULT_RATE), P.FIRST_REPLY, 38
    assert sent == [f * s, (f + 30) * s, (f + 60) * s]
    assert steps == [(f + ahead) * s, (f + 30 + ahead) * s, (f + 60 + ahead) * s]
    at.button(key="play").click().run()  # Pause: at once to the last frame reported
    lab = lab_of(at)
    assert not lab.running and not player(at)["running"] and lab.trainer.steps == (f + 30) * s
    frame = (f + 45) * s  # the player was showing this when it learnt of the Pause
    settle_as_browser(at, frame)
    lab = lab_of(at)
    assert lab.trainer.steps == frame == player(at)["state"]["step"]
    assert player(at)["settled"] == 1  # its settle is acknowledged: it draws these weights
    ref = new_lab()
    ref.trainer.step(frame)
    np.testing.assert_array_equal(shown_theta(at), ref.net.get_flat())
    pull_as_browser(at)  # a late request after Pause trains nothing
    at.run()
    assert lab_of(at).trainer.steps == frame == player(at)["state"]["step"]


def test_a_training_setting_changed_while_playing_starts_a_stream_from_the_frame():
    at = run_train()
    got = play_and_pull(at, 3)
    stream, ahead = player(at)["stream"], lab_of(at).trainer.steps
    at.select_slider(key="lr").set_value(0.3).run()
    lab = lab_of(at)
    assert lab.running and player(at)["running"] and player(at)["stream"] == stream + 1
    assert lab.trainer.steps == ahead  # untouched until the player says where it is
    frame = got[-20]
    # the player drops its queue and asks from the frame on screen
    with lab.lock:
        pull(lab, {"run": lab.generation, "stream": stream + 1, "have": frame, "want": 10,
                   "seq": 2}, player(at)["speed"])
    at.run()
    got = F.decode(element(at, "backprop_lab.feed").proto.bytes)["snapshots"]
    assert got["step"][0] == frame + P.stride_for(P.DEFAULT_RATE)
    ref = new_lab()
    ref.trainer.step(frame)
    ref.trainer.lr = 0.3
    ref.trainer.step(int(got["step"][-1]) - frame)
    # as sent: within the snapshot's half step of each tensor (lab/player/wire.py)
    err = np.abs(got["theta"][-1] - ref.net.get_flat().astype(np.float32))
    assert np.all(err <= got["half"][-1][F.tensor_of]) and got["half"][-1].max() < 0.01
    assert lab_of(at).trainer.lr == 0.3
    assert at.query_params["log"] == f"t{frame}_0.1_32_0.9"  # in the address: links replay it


def test_leaving_the_train_tab_while_playing_pauses_on_the_frame_on_screen():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.session_state["tab"] = "Train"  # as a click on the tab (a tab preset before the
    at.run()  # first run stays: the address binds it)
    got = play_and_pull(at, 3)
    frame = got[-30]
    settle_as_browser(at, frame)  # the player stops when a tab is clicked (pointerdown) …
    at.session_state["tab"] = "Backprop, step by step"
    at.run()  # … and the tab opens on those weights
    assert at.radio(key="form")  # the step-by-step tab is drawn
    lab = lab_of(at)
    assert not lab.running and lab.trainer.steps == frame
    held = lab.net.get_flat()
    at.button(key="apply_step").click().run()  # one SGD step, from those weights
    before = np.concatenate([np.ravel(x) for pair in zip(lab.last_step["W_before"],
                                                          lab.last_step["b_before"])
                             for x in pair])
    np.testing.assert_array_equal(before, held)  # get_flat order: W¹, b¹, W², b², …


def test_leaving_the_train_tab_without_a_settle_pauses_on_the_last_frame_reported():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.session_state["tab"] = "Train"
    at.run()
    got = play_and_pull(at, 3)
    at.session_state["tab"] = "Gradient check"
    at.run()
    lab = lab_of(at)
    assert not lab.running and lab.trainer.steps == lab.player.shown in got


def test_a_new_speed_while_playing_starts_a_stream_at_its_stride():
    at = run_train()
    got = play_and_pull(at, 2)
    stream = player(at)["stream"]
    at.select_slider(key="train_speed").set_value(1).run()  # slow motion, at once
    d = player(at)
    assert d["running"] and d["stream"] == stream + 1 and (d["speed"], d["stride"]) == (1, 1)
    lab = lab_of(at)
    with lab.lock:
        raw = pull(lab, {"run": d["run"], "stream": d["stream"], "have": got[-9], "want": 3,
                         "seq": 3}, d["speed"])
    assert F.decode(raw)["snapshots"]["step"].tolist() == [got[-9] + 1, got[-9] + 2, got[-9] + 3]


def test_step_while_playing_steps_from_the_frame_the_player_stops_on():
    at = run_train()
    got = play_and_pull(at, 2)
    at.button(key="step").click().run()
    assert not lab_of(at).running
    settle_as_browser(at, got[-4])
    assert lab_of(at).trainer.steps == got[-4] + 1 == player(at)["state"]["step"]


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
    run = player(at)["run"]
    assert not np.array_equal(lab_of(at).net.W[0], initial.W[0])
    at.button(key="reset").click().run()
    lab = lab_of(at)
    assert lab.trainer.steps == 0 and lab.trainer.epoch == 0
    assert all(np.array_equal(a, b) for a, b in zip(lab.net.W + lab.net.b, initial.W + initial.b))
    np.testing.assert_array_equal(shown_theta(at), initial.get_flat())
    assert player(at)["run"] == run + 1
    assert F.decode(element(at, "backprop_lab.feed").proto.bytes)["n_snap"] == 0


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
    at.button(key="play").click().run()
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
        if F.decode(element(at, "backprop_lab.feed").proto.bytes)["flags"] & P.FINAL:
            break
    assert lab_of(at).running  # until the player has played its queue out, and settles
    settle_as_browser(at, feed_steps(at)[-1])
    lab = lab_of(at)
    assert lab.trainer.diverged and not lab.running
    assert any("learning rate" in e.value for e in at.error)
    d = player(at)
    assert not d["running"] and "diverged" in d["status"]
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
        assert lab.trainer.epoch <= 3 and not player(at)["status"]  # not drawn there yet
        if F.decode(element(at, "backprop_lab.feed").proto.bytes)["flags"] & P.FINAL:
            break
    settle_as_browser(at, feed_steps(at)[-1])
    lab = lab_of(at)
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
    lab.trainer.step(9 * 1500)  # 1,500 epochs: history thinned to 500 points
    from lab.player.view import player_data

    raw = json.dumps(player_data(lab, P.DEFAULT_RATE))
    assert len(raw) < 40_000
    assert player_data(lab, P.DEFAULT_RATE)["history"]["n"] <= 500


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


def test_the_pull_and_settle_callbacks_read_session_state(monkeypatch):
    from lab.training import toggle
    lab = new_lab()
    toggle(lab)
    ps = P.sync(lab)
    state = {"live_feed": {"pull": {"run": lab.generation, "stream": ps.stream, "have": 0,
                                    "want": 4, "seq": 3}}, "train_speed": 60}
    monkeypatch.setattr(panel, "st", FakeSt(state))
    panel._on_pull(lab)
    d = F.decode(ps.reply)
    assert d["seq"] == 3 and d["snapshots"]["step"].tolist() == [1, 2, 3, 4]  # 60 steps/s
    state["live_player"] = {"settle": {"run": lab.generation, "stream": ps.stream, "step": 2,
                                       "seq": 1}}
    settle(lab, panel._trigger("settle"))
    assert not lab.running and lab.trainer.steps == 2
