"""Many playing sessions against one ``streamlit run app.py``, driven through Streamlit's
own websocket protocol from Python.

Run:  python benchmarks/bench_load.py [--sessions 1 10 30] [--seconds 10]

Why a protocol client and not browser pages: on this 2-core machine 30 headless Chromium
pages would spend the cores on rendering and measure the browsers, not the server. Each
client here does what a page does on the wire: a first run, opens the Train tab, presses
Play (the ``play`` button's trigger), then behaves as player.js does: it plays snapshots
back at their interval, and whenever less than the lead is queued sends one pull (the
``live_feed`` element's ``pull`` trigger, a fragment rerun) and waits for its reply (the
feed element's bytes, lab/player/protocol.py), retrying after 2 s.

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
import random
import statistics
import sys
import time
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from st_client import LEAD, RETRY, ask_for, cpu_seconds, rss_mb, serve

from lab.player.protocol import decode


class Session:
    """One simulated browser tab."""

    def __init__(self, port: int, speed: int | None = None, seed: int = 0):
        self.port = port
        self.rng = random.Random(seed)  # the player's jitter, reproducible per session
        self.speed = speed
        self.ids: dict[str, str] = {}
        self.feed_fragment = ""
        self.page_hash = ""
        self.bytes = 0
        self.errors = 0
        self.replies: asyncio.Queue = asyncio.Queue()
        self.finished: asyncio.Event = asyncio.Event()
        self.latencies: list[float] = []
        self.snapshots = 0
        self.steps = (0, 0)
        self.stalls = 0
        self.frames = 0
        self.retries = 0

    async def send(self, widgets: list, fragment: str = "") -> None:
        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string = ""
        rs.page_script_hash = self.page_hash
        rs.fragment_id = fragment
        tab = rs.widget_states.widgets.add()
        tab.id = self.ids.get("tab", "")
        tab.string_value = "Train"
        if not tab.id:
            del rs.widget_states.widgets[-1]
        if self.speed is not None and "speed" in self.ids:  # a widget keeps what it is sent
            sp = rs.widget_states.widgets.add()
            sp.id = self.ids["speed"]
            sp.string_array_value.data.append(f"{self.speed:,}")
        for w in widgets:
            rs.widget_states.widgets.add().CopyFrom(w)
        raw = msg.SerializeToString()
        self.bytes += len(raw)
        await self.ws.send(raw)

    async def reader(self) -> None:
        async for raw in self.ws:
            self.bytes += len(raw)
            m = ForwardMsg()
            m.ParseFromString(raw)
            kind = m.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = m.new_session.page_script_hash
            elif kind == "script_finished":
                self.finished.set()
            elif kind == "delta":
                self.on_delta(m.delta)

    def on_delta(self, d) -> None:
        if d.WhichOneof("type") == "add_block" and d.add_block.WhichOneof("type") == "tab_container":
            self.ids["tab"] = d.add_block.tab_container.id
        if d.WhichOneof("type") != "new_element":
            return
        el = d.new_element
        kind = el.WhichOneof("type")
        if kind == "exception":
            self.errors += 1
        elif kind == "button" and el.button.id.endswith("-play"):
            self.ids["play"] = el.button.id
        elif kind == "slider" and el.slider.id.endswith("-train_speed"):
            self.ids["speed"] = el.slider.id
        elif kind == "bidi_component" and el.bidi_component.component_name == "backprop_lab.feed":
            self.ids["feed"] = el.bidi_component.id
            self.feed_fragment = d.fragment_id
            if el.bidi_component.bytes:
                self.replies.put_nowait((time.monotonic(), el.bidi_component.bytes))

    async def run_script(self, widgets=(), fragment="") -> None:
        self.finished.clear()
        await self.send(list(widgets), fragment)
        await asyncio.wait_for(self.finished.wait(), 60)

    async def start(self) -> None:
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=["streamlit"],
            max_size=None, origin=f"http://127.0.0.1:{self.port}")
        self.task = asyncio.create_task(self.reader())
        await self.run_script()  # first run (the step-by-step tab)
        await self.run_script()  # with the Train tab open
        from streamlit.proto.WidgetStates_pb2 import WidgetState
        play = WidgetState(id=self.ids["play"], trigger_value=True)
        await self.run_script([play])
        while not self.replies.empty():
            self.replies.get_nowait()

    async def play(self, seconds: float, t_measure: float) -> None:
        from streamlit.proto.WidgetStates_pb2 import WidgetState
        have, ehave, gen, seq = -1, -1, None, 0
        queue: list[int] = []
        shown = -1  # the step on screen
        interval = 1 / 60
        next_at = time.monotonic()
        end = time.monotonic() + seconds
        inflight = None
        latency = 0.1
        while time.monotonic() < end:
            now = time.monotonic()
            while not self.replies.empty():
                at, raw = self.replies.get_nowait()
                d = decode(raw)
                gen = d["gen"]
                interval = d["interval"] or interval
                if inflight and d["seq"] == inflight[0]:
                    lat = at - inflight[1]
                    latency = 0.8 * latency + 0.2 * lat
                    if inflight[1] >= t_measure:
                        self.latencies.append(lat)
                    inflight = None
                for s in d["snapshots"]["step"].tolist():
                    if s > have:
                        queue.append(s)
                        have = s
                        if now >= t_measure:
                            self.snapshots += 1
                if d["n_epoch"]:
                    ehave = max(ehave, int(d["epochs"]["epoch"][-1]))
            # play back one snapshot per interval, as the player does
            if now >= next_at:
                if now >= t_measure:
                    self.frames += 1
                if queue:
                    step = shown = queue.pop(0)
                    if now >= t_measure and not self.steps[0]:
                        self.steps = (step, step)
                    self.steps = (self.steps[0], step)
                elif now >= t_measure:
                    self.stalls += 1
                next_at = max(next_at + interval, now - interval)
            lead = min(1.5, LEAD + 2 * latency)
            if (inflight is None or now - inflight[1] > RETRY) and len(queue) * interval < lead:
                if inflight is not None:
                    self.retries += 1
                seq += 1
                batch = ask_for(latency, self.rng)
                want = max(1, min(120, round((lead + batch) / interval) - len(queue)))
                req = {"gen": gen if gen is not None else 0, "have": max(have, 0),
                       "want": want, "seq": seq, "ehave": ehave,
                       "shown": shown if shown >= 0 else max(have, 0)}
                w = WidgetState(id="$$STREAMLIT_INTERNAL_KEY_" + self.ids["feed"] + "__events",
                                json_trigger_value=json.dumps([{"event": "pull", "value": req}]))
                inflight = (seq, time.monotonic())
                await self.send([w], self.feed_fragment)
            await asyncio.sleep(1 / 60)

    async def close(self) -> None:
        await self.ws.close()
        self.task.cancel()


async def trial(port: int, pid: int, n: int, seconds: float, warmup: float,
                speed: int | None) -> dict:
    sessions = [Session(port, speed, seed=i) for i in range(n)]
    errors = 0
    started = []
    for s in sessions:  # connect one by one, as a class arriving
        try:
            await s.start()
            started.append(s)
        except (OSError, TimeoutError, KeyError, websockets.WebSocketException):
            errors += 1  # refused, timed out, or the page lacked the Train tab's elements
    t_measure = time.monotonic() + warmup
    b0 = [s.bytes for s in started]
    await asyncio.sleep(0)
    c0 = None

    async def measure_cpu():
        nonlocal c0
        await asyncio.sleep(warmup)
        c0 = (cpu_seconds(pid), time.monotonic(), [s.bytes for s in started])

    meter = asyncio.create_task(measure_cpu())
    client0 = time.process_time()
    await asyncio.gather(*(s.play(warmup + seconds, t_measure) for s in started))
    await meter
    cpu = (cpu_seconds(pid) - c0[0]) / (time.monotonic() - c0[1])
    client = (time.process_time() - client0) / (warmup + seconds)
    wall = time.monotonic() - c0[1]
    kbs = [(s.bytes - b) / wall / 1e3 for s, b in zip(started, c0[2])]
    del b0
    lat = sorted(x for s in started for x in s.latencies)
    out = {
        "sessions": n, "started": len(started),
        "snapshots/s": statistics.median(s.snapshots / seconds for s in started),
        "steps/s": statistics.median((s.steps[1] - s.steps[0]) / seconds for s in started),
        "p95 ms": 1e3 * lat[int(0.95 * (len(lat) - 1))] if lat else float("nan"),
        "max ms": 1e3 * lat[-1] if lat else float("nan"),
        "stalls %": 100 * sum(s.stalls for s in started) / max(1, sum(s.frames for s in started)),
        "KB/s": statistics.median(kbs),
        "server CPU ms/s": cpu * 1e3, "per session ms/s": cpu * 1e3 / max(1, len(started)),
        "RSS MB": rss_mb(pid),
        "errors": errors + sum(s.errors for s in started),
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
    a = ap.parse_args()
    rows = []
    for n in a.sessions:
        for _ in range(a.repeats):
            proc = serve(a.port)  # a fresh server per trial: memory and sessions start clean
            try:
                idle0 = cpu_seconds(proc.pid)
                time.sleep(2.0)
                idle = (cpu_seconds(proc.pid) - idle0) / 2.0 * 1e3
                r = asyncio.run(trial(a.port, proc.pid, n, a.seconds, a.warmup, a.speed))
                r["idle server ms/s"] = idle
                r["speed"] = a.speed or "default"
                rows.append(r)
                print(json.dumps({k: round(v, 1) if isinstance(v, float) else v
                                  for k, v in r.items()}), flush=True)
            finally:
                proc.terminate()
                proc.wait()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end")


if __name__ == "__main__":
    main()
