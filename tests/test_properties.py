"""Property-based tests (hypothesis) over nncore's public API, for hostile input.

For every entry point, arguments of any type, shape, dtype and value:

1. it either works or raises ValueError/TypeError whose message names the argument
   (never an IndexError, AttributeError, ZeroDivisionError, OverflowError, numpy
   warning, ...). Every test runs with warnings turned into errors, so a numpy
   RuntimeWarning (overflow, invalid value) on a handled case fails it too;
2. it works exactly when the input is valid (an independent oracle says which), and
   on valid finite input every number it returns is finite, or the non-finiteness is
   signalled (a Trainer stops with ``diverged`` and a message naming γ);
3. nothing hangs: loop arguments beyond nncore's documented caps (MAX_STEPS,
   MAX_PARAMS, MAX_LAYERS, MAX_WORK, datasets.MAX_N) are refused up front, valid loop
   arguments are drawn small, and a SIGALRM watchdog fails any test running > 60 s;
4. valid inputs of other real dtypes (int, float32, float16, bool, object arrays of
   numbers) give exactly the float64 result.

Deterministic for CI: ``derandomize=True`` and no example database.
Run: ``python -m pytest tests/test_properties.py -q -p no:cacheprovider``.
"""

from __future__ import annotations

import itertools
import math
import numbers
import os
import signal
import warnings
from fractions import Fraction

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nncore import (
    ACTIVATIONS,
    MLP,
    Forward,
    Gradients,
    SampleForward,
    Trainer,
    datasets,
    divergence_message,
    get_activation,
    gradient_check,
    relative_error,
    sgd_update,
    train,
)
from nncore import mlp as mlp_module
from nncore._checks import MAX_ABS
from nncore.train import MAX_STEPS

SETTINGS = {
    "deadline": None,  # shared CI cores: the watchdog below bounds the time instead
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much,
                              HealthCheck.data_too_large],
}
FEW, SOME, MANY = 40, 80, 150
WATCHDOG_SECONDS = 60
ACTS = list(ACTIVATIONS)


@pytest.fixture(autouse=True)
def _no_hang_no_warnings():
    """Fail (not hang) after WATCHDOG_SECONDS; any warning is an error.

    The timer then keeps firing every 2 s, so that hypothesis replaying or shrinking a
    hanging example is interrupted too instead of hanging after the first alarm; it only
    raises inside nncore's code, never in hypothesis's or pytest's own machinery."""
    def _timeout(signum, frame):
        f = frame
        while f is not None:
            if f"{os.sep}nncore{os.sep}" in f.f_code.co_filename:
                raise TimeoutError(f"test ran longer than {WATCHDOG_SECONDS} s: a hang")
            f = f.f_back

    old = signal.signal(signal.SIGALRM, _timeout)
    signal.setitimer(signal.ITIMER_REAL, WATCHDOG_SECONDS, 2.0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ----------------------------------------------------------------- helpers
def outcome(call, *names):
    """("ok", value) or ("error", message); any exception other than ValueError /
    TypeError fails the test, and so does a message naming none of ``names``."""
    try:
        return "ok", call()
    except (ValueError, TypeError) as exc:
        message = str(exc)
        assert any(n in message for n in names), (
            f"{type(exc).__name__} message names none of {names}: {message!r}")
        return "error", message


def is_real_scalar(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def fits_float(v) -> bool:
    """An int beyond the float range (10**400) is no float: refused, not an OverflowError."""
    try:
        float(v)
    except OverflowError:
        return False
    return True


def is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def finite_real(v) -> bool:
    if not is_real_scalar(v):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def float_array_or_none(a):
    """The oracle: ``a`` as float64 if it is an array of real numbers, else None."""
    try:
        raw = np.asarray(a)
    except (ValueError, TypeError, OverflowError):
        return None
    if raw.dtype.kind == "O":
        if not all(isinstance(v, numbers.Real) for v in raw.flat):
            return None
    elif raw.dtype.kind not in "biuf":
        return None
    try:
        return raw.astype(np.float64)
    except (ValueError, TypeError, OverflowError):
        return None


def valid_data(a, shape_ok) -> np.ndarray | None:
    m = float_array_or_none(a)
    if m is None or not shape_ok(m.shape):
        return None
    if not np.all(np.isfinite(m)) or (m.size and np.abs(m).max() > MAX_ABS):
        return None
    return m


def valid_matrix(a, n_cols):
    return valid_data(a, lambda s: len(s) == 2 and s[1] == n_cols and s[0] >= 1)


def valid_column(a, n):
    return valid_data(a, lambda s: s in ((n,), (n, 1)))


def all_finite(*arrays) -> bool:
    return all(np.all(np.isfinite(np.asarray(a, dtype=np.float64))) for a in arrays)


def weights_of(net):
    return [w.copy() for w in net.W] + [b.copy() for b in net.b]


def same_weights(net, saved) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(net.W + net.b, saved))


# ----------------------------------------------------------------- strategies
REAL_DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_]
OTHER_DTYPES = [np.complex128, "<U3", "S2", "datetime64[s]", "timedelta64[s]"]

