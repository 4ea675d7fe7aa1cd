"""Panel: apply one SGD step to the rows in view (a button in the step view's bar), and
what the last such step changed (below the picture)."""

from __future__ import annotations

import streamlit as st

from ..equations import update_equations
from ..numbers import plain
from ..state import Lab, View, apply_one_step
from .common import locked
from .latex import equations


@locked
def _apply(lab: Lab, view: View) -> None:
    lab.running = False
    s = apply_one_step(lab, view)
    lab.notice = s["message"] or (f"One SGD step on {view.what}: the loss on those rows went "
                                  f"from {plain(s['loss_before'], 4)} to "
                                  f"{plain(s['loss_after'], 4)}.")


def one_step_button(lab: Lab, view: View) -> None:
    st.button("One SGD step", key="apply_step", on_click=_apply, args=(lab, view),
              type="primary", icon=":material/south:", width="stretch",
              help=f"θ ← θ − γ∇L with γ = {lab.settings.lr:g} (the learning rate in the "
                   "sidebar): update every weight and bias with the gradient of the sample "
                   "or mini-batch in view")


def last_step_panel(lab: Lab) -> None:
    """The loss before and after the last single step, and one layer's update with its
    numbers (collapsed until asked for)."""
    s = lab.last_step
    if s is None:
        return
    if s["undone"]:
        st.error(s["message"], icon=":material/error:")
        return
    with st.expander(f"The last SGD step: loss on those rows {plain(s['loss_before'], 4)} → "
                     f"{plain(s['loss_after'], 4)}", icon=":material/south:"):
        L = len(s["W_before"])
        q = st.radio("Show the update of layer", list(range(1, L + 1)), index=L - 1,
                     horizontal=True, key="step_layer", format_func=lambda k: f"W⁽{k}⁾, b⁽{k}⁾")
        equations(update_equations(q, s["W_before"][q - 1], s["dW"][q - 1], s["W_after"][q - 1],
                                   s["b_before"][q - 1], s["db"][q - 1], s["b_after"][q - 1],
                                   s["lr"]), prefix="step")
