"""The other downloads: the training history as CSV, the stage's equations as Markdown
with LaTeX, and a NumPy-only script of the forward pass with these weights."""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from nncore import MLP, History
from nncore.features import DEFAULT as DEFAULT_FEATURES

from ..equations import stage_equations
from ..stages import build_stages
from ..state import SIZES, Lab, current_pass
from .text import float_text


# ---------------------------------------------------------------- other downloads
def history_csv(history: History, L: int = len(SIZES) - 1) -> bytes:
    """The training history as CSV, one row per recorded epoch: epoch, train_loss,
    test_loss, train_acc, test_acc, grad_norm_W1 … grad_norm_W{L} (‖∂L/∂W^(q)‖ on the
    training set), saturation_1 … saturation_{L-1} (share of saturated hidden units).
    A series that was not recorded (no test set) or has no value (a regression network's
    accuracy) leaves its cells empty."""
    cols = (["epoch", "train_loss", "test_loss", "train_acc", "test_acc"]
            + [f"grad_norm_W{q}" for q in range(1, L + 1)]
            + [f"saturation_{q}" for q in range(1, L)])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(cols)

    def cell(series, i, j=None):
        if i >= len(series):
            return ""
        v = series[i] if j is None else (series[i][j] if j < len(series[i]) else None)
        return "" if v is None or math.isnan(v) else float_text(v)  # (regression: acc NaN)

    h = history
    for i, e in enumerate(h.epoch):
        w.writerow([str(int(e))]
                   + [cell(getattr(h, s), i) for s in cols[1:5]]
                   + [cell(h.grad_norm, i, q) for q in range(L)]
                   + [cell(h.saturation, i, q) for q in range(L - 1)])
    return out.getvalue().encode("utf-8")


def equations_markdown(lab: Lab, view, stage_index: int) -> bytes:
    """The current stage's equations with the live numbers, as Markdown with LaTeX:
    a heading (stage, title, what flows through), then per equation its symbolic,
    numeric and shapes lines, each a ``$$ … $$`` block. view : lab.state.View."""
    stages = build_stages(lab.net.L, view.form)
    k = min(max(int(stage_index), 0), len(stages) - 1)
    stage, p = stages[k], current_pass(lab, view)
    form = "one sample, column vectors" if view.form == "sample" else \
        "mini-batch, row vectors"
    lines = [f"# Stage {k + 1}/{len(stages)}: {stage.title}", "",
             (f"What flows through: {view.what} ({form}). Network "
              f"{'-'.join(map(str, lab.net.sizes))}, activation "
              f"{p.activation}, learning rate γ = {p.lr:g}, loss L = {p.loss:.6g}; "
              f"training step {lab.trainer.steps}, epoch {lab.trainer.epoch}. Numbers are "
              "rounded to 3 decimals."), ""]
    for i, eq in enumerate(stage_equations(stage, p), 1):
        lines += [f"## Equation {i}", "", "Symbolic:", "", "$$", eq.symbolic, "$$", "",
                  "With the numbers:", "", "$$", eq.numeric, "$$", "",
                  "Shapes:", "", "$$", eq.shapes, "$$", ""]
    return "\n".join(lines).encode("utf-8")


_SIGMA_SRC = {
    "tanh": "np.tanh(z)",
    "sigmoid": "0.5 * (1.0 + np.tanh(0.5 * z))",  # through tanh: never overflows
    "relu": "np.maximum(z, 0.0)",
    "identity": "z",
}
SCRIPT_X = ((0.5, -0.5), (-0.8, 0.3), (0.0, 0.0))  # the sample inputs the script prints
# nncore.features, as the script computes them from the points' columns x1, x2
_FEATURE_SRC = {"x1": "x1", "x2": "x2", "x1sq": "x1 * x1", "x2sq": "x2 * x2",
                "x1x2": "x1 * x2", "sin1": "np.sin(x1)", "sin2": "np.sin(x2)"}


def forward_script(net: MLP, features=DEFAULT_FEATURES) -> bytes:
    """A stand-alone Python script (numpy only) with these weights as literals (repr,
    bit-exact) and ``forward(X)``: points X (N, 2) → their features (the network's input,
    nncore.features) → Ŷ (N, n_L), Z^(q) = A^(q-1) W^(q)ᵀ + b^(q)ᵀ, A^(q) = σ(Z^(q)),
    linear output. Run as a script it prints Ŷ for SCRIPT_X."""
    cols = ", ".join(_FEATURE_SRC[f] for f in features)
    def lit(a: np.ndarray) -> str:
        if a.ndim == 1:
            return "[" + ", ".join(float_text(v) for v in a) + "]"
        return "[\n        " + ",\n        ".join(lit(r) for r in a) + ",\n    ]"

    W = "".join(f"    np.array({lit(w)}),  # W^({q + 1}): {w.shape}\n"
                for q, w in enumerate(net.W))
    b = "".join(f"    np.array({lit(v)}),  # b^({q + 1}): {v.shape}\n"
                for q, v in enumerate(net.b))
    X = "[" + ", ".join("[" + ", ".join(float_text(v) for v in x) + "]" for x in SCRIPT_X) + "]"
    src = f'''"""The forward pass of a Backprop Lab network, sizes {tuple(net.sizes)}, hidden
activation {net.activation}, linear output. Needs only numpy: python this_file.py

W[q-1] is W^(q) of shape (n_q, n_(q-1)); b[q-1] is b^(q) of shape (n_q,).
The weights are written with repr, so they are the exported float64 values bit for bit.
"""

import numpy as np

W = [
{W}]
b = [
{b}]


def sigma(z):
    """The hidden activation, {net.activation}."""
    return {_SIGMA_SRC[net.activation]}


def inputs(X):
    """The network's input for points X (N, 2): the features {", ".join(features)}."""
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    x1, x2 = X[:, 0], X[:, 1]
    return np.column_stack([{cols}])


def forward(X):
    """Y_hat (N, {net.sizes[-1]}) for points X (N, 2), fed as {net.sizes[0]} features:
    Z^(q) = A^(q-1) W^(q)^T + b^(q)^T, A^(q) = sigma(Z^(q)); the last layer is linear."""
    A = inputs(X)
    for q in range(len(W)):
        Z = A @ W[q].T + b[q]
        A = Z if q == len(W) - 1 else sigma(Z)
    return A


if __name__ == "__main__":
    X = np.array({X})
    for x, y in zip(X, forward(X)):
        print("x =", [float(v) for v in x], "y_hat =", [float(v) for v in y])
'''
    return src.encode("utf-8")
