"""The player's wire format: what a reply to a pull carries, as little-endian bytes.

Every size derives from the network's layer widths (:class:`Format`), in this one place;
player.js (wire.js) derives the same offsets from the ``sizes`` it is given::

    header   24 B   magic u32 · run u32 · stream u32 · seq u32 · flags u32 ·
                    n_snap u16 · n_epoch u16
    n_snap × (8 + 4 P) B   step u32 · epoch u32 · θ P × f32 (``MLP.get_flat`` order)
    n_epoch × (8 + 4 (3 + 2L)) B   epoch u32 · step u32 · loss 2 × f32 (train, test) ·
                    accuracy 2 × f32 · ‖∂L/∂W⁽q⁾‖ L × f32 · saturation L − 1 × f32

P is the number of parameters and L the number of layers with parameters (35 and 3 for
2-3-4-2). The only flag is ``FINAL``: no snapshot follows this reply's last one (the run
ended at the epoch limit or by divergence).

Floats are cast to float32 *after* clipping to ±3.4e38 (a bare cast turns larger values
into ±inf); NaN stays NaN (a metric that is not a number is shown as "—"). Parameters must
be finite: the trainer undoes a step that blows up, so a non-finite θ is a bug and
:meth:`Format.snapshots` refuses it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np

MAGIC = 0x42504C32  # "BPL2"
FINAL = 1
FLT_MAX = float(np.finfo(np.float32).max)
U32 = 2**32 - 1
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
    def n_metrics(self) -> int:
        L = len(self.sizes) - 1
        return 4 + L + (L - 1)

    @cached_property
    def snapshot(self) -> np.dtype:
        return np.dtype([("step", "<u4"), ("epoch", "<u4"), ("theta", "<f4", (self.n_params,))])

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

    def encode(self, run: int, stream: int, seq: int, flags: int, snapshots: np.ndarray,
               epochs: np.ndarray) -> bytes:
        """One reply: the header, then the snapshots, then the epoch records."""
        head = np.array([(MAGIC, run, stream, seq, flags, len(snapshots), len(epochs))], HEADER)
        return (head.tobytes() + snapshots.astype(self.snapshot).tobytes()
                + epochs.astype(self.epoch).tobytes())

    def decode(self, payload: bytes) -> dict:
        """Inverse of :meth:`encode` (what wire.js reads; used by tests and benchmarks)."""
        head = np.frombuffer(payload, HEADER, count=1)[0]
        if head["magic"] != MAGIC:
            raise ValueError("not a Backprop Lab player reply")
        ns, ne = int(head["n_snap"]), int(head["n_epoch"])
        off = HEADER.itemsize
        if len(payload) != off + ns * self.snapshot.itemsize + ne * self.epoch.itemsize:
            raise ValueError("reply length does not match its header")
        snaps = np.frombuffer(payload, self.snapshot, count=ns, offset=off)
        epochs = np.frombuffer(payload, self.epoch, count=ne,
                               offset=off + ns * self.snapshot.itemsize)
        return {name: head[name].item() for name in HEADER.names} | {"snapshots": snaps,
                                                                       "epochs": epochs}
