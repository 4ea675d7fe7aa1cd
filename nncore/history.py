"""What training leaves behind: the bounded per-epoch :class:`History`, a :class:`Trace` of
many records taken in one call, and a :class:`Checkpoint` to go back to a step."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Trace:
    """What :meth:`Trainer.trace` recorded, one row per record, oldest first.

    steps, epochs : (R,) int64, the step and epoch counters at each record;
    theta : (R, n_params) float64, the parameters then, in :meth:`MLP.get_flat` order;
    metrics : the per-epoch metrics (as :attr:`Trainer.latest`) of the last epoch that
        ended between two records, for each such record, oldest first.
    """

    steps: np.ndarray
    epochs: np.ndarray
    theta: np.ndarray
    metrics: list[dict]

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        span = f", steps {self.steps[0]}…{self.steps[-1]}" if len(self) else ""
        return f"Trace({len(self)} records{span}, {len(self.metrics)} epoch metrics)"


@dataclass
class History:
    """Per-epoch records, bounded: past ``max_points`` entries every other one is
    dropped and from then on only every ``stride``-th epoch is recorded.

    epoch : epoch numbers recorded (1-based: after the first epoch, 1).
    train_loss, test_loss, train_acc, test_acc : floats per recorded epoch
        (test lists stay empty without a test set).
    grad_norm : per recorded epoch, ‖∂L/∂W^(q)‖ on the full training set, q = 1 … L.
    saturation : per recorded epoch, the share of saturated units in each hidden layer.
    """

    max_points: int = 1000
    stride: int = 1
    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    grad_norm: list[list[float]] = field(default_factory=list)
    saturation: list[list[float]] = field(default_factory=list)
    diverged: bool = False
    message: str = ""
    steps: int = 0

    _SERIES = ("epoch", "train_loss", "test_loss", "train_acc", "test_acc", "grad_norm",
               "saturation")

    def record(self, m: dict) -> None:
        if m["epoch"] % self.stride:
            return
        for name in self._SERIES:
            if m.get(name) is not None:
                getattr(self, name).append(m[name])
        if len(self.epoch) > self.max_points:
            # Keep the epochs on the coarser grid, so points stay evenly spaced. New
            # lists, not edits in place: a Checkpoint holds on to the old ones.
            self.stride *= 2
            keep = [i for i, e in enumerate(self.epoch) if e % self.stride == 0]
            for name in self._SERIES:
                series = getattr(self, name)
                if series:
                    setattr(self, name, [series[i] for i in keep])

    def _mark(self) -> tuple:
        """What a Checkpoint needs to bring this history back: the series (the lists
        themselves: they only grow until a thinning replaces them) and their lengths."""
        series = tuple(getattr(self, name) for name in self._SERIES)
        return (series, tuple(len(x) for x in series), self.stride, self.diverged,
                self.message, self.steps)

    def _back_to(self, mark: tuple) -> None:
        series, lengths, self.stride, self.diverged, self.message, self.steps = mark
        for name, x, n in zip(self._SERIES, series, lengths):
            setattr(self, name, x[:n])

    def __repr__(self) -> str:
        last = f", train_loss={self.train_loss[-1]:.4g}" if self.train_loss else ""
        return (f"History(epochs={self.epoch[-1] if self.epoch else 0}{last}, "
                f"diverged={self.diverged})")


@dataclass(frozen=True, repr=False)
class Checkpoint:
    """A trainer's whole state at one step, from :meth:`Trainer.checkpoint`; give it to
    :meth:`Trainer.restore` of the same trainer to go back there. Small: θ, the momentum
    velocity, the counters, the shuffling's random state, and a mark into the history
    (no copy of it)."""

    _owner: object  # the trainer's own token (not the trainer: no reference cycle)
    steps: int
    epoch: int
    _state: tuple

    def __repr__(self) -> str:
        return f"Checkpoint(steps={self.steps}, epoch={self.epoch})"
