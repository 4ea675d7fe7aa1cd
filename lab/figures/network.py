"""The network picture: layers of nodes and weighted edges, at one stage of the pass.

Pure: a :class:`lab.passdata.PassData` and the stage list in, a Plotly figure out.
Nodes are filled with the value of the stage's quantity (z, a or δ) on the
diverging orange–white–blue scale and carry the number itself; edges are blue
for w > 0 and orange for w < 0, their width ∝ |w|. The stage being computed is
lit: forward stages light the edges of W^(q) feeding layer q, backward stages
the edges of W^(q+1) that carry δ^(q+1) back, so the error signal visibly moves
right to left. The app steps through the stages (its Play advances the stage on the
server), so the picture, the equations and the stage controls never disagree.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from ..passdata import PassData
from ..stages import SUB, Stage, sup
from .style import (
    DIVERGING,
    HIGHLIGHT,
    INK,
    MUTED,
    NEG,
    POS,
    SMALL_FONT,
    base_layout,
    fast_figure,
)

PENDING = "#e6e6e6"  # a node whose value is not computed yet at this stage
NODE_SIZE = 50
KIND_NAME = {"a": "a", "z": "z", "delta": "δ"}


def node_positions(sizes) -> list[np.ndarray]:
    """Per layer q an (n_q, 2) array of (x, y): layer q at x = q, nodes centred on y = 0."""
    return [np.column_stack([np.full(n, float(q)), (n - 1) / 2.0 - np.arange(n)])
            for q, n in enumerate(sizes)]


def node_label(q: int, i: int, L: int) -> str:
    """x₁ for inputs, a₁⁽¹⁾ for hidden units, ŷ₁ for outputs (1-based like docs/backprop.md)."""
    k = str(i + 1).translate(SUB)
    if q == 0:
        return f"x{k}"
    return f"ŷ{k}" if q == L else f"a{k}{sup(q)}"


def _luminance(color: str) -> float:
    """Relative luminance (0 black … 1 white) of an "rgb(r, g, b)" or "#rrggbb" colour:
    the number on a node is white on a dark fill, dark on a light one."""
    if color.startswith("#"):
        rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    else:
        rgb = [float(v) for v in color[color.index("(") + 1:color.index(")")].split(",")[:3]]
    lin = [(c / 255) / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
           for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _fmt(v: float) -> str:
    """A hover's number: 4 significant digits, 1.235e+09 when large."""
    return f"{v:.4g}"


def node_text(v: float) -> str:
    """The number on a node: 2 decimals while that fits the node (7 characters: -999.99,
    9999.99), beyond that 2 significant digits and a power of ten (1.2e+09)."""
    s = f"{v:.2f}"
    return s if len(s) <= 7 else f"{v:.1e}"


def _stage_nodes(stage: Stage, p: PassData):
    """Per-node values, colours, texts and ring widths for one stage."""
    sizes = [p.X.shape[1]] + [w.shape[0] for w in p.W]
    values = [p.node_values(kind, q) if kind else None for q, kind in enumerate(stage.shows)]
    shown = [v for v in values if v is not None]
    kinds = {k for k in stage.shows if k}
    # one symmetric range per stage so the colours of that stage compare directly
    span = max(float(np.max(np.abs(np.concatenate(shown)))) if shown else 1.0, 1e-9)
    if kinds == {"a"} and p.activation in ("tanh", "sigmoid"):
        span = max(span, 1.0)
    colors, texts, text_colors, rings = [], [], [], []
    for q, n in enumerate(sizes):
        for i in range(n):
            v = None if values[q] is None else float(values[q][i])
            if v is None:
                colors.append(PENDING)
                texts.append("")
                text_colors.append(INK)
            else:
                t = 0.5 + 0.5 * np.clip(v / span, -1.0, 1.0)
                colors.append(sample_colorscale(DIVERGING, [t])[0])
                texts.append(node_text(v))
                # white wins on contrast below luminance ≈ 0.21 (WCAG contrast ratios are equal there)
                text_colors.append("white" if _luminance(colors[-1]) < 0.21 else INK)
            lit = (stage.phase in ("forward", "backward", "loss") and q == stage.q
                   and stage.key != "input") or (stage.key == "input" and q == 0)
            rings.append(5 if lit else 1.5)
    return colors, texts, text_colors, rings, span, kinds


