"""Panel: "Your turn", a question on one live number of the current stage.

Drawn inside the step view's fragment, under the equations. The question, the score and
the last reply live in ``lab.quiz`` (a :class:`lab.quiz.QuizState`); the buttons change
it through callbacks, so a click's reply shows after exactly one run. A new question
comes whenever the stage, the form, the rows, the data or the weights change.
"""

from __future__ import annotations

import streamlit as st

from ..numbers import plain
from ..passdata import PassData
from ..quiz import MAX_LEN, QuizState, new_quiz
from ..stages import Stage
from ..state import Lab
from .common import locked

NO_QUESTION = ("Nothing is computed at the input stage: x and y are the data. Go to the "
               "next stage for a question on z⁽¹⁾.")
TOO_LARGE = ("No question here: with weights this large the numbers are beyond what an answer "
             "worked out by hand can be checked against. Reset weights brings the seed's back.")
HOW = ("Work it out from the 3-decimal numbers above (a calculator helps). Accepted: within "
       "±{tol} of the exact value, the most that rounding those numbers can move it.")


def prepare_quiz(lab: Lab, p: PassData, stage: Stage) -> QuizState:
    """The session's quiz, with a new question if the stage, form, rows, data or weights
    changed. Call it before drawing the equations to hide the asked value in them:
    ``hide(eqs, quiz.question if not quiz.solution_shown else None)``."""
    quiz = getattr(lab, "quiz", None)
    if quiz is None:  # seeded from the lab's seed: the same session asks the same questions
        quiz = lab.quiz = new_quiz(lab.settings.seed)
    if quiz.refresh(p, stage):
        st.session_state["answer"] = ""  # before the box is drawn: a new question, a clean box
    return quiz


@locked
def _check(quiz: QuizState) -> None:
    quiz.answer(st.session_state.get("answer", ""))


@locked
def _new(quiz: QuizState, p: PassData, stage: Stage) -> None:
    quiz.new_question(p, stage)
    st.session_state["answer"] = ""


def your_turn_panel(lab: Lab, p: PassData, stage: Stage) -> None:
    """The question on ``stage`` for the pass ``p``, an answer box, Check / New question /
    Show solution, the reply, the worked solution and the session's score."""
    quiz = prepare_quiz(lab, p, stage)
    with st.container(border=True, key="your_turn"):
        st.markdown("##### Your turn")
        q = quiz.question
        if q is None:
            st.caption(NO_QUESTION if stage.key == "input" else TOO_LARGE)
            return
        st.markdown(q.prompt)
        st.caption(HOW.format(tol=plain(q.tol, 4)))
        st.text_input("Your answer", key="answer", max_chars=MAX_LEN,
                      placeholder="a number, e.g. -0.125", label_visibility="collapsed")
        c1, c2, c3 = st.columns(3)
        c1.button("Check", key="check_answer", on_click=_check, args=(quiz,), type="primary",
                  width="stretch", icon=":material/done:")
        c2.button("New question", key="new_question", on_click=_new, args=(quiz, p, stage),
                  width="stretch", icon=":material/refresh:")
        c3.button("Show solution", key="show_solution", on_click=locked(quiz.show_solution),
                  width="stretch", icon=":material/visibility:")
        r = quiz.reply
        if r is not None:
            if r.ok:
                st.success(r.message, icon=":material/check_circle:")
            elif r.ok is None:
                st.warning(r.message, icon=":material/error:")
            else:
                st.error(r.message, icon=":material/cancel:")
        if quiz.solution_shown:
            st.markdown("**Worked solution**")
            st.latex(q.solution_tex)
        st.caption(f"Score this session: {quiz.score} (each question counts once, on its "
                   "first answer; Show solution first counts it as missed).")
