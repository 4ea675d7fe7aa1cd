"""AppTest: presenter mode (the toggle and ?presenter=1) and its keyboard commands."""

from apptest_util import open_link, run_app

from lab.panels import network_view


def test_presenter_link_turns_it_on_with_the_keyboard_listener():
    at = open_link({"presenter": "1"})  # rewritten to presenter=true, which stays
    assert at.query_params["presenter"] == "true"
    assert at.toggle(key="presenter").value is True
    keys = [c.key for c in at.get("bidi_component")]
    assert "presenter_keys" in keys
    assert any("font-size: 19px" in h.proto.body for h in at.get("html"))


def test_presenter_toggle_hides_the_picker_but_keeps_its_value():
    at = run_app()
    at.number_input(key="sample_index").set_value(9).run()
    at.toggle(key="presenter").set_value(True).run()
    assert at.session_state["sample_index"] == 9
    assert any(getattr(c, "key", None) == "presenter_hidden" for c in at.get("flex_container"))
    assert "presenter_keys" in [c.key for c in at.get("bidi_component")]
    at.toggle(key="presenter").set_value(False).run()
    assert "presenter_keys" not in [c.key for c in at.get("bidi_component")]


def test_keyboard_commands_move_and_play(monkeypatch):
    state = {"stage": 5, "play_stages": False}
    monkeypatch.setattr(network_view.st, "session_state", state)
    network_view.on_key(12, "next")
    assert state["stage"] == 6
    network_view.on_key(12, "prev")
    network_view.on_key(12, "prev")
    assert state["stage"] == 4
    network_view.on_key(12, "play")
    assert state["play_stages"] is True
    network_view.on_key(12, "play")
    assert state["play_stages"] is False
    state["stage"] = 12
    network_view.on_key(12, "next")
    assert state["stage"] == 12


def test_presenter_keys_work_on_every_tab(monkeypatch):
    import streamlit

    from lab.panels import keys
    from lab.state import Settings, new_lab
    lab = new_lab()
    state = {"tab": "Lesson", "lesson": 3}
    monkeypatch.setattr(streamlit, "session_state", state)
    keys.on_key(lab, "next")
    keys.on_key(lab, "next")
    keys.on_key(lab, "prev")
    assert state["lesson"] == 4
    state["tab"] = "Train"
    keys.on_key(lab, "step")  # . : one SGD step
    assert lab.trainer.steps == 1 and not lab.running
    keys.on_key(lab, "play")  # space: play, and again: pause
    assert lab.running
    keys.on_key(lab, "play")
    assert not lab.running
    state.update(tab="Backprop, step by step", stage=2)
    keys.on_key(lab, "next")
    assert state["stage"] == 3
    # a network without a hidden layer: its lesson has 10 steps, and → stops at the last
    flat = new_lab(Settings(hidden=()))
    state.update(tab="Lesson", lesson=9)
    keys.on_key(flat, "next")
    keys.on_key(flat, "next")
    assert state["lesson"] == 10


def test_the_question_mark_lists_the_keys(monkeypatch):
    at = open_link({"presenter": "true"})
    at.session_state["_keys_help"] = True  # what the "?" key's callback sets
    at.run()
    assert not at.exception
    table = at.table[0].value
    assert list(table["key"]) == ["←  →", "space", ".", "?"]
