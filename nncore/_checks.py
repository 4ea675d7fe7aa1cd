"""Input validation shared by nncore: every message says what was expected and what was given."""

from __future__ import annotations

import numbers

import numpy as np


def as_matrix(name: str, a, n_cols: int | None = None) -> np.ndarray:
    """Return ``a`` as a finite float64 2-D array, or raise ValueError."""
    try:
        m = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers, got {type(a).__name__}") from exc
    if m.ndim != 2:
        want = f"(N, {n_cols})" if n_cols is not None else "(N, n)"
        raise ValueError(f"{name} must be a 2-D array of shape {want}, got shape {m.shape}")
    if n_cols is not None and m.shape[1] != n_cols:
        raise ValueError(
            f"{name} must have {n_cols} columns (shape (N, {n_cols})), got shape {m.shape}"
        )
    if m.shape[0] < 1:
        raise ValueError(f"{name} must have at least one row, got shape {m.shape}")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"{name} must contain only finite numbers, got NaN or inf")
    return m


def check_int(name: str, v, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
    return int(v)


def check_float(name: str, v, low: float, high: float | None = None, *, low_open=False,
                high_open=True) -> float:
    ok = isinstance(v, numbers.Real) and not isinstance(v, bool) and np.isfinite(v)
    if ok:
        ok = (v > low) if low_open else (v >= low)
    if ok and high is not None:
        ok = (v < high) if high_open else (v <= high)
    if not ok:
        lo = f"{'>' if low_open else '>='} {low}"
        hi = "" if high is None else f" and {'<' if high_open else '<='} {high}"
        raise ValueError(f"{name} must be a finite number {lo}{hi}, got {v!r}")
    return float(v)


def rng_from(seed) -> np.random.Generator:
    """A Generator from an int seed or a Generator; never the global RNG."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(
            f"seed must be a non-negative integer or a numpy Generator, got {seed!r}"
        )
    return np.random.default_rng(int(seed))
