"""Panel: apply one SGD step to the sample or batch in view, and show what changed."""

from __future__ import annotations

import streamlit as st

from ..equations import mat, num
from ..state import Lab, apply_one_step


def _apply(lab: Lab) -> None:
    lab.running = False
    apply_one_step(lab)


def one_step_panel(lab: Lab) -> None:
    st.button("Apply one SGD step θ ← θ − γ∇L", key="apply_step", on_click=_apply, args=(lab,),
              type="primary", help="Update every weight and bias with the gradient of the "
                                   "sample or mini-batch in view")
    s = lab.last_step
    if s is None:
        st.caption(f"Uses γ = {lab.settings.lr:g} (the learning rate in the sidebar).")
        return
    change = s["loss_after"] - s["loss_before"]
    st.metric("Loss on that sample / batch", f"{s['loss_after']:.4f}",
              delta=f"{change:+.4f} (was {s['loss_before']:.4f})", delta_color="inverse")
    L = len(s["W_before"])
    q = st.radio("Show the update of layer", list(range(1, L + 1)), index=L - 1,
                 horizontal=True, key="step_layer", format_func=lambda k: f"W⁽{k}⁾, b⁽{k}⁾")
    g = num(s["lr"])
    st.latex(rf"\mathbf{{W}}^{{({q})}} \leftarrow {mat(s['W_before'][q - 1])} - {g}\,"
             rf"{mat(s['dW'][q - 1])} = {mat(s['W_after'][q - 1])}")
    st.latex(rf"\mathbf{{b}}^{{({q})}} \leftarrow {mat(s['b_before'][q - 1])} - {g}\,"
             rf"{mat(s['db'][q - 1])} = {mat(s['b_after'][q - 1])}")
