"""The plain training loop: a :class:`~nncore.trainer.Trainer` run for a number of epochs.

Mini-batch SGD comes in three separate pieces: :func:`~nncore.sgd.sgd_update` applies given
gradients (the derivation's θ ← θ − γ∇L), the Trainer advances training step by step, and
:func:`train` is the loop. This module also gives every name of the three, as it always
has (``from nncore.train import Trainer``).
"""

from __future__ import annotations

from ._checks import check_int
from ._stepper import SATURATION_FRACTION
from .history import Checkpoint, History, Trace
from .mlp import MLP
from .sgd import divergence_message, sgd_update
from .trainer import DEFAULTS, MAX_BUFFER, MAX_STEPS, Defaults, Trainer

__all__ = ["DEFAULTS", "MAX_BUFFER", "MAX_STEPS", "SATURATION_FRACTION", "Checkpoint",
           "Defaults", "History", "Trace", "Trainer", "divergence_message", "sgd_update",
           "train"]


def train(net: MLP, X, Y, *, lr=DEFAULTS.lr, batch_size=DEFAULTS.batch_size,
          epochs=DEFAULTS.epochs, momentum=DEFAULTS.momentum, seed=DEFAULTS.seed,
          X_test=None, Y_test=None) -> History:
    """Train ``net`` in place for ``epochs`` epochs of mini-batch SGD.

    X : (N, n_0), Y : (N, n_L); epochs ≥ 1 with epochs × ⌈N / batch_size⌉ at most
    :data:`MAX_STEPS`. Returns the :class:`History` with one entry per
    epoch (``hist.train_loss[-1]`` is the loss after the last epoch); training
    stops early, with ``hist.diverged`` and ``hist.message``, if the loss blows up.
    """
    epochs = check_int("epochs", epochs, 1)
    t = Trainer(net, X, Y, X_test, Y_test, lr=lr, batch_size=batch_size,
                momentum=momentum, seed=seed, max_history=max(epochs, 2))
    steps = epochs * t.steps_left_in_epoch
    if steps > MAX_STEPS:
        raise ValueError(
            f"epochs = {epochs:_} of {t.steps_left_in_epoch} steps each is {steps:_} "
            f"mini-batch steps; train takes at most {MAX_STEPS:_} (hours otherwise): "
            "lower epochs or raise batch_size"
        )
    for _ in range(epochs):
        t.step_epoch()
        if t.diverged:
            break
    return t.history
