"""AppTest: the Save and load panel in a sidebar expander, on an app of its own (so these
tests do not depend on app.py's layout). Downloads are checked through the functions that
make their bytes (tests/test_io.py); here: the buttons, the uploads, their messages, and
that a bad upload leaves the session exactly as it was."""

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_io import BAD_DATA, BAD_WEIGHTS, bits, csv_bytes, snapshot, xor_rows

from lab import io as lio
from lab.state import Settings, reset

APP = '''
import streamlit as st
from lab.panels.common import get_lab
from lab.panels.save_load import save_load_panel

lab = get_lab()
with st.sidebar.expander("Save and load", expanded=True):
    save_load_panel(lab)
if lab.notice:
    st.toast(lab.notice)
    lab.notice = ""
'''


@pytest.fixture
def app(tmp_path):
    path = tmp_path / "save_load_app.py"
    path.write_text(APP)
    at = AppTest.from_file(str(path), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def upload(at, key, name, raw, mime="application/json"):
    at.file_uploader(key=key).set_value((name, raw, mime)).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def download_labels(at) -> list[str]:
    (el,) = [e for e in at.get("bidi_component") if e.proto.component_name ==
             "backprop_lab.downloads"]
    return [label for _, label in json.loads(el.proto.json)["buttons"]]


def test_panel_shows_four_downloads_and_two_uploads(app):
    assert download_labels(app) == ["Weights and settings", "Training history",
                                    "Equations, stage 1", "NumPy forward pass"]
    assert [u.label for u in app.get("file_uploader")] == ["Load weights (.json)",
                                                          "Load a dataset (.csv)"]
    assert not app.error and not app.success


def test_equations_button_follows_the_stage_and_form(app):
    app.session_state["stage"] = 6  # the Stage widget counts 1 … 12, like the URL
    app.session_state["form"] = "batch"
    app.run()
    assert not app.exception
    assert download_labels(app)[2] == "Equations, stage 6"


def test_download_reset_upload_restores_the_weights_bit_for_bit(app):
    lab = app.session_state["lab"]
    with lab.lock:  # the test changes the session between runs, as a callback would
        lab.trainer.step(80)
        raw = lio.weights_json(lab.net, lab.settings, lab.trainer.steps, lab.trainer.epoch)
        saved = bits(lab.net.W + lab.net.b)
        reset(lab)
    assert bits(lab.net.W + lab.net.b) != saved
    upload(app, "upload_weights", "weights.json", raw)
    lab = app.session_state["lab"]
    assert bits(lab.net.W + lab.net.b) == saved
    assert lab.trainer.net is lab.net and lab.trainer.steps == 0
    assert [s.value for s in app.success] == [lio.md_escape(
        "Loaded the weights from weights.json (saved after 80 steps); training restarts "
        "from them at epoch 0 with the current settings.")]
    assert app.toast[0].value.startswith("Loaded the weights from weights.json")


def test_an_upload_is_applied_once_not_at_every_rerun(app):
    lab = app.session_state["lab"]
    raw = lio.weights_json(lab.net, lab.settings, 0, 0)
    upload(app, "upload_weights", "w.json", raw)
    gen = lab.generation
    lab.trainer.step(30)  # training goes on after the load ...
    trained = bits(lab.net.W)
    app.run()
    app.run()  # ... and reruns, with the file still in the uploader, keep it
    assert lab.generation == gen and bits(lab.net.W) == trained and lab.trainer.steps == 30
    upload(app, "upload_weights", "w.json", raw)  # the same file uploaded again: a new load
    assert lab.generation == gen + 1 and lab.trainer.steps == 0


def test_removing_the_file_clears_its_message(app):
    upload(app, "upload_weights", "bad.json", b"{")
    assert len(app.error) == 1
    app.file_uploader(key="upload_weights").set_value(None).run()
    assert not app.exception and not app.error


def test_a_file_for_another_activation_is_refused_on_screen(app):
    from lab.state import new_lab
    other = new_lab(Settings(activation="relu"))
    lab = app.session_state["lab"]
    before = snapshot(lab)
    upload(app, "upload_weights", "relu.json", lio.weights_json(other.net, other.settings, 0, 0))
    assert "trained with activation relu" in app.error[0].value
    assert snapshot(lab) == before


# One upload per kind of bad file, as the panel meets them: the bytes (empty, not UTF-8,
# over the size limit), the syntax (not JSON, not CSV), the structure (schema, shapes,
# settings), the numbers (not finite, too large), and what the data says (one class, a
# point far out). Every case of each kind is checked byte by byte in tests/test_io.py,
# through the same parse functions the panel calls; the panel itself shows any refusal
# the same way, so running all 78 through AppTest again only cost the suite half a minute.
WEIGHT_KINDS = ["empty", "random bytes", "oversize", "not json", "wrong format", "sizes",
                "W2 transposed", "settings activation", "negative steps", "NaN", "huge int",
                "hostile text"]
DATA_KINDS = ["empty", "random bytes", "oversize", "bad quoting", "header", "too few", "text",
              "decimal comma", "nan", "far", "one class", "hostile label"]


def test_the_kinds_are_cases_of_the_unit_tests():
    assert set(WEIGHT_KINDS) <= BAD_WEIGHTS.keys() and set(DATA_KINDS) <= BAD_DATA.keys()


@pytest.mark.parametrize("name", WEIGHT_KINDS)
def test_bad_weights_upload_shows_its_message_and_changes_nothing(app, name):
    raw, expected = BAD_WEIGHTS[name]
    lab = app.session_state["lab"]
    lab.trainer.step(20)
    before = snapshot(lab)
    upload(app, "upload_weights", "bad.json", raw)
    assert len(app.error) == 1 and not app.success
    shown = app.error[0].value
    with pytest.raises(lio.UploadError) as err:
        lio.parse_weights(raw)
    assert shown == lio.md_escape(str(err.value)) and lio.md_escape(expected) in shown
    assert not app.toast
    assert snapshot(lab) == before and app.session_state["lab"] is lab


@pytest.mark.parametrize("name", DATA_KINDS)
def test_bad_dataset_upload_shows_its_message_and_changes_nothing(app, name):
    raw, expected = BAD_DATA[name]
    lab = app.session_state["lab"]
    lab.trainer.step(20)
    before = snapshot(lab)
    upload(app, "upload_data", "bad.csv", raw, "text/csv")
    assert len(app.error) == 1 and not app.success
    assert lio.md_escape(expected) in app.error[0].value
    assert snapshot(lab) == before


# One upload per kind of number no weight may be (tests/test_io.py has the byte-level
# cases): a float beyond the limit, and an integer longer than any float64 (it used to
# escape the upload as an OverflowError, a traceback on the page).
@pytest.mark.parametrize("entry, token, shown", [
    (("W", 2, 0, 0), "1e155", "W⁽³⁾[0][0] is 1e+155, too large"),
    (("b", 0, 0), "9" * 400, "b⁽¹⁾[0] is an integer of 400 digits, too large")],
    ids=["float beyond the limit", "integer beyond float64"])
def test_a_number_too_large_is_refused_on_screen_and_changes_nothing(app, entry, token, shown):
    from test_weights_views import weights_file
    lab = app.session_state["lab"]
    lab.trainer.step(20)
    before = snapshot(lab)
    upload(app, "upload_weights", "big.json", weights_file("tanh", {entry: token}))
    assert len(app.error) == 1 and not app.success and not app.toast
    assert lio.md_escape(shown) in app.error[0].value
    assert lio.md_escape("within ±1,000,000") in app.error[0].value
    assert snapshot(lab) == before and app.session_state["lab"] is lab


def test_hostile_text_reaches_the_page_escaped_and_cut(app):
    hostile = "**bold** :red[red] $x^2$ <script>alert(1)</script> " + "y" * 300
    upload(app, "upload_weights", "<i>x</i>.json",
           b'{"format": "' + hostile.encode() + b'", "version": 1}')
    shown = app.error[0].value
    assert r"\*\*bold\*\* \:red\[red\] \$x\^2\$ \<script\>" in shown
    assert "y" * (lio.SHOW + 1) not in shown and "**" not in shown.replace(r"\*", "")


def test_a_good_dataset_replaces_the_data_and_resets_training(app):
    lab = app.session_state["lab"]
    lab.trainer.step(20)
    gen = lab.generation
    upload(app, "upload_data", "points.csv", csv_bytes(xor_rows(50)), "text/csv")
    assert lab.data.X_train.shape[0] + lab.data.X_test.shape[0] == 50
    assert lab.trainer.steps == 0 and lab.generation == gen + 1
    assert lab.using_upload and lab.uploaded[0] == "points.csv"
    assert "Loaded 50 points from points.csv" in app.success[0].value.replace("\\", "")
    assert np.isfinite(lab.net.loss(lab.data.X_train, lab.data.Y_train))

def download_file(at):
    (el,) = [e for e in at.get("bidi_component") if e.proto.component_name ==
             "backprop_lab.downloads"]
    return json.loads(el.proto.json)["file"]


def test_a_download_is_sent_again_until_the_page_saved_it(app, monkeypatch):
    """A click's file rides on the element's data; a rerun that follows at once, before the
    page drew that data, must not lose it: it is sent again until the page says it saved
    that file (its nonce), and only then forgotten."""
    from lab.panels import save_load

    lab = app.session_state["lab"]
    state = {"downloads": {"get": {"file": "weights", "at": None, "nonce": "n-1"}}}
    monkeypatch.setattr(save_load.st, "session_state", state)
    save_load._on_get(lab)  # what the click's rerun does first
    made = state["_download"]
    assert made["nonce"] == "n-1" and json.loads(base64.b64decode(made["b64"]))["steps"] == 0
    monkeypatch.undo()
    app.session_state["_download"] = made
    app.run()
    assert download_file(app) == made
    app.run()  # another rerun, the page has not saved it yet: sent again
    assert download_file(app) == made
    state = {"downloads": {"saved": "n-0"}, "_download": made}  # an older file's saved
    monkeypatch.setattr(save_load.st, "session_state", state)
    save_load._on_saved()
    assert state["_download"] == made
    state["downloads"] = {"saved": "n-1"}
    save_load._on_saved()
    assert "_download" not in state
