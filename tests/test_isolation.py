"""Two sessions side by side: what one does never changes the other's numbers."""

import numpy as np
import pytest
from apptest_util import run_app

from lab.state import Settings, make_data
from nncore import MLP


def snapshot(at):
    lab = at.session_state["lab"]
    return ([a.copy() for a in lab.net.W + lab.net.b], lab.trainer.steps, lab.settings,
            lab.data.X_train.copy(), [lt.value for lt in at.latex])


def same(a, b):
    wa, sa, ka, xa, la = a
    wb, sb, kb, xb, lb = b
    return (all(np.array_equal(x, y) for x, y in zip(wa, wb)) and sa == sb and ka == kb
            and np.array_equal(xa, xb) and la == lb)


def test_one_sessions_actions_never_change_the_others_numbers():
    a, b = run_app(), run_app()
    b.number_input(key="sample_index").set_value(3).run()
    b.slider(key="stage").set_value(9).run()
    before = snapshot(b)
    actions = [
        lambda: a.select_slider(key="lr").set_value(0.3).run(),
        lambda: a.button(key="apply_step").click().run(),
        lambda: a.number_input(key="sample_index").set_value(3).run(),
        lambda: a.slider(key="stage").set_value(9).run(),
        lambda: a.button(key="apply_step").click().run(),
        lambda: a.slider(key="momentum").set_value(0.5).run(),
    ]
    for act in actions:
        act()
        assert not a.exception
        b.run()
        assert same(snapshot(b), before)
    a.session_state["tab"] = "Train"
    a.run()
    a.button(key="step_epoch").click().run()
    a.button(key="step_epoch").click().run()
    b.run()
    assert same(snapshot(b), before)
    assert a.session_state["lab"].trainer.steps > 0
    a.selectbox(key="dataset").set_value("moons").run()  # same cached data key as nobody's
    b.run()
    assert same(snapshot(b), before)


def test_cached_data_is_read_only():
    d = make_data(Settings())
    for arr in (d.X_train, d.Y_train, d.X_test, d.Y_test):
        with pytest.raises(ValueError):
            arr[0, 0] = 1.0
    net = MLP((2, 3, 4, 2), seed=0)  # training reads it without writing
    from lab.state import new_trainer
    new_trainer(net, d, Settings()).step(20)
