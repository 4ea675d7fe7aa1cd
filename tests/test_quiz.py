""""Your turn" questions: the truth, the tolerance and the checking, against a student who
works from the 3-decimal numbers the equations print (``num``), written here independently
of lab.quiz."""

import re
from dataclasses import replace
from itertools import product

import numpy as np
import pytest

from lab.equations import latex_width_em, num, stage_equations
from lab.passdata import compute_pass
from lab.quiz import (
    MAX_LEN,
    TOL_FLOOR,
    QuizState,
    check,
    fingerprint,
    generate,
    hide,
    loss_after,
    new_quiz,
    parse_answer,
)
from lab.stages import SUB, build_stages, sup
from lab.state import Settings, make_data
from nncore import ACTIVATIONS, MLP, sgd_update

DATA = make_data(Settings())
X, Y = DATA.X_train, DATA.Y_train


def R(v) -> float:
    """What the screen shows, read back: the number printed with 3 decimals, or from 10⁶
    on its mantissa (3 decimals) times the power of ten."""
    return float(typed(v))


def typed(v) -> str:
    """The printed number as a student types it: 0.160, or 1.235e9 for 1.235×10⁹."""
    return re.sub(r"\\times 10\^\{(-?\d+)\}", r"e\1", num(v))


def student(p, q, rounds: bool = True) -> float:
    """The answer a student computes from the printed numbers of ``p``; ``rounds``: also
    rounding every product and intermediate result to 3 decimals."""
    r = R if rounds else float
    L, k = p.L, q.kind
    if k == "z":
        l, n, i = q.index
        return R(sum(r(R(p.W[l - 1][i, j]) * R(p.A[l - 1][n, j]))
                     for j in range(p.A[l - 1].shape[1])) + R(p.b[l - 1][i]))
    if k == "a":
        l, n, i = q.index
        return R(ACTIVATIONS[p.activation].sigma(R(p.Z[l - 1][n, i])))
    if k == "delta":
        l, n, i = q.index
        if l == L:
            return R(2 / p.N * (R(p.A[L][n, i]) - p.Y[n, i]))
        back = r(sum(r(R(p.W[l][m, i]) * R(p.delta[l][n, m])) for m in range(p.W[l].shape[0])))
        return R(R(p.dsigma[l - 1][n, i]) * back)
    if k == "dW":
        l, i, j = q.index
        return R(sum(r(R(p.delta[l - 1][m, i]) * R(p.A[l - 1][m, j])) for m in range(p.N)))
    if k == "db":
        l, i = q.index
        return R(sum(R(p.delta[l - 1][m, i]) for m in range(p.N)))
    if k in ("W_new", "b_new"):
        l, *ij = q.index
        old, g = (p.W[l - 1], p.dW[l - 1]) if k == "W_new" else (p.b[l - 1], p.db[l - 1])
        return R(R(old[tuple(ij)]) - r(R(p.lr) * R(g[tuple(ij)])))
    if k == "loss":
        return R(sum(r((R(a) - y) ** 2) for a, y in zip(p.A[L].ravel(), p.Y.ravel())) / p.N)
    assert k == "loss_after"
    act = ACTIVATIONS[p.activation].sigma
    A = np.vectorize(R)(p.X)
    for l in range(1, L + 1):
        W, b = np.vectorize(R)(p.W_new[l - 1]), np.vectorize(R)(p.b_new[l - 1])
        prods = np.vectorize(r)(A[:, None, :] * W[None, :, :])
        Z = np.vectorize(r)(prods.sum(axis=2) + b)
        A = Z if l == L else np.vectorize(r)(act(Z))
    return R(np.vectorize(r)((A - p.Y) ** 2).sum() / p.N)


def passes():
    """Sample and batch passes of fresh and trained nets, for every activation."""
    out = []
    for act, seed in product(ACTIVATIONS, (0, 3)):
        net = MLP((2, 3, 4, 2), act, seed=seed)
        for trained in (False, True):
            if trained:  # larger weights, saturated units: bigger rounding propagation
                for s in range(30):
                    idx = np.arange(8 * s, 8 * s + 8) % len(X)
                    sgd_update(net, net.gradients(X[idx], Y[idx]), 0.3)
            out.append(compute_pass(net, X, Y, [seed + 5], 0.1, "sample"))
            out.append(compute_pass(net, X, Y, np.arange(seed, seed + 8), 0.1, "batch"))
            out.append(compute_pass(net, X, Y, np.arange(3), 0.0125, "batch"))
    return out


PASSES = passes()


def questions(per_stage: int = 12):
    rng = np.random.default_rng(0)
    for p in PASSES:
        for stage in build_stages(p.L, p.form):
            for _ in range(per_stage):
                q = generate(p, stage, rng)
                if q is None:
                    break
                yield p, stage, q


QUESTIONS = list(questions())


