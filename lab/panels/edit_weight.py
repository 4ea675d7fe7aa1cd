"""Panel: set one weight by hand. A click on an edge (a little past its middle) in the picture picks its
weight W^(q)[i, j]; type a value and press Set: the picture, the equations and the counters
follow at once (the run goes on from these weights), Reset weights undoes it, and a link
carries it (the run's journal, lab/journal.py)."""

from __future__ import annotations

import streamlit as st

from ..io import MAX_WEIGHT
from ..numbers import plain
from ..stages import SUB, sup
from ..state import Lab, set_weight
from .common import locked

CHART = "network_chart"  # the picture (lab/panels/network_view.py): its selection picks
_SET = "_weight_set"  # a weight was set in this fragment run: redraw the page once


def weight_name(q: int, i: int, j: int) -> str:
    return f"w{sup(q)}{str(i + 1).translate(SUB)},{str(j + 1).translate(SUB)}"


def picked_edge(lab: Lab) -> tuple[int, int, int] | None:
    """The edge picked in the picture, (q, i, j) with 0-based i, j, if this network has it."""
    event = st.session_state.get(CHART)
    selection = event.get("selection") if isinstance(event, dict) else getattr(
        event, "selection", None)
    points = (selection.get("points") if isinstance(selection, dict)
              else getattr(selection, "points", None)) if selection is not None else None
    for pt in points or []:
        cd = pt.get("customdata") if isinstance(pt, dict) else None
        if isinstance(cd, list) and len(cd) == 3 and all(isinstance(v, int) for v in cd):
            q, i, j = cd
            s = lab.net.sizes
            if 1 <= q <= lab.net.L and 0 <= i < s[q] and 0 <= j < s[q - 1]:
                return q, i, j
    return None


def key_of(q: int, i: int, j: int) -> str:
    return f"edit_weight_{q}_{i}_{j}"


@locked
def _set(lab: Lab, q: int, i: int, j: int) -> None:
    value = st.session_state.get(key_of(q, i, j))
    if value is None:
        return
    if lab.running:
        lab.notice = "Pause training (in the Train tab) to set a weight by hand."
        return
    before = float(lab.net.W[q - 1][i, j])
    set_weight(lab, q, i, j, float(value))
    lab.notice = (f"Set {weight_name(q, i, j)} from {plain(before, 4)} to "
                  f"{plain(float(value), 4)}; training goes on from here, and Reset weights "
                  "undoes it.")
    st.session_state[_SET] = True


def edit_weight_panel(lab: Lab) -> None:
    """Below the picture: the picked edge's weight to set, or how to pick one."""
    if st.session_state.pop(_SET, False) and lab.notice:
        # a fragment's run (the notice is not shown yet): the page outside it (the notice,
        # the last step) is drawn again; a whole page's run has drawn it already
        st.rerun(scope="app")
    edge = picked_edge(lab)
    if edge is None:
        st.caption("Click an edge, a little right of its middle, to set its weight by hand.")
        return
    q, i, j = edge
    a, b = st.columns([2.2, 1], vertical_alignment="bottom")
    a.number_input(f"Set {weight_name(q, i, j)} (now {plain(float(lab.net.W[q - 1][i, j]), 4)})",
                   min_value=-MAX_WEIGHT, max_value=MAX_WEIGHT,
                   value=float(lab.net.W[q - 1][i, j]), step=0.1, format="%.4f",
                   key=key_of(q, i, j),
                   help=f"The weight from unit {j + 1} of layer {q - 1} to unit {i + 1} of "
                        f"layer {q}")
    b.button("Set", key="set_weight", on_click=_set, args=(lab, q, i, j), width="stretch",
             help="Put this value in the network: the picture, equations and counters follow")