# float values a validator must sort out: NaN, ±inf, huge (1e300, beyond MAX_ABS),
# the bound itself, subnormals, negative zero, ordinary numbers
hostile_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
    st.sampled_from([np.nan, np.inf, -np.inf, 1e300, -1e300, MAX_ABS, -MAX_ABS,
                     np.nextafter(MAX_ABS, np.inf), 5e-324, -0.0, 0.0, 1.0]),
    st.floats(-3.0, 3.0),
)
valid_floats = st.one_of(
    st.floats(-3.0, 3.0),
    st.floats(-MAX_ABS, MAX_ABS, allow_subnormal=True),
    st.sampled_from([MAX_ABS, -MAX_ABS, 5e-324, -0.0, 1e-300]),
)
odd_scalars = st.one_of(
    st.none(), st.booleans(), st.text(max_size=3), st.binary(max_size=2),
    st.complex_numbers(max_magnitude=10), st.integers(-(2 ** 70), 2 ** 70),
    st.just(10 ** 400), st.just(Fraction(1, 3)), st.just(object()),
    st.sampled_from([np.int64(3), np.uint8(2), np.bool_(True), np.float32(0.5),
                     np.float64(np.nan), np.float16(2)]),
)


def valid_array(n_cols: int, max_rows: int = 5):
    rows = st.integers(1, max_rows)
    return st.one_of(
        hnp.arrays(np.float64, st.tuples(rows, st.just(n_cols)), elements=valid_floats),
        hnp.arrays(st.sampled_from(REAL_DTYPES), st.tuples(rows, st.just(n_cols)),
                   elements=None).filter(
            lambda a: np.all(np.isfinite(a)) and np.all(np.abs(a.astype(float)) <= MAX_ABS)),
    )


SPECIALS = [np.nan, np.inf, -np.inf, 1e300, -1e300, float(np.nextafter(MAX_ABS, np.inf)),
            1.7e308]


def _poison(a: np.ndarray, i: int, v: float) -> np.ndarray:
    a = a.astype(np.float64)
    a.flat[i % a.size] = v
    return a


def poisoned(n_cols: int):
    """A valid (N, n_cols) array with one value made NaN, ±inf or too large."""
    return st.builds(_poison, valid_array(n_cols), st.integers(0, 20), st.sampled_from(SPECIALS))


def any_array(n_cols: int):
    """Anything that might be passed as an (N, n_cols) array: near misses mostly."""
    shape_near = st.tuples(st.integers(0, 4), st.sampled_from([n_cols, n_cols, 0, n_cols + 1]))
    any_shape = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
    return st.one_of(
        # one bad value in an otherwise valid array (each value check on its own)
        poisoned(n_cols), poisoned(n_cols),
        # right shape, hostile float values (the finite / magnitude checks)
        hnp.arrays(np.float64, shape_near, elements=hostile_floats),
        hnp.arrays(st.sampled_from([np.float32, np.float16]), shape_near),
        # any real dtype, any shape
        hnp.arrays(st.sampled_from(REAL_DTYPES), st.one_of(shape_near, any_shape)),
        # dtypes that must be refused, not cast
        hnp.arrays(st.sampled_from(OTHER_DTYPES), shape_near),
        # nested lists (possibly ragged) of odd things
        st.lists(st.lists(st.one_of(valid_floats, odd_scalars), max_size=n_cols + 1),
                 max_size=3),
        odd_scalars,
    )


small_sizes = st.lists(st.integers(1, 5), min_size=2, max_size=5).map(tuple)
any_seed = st.one_of(
    st.integers(-5, 2 ** 80), st.integers(-(2 ** 70), -1), st.integers(0, 9),
    st.builds(np.random.default_rng, st.integers(0, 9)),
    st.floats(allow_nan=True), st.sampled_from([np.int64(7), np.uint64(2 ** 64 - 1),
                                                np.int8(-1), np.random.RandomState(0)]),
    odd_scalars,
)


def valid_seed(seed) -> bool:
    return isinstance(seed, np.random.Generator) or (is_int(seed) and seed >= 0)


ANY_ACTIVATION = st.sampled_from(ACTS)


@st.composite
def nets(draw, sizes=small_sizes, activation=ANY_ACTIVATION):
    return MLP(draw(sizes), draw(activation), draw(st.integers(0, 2 ** 32)))


# ================================================================= MLP(...)
any_sizes = st.one_of(
    st.lists(st.integers(-2, 6), max_size=6),
    st.lists(st.one_of(st.integers(1, 4), odd_scalars), min_size=2, max_size=4),
    st.lists(st.integers(1, 4), min_size=2, max_size=4).map(np.array),
    st.lists(st.integers(1, 4), min_size=2, max_size=4).map(lambda v: iter(v)),
    # huge widths: refused by MAX_PARAMS up front instead of a MemoryError (or swapping)
    st.lists(st.one_of(st.integers(1, 4), st.integers(10 ** 5, 2 ** 63)), min_size=2,
             max_size=4),
    st.sampled_from([(2, 10 ** 6, 10 ** 6, 2), (2, 2 ** 62, 2), (1,) * 1002]),
    odd_scalars,
)


def sizes_oracle(sizes):
    if isinstance(sizes, (str, bytes)):
        return None
    try:
        t = tuple(itertools.islice(sizes, 1003))
    except TypeError:
        return None
    if not 2 <= len(t) <= mlp_module.MAX_LAYERS + 1 or not all(is_int(s) and s >= 1 for s in t):
        return None
    if sum((a + 1) * b for a, b in itertools.pairwise(t)) > mlp_module.MAX_PARAMS:
        return None
    return tuple(int(s) for s in t)


@settings(max_examples=MANY, **SETTINGS)
@given(sizes=any_sizes, activation=st.one_of(st.sampled_from(ACTS), odd_scalars,
                                             st.just(["tanh"])), seed=any_seed)
