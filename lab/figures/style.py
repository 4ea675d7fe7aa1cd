"""One colour language for data, neurons and weights, and projector-sized fonts.

Negative values are orange, positive values blue, zero white: a diverging scale
that stays readable for the common kinds of colour blindness (orange/blue, not
red/green). Class 1 (target [1, 0]) is orange and class 2 (target [0, 1]) blue,
so a decision map shaded by ŷ₂ − ŷ₁ uses the very same scale; the classes also differ
in shape (circles and squares), never told apart by colour alone.

Text on a coloured fill is black or white, whichever contrasts more (:func:`ink_on`):
for every colour of the scale that is at least 4.58:1 (WCAG AA asks 4.5), the worst
case being a fill of luminance 0.179, where black and white tie.
"""

from __future__ import annotations

import numpy as np

NEG = "#e66101"  # orange
POS = "#1f78b4"  # blue
ZERO = "#f7f7f7"
INK = "#222222"
HIGHLIGHT = "#111111"
CLASS_COLORS = ("#c25400", "#1f5f9e")  # class 1, class 2: ≥ 4.5:1 on white as text
CLASS_SYMBOLS = ("circle", "square")  # class 1, class 2
DIVERGING = [
    [0.0, "#b35806"],
    [0.25, "#f1a340"],
    [0.5, ZERO],
    [0.75, "#67a9cf"],
    [1.0, "#08519c"],
]
FONT = {"family": "DejaVu Sans, Arial, sans-serif", "size": 16, "color": INK}
SMALL_FONT = {**FONT, "size": 14}  # the smallest text on any chart: readable on a projector


def luminance(color: str) -> float:
    """WCAG relative luminance (0 black … 1 white) of "#rrggbb" or "rgb(r, g, b)"."""
    if color.startswith("#"):
        rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    else:
        rgb = [float(v) for v in color[color.index("(") + 1:color.index(")")].split(",")[:3]]
    lin = [(c / 255) / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
           for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours, 1 … 21."""
    la, lb = sorted((luminance(a), luminance(b)))
    return (lb + 0.05) / (la + 0.05)


def ink_on(fill_color: str) -> str:
    """Black or white text, whichever contrasts more with ``fill_color``."""
    return "#000000" if contrast(fill_color, "#000000") >= contrast(fill_color, "#ffffff") \
        else "#ffffff"


def fill(t: float) -> str:
    """The scale's colour for t in [−1, 1] (clipped): −1 dark orange, 0 white, +1 dark blue."""
    from plotly.colors import sample_colorscale

    return sample_colorscale(DIVERGING, [0.5 + 0.5 * float(np.clip(t, -1.0, 1.0))])[0]


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
