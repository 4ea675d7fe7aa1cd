"""The :class:`Trainer`: mini-batch SGD advanced step by step, as a live view needs,
recording per-epoch metrics in a bounded :class:`~nncore.history.History`.

Epochs: the training rows are shuffled at the start of every epoch with the
trainer's own seeded Generator and cut into batches of ``batch_size``; the last
batch of an epoch is smaller when ``batch_size`` does not divide N, and it is used
as it is (its Δ^(L) = (2/N_batch)(Ŷ − Y) keeps its loss a mean).

Momentum is classical (heavy-ball) momentum as PyTorch writes it:
``v ← μ v + ∇L``, ``θ ← θ − γ v``; ``μ = 0`` is exactly the derivation's update.

Divergence: the loss after every step must be finite and at most
:attr:`Trainer.loss_limit` = ``1000 × max(1, initial training loss)``. It is read
for free from the next step's forward pass (on the next mini-batch), at the end of
every :meth:`Trainer.step` call on the mini-batch the next step will use (so the
counters never show a step that blew up, and ``step(10)`` behaves as ten
``step(1)``), and on the whole training set at the end of every epoch. When it is
not, that step is undone exactly: θ and the momentum velocity become bit for bit
what they were before it, and the step and epoch counters go back with them.
Training then stops, ``diverged`` is set and ``message`` (built by
:func:`divergence_message`) names the likely cause, the learning rate.

Weights that no undoable step produced (those the trainer was given, or edited
from outside between calls, or accepted at an epoch's end) are never "rolled back"
to anything older: if their loss is already beyond the limit (or not finite),
training stops with the same message and leaves them as they are.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass

import numpy as np

from ._checks import as_matrix, check_float, check_int, rng_from, show
from ._fused import FusedSGD
from ._stepper import Stepper
from .history import Checkpoint, History, Trace
from .mlp import MLP
from .sgd import check_net, real_or_inf


@dataclass(frozen=True)
class Defaults:
    """The app's defaults; with them the 2-3-4-2 tanh net learns xor, circles,
    moons and gaussians (n = 400, noise 0.1) to ≥ 95 % test accuracy."""

    lr: float = 0.1
    batch_size: int = 32
    epochs: int = 200
    momentum: float = 0.9
    seed: int = 0


DEFAULTS = Defaults()
# Bounds that keep a call from running for hours or exhausting memory (a ValueError
# says so up front): one Trainer.step(k) call, and a whole train(...), take at most
# MAX_STEPS mini-batch steps (~10-30 minutes at the 2-3-4-2 net's speed); a Trainer's
# buffers hold (training + test rows) × Σ sizes at most MAX_BUFFER floats each.
MAX_STEPS = 10_000_000
MAX_BUFFER = 100_000_000


def _seconds(seconds) -> float:
    """A wall-time budget: a real number ≥ 0 (inf allowed), as a float."""
    if (not isinstance(seconds, numbers.Real) or isinstance(seconds, (bool, np.bool_))
            or math.isnan(real_or_inf(seconds)) or seconds < 0):
        raise ValueError(f"seconds must be a number >= 0, got {show(seconds)}")
    return real_or_inf(seconds)


class Trainer(Stepper):
    """Trains ``net`` in place, k mini-batch steps at a time.

    X, Y : training rows, shapes (N, n_0) and (N, n_L); X_test, Y_test optional.
    lr (γ > 0), batch_size (≥ 1), momentum (0 ≤ μ < 1) may be changed between
    calls; seed fixes the shuffling.
    """

    def __init__(self, net: MLP, X, Y, X_test=None, Y_test=None, *, lr=DEFAULTS.lr,
                 batch_size=DEFAULTS.batch_size, momentum=DEFAULTS.momentum,
                 seed=DEFAULTS.seed, max_history: int = 1000):
        check_net("net", net)
        self.net = net
        self.X = as_matrix("X", X, net.sizes[0])
        self.Y = _rows_like("Y", Y, self.X, net.sizes[-1])
        if (X_test is None) != (Y_test is None):
            raise ValueError("X_test and Y_test must be given together, got only one of them")
        self.X_test = None if X_test is None else as_matrix("X_test", X_test, net.sizes[0])
        self.Y_test = (None if Y_test is None
                       else _rows_like("Y_test", Y_test, self.X_test, net.sizes[-1]))
        self.lr = lr
        self.batch_size = batch_size
        self.momentum = momentum
        rows = self.X.shape[0] + (0 if self.X_test is None else self.X_test.shape[0])
        if rows * (sum(net.sizes) + 1) > MAX_BUFFER:
            raise ValueError(
                f"X ({self.X.shape[0]} rows) and X_test are too large for a network with "
                f"sizes summing to {sum(net.sizes)}: rows × (Σ sizes + 1) must be at most "
                f"{MAX_BUFFER:_}"
            )
        self.rng = rng_from(seed)
        self.history = History(max_points=check_int("max_history", max_history, 2))
        self.epoch = 0
        self.steps = 0
        self.last_batch = np.arange(0)
        self._perm = np.arange(0)
        self._perm_epoch = -1  # the epoch self._perm was drawn for
        self._pos = 0
        self._f = FusedSGD(net.sizes, net.act)
        self._X_aug = np.ones((self.X.shape[0], net.sizes[0] + 1))
        self._X_aug[:, :-1] = self.X
        self._eval = {}
        for key, Xs, Ys in (("train", self.X, self.Y), ("test", self.X_test, self.Y_test)):
            if Xs is not None:
                buf = self._f.buffers(key, Xs.shape[0])
                buf["H"][0][...] = Xs
                buf["Y"][...] = Ys
                buf["label"] = np.argmax(Ys, axis=1)  # the targets' classes, fixed
                self._eval[key] = buf
        self._f.load(net)
        self._undo: tuple | None = None  # counters from before the last undoable update
        self._given = True  # θ is what the trainer was given (no update of its own yet)
        self._token = object()  # names this trainer's checkpoints
        with np.errstate(all="ignore"):  # blown-up weights: a non-finite loss, handled
            self.latest = self._evaluate()
        self._initial = dict(self.latest)
        L0 = self.latest["train_loss"]
        # NaN initial loss: the limit 1000 makes the first step stop (max would keep 1.0)
        self._loss_limit = 1000.0 * (max(1.0, L0) if np.isfinite(L0) else 1.0)

    # ------------------------------------------------------------ settings
    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, v) -> None:
        self._lr = check_float("lr", v, 0.0, low_open=True)

    @property
    def batch_size(self) -> int:
        return self._batch_size

    @batch_size.setter
    def batch_size(self, v) -> None:
        self._batch_size = check_int("batch_size", v, 1)

    @property
    def momentum(self) -> float:
        return self._momentum

    @momentum.setter
    def momentum(self, v) -> None:
        self._momentum = check_float("momentum", v, 0.0, 1.0)

    @property
    def diverged(self) -> bool:
        return self.history.diverged

    @property
    def message(self) -> str:
        return self.history.message

    @property
    def initial_metrics(self) -> dict:
        """The metrics of the weights the trainer was given, before any step (epoch 0): the
        first point of a run's loss and accuracy curves (the history starts at epoch 1)."""
        return dict(self._initial)

    @property
    def loss_limit(self) -> float:
        """1000 · max(1, initial training loss): a step after which the loss is above
        this (or not finite) has diverged. Fixed at construction."""
        return self._loss_limit

    # ------------------------------------------------------------ stepping
    def step(self, k: int = 1) -> int:
        """Advance k mini-batch steps (fewer if training diverges); returns the
        number of steps taken and kept. The network's W, b are current on return.
        k : 0 ≤ k ≤ :data:`MAX_STEPS`."""
        k = check_int("k", k, 0, MAX_STEPS)
        with np.errstate(all="ignore"):  # overflow is divergence, detected and reported
            return self._step(k)

    def _step(self, k: int) -> int:
        f = self._f
        if f.sync(self.net):  # edited between calls: these weights are the new start
            self._undo, self._given = None, True
        start = self.steps
        try:
            self._run(k)
            self._check_last()
        finally:
            f.store(self.net)
            self.history.steps = self.steps
        return max(self.steps - start, 0)

    def trace(self, n: int, stride: int = 1, *, seconds: float = math.inf,
              until_epoch: int | None = None) -> Trace:
        """Up to ``n × stride`` steps in one call, recording the parameters after every
        ``stride`` steps: what a live view draws, at the cost of one call.

        Stops early when training diverges, after ``seconds`` of wall time (checked
        after each record), or at the end of epoch ``until_epoch`` (never past it).
        The records are exactly what ``step(stride)`` called n times would leave after
        each call (a test holds them equal), except that the wall-time check may end
        sooner. A step that is undone is never recorded; when an undo ends the call
        the weights it left are the last record. Returns a :class:`Trace`.

        n : 0 … MAX_BUFFER / n_params records; stride : 1 … MAX_STEPS, n × stride ≤ MAX_STEPS;
        seconds : a number ≥ 0 (inf allowed); until_epoch : None or an int ≥ 0."""
        n = check_int("n", n, 0, MAX_BUFFER // self.net.n_params)  # the records' memory
        stride = check_int("stride", stride, 1, MAX_STEPS)
        if n * stride > MAX_STEPS:
            raise ValueError(f"n × stride must be at most {MAX_STEPS:_}, got {n} × {stride}")
        seconds = _seconds(seconds)
        if until_epoch is not None:
            until_epoch = check_int("until_epoch", until_epoch, 0)
        with np.errstate(all="ignore"):
            return self._trace(n, stride, seconds, until_epoch)

    def _trace(self, n: int, stride: int, seconds: float, until_epoch: int | None) -> Trace:
        f = self._f
        if f.sync(self.net):
            self._undo, self._given = None, True
        theta = np.empty((n, f.theta.size))
        steps = np.empty(n, np.int64)
        epochs = np.empty(n, np.int64)
        metrics: list[dict] = []
        first = self.steps
        got = 0
        start = time.perf_counter()
        try:
            while got < n and not self.history.diverged:
                if until_epoch is not None and self.epoch >= until_epoch:
                    break
                k = stride if until_epoch is None else min(stride,
                                                           self._steps_until(until_epoch))
                e0 = self.epoch
                self._run(k)
                if self.epoch != e0:  # an epoch ended (epoch ends are never undone)
                    metrics.append(dict(self.latest))
                if self.steps <= (steps[got - 1] if got else first):
                    break  # an undo: nothing new to record, and training has stopped
                f.flat_into(theta[got])
                steps[got], epochs[got] = self.steps, self.epoch
                got += 1
                if time.perf_counter() - start >= seconds:
                    break
            self._check_last()
        finally:
            f.store(self.net)
            self.history.steps = self.steps
        return self._records(steps, epochs, theta, got, first, metrics)

    def _records(self, steps, epochs, theta, got: int, first: int, metrics) -> Trace:
        """A trace's ``got`` records, less those an undo took back, plus where an undo left
        θ (when it is past the last record kept)."""
        while got and steps[got - 1] > self.steps:  # undone after it was recorded
            got -= 1
        if self.steps > (steps[got - 1] if got else first):  # where the undo left θ
            self._f.flat_into(theta[got])
            steps[got], epochs[got] = self.steps, self.epoch
            got += 1
        return Trace(steps=steps[:got].copy(), epochs=epochs[:got].copy(),
                     theta=theta[:got].copy(), metrics=metrics)

    # ------------------------------------------------------------ going back
    def checkpoint(self) -> Checkpoint:
        """The trainer's state now: :meth:`restore` brings it back bit for bit (θ and the
        network, velocity, counters, shuffling, history, latest metrics, divergence, and
        the settings lr, batch size and momentum). Stepping on from a restored checkpoint
        repeats exactly what stepping on from here does. Cheap (tens of µs): a live view
        can take one per call and rewind to any step it has drawn."""
        f = self._f
        if f.sync(self.net):  # edited since the last call: those weights are the start
            self._undo, self._given = None, True
        state = (f.theta.copy(), f.vel.copy(), f.grad.copy(), f._theta_prev.copy(),
                 f._vel_prev.copy(), self.rng.bit_generator.state, self._perm,
                 self._perm_epoch, getattr(self, "_X_perm", None),
                 getattr(self, "_Y_perm", None), self._pos, self.last_batch, self.latest,
                 self._undo, self._given, self._lr, self._batch_size, self._momentum,
                 self.history._mark())
        return Checkpoint(_owner=self._token, steps=self.steps, epoch=self.epoch,
                          _state=state)

    def restore(self, cp: Checkpoint) -> None:
        """Back to the state :meth:`checkpoint` recorded (this trainer's own checkpoints
        only); the network's W, b are written in place."""
        if not isinstance(cp, Checkpoint) or cp._owner is not self._token:
            raise ValueError("restore takes a Checkpoint taken from this same trainer")
        f = self._f
        (theta, vel, grad, theta_prev, vel_prev, rng_state, self._perm, self._perm_epoch,
         X_perm, Y_perm, self._pos, self.last_batch, self.latest, self._undo, self._given,
         self._lr, self._batch_size, self._momentum, mark) = cp._state
        f.theta[...], f.vel[...], f.grad[...] = theta, vel, grad
        f._theta_prev[...], f._vel_prev[...] = theta_prev, vel_prev
        self.rng.bit_generator.state = rng_state
        if X_perm is not None:
            self._X_perm, self._Y_perm = X_perm, Y_perm
        self.steps, self.epoch = cp.steps, cp.epoch
        self.history._back_to(mark)
        f.store(self.net)

    def step_epoch(self) -> int:
        """Run to the end of the current epoch (a whole epoch from an epoch start)."""
        return self.step(self.steps_left_in_epoch)

    def run_for(self, seconds: float, max_steps: int = 1_000_000, chunk: int = 8,
                until_epoch: int | None = None) -> int:
        """Step for about ``seconds`` of wall time (checked every ``chunk`` steps), at most
        ``max_steps``, and never past the end of epoch ``until_epoch`` when it is given
        (a chunk never crosses the end of that epoch). Returns the number of steps taken.

        seconds : a number ≥ 0 (inf allowed: max_steps then bounds the call);
        max_steps : 0 … :data:`MAX_STEPS`; chunk : an int ≥ 1; until_epoch : None or an int ≥ 0."""
        seconds = _seconds(seconds)
        max_steps = check_int("max_steps", max_steps, 0, MAX_STEPS)
        chunk = check_int("chunk", chunk, 1)  # min(chunk, max_steps - done) bounds it
        if until_epoch is not None:
            until_epoch = check_int("until_epoch", until_epoch, 0)
        start = time.perf_counter()
        done = 0
        while done < max_steps and not self.history.diverged:
            if until_epoch is not None and self.epoch >= until_epoch:
                break
            k = min(chunk, max_steps - done)
            if until_epoch is not None:
                k = min(k, self._steps_until(until_epoch))
            done += self.step(k)
            if time.perf_counter() - start >= seconds:
                break
        return done

def _rows_like(name: str, Y, X: np.ndarray, n_out: int) -> np.ndarray:
    Y = as_matrix(name, Y, n_out)
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"{name} must have {X.shape[0]} rows like X, got shape {Y.shape}")
    return Y
