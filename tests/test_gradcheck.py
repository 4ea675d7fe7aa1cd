"""The gradient check: passes right gradients, fails wrong ones wherever finite
differences can resolve them, and never calls an unresolvable row a pass."""

import math
import warnings

import numpy as np
import pytest

from nncore import ACTIVATIONS, MLP, GradientCheck, GradRow, datasets, gradient_check, sgd_update
from nncore.gradcheck import loss_rounding_error

X, Y = datasets.make("xor", n=400, noise=0.1, seed=0)
(XTR, YTR), _ = datasets.split(X, Y, test_fraction=0.3, seed=0)


def scaled(net, factor):
    """All weights × factor: saturated units, and a huge loss from the linear output."""
    for W in net.W:
        W *= factor
    return net


def broken(net, how):
    """The same weights with a deliberately wrong backward pass."""

    class Broken(MLP):
        def backward(self, fwd, Y):
            g = super().backward(fwd, Y)
            if how == "entry":  # the largest entry of ∂L/∂W^(3), off by 1e-4 relative
                k = np.unravel_index(np.argmax(np.abs(g.dW[2])), g.dW[2].shape)
                g.dW[2][k] *= 1.0 + 1e-4
            else:  # "W1", "W2", "W3": one layer's ∂L/∂W doubled
                q = int(how[1]) - 1
                g.dW[q] = 2.0 * g.dW[q]
            return g

    return Broken.from_params(net.W, net.b, net.act.name)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("seed", range(4))
def test_ordinary_weights_every_row_resolvable_and_within_tol(activation, seed):
    check = gradient_check(MLP(seed=seed, activation=activation), X[:8], Y[:8])
    assert check.n_pass == 35 and check.n_fail == check.n_unresolvable == 0, check
    assert check.verdict == "pass" and check.passed
    assert check.max_rel_error <= 1e-7
    assert all(r.status == "pass" and 0 < r.resolution < abs(r.backprop) for r in check.rows)


def test_default_network_on_a_few_training_samples():
    check = gradient_check(MLP(sizes=(2, 3, 4, 2), activation="tanh", seed=0), XTR[:8], YTR[:8])
    assert (check.n_pass, check.n_fail, check.n_unresolvable) == (35, 0, 0)
    assert check.max_rel_error < 1e-9  # ~1e-11: far inside the tolerance


@pytest.mark.parametrize("seed", range(4))
def test_relu_is_checked_by_central_differences(seed):
    """Piecewise quadratic: C(h) is exact unless a unit crosses its kink. Rows
    that stay unresolvable are dead units' exact zeros or kinks within the step."""
    check = gradient_check(MLP(seed=seed, activation="relu"), X[:8], Y[:8])
    assert "central difference" in check.method
    assert check.n_fail == 0 and check.n_pass > 0 and check.passed
    for r in check.rows:
        assert r.status == "pass" or r.backprop == 0.0 or math.isinf(r.resolution), r


def test_relu_kink_inside_the_step_is_unresolvable_not_a_failure():
    net = MLP(seed=0, activation="relu")
    x, y = XTR[:1], YTR[:1]
    z = x @ net.W[0][0] + net.b[0][0]
    net.b[0][0] += 3e-5 - z[0]  # unit 1 of layer 1 sits 3e-5 from its kink, inside h = 1e-4
    check = gradient_check(net, x, y)
    kinked = {r.name for r in check.rows if math.isinf(r.resolution)}
    assert "b(1)[1]" in kinked and kinked <= {"W(1)[1,1]", "W(1)[1,2]", "b(1)[1]"}
    assert all(r.status == "unresolvable" for r in check.rows if r.name in kinked)
    assert check.n_fail == 0 and check.passed  # the other rows are still checked
    assert gradient_check(broken(net, "W3"), x, y).verdict == "fail"


