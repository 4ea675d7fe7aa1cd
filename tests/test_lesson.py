"""The guided lesson: its content (lab/lesson.py) and its panel (lab/panels/lesson.py).

Content: every step names a real stage and form, the steps follow the issue's order, the
math in every text is balanced, and every number a text quotes is the live one (checked
against nncore). Panel (AppTest, through a tiny app that calls ``lesson_panel``): Back
and Next move exactly one step per click and stop at the ends, the ``lesson`` widget
drives the step, and the picture and equations shown are the step's stage with the live
numbers, recomputed here from nncore.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import pytest
from apptest_util import flat, numbers
from streamlit.testing.v1 import AppTest

from lab.equations import num, stage_equations
from lab.lesson import BATCH_N, STEPS, _signed, facts, render, render_try
from lab.passdata import compute_pass
from lab.stages import build_stages
from lab.state import Settings, make_data
from nncore import ACTIVATIONS, MLP, sgd_update

ROOT = Path(__file__).resolve().parents[1]
N_STEPS = len(STEPS)
STAGE_KEYS = [s.key for s in build_stages(3)]

APP = """
import sys
sys.path.insert(0, {root!r})
from lab.panels.common import get_lab
from lab.panels.lesson import lesson_panel, lesson_view
lab = get_lab()
lesson_panel(lab, lesson_view(lab){bind})
"""


def fresh():
    s = Settings()
    return MLP((2, 3, 4, 2), s.activation, seed=s.seed), make_data(s), s


def rows(step, i: int, n: int) -> np.ndarray:
    """The training rows a step shows: the sample, or BATCH_N from it (wrapping)."""
    return np.array([i]) if step.form == "sample" else (i + np.arange(BATCH_N)) % n


def a_pass(step, i: int = 0, activation: str = "tanh"):
    net, d, s = fresh()
    if activation != "tanh":
        net = MLP((2, 3, 4, 2), activation, seed=s.seed)
    return compute_pass(net, d.X_train, d.Y_train, rows(step, i, len(d.X_train)), s.lr,
                        step.form)


# ------------------------------------------------------------------ content
def test_every_step_names_an_existing_stage_form_and_equations():
    for k, step in enumerate(STEPS, start=1):
        assert step.form in ("sample", "batch"), k
        assert step.stage in [s.key for s in build_stages(3, step.form)], (k, step.stage)
        stage = next(s for s in build_stages(3, step.form) if s.key == step.stage)
        n_eqs = len(stage_equations(stage, a_pass(step)))
        if step.equations is not None:
            assert step.equations and all(0 <= i < n_eqs for i in step.equations), k
            assert list(step.equations) == sorted(set(step.equations)), k
        assert step.title and len(step.title) <= 60, k
        words = " ".join(step.text.split()).lower()
        assert "look at the numbers below" in words, f"step {k}: no pointer to the numbers"


def test_steps_follow_the_issues_order():
    # notation → forward (one sample) → loss → δ⁽³⁾ → δ backward → gradients → batch
    # form and 2/N → one SGD step → training with momentum
    assert [(s.stage, s.form) for s in STEPS] == [
        ("input", "sample"), ("z1", "sample"), ("a1", "sample"), ("yhat", "sample"),
        ("loss", "sample"), ("delta3", "sample"), ("delta2", "sample"),
        ("delta1", "sample"), ("grads", "sample"), ("z1", "batch"), ("delta3", "batch"),
        ("grads", "batch"), ("update", "batch"), ("update", "batch")]
    milestones = ["notation", "Forward pass", "loss", "δ⁽³⁾", "Wᵀ and σ′", "Gradients",
                  "row form", "2/N", "gradient descent", "momentum"]
    first = [next(k for k, s in enumerate(STEPS) if m in s.title) for m in milestones]
    assert first == sorted(first), list(zip(milestones, first))
    # within each form the stages never go back in the order they are computed
    for form in ("sample", "batch"):
        order = [STAGE_KEYS.index(s.stage) for s in STEPS if s.form == form]
        assert order == sorted(order), form
    assert "½" in STEPS[4].title and "(2/N)" not in STEPS[10].title


def _math_segments(text: str) -> list[str]:
    """The $$…$$ and $…$ segments; asserts every dollar sign is paired."""
    text = text.replace(r"\$", "")
    display = re.findall(r"\$\$(.+?)\$\$", text, flags=re.DOTALL)
    rest = re.sub(r"\$\$(.+?)\$\$", " ", text, flags=re.DOTALL)
    assert rest.count("$") % 2 == 0, "an unpaired $"
    return display + re.findall(r"\$(.+?)\$", rest, flags=re.DOTALL)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("i", [0, 7, 279])
def test_every_text_renders_with_balanced_math(i, activation):
    for k, step in enumerate(STEPS, start=1):
        p = a_pass(step, i, activation)
        for text in (render(step, p), render_try(step, p)):
            assert "<<" not in text and ">>" not in text, k
            segments = _math_segments(text)
            for seg in segments:
                assert seg.count("{") == seg.count("}"), (k, seg)
                pairs = [len(re.findall(rf"\\{w}(?![a-zA-Z])", seg)) for w in ("left", "right")]
                assert pairs[0] == pairs[1], (k, seg)
                assert "\n\n" not in seg, (k, "a blank line inside math", seg)
            assert "seed" not in text.lower(), k  # to a student "seed" is the random seed
            assert not re.search("[\U0001F000-\U0001FAFF\u2600-\u27BF]", text), k  # no emoji
        # a displayed equation is a block of its own: $$ alone on its line
        for line in render(step, p).splitlines():
            assert line == "$$" or "$$" not in line, (k, line)


def test_quoted_numbers_are_the_live_ones():
    """What the texts quote, recomputed from nncore for training sample 7."""
    net, d, s = fresh()
    x, y = d.X_train[7], d.Y_train[7]
    f = net.forward_sample(x)
    g = net.backward_sample(f, y)
    fs = facts(a_pass(STEPS[0], 7))
    z = net.W[0] @ x + net.b[0]
    assert fs["index"] == "7" and fs["z11"] == num(z[0]) == num(f.z[0][0, 0])
    assert fs["a11"] == num(np.tanh(z[0]))
    assert fs["loss"] == num(np.sum((f.a[3][:, 0] - y) ** 2)) == num(g.loss)
    assert fs["d31"] == num(2 * (f.a[3][0, 0] - y[0]))
    assert fs["g_entry"].endswith(
        f"= {_signed(g.delta[2][1, 0])}\\cdot{_signed(f.a[2][2, 0])} = {num(g.dW[2][1, 2])}$")
    assert num(g.dW[2][1, 2]) == num(g.delta[2][1, 0] * f.a[2][2, 0])
    assert fs["z11_sum"] == (f"${_signed(net.W[0][0, 0])}\\cdot{_signed(x[0])} + "
                             f"{_signed(net.W[0][0, 1])}\\cdot{_signed(x[1])} + "
                             f"{_signed(net.b[0][0])} = {num(z[0])}$")
    ds = 1 - f.a[2][:, 0] ** 2
    assert fs["k2"] == str(int(np.argmin(ds)) + 1) and fs["dsmin"] == num(ds.min())
    # classes are named 1 and 2 everywhere: argmax index + 1
    assert fs["pred"] == str(int(np.argmax(f.a[3][:, 0])) + 1)
    assert fs["cls"] == str(int(np.argmax(y)) + 1)
    assert f"L = {num(g.loss)}" in render(STEPS[4], a_pass(STEPS[4], 7))

    idx = (7 + np.arange(BATCH_N)) % len(d.X_train)
    X, Y = d.X_train[idx], d.Y_train[idx]
    fb = facts(a_pass(STEPS[12], 7))
    gb = net.gradients(X, Y)
    assert fb["rows"] == ", ".join(map(str, idx)) and fb["two_over_N"] == num(2 / BATCH_N)
    assert fb["D31"] == num(2 / BATCH_N * (net.forward(X).A[3][0, 0] - Y[0, 0]))
    stepped = net.copy()
    sgd_update(stepped, gb, s.lr)
    after = stepped.loss(X, Y)
    assert f"from {num(gb.loss)} to {num(after)}" in fb["loss_change"]
    assert ("falls" in fb["loss_change"]) == (after < gb.loss)
    # a learning rate that overshoots: the text must say the loss rises, and why
    big = compute_pass(net, d.X_train, d.Y_train, idx, 3.0, "batch")
    stepped = net.copy()
    sgd_update(stepped, gb, 3.0)
    assert stepped.loss(X, Y) > gb.loss
    assert facts(big)["loss_change"].startswith(
        f"rises from {num(gb.loss)} to {num(stepped.loss(X, Y))}: this step was too large")


# What each hidden activation is, as the lesson must state it: σ(z), σ'(z), and σ applied
# to a number (a negative one in parentheses). Written here, independently of lab.lesson.
SAYS = {
    "tanh": (r"\tanh z", r"1 - \tanh^2 z = 1 - a^2", r"\tanh({})"),
    "sigmoid": (r"\frac{1}{1 + e^{-z}}", r"\sigma(z)\,(1 - \sigma(z)) = a(1 - a)",
                r"\frac{{1}}{{1 + e^{{-{}}}}}"),
    "relu": (r"\max(0, z)", r"1 \text{ for } z > 0,\ 0 \text{ otherwise}", r"\max(0, {})"),
    "identity": ("z", "1", r"\sigma({})"),
}
MARKS = {"tanh": r"\tanh", "sigmoid": "e^{-", "relu": r"\max(0"}  # in no other's words
CLAIM = re.compile(r"\\sigma(')?\(z\) = (.+?)\s*[.,]?\s*\$")  # "σ(z) = …" or "σ'(z) = …"
TRY_OTHER = re.compile(r"to (\w+) \(\$\\sigma\(z\) = (.+?)\$\)")  # "to relu ($σ(z) = …$)"


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_the_lesson_says_what_the_activation_in_use_is(activation):
    sigma, slope, call = SAYS[activation]
    texts = [render(step, a_pass(step, 0, activation)) for step in STEPS]
    tries = [render_try(step, a_pass(step, 0, activation)) for step in STEPS]
    # named where σ first appears, and its formulas where the text explains them
    assert f"**{activation}**" in texts[0] and rf"\sigma(z) = {sigma}" in texts[0]
    assert rf"\sigma(z) = {sigma}" in texts[2] and rf"\sigma'(z) = {slope}" in texts[2]
    assert rf"\sigma'(z) = {slope}" in texts[6]  # backward through σ'
    # the worked number: a = σ(z) with this σ
    p = a_pass(STEPS[2], 0, activation)
    z = p.Z[0][0, 0]
    # a negative number in parentheses, unless the call has them already: tanh(-0.5)
    wrapped = call.endswith("{})")
    shown = f"({num(z)})" if num(z).startswith("-") and not wrapped else num(z)
    assert f"= {call.format(shown)} = {num(p.A[1][0, 0])}" in texts[2]
    # every claim of what σ or σ' is, anywhere in the texts, is this activation's own
    for text in texts:
        for prime, claimed in CLAIM.findall(text):
            assert claimed == (slope if prime else sigma), (activation, claimed)
    # a "try this" may suggest another activation, by name and with that one's formula
    for text in tries:
        rest = text
        for name, claimed in TRY_OTHER.findall(text):
            assert name != activation and claimed == SAYS[name][0], (name, claimed)
            rest = rest.replace(rf"to {name} ($\sigma(z) = {claimed}$)", "")
        for prime, claimed in CLAIM.findall(rest):
            assert claimed == (slope if prime else sigma), (activation, claimed)
    # no other activation's σ or σ' in the words of this one
    whole = "\n".join(texts + [t for t in tries if not TRY_OTHER.search(t)])
    for other, mark in MARKS.items():
        if other != activation:
            assert mark not in whole and SAYS[other][1] not in whole, other
    # saturation: a property of tanh and the sigmoid, not of relu or the identity
    if activation in ("relu", "identity"):
        assert "saturat" not in "\n".join(texts + tries).lower()


# ------------------------------------------------------------------ panel (AppTest)
@pytest.fixture
def app_file(tmp_path):
    def make(bind: str | None = None) -> str:
        path = tmp_path / ("lesson_app_bound.py" if bind else "lesson_app.py")
        path.write_text(APP.format(root=str(ROOT),
                                   bind=f", bind={bind!r}" if bind else ""))
        return str(path)
    return make


def start(app_file, bind=None, sample_index=None) -> AppTest:
    at = AppTest.from_file(app_file(bind), default_timeout=60)
    if sample_index is not None:
        at.session_state["sample_index"] = sample_index
    return at


def shown_step(at) -> int:
    """The step the page shows, read from its progress line (and nothing else)."""
    m = re.fullmatch(rf"Step (\d+) of {N_STEPS}: (.+)", at.subheader[0].value)
    assert m, at.subheader[0].value
    k = int(m.group(1))
    assert m.group(2) == STEPS[k - 1].title
    return k


def check_live_view(at, k: int, i: int = 0) -> None:
    """The picture and the equations on the page are step k's stage with the live
    numbers: node labels and edge widths from nncore, equations from stage_equations
    of an independently computed pass."""
    step = STEPS[k - 1]
    net, d, s = fresh()
    idx = rows(step, i, len(d.X_train))
    X, Y = d.X_train[idx], d.Y_train[idx]
    stages = build_stages(3, step.form)
    stage = next(st for st in stages if st.key == step.stage)
    # --- the picture: 26 edges, then the nodes
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    fwd, grads = net.forward(X), net.gradients(X, Y)
    values = {"a": lambda q: fwd.A[q].mean(axis=0), "z": lambda q: fwd.Z[q - 1].mean(axis=0),
              "delta": lambda q: grads.db[q - 1]}  # 1ᵀΔ: for one sample δ itself
    want = []
    for q, kind in enumerate(stage.shows):
        n_q = 2 if q in (0, 3) else q + 2
        want += [f"{v:.2f}" for v in values[kind](q)] if kind else [""] * n_q
    assert spec["data"][26]["text"] == want, (k, step.stage)
    mats = {"gradients": grads.dW, "update": [w - s.lr * g for w, g in zip(net.W, grads.dW)]
            }.get(stage.phase, net.W)
    top = max(np.max(np.abs(m)) for m in mats)
    widths = [e["line"]["width"] for e in spec["data"][:26]]
    np.testing.assert_allclose(widths, 1 + 9 * np.abs(flat(*mats)) / top, atol=1e-9)
    lit = [e["opacity"] == 0.95 for e in spec["data"][:26]]
    layer = np.repeat([1, 2, 3], [6, 12, 8])
    assert lit == [stage.lit == -1 or stage.lit == q for q in layer], (k, step.stage)
    # --- the equations: symbols, numbers and shapes, three lines each
    p = compute_pass(net, d.X_train, d.Y_train, idx, s.lr, step.form)
    eqs = stage_equations(stage, p)
    eqs = eqs if step.equations is None else [eqs[j] for j in step.equations]
    want_tex = [t for e in eqs for t in (e.symbolic, r"\small " + e.numeric,
                                         r"\text{shapes: }" + e.shapes)]
    assert [el.value.strip("$\n") for el in at.latex] == want_tex, (k, step.stage)
    assert at.markdown[0].value == render(step, p)


def test_back_and_next_move_one_step_and_stop_at_the_ends(app_file):
    at = start(app_file).run()
    assert not at.exception
    assert shown_step(at) == 1 and at.session_state["lesson"] == 1
    assert at.button(key="lesson_back").disabled  # at the start Back cannot be pressed
    for k in range(2, N_STEPS + 1):
        at.button(key="lesson_next").click().run()  # one run per click
        assert not at.exception
        assert shown_step(at) == k == at.session_state["lesson"]
        assert at.button(key="lesson_back").disabled is False
        assert at.button(key="lesson_next").disabled is (k == N_STEPS)
        check_live_view(at, k)
    assert at.button(key="lesson_next").disabled  # at the end Next cannot be pressed
    at.button(key="lesson_back").click().run()
    assert shown_step(at) == N_STEPS - 1 == at.session_state["lesson"]
    check_live_view(at, N_STEPS - 1)


def test_back_and_next_raise_no_streamlit_warning(app_file, monkeypatch, caplog):
    """Streamlit warns (once per process, in its log) when a widget has a default and its
    value is also set through the session state, as Back and Next do. Reset that "once"
    and walk the lesson: nothing may be logged."""
    from streamlit.elements.lib import policies
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    logger = logging.getLogger("streamlit.elements.lib.policies")
    logger.addHandler(caplog.handler)  # Streamlit's loggers do not propagate to the root
    try:
        at = start(app_file, bind="query-params")
        at.query_params["lesson"] = "3"
        at.run()
        for _ in range(3, N_STEPS):
            at.button(key="lesson_next").click().run()
        at.button(key="lesson_back").click().run()
        at.segmented_control(key="lesson").set_value(2).run()
        at.button(key="lesson_back").click().run()
    finally:
        logger.removeHandler(caplog.handler)
    assert not at.exception and shown_step(at) == 1
    assert not [r.getMessage() for r in caplog.records if r.name == logger.name]
    assert not policies._shown_default_value_warning


def test_the_lesson_widget_drives_the_step(app_file):
    at = start(app_file).run()
    ctl = at.segmented_control(key="lesson")
    assert ctl.options == [str(k) for k in range(1, N_STEPS + 1)]
    for k in (7, 1, N_STEPS, 11):  # jumps, in any order
        at.segmented_control(key="lesson").set_value(k).run()
        assert not at.exception
        assert shown_step(at) == k
        check_live_view(at, k)
    at.button(key="lesson_back").click().run()  # Back goes on from where the jump landed
    assert shown_step(at) == 10


def test_the_lesson_follows_the_picked_sample(app_file):
    _, d, _ = fresh()
    n = len(d.X_train)
    at = start(app_file, sample_index=n - 2).run()  # the batch of 4 wraps around the end
    assert f"training sample {n - 2}" in at.markdown[0].value
    for k in (2, 10, 13):
        at.segmented_control(key="lesson").set_value(k).run()
        check_live_view(at, k, i=n - 2)
    assert f"rows {n - 2}, {n - 1}, 0, 1" in render(STEPS[9], a_pass(STEPS[9], n - 2)) \
        .replace("training ", "")


def test_numbers_equal_nncore_directly(app_file):
    """Independent of lab.equations: the numbers printed for z⁽¹⁾ (one sample) and for
    Δ⁽³⁾ and the W⁽³⁾ update (batch) against nncore's arrays."""
    net, d, s = fresh()
    at = start(app_file, sample_index=5).run()
    at.segmented_control(key="lesson").set_value(2).run()
    x = d.X_train[5]
    np.testing.assert_allclose(numbers(at.latex[1].value),
                               flat(net.W[0], x, net.b[0], net.W[0] @ x + net.b[0]), atol=5e-4)
    idx = np.arange(5, 5 + BATCH_N)
    X, Y = d.X_train[idx], d.Y_train[idx]
    Yhat = net.forward(X).A[3]
    at.segmented_control(key="lesson").set_value(11).run()
    np.testing.assert_allclose(numbers(at.latex[1].value),
                               flat(Yhat, Y, 2 / BATCH_N * (Yhat - Y)), atol=5e-4)
    at.segmented_control(key="lesson").set_value(13).run()
    g = net.gradients(X, Y)
    np.testing.assert_allclose(numbers(at.latex[1].value),
                               flat(net.W[2], s.lr, g.dW[2], net.W[2] - s.lr * g.dW[2]),
                               atol=5e-4)
    assert len(at.latex) == 3 * 2  # W⁽³⁾ and b⁽³⁾ only