def test_mlp_constructor(sizes, activation, seed):
    expected_sizes = sizes_oracle(sizes)
    if hasattr(sizes, "__next__"):  # an iterator is consumed by the oracle: rebuild it
        sizes = iter(expected_sizes or ())
    valid = (expected_sizes is not None and isinstance(activation, str)
             and activation in ACTIVATIONS and valid_seed(seed))
    kind, net = outcome(lambda: MLP(sizes, activation, seed), "sizes", "activation", "seed")
    assert (kind == "ok") == valid, (kind, net)
    if valid:
        assert net.sizes == expected_sizes and net.activation == activation
        assert all(all_finite(p) and p.dtype == np.float64 for p in net.W + net.b)
        assert [w.shape for w in net.W] == [(b, a) for a, b in itertools.pairwise(net.sizes)]


def test_endless_or_huge_sizes_are_refused_at_once():
    # fixes: tuple(itertools.count()) used to read forever; (2, 1e6, 1e6, 2) asked for 7 TiB
    for sizes in (itertools.count(1), (2, 10 ** 6, 10 ** 6, 2), (1,) * 5000, "232"):
        with pytest.raises(ValueError, match="sizes"):
            MLP(sizes)


@settings(max_examples=FEW, **SETTINGS)
@given(seed=st.one_of(st.integers(0, 2 ** 200), st.sampled_from([np.int64(3), np.uint64(5)])))
def test_any_non_negative_int_seed_is_reproducible(seed):
    a, b = MLP(seed=seed), MLP(seed=seed)
    assert all(np.array_equal(x, y) for x, y in zip(a.W, b.W))


# ================================================================= batch methods
@settings(max_examples=MANY, **SETTINGS)
@given(net=nets(), data=st.data())
def test_forward_predict_any_X(net, data):
    X = data.draw(st.one_of(valid_array(net.sizes[0]), any_array(net.sizes[0])), label="X")
    expected = valid_matrix(X, net.sizes[0])
    kind, fwd = outcome(lambda: net.forward(X), "X")
    assert (kind == "ok") == (expected is not None), (kind, fwd)
    kind2, Y_hat = outcome(lambda: net.predict(X), "X")
    assert kind2 == kind
    if kind == "ok":
        assert fwd.A[0].dtype == np.float64 and np.array_equal(fwd.A[0], expected)
        assert all_finite(*fwd.Z, *fwd.A) and Y_hat.shape == (expected.shape[0], net.sizes[-1])
        assert np.array_equal(Y_hat, fwd.Y_hat)


@settings(max_examples=MANY, **SETTINGS)
@given(net=nets(), data=st.data())
def test_loss_gradients_backward_any_Y(net, data):
    n0, nL = net.sizes[0], net.sizes[-1]
    X = data.draw(st.one_of(valid_array(n0), any_array(n0)), label="X")
    Y = data.draw(st.one_of(valid_array(nL), any_array(nL)), label="Y")
    Xv, Yv = valid_matrix(X, n0), valid_matrix(Y, nL)
    valid = Xv is not None and Yv is not None and Xv.shape[0] == Yv.shape[0]
    kind, loss = outcome(lambda: net.loss(X, Y), "X", "Y")
    assert (kind == "ok") == valid, (kind, loss)
    kind_g, g = outcome(lambda: net.gradients(X, Y), "X", "Y")
    assert kind_g == kind
    if Xv is not None:
        kind_b, g2 = outcome(lambda: net.backward(net.forward(X), Y), "Y")
        assert kind_b == kind
    if valid:
        assert isinstance(loss, float) and math.isfinite(loss) and loss >= 0
        assert math.isclose(g.loss, loss, rel_tol=1e-12, abs_tol=1e-300)
        assert all_finite(g.flat(), *g.delta)
        assert [d.shape for d in g.dW] == [w.shape for w in net.W]
        assert np.array_equal(g.flat(), g2.flat())


@settings(max_examples=SOME, **SETTINGS)
@given(net=nets(), data=st.data(),
       fwd=st.one_of(odd_scalars, st.just(Forward(Z=[], A=[])), st.just("fwd"),
                     st.just(Forward(Z=5, A=None)), st.just(SampleForward(z=[1], a="a")),
                     st.builds(lambda n: MLP((n, 2)).forward(np.ones((2, n))),
                               st.integers(1, 3)),
                     st.builds(lambda n: MLP((2, n)).forward_sample(np.ones(2)),
                               st.integers(1, 3))))
def test_backward_refuses_a_foreign_forward(net, data, fwd):
    """fixes: backward("abc", Y) raised AttributeError, a Forward of another net an
    IndexError or a wrong answer; backward_sample(None, y) an AttributeError."""
    Y = np.zeros((2, net.sizes[-1]))
    own = net.forward(np.ones((2, net.sizes[0])))
    if isinstance(fwd, Forward) and fwd.A and [a.shape for a in fwd.A] == [a.shape for a in own.A]:
        return  # shape-identical to this net's own: a legitimate input
    outcome_kind, message = outcome(lambda: net.backward(fwd, Y), "fwd")
    assert outcome_kind == "error", message
    kind, message = outcome(lambda: net.backward_sample(fwd, Y[0]), "fwd")
    if not (isinstance(fwd, SampleForward) and isinstance(fwd.a, list)
            and [np.shape(a) for a in fwd.a] == [(n, 1) for n in net.sizes]):
        assert kind == "error", message


