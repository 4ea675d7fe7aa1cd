"""Drawing equations so that they fit their column at any screen width."""

from __future__ import annotations

import streamlit as st

from ..equations import latex_width_em

MAX_EQ_FONT_REM = 1.1  # KaTeX's own size is 1.21 em; equations shrink below this to fit


def equations(eqs, prefix: str = "eq") -> None:
    """Each equation as three lines (symbols, numbers, shapes), each line scaled down just
    enough to fit its column: a CSS container query on the estimated width of the line's
    widest row (:func:`lab.equations.latex_width_em`), never above MAX_EQ_FONT_REM."""
    css = []
    for i, eq in enumerate(eqs):
        lines = (eq.symbolic, r"\small " + eq.numeric, r"\text{shapes: }" + eq.shapes)
        for j, tex in enumerate(lines):
            em = 1.15 * latex_width_em(tex) * (0.9 if j == 1 else 1.0)  # \small is 0.9 em
            key = f"{prefix}_{i}_{j}"
            css.append(f".st-key-{key}{{container-type:inline-size}}"
                       f".st-key-{key} .katex{{font-size:min({MAX_EQ_FONT_REM}rem,"
                       f"calc(100cqi / {em:.1f}))}}")
    st.html("<style>" + "".join(css) + "</style>")
    for i, eq in enumerate(eqs):
        lines = (eq.symbolic, r"\small " + eq.numeric, r"\text{shapes: }" + eq.shapes)
        for j, tex in enumerate(lines):
            with st.container(key=f"{prefix}_{i}_{j}"):
                st.latex(tex)
