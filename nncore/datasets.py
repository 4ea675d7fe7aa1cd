"""Toy datasets in the plane, for training small networks: five two-class sets and two
regression sets.

    X, Y = make("xor", n=400, noise=0.1, seed=0)
    (Xtr, Ytr), (Xte, Yte) = split(X, Y, test_fraction=0.3, seed=0)

Every generator places its clean points inside the square [-1, 1]^2, so one set
of training defaults (learning rate, initialisation, plot range) suits them all.
``noise`` is the standard deviation of isotropic Gaussian jitter added to the
clean points, in those same [-1, 1] units, so ``noise=0.1`` means the same
amount of blur for every dataset. Noisy points may fall slightly outside the
square.

Labels are one-hot: class 1 -> [1, 0], class 2 -> [0, 1] (the app's names; as indices,
argmax 0 and 1). Class 1 gets n // 2 points and class 2 the rest; rows are shuffled so the classes are interleaved.

The regression sets (:data:`REGRESSION`) give one real target per point instead, Y of
shape (n, 1), computed from the clean point (the jitter blurs the inputs, as above):
"plane" y = (x₁ + x₂)/2, and "gauss", a sum of four Gaussian bumps of height +1 at
(±0.5, ±0.5) where x₁x₂ > 0 and −1 where x₁x₂ < 0 (std 0.25); both lie in [−1, 1].

The spiral is deliberately hard: a 2-3-4-2 network has too little capacity to
separate it well, which is the lesson about capacity.

All randomness comes from ``np.random.default_rng(seed)``; the global NumPy
random state is never used or changed.
"""

import math
import numbers

import numpy as np

MAX_N = 100_000  # beyond this a browser plot and a numpy training loop both crawl
# Points stay far inside float64 and inside nncore's input bound (|x| <= 1e100):
# Gaussian jitter beyond 40 standard deviations has probability ~0.
MAX_NOISE = 1e90


def _jitter(clean, noise, rng):
    # Always draw, even for noise=0, so the same seed gives the same clean points
    # and the same shuffle whatever the noise: only the blur changes.
    return clean + rng.normal(0.0, noise, size=clean.shape)


