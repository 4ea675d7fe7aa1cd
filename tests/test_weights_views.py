"""Any weights file either loads, and then every view is drawn from it without an error and
with every number readable; or it is refused with a message naming the entry and the
limit, and the session is exactly as it was.

"Every view" is each view's pure builder, as the panels call it: both forms of the step
view at all 12 stages (pass, equations, picture, caption, a "Your turn" question and its
checking), the lesson's 14 steps, one SGD step, the Train tab's player data and the
gradient check. "Readable": no run of 7 or more digits anywhere (a large number is a
mantissa and a power of ten), no NaN or infinity, no LaTeX outside the lesson's math, and
no numpy overflow on the way (RuntimeWarnings are errors here).
"""

from __future__ import annotations

import base64
import json
import re
import warnings
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_io import csv_bytes, snapshot

from lab import io as lio
from lab.equations import mat, stage_equations
from lab.figures.network import network_figure, stage_caption
from lab.lesson import STEPS, render, render_try
from lab.links import LEARNING_RATES, VIEW_BATCH
from lab.numbers import plain
from lab.panels.lesson import step_view
from lab.player.view import player_data
from lab.quiz import check, generate
from lab.stages import SUP, build_stages
from lab.state import Settings, View, apply_one_step, change, current_pass, new_lab, view_indices
from nncore import ACTIVATIONS, gradient_check

LONG_DIGITS = re.compile(r"(?<![\d.])\d{7,}")  # 7+ digits before a point
NOT_FINITE = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)
MATH = re.compile(r"\$\$.+?\$\$|\$.+?\$", re.DOTALL)
# Every entry of a weights file, in the order parse_weights checks them: W⁽¹⁾ … W⁽³⁾
# row by row, then b⁽¹⁾ … b⁽³⁾.
SIZES = (2, 3, 4, 2)
ENTRIES = ([("W", q, i, j) for q in range(3) for i in range(SIZES[q + 1])
            for j in range(SIZES[q])] + [("b", q, i) for q in range(3)
                                        for i in range(SIZES[q + 1])])
# The farthest inputs an uploaded dataset may hold: the corners of [−5, 5]².
CORNERS = csv_bytes([(5 * sx, 5 * sy, k % 2) for k, (sx, sy) in
                     enumerate([(1, 1), (-1, -1), (1, -1), (-1, 1)] * 3)])


def entry_name(e) -> str:
    idx = "".join(f"[{k}]" for k in e[2:])
    return f"{e[0]}{f'({e[1] + 1})'.translate(SUP)}{idx}"


def weights_file(activation: str, tokens: dict) -> bytes:
    """A valid weights file for ``activation`` with some entries written as the given
    JSON number tokens (any text: 1e+155, an integer of 5,000 digits, ...)."""
    lab = new_lab(Settings(activation=activation))
    obj = json.loads(lio.weights_json(lab.net, lab.settings, 0, 0))
    for k, e in enumerate(tokens):
        where = obj[e[0]][e[1]]
        if e[0] == "W":
            where[e[2]][e[3]] = f"@{k}@"
        else:
            where[e[2]] = f"@{k}@"
    text = json.dumps(obj)
    for k, token in enumerate(tokens.values()):
        text = text.replace(f'"@{k}@"', token)
    return text.encode()


def session(activation: str, lr: float):
    """A session on the corner data with the given activation and learning rate."""
    lab = new_lab(Settings(activation=activation))
    lio.load_dataset(lab, lio.parse_dataset(CORNERS), "corners.csv")
    change(lab, lr=lr)
    return lab


def texts_of(fig) -> list[str]:
    out = [a.text for a in fig.layout.annotations]
    for trace in fig.data:
        for attr in ("text", "hovertext"):
            v = getattr(trace, attr, None)
            out += [v] if isinstance(v, str) else list(v or ())
    return out


def every_view(lab) -> list[str]:
    """Build every view from the session as the panels do; return every text they show."""
    shown = []
    n = lab.data.X_train.shape[0]
    far = int(np.argmax(np.abs(lab.data.X_train).sum(axis=1)))  # a corner: the worst x
    views = [View("sample", view_indices(n, "sample", far, 1)),
             View("batch", view_indices(n, "batch", far, VIEW_BATCH[1]))]
    rng = np.random.default_rng(0)
    for view in views:
        p = current_pass(lab, view)
        stages = build_stages(lab.net.L, view.form)
        for k, stage in enumerate(stages):
            shown += [t for eq in stage_equations(stage, p)
                      for t in (eq.symbolic, eq.numeric, eq.shapes)]
            fig = network_figure(p, stages, active=k)
            assert all(np.isfinite(tr.line.width) for tr in fig.data if tr.mode == "lines")
            shown += texts_of(fig) + stage_caption(stage, p)
            q = generate(p, stage, rng)
            if q is not None:  # the question, and the replies to a right and a wrong answer
                shown += [q.prompt, q.solution_tex, check(q, repr(q.answer)).message,
                          check(q, repr(q.answer + 2 * q.tol + 1)).message]
                assert check(q, repr(q.answer)).ok
    for step in STEPS:
        p = current_pass(lab, step_view(lab, views[0], step))
        text = render(step, p) + "\n" + render_try(step, p)
        assert "\\" not in MATH.sub("", text), "LaTeX outside math"
        shown.append(text)
    data = json.loads(json.dumps(player_data(lab, 300), allow_nan=False))
    theta = np.frombuffer(base64.b64decode(data["state"]["theta"]), "<f8")
    assert np.isfinite(theta).all()
    idx = views[1].indices
    gradient_check(lab.net, lab.data.X_train[idx], lab.data.Y_train[idx])
    s = apply_one_step(lab, views[1])  # last: it may change the weights
    shown.append(s["message"])
    if not s["undone"]:
        shown += [plain(s["loss_after"], 4), plain(s["loss_after"] - s["loss_before"], 4)]
        shown += [mat(m) for key in ("W_before", "W_after", "dW", "b_before", "b_after", "db")
                  for m in s[key]]
    return shown