# ================================================================= one sample
@settings(max_examples=MANY, **SETTINGS)
@given(net=nets(), data=st.data())
def test_forward_backward_sample_any_x_y(net, data):
    n0, nL = net.sizes[0], net.sizes[-1]
    col = lambda n: st.one_of(
        hnp.arrays(st.sampled_from(REAL_DTYPES), st.sampled_from([(n,), (n, 1)])),
        hnp.arrays(np.float64, st.sampled_from([(n,), (n, 1), (1, n), (n + 1,), ()]),
                   elements=hostile_floats),
        any_array(n))
    x, y = data.draw(col(n0), label="x"), data.draw(col(nL), label="y")
    xv, yv = valid_column(x, n0), valid_column(y, nL)
    kind, s = outcome(lambda: net.forward_sample(x), "x")
    assert (kind == "ok") == (xv is not None), (kind, s)
    if kind != "ok":
        return
    assert all_finite(*s.z, *s.a) and s.a[0].shape == (n0, 1)
    kind, gs = outcome(lambda: net.backward_sample(s, y), "y")
    assert (kind == "ok") == (yv is not None), (kind, gs)
    if kind == "ok":
        assert math.isfinite(gs.loss) and all_finite(*gs.dW, *gs.db, *gs.delta)


# ================================================================= finiteness, dtypes
@settings(max_examples=MANY, **SETTINGS)
@given(net=nets(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5).map(tuple)),
       data=st.data())
def test_valid_input_gives_finite_everything(net, data):
    """Property (2): inputs up to ±MAX_ABS (1e100), subnormals included, at the
    network's own (Glorot) weights: every pre-activation, activation, loss and
    gradient is finite, for every activation, and no numpy warning is raised."""
    X = data.draw(valid_array(net.sizes[0]), label="X")
    Y = data.draw(hnp.arrays(np.float64, (X.shape[0], net.sizes[-1]), elements=valid_floats))
    fwd = net.forward(X)
    g = net.backward(fwd, Y)
    assert all_finite(*fwd.Z, *fwd.A, *g.delta, *g.dW, *g.db) and math.isfinite(g.loss)
    s = net.forward_sample(X[0])
    gs = net.backward_sample(s, Y[0])
    assert all_finite(*s.z, *s.a, *gs.dW, *gs.db) and math.isfinite(gs.loss)


@settings(max_examples=SOME, **SETTINGS)
@given(net=nets(), data=st.data(),
       dtype=st.sampled_from([np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_,
                              object, "list"]))
def test_other_real_dtypes_give_the_float64_result(net, data, dtype):
    """Property (4): ints, float32/16, bools, object arrays of numbers and nested lists
    are accepted and converted to float64 (what as_matrix always did)."""
    X = data.draw(hnp.arrays(np.int8, (data.draw(st.integers(1, 4)), net.sizes[0])))
    Y = data.draw(hnp.arrays(np.int8, (X.shape[0], net.sizes[-1])))
    conv = (lambda a: a.tolist()) if dtype == "list" else (lambda a: a.astype(dtype))
    f64 = lambda a: np.array(a, dtype=np.float64)
    Xc, Yc = conv(X), conv(Y)  # uint8, bool wrap or clip the int8 values: compare like for like
    ref = net.forward(f64(Xc))
    got = net.forward(Xc)
    assert got.A[0].dtype == np.float64
    assert all(np.array_equal(a, b) for a, b in zip(got.A, ref.A))
    assert net.loss(Xc, Yc) == net.loss(f64(Xc), f64(Yc))
    assert np.array_equal(net.forward_sample(Xc[0]).a[-1], net.forward_sample(f64(Xc[0])).a[-1])


def test_refused_dtypes_say_so():
    """fixes: complex was cast with a ComplexWarning (imaginary part dropped),
    strings were parsed ("1" -> 1.0), dates counted as numbers."""
    net = MLP()
    for X in (np.ones((2, 2), complex), np.array([["1", "2"]]), [["1", "2"]],
              np.array([[1, 2]], dtype="datetime64[s]"), np.array([["1", 2]], dtype=object)):
        with pytest.raises(ValueError, match="X must be an array of real numbers"):
            net.forward(X)
    with pytest.raises(ValueError, match="x must be an array of real numbers"):
        net.forward_sample([1j, 1])


def test_huge_finite_inputs_are_refused_not_turned_into_nan():
    """fix: X = [[1.7e308, -1.7e308]] overflowed in the matmul (RuntimeWarning, then
    inf - inf = NaN through tanh); |X|, |Y| are now bounded by MAX_ABS = 1e100."""
    net = MLP()
    with pytest.raises(ValueError, match=r"X must contain numbers of magnitude at most 1e\+100"):
        net.forward([[1.7e308, -1.7e308]])
    with pytest.raises(ValueError, match="Y must contain numbers of magnitude"):
        net.loss([[1.0, 1.0]], [[1e300, 0.0]])
    with pytest.raises(ValueError, match="does not fit a float64"):
        net.forward(np.array([[10 ** 400, 1]], dtype=object))
    assert np.isfinite(net.forward([[MAX_ABS, -MAX_ABS]]).A[-1]).all()


# ================================================================= sgd_update
lr_values = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                      st.sampled_from([0, 0.0, -0.1, 1e-320, 1e308, 1e300, 0.1, 10]),
                      st.integers(-3, 10 ** 30), odd_scalars)


@settings(max_examples=MANY, **SETTINGS)
@given(net=nets(), lr=st.one_of(lr_values, st.floats(1e300, 1.7e308)), data=st.data())
def test_sgd_update_any_lr(net, lr, data):
    X = data.draw(valid_array(net.sizes[0]))
    Y = data.draw(hnp.arrays(np.float64, (X.shape[0], net.sizes[-1]), elements=valid_floats))
    g = net.gradients(X, Y)
    before = weights_of(net)
    kind, _ = outcome(lambda: sgd_update(net, g, lr), "lr")
    if kind == "error":
        assert same_weights(net, before), "a refused update must leave the network unchanged"
        return
    assert finite_real(lr) and lr > 0
    assert all_finite(*net.W, *net.b)
    expected = [p - float(lr) * d for p, d in zip(before, g.dW + g.db)]
    assert all(np.array_equal(a, b) for a, b in zip(net.W + net.b, expected))


