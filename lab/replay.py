"""Rebuild a run from a link: its start weights, its journal, then its steps.

Training is deterministic for given data and settings, so replaying what the journal
says happened (lab/journal.py), with the same functions the app used, gives the same
weights, counters and history bit for bit. Pure: no Streamlit.
"""

from __future__ import annotations

import numpy as np

from nncore import MLP

from .journal import Edit, OneStep, Trained
from .state import Lab, View, apply_one_step, hand_settings, set_weight, start_from


def replay(lab: Lab, steps: int, entries=(), start: np.ndarray | None = None) -> str:
    """Train ``lab`` (at its settings, a fresh run) up to ``steps``, through the journal
    ``entries``, from the weights ``start`` (``MLP.get_flat`` order) when given. Returns
    '' or a message saying what could not be replayed (training that diverged; a single
    step on rows outside the data or a weight the network lacks, each left out while the
    rest of the link is replayed)."""
    if start is not None:
        net = MLP(lab.net.sizes, lab.net.activation)
        net.set_flat(start)
        start_from(lab, net.W, net.b)
    t, n = lab.trainer, lab.data.X_train.shape[0]
    done, left_out = [], []
    for e in entries:
        if isinstance(e, Trained):  # the steps up to it, at its settings
            t.lr, t.batch_size, t.momentum = e.lr, e.batch_size, e.momentum
        t.step(max(0, e.at - t.steps))
        if isinstance(e, OneStep):
            if max(e.rows) >= n:  # left out; the rest of the link is replayed
                left_out.append(f"The link's single SGD step uses training row {max(e.rows)}, "
                                f"but this data has {n} rows: it was left out.")
                continue
            apply_one_step(lab, View("sample" if len(e.rows) == 1 else "batch",
                                     np.array(e.rows)), lr=e.lr)
        elif isinstance(e, Edit):
            if not (e.q <= lab.net.L and e.i < lab.net.sizes[e.q]
                    and e.j < lab.net.sizes[e.q - 1]):
                left_out.append(f"The link sets a weight W({e.q})[{e.i + 1},{e.j + 1}] that "
                                f"this network ({'-'.join(map(str, lab.net.sizes))}) does not "
                                "have: it was left out.")
                continue
            set_weight(lab, e.q, e.i, e.j, e.value)
        done.append(e)
        if t.diverged:
            break
    lab.journal.entries = done  # as it was recorded (setting each span's settings did not)
    hand_settings(lab)
    t.step(max(0, steps - t.steps))
    if t.diverged:
        left_out.append("Replaying the link's training diverged: " + t.message)
    return " ".join(left_out)
