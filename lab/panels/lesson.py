"""Panel: the guided lesson. One step at a time: where we are, the text, and the live view
it talks about (the network picture at the step's stage and that stage's equations with
the current numbers), with Back / Next.

The current step is owned by the widget keyed ``lesson``: a segmented control of the step
numbers whose value is an int, **1-based** (1 … n, n the steps of the lesson for the
session's network: 14 for 2-3-4-2, fewer for fewer layers), so a link's ``?lesson=3``
means "Step 3 of n".
Back and Next are callbacks that change ``st.session_state["lesson"]``; they run before
the script, so the page drawn in the same run already shows the new step.
"""

from __future__ import annotations

import streamlit as st

from ..equations import stage_equations
from ..figures.network import DEFAULT, Look, network_figure, stage_caption
from ..lesson import BATCH_N, STEPS, LessonStep, facts, lesson_steps, render, render_try
from ..stages import build_stages
from ..state import Lab, View, current_pass, view_indices
from .common import locked, widget_value
from .latex import equations

KEY = "lesson"


def lesson_view(lab: Lab) -> View:
    """The sample the lesson follows: the step-by-step view's **Sample index**, clipped to
    the training set. Its widget keeps its value while that tab is closed; before that tab
    has ever been drawn, a link's ``sample_index`` (checked like every link value) counts."""
    n = lab.data.X_train.shape[0]
    return View("sample", view_indices(n, "sample", int(widget_value("sample_index")), 1))


def step_view(lab: Lab, view: View, step: LessonStep) -> View:
    """What flows through for ``step``: the view's first row, or in the batch form the
    BATCH_N consecutive training rows starting at it (wrapping around)."""
    n = lab.data.X_train.shape[0]
    return View(step.form, view_indices(n, step.form, int(view.indices[0]), BATCH_N))


def steps_of(lab: Lab) -> tuple[LessonStep, ...]:
    """The lesson for the session's network (its number of layers; the words follow the
    rest: widths, inputs, task and penalty)."""
    return lesson_steps(len(lab.net.sizes) - 1)


def _clamp(k, n: int = len(STEPS)) -> int:
    try:
        return min(max(int(k), 1), n)
    except (TypeError, ValueError):
        return 1


@locked
def _move(delta: int, n: int) -> None:
    st.session_state[KEY] = _clamp(_clamp(st.session_state.get(KEY, 1), n) + delta, n)


def lesson_panel(lab: Lab, view: View, *, bind: str | None = None,
                 look: Look = DEFAULT) -> None:
    """The lesson at the step the ``lesson`` widget holds. ``view``: the sample to follow
    (its first row; see :func:`lesson_view`). ``bind``: passed to the widget, e.g.
    ``"query-params"`` to keep the step in the URL."""
    steps = steps_of(lab)
    n = len(steps)
    # Step 1 is the default only until the session holds a step (from the widget, a link
    # or Back / Next): Streamlit warns about a widget given a default whose value is also
    # set through the session state, as Back and Next set it. (The widget's identity is
    # its key, so the default may change; a link's ?lesson still wins on the first draw.)
    first = KEY not in st.session_state
    if not first and st.session_state[KEY] != _clamp(st.session_state[KEY], n):
        st.session_state[KEY] = _clamp(st.session_state[KEY], n)
    # the step numbers get the full width (14 fit at 690 px); Back / Next sit by the heading
    heading, back, nxt = st.columns([6, 1.15, 1.15], vertical_alignment="center")
    k = _clamp(st.segmented_control(
        "Step", list(range(1, n + 1)), key=KEY, required=True, default=1 if first else None,
        bind=bind, persist_state="session", label_visibility="collapsed", width="stretch"), n)
    back.button("Back", key="lesson_back", on_click=_move, args=(-1, n), disabled=k == 1,
                icon=":material/chevron_left:", width="stretch", help="The previous step")
    nxt.button("Next", key="lesson_next", on_click=_move, args=(1, n), disabled=k == n,
               icon=":material/chevron_right:", width="stretch", help="The next step")
    step = steps[k - 1]
    heading.subheader(f"Step {k} of {n}: {step.title}", anchor=False)

    p = current_pass(lab, step_view(lab, view, step))
    stages = build_stages(p.L, step.form)
    active = next(i for i, s in enumerate(stages) if s.key == step.stage)
    stage = stages[active]
    values = facts(p)  # (once, for the text and its tip)
    st.markdown(render(step, p, values))  # its words name the sidebar's activation, σ and σ′
    if step.try_this:
        st.info("**Try this.** " + render_try(step, p, values), icon=":material/touch_app:")

    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**{stage.title}**")
        st.plotly_chart(network_figure(p, stages, active=active, look=look), key="lesson_chart",
                        width="stretch", theme=None, config={"displayModeBar": False})
        st.caption(" ".join(stage_caption(stage, p)) + " Hover a node or an edge for its "
                   "numbers.")
    with right:
        eqs = stage_equations(stage, p)
        if step.equations is not None:
            eqs = [eqs[i] for i in step.equations]
        equations(eqs, prefix="lesson")