def test_sgd_update_that_would_overflow_is_refused():
    """fix: lr = 1e308 wrote inf into the weights with an overflow RuntimeWarning."""
    net = MLP(seed=0)
    g = net.gradients([[1.0, 2.0]], [[3.0, -4.0]])
    before = weights_of(net)
    with pytest.raises(ValueError, match="lr = 1e\\+308 times these gradients overflows"):
        sgd_update(net, g, 1e308)
    assert same_weights(net, before)


@settings(max_examples=SOME, **SETTINGS)
@given(net=nets(), grads=st.one_of(
    odd_scalars,
    st.builds(lambda n: MLP((n, 2)).gradients(np.ones((1, n)), np.ones((1, 2))),
              st.integers(1, 4)),
    st.builds(lambda v: Gradients(delta=[], dW=[np.full((1, 1), v)], db=[np.zeros(1)],
                                  loss=0.0), hostile_floats)),
    net_arg=st.one_of(st.just(None), odd_scalars))
def test_sgd_update_foreign_grads_or_net(net, grads, net_arg):
    """fix: sgd_update(net, "x", 0.1) raised AttributeError; grads of another net an
    IndexError or a broadcast error."""
    same = isinstance(grads, Gradients) and [d.shape for d in grads.dW] == [
        w.shape for w in net.W] and [d.shape for d in grads.db] == [v.shape for v in net.b]
    before = weights_of(net)
    kind, _ = outcome(lambda: sgd_update(net, grads, 0.1), "grads")
    assert (kind == "ok") == (same and all_finite(*grads.dW, *grads.db))
    if kind == "error":
        assert same_weights(net, before)
    kind, _ = outcome(lambda: sgd_update(net_arg, grads, 0.1), "net")
    assert kind == "error"


# ================================================================= Trainer
DATA = datasets.make("xor", n=24, noise=0.1, seed=0)
int_args = st.one_of(st.integers(-3, 40), st.integers(MAX_STEPS + 1, 2 ** 80), odd_scalars,
                     st.floats(allow_nan=True))


@settings(max_examples=MANY, **SETTINGS)
@given(lr=lr_values, batch_size=st.one_of(st.integers(-2, 10 ** 30), odd_scalars),
       momentum=st.one_of(st.floats(allow_nan=True), st.sampled_from([0, 0.9, 1, -0.1]),
                          odd_scalars),
       seed=any_seed, max_history=st.one_of(st.integers(-2, 10 ** 12), odd_scalars),
       activation=st.sampled_from(ACTS))
def test_trainer_constructor_any_settings(lr, batch_size, momentum, seed, max_history,
                                          activation):
    X, Y = DATA
    valid = (finite_real(lr) and lr > 0 and is_int(batch_size) and batch_size >= 1
             and finite_real(momentum) and 0 <= momentum < 1 and valid_seed(seed)
             and is_int(max_history) and max_history >= 2)
    net = MLP(activation=activation, seed=1)
    kind, t = outcome(lambda: Trainer(net, X, Y, lr=lr, batch_size=batch_size,
                                      momentum=momentum, seed=seed, max_history=max_history),
                      "lr", "batch_size", "momentum", "seed", "max_history")
    assert (kind == "ok") == valid, (kind, t)
    if kind == "ok":
        taken = t.step(3)
        assert 0 <= taken <= 3 and all_finite(*net.W, *net.b)
        assert t.diverged == bool(t.message) and (taken == 3 or t.diverged)
        if t.diverged:
            assert "γ =" in t.message


@settings(max_examples=MANY, **SETTINGS)
@given(data=st.data())
def test_trainer_any_data(data):
    net = MLP(seed=0)
    X = data.draw(st.one_of(valid_array(2, 6), any_array(2)), label="X")
    Y = data.draw(st.one_of(valid_array(2, 6), any_array(2)), label="Y")
    with_test = data.draw(st.booleans())
    Xt = data.draw(st.one_of(st.none(), valid_array(2), any_array(2))) if with_test else None
    Yt = data.draw(st.one_of(st.none(), valid_array(2), any_array(2))) if with_test else None
    Xv, Yv = valid_matrix(X, 2), valid_matrix(Y, 2)
    valid = Xv is not None and Yv is not None and Xv.shape[0] == Yv.shape[0]
    if Xt is not None or Yt is not None:
        Xtv = valid_matrix(Xt, 2) if Xt is not None else None
        Ytv = valid_matrix(Yt, 2) if Yt is not None else None
        valid = valid and Xtv is not None and Ytv is not None and Xtv.shape[0] == Ytv.shape[0]
    kind, t = outcome(lambda: Trainer(net, X, Y, Xt, Yt, batch_size=2), "X", "Y", "X_test",
                      "Y_test")
    assert (kind == "ok") == valid, (kind, t)
    if kind == "ok":
        t.step(4)
        assert all_finite(*net.W, *net.b)
        for series in (t.history.train_loss, t.history.test_loss):
            assert all(math.isfinite(v) for v in series)
        assert t.diverged == bool(t.message)


@settings(max_examples=MANY, **SETTINGS)
@given(k=int_args, lr=st.sampled_from([0.1, 5.0, 1e3, 1e300]),
       batch_size=st.integers(1, 30), momentum=st.sampled_from([0.0, 0.9]),
       new_lr=lr_values, new_bs=st.one_of(st.integers(-1, 30), odd_scalars),
       new_momentum=st.one_of(st.floats(-0.5, 1.5), odd_scalars))
