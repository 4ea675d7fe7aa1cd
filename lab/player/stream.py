"""The server side of one session's player: its stream, buffers and marks (no logic but
starting a new stream; the protocol is in protocol.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import numpy as np

from .wire import Format


@dataclass
class PlayerState:
    """The server side of one session's player (kept on the Lab as ``lab.player``)."""

    run: int = -1  # the Lab.generation the buffers belong to
    stream: int = 0
    started: bool = False  # the stream's first pull has fixed the step it starts from
    fmt: Format | None = None
    snapshots: np.ndarray | None = None  # the last BUFFER snapshots sent or ready, oldest first
    epochs: np.ndarray | None = None  # the last EPOCH_BUFFER epoch records
    reply: bytes = b""  # the last reply, drawn again by fragment runs that answer nothing
    marks: list = field(default_factory=list)  # trainer checkpoints, oldest first
    sent: int = -1  # the last step sent in this stream
    shown: int = -1  # the step on screen at the last pull (the screen never goes back)
    head: int = -1  # the furthest step trained since the marks began (going back may go
    # forward again up to it: training there is a replay of what it did)
    ahead: int = 0  # snapshots to train after the reply (prefetch), set by the pull
    after_pause: str = ""  # "step" or "epoch": Step clicked while playing, redone at settle
    settled: int = 0  # the last settle handled (its seq, echoed to the player)
    requests: int = 0
    # the session's key to the pull route (route.py): handed to its page only
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18), repr=False)

    def new_stream(self, *, keep_marks: bool) -> None:
        """What was trained ahead of the screen is void; the next pull says where to start.
        Marks stay for a restart (going back uses them), not for Play (the weights may have
        been stepped or edited while paused)."""
        self.stream += 1
        self.started = False
        if self.fmt is not None:
            self.snapshots = np.zeros(0, self.fmt.snapshot)
            self.reply = self.fmt.encode(self.run, self.stream, 0, 0, self.snapshots,
                                         self.fmt.epochs([]))
        self.sent, self.ahead = -1, 0
        if not keep_marks:
            self.marks, self.shown, self.head = [], -1, -1

    def __repr__(self) -> str:
        n = 0 if self.snapshots is None else len(self.snapshots)
        return (f"PlayerState(run={self.run}, stream={self.stream}, buffered={n}, "
                f"requests={self.requests})")
