"""The lecture-hall deployment (deploy/serve.py): two app processes behind Debian's nginx,
one command. A class spread evenly and kept sticky by a cookie, the WebSocket through the proxy, a worker that dies
or hangs restarted by the launcher, and a page whose worker died rebuilt from its address.

Needs nginx: skipped without it, except under CI (``.ci/run`` installs it)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_util import (
    REPO_ROOT,
    check_rebuilt_from,
    free_port,
    healthy,
    screenshot,
    train_an_epoch,
    wait_disconnected,
)
from conftest import _in_ci

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from st_client import Session
from test_concurrency import run_async

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HUNG = 5.0  # seconds without a health answer before the launcher restarts a worker (a loaded
# machine must not look hung: the other tests here would lose their worker)


def _need_nginx() -> None:
    if not Path(NGINX).exists():
        if _in_ci():
            pytest.fail("nginx missing under CI: .ci/run should have installed it")
        pytest.skip("no nginx (apt-get install nginx)")


def status(state: Path) -> dict:
    return json.loads((state / "status.json").read_text())


def get(url: str, cookie: str | None = None) -> tuple[str, str | None]:
    """(the worker that answered, the worker cookie the response set, if any)."""
    req = urllib.request.Request(url, headers={"Cookie": f"bpl_worker={cookie}"} if cookie
                                 else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        set_cookie = r.headers.get("Set-Cookie")
        worker = None
        if set_cookie and set_cookie.startswith("bpl_worker="):
            worker = set_cookie.split(";")[0].split("=", 1)[1]
        return r.headers["X-Backprop-Worker"], worker


def wait_until(cond, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    _need_nginx()
    state = tmp_path_factory.mktemp("hall")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "deploy/serve.py", "--workers", "2", "--port", str(port),
         "--state-dir", str(state), "--hung", str(HUNG), "--nginx", NGINX],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()  # "Backprop Lab: URL …" once everything answers
        assert line.startswith("Backprop Lab: "), line + proc.stdout.read()[-3000:]
        yield f"http://127.0.0.1:{port}", state, port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        assert proc.returncode == 0, out[-3000:]
        # every process it started is gone
        for w in status(state)["workers"]:
            assert not Path(f"/proc/{w['pid']}").exists() or \
                "zombie" in Path(f"/proc/{w['pid']}/status").read_text()


def routable(state: Path, url: str) -> None:
    """Wait until nginx routes to every worker by its cookie (after another test restarted
    one, nginx skips it for fail_timeout after each failed try)."""
    for w in status(state)["workers"]:
        addr = f"127.0.0.1:{w['port']}"
        wait_until(lambda a=addr: healthy(f"http://{a}")
                   and get(url + "/_stcore/health", a)[0] == a, 60, f"nginx routing to {addr}")


def test_a_tab_sticks_to_the_worker_its_session_opened_on(hall):
    """The WebSocket's handshake sets the cookie naming the worker that took the session;
    the tab's later requests (uploads, a reconnect) go there; a cookie naming no worker of
    this hall (an old one) is replaced."""
    url, state, port = hall
    ports = {f"127.0.0.1:{w['port']}" for w in status(state)["workers"]}
    routable(state, url)

    async def open_tab(cookie: str = "") -> Session:
        s = Session(port, sticky=True)
        s.cookie = cookie
        await asyncio.wait_for(s.connect(), 60)
        await s.close()
        return s

    tab = run_async(open_tab())
    worker = tab.cookie.removeprefix("bpl_worker=")
    assert worker in ports, tab.cookie
    assert worker == tab.ws.response.headers["X-Backprop-Worker"]
    for _ in range(5):
        assert get(url + "/_stcore/health", worker)[0] == worker
        assert get(url + "/", worker) == (worker, None)  # set by the handshake only
    again = run_async(open_tab(tab.cookie))  # a reconnect keeps its worker
    assert again.ws.response.headers["X-Backprop-Worker"] == worker
    assert again.ws.response.headers["Set-Cookie"].startswith(f"bpl_worker={worker};")
    stale = run_async(open_tab("bpl_worker=127.0.0.1:1"))
    assert "bpl_worker=127.0.0.1:" in stale.ws.response.headers["Set-Cookie"]
    # the page itself may come from any worker
    wait_until(lambda: {get(url + "/")[0] for _ in range(4)} == ports, 30,
               "pages served by both workers")


def open_connections(url: str) -> int:
    """nginx's count of open client connections (stub_status; this request included)."""
    with urllib.request.urlopen(url + "/_bpl/nginx_status", timeout=30) as r:
        return int(r.read().decode().split("Active connections:")[1].split()[0])


