"""AppTest: presenter mode (the toggle and ?presenter=1) and its keyboard commands."""

from apptest_util import open_link, run_app

from lab.panels import network_view


def test_presenter_link_turns_it_on_with_the_keyboard_listener():
    at = open_link({"presenter": "1"})  # rewritten to presenter=true, which stays
    assert at.query_params["presenter"] == "true"
    assert at.toggle(key="presenter").value is True
    keys = [c.key for c in at.get("bidi_component")]
    assert "stage_keys" in keys
    assert any("font-size: 19px" in h.proto.body for h in at.get("html"))


def test_presenter_toggle_hides_the_picker_but_keeps_its_value():
    at = run_app()
    at.number_input(key="sample_index").set_value(9).run()
    at.toggle(key="presenter").set_value(True).run()
    assert at.session_state["sample_index"] == 9
    assert any(getattr(c, "key", None) == "presenter_hidden" for c in at.get("flex_container"))
    assert "stage_keys" in [c.key for c in at.get("bidi_component")]
    at.toggle(key="presenter").set_value(False).run()
    assert "stage_keys" not in [c.key for c in at.get("bidi_component")]


def test_keyboard_commands_move_and_play(monkeypatch):
    state = {"stage": 5, "play_stages": False}
    monkeypatch.setattr(network_view.st, "session_state", state)
    network_view._on_key(12, "next")
    assert state["stage"] == 6
    network_view._on_key(12, "prev")
    network_view._on_key(12, "prev")
    assert state["stage"] == 4
    network_view._on_key(12, "play")
    assert state["play_stages"] is True
    network_view._on_key(12, "play")
    assert state["play_stages"] is False
    state["stage"] = 12
    network_view._on_key(12, "next")
    assert state["stage"] == 12
