"""What the network picture calls things: a node's number and name, a layer's heading, a
node's hover text. Pure (no Plotly figure is built here); lab/figures/network.py draws."""

from __future__ import annotations

from nncore.features import TEXT

from ..passdata import PassData
from ..stages import SUB, sup

KIND_NAME = {"a": "a", "z": "z", "delta": "δ"}


def node_text(v: float) -> str:
    """The number on a node: 2 decimals while that fits the node (7 characters: -999.99,
    9999.99), beyond that 2 significant digits and a power of ten (1.2e+09)."""
    s = f"{v:.2f}"
    return s if len(s) <= 7 else f"{v:.1e}"


def _fmt(v: float) -> str:
    """A hover's number: 4 significant digits, 1.235e+09 when large."""
    return f"{v:.4g}"


def node_name(q: int, i: int, L: int, kind: str, batch: bool,
              inputs: tuple[str, ...] | None = None) -> str:
    """The name of unit i of layer q for what it shows (kind "a", "z", "delta", or "" when
    pending): x₁, z₁⁽¹⁾, a₂⁽¹⁾, ŷ₁, δ₂⁽³⁾; a batch's capitals, and ΣΔ for δ summed. An
    input fed a feature other than the point's own coordinates is named by it (x₁², sin x₂)."""
    k = str(i + 1).translate(SUB)
    if q == 0:
        if inputs is not None and tuple(inputs) != ("x1", "x2"):
            return TEXT[inputs[i]]
        return ("X" if batch else "x") + k
    if kind == "delta":
        return ("ΣΔ" if batch else "δ") + k + sup(q)
    if q == L:
        return ("Ŷ" if batch else "ŷ") + k
    name = KIND_NAME.get(kind or "a", "a")
    return (name.upper() if batch else name) + k + sup(q)


def layer_heading(q: int, L: int, kind: str, batch: bool, short: bool = False) -> str:
    """Two lines over layer q: where it is, and (bold) what its nodes show now."""
    # a deep network's columns are too close for "layer q": its quantity names it (a⁽q⁾)
    short = short or L >= 4
    # (short: the quantity alone names every column, x … ŷ; the words would overlap)
    where = "" if short else "input" if q == 0 else "output" if q == L else f"layer {q}"
    if not kind:
        return f"{where}<br><b>—</b>"
    if q == 0:
        what = "X" if batch else "x"
    elif kind == "delta":
        what = f"{'' if short else '1ᵀ'}Δ{sup(q)}" if batch else f"δ{sup(q)}"
    elif q == L:
        what = "Ŷ" if batch else "ŷ"
    else:
        what = (KIND_NAME[kind].upper() if batch else KIND_NAME[kind]) + sup(q)
    return f"{where}<br><b>{what}</b>"


def _node_hover(p: PassData, sizes) -> list[str]:
    L = len(sizes) - 1
    mean = " (mean over the batch)" if p.form == "batch" else ""
    out = []
    for q, n in enumerate(sizes):
        for i in range(n):
            name = node_name(q, i, L, "a", False, p.inputs)
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
