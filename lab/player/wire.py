"""The player's wire format: what a reply to a pull carries, as little-endian bytes.

Every size derives from the network's layer widths (:class:`Format`), in this one place;
player.js (wire.js) derives the same offsets from the ``sizes`` it is given::

    header   24 B   magic u32 · run u32 · stream u32 · seq u32 · flags u32 ·
                    n_snap u16 · n_epoch u16
    keyframe (when n_snap ≥ 1)   8 + 4 P B   step u32 · epoch u32 · θ P × f32
    m = n_snap − 1 steps, column by column   m (8 + 4 T + P) B
                    step u32 × m · epoch u32 × m · scale f32 × T × m (tensor by tensor) ·
                    q i8 × P × m (parameter by parameter)
    n_epoch × (8 + 4 (3 + 2L)) B   epoch u32 · step u32 · loss 2 × f32 (train, test) ·
                    accuracy 2 × f32 · ‖∂L/∂W⁽q⁾‖ L × f32 · saturation L − 1 × f32

P is the number of parameters (``MLP.get_flat`` order), T = 2L the number of tensors
(W⁽¹⁾, b⁽¹⁾, W⁽²⁾, …) and L the number of layers with parameters (35, 6 and 3 for
2-3-4-2). The only flag is ``FINAL``: no snapshot follows this reply's last one (the run
ended at the epoch limit or by divergence).

**Snapshots after the first are steps.** A reply's first snapshot is a keyframe, θ as
float32. Each next one is the previous one *as decoded* plus q · s: q an int8 per
parameter, s a float32 per tensor, s = max(largest |θ − previous| in the tensor / 127,
``STEP``). Decoding is one multiply and one add per parameter in float64, the same in
numpy and JavaScript, so wire.js gets these very bits (browser tests hold it to them). As
every step is taken from the decoded value, not the sent one, errors never add up: each
decoded parameter is within s/2 of its float32 value (and the rounding of one float64
add, which only shows for |θ| beyond ~3e10) (:meth:`Format.decode` returns the
s/2 of every snapshot). Measured at 7-8-8-8-8-2 with every feature (benchmarks/
bench_wire.py, five settings): θ within 1.3e-3, every neuron's map within 0.8 of a colour
level (2/255) of the exact weights' map; a snapshot costs 20–230 B gzipped (by
Streamlit's middleware, as every response) instead of 1,200, and encoding ~10 µs. The
step view, the downloads, a link and a paused player show the exact float64 weights.

A snapshot whose θ is not finite is sent with NaN scales (wire.js skips it) and the next
one steps from the one before it. Floats are cast to float32 *after* clipping to ±3.4e38
(a bare cast turns larger values into ±inf); NaN stays NaN (a metric that is not a number
is shown as "—"). Parameters must be finite: the trainer undoes a step that blows up, so
a non-finite θ is a bug and :meth:`Format.snapshots` refuses it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np

MAGIC = 0x42504C33  # "BPL3"
FINAL = 1
FLT_MAX = float(np.finfo(np.float32).max)
U32 = 2**32 - 1
Q = 127  # the largest |q|
STEP = 2.0**-13  # the finest s: a tensor that barely moves is sent to within 2⁻¹⁴ (6e-5)
HEADER = np.dtype([("magic", "<u4"), ("run", "<u4"), ("stream", "<u4"), ("seq", "<u4"),
                   ("flags", "<u4"), ("n_snap", "<u2"), ("n_epoch", "<u2")])


def to_f32(values) -> np.ndarray:
    """float32 of ``values`` clipped to ±FLT_MAX first (so ±inf never appears); NaN kept."""
    return np.clip(np.asarray(values, dtype=np.float64), -FLT_MAX, FLT_MAX).astype(np.float32)


def metrics_row(m: dict) -> list[float]:
    """One epoch's metrics (a ``Trainer.latest`` dict) in wire order: losses (train, test),
    accuracies (train, test), gradient norms per layer, saturation per hidden layer; a
    missing test metric is NaN."""
    nan = float("nan")
    return [m["train_loss"], nan if m["test_loss"] is None else m["test_loss"],
            m["train_acc"], nan if m["test_acc"] is None else m["test_acc"],
            *m["grad_norm"], *m["saturation"]]


@dataclass(frozen=True)
class Format:
    """The record layouts for a network of the given layer widths."""

    sizes: tuple[int, ...]

    @property
    def n_params(self) -> int:
        return sum((a + 1) * b for a, b in itertools.pairwise(self.sizes))

    @property
    def n_tensors(self) -> int:
        return 2 * (len(self.sizes) - 1)

    @property
    def n_metrics(self) -> int:
        L = len(self.sizes) - 1
        return 4 + L + (L - 1)

    @cached_property
    def tensor_of(self) -> np.ndarray:
        """The tensor (0 … T − 1: W⁽¹⁾, b⁽¹⁾, W⁽²⁾, …) of every parameter."""
        counts = [n for a, b in itertools.pairwise(self.sizes) for n in (a * b, b)]
        return np.repeat(np.arange(self.n_tensors), counts)

    @cached_property
    def tensor_starts(self) -> np.ndarray:
        """Where each tensor starts in θ."""
        return np.flatnonzero(np.r_[True, np.diff(self.tensor_of) != 0])

    @cached_property
    def snapshot(self) -> np.dtype:
        """A snapshot as the server keeps it (θ float32: what the keyframe sends)."""
        return np.dtype([("step", "<u4"), ("epoch", "<u4"), ("theta", "<f4", (self.n_params,))])

    @cached_property
    def decoded(self) -> np.dtype:
        """A snapshot as the player has it: θ float64, and s/2 per tensor (0 for a keyframe)."""
        return np.dtype([("step", "<u4"), ("epoch", "<u4"), ("theta", "<f8", (self.n_params,)),
                         ("half", "<f8", (self.n_tensors,))])

    @cached_property
    def epoch(self) -> np.dtype:
        return np.dtype([("epoch", "<u4"), ("step", "<u4"),
                         ("metrics", "<f4", (self.n_metrics,))])

    def snapshots(self, steps, epochs, thetas) -> np.ndarray:
        """Counters (R,) and parameters (R, P) → snapshot records."""
        thetas = np.asarray(thetas, dtype=np.float64)
        if (thetas.ndim != 2 or thetas.shape[1] != self.n_params or len(steps) != len(thetas)
                or len(epochs) != len(thetas) or not np.all(np.isfinite(thetas))):
            raise ValueError(f"a snapshot needs {self.n_params} finite parameters and its "
                             f"counters, got θ of shape {thetas.shape}")
        out = np.zeros(len(thetas), self.snapshot)
        out["step"], out["epoch"] = steps, epochs
        out["theta"] = to_f32(thetas)
        return out

    def epochs(self, metrics) -> np.ndarray:
        """``Trainer.latest`` dicts → epoch records."""
        ms = list(metrics)
        out = np.zeros(len(ms), self.epoch)
        if ms:
            out["epoch"] = [m["epoch"] for m in ms]
            out["step"] = [m["steps"] for m in ms]
            out["metrics"] = to_f32([metrics_row(m) for m in ms])
        return out

    def steps(self, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The scales (m, T) float32 and q (m, P) int8 that take the first of ``thetas``
        (float32 values, (m + 1, P)) to each next one, every step from the decoded
        value before it."""
        thetas = np.asarray(thetas, dtype=np.float64)
        m, tensor, starts = len(thetas) - 1, self.tensor_of, self.tensor_starts
        scales = np.full((max(m, 0), self.n_tensors), np.nan, np.float32)
        qs = np.zeros((max(m, 0), self.n_params), np.int8)
        finite = np.isfinite(thetas).all(axis=1)
        here = thetas[0].copy()
        for k in range(m):
            if not finite[k + 1]:
                continue  # NaN scales: skipped by the player, the next steps from `here`
            r = thetas[k + 1] - here
            # s ≥ the largest |r| / 127 but for its float32 rounding, where the clip costs
            # at most that rounding, far below s / 2
            s = np.maximum(np.maximum.reduceat(np.abs(r), starts) / Q, STEP).astype(np.float32)
            sp = s.astype(np.float64)[tensor]
            q = np.clip(np.rint(r / sp), -Q, Q)
            here += q * sp
            scales[k], qs[k] = s, q
        return scales, qs

    def encode(self, run: int, stream: int, seq: int, flags: int, snapshots: np.ndarray,
               epochs: np.ndarray) -> bytes:
        """One reply: the header, the keyframe and the steps, then the epoch records."""
        snaps = snapshots.astype(self.snapshot)
        head = np.array([(MAGIC, run, stream, seq, flags, len(snaps), len(epochs))], HEADER)
        parts = [head.tobytes()]
        if len(snaps):
            scales, qs = self.steps(snaps["theta"])
            parts += [snaps[:1].tobytes(), snaps["step"][1:].astype("<u4").tobytes(),
                      snaps["epoch"][1:].astype("<u4").tobytes(),
                      np.ascontiguousarray(scales.T).astype("<f4").tobytes(),
                      np.ascontiguousarray(qs.T).tobytes()]
        return b"".join(parts) + epochs.astype(self.epoch).tobytes()

    def size(self, n_snap: int, n_epoch: int) -> int:
        """The bytes of a reply of ``n_snap`` snapshots and ``n_epoch`` epoch records."""
        m = max(n_snap - 1, 0)
        return (HEADER.itemsize + (self.snapshot.itemsize if n_snap else 0)
                + m * (8 + 4 * self.n_tensors + self.n_params) + n_epoch * self.epoch.itemsize)

    def decode(self, payload: bytes) -> dict:
        """Inverse of :meth:`encode`, as wire.js reads it (used by tests and benchmarks):
        the snapshots as decoded (``decoded`` records; non-finite ones included)."""
        if len(payload) < HEADER.itemsize:
            raise ValueError("not a Backprop Lab player reply")
        head = np.frombuffer(payload, HEADER, count=1)[0]
        if head["magic"] != MAGIC:
            raise ValueError("not a Backprop Lab player reply")
        ns, ne = int(head["n_snap"]), int(head["n_epoch"])
        if len(payload) != self.size(ns, ne):
            raise ValueError("reply length does not match its header")
        m, P, T = max(ns - 1, 0), self.n_params, self.n_tensors
        snaps = np.zeros(ns, self.decoded)
        off = HEADER.itemsize
        if ns:
            key = np.frombuffer(payload, self.snapshot, count=1, offset=off)[0]
            off += self.snapshot.itemsize
            cols = {}
            for name, dtype, count in (("step", "<u4", m), ("epoch", "<u4", m),
                                       ("scale", "<f4", T * m), ("q", "i1", P * m)):
                cols[name] = np.frombuffer(payload, dtype, count=count, offset=off)
                off += cols[name].nbytes
            snaps[0] = (key["step"], key["epoch"], key["theta"], np.zeros(T))
            snaps["step"][1:], snaps["epoch"][1:] = cols["step"], cols["epoch"]
            scales = cols["scale"].reshape(T, m).T.astype(np.float64)
            qs = cols["q"].reshape(P, m).T.astype(np.float64)
            here = snaps["theta"][0].copy()
            for k in range(m):
                theta = here + qs[k] * scales[k][self.tensor_of]
                snaps["theta"][k + 1], snaps["half"][k + 1] = theta, scales[k] / 2
                if np.all(np.isfinite(theta)):
                    here = theta
        epochs = np.frombuffer(payload, self.epoch, count=ne, offset=off)
        return {name: head[name].item() for name in HEADER.names} | {"snapshots": snaps,
                                                                       "epochs": epochs}
