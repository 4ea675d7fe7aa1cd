"""Maps of the plane: the decision boundary and every neuron's output over a grid.

Builders take plain arrays and return a ``plotly.graph_objects.Figure``; no Streamlit,
no nncore. The grid goes out as float32 rounded to 3 decimals, which Plotly ≥ 6 sends
as base64 typed arrays, and each figure carries an empty template: Plotly's default one
is ~6.5 KB of JSON resent on every live update. Payloads were measured with
``len(fig.to_json())`` on a 40 × 40 grid (2-3-4-2 net, 280 train + 120 test points):
decision 18–21 KB, neuron maps ≈ 20 KB, together ≤ 41.2 KB (budget 45 KB). Base64 is
not all of it: Plotly escapes every "/" as "\\u002f", which costs up to 25 % on saturated maps.
"""

from __future__ import annotations

import copy
import functools
import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style

MAX_RESOLUTION = 50  # 50² grid points per map: the most a live update can afford
MARGIN_CLIP = 1.5  # beyond |ŷ₂ − ŷ₁| = 1.5 the class is certain; a fixed cap keeps maps comparable
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
# automargin: without Plotly's default template nothing reserves room for tick labels.
_TICKS = {"tickfont": style.SMALL_FONT, "automargin": True, "showgrid": False, "zeroline": False}
_LEGEND_TOP = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom",
               "font": style.SMALL_FONT}


def _layout(uirevision: str, **extra) -> dict:
    # A constant uirevision keeps the viewer's zoom and legend clicks across live updates.
    return style.base_layout(template={}, uirevision=uirevision, **extra)


