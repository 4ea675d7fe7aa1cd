"""A session's lock: one thread at a time changes a session (its script runs, its widget
callbacks, and a pull answered beside the app, lab/player/route.py)."""

from __future__ import annotations

import threading


class SessionLock:
    """A session's lock (reentrant): held by its script runs and widget callbacks, and by
    a pull answered beside the app (lab/player/route.py), so that two threads never change
    one session at once. :meth:`held` says whether this thread holds it."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._owner: int | None = None
        self._depth = 0

    def acquire(self, blocking: bool = True) -> bool:
        if not self._lock.acquire(blocking):
            return False
        self._owner = threading.get_ident()
        self._depth += 1
        return True

    def release(self) -> None:
        self._depth -= 1
        if not self._depth:
            self._owner = None
        self._lock.release()

    def held(self) -> bool:
        return self._owner == threading.get_ident()

    def __enter__(self) -> SessionLock:  # noqa: PYI034
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