def test_bound_to_the_url(app_file):
    at = start(app_file, bind="query-params")
    at.query_params["lesson"] = "5"
    at.run()
    assert not at.exception
    assert shown_step(at) == 5
    at.button(key="lesson_next").click().run()
    assert shown_step(at) == 6
    assert at.query_params.get("lesson") in ("6", ["6"])


def test_another_activation_is_named_and_used(app_file):
    from lab.state import new_lab
    at = start(app_file)
    at.session_state["lab"] = new_lab(Settings(activation="relu"))
    at.run()
    at.segmented_control(key="lesson").set_value(3).run()  # a⁽¹⁾ = σ(z⁽¹⁾)
    assert not at.exception
    assert r"\sigma(z) = \max(0, z)" in at.markdown[0].value  # the text itself says relu
    assert not any("tanh" in c.value for c in at.caption)  # no apology for it
    net, d, s = fresh()
    net = MLP((2, 3, 4, 2), "relu", seed=s.seed)
    z = net.W[0] @ d.X_train[0] + net.b[0]
    np.testing.assert_allclose(numbers(at.latex[1].value), flat(z, np.maximum(z, 0)),
                               atol=5e-4)
    at = start(app_file).run()  # tanh: no such note either
    assert not any("describes" in c.value for c in at.caption)


@pytest.mark.parametrize("raw, want", [("7", 7), ("3.5", 0), ("-1", 0), ("٣", 0), ("x", 0)])
def test_a_links_sample_index_counts_until_the_picker_has_one(app_file, raw, want):
    at = start(app_file)
    at.query_params["sample_index"] = raw
    at.run()
    assert not at.exception
    assert f"training sample {want}:" in at.markdown[0].value
    at = start(app_file, sample_index=9)  # the picker's value wins over the link's
    at.query_params["sample_index"] = "7"
    at.run()
    assert "training sample 9:" in at.markdown[0].value
