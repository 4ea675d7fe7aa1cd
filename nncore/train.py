"""Mini-batch SGD, the derivation's θ ← θ − γ∇L, in three separate pieces.

* :func:`sgd_update` applies given gradients to a network (the derivation's update);
* :class:`Trainer` advances training step by step, as the live UI needs,
  recording per-epoch metrics in a bounded :class:`History`;
* :func:`train` is the plain loop: a Trainer run for a number of epochs.

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
from dataclasses import dataclass, field

import numpy as np

from ._checks import (
    as_float_array,
    as_matrix,
    check_float,
    check_int,
    check_values,
    rng_from,
    show,
)
from ._fused import FusedSGD
from .mlp import MLP, Gradients


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
SATURATION_FRACTION = 0.06  # σ'(z) below 6 % of its maximum: |a| > 0.97 for tanh
# Bounds that keep a call from running for hours or exhausting memory (a ValueError
# says so up front): one Trainer.step(k) call, and a whole train(...), take at most
# MAX_STEPS mini-batch steps (~10-30 minutes at the 2-3-4-2 net's speed); a Trainer's
# buffers hold (training + test rows) × Σ sizes at most MAX_BUFFER floats each.
MAX_STEPS = 10_000_000
MAX_BUFFER = 100_000_000


def divergence_message(loss: float, *, lr: float, batch_size: int, momentum: float,
                       where: str, outcome: str = "") -> str:
    """The message shown when training blows up.

    loss : the loss that was too large (NaN or inf allowed); where : which step, e.g.
    ``"after step 3 (in epoch 1)"`` or ``"in the single SGD step on sample 7"``;
    outcome : what happened to the weights, appended as it is. Names the likely cause
    (learning rate γ for this batch size and momentum) and the fix.
    """
    _check_message_args(loss=loss, lr=lr, batch_size=batch_size, momentum=momentum,
                        where=where, outcome=outcome)
    loss, lr, momentum = _float(loss), _float(lr), _float(momentum)
    shown = f"{loss:.3g}" if np.isfinite(loss) else "not a number"
    cause = (f"The likely cause is the learning rate γ = {lr:g}, which is too large for "
             f"batch size {batch_size}" + (f" and momentum {momentum:g}" if momentum else ""))
    text = (f"Training diverged: the loss became {shown} {where}. {cause}. "
            "Lower the learning rate (or raise the batch size) and reset.")
    return f"{text} {outcome}" if outcome else text


def _float(v) -> float:
    """float(v) for a real number; an int beyond float range becomes ±inf."""
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def _seconds(seconds) -> float:
    """A wall-time budget: a real number ≥ 0 (inf allowed), as a float."""
    if (not isinstance(seconds, numbers.Real) or isinstance(seconds, (bool, np.bool_))
            or math.isnan(_float(seconds)) or seconds < 0):
        raise ValueError(f"seconds must be a number >= 0, got {show(seconds)}")
    return _float(seconds)


def _check_message_args(**kw) -> None:
    for name in ("loss", "lr", "momentum"):
        v = kw[name]
        if not isinstance(v, numbers.Real) or isinstance(v, (bool, np.bool_)):
            raise ValueError(f"{name} must be a number, got {show(v)}")  # noqa: TRY004
    if (not isinstance(kw["batch_size"], numbers.Integral)
            or isinstance(kw["batch_size"], (bool, np.bool_))):
        raise ValueError(f"batch_size must be an integer, got {show(kw['batch_size'])}")  # noqa: TRY004
    for name in ("where", "outcome"):
        if not isinstance(kw[name], str):
            raise ValueError(f"{name} must be a str, got {show(kw[name])}")  # noqa: TRY004


def sgd_update(net: MLP, grads: Gradients, lr: float) -> None:
    """W^(q) ← W^(q) − γ ∂L/∂W^(q) and b^(q) ← b^(q) − γ ∂L/∂b^(q), in place.

    ``grads`` must be shaped like the network's parameters and finite, and the updated
    weights must be finite: an update that would overflow (a huge γ or gradient) raises
    ValueError and leaves the network unchanged, rather than writing inf or NaN.
    """
    _check_net("net", net)
    lr = check_float("lr", lr, 0.0, low_open=True)
    dW, db = getattr(grads, "dW", None), getattr(grads, "db", None)
    if not isinstance(dW, (list, tuple)) or not isinstance(db, (list, tuple)):
        raise ValueError(  # noqa: TRY004
            "grads must be the Gradients of net.backward or net.gradients (lists dW, db), "
            f"got {type(grads).__name__}"
        )
    if not all(np.all(np.isfinite(p)) for p in net.W + net.b):
        raise ValueError("net's weights are not finite (NaN or inf): reset the network")
    new_W, new_b = [], []
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        for name, Ps, Gs, out in (("dW", net.W, dW, new_W), ("db", net.b, db, new_b)):
            if len(Gs) != net.L:
                raise ValueError(
                    f"grads.{name} must hold {net.L} arrays, one per layer, got {len(Gs)}"
                )
            for q, (P, g) in enumerate(zip(Ps, Gs)):
                g = as_float_array(f"grads.{name}[{q}]", g)
                if g.shape != P.shape:
                    raise ValueError(
                        f"grads.{name}[{q}] must have shape {P.shape} like the network's "
                        f"parameter, got {g.shape}"
                    )
                check_values(f"grads.{name}[{q}]", g, max_abs=None)
                out.append(P - lr * g)
    if not all(np.all(np.isfinite(p)) for p in new_W + new_b):
        raise ValueError(
            f"lr = {lr:g} times these gradients overflows: the updated weights would not "
            "be finite (the network was left unchanged); use a smaller learning rate"
        )
    for q in range(net.L):
        net.W[q][...] = new_W[q]
        net.b[q][...] = new_b[q]


def _check_net(name: str, net) -> None:
    if not isinstance(net, MLP):
        raise ValueError(f"{name} must be an nncore.MLP, got {type(net).__name__}")  # noqa: TRY004


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


class Trainer:
    """Trains ``net`` in place, k mini-batch steps at a time.

    X, Y : training rows, shapes (N, n_0) and (N, n_L); X_test, Y_test optional.
    lr (γ > 0), batch_size (≥ 1), momentum (0 ≤ μ < 1) may be changed between
    calls; seed fixes the shuffling.
    """

    def __init__(self, net: MLP, X, Y, X_test=None, Y_test=None, *, lr=DEFAULTS.lr,
                 batch_size=DEFAULTS.batch_size, momentum=DEFAULTS.momentum,
                 seed=DEFAULTS.seed, max_history: int = 1000):
        _check_net("net", net)
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

    def _run(self, k: int) -> None:
        """k steps (fewer if training diverges) on θ as it is in the fused buffers."""
        f = self._f
        while k > 0 and not self.history.diverged:
            buf = self._batch(self._next_batch())
            f.forward(buf)
            loss = f.backward(buf)  # the loss at θ before this step's update
            if not loss <= self._loss_limit:  # also true for NaN
                self._stop(loss, "the next mini-batch")
                break
            self._take_step(buf)
            k -= 1

    def _check_last(self) -> None:
        """Check the last update at the end of a call rather than at the next call, on
        the batch that call would use first, so stepping in chunks changes nothing."""
        if self._undo is not None and not self.history.diverged:
            loss = self._f.loss(self._batch(self._next_batch()))
            if not loss <= self._loss_limit:
                self._stop(loss, "the next mini-batch")

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
        while got and steps[got - 1] > self.steps:  # undone after it was recorded
            got -= 1
        if self.steps > (steps[got - 1] if got else first):  # where the undo left θ
            f.flat_into(theta[got])
            steps[got], epochs[got] = self.steps, self.epoch
            got += 1
        return Trace(steps=steps[:got].copy(), epochs=epochs[:got].copy(),
                     theta=theta[:got].copy(), metrics=metrics)

    def _next_batch(self) -> slice:
        """Rows of the next mini-batch, in this epoch's order; a new epoch draws a new
        permutation, and the rows are put in that order once (each batch is then a slice,
        not a copy)."""
        if self._pos == 0 and self._perm_epoch != self.epoch:
            self._perm = self.rng.permutation(self.X.shape[0])
            self._perm_epoch = self.epoch
            self._X_perm = self._X_aug[self._perm]
            self._Y_perm = self.Y[self._perm]
        return slice(self._pos, min(self._pos + self._batch_size, self.X.shape[0]))

    def _batch(self, rows: slice) -> dict:
        buf = self._f.buffers("batch", rows.stop - rows.start)
        buf["A"][0] = self._X_perm[rows]
        buf["AT"][0] = buf["A"][0].T
        buf["Y"] = self._Y_perm[rows]
        buf["idx"] = rows
        return buf

    def _take_step(self, buf: dict) -> None:
        """θ ← θ − γ v with the gradient just computed; advance the counters."""
        self._undo = (self.steps, self.epoch, self._pos, self.last_batch)
        self._given = False
        self._f.update(self._lr, self._momentum)
        self.last_batch = self._perm[buf["idx"]]
        self._pos += buf["N"]
        self.steps += 1
        if self._pos >= self.X.shape[0]:
            self._pos = 0
            self.epoch += 1
            self._end_epoch()

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

    def _steps_until(self, until_epoch: int) -> int:
        """Steps until the end of epoch ``until_epoch`` (≥ the current one), at the
        current batch size."""
        per_epoch = -(-self.X.shape[0] // self._batch_size)
        return self.steps_left_in_epoch + (until_epoch - self.epoch - 1) * per_epoch

    @property
    def steps_left_in_epoch(self) -> int:
        """Mini-batch steps until the current epoch ends (at the current batch size)."""
        return -(-(self.X.shape[0] - self._pos) // self._batch_size)

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

    @property
    def epoch_progress(self) -> float:
        """Fraction of the current epoch done, in [0, 1)."""
        return self._pos / self.X.shape[0]

    # ------------------------------------------------------------ metrics
    def _evaluate(self) -> dict:
        f = self._f
        buf = self._eval["train"]
        f.forward(buf)
        grad_saved = f.grad.copy()  # evaluation must not disturb the momentum step
        train_loss = f.backward(buf)
        norms = f.layer_grad_norms()
        f.grad[...] = grad_saved
        m = {
            "epoch": self.epoch,
            "steps": self.steps,
            "train_loss": train_loss,
            "train_acc": _accuracy(buf),
            "grad_norm": norms,
            "saturation": self._saturation(buf),
            "test_loss": None,
            "test_acc": None,
        }
        if "test" in self._eval:
            tb = self._eval["test"]
            f.forward(tb)
            err = tb["Z"][-1] - self.Y_test
            m["test_loss"] = float(np.vdot(err, err)) / tb["N"]
            m["test_acc"] = _accuracy(tb)
        return m

    def _saturation(self, buf: dict) -> list[float]:
        act = self._f.act
        limit = SATURATION_FRACTION * act.dsigma_max
        return [float(np.mean(act.dsigma(z) < limit)) for z in buf["Z"][:-1]]

    def _end_epoch(self) -> None:
        m = self._evaluate()
        if not m["train_loss"] <= self._loss_limit:
            self._stop(m["train_loss"], "the whole training set")
            return
        self._undo = None  # an epoch's recorded end is final: later checks stop, not undo
        self.latest = m
        self.history.record(m)

    def _stop(self, loss: float, measured_on: str) -> None:
        """Divergence: undo the last update if it can be undone, else leave θ; stop."""
        s = self.steps
        if self._undo is not None:
            self._f.rollback()
            epoch_of_step = self._undo[1] + 1
            self.steps, self.epoch, self._pos, self.last_batch = self._undo
            self._undo = None
            where = f"after step {s} (in epoch {epoch_of_step}), on {measured_on}"
            before = (f"those after step {self.steps}" if self.steps
                      else "the ones training started from")
            outcome = (f"Step {s} was undone: the weights are {before} "
                       f"({_count(self.steps, 'step')}, {_count(self.epoch, 'epoch')} "
                       "complete).")
        else:
            given = "given to the trainer" if self._given else f"reached after step {s}"
            where = f"at the weights {given}, on {measured_on}"
            outcome = ("No step of this training can undo that, so the weights were left "
                       "as they are.")
        self.history.diverged = True
        self.history.message = divergence_message(
            loss, lr=self._lr, batch_size=self._batch_size, momentum=self._momentum,
            where=where, outcome=outcome)


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


def _rows_like(name: str, Y, X: np.ndarray, n_out: int) -> np.ndarray:
    Y = as_matrix(name, Y, n_out)
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"{name} must have {X.shape[0]} rows like X, got shape {Y.shape}")
    return Y


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _accuracy(buf: dict) -> float:
    """Share of rows where argmax Ŷ (the forward pass in ``buf``) equals argmax Y (the
    targets' classes, kept in the buffer since they never change)."""
    return np.count_nonzero(np.argmax(buf["Z"][-1], axis=1) == buf["label"]) / buf["N"]
