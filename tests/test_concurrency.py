"""Concurrency against a real ``streamlit run app.py``, through Streamlit's own websocket
protocol (benchmarks/st_client.py: what a browser tab sends and receives, no browser).

* ``test_concurrent_first_loads``: 2 rounds, each against a *fresh* server (the
  start-up imports race only in a new process: lab/__init__.py imports pandas, pyarrow and
  Plotly once so that a second session's script never sees a partly imported module). In
  each round 10 sessions arrive together (see ``_first_loads``: 10 script runs start at
  the same moment, half of them first loads, half the Train tab's first run); every run
  must finish within 60 s, with no exception element on the page and the tabs drawn.
  After the last round the same 10 sessions press Play and pull like the player for 3 s:
  every one receives snapshots (fewer under load, never none), no errors.
* ``test_disconnect_costs_nothing``: a session that plays, then closes its websocket,
  leaves the server's CPU (utime + stime) at its idle level, measured before the session
  opened on the same server.

About 25 s together on 2 cores (a fresh server starts in ~1 s, a round's runs take
~1.5-2.5 s). Without lab/__init__.py's start-up imports the race showed in every round, so
two rounds catch it coming back. Marked ``browser``: they need no browser, but they are slow server tests that
run where the browser tests run.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import statistics
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from st_client import Session, cpu_seconds, free_port, serve, stop

pytestmark = pytest.mark.browser

ROUNDS = 2
SESSIONS = 10
PLAY_SECONDS = 3.0
ROUND_TIMEOUT = 90.0  # one round's first loads, all of them, at most


def run_async(coro):
    """``asyncio.run`` in a thread of its own: Playwright's sync API, used by other tests
    in the same process, keeps an event loop running in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


async def _first_loads(port: int) -> tuple[list[Session], list[str]]:
    """A class arriving: 10 sessions connect; 5 load the page at the same moment; then, at
    the same moment, those 5 open the Train tab while the other 5 load the page (10 script
    runs at once); then the last 5 open the Train tab. Returns the sessions and what went
    wrong.

    The mix matters: the first load (the step-by-step tab) draws Plotly figures and the
    Train tab's first run imports pandas. With all 10 doing the same thing nothing races;
    with this mix and the start-up imports of lab/__init__.py removed, every round showed
    ``AttributeError: partially initialized module 'pandas' has no attribute 'Series'``.
    """
    sessions = [Session(port) for _ in range(SESSIONS)]
    problems: list[str] = []
    got = await asyncio.gather(*(s.connect() for s in sessions), return_exceptions=True)
    for i, r in enumerate(got):
        if isinstance(r, BaseException):
            problems.append(f"session {i}: connect failed: {r!r}")
    live = [s for s, r in zip(sessions, got) if not isinstance(r, BaseException)]
    first, second = live[: len(live) // 2], live[len(live) // 2:]
    waves = [[s.run_script() for s in first],
             [s.run_script() for s in first] + [s.run_script() for s in second],
             [s.run_script() for s in second]]
    for n, wave in enumerate(waves):
        for r in await asyncio.gather(*wave, return_exceptions=True):
            if isinstance(r, BaseException):
                problems.append(f"wave {n}: a run did not finish: {r!r}")
    for i, s in enumerate(live):
        if s.exceptions:
            problems.append(f"session {i}: exception on the page: {s.exceptions}")
        if not s.tabs:
            problems.append(f"session {i}: the page has no tabs")
        if s.runs_finished != 2:
            problems.append(f"session {i}: {s.runs_finished} runs finished, not 2")
    return live, problems


async def _play_all(sessions: list[Session]) -> list[str]:
    problems: list[str] = []
    opened = await asyncio.gather(*(s.press_play() for s in sessions), return_exceptions=True)
    playing = []
    for i, (s, r) in enumerate(zip(sessions, opened)):
        if isinstance(r, BaseException):
            problems.append(f"session {i}: Train tab / Play failed: {r!r}")
        else:
            playing.append(s)
    await asyncio.wait_for(
        asyncio.gather(*(s.play(PLAY_SECONDS) for s in playing)), PLAY_SECONDS + 30)
    for i, s in enumerate(playing):
        if s.snapshots == 0:
            problems.append(f"session {i}: no snapshot in {PLAY_SECONDS:g} s "
                            f"({s.replies_seen} replies, {s.retries} retries)")
        if s.exceptions:
            problems.append(f"session {i}: exception while playing: {s.exceptions}")
    return problems


async def _round(port: int, play: bool) -> tuple[list[str], list[int]]:
    sessions, problems = await asyncio.wait_for(_first_loads(port), ROUND_TIMEOUT)
    snapshots: list[int] = []
    try:
        if play and not problems:
            problems += await _play_all(sessions)
            snapshots = [s.snapshots for s in sessions]
    finally:
        await asyncio.gather(*(s.close() for s in sessions))
    return problems, snapshots


def test_concurrent_first_loads(tmp_path: Path) -> None:
    failures: list[str] = []
    snapshots: list[int] = []
    seconds: list[float] = []
    for r in range(ROUNDS):
        t0 = time.monotonic()
        port = free_port()
        log_path = tmp_path / f"streamlit-{r}.log"
        with open(log_path, "wb") as log:
            proc = serve(port, log=log)
        try:
            problems, snaps = run_async(_round(port, play=r == ROUNDS - 1))
            snapshots = snaps or snapshots
        finally:
            stop(proc)
        seconds.append(time.monotonic() - t0)
        if problems:
            failures.append(f"round {r}:\n  " + "\n  ".join(problems)
                            + f"\n  server log:\n{_log_tail(log_path)}")
    print(f"{ROUNDS} rounds, s per round: median {statistics.median(seconds):.2f}, "
          f"min {min(seconds):.2f}, max {max(seconds):.2f}; snapshots in {PLAY_SECONDS:g} s: "
          f"{snapshots}")
    assert not failures, "\n".join(failures)
    assert len(snapshots) == SESSIONS and min(snapshots) > 0, snapshots


def test_disconnect_costs_nothing() -> None:
    """Idle CPU of a fresh server (3 s), then one session plays 2 s and closes its
    websocket: 3 s from a second after it cost about what idling did (the server trains
    only when a player pulls, so a closed tab costs nothing)."""
    port = free_port()
    proc = serve(port)
    try:
        time.sleep(1.0)  # let start-up settle
        c0, t0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(3.0)
        idle = (cpu_seconds(proc.pid) - c0) / (time.monotonic() - t0) * 1e3

        async def play_then_close() -> float:
            s = Session(port)
            try:
                await asyncio.wait_for(s.start(), 60)
                c, t = cpu_seconds(proc.pid), time.monotonic()
                await asyncio.wait_for(s.play(2.0), 30)
                busy = (cpu_seconds(proc.pid) - c) / (time.monotonic() - t) * 1e3
                assert s.snapshots > 0 and not s.exceptions, (s.snapshots, s.exceptions)
            finally:
                await s.close()
            return busy

        playing = run_async(play_then_close())
        # the training ahead its last pull asked for (one pass, gathered for up to 0.3 s:
        # lab/player/route.py) is the last thing the closed tab costs
        time.sleep(1.0)
        c1, t1 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(3.0)
        after = (cpu_seconds(proc.pid) - c1) / (time.monotonic() - t1) * 1e3
    finally:
        stop(proc)
    msg = f"idle {idle:.1f} ms/s, playing {playing:.1f} ms/s, after closing {after:.1f} ms/s"
    print(msg)
    # /proc counts in 10 ms ticks: over 3 s that is a resolution of ~3.3 ms/s
    assert after <= 20.0 and after - idle <= 12.0, msg
