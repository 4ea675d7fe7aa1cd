"""One colour language for data, neurons and weights, and projector-sized fonts.

Negative values are orange, positive values blue, zero white: a diverging scale
that stays readable for the common kinds of colour blindness (orange/blue, not
red/green). Class 1 (target [1, 0]) is orange and class 2 (target [0, 1]) blue,
so a decision map shaded by ŷ₂ − ŷ₁ uses the very same scale.
"""

from __future__ import annotations

import numpy as np

NEG = "#e66101"  # orange
POS = "#1f78b4"  # blue
ZERO = "#f7f7f7"
INK = "#222222"
MUTED = "#9a9a9a"
HIGHLIGHT = "#111111"
CLASS_COLORS = (NEG, POS)  # class 1, class 2
DIVERGING = [
    [0.0, "#b35806"],
    [0.25, "#f1a340"],
    [0.5, ZERO],
    [0.75, "#67a9cf"],
    [1.0, "#08519c"],
]
FONT = {"family": "DejaVu Sans, Arial, sans-serif", "size": 16, "color": INK}
SMALL_FONT = {**FONT, "size": 14}  # the smallest text on any chart: readable on a projector


def symmetric_range(values, floor: float = 1e-9) -> float:
    """max |v| over finite values (at least ``floor``), for a scale centred on 0."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(max(np.max(np.abs(v)) if v.size else 0.0, floor))


def base_layout(**extra) -> dict:
    """Layout defaults shared by every figure: white background, large fonts."""
    layout = {
        # An empty template: Plotly's default adds ~6.5 KB to every figure sent.
        "template": {},
        "font": FONT,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "hoverlabel": {"font": SMALL_FONT},
    }
    layout.update(extra)
    return layout


def fast_figure(data: list[dict], layout: dict, frames: list[dict] | None = None):
    """A ``go.Figure`` from plain dicts, skipping Plotly's per-property validation.

    Validation costs ~1 ms per trace and ~40 ms for a figure of 30 traces, too slow for
    a live tick; the builders that use this are checked by tests that rebuild their
    output with validation on (``go.Figure(fig.to_dict())``), so a wrong key still fails.
    """
    import plotly.graph_objects as go

    fig = {"data": data, "layout": layout}
    if frames:
        fig["frames"] = frames
    return go.Figure(fig, _validate=False)
