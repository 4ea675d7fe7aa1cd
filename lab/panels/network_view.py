"""Panel: the stage controls, the network picture and the stage's equations with the live
numbers, always at the same stage.

The controls, the picture and the equations run in one Streamlit fragment: Prev, Next and
the Stage slider redraw only this part of the page, and Play advances the Stage widget on
a timer (the fragment's ``run_every``), so while playing the slider, the heading, the
picture, its colour scale and the equations move together.
"""

from __future__ import annotations

import streamlit as st

from ..equations import stage_equations
from ..figures.network import network_figure, stage_caption
from ..quiz import hide
from ..stages import build_stages
from ..state import Lab, View, current_pass
from .latex import equations
from .presenter import stage_keys
from .your_turn import prepare_quiz, your_turn_panel

STAGE_PACES = {"slow (2 s per stage)": 2.0, "normal (1 s)": 1.0, "fast (0.5 s)": 0.5}
# The options are the URL's values (?form=batch); the captions say what they mean.
FORMS = {"sample": "one sample, column vectors", "batch": "a mini-batch, rows of a matrix"}
LOSS_CONVENTION = (
    "**Loss convention.** For one sample L = Σₗ (ŷₗ − yₗ)²: summed over the outputs, with no ½; "
    "for a mini-batch of N samples, the mean of that over the batch. The missing ½ is why "
    "δ⁽³⁾ = 2(ŷ − y), and the mean is why Δ⁽³⁾ = (2/N)(Ŷ − Y). The whole derivation is in "
    "the **Derivation** tab (docs/backprop.md in the repository)."
)


def form_picker() -> str:
    """The per-sample / mini-batch switch; returns "sample" or "batch"."""
    return st.radio("Form of the equations", list(FORMS), key="form",
                    captions=list(FORMS.values()), horizontal=True, persist_state="session",
                    bind="query-params", label_visibility="collapsed",
                    help="One sample as column vectors, or N samples as the rows of a matrix")


def _move(delta: int, n: int) -> None:
    st.session_state["stage"] = min(max(st.session_state.get("stage", 1) + delta, 1), n)
    st.session_state["play_stages"] = False


def _stop_playing() -> None:
    st.session_state["play_stages"] = False


def _node_of(asked, p) -> tuple[int, int] | None:
    """The picture's node that shows the asked value: one sample's z, a or δ."""
    if asked is None or asked.kind not in ("z", "a", "delta") or p.N != 1:
        return None
    q, _row, i = asked.index
    return q, i


def _on_key(n: int, name: str) -> None:
    """Presenter mode's keyboard: ← → step, space plays or pauses."""
    if name == "play":
        st.session_state["play_stages"] = not st.session_state.get("play_stages", False)
    else:
        _move(-1 if name == "prev" else 1, n)


def network_view(lab: Lab, view: View, presenter: bool = False) -> None:
    """Stage controls, the network at the current stage and its equations; in presenter
    mode also the keyboard (← → space)."""
    playing = bool(st.session_state.get("play_stages", False))
    every = STAGE_PACES.get(st.session_state.get("speed"), 1.0) if playing else None
    st.fragment(run_every=every)(_stage_view)(lab, view, every, presenter)


def _stage_view(lab: Lab, view: View, every: float | None, presenter: bool = False) -> None:
    stages = build_stages(lab.net.L, view.form)
    n = len(stages)
    if presenter:
        stage_keys(lambda name: _on_key(n, name))
    if every is not None and st.session_state.get("play_stages"):
        # a tick of the timer: the next stage; the last one ends the play
        k = min(st.session_state.get("stage", 1) + 1, n)
        st.session_state["stage"] = k
        if k == n:
            st.session_state["play_stages"] = False
    c1, c2, c3, c4 = st.columns([1, 1, 1.1, 1.9], vertical_alignment="center")
    c1.button("Prev", key="prev_stage", on_click=_move, args=(-1, n), width="stretch",
              icon=":material/chevron_left:", help="One stage back")
    c2.button("Next", key="next_stage", on_click=_move, args=(1, n), width="stretch",
              icon=":material/chevron_right:", help="One stage forward")
    c3.toggle("Play", key="play_stages", help="Step through the stages one by one; the "
                                              "last stage stops the play")
    c4.selectbox("Play speed", list(STAGE_PACES), index=1, key="speed", persist_state="session",
                 label_visibility="collapsed", help="Time per stage while playing")
    # Stages count from 1, in the URL (?stage=5) as on screen; the heading names the stage.
    k = st.slider("Stage", 1, n, key="stage", persist_state="session",
                  bind="query-params", on_change=_stop_playing, label_visibility="collapsed",
                  help="Every equation of backprop, in the order it is computed") - 1
    stage = stages[k]
    p = current_pass(lab, view)
    # Your turn (opt in): one value of the stage is hidden in the equations and the
    # picture, and the student works it out
    quizzing = bool(st.session_state.get("your_turn_on"))
    quiz = prepare_quiz(lab, p, stage) if quizzing else None
    asked = None if quiz is None or quiz.solution_shown else quiz.question

    left, right = st.columns([1, 1])
    with left:
        loss = "?" if asked is not None and asked.kind == "loss" else f"{p.loss:.4g}"
        st.markdown(f"**{k + 1}/{n} · {stage.formula}**"
                    + (f" · L = {loss}" if stage.phase != "forward" else ""))
        st.plotly_chart(network_figure(p, stages, active=k, hidden_node=_node_of(asked, p)),
                        key="network_chart", width="stretch", theme=None,
                        config={"displayModeBar": False})
        st.caption(" ".join(stage_caption(stage, p)) + " Hover a node for z, a, b, δ, an edge "
                   "for w and ∂L/∂w.")
    with right:
        st.markdown(f"#### {stage.title}")
        st.toggle("Your turn: hide one value to work out", key="your_turn_on",
                  help="The app hides one number of this stage (in the equations and the "
                       "picture); type it, and it checks your answer and shows the working")
        equations(hide(stage_equations(stage, p), asked))
        if quizzing:
            your_turn_panel(lab, p, stage)
        st.info(LOSS_CONVENTION)
    wanted = (STAGE_PACES.get(st.session_state.get("speed"), 1.0)
              if st.session_state.get("play_stages") else None)
    if wanted != every:  # Play, Pause or a new speed: restart the fragment's timer
        st.rerun(scope="app")