def assert_readable(shown: list[str]) -> None:
    for t in shown:
        assert not LONG_DIGITS.search(t), t[:300]
        assert not NOT_FINITE.search(t.replace(r"\in", "")), t[:300]


def check_views(lab) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow, no invalid value
        assert_readable(every_view(lab))


# ---------------------------------------------------------------- the bound itself
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_weights_at_the_limit_draw_every_view_readably(activation):
    """The worst file the bound lets in: every weight and bias +10⁶ (so every sum adds up),
    on the farthest inputs, at the largest learning rate."""
    limit = lio.MAX_WEIGHT  # whatever the limit is, it must hold there: floats and integers
    tokens = {e: str(int(limit)) if k % 2 else repr(limit) for k, e in enumerate(ENTRIES)}
    lab = session(activation, LEARNING_RATES[-1])
    lio.load_weights(lab, lio.parse_weights(weights_file(activation, tokens)))
    assert all((np.abs(w) == lio.MAX_WEIGHT).all() for w in lab.net.W + lab.net.b)
    check_views(lab)


# ---------------------------------------------------------------- any file
def _signed(token: str, negative: bool) -> str:
    return "-" + token if negative else token


in_range = st.one_of(
    st.floats(-lio.MAX_WEIGHT, lio.MAX_WEIGHT).map(repr),
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(["1e6", "-1000000", "999999.9999999999", "-0.0", "5e-324", "0"]))
too_large = st.one_of(
    st.builds(_signed, st.floats(lio.MAX_WEIGHT, 1.7976931348623157e308,
                                 exclude_min=True).map(repr), st.booleans()),
    st.builds(_signed, st.integers(7, 6000).map(lambda n: "9" * n), st.booleans()),
    st.sampled_from(["1e155", "-1e300", "1.797e308", "1e150", "1000000.0000000002", "1e400",
                     "1000001", "-" + "1" + "0" * 309]))


def fits(token: str) -> bool:
    """Independently of lab.io: the token's exact value lies within ±10⁶."""
    return abs(Decimal(token)) <= Decimal(10**6)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(activation=st.sampled_from(list(ACTIVATIONS)),
       tokens=st.dictionaries(st.sampled_from(ENTRIES), st.one_of(in_range, too_large),
                              min_size=1, max_size=3))
def test_any_weights_file_loads_exactly_or_is_refused_by_name(activation, tokens):
    """Magnitudes up to 1.8e308 and integers of any length, anywhere in W and b."""
    raw = weights_file(activation, tokens)
    lab = new_lab(Settings(activation=activation))
    before = snapshot(lab)
    bad = [e for e in ENTRIES if e in tokens and not fits(tokens[e])]
    try:
        lio.load_weights(lab, lio.parse_weights(raw))
    except lio.UploadError as err:
        message = str(err)
        assert bad, message
        assert message.startswith(f"{entry_name(bad[0])} is ") and "±1,000,000" in message
        assert not re.search(r"\d{21}", message)  # an integer of 5,000 digits is not echoed
        assert snapshot(lab) == before
        return
    assert not bad
    for e, token in tokens.items():  # the file's numbers, bit for bit
        arr = (lab.net.W if e[0] == "W" else lab.net.b)[e[1]]
        assert np.float64(float(token)).tobytes() == arr[e[2:]].tobytes()


# Each example draws every view (~1 s, the 24 Plotly figures most of it): a few suffice
# next to the worst case above, which the bound was chosen for.
@settings(max_examples=4, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(activation=st.sampled_from(list(ACTIVATIONS)),
       lr=st.sampled_from([LEARNING_RATES[0], LEARNING_RATES[-1]]),
       tokens=st.dictionaries(st.sampled_from(ENTRIES), in_range, min_size=1, max_size=35))
def test_any_loadable_weights_file_draws_every_view_readably(activation, lr, tokens):
    lab = session(activation, lr)
    lio.load_weights(lab, lio.parse_weights(weights_file(activation, tokens)))
    check_views(lab)