def _labels(n):
    return np.repeat([0, 1], [n // 2, n - n // 2])


def _polar(r, theta):
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def _xor(n, noise, rng):
    """Four quadrants; class 2 where x1 * x2 > 0, with a 0.1 margin from the axes."""
    labels = _labels(n)
    mag = rng.uniform(0.1, 1.0, size=(n, 2))
    sign = rng.choice([-1.0, 1.0], size=n)
    # Class 0 flips the second sign, so each class is built with exact counts.
    second = np.where(labels == 1, sign, -sign)
    clean = np.column_stack([sign * mag[:, 0], second * mag[:, 1]])
    return _jitter(clean, noise, rng), labels


def _circles(n, noise, rng):
    """Class 1 a disk of radius 0.5, class 2 a ring with radius in [0.7, 1]."""
    labels = _labels(n)
    n0, n1 = n // 2, n - n // 2
    # sqrt of a uniform variable spreads points evenly over area, not radius.
    r_in = 0.5 * np.sqrt(rng.uniform(0.0, 1.0, size=n0))
    r_out = np.sqrt(rng.uniform(0.7**2, 1.0, size=n1))
    theta = rng.uniform(0.0, 2.0 * np.pi, size=n)
    clean = _polar(np.concatenate([r_in, r_out]), theta)
    return _jitter(clean, noise, rng), labels


def _moons(n, noise, rng):
    """Two interleaving half circles, as in scikit-learn's make_moons, rescaled."""
    labels = _labels(n)
    n0, n1 = n // 2, n - n // 2
    upper = _polar(1.0, rng.uniform(0.0, np.pi, size=n0))
    lower = _polar(1.0, rng.uniform(np.pi, 2.0 * np.pi, size=n1)) + [1.0, 0.5]
    # The raw moons span x in [-1, 2], y in [-0.5, 1]; this maps x onto [-1, 1]
    # and centres y in [-0.5, 0.5] with the same scale, so the shape is kept.
    clean = (np.concatenate([upper, lower]) - [0.5, 0.25]) / 1.5
    return _jitter(clean, noise, rng), labels


def _gaussians(n, noise, rng):
    """Blobs with std 0.25 at (-0.5, -0.5) [class 1] and (0.5, 0.5) [class 2]."""
    labels = _labels(n)
    centres = np.where(labels[:, None] == 1, 0.5, -0.5)
    # Clipping keeps the clean points in the common square; noise is added after.
    clean = np.clip(centres + rng.normal(0.0, 0.25, size=(n, 2)), -1.0, 1.0)
    return _jitter(clean, noise, rng), labels


def _spiral(n, noise, rng):
    """Two interleaved Archimedean spirals, radius 0.05 -> 1 over 1.75 turns.

    Class 2 is class 1 rotated by pi. The spiral is deliberately hard: a 2-3-4-2
    network has too little capacity to separate it well, which is the lesson
    about capacity.
    """
    labels = _labels(n)
    t = rng.uniform(0.0, 1.0, size=n)
    theta = 1.75 * 2.0 * np.pi * t + np.pi * labels
    clean = _polar(0.05 + 0.95 * t, theta)
    return _jitter(clean, noise, rng), labels


def _plane(n, noise, rng):
    """A tilted plane: y = (x1 + x2) / 2 over [-1, 1]^2."""
    clean = rng.uniform(-1.0, 1.0, size=(n, 2))
    return _jitter(clean, noise, rng), (clean[:, 0] + clean[:, 1]) / 2.0


_BUMPS = ((-0.5, -0.5, 1.0), (0.5, 0.5, 1.0), (-0.5, 0.5, -1.0), (0.5, -0.5, -1.0))


def _gauss(n, noise, rng):
    """A sum of Gaussian bumps (std 0.25): +1 at (±0.5, ±0.5) with equal signs, −1 else."""
    clean = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = sum(h * np.exp(-((clean[:, 0] - a) ** 2 + (clean[:, 1] - b) ** 2) / (2 * 0.25 ** 2))
            for a, b, h in _BUMPS)
    return _jitter(clean, noise, rng), y


_GENERATORS = {
    "xor": _xor,
    "circles": _circles,
    "moons": _moons,
    "gaussians": _gaussians,
    "spiral": _spiral,
}
NAMES = tuple(_GENERATORS)  # the two-class sets, in menu order for the UI
_REGRESSORS = {"plane": _plane, "gauss": _gauss}
REGRESSION = tuple(_REGRESSORS)  # the regression sets, in menu order


def is_regression(name) -> bool:
    """True for a regression set's name (Y has one column of real targets)."""
    return name in _REGRESSORS


def _show(value):
    # numpy scalars repr as np.int64(3); the plain value is what the user typed.
    if isinstance(value, np.generic):
        value = value.item()
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001  e.g. an int with more than 4300 digits
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def _is_int(value):
    # bool is an int to Python, but n=True or seed=False is a bug, not a choice.
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _finite(value):
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond float range
        return False


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    if _is_int(seed) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise ValueError(
        f"seed must be a non-negative int or a numpy.random.Generator, got {_show(seed)}"
    )


def _check_array(A, label):
    try:
        A = np.asarray(A)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(
            f"{label} must be a numeric array, got {type(A).__name__} that is not one "
            f"(ragged rows?): {exc}"
        ) from None
    if A.dtype.kind not in "biuf":
        raise ValueError(f"{label} must be a numeric array, got dtype {A.dtype}")
    if A.ndim != 2:
        raise ValueError(f"{label} must be a 2-D array, got shape {A.shape}")
    bad = np.argwhere(~np.isfinite(A))
    if len(bad):
        row, col = bad[0]
        raise ValueError(
            f"{label} must contain only finite values, got {A[row, col]} at [{row}, {col}]"
        )
    return A


def make(name, n=400, noise=0.1, seed=0):
    """Generate a dataset in the plane.

    Parameters
    ----------
    name : str
        One of ``NAMES``: "xor", "circles", "moons", "gaussians", "spiral"; or of
        ``REGRESSION``: "plane", "gauss".
    n : int, default=400
        Number of points, 4 <= n <= 100_000. Class 1 gets n // 2, class 2 the rest.
    noise : float, default=0.1
        Standard deviation of the Gaussian jitter, in the units of [-1, 1]^2;
        0 <= noise <= MAX_NOISE (1e90), so X is always finite.
    seed : int or numpy.random.Generator, default=0
        Seed for ``np.random.default_rng``. A Generator is used (and advanced) as is.

    Returns
    -------
    X : ndarray of shape (n, 2), float64
        Point coordinates; clean points lie in [-1, 1]^2 before the jitter.
    Y : ndarray of shape (n, 2), float64
        One-hot labels: class 1 is [1, 0], class 2 is [0, 1]. Rows are shuffled.
        For a regression set, shape (n, 1): the real target of each point.
    """
    if not isinstance(name, str) or name not in _GENERATORS and name not in _REGRESSORS:
        raise ValueError(f"unknown dataset {_show(name)}: expected one of "
                         f"{', '.join(NAMES + REGRESSION)}")
    if not _is_int(n) or n < 4:
        raise ValueError(f"n must be an integer >= 4, got {_show(n)}")
    if n > MAX_N:
        raise ValueError(f"n must be at most {MAX_N}, got {_show(n)}")
    if not _is_real(noise) or not _finite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {_show(noise)}")
    if noise > MAX_NOISE:
        raise ValueError(f"noise must be at most {MAX_NOISE:g}, got {_show(noise)}")
    rng = _rng(seed)
    n = int(n)
    if name in _REGRESSORS:
        X, y = _REGRESSORS[name](n, float(noise) + 0.0, rng)
        return X, y[:, None]  # drawn independently: already in no order
    # + 0.0 turns -0.0 (a valid noise >= 0) into 0.0: numpy refuses a negative-zero scale
    X, labels = _GENERATORS[name](n, float(noise) + 0.0, rng)
    order = rng.permutation(n)
    Y = np.zeros((n, 2))
    Y[np.arange(n), labels] = 1.0
    return X[order], Y[order]


def split(X, Y, test_fraction=0.3, seed=0):
    """Shuffle the rows and split them into a training part and a test part.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Inputs, finite numbers, n >= 2.
    Y : array-like of shape (n, k)
        Targets (for example one-hot labels from ``make``), finite numbers.
    test_fraction : float, default=0.3
        Share of rows for the test part, in (0, 1). The test part gets
        ``round(test_fraction * n)`` rows, clamped so both parts keep at least one.
    seed : int or numpy.random.Generator, default=0
        Seed for the permutation; the same seed gives the same split.

    Returns
    -------
    (X_train, Y_train) : tuple of ndarrays of shapes (n - n_test, d) and (n - n_test, k)
    (X_test, Y_test) : tuple of ndarrays of shapes (n_test, d) and (n_test, k)
        Copies; the inputs are not modified.
    """
    X = _check_array(X, "X")
    Y = _check_array(Y, "Y")
    if len(X) != len(Y):
        raise ValueError(f"X and Y must have the same number of rows, got {len(X)} and {len(Y)}")
    n = len(X)
    if n < 2:
        raise ValueError(f"X must have at least 2 rows to split, got {n}")
    if not _is_real(test_fraction) or not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {_show(test_fraction)}")
    order = _rng(seed).permutation(n)
    n_test = min(max(round(float(test_fraction) * n), 1), n - 1)
    test, train = order[:n_test], order[n_test:]
    # Fancy indexing already copies, so callers may modify the parts freely.
    return (X[train], Y[train]), (X[test], Y[test])
