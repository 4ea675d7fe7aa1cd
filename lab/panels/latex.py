"""Drawing equations so that they fit their column at any screen width."""

from __future__ import annotations

import streamlit as st

from ..equations import latex_width_em

MAX_EQ_FONT_REM = 1.1  # KaTeX's own size is 1.21 em; equations shrink below this to fit
PRESENTER_EQ_FONT_REM = 0.95  # of presenter mode's 19 px root: 18 px


def equations(eqs, prefix: str = "eq", max_rem: float = MAX_EQ_FONT_REM) -> None:
    """Each equation as three lines (symbols, numbers, shapes), each line scaled down just
    enough to fit its column: a CSS container query on the estimated width of the line's
    widest row (:func:`lab.equations.latex_width_em`), never above ``max_rem`` (presenter
    mode's type is larger: a smaller cap keeps a stage's first equation on the screen)."""
    css = []
    for i, eq in enumerate(eqs):
        lines = (eq.symbolic, r"\small " + eq.numeric, r"\text{shapes: }" + eq.shapes)
        for j, tex in enumerate(lines):
            em = 1.15 * latex_width_em(tex) * (0.9 if j == 1 else 1.0)  # \small is 0.9 em
            key = f"{prefix}_{i}_{j}"
            css.append(f".st-key-{key}{{container-type:inline-size}}"
                       f".st-key-{key} .katex{{font-size:min({max_rem}rem,"
                       f"calc(100cqi / {em:.1f}))}}")
    # Sized to fit, an equation needs no scroll bar; KaTeX's hidden MathML copy would
    # give one of 2 px, a scrollable region no keyboard can reach
    css.append(f"[class*='st-key-{prefix}_'] .katex-display{{overflow:visible}}")
    st.html("<style>" + "".join(css) + "</style>")
    for i, eq in enumerate(eqs):
        lines = (eq.symbolic, r"\small " + eq.numeric, r"\text{shapes: }" + eq.shapes)
        for j, tex in enumerate(lines):
            with st.container(key=f"{prefix}_{i}_{j}"):
                st.latex(tex)
    if any(r"\cdots" in eq.numeric for eq in eqs):
        st.caption("⋯ : the middle columns of a matrix wider than six, left out so the "
                   "numbers stay readable; hover the picture's nodes and edges for every "
                   "weight and value.")
