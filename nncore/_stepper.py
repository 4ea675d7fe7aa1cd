"""The trainer's inner loop on the fused buffers: one mini-batch step after another, the
epoch's shuffled order, the per-epoch metrics, and undoing a step that blew up.

:class:`Stepper` holds no public API of its own: :class:`nncore.Trainer` builds its state
(the buffers, the counters, the settings) and calls it. Kept apart so each file holds one
idea: here how a step is taken, there what a caller can ask of a trainer.
"""

from __future__ import annotations

import math

import numpy as np

from .sgd import divergence_message, plural

SATURATION_FRACTION = 0.06  # σ'(z) below 6 % of its maximum: |a| > 0.97 for tanh


class Stepper:
    """The stepping core of :class:`nncore.Trainer` (which sets every attribute used here)."""

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
        self._will_update()
        self._f.update(self._lr, self._momentum)
        self._advance(buf["idx"])

    def _will_update(self) -> None:
        """Before an update: the counters it can be undone to."""
        self._undo = (self.steps, self.epoch, self._pos, self.last_batch)
        self._given = False

    def _advance(self, rows: slice, evaluate: bool = True) -> bool:
        """After the update on the mini-batch ``rows``: count the step; an epoch that ends
        is evaluated (and may stop training), unless ``evaluate`` is False: then the
        caller passes its metrics to :meth:`_epoch_measured`. Returns whether it ended."""
        self.last_batch = self._perm[rows]
        self._pos += rows.stop - rows.start
        self.steps += 1
        if self._pos >= self.X.shape[0]:
            self._pos = 0
            self.epoch += 1
            if evaluate:
                self._end_epoch()
            return True
        return False

    def _steps_until(self, until_epoch: int) -> int:
        """Steps until the end of epoch ``until_epoch`` (≥ the current one), at the
        current batch size."""
        per_epoch = -(-self.X.shape[0] // self._batch_size)
        return self.steps_left_in_epoch + (until_epoch - self.epoch - 1) * per_epoch

    @property
    def steps_left_in_epoch(self) -> int:
        """Mini-batch steps until the current epoch ends (at the current batch size)."""
        return -(-(self.X.shape[0] - self._pos) // self._batch_size)

    @property
    def epoch_progress(self) -> float:
        """Fraction of the current epoch done, in [0, 1)."""
        return self._pos / self.X.shape[0]

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
        self._epoch_measured(self._evaluate())

    def _epoch_measured(self, m: dict) -> None:
        """An epoch ended with the metrics ``m`` (:meth:`_evaluate`'s): stop if its loss
        blew up, else record them."""
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
                       f"({plural(self.steps, 'step')}, {plural(self.epoch, 'epoch')} "
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


def _accuracy(buf: dict) -> float:
    """Share of rows where argmax Ŷ (the forward pass in ``buf``) equals argmax Y (the
    targets' classes, kept in the buffer since they never change); NaN for a network with
    one output (regression: there are no classes to get right)."""
    if buf["Z"][-1].shape[1] == 1:
        return math.nan
    return np.count_nonzero(np.argmax(buf["Z"][-1], axis=1) == buf["label"]) / buf["N"]
