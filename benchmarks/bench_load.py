"""Many playing sessions against one ``streamlit run app.py``, driven through Streamlit's
own websocket protocol from Python.

Run:  python benchmarks/bench_load.py [--sessions 1 10 30] [--seconds 10]

Why a protocol client and not browser pages: on this 2-core machine 30 headless Chromium
pages would spend the cores on rendering and measure the browsers, not the server. Each
client here does what a page does on the wire: a first run, opens the Train tab, presses
Play (the ``play`` button's trigger), then behaves as player.js does: it plays snapshots
back at their interval, and whenever less than the lead is queued sends one pull (the
``live_feed`` element's ``pull`` trigger, a fragment rerun) and waits for its reply (the
feed element's bytes, lab/player/protocol.py), retrying as the player does
(benchmarks/st_client.py: Session).

Reported per session: snapshots delivered per second and steps per second, the p95 and
max latency of a pull (send → reply), stalls (frames due with nothing queued, % of
frames), KB/s on the wire both ways; and for the server: CPU (utime + stime from /proc)
per wall second and resident memory. Errors: failed connections, exceptions on the page,
replies that never came.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from st_client import Session, cpu_seconds, rss_mb, serve

from nncore import FEATURES
from nncore.features import TEXT


async def trial(port: int, pid: int | list[int], n: int, seconds: float, warmup: float,
                speed: int | None, sticky: bool = False, route: bool = True,
                query: str = "") -> dict:
    """``n`` sessions against the server (or proxy) on ``port``; the server's CPU is that of
    the process(es) ``pid``. ``sticky``: each session loads the page first and keeps the
    cookie it sets, as browsers behind deploy/serve.py's nginx do. ``route``: pulls over
    the pull route as player.js (False: every pull through the feed, a fragment rerun).
    ``query``: the page's address (a network's shape, e.g. ``layers=4&width1=8…``)."""
    pids = [pid] if isinstance(pid, int) else list(pid)

    def cpu_seconds_all() -> float:
        return sum(cpu_seconds(p) for p in pids)

    sessions = [Session(port, speed, query_string=query, seed=i, sticky=sticky, route=route)
                for i in range(n)]
    errors = 0
    arrived, started = [], []
    for s in sessions:  # open the page one by one, as a class arriving
        try:
            await s.arrive()
            arrived.append(s)
        except (OSError, TimeoutError, KeyError, websockets.WebSocketException):
            errors += 1  # refused, timed out, or the page lacked the Train tab's elements

    async def play(s):  # then everyone presses Play at the same moment
        try:
            await s.press_play()
            return s
        except (OSError, TimeoutError, KeyError, websockets.WebSocketException):
            return None
    for s in await asyncio.gather(*(play(s) for s in arrived)):
        if s is None:
            errors += 1
        else:
            started.append(s)
    t_measure = time.monotonic() + warmup
    b0 = [s.bytes for s in started]
    await asyncio.sleep(0)
    c0 = None

    async def measure_cpu():
        nonlocal c0
        await asyncio.sleep(warmup)
        c0 = (cpu_seconds_all(), time.monotonic(), [s.bytes for s in started])

    meter = asyncio.create_task(measure_cpu())
    client0 = time.process_time()
    await asyncio.gather(*(s.play(warmup + seconds, t_measure) for s in started))
    await meter
    cpu = (cpu_seconds_all() - c0[0]) / (time.monotonic() - c0[1])
    client = (time.process_time() - client0) / (warmup + seconds)
    wall = time.monotonic() - c0[1]
    kbs = [(s.bytes - b) / wall / 1e3 for s, b in zip(started, c0[2])]
    del b0
    lat = sorted(x for s in started for x in s.latencies)
    firsts = [s.first_snapshot for s in started if s.first_snapshot is not None]
    out = {
        "sessions": n, "started": len(started),
        "snapshots/s": statistics.median(s.snapshots / seconds for s in started),
        # frames shown: how far the step on screen moved, in snapshots (stride steps each)
        "worst frames/s": min(((s.steps[1] - s.steps[0]) / s.player.get("stride", 1) / seconds
                               for s in started), default=0.0),
        "worst stalls %": max((100 * s.stalls / max(1, s.frames) for s in started),
                              default=0.0),
        "steps/s": statistics.median((s.steps[1] - s.steps[0]) / seconds for s in started),
        "p95 ms": 1e3 * lat[int(0.95 * (len(lat) - 1))] if lat else float("nan"),
        "max ms": 1e3 * lat[-1] if lat else float("nan"),
        "stalls %": 100 * sum(s.stalls for s in started) / max(1, sum(s.frames for s in started)),
        "KB/s": statistics.median(kbs),
        "server CPU ms/s": cpu * 1e3, "per session ms/s": cpu * 1e3 / max(1, len(started)),
        "RSS MB": sum(rss_mb(p) for p in pids),
        "errors": errors + sum(s.errors for s in started),
        # Play pressed by all at once → each session's first snapshot
        "first snapshot median ms": 1e3 * statistics.median(firsts) if firsts else float("nan"),
        "first snapshot max ms": 1e3 * max(firsts) if firsts else float("nan"),
        "routed %": 100 * sum(s.routed for s in started) / max(1, sum(s.replies_seen
                                                                      for s in started)),
        "retries": sum(s.retries for s in started),
        "client CPU ms/s": client * 1e3,
    }
    for s in started:
        await s.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--port", type=int, default=8651)
    ap.add_argument("--speed", type=int, default=None, help="steps/s (default: the app's)")
    ap.add_argument("--largest", action="store_true",
                    help="the largest network: 7-8-8-8-8-2, every feature, L2")
    ap.add_argument("--feed", action="store_true",
                    help="every pull through the feed (a fragment rerun), not the pull route")
    a = ap.parse_args()
    query = ""
    if a.largest:
        query = ("layers=4&width1=8&width2=8&width3=8&width4=8&regularization=L2&reg_rate=0.01&"
                 + "&".join("features=" + quote(TEXT[f]) for f in FEATURES))
    rows = []
    for n in a.sessions:
        for _ in range(a.repeats):
            proc = serve(a.port)  # a fresh server per trial: memory and sessions start clean
            try:
                idle0 = cpu_seconds(proc.pid)
                time.sleep(2.0)
                idle = (cpu_seconds(proc.pid) - idle0) / 2.0 * 1e3
                r = asyncio.run(trial(a.port, proc.pid, n, a.seconds, a.warmup, a.speed,
                                      route=not a.feed, query=query))
                r["network"] = "7-8-8-8-8-2" if a.largest else "2-3-4-2"
                r["idle server ms/s"] = idle
                r["speed"] = a.speed or "default"
                r["pulls"] = "feed" if a.feed else "route"
                rows.append(r)
                print(json.dumps({k: round(v, 1) if isinstance(v, float) else v
                                  for k, v in r.items()}), flush=True)
            finally:
                proc.terminate()
                proc.wait()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end")


if __name__ == "__main__":
    main()
