"""Panel: backprop checked against finite differences, all parameters."""

from __future__ import annotations

import streamlit as st

from nncore import GradientCheck, gradient_check

from ..state import Lab, inputs
from .common import stored_view

# Plain words, not emoji: ✅/❌ render as empty boxes without an emoji font.
ROW_PX = 35  # the height of a dataframe row in Streamlit's grid
STATUS_WORDS = {"pass": "pass", "fail": "FAIL", "unresolvable": "not resolvable"}
NOT_RESOLVABLE = ("Not resolvable means the gradient is smaller than what a finite "
                  "difference can measure at these weights (its rounding error, or a ReLU "
                  "kink within the step, is too large), so it is neither confirmed nor "
                  "refuted.")


def _verdict(check: GradientCheck, what: str) -> None:
    n = len(check.rows)
    rest = (f" {check.n_unresolvable} not resolvable at these weights."
            if check.n_unresolvable else "")
    if check.verdict == "pass":
        st.success(f"Pass. {check.n_pass} of {n} parameters on {what} agree: largest "
                   f"relative error {check.max_rel_error:.1e} (tolerance {check.tol:g})."
                   + rest)
    elif check.verdict == "fail":
        st.error(f"FAIL. {check.n_fail} of {n} parameters on {what} disagree beyond the "
                 f"tolerance {check.tol:g} (largest relative error {check.max_rel_error:.1e});"
                 f" {check.n_pass} pass." + rest)
    else:
        st.warning(f"Not resolvable at these weights: at the loss L = {check.loss:.3g} none "
                   f"of the {n} gradients on {what} is large enough for a finite difference "
                   "to measure, so this check can say neither pass nor fail. Reset the "
                   "weights to check them.")


def gradcheck_panel(lab: Lab) -> None:
    """A table of every parameter's backprop and numeric gradient, and a verdict."""
    idx = stored_view(lab).indices
    X, Y = inputs(lab)[0][idx], lab.data.Y_train[idx]
    check = gradient_check(lab.net, X, Y)
    _verdict(check, f"sample {idx[0]}" if idx.size == 1 else f"the mini-batch of {idx.size}")
    st.caption(f"Numeric derivative: {check.method}. Relative error = |a − n| / max(|a|, |n|). "
               + NOT_RESOLVABLE)
    # the key on a container: a dataframe without selections carries no key of its own
    st.container(key="gradcheck_table").dataframe(
        [{"parameter": r.name, "backprop ∂L/∂θ": r.backprop, "finite difference": r.numeric,
          "relative error": None if r.status == "unresolvable" else r.rel_error,
          "resolvable above": r.resolution, "status": STATUS_WORDS[r.status]}
         for r in check.rows],
        # every row at full height: a table that scrolls inside the page hides them
        hide_index=True, height=ROW_PX * (len(check.rows) + 1) + 3, width="stretch",
        column_config={
            "backprop ∂L/∂θ": st.column_config.NumberColumn(format="%.6e"),
            "finite difference": st.column_config.NumberColumn(format="%.6e"),
            "relative error": st.column_config.NumberColumn(format="%.1e"),
            "resolvable above": st.column_config.NumberColumn(
                format="%.1e", help="The smallest |∂L/∂θ| a finite difference can measure "
                                    "to the tolerance at these weights"),
        })
