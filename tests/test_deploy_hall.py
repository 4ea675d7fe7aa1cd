"""The lecture-hall deployment (deploy/serve.py): two app processes behind Debian's nginx,
one command. Sticky sessions by cookie, the WebSocket through the proxy, a worker that dies
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
from browser_util import EXCEPTION, REPO_ROOT, free_port, wait_for_app
from conftest import _in_ci

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from st_client import Session
from test_concurrency import run_async

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
APP = "[data-testid=stApp]"
HUNG = 2.0  # seconds without a health answer before the launcher restarts a worker


def _need_nginx() -> None:
    if not Path(NGINX).exists():
        if _in_ci():
            pytest.fail("nginx missing under CI: .ci/run should have installed it")
        pytest.skip("no nginx (apt-get install nginx)")


def status(state: Path) -> dict:
    return json.loads((state / "status.json").read_text())


def get(url: str, cookie: str | None = None) -> tuple[str, str | None]:
    """(the worker that answered, the route cookie the response set)."""
    req = urllib.request.Request(url, headers={"Cookie": f"bpl_route={cookie}"} if cookie
                                 else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        set_cookie = r.headers.get("Set-Cookie")
        route = None
        if set_cookie and set_cookie.startswith("bpl_route="):
            route = set_cookie.split(";")[0].split("=", 1)[1]
        return r.headers["X-Backprop-Worker"], route


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


def test_each_browser_sticks_to_one_worker_and_the_class_spreads_over_both(hall):
    url, state, _ = hall
    ports = {f"127.0.0.1:{w['port']}" for w in status(state)["workers"]}
    worker, route = get(url + "/")
    assert worker in ports and route and len(route) == 32, (worker, route)
    for _ in range(5):  # the page, its scripts, its health checks: one worker
        w, again = get(url + "/", route)
        assert w == worker and again is None  # the cookie is set once
        assert get(url + "/_stcore/health", route)[0] == worker
    # new visitors go to both (40 of them all to one: 2⁻³⁹ by chance). A worker restarted
    # by another test is skipped by nginx for fail_timeout (2 s) after its failure.
    wait_until(lambda: {get(url + "/")[0] for _ in range(40)} == ports, 30,
               "new visitors spread over both workers")


def test_a_session_plays_through_the_proxy(hall):
    _, _, port = hall

    async def play() -> Session:
        s = Session(port, route="a-student")
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
    wait_until(lambda: answers(f"http://127.0.0.1:{new['port']}/_stcore/health"), 60,
               "the new worker's health check")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read() == b"ok"
    except OSError:
        return False


@pytest.mark.browser
def test_a_page_whose_worker_dies_is_rebuilt_from_its_address(hall, browser):
    url, state, _ = hall
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{url}/?dataset=moons&tab=Train", wait_until="domcontentloaded")
        wait_for_app(page)
        page.get_by_role("button", name="Step epoch").click()
        page.wait_for_function("() => /[?&]steps=[1-9]/.test(location.search)", timeout=30_000)
        wait_for_app(page)
        address = page.url
        route = next(c["value"] for c in context.cookies() if c["name"] == "bpl_route")
        worker = get(url + "/_stcore/health", route)[0]
        before = {f"127.0.0.1:{w['port']}": w for w in status(state)["workers"]}[worker]
        os.kill(before["pid"], signal.SIGKILL)
        page.wait_for_selector(f"{APP}:not([data-test-connection-state=CONNECTED])",
                               state="attached", timeout=30_000)  # the page noticed
        wait_until(lambda: status(state)["workers"][before["index"]]["restarts"]
                   > before["restarts"], 60, "the launcher to restart the killed worker")
        # the page reconnects by itself (to whichever worker answers); its next
        # interaction runs in a new session that its address rebuilds, and says so
        page.wait_for_selector(f"{APP}[data-test-connection-state=CONNECTED]",
                               state="attached", timeout=60_000)
        page.get_by_role("button", name="Step", exact=True).click()
        page.wait_for_function("() => document.body.innerText.includes('replayed to step')",
                               timeout=60_000)
        wait_for_app(page)
        assert page.locator(EXCEPTION).count() == 0 and page.url == address
        steps = int(address.split("steps=")[1].split("&")[0])
        page.get_by_role("button", name="Step", exact=True).click()  # and it goes on
        page.wait_for_function("n => location.search.includes('steps=' + n)", arg=steps + 1,
                               timeout=30_000)
    finally:
        context.close()
