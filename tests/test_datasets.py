import numpy as np
import pytest

from nncore import datasets

ALL = datasets.NAMES


def test_names_are_the_menu_in_order():
    assert datasets.NAMES == ("xor", "circles", "moons", "gaussians", "spiral")


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("n", [4, 5, 401])
def test_shapes_dtype_one_hot_and_exact_balance(name, n):
    X, Y = datasets.make(name, n=n, noise=0.1, seed=0)
    assert X.shape == (n, 2) and Y.shape == (n, 2)
    assert X.dtype == np.float64 and Y.dtype == np.float64
    assert set(np.unique(Y)) <= {0.0, 1.0}
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    assert Y[:, 0].sum() == n // 2
    assert Y[:, 1].sum() == n - n // 2


@pytest.mark.parametrize("name", ALL)
def test_rows_are_shuffled_so_classes_interleave(name):
    _, Y = datasets.make(name, n=200, noise=0.0, seed=0)
    labels = Y.argmax(axis=1)
    assert 0 < labels[:100].sum() < 100


@pytest.mark.parametrize("name", ALL)
def test_clean_points_lie_in_the_common_square(name):
    X, _ = datasets.make(name, n=2000, noise=0.0, seed=1)
    assert np.all(np.abs(X) <= 1.0)


@pytest.mark.parametrize("name", ALL)
def test_same_seed_same_data_different_seed_different_data(name):
    X1, Y1 = datasets.make(name, n=100, noise=0.1, seed=7)
    X2, Y2 = datasets.make(name, n=100, noise=0.1, seed=7)
    X3, _ = datasets.make(name, n=100, noise=0.1, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", ALL)
def test_generator_seed_matches_int_seed(name):
    X1, Y1 = datasets.make(name, n=50, seed=np.random.default_rng(3))
    X2, Y2 = datasets.make(name, n=50, seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)


def test_global_random_state_is_untouched():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    for name in ALL:
        datasets.make(name, n=20, seed=0)
    datasets.split(np.zeros((10, 2)), np.zeros((10, 2)), seed=0)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


@pytest.mark.parametrize("name", ALL)
def test_noise_is_gaussian_jitter_of_the_given_std(name):
    # The same seed gives the same clean points and shuffle whatever the noise,
    # so the difference is exactly the jitter.
    X0, Y0 = datasets.make(name, n=4000, noise=0.0, seed=5)
    X3, Y3 = datasets.make(name, n=4000, noise=0.3, seed=5)
    np.testing.assert_array_equal(Y0, Y3)
    jitter = X3 - X0
    assert np.all(np.abs(jitter.mean(axis=0)) < 0.03)
    np.testing.assert_allclose(jitter.std(axis=0), 0.3, rtol=0.05)


def test_xor_labels_follow_the_sign_rule():
    X, Y = datasets.make("xor", n=1000, noise=0.0, seed=0)
    same_sign = X[:, 0] * X[:, 1] > 0
    np.testing.assert_array_equal(Y[:, 1] == 1.0, same_sign)
    assert np.all(np.abs(X) >= 0.1)


def test_xor_margin_keeps_noise_0_1_mostly_separable():
    X, Y = datasets.make("xor", n=4000, noise=0.1, seed=0)
    accuracy = np.mean((X[:, 0] * X[:, 1] > 0) == (Y[:, 1] == 1.0))
    assert accuracy > 0.96


def test_circles_radii_are_separated():
    X, Y = datasets.make("circles", n=1000, noise=0.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    inner, outer = r[Y[:, 0] == 1.0], r[Y[:, 1] == 1.0]
    assert inner.max() <= 0.5
    assert outer.min() >= 0.7 and outer.max() <= 1.0


def test_moons_lie_on_the_rescaled_half_circles():
    X, Y = datasets.make("moons", n=500, noise=0.0, seed=0)
    raw = X * 1.5 + [0.5, 0.25]
    upper, lower = raw[Y[:, 0] == 1.0], raw[Y[:, 1] == 1.0] - [1.0, 0.5]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(*lower.T), 1.0)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 0)


def test_gaussian_blobs_sit_on_their_centres():
    X, Y = datasets.make("gaussians", n=4000, noise=0.0, seed=0)
    np.testing.assert_allclose(X[Y[:, 0] == 1.0].mean(axis=0), -0.5, atol=0.03)
    np.testing.assert_allclose(X[Y[:, 1] == 1.0].mean(axis=0), 0.5, atol=0.03)


