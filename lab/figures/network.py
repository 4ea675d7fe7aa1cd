"""The network picture: layers of nodes and weighted edges, at one stage of the pass.

Pure: a :class:`lab.passdata.PassData` and the stage list in, a Plotly figure out.
Nodes are filled with the value of the stage's quantity on the diverging orange–white–blue
scale and carry the number itself; every node and layer heading is named for what it shows
at that stage (z, a, δ; in the batch form Z, A and 1ᵀΔ). Two colour scales, each fixed
for the whole pass so a value keeps its colour as you step: one for the values (x, z, a,
ŷ), one for the error signals δ. Edges are blue for w > 0 and orange for w < 0, their
width ∝ |w|. The stage being computed is lit: forward stages light the edges of W^(q)
feeding layer q, backward stages the edges of W^(q+1) that carry δ^(q+1) back, so the
error signal visibly moves right to left.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import plotly.graph_objects as go

from ..passdata import PassData
from ..stages import SUB, Stage, sup
from .names import _fmt, _node_hover, layer_heading, node_name, node_text
from .style import DIVERGING, HIGHLIGHT, INK, NEG, POS, SMALL_FONT, base_layout, fill, ink_on

# where on an edge its hover and click target sits, from its start: not the middle, where
# two crossing edges of mirrored units meet (each would hide the other)
EDGE_SPOT = 0.6
PENDING = "#e6e6e6"  # a node whose value is not computed yet at this stage
LABEL_INK = "#333333"  # node names, headings and shapes: ≥ 12:1 on white


@dataclass(frozen=True)
class Look:
    """Sizes in pixels: the figure's height, a node's diameter and the type on it."""

    height: int = 430
    node: int = 48
    number: int = 16
    label: int = 14
    plot_px: int = 300  # the narrowest plot width to plan for (the sidebar open at 1024)


DEFAULT = Look()
PRESENTER = Look(height=440, node=54, number=18, label=16, plot_px=440)  # sidebar closed


def fitted(look: Look, sizes) -> tuple[Look, bool]:
    """The look for a network of these sizes, and whether it is crowded: when a node and its
    name above it do not fit one row's height, the nodes shrink to the row (their numbers
    with them) and the names move beside the input and output nodes (the hidden ones keep
    theirs in the hover)."""
    most = max(sizes)
    pitch = (look.height - 8 - (2 * look.label + 10) - (2 * look.label + 6)) / most
    if pitch >= look.node + look.label + 6:
        return look, False
    return _with_node(look, pitch - 4), True


def _with_node(look: Look, room: float) -> Look:
    """``look`` with nodes no wider than ``room`` px (at least 18) and numbers to match."""
    node = int(max(18, min(look.node, room)))
    return replace(look, node=node, number=min(look.number, int(node * 0.38)))


def node_positions(sizes) -> list[np.ndarray]:
    """Per layer q an (n_q, 2) array of (x, y): layer q at x = q, nodes centred on y = 0."""
    return [np.column_stack([np.full(n, float(q)), (n - 1) / 2.0 - np.arange(n)])
            for q, n in enumerate(sizes)]


def pass_spans(p: PassData) -> dict[str, float]:
    """The colour scales' half-ranges for the whole pass: ``value`` = max |x, z, a, ŷ| of
    every layer (at least 1 for tanh and sigmoid: their whole range), ``delta`` = max |δ|
    (the node values: per sample, or summed over a batch)."""
    L = p.L
    values = [p.node_values("a", q) for q in range(L)] + [p.node_values("z", q)
                                                         for q in range(1, L + 1)]
    deltas = [p.node_values("delta", q) for q in range(1, L + 1)]
    top = float(np.max(np.abs(np.concatenate(values))))
    if p.activation in ("tanh", "sigmoid"):
        top = max(top, 1.0)
    return {"value": max(top, 1e-9),
            "delta": max(float(np.max(np.abs(np.concatenate(deltas)))), 1e-12)}


def _stage_nodes(stage: Stage, p: PassData, spans: dict):
    """Per-node values, colours, texts and ring widths for one stage."""
    sizes = [p.X.shape[1]] + [w.shape[0] for w in p.W]
    colors, texts, inks, rings = [], [], [], []
    for q, n in enumerate(sizes):
        kind = stage.shows[q]
        values = p.node_values(kind, q) if kind else None
        span = spans["delta" if kind == "delta" else "value"]
        lit = (stage.key == "input" and q == 0) or (
            stage.phase in ("forward", "backward", "loss") and q == stage.q and q > 0)
        for i in range(n):
            if values is None:
                colors.append(PENDING)
                texts.append("")
                inks.append(INK)
            else:
                v = float(values[i])
                colors.append(fill(v / span))
                texts.append(node_text(v))
                inks.append(ink_on(colors[-1]))
            rings.append(5 if lit else 1.5)
    return colors, texts, inks, rings


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
    _, what = _edge_matrices(stage, p)
    B = p.form == "batch"
    kinds = {k for k in stage.shows if k}
    names = {"a": "A" if B else "a", "z": "Z" if B else "z", "delta": "Δ" if B else "δ"}
    kind_text = " and ".join(names[k] for k in ("a", "z", "delta") if k in kinds)
    batch = (f" (batch of {p.N}: Z and A averaged over the rows, Δ summed over them = ∂L/∂b)"
             if B else "")
    spans = pass_spans(p)
    scale = f"Colours, fixed for this pass: x, z, a on ±{spans['value']:.3g}"
    if "delta" in kinds:
        scale += f"; {names['delta']} on ±{spans['delta']:.3g}"
    return [(f"Nodes: {kind_text}{batch}. Edges: {what}, blue > 0, orange < 0, width ∝ "
            f"|value|. {scale}.")]


def network_figure(p: PassData, stages: list[Stage], active: int = 0,
                   hidden_node: tuple[int, int] | None = None, look: Look = DEFAULT) -> go.Figure:
    """The network at one stage: the nodes filled with the stage's quantity and named for
    it, the edges of the stage lit. No animation frames: the app moves through the stages
    itself, so picture, equations and controls always show the same stage.

    p : the pass (sample or mini-batch) whose numbers are drawn. stages : from
    :func:`lab.stages.build_stages`. active : index of the stage to draw. hidden_node :
    (layer q, unit i) whose number is shown as "?" (the value a student is asked for).
    look : the sizes (:data:`PRESENTER` for a projector).
    """
    sizes = [p.X.shape[1]] + [w.shape[0] for w in p.W]
    L, batch = len(sizes) - 1, p.form == "batch"
    look, crowded = fitted(look, sizes)
    pos = node_positions(sizes)
    stage = stages[int(np.clip(active, 0, len(stages) - 1))]
    # crowded: the input and output nodes' names beside them, and nodes narrower than a column
    left = right = 0.0
    if crowded:  # x units for the names: what is left of look.plot_px shared by the columns
        px = [_name_px(p, sizes, look, stage, q) for q in (0, L)]
        unit = (look.plot_px - sum(px)) / (L + 0.84)
        left, right = px[0] / unit, px[1] / unit
        look = _with_node(look, unit - 8)
    spans = pass_spans(p)
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
    colors, texts, inks, rings = _stage_nodes(stage, p, spans)
    hover = _node_hover(p, sizes)
    if hidden_node is not None:
        k = sum(sizes[:hidden_node[0]]) + hidden_node[1]
        if texts[k]:
            texts[k] = "?"
        hover[k] = (f"{node_name(*hidden_node, L, stage.shows[hidden_node[0]], batch)}: "
                    "your turn, work it out")
    xy = np.vstack(pos)
    number_font = {**SMALL_FONT, "size": look.number}
    fig.add_scatter(x=xy[:, 0], y=xy[:, 1], mode="markers+text", textposition="middle center",
                    showlegend=False, text=texts, textfont={**number_font, "color": inks},
                    marker={"size": look.node, "symbol": "circle", "color": colors,
                            "line": {"width": rings, "color": HIGHLIGHT}},
                    hovertext=hover, hoverinfo="text",
                    selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 1}})
    deltas = "delta" in stage.shows
    _add_scales(fig, spans, deltas, batch, look)
    rows = _add_labels(fig, p, stage, sizes, pos, look, crowded)
    fig.update_layout(**base_layout(
        height=look.height, margin={"l": 4, "r": 64, "t": 4, "b": 4},  # r: the colour bars
        xaxis={"visible": False, "range": [-0.42 - left, L + 0.42 + right],
               "fixedrange": True},
        yaxis={"visible": False, "range": rows, "fixedrange": True},
        # a click selects (an edge's spot picks its weight to set: panels/edit_weight.py);
        # nothing fades for it (each trace keeps its look, selected or not)
        clickmode="event+select", dragmode=False, uirevision="network"))
    return fig


def _add_scales(fig: go.Figure, spans: dict, deltas: bool, batch: bool, look: Look) -> None:
    """One colour bar for the values, and one for the error signals on the stages that
    show them: each spans its quantity's largest magnitude in the pass."""
    bars = [("x, z, a", spans["value"])] + ([("ΣΔ" if batch else "δ", spans["delta"])]
                                            if deltas else [])
    tick = {**SMALL_FONT, "size": look.label - 1}
    for n, (title, span) in enumerate(bars):
        y, length = (0.45, 0.7) if len(bars) == 1 else (0.7 - 0.48 * n, 0.36)
        fig.add_scatter(x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
                        marker={"colorscale": DIVERGING, "showscale": True, "color": [0],
                                "cmin": -span, "cmax": span,
                                "colorbar": {"title": {"text": title, "font": tick},
                                             "tickfont": tick, "len": length, "y": y,
                                             "x": 1.0, "xanchor": "left", "thickness": 12,
                                             "xpad": 6, "tickvals": [-span, 0, span],
                                             # below each tick: clear of the title above
                                             "ticklabelposition": "outside bottom",
                                             "ticktext": [f"{-span:.2g}", "0",
                                                          f"{span:.2g}"]}})


