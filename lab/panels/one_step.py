"""Panel: apply one SGD step to the rows in view, and show what changed."""

from __future__ import annotations

import streamlit as st

from ..equations import Equation, mat, num, stacked
from ..numbers import plain
from ..state import Lab, View, apply_one_step
from .latex import equations


def _apply(lab: Lab, view: View) -> None:
    lab.running = False
    apply_one_step(lab, view)


def one_step_panel(lab: Lab, view: View) -> None:
    st.button("Apply one SGD step θ ← θ − γ∇L", key="apply_step", on_click=_apply,
              args=(lab, view), type="primary",
              help="Update every weight and bias with the gradient of the sample or "
                   "mini-batch in view")
    s = lab.last_step
    if s is None:
        st.caption(f"Uses γ = {lab.settings.lr:g} (the learning rate in the sidebar).")
        return
    if s["undone"]:
        st.error(s["message"], icon=":material/error:")
        return
    change = s["loss_after"] - s["loss_before"]
    st.metric("Loss on those rows", plain(s["loss_after"], 4),
              delta=f"{'+' if change >= 0 else ''}{plain(change, 4)} (was "
                    f"{plain(s['loss_before'], 4)})", delta_color="inverse")
    L = len(s["W_before"])
    q = st.radio("Show the update of layer", list(range(1, L + 1)), index=L - 1,
                 horizontal=True, key="step_layer", format_func=lambda k: f"W⁽{k}⁾, b⁽{k}⁾")
    g = num(s["lr"])
    eqs = []
    for name in ("W", "b"):
        old, grad, new = s[f"{name}_before"][q - 1], s[f"d{name}"][q - 1], s[f"{name}_after"][q - 1]
        sym = rf"\mathbf{{{name}}}^{{({q})}}"
        eqs.append(Equation(rf"{sym} \leftarrow {sym} - \gamma \frac{{\partial L}}{{\partial {sym}}}",
                       stacked([mat(old), rf"- {g}\,{mat(grad)}"], mat(new)),
                       rf"\gamma = {g}"))
    equations(eqs, prefix="step")