@pytest.mark.parametrize("scale", [1.0, 30.0, 1e3])
@pytest.mark.parametrize("how", ["W1", "W2", "W3", "entry"])
def test_a_wrong_backward_pass_fails_wherever_it_is_resolvable(scale, how):
    net = scaled(MLP(seed=0), scale)
    right = gradient_check(net, X[:8], Y[:8])
    wrong = gradient_check(broken(net, how), X[:8], Y[:8])
    assert right.n_fail == 0 and right.passed
    changed = [(r, w) for r, w in zip(right.rows, wrong.rows) if r.backprop != w.backprop]
    assert changed and all(w.status != "pass" for _, w in changed)  # never a pass
    resolvable = [w for _, w in changed if w.status != "unresolvable"]
    assert all(w.status == "fail" for w in resolvable)
    if how in ("W2", "W3", "entry"):  # these layers stay resolvable even at L ~ 1e6
        assert resolvable and wrong.verdict == "fail" and not wrong.passed, wrong


def test_huge_loss_is_huge():
    assert MLP(seed=0).loss(X[:8], Y[:8]) < 2
    assert scaled(MLP(seed=0), 1e3).loss(X[:8], Y[:8]) > 1e6


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("scale", [10.0, 30.0, 1e3, 1e5])
def test_right_gradients_never_fail_on_saturated_weights_or_at_a_huge_loss(activation, scale):
    for seed in range(3):
        check = gradient_check(scaled(MLP(seed=seed, activation=activation), scale), X[:8], Y[:8])
        assert check.n_fail == 0, check
        assert all(r.status in ("pass", "unresolvable") for r in check.rows)


def test_right_gradients_after_wild_training_one_sample_at_a_time():
    net = MLP(seed=0)
    from nncore import train

    train(net, X, Y, lr=0.1, batch_size=1, momentum=0.9, epochs=4, seed=0)
    for i in range(0, 400, 20):
        check = gradient_check(net, X[[i]], Y[[i]])
        assert check.n_fail == 0 and check.n_unresolvable > 0 and check.passed, check