def _name_px(p: PassData, sizes, look: Look, stage: Stage, q: int) -> float:
    """Pixels beside layer q's nodes for their names (crowded): the widest at ~0.55 em a
    character, from the node's edge (the output's targets too: under its names)."""
    L = len(sizes) - 1
    names = [node_name(q, i, L, stage.shows[q], p.form == "batch", p.inputs)
             for i in range(sizes[q])]
    if q == L:
        names += [f"y₁ = {v:.3g}" for v in p.Y.mean(axis=0)]
    return 6 + 0.55 * look.label * max(len(n) for n in names)


def _add_labels(fig: go.Figure, p: PassData, stage: Stage, sizes, pos, look: Look,
                crowded: bool = False) -> list:
    """Node names above their nodes (crowded: beside the input and output nodes only),
    layer headings, the shapes of W, the targets; returns the y range that leaves room for
    them (a layer's rows are one y unit apart)."""
    L, batch = len(sizes) - 1, p.form == "batch"
    most = max(sizes)
    r = look.node / 2
    label_px, head_px, shape_px = look.label + 4, 2 * look.label + 10, 2 * look.label + 6
    if crowded:
        label_px = 0
    row_px = (look.height - 8 - look.node - label_px - head_px - shape_px) / max(most - 1, 1)
    top = (most - 1) / 2 + (r + label_px + head_px) / row_px
    bottom = -(most - 1) / 2 - (r + shape_px) / row_px
    font = {**SMALL_FONT, "size": look.label, "color": LABEL_INK}
    for q, n in enumerate(sizes):
        for i in range(n):
            x, y = pos[q][i]
            name = node_name(q, i, L, stage.shows[q], batch, p.inputs)
            if not crowded:
                fig.add_annotation(x=x, y=y, yshift=r + 1, yanchor="bottom", showarrow=False,
                                   text=name, font=font,
                                   bgcolor="rgba(255,255,255,0.85)", borderpad=0)
            elif q in (0, L):
                fig.add_annotation(x=x, y=y, xshift=-(r + 2) if q == 0 else r + 2,
                                   xanchor="right" if q == 0 else "left", showarrow=False,
                                   text=name, font=font, borderpad=0)
        # at the ends, over the outer edge of the column; crowded, over it (room is beside)
        side = "center" if crowded else "right" if q == L else "left" if q == 0 else "center"
        fig.add_annotation(x=q if crowded else -0.4 if q == 0 else L + 0.4 if q == L else q,
                           y=(most - 1) / 2, yshift=r + label_px + 2, yanchor="bottom",
                           showarrow=False, font=font, xanchor=side, align=side,
                           text=layer_heading(q, L, stage.shows[q], batch, crowded))
    for q in range(1, L + 1):
        fig.add_annotation(x=q - 0.5, y=-(most - 1) / 2, yshift=-(r + 2), yanchor="top",
                           showarrow=False, font=font,
                           text=f"W{sup(q)}" + ("" if crowded else f"<br>{sizes[q]}×{sizes[q - 1]}"))
    # the targets (a batch's mean: ȳ), under the output layer (room below its last node)
    fig.add_annotation(x=L, y=-(sizes[L] - 1) / 2, yshift=-(r + 2), yanchor="top",
                       xshift=r + 2 if crowded else 0, xanchor="left" if crowded else "center",
                       showarrow=False, font=font, bgcolor="rgba(255,255,255,0.85)",
                       text="<br>".join(
                           f"{'ȳ' if batch else 'y'}{str(i + 1).translate(SUB)} = {v:.3g}"
                           for i, v in enumerate(p.Y.mean(axis=0))))
    # hover (and click) targets on each edge: w, ∂L/∂w and the updated w, exact to 4 digits
    mx, my, tips, which = [], [], [], []
    for q in range(1, L + 1):
        for i in range(sizes[q]):
            for j in range(sizes[q - 1]):
                (x0, y0), (x1, y1) = pos[q - 1][j], pos[q][i]
                which.append([q, i, j])  # a click on this spot picks W^(q)[i, j]
                mx.append(x0 + EDGE_SPOT * (x1 - x0))
                my.append(y0 + EDGE_SPOT * (y1 - y0))
                tips.append(f"w{sup(q)}<sub>{i + 1}{j + 1}</sub> = {_fmt(p.W[q - 1][i, j])}"
                            f"<br>∂L/∂w = {_fmt(p.dW[q - 1][i, j])}"
                            f"<br>after the update: {_fmt(p.W_new[q - 1][i, j])}")
    fig.add_scatter(x=mx, y=my, mode="markers", hovertext=tips, hoverinfo="text",
                    customdata=which, name="edges", selected={"marker": {"opacity": 1}},
                    unselected={"marker": {"opacity": 1}},
                    marker={"size": 14, "color": "rgba(0,0,0,0)"}, showlegend=False)
    return [bottom, top]