def _edge_matrices(stage: Stage, p: PassData):
    if stage.phase == "gradients":
        return p.dW, "∂L/∂w"
    if stage.phase == "update":
        return p.W_new, "w after the update"
    return p.W, "w"


def _edge_styles(stage: Stage, p: PassData):
    mats, what = _edge_matrices(stage, p)
    top = max(max(float(np.max(np.abs(m))) for m in mats), 1e-12)
    styles = []
    for q, M in enumerate(mats, start=1):
        lit = stage.lit == -1 or stage.lit == q
        for i in range(M.shape[0]):
            for j in range(M.shape[1]):
                w = float(M[i, j])
                styles.append({
                    "line": {"color": POS if w >= 0 else NEG, "width": 1.0 + 9.0 * abs(w) / top},
                    "opacity": 0.95 if lit else (0.45 if stage.lit == 0 else 0.18),
                })
    return styles, what


def stage_caption(stage: Stage, p: PassData) -> list[str]:
    """Plain-text lines that say what the picture shows at ``stage`` (drawn beside it,
    where text wraps, rather than inside the figure, where it would be cut)."""
    _, _, _, _, _, kinds = _stage_nodes(stage, p)
    _, what = _edge_matrices(stage, p)
    B = p.form == "batch"
    names = {"a": "A" if B else "a", "z": "Z" if B else "z", "delta": "Δ" if B else "δ"}
    kind_text = " and ".join(names[k] for k in ("a", "z", "delta") if k in kinds)
    batch = (f" (batch of {p.N}: Z and A averaged over the rows, Δ summed over them = ∂L/∂b)"
             if B else "")
    return [f"Nodes: {kind_text}{batch}. Edges: {what}, blue > 0, orange < 0, width ∝ |value|."]


def network_figure(p: PassData, stages: list[Stage], active: int = 0,
                   hidden_node: tuple[int, int] | None = None) -> go.Figure:
    """The network at one stage: the nodes filled with the stage's quantity, the
    edges of the stage lit. No animation frames: the app moves through the stages
    itself, so picture, equations and controls always show the same stage.

    p : the pass (sample or mini-batch) whose numbers are drawn. stages : from
    :func:`lab.stages.build_stages`. active : index of the stage to draw. hidden_node :
    (layer q, unit i) whose number is shown as "?" (the value a student is asked for).
    """
    sizes = [p.X.shape[1]] + [w.shape[0] for w in p.W]
    L = len(sizes) - 1
    pos = node_positions(sizes)
    stage = stages[int(np.clip(active, 0, len(stages) - 1))]
    styles, _ = _edge_styles(stage, p)
    fig = go.Figure()
    k = 0
    for q in range(1, L + 1):
        for i in range(sizes[q]):
            for j in range(sizes[q - 1]):
                (x0, y0), (x1, y1) = pos[q - 1][j], pos[q][i]
                fig.add_scatter(x=[x0, x1], y=[y0, y1], mode="lines", hoverinfo="skip",
                                showlegend=False, **styles[k])
                k += 1
    colors, texts, text_colors, rings, span, _ = _stage_nodes(stage, p)
    hover = _node_hover(p, sizes)
    if hidden_node is not None:
        k = sum(sizes[:hidden_node[0]]) + hidden_node[1]
        if texts[k]:
            texts[k] = "?"
        hover[k] = f"{node_label(*hidden_node, L)}: your turn, work it out"
    xy = np.vstack(pos)
    fig.add_scatter(x=xy[:, 0], y=xy[:, 1], mode="markers+text", textposition="middle center",
                    showlegend=False, text=texts, textfont={**SMALL_FONT, "color": text_colors},
                    marker={"size": NODE_SIZE, "symbol": "circle", "color": colors,
                            "line": {"width": rings, "color": HIGHLIGHT}},
                    hovertext=hover, hoverinfo="text")
    fig.add_scatter(x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
                    marker={"colorscale": DIVERGING, "showscale": True, "color": [0],
                            "cmin": -span, "cmax": span,
                            "colorbar": {"title": {"text": "node", "font": SMALL_FONT},
                                         "tickfont": SMALL_FONT, "len": 0.7, "x": 1.0,
                                         "xanchor": "left", "thickness": 14, "xpad": 4}})
    _add_static(fig, p, sizes, pos)
    top = _header_y(sizes) + 1.0
    fig.update_layout(**base_layout(
        height=470, margin={"l": 4, "r": 58, "t": 4, "b": 4},  # r: the colour bar
        xaxis={"visible": False, "range": [-0.45, L + 1.15], "fixedrange": True},
        yaxis={"visible": False, "range": [-max(sizes) / 2 - 0.25, top], "fixedrange": True},
        uirevision="network"))
    return fig


