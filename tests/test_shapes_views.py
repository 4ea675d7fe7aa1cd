"""Every view, for networks of any shape the app offers: 0 to 4 hidden layers of 1 to 8
neurons, any input features, any activation, any weight penalty. Each stage's equations
carry nncore's numbers (with the penalty's terms when λ > 0), the picture, the quiz, the
lesson, the player's data, the gradient check and one SGD step all work and stay readable."""

from __future__ import annotations

import itertools
import json
import math
import re
import warnings
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_weights_views import assert_readable, texts_of

from lab.equations import mat, num, stage_equations
from lab.figures.network import network_figure, stage_caption
from lab.lesson import _signed, facts, lesson_steps, render, render_try
from lab.links import N_STAGES
from lab.panels.lesson import step_view
from lab.player.view import player_data
from lab.quiz import check, generate
from lab.stages import build_stages
from lab.state import Settings, View, apply_one_step, current_pass, inputs, new_lab
from nncore import ACTIVATIONS, FEATURES, features, gradient_check

shapes = st.fixed_dictionaries({
    "hidden": st.lists(st.integers(1, 8), min_size=0, max_size=4).map(tuple),
    "features": st.lists(st.sampled_from(FEATURES), min_size=1, max_size=7, unique=True).map(
        lambda f: tuple(x for x in FEATURES if x in f)),
    "activation": st.sampled_from(list(ACTIVATIONS)),
    "regularization": st.sampled_from(["none", "L1", "L2"]),
    "reg_rate": st.sampled_from([0.001, 0.03, 1.0]),
    "seed": st.integers(0, 3),
    "dataset": st.sampled_from(["xor", "spiral", "plane", "gauss"]),
})


def make_lab(kw: dict):
    kw = dict(kw)
    if kw["regularization"] == "none":
        kw["reg_rate"] = 0.0
    lab = new_lab(replace(Settings(), n=100, **kw))
    lab.trainer.step(7)
    return lab


def views_of(lab) -> list[View]:
    n = lab.data.X_train.shape[0]
    return [View("sample", np.array([5])), View("batch", (5 + np.arange(6)) % n)]


def check_equations(lab, view: View, rng) -> list[str]:
    shown = []
    p = current_pass(lab, view)
    stages = build_stages(lab.net.L, view.form)
    assert len(stages) == 3 * lab.net.L + 3 <= N_STAGES
    for k, stage in enumerate(stages):
        eqs = stage_equations(stage, p)
        shown += [t for eq in eqs for t in (eq.symbolic, eq.numeric, eq.shapes)]
        if stage.phase == "loss":
            assert num(p.data_loss) in eqs[0].numeric
            if p.reg_rate:  # L = L_data + λR, with its numbers
                last = eqs[-1]
                R = p.penalty / p.reg_rate
                assert r"\lambda R" in last.symbolic
                for part in (num(p.data_loss), num(p.reg_rate), num(R), num(p.loss)):
                    assert part in last.numeric
                assert math.isclose(p.loss, p.data_loss + p.reg_rate * R, rel_tol=1e-12)
            else:
                assert len(eqs) == 1 and num(p.loss) in eqs[0].numeric
        if stage.phase == "gradients":
            for q in range(1, lab.net.L + 1):
                about = next(e for e in eqs if rf"\partial \mathbf{{W}}^{{({q})}}" in e.symbolic)
                W = p.W[q - 1]
                assert mat(p.dW[q - 1]) in about.numeric
                if p.regularization == "L2" and p.reg_rate:
                    assert r"2\lambda" in about.symbolic
                    assert f"{num(2 * p.reg_rate)}\\,{mat(W)}" in about.numeric
                elif p.regularization == "L1" and p.reg_rate:
                    assert r"\operatorname{sign}" in about.symbolic
                    assert f"{num(p.reg_rate)}\\,{mat(np.sign(W))}" in about.numeric
                else:
                    assert r"\lambda" not in about.symbolic
        fig = network_figure(p, stages, active=k)
        shown += texts_of(fig) + stage_caption(stage, p)
        q = generate(p, stage, rng)
        if q is not None:
            shown += [q.prompt, q.solution_tex]
            assert check(q, repr(q.answer)).ok
    return shown


