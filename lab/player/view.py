"""What the player element is given on a full rerun (pure: no Streamlit).

Sent once per full rerun, never per frame: the data points and the exact current weights
as float64 (so a paused frame draws exactly ``lab.net``, and the loss and accuracy the
player computes from them are nncore's), the per-epoch history so far, the speed, and the
status. Arrays travel as base64 of little-endian bytes.
"""

from __future__ import annotations

import base64

import numpy as np

from nncore.features import TEXT

from ..state import Lab
from .protocol import finished, interval_for, stride_for, sync
from .route import PATH, register
from .wire import metrics_row, to_f32

GRID = 50  # the maps' resolution in the browser (each frame: one forward pass of 2,500 points)
HISTORY_POINTS = 500  # epochs of history sent on a full rerun (thinned evenly)


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def _history(lab: Lab) -> dict:
    """Per-epoch metrics, epoch 0 (the run's start) first, as float32 rows in wire order
    (wire.metrics_row)."""
    t = lab.trainer
    h = t.history
    epochs = [0] + list(h.epoch)
    rows = [metrics_row(t.initial_metrics)]
    for i in range(len(h.epoch)):
        rows.append(metrics_row({
            "train_loss": h.train_loss[i], "test_loss": h.test_loss[i] if h.test_loss else None,
            "train_acc": h.train_acc[i], "test_acc": h.test_acc[i] if h.test_acc else None,
            "grad_norm": h.grad_norm[i], "saturation": h.saturation[i]}))
    if len(epochs) > HISTORY_POINTS:
        keep = np.unique(np.linspace(0, len(epochs) - 1, HISTORY_POINTS).round().astype(int))
        epochs = [epochs[i] for i in keep]
        rows = [rows[i] for i in keep]
    return {"n": len(epochs), "epoch": b64(np.array(epochs, "<u4")),
            "rows": b64(to_f32(np.array(rows, dtype=np.float64)))}


def status(lab: Lab) -> str:
    """Why training stopped, once it has (while playing the player may not have got there)."""
    t = lab.trainer
    if lab.running:
        return ""
    if t.diverged:
        return t.message
    if finished(lab):
        return (f"Reached the epoch limit ({lab.settings.epochs_limit}). Raise 'Stop after "
                "epoch' in the sidebar to train on.")
    return ""


def player_data(lab: Lab, rate: float, sample: int | None = None, scale: float = 1.0,
                show_test: bool = True, discretize: bool = False) -> dict:
    """The player element's JSON: everything but the live snapshots. ``rate``: the speed
    in steps/s; ``sample``: the training row picked in the step-by-step view (ringed on the
    map); ``scale``: the size of the canvas text (1.35 in presenter mode); ``show_test``:
    draw the test points on the map; ``discretize``: the map in two colours, the class the
    network picks, instead of the shade of ŷ₂ − ŷ₁."""
    ps = sync(lab)
    d, t = lab.data, lab.trainer
    X = np.vstack([d.X_train, d.X_test])
    y = np.concatenate([d.y_train, d.y_test])
    return {
        "run": lab.generation,
        "stream": ps.stream,
        "settled": ps.settled,
        "activation": lab.net.activation,
        "sizes": list(lab.net.sizes),
        "features": list(lab.settings.features),  # what the input layer is fed (net.js)
        "input_names": [TEXT[f] for f in lab.settings.features],
        "extent": d.extent,
        "grid": GRID,
        "points": {"n_train": int(d.X_train.shape[0]), "x": b64(X.astype("<f8")),
                   "y": b64(y.astype(np.uint8)),
                   # a regression set's real targets (the player's loss and point colours)
                   **({"t": b64(np.concatenate([d.Y_train[:, 0], d.Y_test[:, 0]]).astype("<f8"))}
                      if d.n_outputs == 1 else {})},
        "state": {"step": t.steps, "epoch": t.epoch, "theta": b64(lab.net.get_flat())},
        "history": _history(lab),
        "running": bool(lab.running),
        "speed": rate,
        "stride": stride_for(rate),
        "interval": interval_for(rate),
        "status": status(lab),
        "sample": sample,
        "scale": scale,
        "show_test": bool(show_test),
        "discretize": bool(discretize),
        # pulls over HTTP beside the app (route.py), relative to the page's address
        "route": {"path": PATH.lstrip("/"), "token": register(lab)},
    }
