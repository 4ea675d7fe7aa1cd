"""Training curves over epochs: loss, accuracy, and the gradient flow through the layers.

Inputs are the per-epoch lists of ``nncore.History`` (or any arrays of the same shape).
Non-finite points are dropped, never sent: Plotly's JSON would carry NaN (invalid
JSON) or break a log axis. Long series are thinned to a few hundred points by keeping
each bucket's minimum and maximum, so spikes survive while the payload stays small;
values go out as float32, which Plotly serialises as base64. Measured with
``len(fig.to_json())`` for ~700 recorded epochs, with the default thinning (150 points
a line, 100 for the gradient flow): loss ≈ 5 KB, accuracy ≈ 4.5 KB, gradient flow
(2-3-4-2 net) ≈ 9 KB: together with the maps, within the live tick's 60 KB budget.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style

SUP = str.maketrans("0123456789()-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁻")
# Line styles for series that are not classes or signs: shades of the style's greys
# (orange and blue already mean class 1/2 and negative/positive) plus dash patterns.
_DASHES = ("solid", "dash", "dot", "dashdot", "longdash")
_LEGEND_TOP = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom",
               "font": style.SMALL_FONT}


def _axis(title: str = "", **extra) -> dict:
    # Fixed margins make room for tick labels: automargin would make Plotly lay every
    # live redraw out twice, and each chart's redraw is the live view's bottleneck.
    return {"title": {"text": title, "font": style.FONT, "standoff": 6},
            "tickfont": style.SMALL_FONT, **extra}


def _layout(uirevision: str, **extra) -> dict:
    # A constant uirevision keeps the viewer's zoom and legend clicks across live updates;
    # the empty template saves the ~6.5 KB Plotly's default one adds to every update.
    # showlegend: Plotly hides a one-trace legend, yet "train" must be named without a test set.
    return style.base_layout(template={}, uirevision=uirevision,
                             legend=_LEGEND_TOP, showlegend=True, **extra)


def _epoch_axis(epoch, title: str = "epoch") -> dict:
    e = np.asarray(epoch, dtype=np.float64)
    e = e[np.isfinite(e)]
    few = e.size > 0 and e.max() - e.min() < 10  # else Plotly ticks epoch 1.5, 2.5, …
    return _axis(title, zeroline=False, **({"dtick": 1} if few else {}))


def _shade(i: int, n: int) -> str:
    """Grey i of n, from style.INK (first) to style.MUTED (last)."""
    ink, muted = (np.array([int(c[k:k + 2], 16) for k in (1, 3, 5)])
                  for c in (style.INK, style.MUTED))
    rgb = ink + (muted - ink) * (i / max(n - 1, 1))
    return "#" + "".join(f"{round(float(v)):02x}" for v in rgb)


def _log_ticks(values) -> dict:
    """Tick values and full-size labels for a log axis. Plotly's own log ticks print the
    2s and 5s between decades in a smaller font than the 14 px every label here needs.
    Under half a decade: evenly spaced "nice" ticks; under one: 1-1.5-2-3-5-7 × 10ᵏ;
    up to 2.5 decades: 1-2-5 × 10ᵏ; longer spans: about six decades."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return {}
    lo, hi = v.min(), v.max()
    span = np.log10(hi / lo)
    if span < 0.5:
        step = 10.0 ** np.floor(np.log10(max(hi - lo, hi * 1e-6) / 4))
        step *= next(m for m in (1, 2, 5, 10) if (hi - lo) / (m * step) <= 5)
        ticks = np.arange(np.floor(lo / step), np.ceil(hi / step) + 1) * step
        ticks = ticks[ticks > 0]
    else:
        k0, k1 = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
        every = max(1, -(-(k1 - k0) // 6))
        mantissas = (1, 1.5, 2, 3, 5, 7) if span < 1 else (1, 2, 5) if span <= 2.5 else (1,)
        ticks = np.array([m * 10.0 ** k for k in range(k0, k1 + 1, every) for m in mantissas])
    return {"tickvals": ticks.tolist(), "ticktext": [_tick_text(t) for t in ticks]}


def _tick_text(t: float) -> str:
    k = int(np.floor(np.log10(t) + 1e-9))
    if -3 <= k < 4:
        return f"{t:.4g}"
    m = f"{t / 10.0 ** k:.3g}"
    return ("" if m == "1" else m + "·") + "10" + str(k).translate(SUP)


def _thin(y: np.ndarray, max_points: int) -> np.ndarray:
    """Indices to keep: first, last, and each bucket's min and max (≤ max_points + 2)."""
    if y.size <= max_points:
        return np.arange(y.size)
    keep = {0, y.size - 1}
    for b in np.array_split(np.arange(y.size), max(max_points // 2, 1)):
        keep.update((b[np.argmin(y[b])], b[np.argmax(y[b])]))
    return np.array(sorted(keep))


def _series(epoch, values, name: str, *, positive: bool = False, max_points: int = 300):
    """(x, y) float32, finite (and > 0 when ``positive``, for a log axis), thinned."""
    x = np.asarray(epoch, dtype=np.float64).ravel()
    y = np.asarray(values, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"{name} must have one value per epoch ({x.size}), got {y.size}")
    ok = np.isfinite(x) & np.isfinite(y) & ((y > 0) if positive else True)
    x, y = x[ok], y[ok]
    idx = _thin(y, max_points)
    return x[idx].astype(np.float32), y[idx].astype(np.float32)


def _train_test(layout, epoch, pairs, *, positive=False, hover="%{y:.4g}", max_points=300):
    drawn, data = [np.zeros(0)], []
    for name, values, colour, dash in zip(("train", "test"), pairs, (style.INK, style.MUTED),
                                          ("solid", "dash")):
        if len(values) == 0:  # no test set: train only
            continue
        x, y = _series(epoch, values, f"{name} values", positive=positive,
                       max_points=max_points)
        drawn.append(y)
        data.append({
            "type": "scatter", "x": x, "y": y, "mode": "lines", "name": name,
            "line": {"color": colour, "dash": dash, "width": 3},
            "hovertemplate": f"{name}, epoch %{{x:.0f}}: {hover}<extra></extra>",
        })
    if positive:
        layout["yaxis"].update(_log_ticks(np.concatenate(drawn)))
    return style.fast_figure(data, layout)


def loss_figure(epoch, train_loss, test_loss, *, log_y: bool = False,
                max_points: int = 100) -> go.Figure:
    """Loss L per epoch: train solid, test dashed (omitted when ``test_loss`` is empty).

    epoch (E,), train_loss (E,), test_loss (E,) or (0,). With ``log_y`` points ≤ 0 are
    dropped too. 1000 epochs ≈ 8.5 KB.
    """
    layout = _layout(
        "loss", height=320, margin={"l": 84, "r": 10, "t": 50, "b": 56},
        xaxis=_epoch_axis(epoch),
        yaxis=_axis("loss L", type="log" if log_y else "linear"),
    )
    return _train_test(layout, epoch, (train_loss, test_loss), positive=log_y,
                       max_points=max_points)


def accuracy_figure(epoch, train_acc, test_acc, *, max_points: int = 100) -> go.Figure:
    """Accuracy (share 0–1, shown as %) per epoch: train solid, test dashed.

    epoch (E,), train_acc (E,), test_acc (E,) or (0,). 1000 epochs ≈ 9 KB.
    """
    layout = _layout(
        "accuracy", height=320, margin={"l": 84, "r": 10, "t": 50, "b": 56},
        xaxis=_epoch_axis(epoch),
        yaxis=_axis("accuracy", range=[0, 1.03], tickformat=".0%"),
    )
    return _train_test(layout, epoch, (train_acc, test_acc), hover="%{y:.1%}",
                       max_points=max_points)


def _per_layer(name: str, rows, n_epochs: int) -> np.ndarray:
    a = np.asarray(rows, dtype=np.float64)
    if a.size == 0:
        return np.zeros((n_epochs, 0))
    if a.ndim != 2 or a.shape[0] != n_epochs:
        raise ValueError(f"{name} must have one list per epoch ({n_epochs}), got shape {a.shape}")
    return a


def gradient_flow_figure(epoch, grad_norm, saturation, layer_names=None, *,
                         max_points: int = 80) -> go.Figure:
    """Does the error signal reach every layer? Two panels sharing the epoch axis.

    epoch (E,). grad_norm (E, L): ‖∂L/∂W^(q)‖ for q = 1 … L, drawn on a log axis.
    saturation (E, L − 1): share of hidden units with |a| > 0.97, per hidden layer,
    drawn 0–100 %. layer_names : L names (the first L − 1, hidden, label the
    saturation lines); default "a⁽q⁾". 1000 epochs, L = 3: ≈ 12 KB.
    """
    epoch = np.asarray(epoch, dtype=np.float64).ravel()
    G = _per_layer("grad_norm", grad_norm, epoch.size)
    S = _per_layer("saturation", saturation, epoch.size)
    L = G.shape[1] or S.shape[1] + 1
    names = list(layer_names) if layer_names is not None else [
        f"a({q})".translate(SUP) for q in range(1, L + 1)]
    if len(names) < S.shape[1]:
        raise ValueError(f"layer_names needs ≥ {S.shape[1]} names, got {len(names)}")
    data = []
    for q in range(G.shape[1]):
        # A zero or non-finite norm has no place on a log axis; clipping it to a tiny
        # floor would stretch the axis over decades of nothing, so the point is dropped.
        x, y = _series(epoch, G[:, q], "grad_norm", positive=True, max_points=max_points)
        label = f"‖∂L/∂W({q + 1})‖".translate(SUP)
        data.append({
            "type": "scatter", "x": x, "y": y, "mode": "lines", "name": label, "legend": "legend",
            "xaxis": "x", "yaxis": "y",
            "line": {"color": _shade(q, G.shape[1]), "dash": _DASHES[q % 5], "width": 3},
            "hovertemplate": f"{label}, epoch %{{x:.0f}}: %{{y:.3g}}<extra></extra>"})
    for q in range(S.shape[1]):
        x, y = _series(epoch, S[:, q], "saturation", max_points=max_points)
        data.append({
            "type": "scatter", "x": x, "y": y, "mode": "lines", "name": names[q], "legend": "legend2",
            "xaxis": "x2", "yaxis": "y2",
            "line": {"color": _shade(q, S.shape[1]), "dash": _DASHES[q % 5], "width": 3},
            "hovertemplate": f"{names[q]}, epoch %{{x:.0f}}: %{{y:.0%}} saturated<extra></extra>",
        })
    for axes in (("x", "y"), ("x2", "y2")):  # Plotly.js draws no subplot without a trace
        if not any(t["xaxis"] == axes[0] for t in data):
            data.append({"type": "scatter", "x": [], "y": [], "showlegend": False,
                         "hoverinfo": "skip", "xaxis": axes[0], "yaxis": axes[1]})
    layout = copy.deepcopy(_two_rows())
    top = layout["yaxis2"]["domain"][1]
    layout.update(_layout(
        "gradients", height=460, margin={"l": 84, "r": 10, "t": 50, "b": 56},
        legend2={**_LEGEND_TOP, "y": top + 0.01},
        yaxis={**layout["yaxis"], **_axis("‖∂L/∂W‖", type="log"), **_log_ticks(G)},
        yaxis2={**layout["yaxis2"], **_axis("saturated", range=[0, 1.03], tickformat=".0%")},
        xaxis={**layout["xaxis"], **_epoch_axis(epoch, "")},
        xaxis2={**layout["xaxis2"], **_epoch_axis(epoch)},
    ))
    return style.fast_figure(data, layout)


@functools.lru_cache(maxsize=1)
def _two_rows() -> dict:
    """The two-row shared-x layout; make_subplots costs ~40 ms, so it is built once."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.2,
                        row_heights=[0.55, 0.45])
    return fig.layout.to_plotly_json()
