"""How the player (in the browser) and the session's trainer (on the server) keep in step.

The browser draws; the server trains. The player is sent its data on full reruns
(view.py) and asks for snapshots with *pulls*; when it stops playing it *settles*:

* **pull** ``{run, stream, have, shown, want, seq, ehave}`` (through the feed's fragment):
  the run and stream it plays, the last step it holds, the step on screen, how many
  snapshots it wants, a counter echoed back, and the last epoch it has charted.
  :func:`answer` replies (wire.py) with the snapshots after ``have``.
* **settle** ``{run, stream, step, seq}`` (the player's own trigger): it stopped on
  ``step``, because the page said Pause, a tab was clicked, or the run ended. The trainer
  goes to exactly that step (:func:`go_to`), so what every other view shows, and what
  Step takes a step from, is the frame that was on screen.

**Streams.** Snapshots ahead of the screen hold for the settings they were trained with. A
new stream starts when Play is pressed and when the speed or a training setting changes
while playing; the player then drops what it holds beyond the frame on screen and asks
from there (its first pull's ``have``), and the server takes the trainer back to exactly
that step before it trains on with the new settings.

**Answer first, train after.** A pull is answered from snapshots trained before it arrived
(the previous pull's :func:`prefetch`); only a pull that finds none ready waits for
training, and then only for the first ``FIRST_REPLY`` snapshots. After the reply has left, the session trains about as much as the next pull
will ask for. Before each training call the server takes a ``Trainer.checkpoint`` (a
*mark*); going back to a step is restoring the last mark before it and training up to it,
which repeats what training did bit for bit.

The end of a run (epoch limit, divergence) is the flag ``FINAL`` on the reply that holds
its last snapshot: the player plays its queue out, then settles. A reply the player may
have missed (an interrupted fragment run loses it) stays buffered: a repeated pull with the
same ``have`` gets the same snapshots again.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager

import numpy as np

from nncore import trace_many

from ..state import Lab, guard, hand_settings
from .stream import PlayerState
from .turns import TURNS
from .wire import FINAL, U32, Format

STEP_RATES = (1, 3, 10, 30, 100, 300, 1000, 3000, 10000)  # the speeds on offer, steps/s
DEFAULT_RATE = 300
FRAME_RATE = 60  # snapshots per second of playback at most: one per display frame
BUFFER = 512  # snapshots kept: repeated requests, and the frames a player still holds
EPOCH_BUFFER = 256  # epoch records kept
MARKS = 64  # trainer checkpoints kept at most (one per training call)
MAX_WANT = 120  # two seconds of frames per request at most
CPU_SHARE = 0.5  # training per request ≤ this share of the playback time it buys
AHEAD = 1.25  # prefetch this many times the last request (the player's jitter is ±25 %)
TURN = 0.05  # seconds of training per turn; a request needing more queues again
FIRST_REPLY = 12  # snapshots a pull that finds none ready waits for (0.2 s at 60 frames/s):
# a class pressing Play together waits for everyone's first frames, not everyone's second


def stride_for(rate: float) -> int:
    """Steps per snapshot: every step up to 60 steps/s, then ⌈rate / 60⌉."""
    return max(1, math.ceil(rate / FRAME_RATE))


def interval_for(rate: float) -> float:
    """Seconds of playback per snapshot."""
    return stride_for(rate) / rate


def sync(lab: Lab) -> PlayerState:
    """The session's player state, emptied when a new run started (reset, new data,
    loaded weights)."""
    guard(lab)
    ps = lab.player
    if ps.run != lab.generation:
        ps.run, ps.fmt = lab.generation, Format(lab.net.sizes)
        ps.epochs = np.zeros(0, ps.fmt.epoch)
        ps.after_pause = ""
        ps.new_stream(keep_marks=False)
    return ps


def finished(lab: Lab) -> bool:
    """Training can go no further: diverged, or at the epoch limit."""
    t = lab.trainer
    return t.diverged or t.epoch >= lab.settings.epochs_limit


def parse_request(req) -> dict | None:
    """A pull from the browser, checked (None if malformed)."""
    if not isinstance(req, dict):
        return None
    try:
        out = {k: int(req[k]) for k in ("run", "stream", "have", "want", "seq")}
        out["ehave"] = int(req.get("ehave", -1))
        out["shown"] = int(req.get("shown", out["have"]))
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    if not all(0 <= out[k] <= U32 for k in ("run", "stream", "seq")):
        return None  # echoed back as u32: anything else is not from the player
    for k in ("have", "ehave", "shown"):  # counters: -1 (none yet) … u32
        out[k] = max(-1, min(out[k], U32))
    out["want"] = max(0, min(out["want"], MAX_WANT))
    return out


def answer(lab: Lab, req: dict, rate: float) -> bytes:
    """Reply to one pull (checked by :func:`parse_request`) at ``rate`` steps/s: the
    snapshots after ``have``, trained before replying only when none is ready. Trains
    nothing while paused or for another run or stream. Sets what :func:`prefetch` trains
    once the reply has left."""
    ps = sync(lab)
    ps.requests += 1
    fmt = ps.fmt
    if req["run"] != lab.generation or req["stream"] != ps.stream:
        ps.ahead = 0  # another run or stream: the page on its way brings the player up
        return fmt.encode(lab.generation, ps.stream, req["seq"], 0, ps.snapshots[:0],
                          ps.epochs[:0])
    if not ps.started:  # the stream starts from the player's frame (its first `have`)
        ps.started = True
        if lab.running and go_to(lab, req["have"]):
            hand_settings(lab)
    shown = min(req["shown"], req["have"])  # it shows what it holds
    ps.shown = max(ps.shown, shown)
    older = [i for i, m in enumerate(ps.marks) if m.steps <= ps.shown]
    del ps.marks[:older[-1] if older else 0]  # one mark at or before the screen will do
    pending = ps.snapshots[ps.snapshots["step"] > req["have"]]
    if not len(pending) and req["want"] and lab.running and not finished(lab):
        # nothing ready (a stream's first pull): a short reply now, the rest after it
        first = min(req["want"], FIRST_REPLY)
        pending = _train(lab, first, first, rate)
    reply = pending[:req["want"]]
    flags = FINAL if lab.running and finished(lab) and len(reply) == len(pending) else 0
    if len(reply):
        ps.sent = max(ps.sent, int(reply["step"][-1]))
    # the next pull asks for about as much, give or take the player's jitter
    ps.ahead = min(MAX_WANT, math.ceil(req["want"] * AHEAD)) if lab.running else 0
    ps.reply = fmt.encode(lab.generation, ps.stream, req["seq"], flags, reply,
                          ps.epochs[ps.epochs["epoch"] > req["ehave"]])
    return ps.reply


def prefetch(lab: Lab, rate: float) -> int:
    """After a reply: train what the next pull will want beyond what was sent, so that
    pull is answered at once. Returns the snapshots trained."""
    n = sync(lab).ahead
    need = take_ahead(lab)
    return len(_train(lab, need, n, rate)) if need > 0 else 0


def take_ahead(lab: Lab) -> int:
    """The snapshots :func:`prefetch` is to train now (0 if none), taken: asked again,
    it says 0 until the next pull."""
    ps = sync(lab)
    n, ps.ahead = ps.ahead, 0
    if n <= 0 or not ps.started or not lab.running or finished(lab):
        return 0
    return max(0, n - int(np.count_nonzero(ps.snapshots["step"] > ps.sent)))


def train_many(work: list[tuple[Lab, int, float]]) -> list[int]:
    """Train ahead for many sessions in one pass (nncore's trace_many: the same bits as
    each alone): ``work`` holds (lab, snapshots, rate); each gets a mark first, and its
    snapshots go onto its buffer as :func:`prefetch`'s do. Returns the snapshots each
    got. The caller holds every session's lock."""
    jobs, kept = [], []
    for lab, n, rate in work:
        if n > 0 and lab.running and not finished(lab):
            hand_settings(lab)
            lab.player.marks.append(lab.trainer.checkpoint())
            jobs.append((lab.trainer, n, stride_for(rate), lab.settings.epochs_limit))
            kept.append(lab)
    with TURNS:
        traces = trace_many(jobs)
    got = {id(lab): len(_keep(lab, [tr])) for lab, tr in zip(kept, traces)}
    return [got.get(id(lab), 0) for lab, _, _ in work]


