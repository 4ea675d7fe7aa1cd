"""A lecture hall through nginx: how many playing sessions one and two app processes hold.

Run:  python benchmarks/bench_hall.py [--workers 1 2] [--start 30 50] [--step 10]
                                      [--repeats 3] [--seconds 8]

Each trial starts deploy/serve.py's hall afresh (nginx and N workers), then drives
``sessions`` clients through the proxy exactly as bench_load.py does (Streamlit's websocket
protocol, each client playing as player.js; benchmarks/st_client.py), each loading the page
first and keeping the cookie its WebSocket handshake sets, as a browser does. A trial
*holds* when it meets the lecture-hall budget: every session shows ≥ 50 new frames/s, pull
latency p95 ≤ 500 ms, stalls (frames due with nothing new to show) ≤ 5 % of all frames, no
error. Per worker count the sessions rise by ``--step`` from ``--start``
until a trial fails; the capacity of a repeat is the last count that held. Reported: every
trial, then per worker count the median capacity over repeats (with the spread) and the
ratio of two workers to one. The load client runs on the same 2 cores; its CPU is
reported with each trial.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "deploy"))
from bench_load import trial
from serve import Hall
from st_client import free_port

BUDGET = {"worst frames/s": 50.0, "p95 ms": 500.0, "stalls %": 5.0}


def holds(r: dict) -> bool:
    return (r["started"] == r["sessions"] and r["errors"] == 0
            and r["worst frames/s"] >= BUDGET["worst frames/s"]
            and r["p95 ms"] <= BUDGET["p95 ms"]
            and r["stalls %"] <= BUDGET["stalls %"])


def run_trial(workers: int, sessions: int, seconds: float, warmup: float) -> dict:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-hall-") as d:
        hall = Hall(workers, "127.0.0.1", port, Path(d), "/usr/sbin/nginx", hung=60.0)
        try:
            hall.start()
            pids = [w.proc.pid for w in hall.workers] + [hall.nginx.pid]
            r = asyncio.run(trial(port, pids, sessions, seconds, warmup, None, sticky=True))
        finally:
            hall.stop()
    r["workers"] = workers
    r["holds"] = holds(r)
    return r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--start", type=int, nargs="+", default=[30, 50],
                    help="first session count, per worker count")
    ap.add_argument("--step", type=int, default=10)
    ap.add_argument("--max", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    a = ap.parse_args()
    starts = dict(zip(a.workers, a.start + [a.start[-1]] * len(a.workers)))
    capacity: dict[int, list[int]] = {w: [] for w in a.workers}
    for rep in range(a.repeats):
        for w in a.workers:
            n, held = starts[w], 0
            while n <= a.max:
                r = run_trial(w, n, a.seconds, a.warmup)
                r["repeat"] = rep
                print(json.dumps({k: round(v, 1) if isinstance(v, float) else v
                                  for k, v in r.items()}), flush=True)
                if not r["holds"]:
                    break
                held, n = n, n + a.step
            capacity[w].append(held)
    for w, caps in capacity.items():
        print(f"{w} worker(s): holds {statistics.median(caps)} sessions "
              f"(repeats: {caps})", flush=True)
    if len(a.workers) == 2 and all(capacity.values()):
        lo, hi = min(a.workers), max(a.workers)
        one, two = statistics.median(capacity[lo]), statistics.median(capacity[hi])
        print(f"ratio {two / one:.2f} ({hi} workers / {lo})" if one
              else "ratio: one worker held none")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end")


if __name__ == "__main__":
    main()
