"""Panel: the step view. A bar of what flows through (form, sample, batch size, the plane
to pick from, one SGD step), the stage controls, then the network picture and the stage's
equations with the live numbers, always at the same stage.

The stage controls, the heading, the picture and the equations run in one Streamlit
fragment: Prev, Next and the Stage slider redraw only this part of the page, and Play
advances the Stage widget on a timer (the fragment's ``run_every``), so while playing the
slider, the heading, the picture and the equations move together. The heading heads the
equations' column, so a long title that wraps never moves the picture.
"""

from __future__ import annotations

import streamlit as st

from ..equations import stage_equations
from ..figures.network import DEFAULT, PRESENTER, network_figure, stage_caption
from ..links import FORMS
from ..quiz import hide
from ..stages import build_stages
from ..state import Lab, View, current_pass
from .common import locked
from .edit_weight import edit_weight_panel
from .latex import MAX_EQ_FONT_REM, PRESENTER_EQ_FONT_REM, equations
from .one_step import last_step_panel, one_step_button
from .sample_picker import sample_picker
from .your_turn import prepare_quiz, your_turn_panel

STAGE_PACES = {"slow (2 s per stage)": 2.0, "normal (1 s)": 1.0, "fast (0.5 s)": 0.5}
LOSS_CONVENTION = (
    "For one sample L = Σₗ (ŷₗ − yₗ)²: summed over the outputs, with no ½; for a mini-batch "
    "of N samples, the mean of that over the batch. The missing ½ is why δ⁽³⁾ = 2(ŷ − y), "
    "and the mean is why Δ⁽³⁾ = (2/N)(Ŷ − Y). The whole derivation is in the **Derivation** "
    "tab (docs/backprop.md in the repository)."
)
STYLE = """<style>
.st-key-stage_heading h3 { font-size: 1.1rem; line-height: 1.45; padding: 0; margin: 0; }
</style>"""


def step_view(lab: Lab, presenter: bool = False) -> None:
    """The whole step view: the bar, then the stage fragment, then what the picture shows
    and the last single step. In presenter mode the bar keeps only the form (the sample
    widgets stay drawn but hidden: they own the sample)."""
    st.html(STYLE)
    left, right = st.columns([0.9, 2.1], vertical_alignment="center")
    form = form_picker(left)
    with right.container(key="presenter_hidden" if presenter else "flow_bar"):
        pick, step, quiz = st.columns([1.25, 1.05, 0.95], vertical_alignment="center")
        with pick:
            view = sample_picker(lab, form)
        with step:
            one_step_button(lab, view)
        quiz.toggle("Your turn", key="your_turn_on",
                    help="Hide one value of the stage (in the equations and the picture) "
                         "to work out: type it, and the app checks your answer and shows "
                         "the working")
    network_view(lab, view, presenter)
    last_step_panel(lab)


def form_picker(where=st) -> str:
    """The per-sample / mini-batch switch; returns "sample" or "batch"."""
    # the options are their own labels: a bound radio writes its label to the address,
    # and links say ?form=batch
    return where.radio("Form of the equations", FORMS, key="form", horizontal=True,
                       persist_state="session", bind="query-params",
                       label_visibility="collapsed",
                       help="sample: one sample as column vectors; batch: N samples as the "
                            "rows of a matrix")


@locked
def _move(delta: int, n: int) -> None:
    st.session_state["stage"] = min(max(st.session_state.get("stage", 1) + delta, 1), n)
    st.session_state["play_stages"] = False


@locked
def _on_stage_moved() -> None:
    """The Stage slider moved: the user's move stops the play. While playing, the page may
    send a request (the timer's next tick) before it has drawn the stage the server set last:
    that request still carries the stage before, which is no move of the user's: the
    server's stage stands and the play goes on."""
    echo = st.session_state.get("_stage_echo")
    if (st.session_state.get("play_stages") and echo is not None
            and st.session_state.get("stage") == echo[0]):
        st.session_state["stage"] = echo[1]
        return
    st.session_state["play_stages"] = False


@locked
def _flip_play() -> None:
    st.session_state["play_stages"] = not st.session_state.get("play_stages", False)


def _node_of(asked, p) -> tuple[int, int] | None:
    """The picture's node that shows the asked value: one sample's z, a or δ."""
    if asked is None or asked.kind not in ("z", "a", "delta") or p.N != 1:
        return None
    q, _row, i = asked.index
    return q, i


def on_key(n: int, name: str) -> None:
    """Presenter mode's keyboard on the step view: ← → step, space plays or pauses."""
    if name == "play":
        _flip_play()
    elif name in ("prev", "next"):
        _move(-1 if name == "prev" else 1, n)


