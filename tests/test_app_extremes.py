"""AppTest: every settings widget at its extremes, and the worst combination of them, never
raises, and never sends a NaN or an infinity to the equations, a chart or the player."""

import base64
import json

import numpy as np
import pytest
from apptest_util import run_app

from lab.links import (
    BATCH_SIZES,
    EPOCHS_LIMIT,
    LEARNING_RATES,
    MOMENTUM,
    N_SAMPLES,
    NOISE,
    SEED_MAX,
    TEST_FRACTION,
)
from nncore import ACTIVATIONS, datasets

EXTREMES = [
    ("slider", "n_samples", N_SAMPLES[0]), ("slider", "n_samples", N_SAMPLES[1]),
    ("slider", "noise", NOISE[0]), ("slider", "noise", NOISE[1]),
    ("slider", "test_fraction", TEST_FRACTION[0]), ("slider", "test_fraction", TEST_FRACTION[1]),
    ("number_input", "seed", 0), ("number_input", "seed", SEED_MAX),
    ("select_slider", "lr", LEARNING_RATES[0]), ("select_slider", "lr", LEARNING_RATES[-1]),
    ("select_slider", "batch_size", BATCH_SIZES[0]),
    ("select_slider", "batch_size", BATCH_SIZES[-1]),
    ("slider", "momentum", MOMENTUM[0]), ("slider", "momentum", MOMENTUM[1]),
    ("number_input", "epochs_limit", EPOCHS_LIMIT[0]),
    ("number_input", "epochs_limit", EPOCHS_LIMIT[1]),
] + [("selectbox", "dataset", d) for d in datasets.NAMES] + [
    ("selectbox", "activation", a) for a in ACTIVATIONS]


def packed_arrays(node):
    """Plotly's base64-packed arrays ({"dtype", "bdata"}) anywhere in a figure."""
    if isinstance(node, dict):
        if "bdata" in node and "dtype" in node:
            yield node["dtype"], node["bdata"]
        for v in node.values():
            yield from packed_arrays(v)
    elif isinstance(node, list):
        for v in node:
            yield from packed_arrays(v)


def assert_all_finite(at) -> None:
    assert not at.exception, [e.message for e in at.exception]
    for lt in at.latex:
        low = lt.value.lower()
        assert "nan" not in low and "inf" not in low.replace(r"\infty", ""), lt.value[:200]
    for chart in at.get("plotly_chart"):
        spec = chart.proto.spec
        assert "NaN" not in spec and "Infinity" not in spec
        for dtype, data in packed_arrays(json.loads(spec)):
            if dtype.startswith("f"):
                assert np.isfinite(np.frombuffer(base64.b64decode(data), "<" + dtype)).all()
    for el in at.get("bidi_component"):
        if el.key == "live_player":
            data = json.loads(el.proto.json)
            theta = np.frombuffer(base64.b64decode(data["state"]["theta"]), "<f8")
            assert np.isfinite(theta).all()
            points = np.frombuffer(base64.b64decode(data["points"]["x"]), "<f8")
            assert np.isfinite(points).all()


@pytest.mark.parametrize("kind,key,value", EXTREMES, ids=[f"{k}={v}" for _, k, v in EXTREMES])
def test_each_widget_at_its_extremes(kind, key, value):
    at = run_app()
    getattr(at, kind)(key=key).set_value(value).run()
    assert_all_finite(at)
    lab = at.session_state["lab"]
    assert all(np.isfinite(w).all() for w in lab.net.W + lab.net.b)
    at.session_state["tab"] = "Train"
    at.run()
    at.button(key="step_epoch").click().run()
    assert_all_finite(at)
    at.session_state["tab"] = "Gradient check"
    at.run()
    assert not at.exception


def test_the_worst_combination_diverges_cleanly():
    at = run_app()
    at.select_slider(key="lr").set_value(10.0).run()
    at.select_slider(key="batch_size").set_value(1).run()
    at.slider(key="momentum").set_value(0.99).run()
    at.session_state["tab"] = "Train"
    at.run()
    for _ in range(4):
        at.button(key="step_epoch").click().run()
        assert_all_finite(at)
    lab = at.session_state["lab"]
    assert lab.trainer.diverged and any("learning rate" in e.value for e in at.error)
    assert all(np.isfinite(w).all() for w in lab.net.W + lab.net.b)
    at.session_state["tab"] = "Backprop, step by step"
    at.run()
    for k in (2, 7, 12):
        at.slider(key="stage").set_value(k).run()
        assert_all_finite(at)


def test_weights_at_the_limit_load_through_the_sidebar_and_every_tab_draws():
    """A file of the largest weights an upload may hold (every entry +10⁶, relu: nothing
    saturates) through the sidebar's uploader; then every tab, every stage of both forms,
    every lesson step and one SGD step: no exception, no NaN, no long rows of digits."""
    from test_weights_views import ENTRIES, LONG_DIGITS, weights_file
    at = run_app()
    at.selectbox(key="activation").set_value("relu").run()
    raw = weights_file("relu", {e: "1e6" for e in ENTRIES})
    at.file_uploader(key="upload_weights").set_value(("big.json", raw, "application/json")).run()
    assert not at.error, at.error[0].value
    assert (at.session_state["lab"].net.W[0] == 1e6).all()

    def readable():
        assert_all_finite(at)
        for lt in at.latex:
            assert not LONG_DIGITS.search(lt.value), lt.value[:200]
        for md in at.markdown:
            assert not LONG_DIGITS.search(md.value), md.value[:200]

    for form in ("sample", "batch"):
        at.radio(key="form").set_value(form).run()
        for k in range(1, 13):
            at.slider(key="stage").set_value(k).run()
            readable()
    at.button(key="apply_step").click().run()
    readable()
    at.session_state["tab"] = "Lesson"
    at.run()
    for k in range(1, 15):
        at.segmented_control(key="lesson").set_value(k).run()
        readable()
    for tab in ("Train", "Gradient check"):
        at.session_state["tab"] = tab
        at.run()
        readable()
