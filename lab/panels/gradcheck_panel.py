"""Panel: backprop checked against finite differences, all parameters."""

from __future__ import annotations

import streamlit as st

from nncore import gradient_check

from ..state import Lab, view_indices


def gradcheck_panel(lab: Lab) -> None:
    """A table of every parameter's backprop and numeric gradient, and a verdict."""
    idx = view_indices(lab)
    X, Y = lab.data.X_train[idx], lab.data.Y_train[idx]
    check = gradient_check(lab.net, X, Y)
    what = f"sample {idx[0]}" if idx.size == 1 else f"the mini-batch of {idx.size}"
    verdict = (f"{len(check.rows)} parameters on {what}: largest relative error "
               f"{check.max_rel_error:.1e} (tolerance {check.tol:g}).")
    if check.passed:
        st.success("✅ Pass. " + verdict)
    else:
        st.error("❌ Fail. " + verdict + " With ReLU a finite-difference step can cross a kink.")
    st.caption(f"Numeric derivative: {check.method}. Relative error = |a − n| / max(|a|, |n|, "
               "1e-4·max(1, L)): gradients too small for a finite difference to resolve are "
               "compared in absolute terms.")
    st.dataframe(
        [{"parameter": r.name, "backprop ∂L/∂θ": r.backprop, "finite difference": r.numeric,
          "relative error": r.rel_error, "ok": "✅" if r.rel_error <= check.tol else "❌"}
         for r in check.rows],
        key="gradcheck_table", hide_index=True, height=320, width="stretch",
        column_config={
            "backprop ∂L/∂θ": st.column_config.NumberColumn(format="%.6e"),
            "finite difference": st.column_config.NumberColumn(format="%.6e"),
            "relative error": st.column_config.NumberColumn(format="%.1e"),
        })