def network_view(lab: Lab, view: View, presenter: bool = False) -> None:
    """Stage controls, the network at the current stage and its equations."""
    playing = bool(st.session_state.get("play_stages", False))
    every = STAGE_PACES.get(st.session_state.get("speed"), 1.0) if playing else None
    st.fragment(run_every=every)(locked(_stage_view))(lab, view, every, presenter)


def _stage_view(lab: Lab, view: View, every: float | None, presenter: bool = False) -> None:
    stages = build_stages(lab.net.L, view.form)
    n = len(stages)
    if every is not None and st.session_state.get("play_stages"):
        # a tick of the timer: the next stage; the last one ends the play
        before = st.session_state.get("stage", 1)
        k = min(before + 1, n)
        st.session_state["stage"] = k
        st.session_state["_stage_echo"] = (before, k)  # what a late request may still say
        if k == n:
            st.session_state["play_stages"] = False
    c = st.columns([0.85, 0.85, 0.95, 0.9, 2.7], vertical_alignment="center")
    c[0].button("Prev", key="prev_stage", on_click=_move, args=(-1, n), width="stretch",
                icon=":material/chevron_left:", help="One stage back (←)")
    c[1].button("Next", key="next_stage", on_click=_move, args=(1, n), width="stretch",
                icon=":material/chevron_right:", help="One stage forward (→)")
    # Play is the server's flag, flipped by a button (a click is an event, never a stale
    # value): a toggle's value comes back with every request from the page, and a timer
    # tick sent before the page heard of a Pause would start the play again.
    playing = bool(st.session_state.get("play_stages"))
    c[2].button("Pause" if playing else "Play", key="play_stages_button", on_click=_flip_play,
                width="stretch",
                icon=":material/pause:" if playing else ":material/play_arrow:",
                help="Move through the stages by themselves (space in presenter mode)")
    pace = st.session_state.get("speed") or list(STAGE_PACES)[1]
    with c[3].popover(f"{STAGE_PACES[pace]:g} s", width="stretch",
                      help="Play: time per stage (the last stage stops the play)"):
        st.selectbox("Play pace", list(STAGE_PACES), index=1, key="speed",
                     persist_state="session", label_visibility="collapsed")
    # Stages count from 1, in the URL (?stage=5) as on screen; the heading names the stage.
    k = c[4].slider("Stage", 1, n, key="stage", persist_state="session",
                    bind="query-params", on_change=_on_stage_moved, label_visibility="collapsed",
                    help="Every equation of backprop, in the order it is computed") - 1
    stage = stages[k]
    p = current_pass(lab, view)
    # Your turn (opt in): one value of the stage is hidden in the equations and the
    # picture, and the student works it out
    quizzing = bool(st.session_state.get("your_turn_on"))
    quiz = prepare_quiz(lab, p, stage) if quizzing else None
    asked = None if quiz is None or quiz.solution_shown else quiz.question
    loss = "?" if asked is not None and asked.kind == "loss" else f"{p.loss:.4g}"
    left, right = st.columns([1.15, 1])
    with right.container(key="stage_heading"):
        st.subheader(f"{k + 1}/{n} · {stage.title}"
                     + (f" · L = {loss}" if stage.phase != "forward" else ""), anchor=False)
    with left:
        st.plotly_chart(network_figure(p, stages, active=k, hidden_node=_node_of(asked, p),
                                       look=PRESENTER if presenter else DEFAULT),
                        key="network_chart", width="stretch", theme=None,
                        on_select="rerun", selection_mode="points",
                        config={"displayModeBar": False})
        st.caption(" ".join(stage_caption(stage, p)) + " Hover a node for z, a, b, δ, an edge "
                   "for w and ∂L/∂w.")
        if not presenter:
            edit_weight_panel(lab)
    with right:
        if quizzing:
            your_turn_panel(lab, p, stage)
        equations(hide(stage_equations(stage, p), asked),
                  max_rem=PRESENTER_EQ_FONT_REM if presenter else MAX_EQ_FONT_REM)
        with st.expander("Loss convention: no ½, and a mean over the batch",
                         expanded=stage.key in ("loss", f"delta{lab.net.L}")):
            st.markdown(LOSS_CONVENTION)
    wanted = (STAGE_PACES.get(st.session_state.get("speed"), 1.0)
              if st.session_state.get("play_stages") else None)
    if wanted != every:  # Play, Pause or a new pace: restart the fragment's timer
        st.rerun(scope="app")