def test_weights_blown_up_by_single_steps_are_unresolvable_not_a_pass():
    """The app's case: γ = 10, one SGD step at a time until the loss is ~1e150,
    where the old loss-scaled floor reported "Pass … 4e-72"."""
    net = MLP(seed=0)
    x, y = XTR[:1], YTR[:1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        while net.loss(x, y) < 1e150:
            sgd_update(net, net.gradients(x, y), 10.0)
        check = gradient_check(net, x, y)
    assert check.verdict == "unresolvable" and not check.passed
    assert check.n_unresolvable == 35 and check.n_pass == check.n_fail == 0
    assert math.isnan(check.max_rel_error)
    assert check.loss > 1e150
    assert "unresolvable" in repr(check)


def test_non_finite_weights_are_unresolvable_everywhere():
    net = MLP(seed=0)
    net.W[1][0, 0] = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check = gradient_check(net, X[:4], Y[:4])
    assert check.verdict == "unresolvable" and all(math.isinf(r.resolution) for r in check.rows)


def test_resolution_grows_with_the_loss():
    small = gradient_check(MLP(seed=0), X[:8], Y[:8])
    big = gradient_check(scaled(MLP(seed=0), 1e3), X[:8], Y[:8])
    assert min(r.resolution for r in big.rows) > 1e5 * max(r.resolution for r in small.rows)
    u = np.finfo(float).eps / 2
    net = MLP(seed=0)
    assert u * net.loss(X[:8], Y[:8]) < loss_rounding_error(net, X[:8], Y[:8]) < 1e-13


def test_verdict_counts_and_rows_built_without_a_status():
    def row(status, rel=0.0):
        return GradRow("W(1)[1,1]", "W", 1, 0, 0, 1.0, 1.0, rel, status, 1e-3)

    assert GradientCheck([row("pass"), row("unresolvable")], 0.0, 1e-7, "m").verdict == "pass"
    c = GradientCheck([row("pass"), row("fail", 1.0), row("unresolvable")], 1.0, 1e-7, "m")
    assert (c.n_pass, c.n_fail, c.n_unresolvable, c.verdict, c.passed) == (1, 1, 1, "fail", False)
    nothing = GradientCheck([row("unresolvable")], math.nan, 1e-7, "m")
    assert nothing.verdict == "unresolvable" and not nothing.passed
    legacy = GradRow("b(1)[1]", "b", 1, 0, 0, 1.0, 1.0 + 1e-6, 1e-6)  # the old 8 fields
    assert legacy.status == "" and legacy.resolution == 0.0
    assert GradientCheck([legacy], 1e-6, 1e-7, "m").verdict == "fail"
    assert math.isnan(nothing.loss)


def test_a_nan_from_backprop_where_the_loss_is_finite_is_a_failure():
    class NaNBackward(MLP):
        def backward(self, fwd, Y):
            g = super().backward(fwd, Y)
            g.db[0][1] = np.nan
            return g

    net = MLP(seed=0)
    check = gradient_check(NaNBackward.from_params(net.W, net.b), X[:8], Y[:8])
    assert check.rows[7].name == "b(1)[2]" and check.rows[7].status == "fail"
    assert check.verdict == "fail"


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("input_scale", [100.0, 300.0])
def test_sharp_curvature_is_covered_by_the_truncation_estimate(activation, input_scale):
    """Inputs × 100 make the loss bend within a step h in W^(1): the estimate's
    truncation term (how much R moves when h doubles) keeps those rows from failing."""
    for seed in range(3):
        check = gradient_check(MLP(seed=seed, activation=activation), X[:4] * input_scale,
                               Y[:4])
        assert check.n_fail == 0 and check.passed, check


def test_a_large_gradient_claimed_where_the_loss_does_not_move_fails():
    """At weights × 1e3 the true ∂L/∂W^(1) is ~1e-5, far below the resolution; a
    backprop claiming 1e3 there is resolvable (one of the two is large) and wrong."""
    net = scaled(MLP(seed=0), 1e3)

    class Claims(MLP):
        def backward(self, fwd, Y):
            g = super().backward(fwd, Y)
            g.dW[0] = g.dW[0] + 1e3
            return g

    check = gradient_check(Claims.from_params(net.W, net.b), X[:8], Y[:8])
    assert all(r.status == "fail" for r in check.rows[:6]) and check.verdict == "fail"


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
def test_the_error_estimate_bounds_the_actual_error_with_room(activation):
    """|numeric − backprop| stays below half the estimated error (resolution · tol /
    SAFETY) at ordinary weights, one sample at a time: the estimate is not a guess
    that right gradients only just meet."""
    from nncore.gradcheck import SAFETY

    worst = 0.0
    for seed in range(6):
        for i in (0, 50, 100):
            check = gradient_check(MLP(seed=seed, activation=activation), XTR[[i]], YTR[[i]])
            for r in check.rows:
                estimate = r.resolution * check.tol / SAFETY
                worst = max(worst, abs(r.numeric - r.backprop) / estimate)
    assert worst < 0.5


def test_every_single_entry_off_by_1e_minus_5_relative_fails_at_ordinary_weights():
    """Small gradients too (the smallest here is ~5e-3): the comparison is relative,
    with no floor that would hide an error in a small entry."""
    net = MLP(seed=0)
    x, y = XTR[:8], YTR[:8]
    for k in range(net.n_params):

        class OffByOne(MLP):
            def backward(self, fwd, Y, k=k):
                g = super().backward(fwd, Y)
                flat = g.flat()
                flat[k] *= 1.0 + 1e-5
                params = [p for pair in zip(g.dW, g.db) for p in pair]
                i = 0
                for p in params:  # write the flat vector back, in get_flat's order
                    p[...] = flat[i:i + p.size].reshape(p.shape)
                    i += p.size
                return g

        check = gradient_check(OffByOne.from_params(net.W, net.b), x, y)
        assert [r.status for r in check.rows].count("fail") == 1, k
        assert check.rows[k].status == "fail" and check.verdict == "fail"
