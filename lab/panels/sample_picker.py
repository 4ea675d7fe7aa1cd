"""Panel: what flows through the network (a sample, or a mini-batch), in one compact bar.

The sample index and the batch size are widgets of the bar; the clickable scatter of the
training set opens from it (a popover), so every control of the step view is within reach
above the picture instead of a long scroll below it.
"""

from __future__ import annotations

import streamlit as st

from ..figures.picker import sample_picker_figure
from ..links import VIEW_BATCH
from ..state import Lab, View, view_indices
from .common import widget_value


def _on_pick() -> None:
    """A click on the scatter picks that training row (callbacks run before the script,
    so everything drawn in this run already shows the picked sample)."""
    picked = picked_index(st.session_state.get("sample_scatter"))
    if picked is not None:
        st.session_state["sample_index"] = picked


def sample_picker(lab: Lab, form: str) -> View:
    """A button that names what flows through and opens its controls: the sample index,
    the batch size (mini-batch form) and the scatter to pick from. Returns the rows that
    flow through."""
    n = lab.data.X_train.shape[0]
    # A smaller data set may leave the kept index out of range: clip it before the
    # widget is drawn (Streamlit rejects a value above max_value).
    if st.session_state.get("sample_index", 0) > n - 1:
        st.session_state["sample_index"] = n - 1
    # the button's label before its widgets are drawn: on a first run, the address's values
    i = min(int(widget_value("sample_index")), n - 1)
    N = int(widget_value("view_batch_size")) if form == "batch" else 1
    label = f"Sample {i}" if form == "sample" else f"Batch: {N} rows from {i}"
    with st.popover(label, icon=":material/scatter_plot:", width="stretch",
                    help="What flows through the network: a training sample, or a mini-batch "
                         "of consecutive rows; pick one on the plane"):
        a, b = st.columns(2)
        i = a.number_input("Sample (training row)", min_value=0, max_value=n - 1, step=1,
                           key="sample_index", persist_state="session", bind="query-params",
                           help=f"Row of the training set, 0 … {n - 1}; or click a point")
        if form == "batch":
            # N small enough to print every matrix
            N = b.slider("Mini-batch size N", *VIEW_BATCH, value=4, key="view_batch_size",
                         persist_state="session", bind="query-params",
                         help="N consecutive training rows from the picked one")
        view = View(form, view_indices(n, form, i, N))
        reg = lab.data.n_outputs == 1
        fig = sample_picker_figure(lab.data.X_train, lab.data.y_train, view.indices,
                                   lab.data.extent,
                                   values=lab.data.Y_train[:, 0] if reg else None)
        st.plotly_chart(fig, key="sample_scatter", on_select=_on_pick,
                        selection_mode="points", width="stretch", theme=None,
                        config={"displayModeBar": False})
        X, Y = lab.data.X_train[view.indices], lab.data.Y_train[view.indices]
        st.caption("  \n".join(
            f"sample {k}: x = ({x[0]:.3f}, {x[1]:.3f}), " + (
                f"target y = {y[0]:.3f}" if reg else
                f"class {int(y.argmax()) + 1} (y = ({y[0]:g}, {y[1]:g}))")
            for k, x, y in zip(view.indices, X, Y)))
    return view


def picked_index(event) -> int | None:
    """The sample id of the first selected point, from its customdata (a plotly_chart
    selection event, as an object with attributes or as a dict)."""
    if event is None:
        return None
    selection = event.get("selection") if isinstance(event, dict) else getattr(
        event, "selection", None)
    if selection is None:
        return None
    points = selection.get("points") if isinstance(selection, dict) else getattr(
        selection, "points", None)
    for pt in points or []:
        cd = pt.get("customdata")
        if isinstance(cd, list):
            cd = cd[0] if cd else None
        if cd is not None:
            try:
                return int(cd)
            except (TypeError, ValueError):
                return None
    return None