def test_spiral_arms_are_rotations_of_each_other():
    X, Y = datasets.make("spiral", n=1000, noise=0.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.min() >= 0.05 - 1e-12 and r.max() <= 1.0 + 1e-12
    # On an Archimedean arm the angle is fixed by the radius; class 1 is pi further on.
    turn = 1.75 * 2 * np.pi * (r - 0.05) / 0.95 + np.pi * Y[:, 1]
    np.testing.assert_allclose(np.cos(turn), X[:, 0] / r, atol=1e-9)
    np.testing.assert_allclose(np.sin(turn), X[:, 1] / r, atol=1e-9)


@pytest.mark.parametrize(
    ("n", "test_fraction", "n_test"),
    [(100, 0.3, 30), (10, 0.25, 2), (2, 0.5, 1), (5, 0.01, 1), (5, 0.99, 4)],
)
def test_split_sizes(n, test_fraction, n_test):
    X = np.arange(2 * n, dtype=float).reshape(n, 2)
    Y = np.eye(2)[np.arange(n) % 2]
    (Xtr, Ytr), (Xte, Yte) = datasets.split(X, Y, test_fraction=test_fraction, seed=0)
    assert Xte.shape == (n_test, 2) and Yte.shape == (n_test, 2)
    assert Xtr.shape == (n - n_test, 2) and Ytr.shape == (n - n_test, 2)


def test_split_is_a_disjoint_permutation_of_the_rows():
    X, Y = datasets.make("moons", n=101, seed=0)
    (Xtr, Ytr), (Xte, Yte) = datasets.split(X, Y, test_fraction=0.3, seed=1)
    rows = np.hstack([X, Y])
    parts = np.vstack([np.hstack([Xtr, Ytr]), np.hstack([Xte, Yte])])
    assert len(parts) == len(rows)
    np.testing.assert_array_equal(np.unique(parts, axis=0), np.unique(rows, axis=0))
    assert len(np.unique(rows, axis=0)) == len(rows)  # otherwise the check above is weak


def test_split_is_deterministic_and_returns_copies():
    X, Y = datasets.make("xor", n=50, seed=0)
    X_before = X.copy()
    first = datasets.split(X, Y, seed=4)
    second = datasets.split(X, Y, seed=np.random.default_rng(4))
    other = datasets.split(X, Y, seed=5)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(first[1][0], other[1][0])
    first[0][0][:] = 99.0
    np.testing.assert_array_equal(X, X_before)


def _with(row, col, value):
    A = np.zeros((10, 2))
    A[row, col] = value
    return A


def _make_case(expected, given, **kwargs):
    case_id = f"make {'/'.join(kwargs)}: {given}"
    return pytest.param(datasets.make, {"name": "xor", **kwargs}, expected, given, id=case_id)


def _split_case(expected, given, **kwargs):
    case_id = f"split {'/'.join(kwargs)}: {given}"
    kwargs = {"X": np.zeros((10, 2)), "Y": np.zeros((10, 2)), **kwargs}
    return pytest.param(datasets.split, kwargs, expected, given, id=case_id)


EXPECT_NAME = "expected one of xor, circles, moons, gaussians, spiral"
EXPECT_N = "n must be an integer >= 4"
EXPECT_NOISE = "noise must be a finite number >= 0"
EXPECT_SEED = "seed must be a non-negative int or a numpy.random.Generator"
EXPECT_FRACTION = "test_fraction must be in (0, 1)"
EXPECT_FINITE = "must contain only finite values"

BAD_INPUTS = [
    _make_case(EXPECT_NAME, "unknown dataset 'xorr'", name="xorr"),
    _make_case(EXPECT_NAME, "unknown dataset 'XOR'", name="XOR"),
    _make_case(EXPECT_NAME, "unknown dataset None", name=None),
    _make_case(EXPECT_N, "got 1", n=1),
    _make_case(EXPECT_N, "got 3", n=np.int64(3)),
    _make_case(EXPECT_N, "got 10.0", n=10.0),
    _make_case(EXPECT_N, "got '10'", n="10"),
    _make_case(EXPECT_N, "got True", n=True),
    _make_case("n must be at most 100000", "got 100001", n=100_001),
    _make_case(EXPECT_NOISE, "got -0.5", noise=-0.5),
    _make_case(EXPECT_NOISE, "got nan", noise=float("nan")),
    _make_case(EXPECT_NOISE, "got inf", noise=float("inf")),
    _make_case(EXPECT_NOISE, "got '0.1'", noise="0.1"),
    _make_case(EXPECT_NOISE, "got False", noise=False),
    _make_case(EXPECT_SEED, "got 1.5", seed=1.5),
    _make_case(EXPECT_SEED, "got None", seed=None),
    _make_case(EXPECT_SEED, "got True", seed=True),
    _make_case(EXPECT_SEED, "got -1", seed=-1),
    _make_case(EXPECT_SEED, "got RandomState", seed=np.random.RandomState(0)),
    _split_case(EXPECT_FRACTION, "got 1.5", test_fraction=1.5),
    _split_case(EXPECT_FRACTION, "got 0", test_fraction=0),
    _split_case(EXPECT_FRACTION, "got 1.0", test_fraction=1.0),
    _split_case(EXPECT_FRACTION, "got nan", test_fraction=float("nan")),
    _split_case(EXPECT_FRACTION, "got True", test_fraction=True),
    _split_case(EXPECT_SEED, "got '0'", seed="0"),
    _split_case("X and Y must have the same number of rows", "got 10 and 9", Y=np.zeros((9, 2))),
    _split_case("X must be a 2-D array", "got shape (3,)", X=np.zeros(3), Y=np.zeros(3)),
    _split_case("X must be a 2-D array", "got shape (10, 2, 1)", X=np.zeros((10, 2, 1))),
    _split_case("Y must be a 2-D array", "got shape (10,)", Y=np.zeros(10)),
    _split_case("X must be a numeric array", "got dtype <U1", X=[["a", "b"]], Y=[[1, 0]]),
    _split_case("at least 2 rows", "got 1", X=np.zeros((1, 2)), Y=np.zeros((1, 2))),
    _split_case("X " + EXPECT_FINITE, "got nan at [3, 1]", X=_with(3, 1, np.nan)),
    _split_case("X " + EXPECT_FINITE, "got -inf at [0, 0]", X=_with(0, 0, -np.inf)),
    _split_case("Y " + EXPECT_FINITE, "got inf at [9, 0]", Y=_with(9, 0, np.inf)),
]


@pytest.mark.parametrize(("func", "kwargs", "expected", "given"), BAD_INPUTS)
def test_bad_input_says_what_was_expected_and_what_was_given(func, kwargs, expected, given):
    with pytest.raises(ValueError) as info:
        func(**kwargs)
    message = str(info.value)
    assert expected in message
    assert given in message