def _train(lab: Lab, need: int, budget: int, rate: float) -> np.ndarray:
    """Up to ``need`` snapshots onto the buffer, in turns (a mark before each training
    call), spending at most CPU_SHARE of the playback time of ``budget`` snapshots, never
    past the epoch limit; returns the new snapshots."""
    ps, t = lab.player, lab.trainer
    stride = stride_for(rate)
    deadline = time.perf_counter() + CPU_SHARE * budget * interval_for(rate)
    traces = []
    hand_settings(lab)
    while need > 0 and lab.running and not finished(lab):
        with TURNS:
            ps.marks.append(t.checkpoint())
            left = max(0.0, min(TURN, deadline - time.perf_counter()))
            tr = t.trace(need, stride, seconds=left, until_epoch=lab.settings.epochs_limit)
        traces.append(tr)
        need -= len(tr)
        if not len(tr) or time.perf_counter() >= deadline:
            break
    return _keep(lab, traces)


def _keep(lab: Lab, traces: list) -> np.ndarray:
    """The traces' snapshots and epoch records onto the session's buffers; returns the
    new snapshots."""
    ps, t = lab.player, lab.trainer
    parts = [ps.snapshots[:0]] + [ps.fmt.snapshots(tr.steps, tr.epochs, tr.theta)
                                  for tr in traces]
    records = [ps.epochs] + [ps.fmt.epochs(tr.metrics) for tr in traces]
    del ps.marks[:-MARKS]
    ps.head = max(ps.head, t.steps)
    ps.epochs = np.concatenate(records)[-EPOCH_BUFFER:]
    new = np.concatenate(parts)
    ps.snapshots = np.concatenate([ps.snapshots, new])[-BUFFER:]
    return new


