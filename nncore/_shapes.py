"""Checks of a network's shapes: its layer widths, a forward pass handed back to backward,
and one sample's column vectors. Every message says what was expected and what was given."""

from __future__ import annotations

import itertools

import numpy as np

from ._checks import as_float_array, check_int, check_values, show

MAX_LAYERS = 1000  # layers with parameters: sizes has at most MAX_LAYERS + 1 entries
MAX_PARAMS = 10_000_000  # weights and biases of one network (80 MB of float64)


def check_sizes(sizes) -> tuple[int, ...]:
    if isinstance(sizes, (str, bytes)):
        raise ValueError(  # noqa: TRY004
            f"sizes must be a sequence of layer widths like (2, 3, 4, 2), got {show(sizes)}"
        )
    try:
        # islice: an endless iterable is refused after MAX_LAYERS + 2 items, not read forever
        given = tuple(itertools.islice(sizes, MAX_LAYERS + 2))
    except TypeError:
        raise ValueError(
            f"sizes must be a sequence of layer widths like (2, 3, 4, 2), got {show(sizes)}"
        ) from None
    if len(given) < 2:
        raise ValueError(
            f"sizes needs at least an input and an output width like (2, 2), got {show(sizes)}"
        )
    if len(given) > MAX_LAYERS + 1:
        raise ValueError(
            f"sizes may have at most {MAX_LAYERS + 1} entries ({MAX_LAYERS} layers), "
            f"got more than {MAX_LAYERS + 1}"
        )
    widths = tuple(check_int(f"sizes[{i}]", s, 1) for i, s in enumerate(given))
    n_params = sum((a + 1) * b for a, b in itertools.pairwise(widths))
    if n_params > MAX_PARAMS:
        raise ValueError(
            f"sizes {widths if len(widths) <= 8 else '(...)'} give {n_params:_} parameters; "
            f"a network may have at most {MAX_PARAMS:_}"
        )
    return widths


def check_forward(name: str, fwd, cls: type, z: str, a: str, sizes: tuple[int, ...]) -> None:
    batch = cls.__name__ == "Forward"  # else SampleForward: columns, not rows
    """``fwd`` must be a ``cls`` computed by a network with these sizes."""
    if not isinstance(fwd, cls):
        raise ValueError(  # noqa: TRY004
            f"{name} must be the {cls.__name__} returned by this network's "
            f"{'forward' if batch else 'forward_sample'}, got {type(fwd).__name__}"
        )
    Zs, As = getattr(fwd, z), getattr(fwd, a)
    if not isinstance(Zs, list) or not isinstance(As, list):
        raise ValueError(f"{name}.{z} and {name}.{a} must be lists of arrays")  # noqa: TRY004
    got = [np.shape(v) for v in As]
    ok = (len(Zs) == len(sizes) - 1 and len(As) == len(sizes) and all(len(g) == 2 for g in got)
          and len({g[0] for g in got} if batch else {g[1] for g in got}) == 1
          and [g[1] if batch else g[0] for g in got] == list(sizes)
          and all(np.shape(v) == np.shape(w) for v, w in zip(Zs, As[1:])))
    if not ok:
        raise ValueError(
            f"{name} must come from a network with sizes {sizes}, got one with "
            f"{len(As)} activation arrays of shapes {got if len(got) <= 8 else '(...)'}"
        )


def as_column(name: str, v, n: int) -> np.ndarray:
    v = as_float_array(name, v)
    if v.shape not in ((n,), (n, 1)):
        raise ValueError(f"{name} must have shape ({n},) or ({n}, 1), got {v.shape}")
    check_values(name, v)
    return v.reshape(n, 1)
