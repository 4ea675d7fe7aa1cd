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

import math

import numpy as np
import plotly.graph_objects as go

from . import style

MAX_RESOLUTION = 50  # 50² grid points per map: the most a live update can afford
MARGIN_CLIP = 1.5  # beyond |ŷ₂ − ŷ₁| = 1.5 the class is certain; a fixed cap keeps maps comparable
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
# Fixed margins (no automargin, which lays each live redraw out twice) hold the ticks.
_TICKS = {"tickfont": style.SMALL_FONT, "showgrid": False, "zeroline": False}
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
                    title: str = "Decision boundary", loss=None) -> go.Figure:
    """The network's verdict over the plane, with the data on top.

    xs (nx,), ys (ny,) : grid axes, e.g. from :func:`grid_points`.
    margin (ny, nx) : ŷ₂ − ŷ₁ at each grid point (> 0: class 2, blue; < 0: class 1, orange).
    X_train (N, 2), y_train (N,) ; X_test (M, 2), y_test (M,) : points and class indices 0/1
        (one-hot (N, 2) also accepted; M may be 0). Non-finite points are dropped.

    A heatmap shades the map and a line traced here (:func:`zero_level`) draws the
    boundary: a Plotly contour trace, which traces it in the browser, made each live
    redraw ~3× slower. The shading spans ±max|margin|, capped at 1.5.
    40 × 40 grid with 280 train and 120 test points: 18–21 KB.

    loss : optional (epoch, train_loss, test_loss) per-epoch sequences: a loss sparkline
    (log scale) is drawn above the map, in the same figure: like TensorFlow Playground,
    and one chart redraws faster than two during live training.
    """
    xs, ys = _vector("xs", xs), _vector("ys", ys)
    z = _clean(margin)
    if z.shape != (ys.size, xs.size):
        raise ValueError(f"margin must have shape ({ys.size}, {xs.size}), got {z.shape}")
    r = min(style.symmetric_range(z, floor=1e-3), MARGIN_CLIP)
    layout = _layout(
        "decision", height=460,
        title={"text": title, "x": 0.01, "y": 0.985, "yanchor": "top"},
        margin={"l": 64, "r": 10, "t": 100, "b": 56},
        # Two entries a row, train above test: four in one row do not fit in ~600 px.
        legend={**_LEGEND_TOP, "entrywidth": 0.5, "entrywidthmode": "fraction"},
        xaxis={"title": {"text": "x₁"}, "range": [xs[0], xs[-1]], "constrain": "domain",
               **_TICKS},
        yaxis={"title": {"text": "x₂"}, "range": [ys[0], ys[-1]], "scaleanchor": "x",
               "constrain": "domain", **_TICKS},
    )
    bx, by = zero_level(xs, ys, z)
    spark = [] if loss is None else _sparkline(layout, *loss)
    data = [
        dict(type="heatmap", **_coords(xs, ys), z=z, zmin=-r, zmax=r, zsmooth="fast",
             colorscale=style.DIVERGING, showlegend=False, name="ŷ₂ − ŷ₁",
             colorbar={"title": {"text": "ŷ₂ − ŷ₁", "font": style.SMALL_FONT}, "thickness": 16,
                       "tickfont": style.SMALL_FONT, "len": 0.9},
             hovertemplate="x₁ %{x:.2f}, x₂ %{y:.2f}<br>ŷ₂ − ŷ₁ = %{z:.3f}<extra></extra>"),
        {"type": "scatter", "x": bx, "y": by, "mode": "lines", "name": "boundary ŷ₁ = ŷ₂",
             "showlegend": False, "hoverinfo": "skip", "line": {"color": style.INK, "width": 3}},
    ]
    for part, X, y, symbol, outline in (("train", X_train, y_train, "circle", "white"),
                                        ("test", X_test, y_test, "diamond", style.INK)):
        P, cls = _points(X, y, part)
        for k in (0, 1):
            data.append({
                "type": "scatter", "x": P[cls == k, 0], "y": P[cls == k, 1], "mode": "markers",
                "name": f"{part}: class {k + 1}",
                "marker": {"color": style.CLASS_COLORS[k], "symbol": symbol, "size": 9,
                        "line": {"color": outline, "width": 1.5 if part == "test" else 0}},
                "hovertemplate": f"{part}, class {k + 1}<br>x₁ %{{x:.2f}}, x₂ %{{y:.2f}}<extra></extra>",
            })
    return style.fast_figure(data + spark, layout)


