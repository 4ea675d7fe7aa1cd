"""AppTest: live training. Each at.run() while playing is one fragment tick."""

import numpy as np
import pytest
from apptest_util import run_app

from nncore import ACTIVATIONS, MLP, datasets


def lab_of(at):
    return at.session_state["lab"]


def metric(at, label):
    """A live counter's shown value (the counters are one markdown element)."""
    import re

    for md in at.markdown:
        m = re.search(rf"data-counter='{label}'>([^<]*)<", md.value)
        if m:
            return m.group(1)
    raise AssertionError(f"no counter {label!r} on the page")


def test_play_trains_ticks_move_counters_and_pause_holds():
    at = run_app()
    start_loss = lab_of(at).net.loss(lab_of(at).data.X_train, lab_of(at).data.Y_train)
    at.button(key="play").click().run()
    assert lab_of(at).running
    epochs = []
    for _ in range(3):
        at.run()
        assert not at.exception
        epochs.append(lab_of(at).trainer.epoch)
    assert epochs[0] > 0 and epochs == sorted(epochs) and epochs[-1] > epochs[0]
    assert int(metric(at, "Epoch")) == epochs[-1]
    lab = lab_of(at)
    assert lab.net.loss(lab.data.X_train, lab.data.Y_train) < start_loss
    at.button(key="play").click().run()  # Pause
    assert not lab_of(at).running
    steps = lab_of(at).trainer.steps
    at.run()
    at.run()
    assert lab_of(at).trainer.steps == steps


def test_step_and_step_epoch_advance_exactly():
    at = run_app()
    t = lab_of(at).trainer
    n, bs = t.X.shape[0], t.batch_size
    at.button(key="step").click().run()
    assert (lab_of(at).trainer.steps, lab_of(at).trainer.epoch) == (1, 0)
    at.button(key="step_epoch").click().run()
    assert lab_of(at).trainer.epoch == 1
    assert lab_of(at).trainer.steps == -(-n // bs)  # the first step was part of epoch 1
    at.button(key="step_epoch").click().run()
    assert lab_of(at).trainer.epoch == 2
    assert lab_of(at).trainer.steps == 2 * -(-n // bs)
    assert metric(at, "Steps") == str(2 * -(-n // bs))


def test_reset_restores_initial_weights_bit_for_bit():
    at = run_app()
    at.number_input(key="seed").set_value(7).run()
    initial = MLP((2, 3, 4, 2), "tanh", seed=7)
    at.button(key="step_epoch").click().run()
    assert not np.array_equal(lab_of(at).net.W[0], initial.W[0])
    at.button(key="reset").click().run()
    lab = lab_of(at)
    assert lab.trainer.steps == 0 and lab.trainer.epoch == 0
    assert all(np.array_equal(a, b) for a, b in zip(lab.net.W + lab.net.b, initial.W + initial.b))


def test_changing_data_resets_training_with_a_notice():
    at = run_app()
    at.button(key="step_epoch").click().run()
    at.selectbox(key="dataset").set_value("moons").run()
    lab = lab_of(at)
    assert lab.trainer.steps == 0 and lab.settings.dataset == "moons"
    assert any("reset" in i.value for i in at.info)
    X, _ = datasets.make("moons", n=400, noise=0.1, seed=0)
    assert lab.data.X_train.shape[0] + lab.data.X_test.shape[0] == X.shape[0]


def test_learning_rate_applies_without_reset():
    at = run_app()
    at.button(key="step_epoch").click().run()
    at.select_slider(key="lr").set_value(0.03).run()
    lab = lab_of(at)
    assert lab.trainer.lr == 0.03 and lab.trainer.epoch == 1


def test_divergence_pauses_with_a_message_and_reset_recovers():
    at = run_app()
    at.select_slider(key="lr").set_value(10.0).run()
    at.select_slider(key="batch_size").set_value(1).run()
    at.slider(key="momentum").set_value(0.9).run()
    at.button(key="play").click().run()
    for _ in range(3):
        at.run()
    lab = lab_of(at)
    assert lab.trainer.diverged and not lab.running
    assert any("learning rate" in e.value for e in at.error)
    assert all(np.all(np.isfinite(p)) for p in lab.net.W + lab.net.b)
    for chart in at.get("plotly_chart"):
        assert "NaN" not in chart.proto.spec and "Infinity" not in chart.proto.spec
    at.select_slider(key="lr").set_value(0.1).run()
    at.button(key="reset").click().run()
    assert not lab_of(at).trainer.diverged
    at.button(key="step_epoch").click().run()
    assert lab_of(at).trainer.epoch == 1 and not at.error


def test_epoch_limit_stops_training():
    at = run_app()
    at.number_input(key="epochs_limit").set_value(3).run()
    at.button(key="play").click().run()
    for _ in range(3):
        at.run()
    lab = lab_of(at)
    assert lab.trainer.epoch == 3 and not lab.running
    assert any("epoch limit" in s.value for s in at.success)


@pytest.mark.parametrize("name", datasets.NAMES)
def test_every_dataset_renders(name):
    at = run_app()
    at.selectbox(key="dataset").set_value(name).run()
    at.button(key="step_epoch").click().run()
    assert not at.exception and lab_of(at).trainer.epoch == 1


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_activation_renders(activation):
    at = run_app()
    at.selectbox(key="activation").set_value(activation).run()
    at.button(key="step_epoch").click().run()
    assert not at.exception and lab_of(at).net.activation == activation


def test_live_payload_per_tick_within_budget():
    at = run_app()
    at.button(key="play").click().run()
    at.run()
    live = {"decision_chart", "loss_chart", "acc_chart", "neurons_chart", "gradflow_chart",
            "weights_chart"}
    sizes = {}
    for chart in at.get("plotly_chart"):
        for key in live:
            if key in chart.proto.id:
                sizes[key] = len(chart.proto.spec)
    assert set(sizes) == live
    assert sum(sizes.values()) <= 60_000, sizes  # every tick sends all six
