"""Answers and the session's quiz: a typed answer read strictly and checked within the
question's tolerance (with a hint for a likely mistake), and the current question, the
reply and the score of one session."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from ..numbers import how_to_write, strict_float
from ..numbers import plain as plain_number
from ..passdata import PassData
from ..stages import Stage
from .base import MAX_LEN, Question, Result
from .questions import generate


def _echo(text: str) -> str:
    """At most 30 characters of the student's text, in a code span (markdown inert)."""
    s = text.strip().replace("`", "'")
    return "`" + (s[:30] + "…" if len(s) > 30 else s) + "`"


def parse_answer(text: str) -> tuple[float | None, str]:
    """(value, "") or (None, why not). Reads numbers as the dataset upload does
    (:func:`lab.numbers.strict_float`): plain decimal or scientific notation in ASCII,
    "0.16", " -0.160 ", "+0.5", ".5", "1e-3", "2.5E+2". Refuses anything else with the
    way to write it: a decimal comma ("0,16", and "1,000", one thousand or one?), a
    Unicode minus or other scripts' digits, "nan", "inf", "1_0", "0x1"; also more than
    MAX_LEN characters, and numbers too large to be finite."""
    if text is None or not text.strip():
        return None, "Type a number first."
    if len(text) > MAX_LEN:
        return None, (f"That is {len(text)} characters; type just the number "
                     f"(at most {MAX_LEN}).")
    v = strict_float(text)
    if v is None:
        return None, f"{_echo(text)} is not a number here: {how_to_write(text)}."
    if not math.isfinite(v):
        return None, f"{_echo(text)} is too large to be a number here."
    return v, ""


def check(question: Question, text: str) -> Result:
    """Right if |value − answer| ≤ tol. A wrong answer gets a hint when it fits one likely
    mistake (another entry, a left-out factor, the sign) and not the truth."""
    v, why = parse_answer(text)
    if v is None:
        return Result(None, why)
    truth, tol = question.answer, question.tol
    off = abs(v - truth)
    if off <= tol:
        return Result(True, f"Right: the exact value is {plain_number(truth, 5)}, and yours is "
                            f"within ±{plain_number(tol, 4)} of it.", v)
    # a hint only when the answer fits exactly one likely mistake: never a guess
    fits = sorted({h for t, h in question.traps if abs(v - t) <= tol and abs(t - truth) > tol})
    hint = fits[0] if len(fits) == 1 else ""
    if not fits and abs(v + truth) <= tol:
        hint = "the sign is off"
    msg = (f"Not right: {v:.6g} is {plain_number(off, 4)} away from the exact value (accepted: "
           f"±{plain_number(tol, 4)}).")
    return Result(False, msg + (f" Hint: {hint}." if hint else ""), v)


def fingerprint(p: PassData, stage: Stage) -> str:
    """Changes when the stage, the form, the rows, the data, the weights or γ change."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{stage.key}|{p.form}|{p.activation}|{p.lr!r}|".encode())
    for arr in [p.indices, p.X, p.Y, *p.W, *p.b]:
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


@dataclass
class QuizState:
    """One session's quiz: the question, the last reply, whether the worked solution is
    shown, and the score. A question counts once, on its first numeric answer (right or
    not); "Show solution" before any answer counts it as missed."""

    rng: np.random.Generator
    question: Question | None = None
    fingerprint: str = ""
    reply: Result | None = None
    solution_shown: bool = False
    counted: bool = False
    asked: int = 0
    right: int = 0

    def refresh(self, p: PassData, stage: Stage) -> bool:
        """A new question if the stage, rows or weights changed; True if so."""
        fp = fingerprint(p, stage)
        if fp == self.fingerprint:
            return False
        self.fingerprint = fp
        self.new_question(p, stage)
        return True

    def new_question(self, p: PassData, stage: Stage) -> None:
        """A random entry of the stage; not the one just asked, when there is another."""
        old = self.question
        for _ in range(8):
            q = generate(p, stage, self.rng)
            if q is None or old is None or (q.kind, q.index) != (old.kind, old.index):
                break
        self.question = q
        self.reply, self.solution_shown, self.counted = None, False, False

    def answer(self, text: str) -> Result | None:
        if self.question is None:
            return None
        r = check(self.question, text)
        self.reply = r
        if r.ok is not None:
            if not self.counted:
                self.counted = True
                self.asked += 1
                self.right += bool(r.ok)
            if not r.ok:
                self.solution_shown = True
        return r

    def show_solution(self) -> None:
        if self.question is None:
            return
        if not self.counted:
            self.counted = True
            self.asked += 1
        self.solution_shown = True

    @property
    def score(self) -> str:
        return f"{self.right} of {self.asked} right"


def new_quiz(seed: int = 0) -> QuizState:
    return QuizState(rng=np.random.default_rng(seed))
