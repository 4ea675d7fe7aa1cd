"""Panel: choose what flows through the network: a sample, or a mini-batch."""

from __future__ import annotations

import streamlit as st

from ..figures.picker import sample_picker_figure
from ..state import Lab, view_indices


def sample_picker(lab: Lab) -> None:
    """A clickable scatter of the training set, an index box and the batch size."""
    n = lab.data.X_train.shape[0]
    st.session_state.setdefault("sample_index", lab.sample)  # kept by the Lab while hidden
    st.session_state.setdefault("view_batch_size", lab.view_batch)
    if st.session_state.get("sample_index", 0) > n - 1:
        st.session_state["sample_index"] = n - 1
    fig = sample_picker_figure(lab.data.X_train, lab.data.y_train, view_indices(lab))
    event = st.plotly_chart(fig, key="sample_scatter", on_select="rerun",
                            selection_mode="points", width="stretch", theme=None,
                            config={"displayModeBar": False})
    picked = _picked_index(event)
    if picked is not None and picked != st.session_state.get("_last_pick"):
        st.session_state["_last_pick"] = picked
        st.session_state["sample_index"] = picked
    lab.sample = st.number_input("Sample index (or click a point)", min_value=0,
                                 max_value=n - 1, step=1, key="sample_index",
                                 help=f"Row of the training set, 0 … {n - 1}")
    if lab.form == "batch":
        lab.view_batch = st.slider("Mini-batch size N", 2, 8, key="view_batch_size",
                                   help="N consecutive training rows from the picked one")
    idx = view_indices(lab)
    X, Y = lab.data.X_train[idx], lab.data.Y_train[idx]
    rows = [f"sample {i}: x = ({x[0]:.3f}, {x[1]:.3f}), target y = ({y[0]:g}, {y[1]:g})"
            for i, x, y in zip(idx, X, Y)]
    st.caption("  \n".join(rows))


def _picked_index(event) -> int | None:
    """The sample id of the first selected point, from its customdata."""
    try:
        points = event.selection.points
    except AttributeError:
        return None
    for pt in points or []:
        cd = pt.get("customdata")
        if isinstance(cd, list):
            cd = cd[0] if cd else None
        if cd is not None:
            return int(cd)
    return None