def check_lesson_facts(p, kw) -> None:
    """What the lesson says of the network and quotes of its pass, recomputed here."""
    f, L = facts(p), p.L
    sizes = (p.W[0].shape[1], *(w.shape[0] for w in p.W))
    assert f["n_params"] == str(sum((a + 1) * b for a, b in itertools.pairwise(sizes)))
    assert f"$n_0 = {sizes[0]}$ input" in f["sizes_text"]
    assert f"$n_{L} = {sizes[-1]}$ output" in f["sizes_text"]
    for q, n in enumerate(sizes[1:-1], 1):
        assert f"$n_{q} = {n}$" in f["sizes_text"]
    x = p.X[0]
    z = sum(p.W[0][0, j] * x[j] for j in range(len(x))) + p.b[0][0]
    last = re.search(r"= (\S+?)(?: \\end\{aligned\})?\$+\s*$", f["z11_sum"])
    assert last and last.group(1) == num(z) == f["z11"], f["z11_sum"]
    for j in range(len(x)):  # row 1 of W⁽¹⁾ against x, term by term
        assert rf"{_signed(p.W[0][0, j])}\cdot{_signed(x[j])}" in f["z11_sum"], j
    assert f["z11_sum"].count(r"\cdot") == len(x)
    if p.reg_rate:
        assert num(p.penalty) in f["penalty_loss"] and f"L = {num(p.loss)}" in f["penalty_loss"]
        assert p.regularization in f["penalty_grad"]
    else:
        assert f["penalty_loss"] == f["penalty_grad"] == ""
    regression = kw["dataset"] in ("plane", "gauss")
    assert ("class 1" in f["input_target"]) != regression
    assert ("Input features" in f["input_target"]) == (tuple(kw["features"]) != ("x1", "x2"))
    if p.N > 1:
        return  # the batch steps quote no more of row 0 than the sample steps do
    i, j = p.W[L - 1].shape[0], min(3, p.W[L - 1].shape[1])
    d, a = p.delta[L - 1][0, i - 1], p.A[L - 1][0, j - 1]
    w = p.W[L - 1][i - 1, j - 1]
    pen = {"none": 0, "L2": 2 * p.reg_rate * w, "L1": p.reg_rate * np.sign(w)}[
        p.regularization if p.reg_rate else "none"]
    said = rf"= {_signed(d)}\cdot{_signed(a)}" + (f" + {_signed(pen)}" if p.reg_rate else "")
    assert f["g_entry"].endswith(f"{said} = {num(d * a + pen)}$"), f["g_entry"]
    assert num(d * a + pen) == num(p.dW[L - 1][i - 1, j - 1])
    assert f["loss"] == num(np.sum((p.A[L][0] - p.Y[0]) ** 2))


def _kw(hidden, feats, penalty, rate, dataset) -> dict:
    return {"hidden": hidden, "features": feats, "regularization": penalty, "reg_rate": rate,
            "dataset": dataset}


CHOSEN = [  # every depth, both penalties, a regression, a single feature
    _kw((), ("x1",), "L2", 0.03, "plane"), _kw((5,), ("x1", "x2"), "L1", 0.03, "xor"),
    _kw((3, 4), ("x1", "x2"), "none", 0.0, "xor"),
    _kw((8, 8, 8, 8), tuple(FEATURES), "L2", 0.03, "spiral"),
    _kw((2, 3, 2), ("x1sq", "sin2"), "L1", 1.0, "gauss"),
]


@pytest.mark.parametrize("kw", CHOSEN, ids=lambda kw: "-".join(map(str, kw["hidden"])) or "0")
def test_the_lesson_of_chosen_shapes_quotes_its_own_numbers(kw):
    lab = make_lab(kw | {"activation": "tanh", "seed": 0})
    steps = lesson_steps(len(lab.net.sizes) - 1)
    for step in steps:
        p = current_pass(lab, step_view(lab, views_of(lab)[0], step))
        check_lesson_facts(p, kw)
        assert "<<" not in render(step, p) + render_try(step, p)


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(kw=shapes)
def test_every_view_of_any_shape(kw):
    lab = make_lab(kw)
    sizes = (len(kw["features"]), *kw["hidden"], 1 if kw["dataset"] in ("plane", "gauss") else 2)
    assert lab.net.sizes == sizes and lab.trainer.X.shape[1] == sizes[0]
    assert np.array_equal(inputs(lab)[0], features.expand(lab.data.X_train, kw["features"]))
    rng = np.random.default_rng(0)
    shown = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for view in views_of(lab):
            shown += check_equations(lab, view, rng)
        # the lesson: the session's network, its numbers the pass's own
        steps = lesson_steps(len(sizes) - 1)
        assert len(steps) == {1: 10, 2: 13}.get(len(sizes) - 1, 14)
        for step in steps:
            p = current_pass(lab, step_view(lab, views_of(lab)[0], step))
            assert step.stage in [s.key for s in build_stages(p.L, step.form)]
            text, tip = render(step, p), render_try(step, p)
            assert "<<" not in text + tip
            shown.append(text + tip)
            check_lesson_facts(p, kw)
        data = json.loads(json.dumps(player_data(lab, 300), allow_nan=False))
        assert data["sizes"] == list(sizes) and data["features"] == list(kw["features"])
        assert len(data["input_names"]) == sizes[0]
        idx = views_of(lab)[1].indices
        g = gradient_check(lab.net, inputs(lab)[0][idx], lab.data.Y_train[idx])
        assert g.n_fail == 0
        s = apply_one_step(lab, views_of(lab)[1])
        shown.append(s["message"])
    assert_readable(shown)


def test_the_input_nodes_are_named_by_their_features():
    lab = make_lab({"hidden": (2,), "features": ("x1sq", "x1x2", "sin2"),
                    "activation": "tanh", "regularization": "none", "reg_rate": 0.0,
                    "seed": 0, "dataset": "xor"})
    p = current_pass(lab, View("sample", np.array([0])))
    stages = build_stages(p.L)
    texts = texts_of(network_figure(p, stages, active=0))
    for name in ("x₁²", "x₁x₂", "sin x₂"):
        assert any(t.startswith(name) for t in texts), (name, texts[:12])
