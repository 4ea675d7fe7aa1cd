"""What the player element is given on a full rerun (pure: no Streamlit).

Sent once per full rerun, never per frame: the data points and the exact current weights
as float64 (so a paused frame draws exactly ``lab.net``, and the loss and accuracy the
player computes from them are nncore's), the per-epoch history so far, the speed, and the
status. Arrays travel as base64 of little-endian bytes.
"""

from __future__ import annotations

import base64

import numpy as np

from .protocol import PlayerState, flags_of, interval_for, stride_for, to_f32

EXTENT = 1.3  # the plane drawn: [-1.3, 1.3]², where every dataset lives
GRID = 50  # the maps' resolution in the browser (each frame: one forward pass of 2,500 points)
HISTORY_POINTS = 500  # epochs of history sent on a full rerun (thinned evenly)


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def _history(lab, ps: PlayerState) -> dict:
    """Per-epoch metrics (epoch 0 first when known), as float32 rows of
    [train loss, test loss, train acc, test acc, ‖∂L/∂W¹‖, ‖∂L/∂W²‖, ‖∂L/∂W³‖, sat¹, sat²]."""
    h = lab.trainer.history
    rows, epochs = [], []
    if ps.first_epoch is not None:
        m = ps.first_epoch
        epochs.append(0)
        rows.append([m["train_loss"], _nan(m["test_loss"]), m["train_acc"], _nan(m["test_acc"]),
                     *m["grad_norm"], *m["saturation"]])
    for i, e in enumerate(h.epoch):
        epochs.append(e)
        rows.append([h.train_loss[i], h.test_loss[i] if h.test_loss else np.nan,
                     h.train_acc[i], h.test_acc[i] if h.test_acc else np.nan,
                     *h.grad_norm[i], *h.saturation[i]])
    if len(epochs) > HISTORY_POINTS:
        keep = np.unique(np.linspace(0, len(epochs) - 1, HISTORY_POINTS).round().astype(int))
        epochs = [epochs[i] for i in keep]
        rows = [rows[i] for i in keep]
    table = to_f32(np.array(rows, dtype=np.float64).reshape(len(rows), 9))
    return {"n": len(epochs), "epoch": b64(np.array(epochs, "<u4")), "rows": b64(table)}


def _nan(v) -> float:
    return float("nan") if v is None else float(v)


def player_data(lab, ps: PlayerState, sample: int | None = None) -> dict:
    """The player element's JSON: everything but the live snapshots."""
    ps.sync(lab)
    d, t = lab.data, lab.trainer
    X = np.vstack([d.X_train, d.X_test])
    y = np.concatenate([d.y_train, d.y_test])
    status = ""  # while running, the trainer may have finished ahead of the screen
    if not lab.running and t.diverged:
        status = t.message
    elif not lab.running and t.epoch >= lab.settings.epochs_limit:
        status = (f"Reached the epoch limit ({lab.settings.epochs_limit}). Raise 'Stop after "
                  "epoch' in the sidebar to train on.")
    return {
        "v": 1,
        "gen": lab.generation,
        "activation": lab.net.activation,
        "sizes": list(lab.net.sizes),
        "extent": EXTENT,
        "grid": GRID,
        "points": {"n_train": int(d.X_train.shape[0]), "x": b64(X.astype("<f8")),
                   "y": b64(y.astype(np.uint8))},
        "state": {"step": t.steps, "epoch": t.epoch, "theta": b64(lab.net.get_flat())},
        "history": _history(lab, ps),
        "flags": flags_of(lab),
        "running": bool(lab.running),
        "speed": ps.speed,
        "stride": stride_for(ps.speed),
        "interval": interval_for(ps.speed),
        "limit": lab.settings.epochs_limit,
        "status": status,
        "sample": sample,
    }