def replay_to(lab: Lab, step: int) -> bool:
    """Put the trainer at ``step`` of this run, exactly as training passed it: restore the
    last mark at or before it and train up to it (with the settings of that mark). False,
    and nothing changed, when no mark reaches it or training never got there. The marks
    and the buffers stay."""
    t, ps = lab.trainer, lab.player
    if step == t.steps:
        return True
    marks = [m for m in ps.marks if m.steps <= step]
    if not marks or not 0 <= step <= max(t.steps, ps.head):
        return False
    t.restore(marks[-1])
    t.step(step - marks[-1].steps)
    return t.steps == step


def go_to(lab: Lab, step: int) -> bool:
    """Take the trainer back to ``step`` (:func:`replay_to`) for good: what was trained
    after it (snapshots, epoch records, marks, journal entries) is dropped."""
    if not replay_to(lab, step):
        return False
    ps, t = lab.player, lab.trainer
    ps.marks = [m for m in ps.marks if m.steps <= step]
    ps.snapshots = ps.snapshots[ps.snapshots["step"] <= step]
    ps.epochs = ps.epochs[ps.epochs["epoch"] <= t.epoch]
    lab.journal.truncate(step)
    return True


def parse_settle(msg) -> dict | None:
    """A settle from the browser, checked (None if malformed)."""
    if not isinstance(msg, dict):
        return None
    try:
        out = {k: int(msg[k]) for k in ("run", "stream", "step", "seq")}
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return out if all(0 <= v <= U32 for v in out.values()) else None


@contextmanager
def at_step(lab: Lab, step: int | None):
    """Within the block, the trainer and ``lab.net`` are at ``step`` of this run (a frame
    the player shows while it plays ahead); after it, exactly where they were. ``step``
    None, or one no mark reaches, leaves them where they are. Yields the step they are at."""
    t = lab.trainer
    here = t.checkpoint()
    try:
        yield t.steps if step is None or not replay_to(lab, step) else step
    finally:
        t.restore(here)
