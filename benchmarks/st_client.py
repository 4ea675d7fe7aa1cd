"""A Python client for Streamlit's own websocket protocol, simulating a Backprop Lab page.

Shared by benchmarks/bench_load.py, benchmarks/bench_memory.py and
tests/test_concurrency.py: timeouts on every wait and a record of what the page received
(exceptions with their text, the tabs element, how each run finished).

A :class:`Session` does on the wire what a browser tab does: connect, a first run (the
step-by-step tab), a run with the Train tab open, Play (the ``play`` button's trigger),
then plays like ``player.js``: snapshots back at their interval, one pull whenever less
than the lead is queued, retried after 3 s. As the player: pulls go over HTTP to the pull
route (lab/player/route.py) on one kept-alive connection; a 409 sends that pull through
the ``live_feed`` element's ``pull`` trigger (a fragment rerun), any other failure the
rest (``route=False``: every pull by the feed).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import random
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lab.player.wire import Format


def player_constants() -> tuple[float, float, float, float]:
    """LEAD, BATCH (seconds), JITTER and the retry delay (s) of lab/player/player.js, read
    from it: the clients here pull as the real player does."""
    js = (ROOT / "lab" / "player" / "js" / "player.js").read_text(encoding="utf-8")

    def const(name: str) -> float:
        return float(re.search(rf"^const {name} = ([0-9.]+);", js, re.MULTILINE).group(1))

    return const("LEAD"), const("BATCH"), const("JITTER"), const("RETRY_MS") / 1000


LEAD, BATCH, JITTER, RETRY = player_constants()


def ask_for(latency: float, rng: random.Random) -> float:
    """Seconds of playback a pull asks for beyond the lead, as player.js: BATCH with its
    random jitter, at least twice the latency."""
    return max(BATCH * (1 - JITTER / 2 + JITTER * rng.random()), 2 * latency)
RUN_TIMEOUT = 60.0  # seconds a script run may take before the session counts as hung


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, timeout: float = 60.0, log=subprocess.DEVNULL) -> subprocess.Popen:
    """``streamlit run app.py`` on ``port``, returned once /_stcore/health says ok."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT if log is not subprocess.DEVNULL
        else subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                        timeout=2) as r:
                if r.read() == b"ok":
                    return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"streamlit not healthy after {timeout:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class RouteClient:
    """POSTs to the pull route on one kept-alive HTTP/1.1 connection (as a browser's
    fetch does); returns (status, body)."""

    def __init__(self, port: int, path: str, cookie: str = ""):
        self.port, self.path, self.cookie = port, "/" + path.lstrip("/"), cookie
        self.reader = self.writer = None
        self.bytes = 0  # both ways, headers included

    async def post(self, payload: dict) -> tuple[int, bytes]:
        body = json.dumps(payload).encode()
        head = (f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                "Accept-Encoding: gzip, deflate, br\r\n"  # as a browser asks
                + (f"Cookie: {self.cookie}\r\n" if self.cookie else "") + "\r\n")
        for attempt in (0, 1):  # a kept-alive connection the server closed: once more
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection("127.0.0.1",
                                                                             self.port)
                self.writer.write(head.encode() + body)
                await self.writer.drain()
                self.bytes += len(head) + len(body)
                line = await self.reader.readline()
                self.bytes += len(line)
                status = int(line.split()[1])
                length, close, gz = 0, False, False
                while (line := await self.reader.readline()) not in (b"\r\n", b""):
                    self.bytes += len(line)
                    k, _, v = line.decode("latin-1").partition(":")
                    if k.strip().lower() == "content-length":
                        length = int(v)
                    elif k.strip().lower() == "connection" and "close" in v.lower():
                        close = True
                    elif k.strip().lower() == "content-encoding" and "gzip" in v.lower():
                        gz = True
                data = await self.reader.readexactly(length) if length else b""
                self.bytes += 2 + len(data)
                data = gzip.decompress(data) if gz else data
                if close:
                    await self.close()
                return status, data
            except (OSError, asyncio.IncompleteReadError, IndexError, ValueError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None


class Session:
    """One simulated browser tab."""

    def __init__(self, port: int, speed: int | None = None, query_string: str = "",
                 seed: int | None = None, sticky: bool = False, route: bool = True):
        self.port = port
        self.use_route = route  # pulls over HTTP beside the app, as player.js
        self.routed = 0  # pulls answered by the route
        self.http: RouteClient | None = None
        # behind deploy/serve.py's nginx: load the page first, as a browser does, and keep
        # the cookie the WebSocket handshake sets (it keeps this tab on one worker)
        self.sticky = sticky
        self.cookie = ""
        self.speed = speed
        # the player's jitter; a seed makes it the same from run to run (bench_load)
        self.rng = random.Random(id(self) if seed is None else seed)
        self.query_string = query_string  # the page's address, e.g. "epochs_limit=1000000"
        self.ids: dict[str, str] = {}
        self.feed_fragment = ""
        self.page_hash = ""
        self.bytes = 0
        self.exceptions: list[str] = []  # "Type: message" of each exception element
        self.tabs = False  # the tab container arrived
        self.runs_finished = 0
        self.replies: asyncio.Queue = asyncio.Queue()
        self.finished: asyncio.Event = asyncio.Event()
        self.latencies: list[float] = []
        self.snapshots = 0  # distinct snapshots received while measuring
        self.replies_seen = 0
        self.player: dict = {}  # the player element's last data (run, stream, interval, …)
        self.steps = (0, 0)
        self.stalls = 0
        self.frames = 0
        self.retries = 0
        self.ws = None
        self.task: asyncio.Task | None = None
        self.play_at = 0.0  # when Play was sent
        self.first_snapshot: float | None = None  # seconds from Play to the first snapshot

    @property
    def errors(self) -> int:
        return len(self.exceptions)

    def _load_page(self) -> None:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=30) as r:
            r.read()

    async def connect(self, timeout: float = 30.0) -> None:
        if self.sticky:
            await asyncio.wait_for(asyncio.to_thread(self._load_page), timeout)
        self.ws = await asyncio.wait_for(websockets.connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=["streamlit"],
            max_size=None, origin=f"http://127.0.0.1:{self.port}",
            additional_headers={"Cookie": self.cookie} if self.cookie else None),
            timeout)
        if self.sticky and not self.cookie:
            self.cookie = "; ".join(c.split(";")[0] for c in
                                    self.ws.response.headers.get_all("Set-Cookie"))
        self.task = asyncio.create_task(self.reader())

    async def send(self, widgets: list, fragment: str = "") -> None:
        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string = self.query_string
        rs.page_script_hash = self.page_hash
        rs.fragment_id = fragment
        if self.ids.get("tab"):
            tab = rs.widget_states.widgets.add()
            tab.id = self.ids["tab"]
            tab.string_value = "Train"
        if self.speed is not None and "speed" in self.ids:  # a widget keeps what it is sent
            sp = rs.widget_states.widgets.add()
            sp.id = self.ids["speed"]
            sp.string_array_value.data.append(str(self.speed))
        for w in widgets:
            rs.widget_states.widgets.add().CopyFrom(w)
        raw = msg.SerializeToString()
        self.bytes += len(raw)
        await self.ws.send(raw)

    async def reader(self) -> None:
        try:
            async for raw in self.ws:
                self.bytes += len(raw)
                m = ForwardMsg()
                m.ParseFromString(raw)
                kind = m.WhichOneof("type")
                if kind == "new_session":
                    self.page_hash = m.new_session.page_script_hash
                elif kind == "script_finished":
                    self.runs_finished += 1
                    self.finished.set()
                elif kind == "delta":
                    self.on_delta(m.delta)
        except websockets.ConnectionClosed:
            pass

    def on_delta(self, d) -> None:
        if d.WhichOneof("type") == "add_block" and d.add_block.WhichOneof("type") == "tab_container":
            self.ids["tab"] = d.add_block.tab_container.id
            self.tabs = True
        if d.WhichOneof("type") != "new_element":
            return
        el = d.new_element
        kind = el.WhichOneof("type")
        if kind == "exception":
            self.exceptions.append(f"{el.exception.type}: {el.exception.message}")
        elif kind == "button" and el.button.id.endswith("-play"):
            self.ids["play"] = el.button.id
        elif kind == "slider" and el.slider.id.endswith("-train_speed"):
            self.ids["speed"] = el.slider.id
        elif kind == "bidi_component" and el.bidi_component.component_name == "backprop_lab.player":
            self.player = json.loads(el.bidi_component.json)
        elif kind == "bidi_component" and el.bidi_component.component_name == "backprop_lab.feed":
            self.ids["feed"] = el.bidi_component.id
            self.feed_fragment = d.fragment_id
            if el.bidi_component.bytes:
                self.replies.put_nowait((time.monotonic(), el.bidi_component.bytes))

    async def run_script(self, widgets=(), fragment="", timeout: float = RUN_TIMEOUT) -> None:
        """One rerun; raises TimeoutError if its script_finished does not come in time."""
        self.finished.clear()
        await self.send(list(widgets), fragment)
        await asyncio.wait_for(self.finished.wait(), timeout)

    async def press_play(self) -> None:
        """Press Play (the Train tab must be open); forget replies drawn before it."""
        self.play_at = time.monotonic()
        await self.run_script([WidgetState(id=self.ids["play"], trigger_value=True)])
        while not self.replies.empty():
            self.replies.get_nowait()

    async def open_train_and_play(self) -> None:
        await self.run_script()  # with the Train tab open
        await self.press_play()

    async def arrive(self) -> None:
        """Open the page (the step-by-step tab), then the Train tab."""
        await self.connect()
        await self.run_script()  # first run (the step-by-step tab)
        await self.run_script()  # with the Train tab open

    async def start(self) -> None:
        await self.arrive()
        await self.press_play()

    async def play(self, seconds: float, t_measure: float | None = None) -> None:
        """Behave as player.js for ``seconds``; count what arrives after ``t_measure``."""
        t_measure = time.monotonic() if t_measure is None else t_measure
        have, ehave, seq = -1, -1, 0
        fmt = Format(tuple(self.player["sizes"]))
        run, stream = self.player["run"], self.player["stream"]
        queue: list[int] = []
        shown = -1  # the step on screen
        interval = self.player["interval"]
        next_at = time.monotonic()
        end = time.monotonic() + seconds
        inflight = None
        latency = 0.1
        while time.monotonic() < end:
            route = self.player.get("route") if self.use_route else None
            now = time.monotonic()
            while not self.replies.empty():
                at, raw = self.replies.get_nowait()
                d = fmt.decode(raw)
                self.replies_seen += 1
                if inflight and d["seq"] == inflight[0]:
                    lat = at - inflight[1]
                    latency = 0.8 * latency + 0.2 * lat
                    if inflight[1] >= t_measure:
                        self.latencies.append(lat)
                    inflight = None
                if self.first_snapshot is None and len(d["snapshots"]) and self.play_at:
                    self.first_snapshot = at - self.play_at  # Play → the first frame to draw
                for s in d["snapshots"]["step"].tolist():
                    if s > have:
                        queue.append(s)
                        have = s
                        if now >= t_measure:
                            self.snapshots += 1
                if d["n_epoch"]:
                    ehave = max(ehave, int(d["epochs"]["epoch"][-1]))
            if now >= next_at:  # play back one snapshot per interval, as the player does
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
                req = {"run": run, "stream": stream, "have": max(have, 0),
                       "want": want, "seq": seq, "ehave": ehave,
                       "shown": shown if shown >= 0 else max(have, 0)}
                inflight = (seq, time.monotonic())
                if route:  # over HTTP (answered on its own task)
                    asyncio.create_task(self._route_pull(req, route))
                else:
                    await self._feed_pull(req)
            await asyncio.sleep(1 / 60)

    async def _feed_pull(self, req: dict) -> None:
        w = WidgetState(id="$$STREAMLIT_INTERNAL_KEY_" + self.ids["feed"] + "__events",
                        json_trigger_value=json.dumps([{"event": "pull", "value": req}]))
        await self.send([w], self.feed_fragment)

    async def _route_pull(self, req: dict, route: dict) -> None:
        if self.http is None:
            self.http = RouteClient(self.port, route["path"], self.cookie)
        before = self.http.bytes
        try:
            status, body = await self.http.post({**req, "token": route["token"],
                                                 "rate": self.player["speed"]})
        except (OSError, asyncio.IncompleteReadError, IndexError, ValueError):
            status, body = 0, b""
        self.bytes += self.http.bytes - before
        if status == 200:
            self.routed += 1
            self.replies.put_nowait((time.monotonic(), body))
            return
        if status != 409:
            self.use_route = False  # the feed from now on
        await self._feed_pull(req)

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 5)
            except (TimeoutError, websockets.WebSocketException, OSError):
                pass
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)  # closing anyway
