"""AppTest: the sidebar with uploaded data: named, replaced never silently, and brought
back with one click."""

import numpy as np
from apptest_util import run_app

CSV = ("x1,x2,label\n" + "\n".join(f"{(i % 7) / 7 - 0.5},{(i % 5) / 5 - 0.5},{i % 2}"
                                   for i in range(40))).encode()


def test_uploaded_data_is_named_and_left_for_the_built_in_set_and_back():
    at = run_app()
    at.file_uploader(key="upload_data").set_value(("d.csv", CSV, "text/csv")).run()
    lab = at.session_state["lab"]
    assert lab.using_upload and lab.uploaded[0] == "d.csv"
    assert lab.data.X_train.shape[0] + lab.data.X_test.shape[0] == 40
    assert any(r"uploaded **d\.csv**" in c.value for c in at.caption)  # escaped markdown
    at.button(key="built_in_data").click().run()
    lab = at.session_state["lab"]
    assert not lab.using_upload and lab.data.X_train.shape == (280, 2)
    assert "brings d.csv back" in at.toast[0].value
    at.button(key="uploaded_data").click().run()  # one click: the uploaded data again
    lab = at.session_state["lab"]
    assert lab.using_upload and lab.data.X_train.shape[0] + lab.data.X_test.shape[0] == 40


def test_a_data_setting_replaces_the_upload_and_says_so_even_before_any_training():
    at = run_app()
    at.file_uploader(key="upload_data").set_value(("d.csv", CSV, "text/csv")).run()
    X = at.session_state["lab"].data.X_train.copy()
    at.slider(key="noise").set_value(0.2).run()  # nothing trained yet: still said
    lab = at.session_state["lab"]
    assert not lab.using_upload and lab.data.X_train.shape == (280, 2)
    assert [t.value for t in at.toast] == [
        ("Changed noise: the built-in xor data replaced your uploaded d.csv, and training was "
        "reset. \"Use the uploaded data again\" in the sidebar brings it back.")]
    at.button(key="uploaded_data").click().run()
    np.testing.assert_array_equal(at.session_state["lab"].data.X_train, X)


def rings_csv() -> bytes:
    """Two rings, of radius 1 (class 1) and 3 (class 2): the outer one far outside the
    built-in sets' plane [−1.3, 1.3]²."""
    t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    rows = [(r * np.cos(a), r * np.sin(a), c) for r, c in ((1, 0), (3, 1)) for a in t]
    return ("x1,x2,label\n" + "\n".join(f"{x:.4f},{y:.4f},{c}" for x, y, c in rows)).encode()


def test_the_plane_follows_uploaded_data_in_every_picture():
    import json

    at = run_app()
    at.file_uploader(key="upload_data").set_value(("rings.csv", rings_csv(), "text/csv")).run()
    lab = at.session_state["lab"]
    top = max(np.abs(lab.data.X_train).max(), np.abs(lab.data.X_test).max())
    e = lab.data.extent
    assert top < e <= 1.1 * top + 0.1  # every point inside, with a margin, not lost in space
    scatter = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("sample_scatter"))
    axes = json.loads(scatter.proto.spec)["layout"]
    assert axes["xaxis"]["range"] == [-e, e] and axes["yaxis"]["range"] == [-e, e]
    at.session_state["tab"] = "Train"
    at.run()
    player = next(c for c in at.get("bidi_component")
                  if c.proto.component_name == "backprop_lab.player")
    assert json.loads(player.proto.json)["extent"] == e
