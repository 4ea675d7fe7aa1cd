"""The player's wire format and pull protocol (numpy + nncore only: no Streamlit).

The browser draws; the server trains. The player asks for snapshots with a *pull*:
``{"gen", "have", "want", "seq", "ehave", "shown"}`` = the stream it draws
(``Lab.generation``), the last step it holds, how many snapshots it wants, a request
counter echoed back, the last epoch whose metrics it holds, and the step on screen.
:func:`answer` replies with what is missing, as bytes (little-endian)::

    header   28 B   magic u32 · gen u32 · seq u32 · flags u32 · interval f32 ·
                    n_snap u16 · n_epoch u16 · server_step u32
    n_snap × 148 B  step u32 · epoch u32 · θ 35 × f32 (``MLP.get_flat`` order: W¹ row-major,
                    b¹, W², b², W³, b³)
    n_epoch × 44 B  epoch u32 · step u32 · loss 2 × f32 · accuracy 2 × f32 ·
                    ‖∂L/∂W⁽q⁾‖ 3 × f32 · tanh saturation of the 2 hidden layers 2 × f32

A snapshot is taken every ``stride`` steps (one per frame at 60 frames/s), so the
player shows ``interval = stride / speed`` seconds of training per snapshot. The server
trains a request's snapshots in one nncore call (``Trainer.trace``).

Answer first, train after. A pull is answered from snapshots trained before it arrived
(:func:`answer`), and only then, after the reply has left, does the session train the
next pull's worth (:func:`prefetch`). A pull's latency is then one fragment rerun and
never a wait for the training turn. The trainer runs ahead of the screen by up to two
pulls, so before each training call the server takes a ``Trainer.checkpoint``; Pause,
Step and a change of the training settings first bring the trainer back to the frame on
screen (:func:`rewind_to_screen`: the latest checkpoint before it, then the steps up to
it, bit for bit what training did). The server knows that frame from the last pull (the
step then on screen, and when) and the playback interval. The end of training (the
epoch limit, divergence) reaches the player as the flag ``FINAL`` on the reply that
holds the last snapshot: the player plays its queue out, then pulls once more, and that
pull stops the run (the page is drawn again, paused on the last frame).

A snapshot carries no
loss: the player computes the loss and accuracy of the weights it draws over the data
points it was given in float64 (browser tests hold them equal to nncore's ``MLP.loss``
and argmax accuracy to 1e-12). Snapshots the server made but the player may not have got (an
interrupted fragment run loses a reply) stay in a ring buffer: a repeated request with
the same ``have`` gets the same snapshots again, and trains nothing new. The player drops
steps it already holds.

Sessions train in turns (:class:`Turns`): one at a time, in arrival order, at most
``TURN`` seconds each. Every session's pull runs in its own thread; thirty threads
training at once share one GIL, and handing it around cost 3× the CPU per step (178 µs
against 60 µs, measured with bench_load.py at 30 sessions). One trainer at a time, the
others asleep on a queue, keeps each step as cheap as it is alone.

Floats are cast to float32 *after* clipping to ±3.4e38 (a bare cast turns larger
values into ±inf); NaN stays NaN (a metric that is not a number: shown as "—").
Parameters must be finite: the trainer undoes a step that blows up, so a snapshot with a
non-finite θ is a bug and :func:`encode_snapshots` refuses it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from nncore import Trace

MAGIC = 0x42504C31  # "BPL1"
N_PARAMS = 35  # 2-3-4-2: (3·2+3) + (4·3+4) + (2·4+2)
N_LAYERS = 3
N_HIDDEN = 2
FLT_MAX = float(np.finfo(np.float32).max)
U32 = 2**32 - 1
FRAME_RATE = 60  # snapshots per second of playback at most: one per display frame

HEADER = np.dtype([("magic", "<u4"), ("gen", "<u4"), ("seq", "<u4"), ("flags", "<u4"),
                   ("interval", "<f4"), ("n_snap", "<u2"), ("n_epoch", "<u2"),
                   ("server_step", "<u4")])
SNAPSHOT = np.dtype([("step", "<u4"), ("epoch", "<u4"), ("theta", "<f4", (N_PARAMS,))])
EPOCH = np.dtype([("epoch", "<u4"), ("step", "<u4"), ("loss", "<f4", (2,)),
                  ("acc", "<f4", (2,)), ("grad_norm", "<f4", (N_LAYERS,)),
                  ("saturation", "<f4", (N_HIDDEN,))])

RUNNING, DIVERGED, AT_LIMIT, FINAL = 1, 2, 4, 8  # header flags
SPEEDS = (1, 3, 10, 30, 100, 300, 1000, 3000, 10000)  # steps per second
DEFAULT_SPEED = 300
BUFFER = 512  # snapshots kept: repeated requests, and the frames a player still holds
EPOCH_BUFFER = 256  # epoch records kept
MARKS = 64  # trainer checkpoints kept (one per training call, each ≤ TURN of training)
MAX_WANT = 120  # two seconds of frames per request at most
CPU_SHARE = 0.5  # training per request ≤ this share of the playback time it buys
AHEAD = 1.25  # prefetch this many times the last request (the player's JITTER is ±25 %)
TURN = 0.05  # seconds of training per turn; a request needing more queues again


class Turns:
    """A lock taken in arrival order (FIFO): the first waiter gets it on release.

    ``threading.Lock`` lets the releasing thread take it straight back, so a session
    asking for much could starve the rest; here a release hands the lock to the oldest
    waiter, which sleeps on its own Event until then."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Event] = deque()
        self._held = False

    def __enter__(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            mine = threading.Event()
            self._waiters.append(mine)
        mine.wait()  # set by the release that hands the lock over

    def __exit__(self, *exc) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()  # still held: now by that waiter
            else:
                self._held = False


TURNS = Turns()  # one per server process: sessions' training takes turns


def to_f32(values) -> np.ndarray:
    """float32 of ``values`` clipped to ±FLT_MAX first (so ±inf never appears); NaN kept."""
    return np.clip(np.asarray(values, dtype=np.float64), -FLT_MAX, FLT_MAX).astype(np.float32)


def stride_for(speed: float) -> int:
    """Steps per snapshot: every step up to 60 steps/s, then ⌈speed / 60⌉."""
    return max(1, math.ceil(speed / FRAME_RATE))


def interval_for(speed: float) -> float:
    """Seconds of playback per snapshot."""
    return stride_for(speed) / speed


def encode_snapshots(steps, epochs, thetas) -> np.ndarray:
    """Step and epoch counters (R,) and parameters (R, 35) → SNAPSHOT array."""
    thetas = np.asarray(thetas, dtype=np.float64)
    if (thetas.ndim != 2 or thetas.shape[1] != N_PARAMS or len(steps) != len(thetas)
            or len(epochs) != len(thetas) or not np.all(np.isfinite(thetas))):
        raise ValueError(f"a snapshot needs {N_PARAMS} finite parameters and its counters, "
                         f"got θ of shape {thetas.shape}: {thetas}")
    out = np.zeros(len(thetas), SNAPSHOT)
    out["step"], out["epoch"] = steps, epochs
    out["theta"] = to_f32(thetas)
    return out


def encode_epochs(metrics) -> np.ndarray:
    """metrics: iterable of nncore ``Trainer.latest`` dicts → EPOCH array."""
    ms = list(metrics)
    out = np.zeros(len(ms), EPOCH)
    if not ms:
        return out
    f = to_f32([[m["train_loss"], _num(m["test_loss"]), m["train_acc"], _num(m["test_acc"]),
                 *m["grad_norm"], *m["saturation"]] for m in ms])
    out["epoch"] = [m["epoch"] for m in ms]
    out["step"] = [m["steps"] for m in ms]
    out["loss"], out["acc"] = f[:, 0:2], f[:, 2:4]
    out["grad_norm"], out["saturation"] = f[:, 4:4 + N_LAYERS], f[:, 4 + N_LAYERS:]
    return out


def _num(v) -> float:
    return float("nan") if v is None else float(v)


def encode(gen: int, seq: int, flags: int, interval: float, server_step: int,
           snapshots: np.ndarray, epochs: np.ndarray) -> bytes:
    """One reply: the header, then the snapshots, then the epoch records."""
    head = np.array([(MAGIC, gen, seq, flags, interval, len(snapshots), len(epochs),
                      server_step)], HEADER)
    return head.tobytes() + snapshots.astype(SNAPSHOT).tobytes() + epochs.astype(EPOCH).tobytes()


def decode(payload: bytes) -> dict:
    """Inverse of :func:`encode` (what the player's JS reads; used by tests and benchmarks)."""
    head = np.frombuffer(payload, HEADER, count=1)[0]
    if head["magic"] != MAGIC:
        raise ValueError("not a Backprop Lab player reply")
    ns, ne = int(head["n_snap"]), int(head["n_epoch"])
    off = HEADER.itemsize
    snaps = np.frombuffer(payload, SNAPSHOT, count=ns, offset=off)
    epochs = np.frombuffer(payload, EPOCH, count=ne, offset=off + ns * SNAPSHOT.itemsize)
    if len(payload) != off + ns * SNAPSHOT.itemsize + ne * EPOCH.itemsize:
        raise ValueError("reply length does not match its header")
    return {name: head[name].item() for name in HEADER.names} | {"snapshots": snaps,
                                                                   "epochs": epochs}


@dataclass
class PlayerState:
    """Per-session server side of the player (kept on the Lab as ``lab.player``)."""

    speed: float = DEFAULT_SPEED
    gen: int = -1
    # the last BUFFER snapshots and epoch records (SNAPSHOT and EPOCH arrays), oldest first
    snapshots: np.ndarray = field(default_factory=lambda: np.zeros(0, SNAPSHOT))
    epochs: np.ndarray = field(default_factory=lambda: np.zeros(0, EPOCH))
    first_epoch: dict | None = None  # the epoch-0 metrics of this run, for the charts
    reply: bytes = b""  # the last reply, drawn again by runs that answer no request
    requests: int = 0
    # trainer checkpoints, oldest first, one before each training call of this stream
    marks: list = field(default_factory=list)
    sent: int = -1  # the last step sent to the player
    # (perf_counter, step on screen, playback interval) when the last pull arrived
    clock: tuple | None = None
    ahead: int = 0  # snapshots to train after the reply (prefetch), set by the pull
    stopped_running: bool = False  # the player has drawn the last frame of a finished run
    # a pull came from a player drawing another run: the full rerun that would have
    # updated it was lost (interrupted), so the page must be drawn again
    stale_player: bool = False

    def sync(self, lab) -> None:
        """A new training run (reset, new data or network) empties the buffers."""
        if self.gen != lab.generation:
            self.gen = lab.generation
            self.snapshots = np.zeros(0, SNAPSHOT)
            self.epochs = np.zeros(0, EPOCH)
            self.forget_screen()
            t = lab.trainer
            self.first_epoch = dict(t.latest) if t.epoch == 0 else None
            self.reply = encode(self.gen, 0, flags_of(lab), interval_for(self.speed),
                                t.steps, np.zeros(0, SNAPSHOT), encode_epochs([]))

    def forget_screen(self) -> None:
        """Play pressed: what an earlier run showed is no ground for a rewind any more
        (its clock and checkpoints predate steps taken while paused)."""
        self.marks, self.sent, self.clock, self.ahead = [], -1, None, 0

    def __repr__(self) -> str:
        return (f"PlayerState(gen={self.gen}, speed={self.speed:g}, "
                f"buffered={len(self.snapshots)}, requests={self.requests})")


def player_state(lab) -> PlayerState:
    """The session's player state, ``lab.player``."""
    return lab.player


def flags_of(lab) -> int:
    t = lab.trainer
    return ((RUNNING if lab.running else 0) | (DIVERGED if t.diverged else 0)
            | (AT_LIMIT if t.epoch >= lab.settings.epochs_limit else 0))


def finished(lab) -> bool:
    """Training can go no further: diverged, or at the epoch limit."""
    t = lab.trainer
    return t.diverged or t.epoch >= lab.settings.epochs_limit


def advance(lab, n: int, stride: int, seconds: float = math.inf) -> Trace:
    """Up to n snapshots ``stride`` steps apart, trained in one call, never past the epoch
    limit and for at most ``seconds`` of wall time (nncore's ``Trainer.trace``)."""
    return lab.trainer.trace(n, stride, seconds=seconds, until_epoch=lab.settings.epochs_limit)


def parse_request(req) -> dict | None:
    """A pull request from the browser, validated (None if malformed)."""
    if not isinstance(req, dict):
        return None
    try:
        out = {k: int(req[k]) for k in ("gen", "have", "want", "seq")}
        out["ehave"] = int(req.get("ehave", -1))
        out["shown"] = int(req.get("shown", out["have"]))
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    if not (0 <= out["gen"] <= U32 and 0 <= out["seq"] <= U32):
        return None  # echoed back as u32: anything else is not from the player
    for k in ("have", "ehave", "shown"):  # counters: -1 (none yet) … u32
        out[k] = max(-1, min(out[k], U32))
    out["want"] = max(0, min(out["want"], MAX_WANT))
    return out


def _train(lab, ps: PlayerState, need: int, budget: int) -> np.ndarray:
    """Train up to ``need`` snapshots onto the buffer, in turns (a checkpoint before each
    call), spending at most CPU_SHARE of the playback time of ``budget`` snapshots;
    returns the new snapshots."""
    t, speed = lab.trainer, ps.speed
    stride = stride_for(speed)
    deadline = time.perf_counter() + CPU_SHARE * budget * interval_for(speed)
    parts, records = [np.zeros(0, SNAPSHOT)], [ps.epochs]
    while need > 0 and lab.running and not finished(lab):
        with TURNS:
            left = deadline - time.perf_counter()
            ps.marks.append(t.checkpoint())
            tr = advance(lab, need, stride, min(TURN, max(0.0, left)))
        parts.append(encode_snapshots(tr.steps, tr.epochs, tr.theta))
        records.append(encode_epochs(tr.metrics))
        need -= len(tr)
        if not len(tr) or time.perf_counter() >= deadline:
            break
    del ps.marks[:-MARKS]
    ps.epochs = np.concatenate(records)[-EPOCH_BUFFER:]
    new = np.concatenate(parts)
    ps.snapshots = np.concatenate([ps.snapshots, new])[-BUFFER:]
    return new


def answer(lab, ps: PlayerState, req: dict) -> bytes:
    """Reply to one pull with the buffered snapshots after ``have``; only when fewer than
    ``want`` are buffered (the first pull after Play, a faster speed) does it train before
    replying. Never trains while paused or for another stream. Sets what
    :func:`prefetch` trains once the reply has left."""
    ps.sync(lab)
    ps.requests += 1
    t = lab.trainer
    speed = ps.speed
    if req["gen"] != lab.generation:
        ps.stale_player = True
        return encode(lab.generation, req["seq"], flags_of(lab), interval_for(speed),
                      t.steps, np.zeros(0, SNAPSHOT), encode_epochs([]))
    shown = min(req.get("shown", req["have"]), req["have"])  # it shows what it holds
    ps.clock = (time.perf_counter(), shown, interval_for(speed))
    # the screen never goes back past this step: one checkpoint at or before it will do
    older = [i for i, m in enumerate(ps.marks) if m.steps <= shown]
    del ps.marks[:older[-1] if older else 0]
    buf = ps.snapshots
    pending = buf[buf["step"] > req["have"]]
    # what prefetch made is enough unless it covers less than half the request (the first
    # pull after Play or a rewind, a faster speed): the player asks again sooner instead
    need = req["want"] - len(pending) if 2 * len(pending) < req["want"] else 0
    if need > 0 and lab.running and not finished(lab):
        pending = np.concatenate([pending, _train(lab, ps, need, req["want"])])
    reply = pending[:req["want"]]
    flags = flags_of(lab)
    if lab.running and finished(lab) and len(reply) == len(pending):
        if not len(reply) and shown >= req["have"]:  # the last frame is on screen: stop
            lab.running = False
            ps.stopped_running = True
            flags = flags_of(lab)
        flags |= FINAL
    ps.sent = max(ps.sent, int(reply["step"][-1]) if len(reply) else min(req["have"], t.steps))
    # the next pull asks for about as much, give or take the player's jitter
    ps.ahead = min(MAX_WANT, math.ceil(req["want"] * AHEAD)) if lab.running else 0
    ps.reply = encode(lab.generation, req["seq"], flags, interval_for(speed), t.steps,
                      reply, ps.epochs[ps.epochs["epoch"] > req["ehave"]])
    return ps.reply


def prefetch(lab, ps: PlayerState) -> int:
    """After a reply: train what the next pull will want (the size of the last one)
    beyond what was sent, so that pull is answered at once. Returns snapshots trained."""
    n, ps.ahead = ps.ahead, 0
    if n <= 0 or ps.gen != lab.generation or not lab.running or finished(lab):
        return 0
    need = n - int(np.count_nonzero(ps.snapshots["step"] > ps.sent))
    return len(_train(lab, ps, need, n)) if need > 0 else 0


def shown_at(ps: PlayerState, now: float) -> int:
    """The step the player shows at ``now`` (perf_counter), from the last pull: the step
    then on screen, one snapshot per playback interval since, never past what it got."""
    if ps.clock is None:
        return ps.sent
    at, shown, interval = ps.clock
    steps = ps.snapshots["step"].astype(np.int64)
    queued = steps[(steps > shown) & (steps <= ps.sent)]
    frames = round((now - at) / interval)
    if frames <= 0 or not len(queued):
        return shown
    return int(queued[min(frames, len(queued)) - 1])


def rewind_to_screen(lab, ps: PlayerState, now: float | None = None) -> bool:
    """Bring a trainer that ran ahead of the player back to the frame on screen (at
    ``now``): restore the latest checkpoint before that step and train up to it, which
    repeats what training did bit for bit. The settings in force are kept. A new stream
    starts (``lab.generation``), so the player draws these weights. Returns whether the
    trainer moved."""
    t = lab.trainer
    ps.sync(lab)
    target = shown_at(ps, time.perf_counter() if now is None else now)
    marks = [m for m in ps.marks if m.steps <= target]
    if target < 0 or target >= t.steps or not marks:
        return False
    s = lab.settings
    t.restore(marks[-1])
    t.step(target - marks[-1].steps)
    t.lr, t.batch_size, t.momentum = s.lr, s.batch_size, s.momentum
    first = ps.first_epoch
    lab.generation += 1  # the player's queue runs past these weights: a new stream
    ps.sync(lab)
    ps.first_epoch = first
    return True