def test_trainer_step_and_setters(k, lr, batch_size, momentum, new_lr, new_bs, new_momentum):
    """step(k) with k of any type/size; lr up to 1e300 either trains or stops with
    diverged and the message, weights finite (the blown-up step is undone, with no
    numpy warning: the overflow is handled)."""
    X, Y = DATA
    net = MLP(seed=2)
    t = Trainer(net, X, Y, lr=lr, batch_size=batch_size, momentum=momentum, seed=0)
    kind, taken = outcome(lambda: t.step(k), "k")
    assert (kind == "ok") == (is_int(k) and 0 <= k <= MAX_STEPS), (kind, taken)
    if kind == "ok":
        assert 0 <= taken <= k and (taken == k or t.diverged)
    assert all_finite(*net.W, *net.b) and all(math.isfinite(v) for v in t.history.train_loss)
    if t.diverged:
        assert f"γ = {lr:g}" in t.message and "Lower the learning rate" in t.message
    for attr, value, ok in (
            ("lr", new_lr, finite_real(new_lr) and new_lr > 0),
            ("batch_size", new_bs, is_int(new_bs) and new_bs >= 1),
            ("momentum", new_momentum, finite_real(new_momentum) and 0 <= new_momentum < 1)):
        old = getattr(t, attr)
        kind, _ = outcome(lambda: setattr(t, attr, value), attr)  # noqa: B023
        assert (kind == "ok") == ok
        assert getattr(t, attr) == (type(old)(value) if ok else old)
    steps_before = t.steps
    done = t.step_epoch()
    assert t.steps == steps_before + done and all_finite(*net.W, *net.b)


RUN_FOR_VALID = {
    "seconds": st.floats(0, 0.02), "max_steps": st.integers(0, 30),
    "chunk": st.integers(1, 10), "until_epoch": st.one_of(st.none(), st.integers(0, 5)),
}
RUN_FOR_ANY = {
    "seconds": st.one_of(st.floats(allow_nan=True), st.just(math.inf), odd_scalars),
    "max_steps": st.one_of(st.integers(-2, 30), st.integers(MAX_STEPS + 1, 2 ** 70),
                           odd_scalars),
    "chunk": st.one_of(st.integers(-2, 10), odd_scalars),
    "until_epoch": st.one_of(st.none(), st.integers(-2, 5), odd_scalars),
}


@settings(max_examples=SOME, **SETTINGS)
@given(data=st.data(), hostile=st.sampled_from([*RUN_FOR_ANY, "all"]))
def test_run_for_any_arguments(data, hostile):
    """One argument (or all) drawn from anything, the others valid. fixes: run_for(nan)
    ran 1,000,000 steps (``elapsed >= nan`` is never true), chunk=0 spun without
    stepping, strings raised bare TypeErrors."""
    kw = {name: data.draw((RUN_FOR_ANY if hostile in (name, "all") else RUN_FOR_VALID)[name],
                          label=name) for name in RUN_FOR_VALID}
    seconds, max_steps, chunk, until_epoch = (kw[n] for n in RUN_FOR_VALID)
    if seconds == math.inf and is_int(max_steps) and max_steps > 30:
        return  # valid but long (bounded by max_steps): not run here
    X, Y = DATA
    t = Trainer(MLP(seed=0), X, Y, batch_size=4)
    valid = (is_real_scalar(seconds) and (is_int(seconds) or not math.isnan(seconds))
             and seconds >= 0
             and is_int(max_steps) and 0 <= max_steps <= MAX_STEPS
             and is_int(chunk) and chunk >= 1
             and (until_epoch is None or (is_int(until_epoch) and until_epoch >= 0)))
    kind, done = outcome(lambda: t.run_for(**kw), *RUN_FOR_VALID)
    assert (kind == "ok") == valid, (kind, done)
    if kind == "ok":
        assert 0 <= done <= max_steps
        if until_epoch is not None:
            assert t.epoch <= max(until_epoch, 0) or done == 0


def test_trainer_given_a_non_mlp_or_blown_up_net():
    """fixes: Trainer("net", X, Y) raised AttributeError; a net with inf weights gave
    numpy overflow warnings at construction (the divergence is handled, not warned)."""
    X, Y = DATA
    with pytest.raises(ValueError, match="net must be an nncore.MLP"):
        Trainer("net", X, Y)
    net = MLP(seed=0)
    net.W[-1][0, 0] = 1e300  # Ŷ ~ 1e300: the loss overflows to inf
    t = Trainer(net, X, Y)
    assert t.step(5) == 0 and t.diverged and "given to the trainer" in t.message


# ================================================================= train(...)
@settings(max_examples=SOME, **SETTINGS)
@given(epochs=st.one_of(st.integers(-2, 3), st.integers(10 ** 8, 2 ** 80), odd_scalars,
                        st.floats(allow_nan=True)),
       batch_size=st.sampled_from([1, 8, 64]))
def test_train_epochs_are_bounded(epochs, batch_size):
    """fix: train(epochs=10**9) was accepted and would run for days; now any run of
    more than MAX_STEPS mini-batch steps is refused up front."""
    X, Y = DATA
    net = MLP(seed=0)
    steps_per_epoch = -(-X.shape[0] // batch_size)
    valid = is_int(epochs) and 1 <= epochs and epochs * steps_per_epoch <= MAX_STEPS
    kind, hist = outcome(lambda: train(net, X, Y, epochs=epochs, batch_size=batch_size),
                         "epochs")
    assert (kind == "ok") == valid, (kind, hist)
    if kind == "ok":
        assert len(hist.train_loss) == epochs and not hist.diverged
        assert all(math.isfinite(v) for v in hist.train_loss)


# ================================================================= gradient_check
@settings(max_examples=SOME, **SETTINGS)
@given(net=nets(sizes=st.lists(st.integers(1, 3), min_size=2, max_size=3).map(tuple)),
       tol=st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                     st.sampled_from([1e-7, 0, -1, 1e-300]), odd_scalars),
       data=st.data())
