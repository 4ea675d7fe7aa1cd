"""Memory of a training session: does it stay bounded, and how much does one session cost?

Run:  python benchmarks/bench_memory.py [--parts a c b] [--steps 100000] [--minutes 10]
                                         [--sessions 1 10 30] [--seconds 10]

(a) In process (no Streamlit): one Lab (lab.state.new_lab) trained through the player's
    protocol (lab.player.protocol.answer with lab.running = True, pulling as player.js
    does: ``have`` = the last step received, ``want`` = 66 snapshots at the default 300
    steps/s). Python heap (tracemalloc, after gc.collect) and process RSS at 0, 25k, 50k,
    75k and 100k steps, with the sizes of the bounded buffers (the player's ring buffer,
    the trainer's history). The epoch limit is raised to 1,000,000 so training never stops.
(b) A real ``streamlit run app.py`` and one session (benchmarks/st_client.py: Streamlit's
    own websocket protocol) playing for --minutes, its address carrying
    ``epochs_limit=1000000``; the server's RSS every 30 s, and the trainer's step.
(c) Server RSS with 1, 10, 30 sessions open and playing (one fresh server per count,
    sessions arriving one by one, then all playing for --seconds) → MB per session (least
    squares slope) and how many sessions fit in Community Cloud's 690 MB … 2.7 GB per app.

The numbers go to stdout as JSON lines; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from st_client import Session, cpu_seconds, free_port, rss_mb, serve, stop

from lab.player.protocol import DEFAULT_RATE, answer, sync
from lab.state import Settings, new_lab
from lab.training import toggle

CLOUD_MB = (690, 2700)  # Community Cloud memory per app, roughly (FIELD-NOTES)
WANT = 66  # player.js at the default speed with ~0.1 s latency: (0.5 s lead + 0.6 s) × 60


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def emit(**row) -> None:
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}),
          flush=True)


def own_rss_mb() -> float:
    return rss_mb(os.getpid())


# --------------------------------------------------------------------------- (a)


def part_a(total: int) -> None:
    checkpoints = sorted({0, total // 4, total // 2, 3 * total // 4, total})
    tracemalloc.start()
    lab = new_lab(replace(Settings(), epochs_limit=1_000_000))
    toggle(lab)  # Play
    ps = sync(lab)
    have, ehave, seq = 0, -1, 0
    t0 = time.perf_counter()

    def report(step: int) -> None:
        gc.collect()
        cur, peak = tracemalloc.get_traced_memory()
        h = lab.trainer.history
        emit(part="a", step=step, epoch=lab.trainer.epoch, heap_MB=cur / 2**20,
             heap_peak_MB=peak / 2**20, rss_MB=own_rss_mb(), ring=len(ps.snapshots),
             epoch_ring=len(ps.epochs), history_points=len(h.train_loss),
             reply_KB=len(ps.reply) / 1e3, seconds=time.perf_counter() - t0)

    report(0)
    for c in checkpoints[1:]:
        while lab.trainer.steps < c:
            seq += 1
            d = ps.fmt.decode(answer(lab, {"run": lab.generation, "stream": ps.stream,
                                           "have": have, "shown": have, "want": WANT,
                                           "seq": seq, "ehave": ehave}, DEFAULT_RATE))
            if d["n_snap"]:
                have = int(d["snapshots"]["step"][-1])
            if d["n_epoch"]:
                ehave = int(d["epochs"]["epoch"][-1])
            if not lab.running:
                raise RuntimeError(f"training stopped at step {lab.trainer.steps}")
        report(lab.trainer.steps)
    tracemalloc.stop()


# --------------------------------------------------------------------------- (b)


async def _long_play(port: int, pid: int, minutes: float, every: float) -> None:
    s = Session(port, query_string="epochs_limit=1000000")
    await asyncio.wait_for(s.start(), 60)
    t0 = time.monotonic()
    c0 = cpu_seconds(pid)
    player = asyncio.create_task(s.play(minutes * 60))
    emit(part="b", minute=0.0, rss_MB=rss_mb(pid), step=s.steps[1], load=load())
    try:
        while not player.done():
            await asyncio.wait([player], timeout=every)
            t = time.monotonic() - t0
            emit(part="b", minute=t / 60, rss_MB=rss_mb(pid), step=s.steps[1],
                 snapshots=s.snapshots, retries=s.retries, errors=s.errors,
                 server_cpu_ms_s=(cpu_seconds(pid) - c0) / t * 1e3, load=load())
        await player
    finally:
        await s.close()


def part_b(minutes: float, every: float) -> None:
    port = free_port()
    proc = serve(port)
    try:
        emit(part="b", note="fresh server, no session", rss_MB=rss_mb(proc.pid))
        asyncio.run(asyncio.wait_for(_long_play(port, proc.pid, minutes, every),
                                     minutes * 60 + 120))
    finally:
        stop(proc)


# --------------------------------------------------------------------------- (c)


async def _sessions(port: int, pid: int, n: int, seconds: float) -> dict:
    sessions = [Session(port) for _ in range(n)]
    started, failed = [], 0
    for s in sessions:  # one by one, as a class arriving
        try:
            await asyncio.wait_for(s.start(), 60)
            started.append(s)
        except Exception:  # noqa: BLE001 - counted
            failed += 1
    rss_open = rss_mb(pid)
    await asyncio.wait_for(asyncio.gather(*(s.play(seconds) for s in started)), seconds + 60)
    out = {"sessions": n, "started": len(started), "failed": failed,
           "rss_open_MB": rss_open, "rss_played_MB": rss_mb(pid),
           "snapshots_s_median": statistics.median(s.snapshots / seconds for s in started),
           "errors": sum(s.errors for s in started)}
    await asyncio.gather(*(s.close() for s in started))
    return out


def part_c(counts: list[int], seconds: float) -> None:
    rows = []
    for n in counts:
        port = free_port()
        proc = serve(port)  # a fresh server per count: memory starts clean
        try:
            base = rss_mb(proc.pid)
            r = asyncio.run(_sessions(port, proc.pid, n, seconds))
            r["rss_fresh_MB"] = base
            r["load"] = load()
            rows.append(r)
            emit(part="c", **r)
        finally:
            stop(proc)
    if len(rows) >= 2:
        xs = [r["started"] for r in rows]
        ys = [r["rss_played_MB"] for r in rows]
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        slope = (sum((x - mx) * (y - my) for x, y in zip(xs, ys))
                 / sum((x - mx) ** 2 for x in xs))
        fixed = my - slope * mx
        fit = {f"fit_{mb}MB": int((mb - fixed) // slope) if slope > 0 else None
               for mb in CLOUD_MB}
        emit(part="c", MB_per_session=slope, fixed_MB=fixed, **fit)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", nargs="+", default=["a", "c", "b"], choices=["a", "b", "c"])
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--every", type=float, default=30.0, help="(b): seconds between samples")
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    ap.add_argument("--seconds", type=float, default=10.0, help="(c): seconds of playing")
    a = ap.parse_args()
    print(f"load average {load()} on {os.cpu_count()} cores at the start", flush=True)
    for part in a.parts:
        if part == "a":
            part_a(a.steps)
        elif part == "b":
            part_b(a.minutes, a.every)
        else:
            part_c(a.sessions, a.seconds)
    print(f"load average {load()} on {os.cpu_count()} cores at the end", flush=True)


if __name__ == "__main__":
    main()
