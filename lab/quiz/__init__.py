""""Your turn": a question on one live number of the current stage, and the checking of answers.

A :class:`Question` hides one value the stage computes: an entry of z, a, ŷ, δ (Δ in the
batch form), ∂L/∂W, ∂L/∂b, an updated weight or bias, the loss, or the loss after the SGD
step (stage "update", where the new weights are on screen). The input stage computes
nothing, so it has no question. Entries are named 1-based, as on the picture (the arrays
are 0-based: ``Z[q - 1][n, i]`` is row n + 1, column i + 1 of Z^(q)).

Tolerance. The student works from the numbers the equations print, each off by up to
half a unit of its last digit, e(u) (:func:`lab.numbers.shown_error`): H = 0.0005 for a
number printed with 3 decimals, 0.0005 × 10ᵏ for one printed as m × 10ᵏ (from 10⁶ on).
For an answer Σ u_k v_k + c the printed operands move the result by at most
Σ e(u_k)|v_k| + e(v_k)|u_k| + e(u_k)e(v_k), plus e(c) per added operand, plus e(x) each
time the student rounds an intermediate result x, and the answer. The tolerance is that
worst-case bound, at least TOL_FLOOR (four such roundings: most answers take about that
many steps), rounded up to 4 decimals: the number stated on screen is the one applied.
A sign error or a neighbouring entry is rejected whenever it differs from the truth by
more than the tolerance. Pure: no Streamlit. ``base`` holds what a question is and the names and tolerances
questions are built from; ``questions`` makes them; ``session`` reads and checks answers
and keeps the session's quiz.
"""

from ..passdata import loss_after
from .base import MAX_LEN, TOL_FLOOR, Question, Result
from .questions import generate, hide
from .session import QuizState, check, fingerprint, new_quiz, parse_answer

__all__ = [
           "MAX_LEN",
           "TOL_FLOOR",
           "Question",
           "QuizState",
           "Result",
           "check",
           "fingerprint",
           "generate",
           "hide",
           "loss_after",
           "new_quiz",
           "parse_answer",
]