def test_gradient_check_any_tol_and_data(net, tol, data):
    """fixes: tol=0 raised ZeroDivisionError, tol='a' a bare TypeError, tol=NaN or
    negative gave a meaningless verdict; Y with other rows than X is refused."""
    n0, nL = net.sizes[0], net.sizes[-1]
    X = data.draw(st.one_of(valid_array(n0, 3), any_array(n0)), label="X")
    Y = data.draw(st.one_of(valid_array(nL, 3), any_array(nL)), label="Y")
    Xv, Yv = valid_matrix(X, n0), valid_matrix(Y, nL)
    valid = (Xv is not None and Yv is not None and Xv.shape[0] == Yv.shape[0]
             and finite_real(tol) and tol > 0)
    kind, check = outcome(lambda: gradient_check(net, X, Y, tol), "X", "Y", "tol")
    assert (kind == "ok") == valid, (kind, check)
    if kind == "ok":
        assert len(check.rows) == net.n_params and math.isfinite(check.loss)
        assert check.verdict in ("pass", "fail", "unresolvable")
        assert all(r.status == "unresolvable" or math.isfinite(r.rel_error)
                   for r in check.rows)


def test_gradient_check_refuses_hours_of_work_and_foreign_nets():
    with pytest.raises(ValueError, match="net must be an nncore.MLP"):
        gradient_check("net", [[1.0, 2.0]], [[1.0, 0.0]])
    big = MLP((2, 1000, 2), seed=0)  # 5002 parameters: 25e6 × 1000 rows = hours
    with pytest.raises(ValueError, match=r"n_params² × N"):
        gradient_check(big, np.zeros((1000, 2)), np.zeros((1000, 2)))


@settings(max_examples=SOME, **SETTINGS)
@given(a=st.one_of(hostile_floats, odd_scalars), n=st.one_of(hostile_floats, odd_scalars),
       floor=st.one_of(st.floats(allow_nan=True), st.sampled_from([0, 0.0, -1, 1e-4]),
                       odd_scalars))
def test_relative_error_any_arguments(a, n, floor):
    valid = (is_real_scalar(a) and is_real_scalar(n) and fits_float(a) and fits_float(n)
             and finite_real(floor) and floor > 0)
    kind, r = outcome(lambda: relative_error(a, n, floor), "a", "n", "floor")
    assert (kind == "ok") == valid, (kind, r)
    if kind == "ok" and finite_real(a) and finite_real(n):
        assert math.isfinite(r) and r >= 0


@settings(max_examples=SOME, **SETTINGS)
@given(loss=st.one_of(hostile_floats, odd_scalars), lr=st.one_of(hostile_floats, odd_scalars),
       batch_size=st.one_of(st.integers(1, 100), odd_scalars),
       where=st.one_of(st.text(max_size=5), odd_scalars))
def test_divergence_message_any_arguments(loss, lr, batch_size, where):
    valid = (is_real_scalar(loss) and is_real_scalar(lr) and is_int(batch_size)
             and isinstance(where, str))
    kind, text = outcome(lambda: divergence_message(loss, lr=lr, batch_size=batch_size,
                                                    momentum=0.9, where=where),
                         "loss", "lr", "batch_size", "where")
    assert (kind == "ok") == valid, (kind, text)
    if kind == "ok":
        assert text.startswith("Training diverged") and "learning rate" in text


@settings(max_examples=FEW, **SETTINGS)
@given(name=st.one_of(st.sampled_from(ACTS), odd_scalars, st.just(["tanh"])))
def test_get_activation_any_name(name):
    kind, _ = outcome(lambda: get_activation(name), "activation")
    assert (kind == "ok") == (isinstance(name, str) and name in ACTIVATIONS)


# ================================================================= datasets
@settings(max_examples=MANY, **SETTINGS)
@given(name=st.one_of(st.sampled_from(datasets.NAMES), odd_scalars),
       n=st.one_of(st.integers(-2, 300), st.integers(datasets.MAX_N + 1, 2 ** 80),
                   odd_scalars),
       noise=st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                       st.sampled_from([0, 0.1, 1e90, 1e91, 1e300, 1e308, -0.0]),
                       odd_scalars),
       seed=any_seed)
def test_make_any_arguments(name, n, noise, seed):
    """fix: noise = 1e308 was accepted and could return inf points."""
    valid = (isinstance(name, str) and name in datasets.NAMES and is_int(n)
             and 4 <= n <= datasets.MAX_N and finite_real(noise) and 0 <= noise
             and noise <= datasets.MAX_NOISE and valid_seed(seed))
    kind, made = outcome(lambda: datasets.make(name, n, noise, seed),
                         "dataset", "n", "noise", "seed")
    assert (kind == "ok") == valid, (kind, made)
    if kind == "ok":
        X, Y = made
        assert X.shape == Y.shape == (n, 2) and X.dtype == Y.dtype == np.float64
        assert np.isfinite(X).all() and np.abs(X).max() <= MAX_ABS
        assert np.array_equal(Y.sum(axis=1), np.ones(n))
        valid_matrix(X, 2)  # usable for training as it is


@settings(max_examples=SOME, **SETTINGS)
@given(name=st.sampled_from(datasets.NAMES), n=st.integers(4, 60),
       noise=st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                       st.floats(1e80, 1.7e308), st.integers(-2, 2 ** 1100)),
       seed=st.integers(0, 2 ** 64))
