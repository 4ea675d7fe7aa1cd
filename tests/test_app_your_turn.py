"""AppTest: the "Your turn" panel in a tiny app (the session's Lab, sample 0, a stage picked by
a number box). Every assertion reads the page after exactly the one run a click causes."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lab.equations import num
from lab.quiz import MAX_LEN

REPO = Path(__file__).resolve().parents[1]
APP = """
import sys
sys.path.insert(0, {repo!r})
import numpy as np
import streamlit as st
from lab.panels.common import get_lab
from lab.panels.your_turn import your_turn_panel
from lab.stages import build_stages
from lab.state import View, current_pass

lab = get_lab()
k = st.number_input("stage", 0, 11, 1, key="k")
p = current_pass(lab, View("sample", np.array([0])))
your_turn_panel(lab, p, build_stages(3, "sample")[k])
"""


@pytest.fixture
def at(tmp_path):
    path = tmp_path / "your_turn_app.py"
    path.write_text(APP.format(repo=str(REPO)))
    at = AppTest.from_file(str(path), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def quiz(at):
    return at.session_state["lab"].quiz


def answer(at, text: str):
    """Type ``text`` and click Check: one run."""
    at.text_input(key="answer").set_value(text)
    at.button(key="check_answer").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def score(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Score"))


def test_question_tolerance_and_score_are_on_screen(at):
    q = quiz(at).question
    assert [m.value for m in at.markdown][:2] == ["##### Your turn", q.prompt]
    assert any(f"±{q.tol:.4f}" in c.value for c in at.caption)
    assert score(at).startswith("Score this session: 0 of 0 right")
    assert at.text_input(key="answer").value == ""


def test_right_answer_from_the_screen_numbers(at):
    q = quiz(at).question  # z⁽¹⁾ at sample 0: the student's sum of printed products
    i = q.index[2]
    lab = at.session_state["lab"]
    x, W, b = lab.data.X_train[0], lab.net.W[0], lab.net.b[0]
    mine = sum(float(num(W[i, j])) * float(num(x[j])) for j in range(2)) + float(num(b[i]))
    typed = f"{mine:.3f}"
    assert typed.startswith("-")  # this answer is negative, and its minus copied from the
    answer(at, typed.replace("-", "\u2212"))  # screen (U+2212) is refused, with the ASCII
    assert f"write it as {typed}" in at.warning[0].value and not at.success  # spelling,
    assert score(at).startswith("Score this session: 0 of 0 right")  # and not counted
    answer(at, typed)
    assert at.success and "Right" in at.success[0].value and not at.error
    assert score(at).startswith("Score this session: 1 of 1 right")
    assert not at.latex  # no solution unless asked or wrong


def test_wrong_answer_gets_a_hint_the_solution_and_counts(at):
    q = quiz(at).question
    answer(at, num(-q.answer))
    assert at.error and "Not right" in at.error[0].value and "sign" in at.error[0].value
    assert q.solution_tex in at.latex[0].value
    assert score(at).startswith("Score this session: 0 of 1 right")
    answer(at, num(q.answer))  # a second try is answered but does not change the score
    assert at.success and score(at).startswith("Score this session: 0 of 1 right")


@pytest.mark.parametrize("text, why", [
    ("", "Type a number"), ("abc", "`abc` is not a number"), ("nan", "not a number"),
    ("1e999", "too large"), ("x" * MAX_LEN, "is not a number")],
    ids=["empty", "abc", "nan", "1e999", "longest"])
def test_empty_garbage_and_huge_answers_get_a_clear_reply(at, text, why):
    answer(at, text)  # (the box holds at most MAX_LEN characters; check() caps them too)
    assert at.warning and why in at.warning[0].value
    assert len(at.warning[0].value) < 120 and "x" * 31 not in at.warning[0].value
    assert not at.success and not at.error and not at.latex
    assert score(at).startswith("Score this session: 0 of 0 right")


def test_markup_in_an_answer_stays_text(at):
    answer(at, "**x** $y$ <b>")
    assert at.warning[0].value.startswith("`**x** $y$ <b>`")


def test_new_question_and_show_solution(at):
    first = quiz(at).question
    answer(at, "5")
    at.button(key="new_question").click().run()
    second = quiz(at).question
    assert second != first and at.markdown[1].value == second.prompt
    assert at.text_input(key="answer").value == "" and not at.error and not at.latex
    at.button(key="show_solution").click().run()
    assert second.solution_tex in at.latex[0].value
    assert score(at).startswith("Score this session: 0 of 2 right")  # shown first: missed
    answer(at, num(second.answer))
    assert score(at).startswith("Score this session: 0 of 2 right")


def test_same_question_across_reruns_new_one_on_stage_or_weight_change(at):
    q = quiz(at).question
    answer(at, num(q.answer))
    at.run()
    assert quiz(at).question == q and at.success  # a rerun keeps question and reply
    at.number_input(key="k").set_value(9).run()  # δ⁽¹⁾
    q9 = quiz(at).question
    assert q9.stage == "delta1" and at.markdown[1].value == q9.prompt
    assert not at.success and at.text_input(key="answer").value == ""
    at.session_state["lab"].net.W[0][0, 0] += 0.01  # the weights changed (a training step)
    at.run()
    assert quiz(at).question != q9 and quiz(at).question.stage == "delta1"
    assert score(at).startswith("Score this session: 1 of 1 right")


def test_input_stage_says_there_is_no_question(at):
    at.number_input(key="k").set_value(0).run()
    assert not at.exception
    assert any("Nothing is computed at the input stage" in c.value for c in at.caption)
    assert not at.text_input and not at.button


def test_answer_box_caps_its_length(at):
    assert at.text_input(key="answer").max_chars == MAX_LEN
