"""The README stays true: every widget key it lists is carried by an element of the app,
and its run and test commands are the ones .ci/run and a newcomer use."""

import re
from pathlib import Path

from apptest_util import run_app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_keys() -> set[str]:
    """The keys in the first column of the README's widget-key table."""
    section = README.split("### Widget keys", 1)[1].split("\n## ", 1)[0]
    keys = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            keys |= set(re.findall(r"`([a-z_0-9]+)`", line.split("|")[1]))
    return keys


def element_keys(node, out: set[str]) -> set[str]:
    """Keys of every element under ``node``: from the element, or from its id, which
    Streamlit ends with "-<key>" for keyed elements."""
    key = getattr(node, "key", None)
    if key:
        out.add(key)
    proto = getattr(node, "proto", None)
    element_id = getattr(proto, "id", "") if proto is not None else ""
    if element_id:
        out.add(element_id.rsplit("-", 1)[-1])
    children = getattr(node, "children", None) or {}
    for child in children.values() if isinstance(children, dict) else children:
        element_keys(child, out)
    return out


def test_every_widget_key_in_the_readme_exists():
    listed = readme_keys()
    assert len(listed) >= 30, listed  # the table was found and read
    at = run_app()
    seen = element_keys(at._tree, set())
    at.button(key="apply_step").click().run()  # shows the layer picker of the update
    element_keys(at._tree, seen)
    at.radio(key="form").set_value("batch").run()  # shows the mini-batch size
    element_keys(at._tree, seen)
    at.slider(key="stage").set_value(2).run()
    at.toggle(key="your_turn_on").set_value(True).run()  # shows the question's controls
    element_keys(at._tree, seen)
    csv = "x1,x2,label\n" + "\n".join(f"{i / 40},{-i / 40},{i % 2}" for i in range(20))
    at.file_uploader(key="upload_data").set_value(("d.csv", csv.encode(), "text/csv")).run()
    element_keys(at._tree, seen)  # shows the way back to the built-in data
    at.button(key="built_in_data").click().run()
    element_keys(at._tree, seen)  # and the way back to the uploaded data
    for tab in ("Lesson", "Train", "Gradient check", "Derivation"):
        at.session_state["tab"] = tab
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        element_keys(at._tree, seen)
    at.session_state["tab"] = "Backprop, step by step"
    at.sidebar.number_input(key="layers").set_value(4).run()  # every layer's width
    element_keys(at._tree, seen)
    at.session_state["network_chart"] = {"selection": {"points": [{"customdata": [1, 0, 0]}],
                                                       "point_indices": [0], "box": [],
                                                       "lasso": []}}
    at.run()  # an edge picked: its weight to set
    element_keys(at._tree, seen)
    at.toggle(key="presenter").set_value(True).run()  # the presenter's keyboard
    element_keys(at._tree, seen)
    missing = listed - seen
    assert not missing, f"the README lists keys no element carries: {sorted(missing)}"


def test_readme_commands_are_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    run_cmd = re.search(r"## Run it.*?```bash\n(.*?)\n```", README, re.DOTALL).group(1)
    test_cmd = re.search(r"## Test it.*?```bash\n(.*?)\n```", README, re.DOTALL).group(1)
    assert "streamlit run app.py" in run_cmd and "requirements.txt" in run_cmd
    assert "venv" in run_cmd and "venv" in test_cmd  # stock Debian/Ubuntu pythons refuse pip
    assert "-c requirements.txt" in test_cmd  # tests run on the versions the host installs
    for part in test_cmd.split("&&"):
        assert part.strip() in ci, f"CI does not run the README's test step {part.strip()!r}"
