"""Panel: save and load. Four downloads (weights and settings, training history, this
stage's equations, a NumPy forward-pass script) and two uploads (weights, a dataset).

Made for the sidebar (~260 px): full-width buttons, one column. The bytes come from
:mod:`lab.io`; an upload is applied once, in its ``on_change`` callback (a file uploader
keeps its file across reruns), and a bad file changes nothing: its message stays under
the uploader, escaped, until the file is removed or replaced.
"""

from __future__ import annotations

import streamlit as st

from ..io import (
    UploadError,
    equations_markdown,
    forward_script,
    history_csv,
    load_dataset,
    load_weights,
    md_escape,
    parse_dataset,
    parse_weights,
    upload_bytes_limit,
    weights_json,
)
from ..state import Lab, View
from .common import stored_stage_index, stored_view

UPLOADS = ("upload_weights", "upload_data")


def _result_key(key: str) -> str:
    return f"{key}_result"


def _on_upload(lab: Lab, key: str) -> None:
    """Apply the uploader's new file once; remember the outcome for the panel to show."""
    f = st.session_state.get(key)
    if f is None:  # the file was removed: forget its message
        st.session_state.pop(_result_key(key), None)
        return
    done = st.session_state.get(_result_key(key))
    if done is not None and done[0] == f.file_id:  # this very upload was applied already
        return
    limit = upload_bytes_limit(st.get_option("server.maxUploadSize"))
    try:
        if key == "upload_weights":
            load_weights(lab, parse_weights(f.getvalue(), limit), f.name)
        else:
            load_dataset(lab, parse_dataset(f.getvalue(), limit), f.name)
        outcome = ("success", lab.notice)
    except UploadError as e:
        outcome = ("error", str(e))
    st.session_state[_result_key(key)] = (f.file_id, *outcome)


def _show_result(key: str) -> None:
    done = st.session_state.get(_result_key(key))
    if done is None:
        return
    _, kind, text = done
    if kind == "error":
        st.error(md_escape(text), icon=":material/error:")
    else:
        st.success(md_escape(text), icon=":material/check_circle:")


def save_load_panel(lab: Lab, view: View | None = None, stage_index: int | None = None) -> None:
    """The downloads and uploads, one column. view, stage_index : what the step-by-step
    view shows (default: read from its widgets' values in the session)."""
    t = lab.trainer
    st.caption(f"Downloads are of this moment: step {t.steps}, epoch {t.epoch}.")
    common = {"width": "stretch", "on_click": "ignore", "icon": ":material/download:"}
    try:
        weights = weights_json(lab.net, lab.settings, t.steps, t.epoch)
    except ValueError:  # a NaN weight: JSON cannot hold it (training undoes such steps)
        weights = None
    st.download_button("Weights and settings", weights or b"",
                       file_name="backprop-lab-weights.json", mime="application/json",
                       key="download_weights", disabled=weights is None,
                       help="JSON (schema: docs/weights-schema.md). Load it back below", **common)
    # The files are made when clicked (callables), not on every rerun of the page.
    st.download_button("Training history", lambda: history_csv(t.history, lab.net.L),
                       file_name="backprop-lab-history.csv", mime="text/csv",
                       key="download_history", help="CSV, one row per recorded epoch", **common)
    view = view if view is not None else stored_view(lab)
    k = int(stage_index if stage_index is not None else stored_stage_index())
    st.download_button(f"Equations, stage {k + 1}", lambda: equations_markdown(lab, view, k),
                       file_name=f"backprop-lab-stage-{k + 1}.md", mime="text/markdown",
                       key="download_equations",
                       help="Markdown: symbols, numbers and shapes as LaTeX", **common)
    st.download_button("NumPy forward pass", lambda: forward_script(lab.net),
                       file_name="backprop_lab_forward.py", mime="text/x-python",
                       key="download_script",
                       help="A Python script needing only numpy, with these weights", **common)
    st.file_uploader("Load weights (.json)", type=["json"], key="upload_weights",
                     on_change=_on_upload, args=(lab, "upload_weights"),
                     help="A file saved above. Training restarts from its weights at epoch 0 "
                          "with the current settings")
    _show_result("upload_weights")
    st.file_uploader("Load a dataset (.csv)", type=["csv"], key="upload_data",
                     on_change=_on_upload, args=(lab, "upload_data"),
                     help="Header x1,x2,label; 10 to 5000 rows; x in [−5, 5]; two classes "
                          "(numbers in numeric order, else text order: the first is class 0)")
    _show_result("upload_data")
    st.caption("Custom data is not in links: a link carries the dataset only by name.")