def test_every_kind_is_asked():
    kinds = {q.kind for _, _, q in QUESTIONS}
    assert kinds == {"z", "a", "delta", "dW", "db", "W_new", "b_new", "loss", "loss_after"}


def test_truth_is_the_named_entry():
    """The answer is the entry of the PassData (or nncore's loss after the step) the index
    names, and the prompt names that entry 1-based."""
    for p, stage, q in QUESTIONS:
        assert q.stage == stage.key
        arrays = {"z": p.Z, "a": p.A[1:], "delta": p.delta, "dW": p.dW, "db": p.db,
                  "W_new": p.W_new, "b_new": p.b_new}  # [l - 1] is layer l's
        if q.kind == "loss":
            assert q.answer == p.loss
            continue
        if q.kind == "loss_after":
            assert q.answer == loss_after(p)
            continue
        l, *idx = q.index
        assert q.answer == arrays[q.kind][l - 1][tuple(idx)], q.prompt
        if p.form == "batch" and q.kind in ("z", "a", "delta"):
            assert f"row {idx[0] + 1}, column {idx[1] + 1}" in q.prompt
        else:
            entry = idx[1:] if q.kind in ("z", "a", "delta") else idx
            assert "".join(str(k + 1) for k in entry).translate(SUB) in q.prompt, q.prompt
        if not (q.kind == "z" and l == p.L):
            assert sup(l) in q.prompt


def test_loss_after_is_nncore_after_one_sgd_step():
    for p in PASSES[:6]:
        net = MLP.from_params(p.W, p.b, p.activation)
        sgd_update(net, net.gradients(p.X, p.Y), p.lr)
        assert loss_after(p) == pytest.approx(net.loss(p.X, p.Y), rel=1e-12)


def test_answer_from_the_printed_numbers_is_accepted():
    worst = 0.0
    for p, _, q in QUESTIONS:
        for rounds in (True, False):
            s = student(p, q, rounds)
            worst = max(worst, abs(s - q.answer) / q.tol)
            assert check(q, typed(s)).ok, (q.prompt, s, q.answer, q.tol)
    assert worst > 0.1  # the student's rounding does move the answer: the test is not vacuous


def test_tolerance_is_the_stated_one_and_no_looser():
    for _, _, q in QUESTIONS[:200]:
        assert q.tol == round(q.tol, 4) and 0.002 <= q.tol
        assert check(q, repr(q.answer + 0.999 * q.tol)).ok
        assert check(q, repr(q.answer - 0.999 * q.tol)).ok
        assert check(q, repr(q.answer + 1.001 * q.tol)).ok is False
        assert check(q, repr(q.answer - 1.001 * q.tol)).ok is False
    # fairly tight: one rounding step of a few operands, not a blanket 5 %
    assert max(q.tol for _, _, q in QUESTIONS if q.kind != "loss_after") < 0.02


def test_sign_errors_are_rejected_with_a_hint():
    n = 0
    for _, _, q in QUESTIONS:
        if abs(q.answer) > q.tol:
            r = check(q, num(-q.answer))
            assert r.ok is False, q.prompt
            n += "sign" in r.message or "Hint" in r.message
    assert n > 100


def test_the_neighbouring_entry_is_rejected_and_named():
    n = 0
    for p, _, q in QUESTIONS:
        if q.kind not in ("z", "a", "delta"):
            continue
        l, row, i = q.index
        M = {"z": p.Z[l - 1], "a": p.A[l], "delta": p.delta[l - 1]}[q.kind]
        j = (i + 1) % M.shape[1]
        if abs(M[row, j] - q.answer) <= 2 * q.tol:
            continue
        r = check(q, num(M[row, j]))
        assert r.ok is False
        if "Hint" in r.message:  # no hint when the answer also fits another mistake
            assert "that is" in r.message and "not of" in r.message, r.message
            n += 1
    assert n > 100


def test_hints_for_left_out_factors():
    p = PASSES[1]  # batch, N = 8
    rng = np.random.default_rng(1)
    d3 = next(q for q in (generate(p, build_stages(3, "batch")[7], rng) for _ in range(100))
              if abs(q.answer) > 0.05)
    l, n, i = d3.index
    assert "2/N" in check(d3, num(p.A[3][n, i] - p.Y[n, i])).message
    upd = next(q for q in (generate(p, build_stages(3, "batch")[11], rng) for _ in range(100))
               if q.kind == "W_new" and abs(p.dW[q.index[0] - 1][q.index[1:]]) > 0.05)
    l, i, j = upd.index
    assert "against the gradient" in check(upd, num(p.W[l - 1][i, j] + p.lr * p.dW[l - 1][i, j])
                                           ).message