def _sparkline(layout: dict, epoch, train_loss, test_loss) -> list[dict]:
    """Put a small log-scale loss plot above the map (axes x2/y2); returns its traces."""
    layout.update(
        height=560, title=None, margin={"l": 64, "r": 10, "t": 34, "b": 120},
        legend={**_LEGEND_TOP, "y": -0.16, "yanchor": "top", "entrywidth": 0.5,
                "entrywidthmode": "fraction"},
        xaxis2={"domain": [0, 1], "anchor": "y2", "tickfont": style.SMALL_FONT, "nticks": 5,
                "showgrid": False, "zeroline": False},
        yaxis2={"domain": [0.80, 1.0], "anchor": "x2", "type": "log", "nticks": 3,
                "tickfont": style.SMALL_FONT, "showgrid": False, "exponentformat": "power"},
    )
    layout["yaxis"] = {**layout["yaxis"], "domain": [0, 0.7]}
    layout["annotations"] = [{"text": "loss L per epoch: train ━ test ╌", "xref": "paper",
                              "yref": "paper", "x": 0, "y": 1.0, "xanchor": "left",
                              "yanchor": "bottom", "showarrow": False,
                              "font": style.SMALL_FONT}]
    traces = []
    for values, color, dash in ((train_loss, style.INK, "solid"),
                                (test_loss, style.MUTED, "dash")):
        e = np.asarray(epoch, dtype=np.float64)
        v = np.asarray(values, dtype=np.float64)
        if v.size != e.size or v.size == 0:
            continue
        ok = np.isfinite(v) & (v > 0)
        keep = np.flatnonzero(ok)[:: max(1, ok.sum() // 100)]  # ≤ ~100 points: a sparkline
        traces.append({"type": "scatter", "x": e[keep].astype(np.float32),
                       "y": v[keep].astype(np.float32), "mode": "lines", "xaxis": "x2",
                       "yaxis": "y2", "showlegend": False, "hoverinfo": "skip",
                       "line": {"color": color, "dash": dash, "width": 2}})
    return traces


def zero_level(xs: np.ndarray, ys: np.ndarray, z: np.ndarray):
    """The curve z = 0 of a grid (marching squares), as x, y lists of 2-point segments
    separated by None, ready for one Plotly line trace.

    xs (nx,), ys (ny,), z (ny, nx). Crossings are placed by linear interpolation on
    each cell edge whose ends differ in sign; a cell with four crossings (a saddle)
    gets two segments.
    """
    z = np.asarray(z, dtype=np.float64)
    pos = z > 0
    # crossing points on horizontal edges (i, j)-(i, j+1) and vertical edges (i, j)-(i+1, j)
    with np.errstate(divide="ignore", invalid="ignore"):
        th = z[:, :-1] / (z[:, :-1] - z[:, 1:])
        tv = z[:-1, :] / (z[:-1, :] - z[1:, :])
    hx = xs[:-1][None, :] + th * np.diff(xs)[None, :]
    vy = ys[:-1][:, None] + tv * np.diff(ys)[:, None]
    h_cross = pos[:, :-1] != pos[:, 1:]
    v_cross = pos[:-1, :] != pos[1:, :]
    out_x: list = []
    out_y: list = []
    cells = np.argwhere(h_cross[:-1] | h_cross[1:] | v_cross[:, :-1] | v_cross[:, 1:])
    for i, j in cells:
        pts = []
        if h_cross[i, j]:
            pts.append((hx[i, j], ys[i]))
        if v_cross[i, j + 1]:
            pts.append((xs[j + 1], vy[i, j + 1]))
        if h_cross[i + 1, j]:
            pts.append((hx[i + 1, j], ys[i + 1]))
        if v_cross[i, j]:
            pts.append((xs[j], vy[i, j]))
        for k in range(0, len(pts) - 1, 2):
            (x0, y0), (x1, y1) = pts[k], pts[k + 1]
            out_x += [round(float(x0), 3), round(float(x1), 3), None]
            out_y += [round(float(y0), 3), round(float(y1), 3), None]
    return out_x, out_y


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
    grid point: 31 → 11 × 11 with max_side 11). Each layer is ONE heatmap trace: its maps
    stacked in a column with a gap of NaN between them, all on a single pair of axes.
    Nine subplots with a heatmap each took the browser ~5× longer to redraw, too slow for
    a live view. Hidden maps share one colour axis, ±``hidden_range`` (1: tanh's range;
    None: their own symmetric range, for relu); the output maps get a symmetric range of
    their own. 2-3-4-2 net, 31 × 31 grid, max_side 11: ≈ 12 KB.
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
    out_range = style.symmetric_range(_clean(acts[-1]), floor=1e-3)
    hid_range = hidden_range or style.symmetric_range(
        np.concatenate([_clean(a).ravel() for a in acts[:-1]] or [np.zeros(1)]), floor=1e-3)
    ny, nx = len(range(0, ys.size, step)), len(range(0, xs.size, step))
    gap = 3  # cells of NaN between tiles (room for each tile's title)
    pitch_x, pitch_y = nx + gap, ny + gap
    data, notes = [], []
    for c, a in enumerate(acts):
        maps = _clean(a).reshape(ys.size, xs.size, -1)[::step, ::step]
        column = np.full((rows * pitch_y - gap, nx), np.nan, dtype=np.float32)
        output = c == cols - 1
        for j in range(widths[c]):
            top = (rows - 1 - j) * pitch_y  # neuron 1 at the top
            column[top:top + ny] = maps[:, :, j]
            notes.append(_note(_neuron_label(c, j, output), c * pitch_x + (nx - 1) / 2,
                               top + ny - 0.5))
        notes.append(_note(f"<b>{layer_names[c]}</b>", c * pitch_x + (nx - 1) / 2,
                           rows * pitch_y - gap + 1.6))
        data.append({
            "type": "heatmap", "z": column, "x0": c * pitch_x, "dx": 1, "y0": 0, "dy": 1, "zsmooth": "fast",
            "hoverongaps": False, "coloraxis": "coloraxis2" if output else "coloraxis",
            "hovertemplate": f"{layer_names[c]}: %{{z:.3f}}<extra></extra>"})

    def colorbar(title, y, anchor):
        return {"title": {"text": title, "font": {"size": 14}}, "tickfont": {"size": 14},
                "thickness": 14, "len": 0.45, "y": y, "yanchor": anchor}

    layout = _layout(
        "neurons", height=max(520, 70 + 90 * rows), margin={"l": 10, "r": 10, "t": 10, "b": 10},
        annotations=notes,
        xaxis={"visible": False, "range": [-1, cols * pitch_x - gap], "constrain": "domain"},
        yaxis={"visible": False, "range": [-1, rows * pitch_y - gap + 3], "scaleanchor": "x",
               "constrain": "domain"},
        coloraxis={"colorscale": style.DIVERGING, "cmin": -hid_range, "cmax": hid_range,
                   "colorbar": colorbar("hidden a", 1, "top"),
                   # no hidden layer: the hidden colour axis would show an unused colorbar
                   "showscale": cols > 1},
        coloraxis2={"colorscale": style.DIVERGING, "cmin": -out_range, "cmax": out_range,
                    "colorbar": colorbar("ŷ", 0, "bottom")},
    )
    return style.fast_figure(data, layout)


def _note(text: str, x: float, y: float) -> dict:
    return {"text": text, "x": x, "y": y, "xref": "x", "yref": "y", "yanchor": "bottom",
            "showarrow": False, "font": {"size": 14}}