def _node_hover(p: PassData, sizes) -> list[str]:
    L = len(sizes) - 1
    mean = " (mean over the batch)" if p.form == "batch" else ""
    out = []
    for q, n in enumerate(sizes):
        for i in range(n):
            name = node_label(q, i, L)
            if q == 0:
                out.append(f"{name} = {_fmt(p.node_values('a', 0)[i])}{mean}")
                continue
            parts = [f"<b>{name}</b>{mean}", f"z = {_fmt(p.node_values('z', q)[i])}"]
            if q < L:
                parts.append(f"a = σ(z) = {_fmt(p.node_values('a', q)[i])}")
            parts += [f"b = {_fmt(p.b[q - 1][i])}",
                      f"δ = ∂L/∂z = {_fmt(p.node_values('delta', q)[i])}"
                      + (" (summed over the batch = ∂L/∂b)" if p.form == "batch" else "")]
            out.append("<br>".join(parts))
    return out


def _add_static(fig: go.Figure, p: PassData, sizes, pos) -> None:
    L = len(sizes) - 1
    labels_x, labels_y, labels = [], [], []
    for q, n in enumerate(sizes):
        for i in range(n):
            labels_x.append(pos[q][i][0] - 0.2)
            labels_y.append(pos[q][i][1] + 0.3)
            labels.append(node_label(q, i, L))
    fig.add_scatter(x=labels_x, y=labels_y, mode="text", text=labels, hoverinfo="skip",
                    textfont={**SMALL_FONT, "color": INK}, showlegend=False)
    # Hover targets at each edge's middle: w, ∂L/∂w and the updated w, exact to 4 digits.
    mx, my, tips = [], [], []
    for q in range(1, L + 1):
        for i in range(sizes[q]):
            for j in range(sizes[q - 1]):
                (x0, y0), (x1, y1) = pos[q - 1][j], pos[q][i]
                mx.append(x0 + 0.5 * (x1 - x0))
                my.append(y0 + 0.5 * (y1 - y0))
                tips.append(f"w{sup(q)}<sub>{i + 1}{j + 1}</sub> = {_fmt(p.W[q - 1][i, j])}"
                            f"<br>∂L/∂w = {_fmt(p.dW[q - 1][i, j])}"
                            f"<br>after the update: {_fmt(p.W_new[q - 1][i, j])}")
    fig.add_scatter(x=mx, y=my, mode="markers", hovertext=tips, hoverinfo="text",
                    marker={"size": 14, "color": "rgba(0,0,0,0)"}, showlegend=False)
    # two short lines per layer: one line each would run into its neighbours at 400 px
    heads = (["input<br>x"] + [f"a{sup(q)}<br>{p.activation}" for q in range(1, L)]
             + ["output<br>ŷ"])
    for q, h in enumerate(heads):
        fig.add_annotation(x=q, y=_header_y(sizes), text=f"<b>{h}</b>",
                           showarrow=False, font=SMALL_FONT, yanchor="bottom")
    for q in range(1, L + 1):
        fig.add_annotation(x=q - 0.5, y=-max(sizes) / 2 - 0.05,
                           text=f"W{sup(q)}<br>{sizes[q]}×{sizes[q - 1]}",
                           showarrow=False, font={**SMALL_FONT, "color": MUTED})
    for i in range(sizes[L]):
        x, y = pos[L][i]
        # a batch's targets are a column of Y: the first two, then "…"
        target = ", ".join(f"{v:g}" for v in p.Y[:, i][:2]) + ("…" if p.N > 2 else "")
        # shifted in pixels past the node's radius: clear of the node at any figure width
        fig.add_annotation(x=x, y=y, xshift=NODE_SIZE / 2 + 4, xanchor="left",
                           text=f"y{str(i + 1).translate(SUB)} = {target}",
                           showarrow=False, font=SMALL_FONT)