def test_hand_worked_z():
    # default net, sample 0: z₁⁽¹⁾ = (0.300)(−0.608) + (−0.504)(−0.679) + 0
    #                              = −0.1824 + 0.342216 = 0.159816 → 0.160
    net = MLP((2, 3, 4, 2), "tanh", seed=Settings().seed)
    p = compute_pass(net, X, Y, [0], 0.1, "sample")
    rng = np.random.default_rng(0)
    q = next(q for q in (generate(p, build_stages(3)[1], rng) for _ in range(100))
             if q.index == (1, 0, 0))
    assert q.prompt == "What is z₁⁽¹⁾?"
    assert "(0.300)(-0.608)" in q.solution_tex and "(-0.504)(-0.679)" in q.solution_tex
    assert q.solution_tex.removesuffix(r"\end{aligned}").endswith("0.160")
    assert check(q, "0.160").ok and check(q, "-0.16").ok is False
    assert check(q, "0,16").ok is None  # a decimal comma: not read, and not counted


def test_worked_solution_prints_the_answer():
    for _, _, q in QUESTIONS[::7]:
        assert num(q.answer) in q.solution_tex


def test_input_stage_has_no_question():
    for p in PASSES[:3]:
        assert generate(p, build_stages(3, p.form)[0], np.random.default_rng(0)) is None


def test_hide_boxes_exactly_the_asked_entry():
    for p, stage, q in QUESTIONS[::3]:
        eqs = stage_equations(stage, p)
        hidden = hide(eqs, q)
        boxes = sum(e.numeric.count(r"\boxed{?}") for e in hidden)
        if q.kind == "loss_after":
            assert boxes == 0 and hidden == eqs
            continue
        assert boxes >= 1
        for e, h in zip(eqs, hidden):
            if e != h:  # the box stands where num(answer) was, nothing else changed
                assert h.numeric.replace(r"\boxed{?}", num(q.answer), 1) == e.numeric or \
                    q.kind == "loss"


# ---------------------------------------------------------------- parsing
@pytest.mark.parametrize("text, value", [
    ("0.16", 0.16), (" -0.160 ", -0.16), ("1e-3", 1e-3), ("+0.5", 0.5), (".5", 0.5),
    ("-1E2", -100.0), ("3", 3.0), ("2.", 2.0), ("2.5E+2", 250.0), ("\t-0.125 ", -0.125)])
def test_parse_accepts(text, value):
    assert parse_answer(text) == (value, "")


LIKE = "write it like -0.125, 3, .5 or 1e-3"


@pytest.mark.parametrize("text, why", [
    ("", "Type a number"), ("   ", "Type a number"), ("abc", f"`abc` is not a number here: {LIKE}"),
    ("nan", "not a number"), ("inf", "not a number"), ("-Infinity", "not a number"),
    ("1e999", "too large"), ("1_0", LIKE), ("0x1", "not a number"),
    ("1,000.5", "not a number"), ("1,2,3", "not a number"), ("0.1 0.2", "not a number"),
    ("--1", "not a number"), ("1e", "not a number"), ("½", "not a number"),
    # a decimal comma is refused, never guessed: "1,000" is one thousand to some, 1 to others
    ("1,000", f"`1,000` is not a number here: {LIKE}"), ("0,16", LIKE), (",5", LIKE),
    # look-alikes of ASCII: the message gives the number written in ASCII
    ("\u22120.16", "write it as -0.16"), ("\u0663", "write it as 3"),
    ("\uff11.5", "write it as 1.5"), ("1e-\u0663", "write it as 1e-3"),
    ("\u00a00.5", "write it as 0.5")])
def test_parse_rejects(text, why):
    v, message = parse_answer(text)
    assert v is None and why in message, message


def test_long_and_markup_input_is_capped_and_inert():
    v, message = parse_answer("9" * 10_000)
    assert v is None and "10000 characters" in message and "999" not in message
    v, message = parse_answer("x" * MAX_LEN)
    assert v is None and "x" * 31 not in message and len(message) < 120
    v, message = parse_answer("**$x$** `rm` :red[a]")
    assert message.startswith("`**$x$** 'rm' :red[a]`")  # one code span: no markdown inside


# ---------------------------------------------------------------- session state
def test_score_counts_each_question_once_on_its_first_answer():
    p, stage = PASSES[0], build_stages(3)[1]
    quiz = new_quiz(0)
    assert quiz.refresh(p, stage) and not quiz.refresh(p, stage)
    q = quiz.question
    assert quiz.answer("").ok is None and quiz.answer("abc").ok is None
    assert quiz.score == "0 of 0 right"
    assert quiz.answer(num(q.answer)).ok and quiz.score == "1 of 1 right"
    assert quiz.answer(num(-q.answer - 1)).ok is False and quiz.score == "1 of 1 right"
    quiz.new_question(p, stage)
    assert quiz.reply is None and not quiz.solution_shown
    assert quiz.answer("99").ok is False and quiz.solution_shown  # a wrong answer: the solution
    assert quiz.score == "1 of 2 right"
    quiz.new_question(p, stage)
    quiz.show_solution()  # before any answer: counted as missed
    assert quiz.score == "1 of 3 right" and quiz.solution_shown
    quiz.answer(num(quiz.question.answer))
    assert quiz.score == "1 of 3 right"