def test_make_any_noise(name, n, noise, seed):
    """Every finite noise up to MAX_NOISE gives finite points within nncore's input
    bound; beyond it (1e300 used to give inf points) a ValueError naming noise."""
    valid = finite_real(noise) and 0 <= noise <= datasets.MAX_NOISE
    kind, made = outcome(lambda: datasets.make(name, n, noise, seed), "noise")
    assert (kind == "ok") == valid, (kind, made)
    if kind == "ok":
        assert valid_matrix(made[0], 2) is not None


def test_make_negative_zero_noise_is_zero_noise():
    """fix (found by test_make_any_noise): noise=-0.0 passed the ``noise < 0`` check and
    numpy's normal() then raised "scale < 0", a message naming no argument."""
    X, Y = datasets.make("moons", n=10, noise=-0.0, seed=3)
    X0, Y0 = datasets.make("moons", n=10, noise=0.0, seed=3)
    assert np.array_equal(X, X0) and np.array_equal(Y, Y0)


@settings(max_examples=MANY, **SETTINGS)
@given(data=st.data(), test_fraction=st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, 1, 0.5, 1e-9]),
    odd_scalars), seed=any_seed)
def test_split_any_arguments(data, test_fraction, seed):
    X = data.draw(st.one_of(valid_array(2, 6), any_array(2)), label="X")
    Y = data.draw(st.one_of(valid_array(2, 6), any_array(2)), label="Y")

    def ok(a):  # split shuffles any finite real 2-D array (no magnitude bound)
        m = float_array_or_none(a)
        raw = np.asarray(a) if m is not None else None
        return (m is not None and raw.dtype.kind in "biuf" and m.ndim == 2
                and np.isfinite(m).all())

    valid = (ok(X) and ok(Y) and len(X) == len(Y) and len(X) >= 2
             and is_real_scalar(test_fraction) and 0 < test_fraction < 1 and valid_seed(seed))
    kind, parts = outcome(lambda: datasets.split(X, Y, test_fraction, seed),
                          "X", "Y", "test_fraction", "seed")
    assert (kind == "ok") == valid, (kind, parts)
    if kind == "ok":
        (Xtr, Ytr), (Xte, Yte) = parts
        assert len(Xtr) >= 1 and len(Xte) >= 1 and len(Xtr) + len(Xte) == len(X)
        assert len(Xtr) == len(Ytr) and len(Xte) == len(Yte)


def test_split_refuses_ragged_rows_by_name():
    """fix: a ragged X raised numpy's "setting an array element with a sequence"."""
    with pytest.raises(ValueError, match="X must be a numeric array"):
        datasets.split([[1, 2], [3]], [[1, 0], [0, 1]])


# ================================================================= copy
@settings(max_examples=SOME, **SETTINGS)
@given(net=nets(), data=st.data())
def test_copy_is_equal_and_independent(net, data):
    X = data.draw(valid_array(net.sizes[0]))
    twin = net.copy()
    assert twin.sizes == net.sizes and twin.activation == net.activation
    assert np.array_equal(twin.predict(X), net.predict(X))
    twin.W[0][...] += 1.0
    assert not np.array_equal(twin.W[0], net.W[0])


@settings(max_examples=SOME, **SETTINGS)
@given(data=st.data(), activation=st.one_of(st.sampled_from(ACTS), odd_scalars))
def test_from_params_any_arrays(data, activation):
    """MLP.from_params (and so copy, and loading saved weights): W and b of any shapes,
    dtypes and values. Weights are not bounded by MAX_ABS (a blown-up net may be
    copied), only required finite and real."""
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    W = [data.draw(st.one_of(
        hnp.arrays(st.sampled_from(REAL_DTYPES), (b, a)),
        hnp.arrays(np.float64, (b, a), elements=hostile_floats),
        any_array(a)), label=f"W[{q}]") for q, (a, b) in enumerate(itertools.pairwise(sizes))]
    bs = [data.draw(st.one_of(
        hnp.arrays(np.float64, st.sampled_from([(n,), (n, 1), (n + 1,)]),
                   elements=hostile_floats),
        any_array(1)), label=f"b[{q}]") for q, n in enumerate(sizes[1:])]
    wrap = data.draw(st.sampled_from([list, tuple, lambda v: v[:-1], lambda v: iter(v)]))
    W_arg, b_arg = wrap(W), wrap(bs) if data.draw(st.booleans()) else bs
    kind, net = outcome(lambda: MLP.from_params(W_arg, b_arg, activation),
                        "W", "b", "activation")
    if kind == "ok":
        assert isinstance(activation, str) and activation in ACTIVATIONS
        assert all(all_finite(p) and p.dtype == np.float64 for p in net.W + net.b)
        assert [w.shape for w in net.W] == [(b, a) for a, b in itertools.pairwise(net.sizes)]
        assert [v.shape for v in net.b] == [(n,) for n in net.sizes[1:]]
        twin = net.copy()
        assert all(np.array_equal(a, b) for a, b in zip(twin.W + twin.b, net.W + net.b))


def test_trainer_refuses_buffers_beyond_memory():
    """A Trainer's buffers hold rows × Σ sizes floats several times over: 10^6 rows
    for a 2-1000-1000-2 net (16 GB) is refused up front rather than swapping."""
    net = MLP((2, 1000, 1000, 2), seed=0)
    X = np.broadcast_to(np.zeros(2), (1_000_000, 2))
    Y = np.broadcast_to(np.zeros(2), (1_000_000, 2))
    with pytest.raises(ValueError, match="too large for a network"):
        Trainer(net, X, Y)