def _header_y(sizes) -> float:
    """Layer headings sit above the tallest layer's top node (radius ≈ 0.35 in y units)."""
    return (max(sizes) - 1) / 2.0 + 0.5


def weights_figure(W: list[np.ndarray], b: list[np.ndarray], activation: str,
                   height: int = 300) -> go.Figure:
    """The network as it is now, for the live training view (no frames: small payload).

    W[q-1] (n_q, n_{q-1}) and b[q-1] (n_q,): edges coloured by the sign of w with
    width ∝ |w|, nodes filled with their bias b on the shared scale. Built from dicts
    (see :func:`style.fast_figure`): it is redrawn on every live tick.
    """
    sizes = [W[0].shape[1]] + [w.shape[0] for w in W]
    L = len(W)
    pos = node_positions(sizes)
    top = max(max(float(np.max(np.abs(w))) for w in W), 1e-12)
    data = []
    for q in range(1, L + 1):
        for i in range(sizes[q]):
            for j in range(sizes[q - 1]):
                w = float(W[q - 1][i, j])
                (x0, y0), (x1, y1) = pos[q - 1][j], pos[q][i]
                data.append({"type": "scatter", "x": [x0, x1], "y": [y0, y1], "mode": "lines",
                             "hoverinfo": "skip", "opacity": 0.85,
                             "line": {"color": POS if w >= 0 else NEG,
                                      "width": round(1.0 + 7.0 * abs(w) / top, 2)}})
    biases = np.concatenate([np.zeros(sizes[0])] + list(b))
    span = max(float(np.max(np.abs(biases))), 1e-9)
    xy = np.vstack(pos)
    labels = [node_label(q, i, L) for q, n in enumerate(sizes) for i in range(n)]
    hover = [lab if k < sizes[0] else f"{lab}<br>b = {_fmt(biases[k])}"
             for k, lab in enumerate(labels)]
    data.append({"type": "scatter", "x": xy[:, 0].tolist(), "y": xy[:, 1].tolist(),
                 "mode": "markers+text", "showlegend": False, "text": labels,
                 "textposition": "middle center", "textfont": SMALL_FONT, "hovertext": hover,
                 "hoverinfo": "text",
                 "marker": {"size": 34, "color": np.round(biases, 4).tolist(),
                            "colorscale": DIVERGING, "cmin": -span, "cmax": span,
                            "line": {"width": 1.5, "color": HIGHLIGHT}}})
    layout = base_layout(
        height=height, margin={"l": 4, "r": 4, "t": 30, "b": 4},
        title={"text": f"Weights now (max |w| = {top:.3g}); node fill = bias b",
               "font": SMALL_FONT, "x": 0.01},
        xaxis={"visible": False, "range": [-0.4, L + 0.4], "fixedrange": True},
        yaxis={"visible": False, "range": [-max(sizes) / 2, max(sizes) / 2],
               "fixedrange": True},
        uirevision="weights", showlegend=False)
    return fast_figure(data, layout)