def _clean(a, decimals: int = 3) -> np.ndarray:
    """Finite float32 copy of ``a``: NaN/±inf become 0. Plotly would write NaN as invalid
    JSON or leave holes (and break the contour); 0 reads as "undecided" on this scale."""
    a = np.nan_to_num(np.asarray(a, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    return np.round(a, decimals).astype(np.float32)


def _vector(name: str, v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    if v.ndim != 1 or v.size < 2 or not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be a 1-D array of ≥ 2 finite numbers, got shape {v.shape}")
    return v


def _coords(xs: np.ndarray, ys: np.ndarray) -> dict:
    """x0/dx, y0/dy for an evenly spaced grid (a few bytes instead of two arrays per map)."""
    def one(v, name):
        d = np.diff(v)
        if np.allclose(d, d[0], rtol=1e-6, atol=0):
            return {f"{name}0": float(v[0]), f"d{name}": float(d[0])}
        return {name: v.astype(np.float32)}
    return {**one(xs, "x"), **one(ys, "y")}


def grid_points(extent: float = 1.3, resolution: int = 40):
    """The plane sampled for the maps.

    Returns xs (resolution,), ys (resolution,) — linspaces over [-extent, extent] — and
    P (resolution², 2), row-major with y outer and x inner: P[i * resolution + j] =
    (xs[j], ys[i]), so ``v.reshape(resolution, resolution)`` is a heatmap z for x=xs, y=ys.
    """
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)):
        # ValueError, like nncore: every bad input is reported one way.
        raise ValueError(f"resolution must be an integer, got {resolution!r}")  # noqa: TRY004
    if not 2 <= resolution <= MAX_RESOLUTION:
        raise ValueError(f"resolution must be in 2 … {MAX_RESOLUTION}, got {resolution}")
    if not (isinstance(extent, (int, float)) and math.isfinite(extent) and extent > 0):
        raise ValueError(f"extent must be a finite number > 0, got {extent!r}")
    xs = np.linspace(-extent, extent, int(resolution))
    ys = xs.copy()
    gx, gy = np.meshgrid(xs, ys)  # shape (len(ys), len(xs)): y outer
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def _points(X, y, name: str):
    X = np.asarray(X, dtype=np.float64).reshape(-1, 2)
    y = np.asarray(y)
    y = np.argmax(y, axis=1) if y.ndim == 2 else y.astype(int)  # one-hot accepted too
    if y.shape != (X.shape[0],):
        raise ValueError(f"{name}: X has {X.shape[0]} rows but y has shape {y.shape}")
    ok = np.all(np.isfinite(X), axis=1)
    return X[ok].astype(np.float32), y[ok]


def decision_figure(xs, ys, margin, X_train, y_train, X_test, y_test, *,
                    title: str = "Decision boundary") -> go.Figure:
    """The network's verdict over the plane, with the data on top.

    xs (nx,), ys (ny,) : grid axes, e.g. from :func:`grid_points`.
    margin (ny, nx) : ŷ₂ − ŷ₁ at each grid point (> 0: class 2, blue; < 0: class 1, orange).
    X_train (N, 2), y_train (N,) ; X_test (M, 2), y_test (M,) : points and class indices 0/1
        (one-hot (N, 2) also accepted; M may be 0). Non-finite points are dropped.

    One contour trace both shades the map (coloring="heatmap") and draws the 0 level,
    the boundary, so the grid is sent once. The shading spans ±max|margin|, capped at 1.5.
    40 × 40 grid with 280 train and 120 test points: 18–21 KB.
    """
    xs, ys = _vector("xs", xs), _vector("ys", ys)
    z = _clean(margin)
    if z.shape != (ys.size, xs.size):
        raise ValueError(f"margin must have shape ({ys.size}, {xs.size}), got {z.shape}")
    r = min(style.symmetric_range(z, floor=1e-3), MARGIN_CLIP)
    layout = _layout(
        "decision", height=560,
        title={"text": title, "x": 0.01, "y": 0.985, "yanchor": "top"},
        margin={"l": 10, "r": 10, "t": 100, "b": 10},
        # Two entries a row, train above test: four in one row do not fit in ~600 px.
        legend={**_LEGEND_TOP, "entrywidth": 0.5, "entrywidthmode": "fraction"},
        xaxis={"title": {"text": "x₁"}, "range": [xs[0], xs[-1]], "constrain": "domain",
               **_TICKS},
        yaxis={"title": {"text": "x₂"}, "range": [ys[0], ys[-1]], "scaleanchor": "x",
               "constrain": "domain", **_TICKS},
    )
    data = [dict(
        type="contour", **_coords(xs, ys), z=z, zmin=-r, zmax=r, zmid=0,
        colorscale=style.DIVERGING, showlegend=False, name="ŷ₂ − ŷ₁",
        contours={"start": 0, "end": 0, "size": 1, "coloring": "heatmap", "showlines": True},
        line={"color": style.INK, "width": 3},
        colorbar={"title": {"text": "ŷ₂ − ŷ₁", "font": style.SMALL_FONT}, "thickness": 16,
                  "tickfont": style.SMALL_FONT, "len": 0.9},
        hovertemplate="x₁ %{x:.2f}, x₂ %{y:.2f}<br>ŷ₂ − ŷ₁ = %{z:.3f}<extra></extra>",
    )]
    for part, X, y, symbol, outline in (("train", X_train, y_train, "circle", "white"),
                                        ("test", X_test, y_test, "diamond", style.INK)):
        P, cls = _points(X, y, part)
        for k in (0, 1):
            data.append({
                "type": "scatter", "x": P[cls == k, 0], "y": P[cls == k, 1], "mode": "markers",
                "name": f"{part}: class {k + 1}",
                "marker": {"color": style.CLASS_COLORS[k], "symbol": symbol, "size": 9,
                        "line": {"color": outline, "width": 1.5}},
                "hovertemplate": f"{part}, class {k + 1}<br>x₁ %{{x:.2f}}, x₂ %{{y:.2f}}<extra></extra>",
            })
    return style.fast_figure(data, layout)


def _neuron_label(layer: int, j: int, output: bool) -> str:
    return f"ŷ{j + 1}".translate(SUB) if output else f"a{str(j + 1).translate(SUB)}" + \
        f"({layer + 1})".translate(SUP)


def neuron_maps_figure(xs, ys, activations, layer_names, *, max_side: int = 20,
                       hidden_range: float | None = 1.0) -> go.Figure:
    """Every neuron's output over the plane, TensorFlow-Playground style: one column per layer.

    xs (nx,), ys (ny,) : grid axes. activations : list over the non-input layers, the
    last one the output, of arrays (ny * nx, n_q) in :func:`grid_points` order, e.g.
    ``fwd.A[1:]``. layer_names : one column heading per layer, e.g. "a⁽¹⁾ (tanh)".

    Maps are thinned to at most ``max_side`` points a side (a stride landing on the last
    grid point: 40 → 14 × 14): at thumbnail size (~90 px), smoothed, they look like the
    full grid at an eighth of the payload. Hidden maps share one colour axis,
    ±``hidden_range`` (1: tanh's range; None: their own symmetric range, for relu);
    the output maps get a symmetric range of their own. Each axis has one colorbar, so
    every map can be read without a caption. 2-3-4-2 net, 40 × 40 grid (9 maps): ≈ 20 KB
    (``max_side=21``, 20 × 20 maps: ≈ 32 KB, crisper edges).
    """
    xs, ys = _vector("xs", xs), _vector("ys", ys)
    if len(activations) == 0 or len(activations) != len(layer_names):
        raise ValueError(f"need one name per layer and ≥ 1 layer, got {len(activations)} "
                         f"activations and {len(layer_names)} names")
    acts = [np.asarray(a, dtype=np.float64) for a in activations]
    for q, a in enumerate(acts):
        if a.ndim != 2 or a.shape[0] != ys.size * xs.size:
            raise ValueError(f"activations[{q}] must have shape ({ys.size * xs.size}, n), "
                             f"got {a.shape}")
    if max_side < 2:
        raise ValueError(f"max_side must be ≥ 2, got {max_side}")
    # A stride that lands on the last grid point, so the thumbnails span the whole plane.
    step = max(1, math.ceil((max(xs.size, ys.size) - 1) / (max_side - 1)))
    cols, widths = len(acts), [a.shape[1] for a in acts]
    rows = max(widths)
    cached, refs = _subplot_grid(tuple(widths), tuple(layer_names))
    layout = copy.deepcopy(cached)
    coords = _coords(xs[::step], ys[::step])
    out_range = style.symmetric_range(_clean(acts[-1]), floor=1e-3)
    hid_range = hidden_range or style.symmetric_range(
        np.concatenate([_clean(a).ravel() for a in acts[:-1]] or [np.zeros(1)]), floor=1e-3)
    data = []
    for c, a in enumerate(acts):
        maps = _clean(a).reshape(ys.size, xs.size, -1)[::step, ::step]
        for j in range(widths[c]):
            xref, yref = refs[c][j]
            data.append(dict(
                type="heatmap", **coords, z=maps[:, :, j], zsmooth="best", xaxis=xref,
                yaxis=yref, coloraxis="coloraxis2" if c == cols - 1 else "coloraxis",
                hovertemplate=f"{_neuron_label(c, j, c == cols - 1)} = %{{z:.3f}}<extra></extra>",
            ))

    def colorbar(title, y, anchor):
        return {"title": {"text": title, "font": {"size": 14}}, "tickfont": {"size": 14},
                "thickness": 14, "len": 0.45, "y": y, "yanchor": anchor}

    layout.update(_layout(
        "neurons", height=max(520, 70 + 90 * rows), margin={"l": 10, "r": 10, "t": 60, "b": 10},
        coloraxis={"colorscale": style.DIVERGING, "cmin": -hid_range, "cmax": hid_range,
                   "colorbar": colorbar("hidden a", 1, "top"),
                   # no hidden layer: the hidden colour axis would show an unused colorbar
                   "showscale": cols > 1},
        coloraxis2={"colorscale": style.DIVERGING, "cmin": -out_range, "cmax": out_range,
                    "colorbar": colorbar("ŷ", 0, "bottom")},
    ))
    return style.fast_figure(data, layout)


@functools.lru_cache(maxsize=16)
def _subplot_grid(widths: tuple[int, ...], layer_names: tuple[str, ...]):
    """The small-multiples layout (axes, titles, headings) and each map's axis refs.

    make_subplots takes ~50 ms, far too slow for a live tick, and its result depends
    only on the layer widths: built once per shape, then copied.
    """
    cols, rows = len(widths), max(widths)
    # make_subplots titles only the cells that exist (specs None are skipped), row-major.
    titles = [_neuron_label(c, r, c == cols - 1)
              for r in range(rows) for c in range(cols) if r < widths[c]]
    specs = [[{} if r < widths[c] else None for c in range(cols)] for r in range(rows)]
    fig = make_subplots(rows=rows, cols=cols, specs=specs, subplot_titles=titles,
                        horizontal_spacing=0.05, vertical_spacing=0.3 / rows)
    refs = []
    for c in range(cols):
        col_refs = []
        for j in range(widths[c]):
            sp = fig.get_subplot(j + 1, c + 1)
            sp.yaxis.scaleanchor = sp.yaxis.anchor  # square maps of a square plane
            # each axis is anchored to its partner: the y axis names the x axis, and back
            col_refs.append((sp.yaxis.anchor, sp.xaxis.anchor))
        refs.append(col_refs)
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, constrain="domain")
    # Fonts inherit family and colour from layout.font; only the size is set, once each.
    fig.update_annotations(font={"size": 14}, yshift=-2)
    for c, name in enumerate(layer_names):
        domain = fig.get_subplot(1, c + 1).xaxis.domain
        fig.add_annotation(text=f"<b>{name}</b>", x=sum(domain) / 2, y=1, xref="paper",
                           yref="paper", yanchor="bottom", yshift=24, showarrow=False,
                           font={"size": 14})
    return fig.layout.to_plotly_json(), refs
