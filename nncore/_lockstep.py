"""Many trainers in one pass: :func:`trace_many` gives each exactly what its own
:meth:`Trainer.trace` would, bit for bit, at a fraction of the cost when they are many.

A single small network's step is ~30 numpy calls on arrays of a few dozen numbers: the
calls' overhead is the cost. Trainers of one shape (sizes, activation, batch size, with
or without momentum) take their full mini-batch steps together: each layer's product
for all of them is one stacked ``np.matmul`` over (S, N, n) arrays, which numpy runs as
the same BLAS product per network as the single path does, and every element-wise
operation is the same operation on the same numbers; so the results are the same bits
(tests hold them equal, trainer by trainer, over random shapes, data and settings).

What is rare stays on the single path, on the trainer's own code: the last, smaller
batch of an epoch, the evaluation at an epoch's end, a divergence and its undo, the
check after the call. For that each trainer's θ, ∇, v and rollback point live, during
the pass, in a row of the group's stacked arrays (``FusedSGD._bind``), so its own
methods act on the same numbers the stacked steps do.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_int
from ._stepper import SATURATION_FRACTION
from .history import Trace
from .trainer import MAX_BUFFER, MAX_STEPS, Trainer


class _Job:
    """One trainer's trace in progress (the state of Trainer._trace's loop)."""

    def __init__(self, t: Trainer, n: int, stride: int, until: int | None):
        self.t, self.n, self.stride, self.until = t, n, stride, until
        P = t._f.theta.size
        self.theta = np.empty((n, P))
        self.steps = np.empty(n, np.int64)
        self.epochs = np.empty(n, np.int64)
        self.metrics: list[dict] = []
        self.first = t.steps
        self.got = 0
        self.k = 0  # steps left in the current record's stretch
        self.e0 = 0  # the epoch when that stretch began
        self.done = False
        self.rows: slice | None = None

    def last_recorded(self) -> int:
        return self.steps[self.got - 1] if self.got else self.first

    def begin(self) -> None:
        """The next stretch of ``stride`` steps, or done (Trainer._trace's loop head)."""
        t = self.t
        if self.got >= self.n or t.history.diverged or (
                self.until is not None and t.epoch >= self.until):
            self.done = True
            return
        self.k = self.stride if self.until is None else min(self.stride,
                                                            t._steps_until(self.until))
        self.e0 = t.epoch

    def end(self) -> None:
        """A stretch ended (its steps taken, or training stopped within it)."""
        t = self.t
        if t.epoch != self.e0:  # an epoch ended (epoch ends are never undone)
            self.metrics.append(dict(t.latest))
        if t.steps <= self.last_recorded():
            self.done = True  # an undo: nothing new to record, and training has stopped
            return
        t._f.flat_into(self.theta[self.got])
        self.steps[self.got], self.epochs[self.got] = t.steps, t.epoch
        self.got += 1
        self.begin()

    def stepped(self) -> None:
        """One step of the stretch taken (or training stopped in it)."""
        self.k -= 1
        if self.k <= 0 or self.t.history.diverged:
            self.end()

    def finish(self) -> Trace:
        """Trainer._trace's tail: the check after the call, the net, the records."""
        t, f = self.t, self.t._f
        try:
            t._check_last()
        finally:
            f.store(t.net)
            t.history.steps = t.steps
        return t._records(self.steps, self.epochs, self.theta, self.got, self.first,
                          self.metrics)


def trace_many(jobs) -> list[Trace]:
    """``jobs``: (trainer, n, stride, until_epoch) tuples, each trainer at most once.
    Returns, in order, what ``trainer.trace(n, stride, until_epoch=until_epoch)`` would
    return for each, leaving each trainer as that call would (bit for bit)."""
    items = []
    seen = set()
    for t, n, stride, until in jobs:
        if not isinstance(t, Trainer):
            raise TypeError("trace_many takes (Trainer, n, stride, until_epoch) tuples")
        if id(t) in seen:
            raise ValueError("each trainer may appear once")
        seen.add(id(t))
        n = check_int("n", n, 0, MAX_BUFFER // t.net.n_params)
        stride = check_int("stride", stride, 1, MAX_STEPS)
        if n * stride > MAX_STEPS:
            raise ValueError(f"n × stride must be at most {MAX_STEPS:_}, got {n} × {stride}")
        if until is not None:
            until = check_int("until_epoch", until, 0)
        items.append((t, n, stride, until))
    groups: dict[tuple, list[int]] = {}
    for i, (t, *_rest) in enumerate(items):
        key = (t.net.sizes, t.net.act.name, t.batch_size, t.momentum != 0.0, t.net._penalty)
        groups.setdefault(key, []).append(i)
    out: list[Trace | None] = [None] * len(items)
    with np.errstate(all="ignore"):
        for idx in groups.values():
            if len(idx) == 1:
                t, n, stride, until = items[idx[0]]
                out[idx[0]] = t._trace(n, stride, float("inf"), until)
                continue
            for i, trace in zip(idx, _together([_Job(*items[i]) for i in idx])):
                out[i] = trace
    return out


def _together(jobs: list[_Job]) -> list[Trace]:
    """One group's traces: its trainers bound to rows of stacked arrays while they step."""
    S = len(jobs)
    fs = [j.t._f for j in jobs]
    P = fs[0].theta.size
    own = [f.arrays() for f in fs]
    stacked = [np.empty((S, P)) for _ in range(5)]  # θ, ∇, v, θ_prev, v_prev
    for i, (j, f) in enumerate(zip(jobs, fs)):
        if f.sync(j.t.net):  # edited between calls: those weights are the new start
            j.t._undo, j.t._given = None, True
        for a, mine in zip(stacked, own[i]):
            a[i] = mine
        f._bind(*(a[i] for a in stacked))
    try:
        for j in jobs:
            j.begin()
        _loop(jobs, stacked)
    finally:
        for i, f in enumerate(fs):  # back to the trainers' own arrays
            for a, mine in zip(stacked, own[i]):
                mine[...] = a[i]
            f._bind(*own[i])
    return [j.finish() for j in jobs]


def _loop(jobs: list[_Job], stacked: list[np.ndarray]) -> None:
    """Step after step: every trainer still tracing takes its next mini-batch step, those
    with batches of one size together, then the epochs that ended are evaluated together."""
    Th, G, V, Thp, Vp = stacked
    f0 = jobs[0].t._f
    momentum = jobs[0].t.momentum != 0.0
    lr = np.array([j.t._lr for j in jobs])[:, None]
    mu = np.array([j.t._momentum for j in jobs])[:, None]
    stacks: dict[tuple[int, int], _Stack] = {}

    def stack(S: int, N: int) -> _Stack:
        st = stacks.get((S, N))
        if st is None:
            st = stacks[(S, N)] = _Stack(f0, S, N)
        return st

    while True:
        by_size: dict[int, list[int]] = {}
        for i, j in enumerate(jobs):
            if not j.done:
                j.rows = j.t._next_batch()
                by_size.setdefault(j.rows.stop - j.rows.start, []).append(i)
        if not by_size:
            return
        ended: list[int] = []
        for N, members in by_size.items():
            st = stack(len(members), N)
            ix = np.array(members)
            for r, i in enumerate(members):
                t, rows = jobs[i].t, jobs[i].rows
                st.A[0][r] = t._X_perm[rows]
                st.Y[r] = t._Y_perm[rows]
            th = Th[ix]
            st.set_theta(th)
            st.forward(f0)
            sq = st.backward_loss()
            ok = np.ones(len(members), bool)
            for r, i in enumerate(members):
                t = jobs[i].t
                if not sq[r] <= t._loss_limit * (1 - 1e-9):  # near the limit or not finite:
                    loss = float(np.vdot(st.D[-1][r], st.D[-1][r])) / N  # the exact check
                    if not loss <= t._loss_limit:
                        ok[r] = False
                        t._stop(loss, "the next mini-batch")  # on its row of the stack
            st.gradients(f0)
            G[ix] = st.grad
            go = ix[ok]
            Thp[go] = Th[go]  # the rollback point: θ and v before this update
            Vp[go] = V[go]
            if momentum:
                v = V[go]
                v *= mu[go]
                v += st.grad[ok]
                V[go] = v
                tmp = v * lr[go]
            else:
                tmp = st.grad[ok] * lr[go]
            Th[go] = th[ok] - tmp
            for r, i in enumerate(members):
                if ok[r]:
                    t = jobs[i].t
                    t._will_update()
                    if t._advance(jobs[i].rows, evaluate=False):
                        ended.append(i)
        if ended:
            _evaluate_many([jobs[i].t for i in ended], Th[np.array(ended)], stack)
        for i, j in enumerate(jobs):
            if not j.done:
                j.stepped()


def _evaluate_many(trainers: list[Trainer], th: np.ndarray, stack) -> None:
    """Trainer._end_epoch for each (θ: their rows ``th``), those with data of one size
    together: the same products and sums as Trainer._evaluate, network by network."""
    groups: dict[tuple, list[int]] = {}
    for r, t in enumerate(trainers):
        key = tuple(b["N"] for b in t._eval.values())
        groups.setdefault(key, []).append(r)
    for members in groups.values():
        if len(members) == 1:
            trainers[members[0]]._end_epoch()
            continue
        ts = [trainers[r] for r in members]
        sub = th[np.array(members)]
        out = {}
        for key in ts[0]._eval:
            N = ts[0]._eval[key]["N"]
            st = stack(len(ts), -N if key == "train" else -N - 10**9)  # its own buffers
            for r, t in enumerate(ts):
                b = t._eval[key]
                st.A[0][r] = b["A"][0]
                st.Y[r] = b["Y"]
            st.set_theta(sub)
            st.forward(ts[0]._f)
            st.backward_loss()
            out[key] = st.measure(ts, key)
        for r, t in enumerate(ts):
            m = {"epoch": t.epoch, "steps": t.steps}
            m["train_loss"], m["train_acc"], m["grad_norm"], m["saturation"] = out["train"][r]
            m["test_loss"], m["test_acc"] = out["test"][r][:2] if "test" in out else (None, None)
            t._epoch_measured(m)


class _Stack:
    """Buffers of one stacked mini-batch step: S networks, N rows each (as
    FusedSGD.buffers, with a leading axis)."""

    def __init__(self, f, S: int, N: int):
        sizes = f.sizes
        N = abs(N) % 10**9  # (evaluation buffers are keyed apart: −N, −N − 10⁹)
        self.S, self.N, self.f = S, N, f
        self.A = [np.ones((S, N, n + 1)) for n in sizes[:-1]]
        self.H = [a[:, :, :-1] for a in self.A]
        self.AT = [a.transpose(0, 2, 1) for a in self.A]
        self.Z = [np.zeros((S, N, n)) for n in sizes[1:]]
        self.D = [np.zeros((S, N, n)) for n in sizes[1:]]
        self.T = [np.zeros((S, N, n)) for n in sizes[1:]]
        self.Y = np.zeros((S, N, sizes[-1]))
        self.grad = np.zeros((S, f.theta.size))
        self.Gt, i = [], 0
        for r, c in f.shapes:
            self.Gt.append(self.grad[:, i:i + r * c].reshape(S, r, c))
            i += r * c

    def set_theta(self, th: np.ndarray) -> None:
        self.Wt, self.WT, i = [], [], 0
        for r, c in self.f.shapes:
            w = th[:, i:i + r * c].reshape(self.S, r, c)
            self.Wt.append(w)
            self.WT.append(w[:, :-1].transpose(0, 2, 1))
            i += r * c

    def forward(self, f) -> None:
        L = len(self.Z)
        for q in range(L):
            np.matmul(self.A[q], self.Wt[q], out=self.Z[q])
            if q + 1 < L:
                if f._is_tanh:
                    np.tanh(self.Z[q], out=self.H[q + 1])
                else:
                    self.H[q + 1][...] = f.act.sigma(self.Z[q])

    def backward_loss(self) -> np.ndarray:
        """Δ^(L) before its factor: Ŷ − Y; returns each network's Σ(Ŷ − Y)² / N (near
        the exact loss: used only to find the few that need the exact check)."""
        last = self.D[-1]
        np.subtract(self.Z[-1], self.Y, out=last)
        return np.einsum("snk,snk->s", last, last) / self.N

    def gradients(self, f) -> None:
        N, L = self.N, len(self.Z)
        self.D[-1] *= 2.0 / N
        for q in range(L - 1, -1, -1):
            np.matmul(self.AT[q], self.D[q], out=self.Gt[q])
            if q > 0:
                np.matmul(self.D[q], self.WT[q], out=self.D[q - 1])
                if f._is_tanh:
                    np.multiply(self.H[q], self.H[q], out=self.T[q - 1])
                    np.subtract(1.0, self.T[q - 1], out=self.T[q - 1])
                    self.D[q - 1] *= self.T[q - 1]
                else:
                    self.D[q - 1] *= f.act.dsigma(self.Z[q - 1])
        if f.pen[1]:  # one penalty for the group (its key)
            f.penalize(self.Gt, self.Wt)

    def measure(self, ts: list[Trainer], key: str) -> list[tuple]:
        """After forward and backward_loss on a data set (its rows in every network's
        stack): per network (loss, accuracy, ‖∂L/∂W^(q)‖ per layer, saturation per hidden
        layer) as Trainer._evaluate computes them; the norms only for "train"."""
        N, f = self.N, self.f
        err = self.D[-1]
        losses = [float(np.vdot(err[r], err[r])) / N for r in range(self.S)]
        if self.Z[-1].shape[2] == 1:  # one output (regression): no accuracy, as _accuracy
            acc = [math.nan] * self.S
        else:
            hits = np.count_nonzero(np.argmax(self.Z[-1], axis=2)
                                    == np.stack([t._eval[key]["label"] for t in ts]), axis=1)
            acc = [hits[r] / N for r in range(self.S)]
        if key != "train":
            return [(losses[r], acc[r]) for r in range(self.S)]
        self.gradients(f)
        limit = SATURATION_FRACTION * f.act.dsigma_max
        sat = [np.mean(f.act.dsigma(z) < limit, axis=(1, 2)) for z in self.Z[:-1]]
        out = []
        for r in range(self.S):
            norms = [math.sqrt(np.vdot(g[r, :-1], g[r, :-1])) for g in self.Gt]
            out.append((losses[r], acc[r], norms, [float(a[r]) for a in sat]))
        return out