def test_new_question_on_stage_form_rows_or_weight_change_only():
    net = MLP((2, 3, 4, 2), "tanh", seed=0)
    p = compute_pass(net, X, Y, [4], 0.1, "sample")
    s = build_stages(3)
    fp = fingerprint(p, s[1])
    assert fp == fingerprint(compute_pass(net, X, Y, [4], 0.1, "sample"), s[1])
    assert fp != fingerprint(p, s[3])
    assert fp != fingerprint(compute_pass(net, X, Y, [5], 0.1, "sample"), s[1])
    assert fp != fingerprint(compute_pass(net, X, Y, [4], 0.1, "batch"), s[1])
    assert fp != fingerprint(compute_pass(net, X, Y, [4], 0.2, "sample"), s[1])
    net.W[1][0, 0] += 1e-9
    assert fp != fingerprint(compute_pass(net, X, Y, [4], 0.1, "sample"), s[1])


def test_seeded_questions_repeat_and_never_run_out():
    p, stage = PASSES[1], build_stages(3, "batch")[5]
    a, b = new_quiz(7), new_quiz(7)
    seen = set()
    for _ in range(200):
        last = a.question
        a.new_question(p, stage)
        b.new_question(p, stage)
        assert a.question == b.question and a.question != last
        seen.add(a.question.index)
    assert len(seen) == p.N * 2  # every entry of Ŷ comes up
    assert isinstance(a, QuizState)


def test_worked_solutions_fit_a_column():
    # packed into lines like the stage's equations (LINE_EM = 22 em, the estimate a little
    # generous), so the solution fits the equations' column
    for _, _, q in QUESTIONS[::5]:
        assert latex_width_em(q.solution_tex) <= 24, q.solution_tex


def big_passes():
    """Passes whose numbers run into the millions and far beyond (weights of 10³ on
    unbounded activations): the equations print them as a mantissa times 10ᵏ."""
    out = []
    for act in ("relu", "identity"):
        net = MLP((2, 3, 4, 2), act, seed=1)
        net.set_flat(1e3 * np.sign(net.get_flat()))
        out.append(compute_pass(net, 4 * X, Y, [3], 0.1, "sample"))
        out.append(compute_pass(net, 4 * X, Y, np.arange(3, 7), 10.0, "batch"))
    return out


def test_printed_in_scientific_notation_the_tolerance_still_holds():
    rng = np.random.default_rng(1)
    n = 0
    for p in big_passes():
        for stage in build_stages(p.L, p.form)[1:]:
            for _ in range(6):
                q = generate(p, stage, rng)
                s = student(p, q)
                if abs(q.answer) >= 1e6:
                    n += 1
                    assert r"\times 10^{" in num(q.answer)
                    if q.kind != "loss_after":  # (a whole forward pass: a loose bound)
                        assert not check(q, repr(1.01 * q.answer)).ok  # tight: under 1 %
                for rounds in (True, False):
                    assert check(q, typed(student(p, q, rounds))).ok, (q.prompt, s, q.tol)
    assert n > 50  # most answers here are that large: the test is not vacuous


def test_no_hint_when_the_answer_fits_two_mistakes():
    q = generate(PASSES[0], build_stages(3)[1], np.random.default_rng(0))
    q = replace(q, answer=0.0, tol=0.002, traps=((1.0, "mistake A"), (1.003, "mistake B")))
    assert "Hint" not in check(q, "1.0015").message  # fits both: no guess
    assert "Hint: mistake B." in check(q, "1.0045").message  # fits only B


def test_batch_sums_are_written_with_sigma():
    for p, _, q in QUESTIONS:
        if p.form == "batch" and q.kind in ("dW", "db"):
            assert rf"\sum_{{n=1}}^{{{p.N}}}" in q.solution_tex
            assert q.solution_tex.count(")(") == (p.N if q.kind == "dW" else 0)


def test_the_tolerance_adds_the_students_own_rounding_of_the_answer():
    from lab.quiz.base import tolerance
    # the operands' worst case, 0.0040, plus 0.0005 for the answer rounded to 3 decimals
    assert tolerance(0.0040, 0.3) == 0.0045
    assert tolerance(0.0, 0.3) == TOL_FLOOR  # the floor: about four such roundings
    # an answer printed as m × 10⁶ (3 decimals on m) is off by up to 0.0005 × 10⁶
    assert tolerance(0.0, 2.5e6) == pytest.approx(500.0, abs=1e-3)
