"""One training turn at a time per server process, in arrival order."""

from __future__ import annotations

import threading
from collections import deque


class Turns:
    """A lock taken in arrival order (FIFO): the first waiter gets it on release.

    Every session's pull runs in its own thread; thirty threads training at once share one
    GIL, and handing it around cost 3× the CPU per step (measured with bench_load.py at 30
    sessions). One trainer at a time, the others asleep on a queue, keeps each step as
    cheap as it is alone. ``threading.Lock`` lets the releasing thread take it straight
    back, so a session asking for much could starve the rest; here a release hands the
    lock to the oldest waiter, which sleeps on its own Event until then."""

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
