"""AppTest: the sidebar with uploaded data, and Save and load in the real app."""

from apptest_util import run_app

CSV = ("x1,x2,label\n" + "\n".join(f"{(i % 7) / 7 - 0.5},{(i % 5) / 5 - 0.5},{i % 2}"
                                   for i in range(40))).encode()


def test_uploaded_data_is_named_and_left_for_the_built_in_set():
    at = run_app()
    at.file_uploader(key="upload_data").set_value(("d.csv", CSV, "text/csv")).run()
    lab = at.session_state["lab"]
    assert lab.custom_data_name == "custom: d.csv"
    assert lab.data.X_train.shape[0] + lab.data.X_test.shape[0] == 40
    assert any("custom: d.csv" in c.value for c in at.caption)
    at.button(key="built_in_data").click().run()
    lab = at.session_state["lab"]
    assert lab.custom_data_name == "" and lab.data.X_train.shape == (280, 2)


def test_a_data_setting_brings_the_built_in_set_back():
    at = run_app()
    at.file_uploader(key="upload_data").set_value(("d.csv", CSV, "text/csv")).run()
    at.selectbox(key="dataset").set_value("moons").run()
    lab = at.session_state["lab"]
    assert lab.custom_data_name == "" and lab.settings.dataset == "moons"
    assert lab.data.X_train.shape == (280, 2)
    assert not any("custom:" in c.value for c in at.caption)