def test_a_class_is_spread_evenly(hall):
    """Tabs that stay open (their WebSockets) are what nginx balances: six tabs split three
    and three; when the three on one worker close, the next three newcomers all go to it
    (taking turns instead would have sent one of them to the busier worker)."""
    url, state, port = hall
    routable(state, url)

    async def arrive(n: int) -> list[Session]:
        tabs = [Session(port, sticky=True) for _ in range(n)]
        for s in tabs:  # one after another, as a class arrives
            await asyncio.wait_for(s.connect(), 60)
        return tabs

    async def scenario() -> tuple[list[str], list[str]]:
        first = await arrive(6)
        later = []
        try:
            leaving = [s for s in first if s.cookie == first[0].cookie]
            before = await asyncio.to_thread(open_connections, url)
            for s in leaving:
                await s.close()
            for _ in range(300):  # until nginx has seen them close (its stub_status)
                if await asyncio.to_thread(open_connections, url) <= before - len(leaving):
                    break
                await asyncio.sleep(0.02)
            later = await arrive(3)
            return [s.cookie for s in first], [s.cookie for s in later]
        finally:
            for s in first + later:
                await s.close()

    first, later = run_async(scenario())
    ports = [f"bpl_worker=127.0.0.1:{w['port']}" for w in status(state)["workers"]]
    assert sorted(first.count(p) for p in ports) == [3, 3], first
    assert later == [first[0]] * 3, (first, later)


def test_a_session_plays_through_the_proxy(hall):
    _, _, port = hall

    async def play() -> Session:
        s = Session(port, sticky=True)
        try:
            await asyncio.wait_for(s.start(), 60)
            await asyncio.wait_for(s.play(2.0), 60)
        finally:
            await s.close()
        return s

    s = run_async(play())
    assert not s.exceptions and s.snapshots > 20 and s.latencies, (
        s.exceptions, s.snapshots, s.latencies)


def test_a_hung_worker_is_restarted(hall):
    _, state, _ = hall
    w = status(state)["workers"][1]
    os.kill(w["pid"], signal.SIGSTOP)  # alive but answering nothing
    try:
        wait_until(lambda: status(state)["workers"][1]["restarts"] > w["restarts"],
                   HUNG + 60, "the launcher to restart the stopped worker")
    finally:
        with contextlib.suppress(ProcessLookupError):  # (the launcher killed it)
            os.kill(w["pid"], signal.SIGCONT)
    new = status(state)["workers"][1]
    assert new["pid"] != w["pid"] and new["port"] == w["port"]
    wait_until(lambda: healthy(f"http://127.0.0.1:{new['port']}"), 60,
               "the new worker's health check")


@pytest.mark.browser
def test_a_page_whose_worker_dies_is_rebuilt_from_its_address(hall, browser):
    url, state, _ = hall
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        address = train_an_epoch(page, url)
        worker = next(c["value"] for c in context.cookies() if c["name"] == "bpl_worker")
        assert get(url + "/_stcore/health", worker)[0] == worker
        before = {f"127.0.0.1:{w['port']}": w for w in status(state)["workers"]}[worker]
        os.kill(before["pid"], signal.SIGKILL)
        wait_disconnected(page)
        wait_until(lambda: status(state)["workers"][before["index"]]["restarts"]
                   > before["restarts"], 60, "the launcher to restart the killed worker")
        check_rebuilt_from(page, address)  # (on whichever worker the page reconnected to)
        screenshot(page, "hall_after_worker_killed")
    finally:
        context.close()
