"""Pulls answered beside the app, over plain HTTP, without a script rerun.

A pull through the player's feed (a Streamlit fragment) costs the server a fragment rerun
and a websocket message, about as much as the training it asks for. Here the player POSTs
the same pull (protocol.py) to ``PATH``, a route the app mounts beside Streamlit's own
(``st.App`` in app.py), and gets the same reply bytes back.

* **Who.** Each session has an unguessable token (``PlayerState.token``), handed to its
  player on a full rerun; :func:`register` maps it to the session's Lab (weakly: a session
  that ends leaves). An unknown token gets 404, and the player goes back to its feed.
* **One thread per session at a time.** The session's lock (``Lab.lock``) is held by its
  script runs and callbacks; a pull takes it without waiting. When a script run holds it,
  or a stream's first pull would take training back or change a setting (a speed or a
  setting changed while playing: that is journalled in the address, which the feed's
  rerun writes), the answer is 409 and the player sends that pull through its feed.
* **One trainer.** Every pull is answered on one thread (:class:`PullThread`), in arrival
  order; training ahead for the next pulls waits behind the answers, and the sessions
  waiting for it train together.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from collections import deque
from concurrent.futures import Future

from ..state import Lab
from .protocol import STEP_RATES, answer, parse_request, sync, take_ahead, train_many

_LOG = logging.getLogger(__name__)
PATH = "/_bpl/pull"
MAX_BODY = 1024  # bytes: a pull is ~150
BUSY, UNKNOWN, BAD = 409, 404, 400

_labs: weakref.WeakValueDictionary[str, Lab] = weakref.WeakValueDictionary()
PASS = 1200  # snapshots in one pass of training ahead, all sessions (then answers go first)
GATHER = 0.3  # seconds training ahead may wait for more sessions to join its pass: the next
# pull comes ~1.5 s after the last (player.js BATCH), so there is time, and a pass of many
# sessions costs each step about half of what it costs alone


class PullThread:
    """One thread answers every pull and trains ahead for every session.

    Answers go first, in arrival order. Training ahead waits behind them, and all the
    sessions waiting for it train together (nncore.trace_many: one pass for all, the
    same bits as each alone), at most ``PASS`` snapshots a pass, answers served between
    passes; training ahead waits up to ``GATHER`` seconds for more sessions to join. The busier the server, the more sessions a pass holds, and the less each
    step costs."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._answers: deque = deque()
        self._ahead: dict[int, tuple[Lab, float]] = {}
        self._since = 0.0  # when the oldest session waiting for training ahead came
        self._thread: threading.Thread | None = None
        self.passes = self.trained = 0  # counters (tests and benchmarks read them)

    def answer(self, body: bytes) -> Future:
        fut: Future = Future()
        with self._cv:
            self._answers.append((body, fut))
            self._start()
            self._cv.notify()
        return fut

    def ahead(self, lab: Lab, rate: float) -> None:
        with self._cv:
            if not self._ahead:
                self._since = time.monotonic()
            self._ahead[id(lab)] = (lab, rate)
            self._start()
            self._cv.notify()

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="bpl-pull", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            batch: list = []
            with self._cv:
                while True:
                    due = self._since + GATHER - time.monotonic()
                    if self._ahead and due <= 0:  # due even while answers keep coming:
                        batch = list(self._ahead.values())  # else a busy server would
                        self._ahead.clear()  # answer only, each answer training alone
                        break
                    if self._answers:
                        break
                    self._cv.wait(due if self._ahead else None)
            if batch:
                try:
                    self._train(batch)
                except Exception:  # noqa: BLE001 (the thread must live: every pull needs it)
                    _LOG.exception("training ahead failed; those sessions train on their "
                                   "next pulls")
            else:
                self._serve_waiting(one=True)

    def _serve_waiting(self, one: bool = False) -> None:
        """Answer the pulls waiting (``one``: the oldest only)."""
        while True:
            with self._cv:
                if not self._answers:
                    return
                body, fut = self._answers.popleft()
            try:
                fut.set_result(serve(body, self))
            except Exception as exc:  # noqa: BLE001 (the route answers 500, the thread lives)
                fut.set_exception(exc)
            if one:
                return

    def _train(self, batch: list[tuple[Lab, float]]) -> None:
        need: dict[int, int] = {}
        for lab, _rate in batch:
            if lab.lock.acquire(blocking=False):  # (busy: its feed or next pull trains)
                try:
                    need[id(lab)] = take_ahead(lab)
                finally:
                    lab.lock.release()
        while True:
            work, held = [], []
            share = max(12, PASS // max(1, sum(1 for k in need.values() if k > 0)))
            for lab, rate in batch:
                if need.get(id(lab), 0) > 0 and lab.lock.acquire(blocking=False):
                    held.append(lab)
                    work.append((lab, min(share, need[id(lab)]), rate))
            if not work:
                return
            try:
                got = train_many(work)
            finally:
                for lab in held:
                    lab.lock.release()
            self.passes += 1
            for (lab, _n, _rate), k in zip(work, got):
                self.trained += k
                need[id(lab)] = need[id(lab)] - k if k else 0  # none: it cannot train on
            self._serve_waiting()


PULLS = PullThread()  # one per server process


def register(lab: Lab) -> str:
    """The session's token, from now on answered at ``PATH``."""
    token = lab.player.token
    if _labs.get(token) is not lab:
        _labs[token] = lab
    return token


def serve(body: bytes, pulls: PullThread | None = None) -> tuple[int, bytes]:
    """Answer one pull (the request's body); returns (HTTP status, reply bytes); asks the
    pull thread (``pulls``, default the process's) to train ahead for the session after
    a reply."""
    if len(body) > MAX_BODY:
        return BAD, b""
    try:
        msg = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return BAD, b""
    if not isinstance(msg, dict):
        return BAD, b""
    token = msg.get("token")
    lab = _labs.get(token) if isinstance(token, str) else None
    if lab is None:
        return UNKNOWN, b""
    req, rate = parse_request(msg), msg.get("rate")
    if req is None or isinstance(rate, bool) or rate not in STEP_RATES:
        return BAD, b""
    if not lab.lock.acquire(blocking=False):
        return BUSY, b""
    try:
        ps = sync(lab)
        if not ps.started and req["run"] == lab.generation and req["stream"] == ps.stream \
                and not _starts_as_it_is(lab, req["have"]):
            return BUSY, b""  # it starts elsewhere: the feed notes it in the address
        reply = answer(lab, req, float(rate))
    finally:
        lab.lock.release()
    (pulls or PULLS).ahead(lab, float(rate))  # after the answers already waiting
    return 200, reply


def _starts_as_it_is(lab: Lab, have: int) -> bool:
    """A stream's first pull starts it from the trainer as it is (Play pressed): nothing
    is trained again and no setting changes, so the run's journal, and the address that
    carries it, stay as they are. Otherwise (a speed or setting changed while playing)
    the feed starts it, whose rerun writes the address."""
    t, s = lab.trainer, lab.settings
    return have == t.steps and (t.lr, t.batch_size, t.momentum) == (s.lr, s.batch_size,
                                                                   s.momentum)


async def _endpoint(request):
    import asyncio

    from starlette.responses import Response

    size = request.headers.get("content-length", "")
    if not size.isdigit() or int(size) > MAX_BODY:  # never read a large body
        return Response(b"", status_code=BAD if size.isdigit() else 411)
    body = await request.body()
    status, reply = await asyncio.wrap_future(PULLS.answer(body))
    # (Streamlit's own middleware gzips it for a client that takes gzip: the steps of
    # wire.py are mostly small integers)
    return Response(reply, status_code=status, media_type="application/octet-stream",
                    headers={"Cache-Control": "no-store"})


def routes(base: str = "") -> list:
    """The route for ``st.App(routes=…)``, under the server's base URL path."""
    from starlette.routing import Route

    prefix = "/" + base.strip("/") if base.strip("/") else ""
    return [Route(prefix + PATH, _endpoint, methods=["POST"])]
