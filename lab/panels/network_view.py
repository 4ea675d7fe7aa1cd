"""Panel: the network picture and the seed's equations with the live numbers, in step."""

from __future__ import annotations

import streamlit as st

from ..equations import stage_equations
from ..figures.network import network_figure
from ..stages import build_stages
from ..state import Lab, current_pass

SPEEDS = {"slow (2 s per stage)": 2000, "normal (1 s)": 1000, "fast (0.4 s)": 400}
FORMS = {"sample": "one sample (column vectors)", "batch": "mini-batch (row vectors)"}
LOSS_CONVENTION = (
    "**Loss convention.** For one sample L = Σₗ (ŷₗ − yₗ)²: summed over the outputs, with no ½; "
    "for a mini-batch of N samples, the mean of that over the batch. The missing ½ is why "
    "δ⁽³⁾ = 2(ŷ − y), and the mean is why Δ⁽³⁾ = (2/N)(Ŷ − Y)."
)


def _move(delta: int, n: int) -> None:
    st.session_state["stage"] = (st.session_state.get("stage", 0) + delta) % n


def _result_below(numeric: str) -> str:
    """Put the result (after the last " = ") on its own line: matrices side by side are
    wider than the equation column on a 1280 px projector."""
    head, sep, result = numeric.rpartition(" = ")
    if not sep:
        return numeric
    return rf"\begin{{aligned}}&{head}\\&= {result}\end{{aligned}}"


def network_view(lab: Lab) -> None:
    """Stage controls, the animated network, and the current stage's equations."""
    stages = build_stages(lab.net.L)
    n = len(stages)
    # The view is not drawn while training plays, and Streamlit forgets the state of
    # widgets a run does not draw: the Lab keeps it and hands it back.
    st.session_state.setdefault("stage", lab.stage)
    if st.session_state.get("stage", 0) >= n:
        st.session_state["stage"] = 0
    c1, c2, c3, c4 = st.columns([1.1, 1.1, 5, 2.6], vertical_alignment="bottom")
    c1.button("◀ Prev", key="prev_stage", on_click=_move, args=(-1, n),
              help="Go one stage back (wraps around)")
    c2.button("Next ▶", key="next_stage", on_click=_move, args=(1, n),
              help="Go one stage forward (wraps around)")
    k = c3.select_slider("Stage", options=list(range(n)), key="stage",
                         format_func=lambda i: f"{i + 1}. {stages[i].label}",
                         help="Every equation of the seed, in the order backprop computes it")
    speed = c4.selectbox("Play speed (in the picture)", list(SPEEDS), index=1, key="speed")
    lab.stage = k
    stage = stages[k]
    p = current_pass(lab)

    left, right = st.columns([7, 5])
    with left:
        fig = network_figure(p, stages, active=k, frame_ms=SPEEDS[speed])
        st.plotly_chart(fig, key="network_chart", width="stretch", theme=None,
                        config={"displayModeBar": False})
        st.caption("▶ Play animates all stages in the browser; the equations on the right follow "
                   "the Stage slider above. Hover a node for z, a, b, δ, an edge for w and ∂L/∂w.")
    with right:
        st.markdown(f"#### {stage.title}")
        for eq in stage_equations(stage, p):
            st.latex(eq.symbolic)
            numeric = eq.numeric if stage.key == "input" else _result_below(eq.numeric)
            st.latex(r"\small " + numeric)
            st.latex(r"\text{shapes: }" + eq.shapes)
        st.info(LOSS_CONVENTION)


def form_picker(lab: Lab) -> None:
    """The per-sample / mini-batch switch."""
    st.session_state.setdefault("form", lab.form)
    lab.form = st.radio("Form of the equations", list(FORMS), key="form",
                        format_func=FORMS.get, horizontal=True,
                        help="The seed's first half (one sample, column vectors) or its "
                             "second half (N samples as rows)")
