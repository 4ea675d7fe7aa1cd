"""Input validation shared by nncore: every message says what was expected and what was given.

Data (X, Y, x, y) must be real numbers (bool, int, unsigned or float arrays, or an
object array holding only real numbers), finite and at most :data:`MAX_ABS` in
magnitude; they are converted to float64. Complex numbers, strings, dates and other
objects are refused rather than cast (a cast would drop an imaginary part or parse
text silently). The magnitude bound is what keeps every pass finite: with
|x| ≤ 1e100 and weights of ordinary size no sum in a forward or backward pass can
overflow float64 (~1.8e308), so a NaN or inf can only come from the weights
themselves (training that blew up), which the loss then reports.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

MAX_ABS = 1e100  # largest |value| accepted in X, Y (see the module docstring)
_NUMERIC_KINDS = "biuf"


def show(v, limit: int = 60) -> str:
    """repr(v) for a message, shortened; never raises (huge ints, odd objects)."""
    try:
        text = repr(v)
    except Exception:  # noqa: BLE001  e.g. an int with more than 4300 digits
        text = f"<{type(v).__name__}>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _is_real_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (str, bytes))


def as_float_array(name: str, a) -> np.ndarray:
    """``a`` as a float64 array of real numbers (any shape), or raise ValueError."""
    try:
        raw = np.asarray(a)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{name} must be an array of numbers, got {type(a).__name__}") from exc
    kind = raw.dtype.kind
    if kind == "O":
        bad = next((v for v in raw.flat if not _is_real_number(v)), None)
        if bad is not None:
            raise ValueError(
                f"{name} must be an array of real numbers, got {type(a).__name__} holding "
                f"{show(bad)} of type {type(bad).__name__}"
            )
    elif kind not in _NUMERIC_KINDS:
        raise ValueError(
            f"{name} must be an array of real numbers, got {type(a).__name__} of dtype "
            f"{raw.dtype}"
        )
    try:
        return np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        # e.g. a Python int beyond float64's range in an object array
        raise ValueError(
            f"{name} must contain numbers of magnitude at most {MAX_ABS:g}, got one that "
            "does not fit a float64"
        ) from exc


def check_values(name: str, m: np.ndarray, max_abs: float | None = MAX_ABS) -> np.ndarray:
    """Raise ValueError unless every value of ``m`` is finite (and |v| ≤ max_abs)."""
    if max_abs is not None and bool(np.all(np.abs(m) <= max_abs)):
        return m  # one pass for the usual case (NaN compares False, so it lands below)
    finite = np.isfinite(m)
    if not finite.all():
        where = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise ValueError(
            f"{name} must contain only finite numbers, got NaN or inf "
            f"({m[where]} at {list(where)})"
        )
    if max_abs is not None and m.size:
        big = np.abs(m) > max_abs
        if big.any():
            where = tuple(int(i) for i in np.argwhere(big)[0])
            raise ValueError(
                f"{name} must contain numbers of magnitude at most {max_abs:g}, "
                f"got {m[where]:g} at {list(where)}"
            )
    return m


def as_matrix(name: str, a, n_cols: int | None = None, *,
              max_abs: float | None = MAX_ABS) -> np.ndarray:
    """Return ``a`` as a finite float64 2-D array, or raise ValueError."""
    m = as_float_array(name, a)
    if m.ndim != 2:
        want = f"(N, {n_cols})" if n_cols is not None else "(N, n)"
        raise ValueError(f"{name} must be a 2-D array of shape {want}, got shape {m.shape}")
    if n_cols is not None and m.shape[1] != n_cols:
        raise ValueError(
            f"{name} must have {n_cols} columns (shape (N, {n_cols})), got shape {m.shape}"
        )
    if m.shape[0] < 1:
        raise ValueError(f"{name} must have at least one row, got shape {m.shape}")
    return check_values(name, m, max_abs)


def check_int(name: str, v, low: int, high: int | None = None) -> int:
    if (isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < low
            or (high is not None and v > high)):
        bound = f">= {low}" if high is None else f">= {low} and <= {high:_}"
        raise ValueError(f"{name} must be an integer {bound}, got {show(v)}")
    return int(v)


def check_float(name: str, v, low: float, high: float | None = None, *, low_open=False,
                high_open=True) -> float:
    ok = isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
    if ok:
        try:
            ok = math.isfinite(v)
        except OverflowError:  # an int beyond float range
            ok = False
    if ok:
        ok = (v > low) if low_open else (v >= low)
    if ok and high is not None:
        ok = (v < high) if high_open else (v <= high)
    if not ok:
        lo = f"{'>' if low_open else '>='} {low}"
        hi = "" if high is None else f" and {'<' if high_open else '<='} {high}"
        raise ValueError(f"{name} must be a finite number {lo}{hi}, got {show(v)}")
    return float(v)


def rng_from(seed) -> np.random.Generator:
    """A Generator from an int seed or a Generator; never the global RNG."""
    if isinstance(seed, np.random.Generator):
        return seed
    if (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral)
            or seed < 0):
        raise ValueError(
            f"seed must be a non-negative integer or a numpy Generator, got {show(seed)}"
        )
    return np.random.default_rng(int(seed))
