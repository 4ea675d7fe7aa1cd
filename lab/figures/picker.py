"""The small scatter of the training data used to pick the sample that flows through."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import CLASS_COLORS, CLASS_SYMBOLS, DIVERGING, HIGHLIGHT, SMALL_FONT, base_layout


def sample_picker_figure(X: np.ndarray, y: np.ndarray, chosen: np.ndarray,
                         extent: float = 1.3, height: int = 330,
                         values: np.ndarray | None = None) -> go.Figure:
    """X (n, 2) training inputs, y (n,) class indices 0/1 (drawn as class 1 and class 2),
    chosen (k,) highlighted rows, on the square [−extent, extent]² (the data's plane).
    ``values`` (n,): a regression set's targets, drawn in the diverging colours instead.

    Each point carries its row index in ``customdata`` so a click can select it.
    """
    fig = go.Figure()
    if values is not None:
        rows = np.arange(len(X))
        fig.add_scatter(x=np.round(X[:, 0], 4), y=np.round(X[:, 1], 4), mode="markers",
                        customdata=rows, name="target y", text=np.round(values, 3),
                        marker={"color": values, "colorscale": DIVERGING, "cmin": -1,
                                "cmax": 1, "size": 8, "line": {"width": 0.5, "color": "#333"}},
                        hovertemplate="sample %{customdata}<br>x = (%{x:.3f}, %{y:.3f})"
                                      "<br>y = %{text}<extra></extra>")
    for c in (0, 1) if values is None else ():
        rows = np.flatnonzero(y == c)
        fig.add_scatter(x=np.round(X[rows, 0], 4), y=np.round(X[rows, 1], 4), mode="markers",
                        customdata=rows, name=f"class {c + 1}",
                        marker={"color": CLASS_COLORS[c], "size": 8, "opacity": 0.8,
                                "symbol": CLASS_SYMBOLS[c],
                                "line": {"width": 0.5, "color": "white"}},
                        hovertemplate="sample %{customdata}<br>x = (%{x:.3f}, %{y:.3f})"
                                      "<extra></extra>")
    chosen = np.asarray(chosen, dtype=int)
    fig.add_scatter(x=X[chosen, 0], y=X[chosen, 1], mode="markers", name="flowing through",
                    customdata=chosen, hoverinfo="skip",
                    marker={"size": 16, "color": "rgba(0,0,0,0)", "symbol": "circle",
                            "line": {"width": 3, "color": HIGHLIGHT}})
    fig.update_layout(**base_layout(
        # l: room for the y tick labels (−0.5 was cut to "5" with a 10 px margin)
        height=height, margin={"l": 44, "r": 10, "t": 10, "b": 10}, clickmode="event+select",
        legend={"orientation": "h", "y": -0.08, "font": SMALL_FONT},
        xaxis={"title": None, "tickfont": SMALL_FONT, "range": [-extent, extent],
               "zeroline": False, "automargin": True},
        yaxis={"title": None, "tickfont": SMALL_FONT, "range": [-extent, extent],
               "zeroline": False, "automargin": True,
               "scaleanchor": "x"},
        uirevision="picker"))
    return fig
