"""Helpers for the real-browser (Playwright + headless Chromium) tests.

Kept out of conftest.py so test modules can import them:
``from browser_util import wait_for_app, screenshot``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # playwright is optional: only the browser tests need it
    from playwright.sync_api import Page

REPO_ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"

APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"


def wait_for_app(page: Page, timeout: float = 60_000) -> None:
    """Wait until the Streamlit script has finished a run, then insist it raised nothing.

    ``data-test-script-state`` is ``initial`` before the first run and ``notRunning``
    only once a run has completed, so this does not race the first page load.
    """
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout)
    exceptions = page.locator(EXCEPTION)
    count = exceptions.count()
    if count:
        texts = "\n---\n".join(exceptions.nth(i).inner_text() for i in range(count))
        raise AssertionError(f"the app shows {count} exception(s):\n{texts}")


def screenshot(page: Page, name: str) -> Path:
    """Save a PNG of the page to artifacts/screenshots/NAME.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except OSError:
        return False


def start_app(port: int, python: str | os.PathLike = sys.executable, env=None, log=None,
              timeout: float = 60.0) -> subprocess.Popen:
    """``python -m streamlit run app.py`` from the repository root on 127.0.0.1:PORT;
    returns once it answers its health check (raises if it exits or times out)."""
    proc = subprocess.Popen(
        [str(python), "-m", "streamlit", "run", "app.py", "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
        stdout=log if log is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not healthy(f"http://127.0.0.1:{port}"):
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode} before it "
                               "became healthy")
        if time.monotonic() > deadline:
            stop_app(proc)
            raise RuntimeError(f"streamlit not healthy on port {port} after {timeout:.0f} s")
        time.sleep(0.25)
    return proc


def stop_app(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop a server started by :func:`start_app` and wait for it."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


APP = "[data-testid=stApp]"


def train_an_epoch(page, url: str) -> str:
    """Open the Train tab at ``url`` (moons), press Step epoch, and return the address the
    steps were written into."""
    page.goto(f"{url}/?dataset=moons&tab=Train", wait_until="domcontentloaded")
    wait_for_app(page)
    page.get_by_role("button", name="Step epoch").click()
    page.wait_for_function("() => /[?&]steps=[1-9]/.test(location.search)", timeout=30_000)
    wait_for_app(page)
    return page.url


def wait_disconnected(page) -> None:
    """Until the page has noticed its server is gone."""
    page.wait_for_selector(f"{APP}:not([data-test-connection-state=CONNECTED])",
                           state="attached", timeout=30_000)


def check_rebuilt_from(page, address: str) -> None:
    """After the page's server went away and one answers again: the page reconnects by
    itself; its next interaction runs in a new session that its address rebuilds (and says
    so), on the same address and tab, and training goes on from the steps it held."""
    page.wait_for_selector(f"{APP}[data-test-connection-state=CONNECTED]",
                           state="attached", timeout=60_000)
    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('replayed to step')",
                           timeout=60_000)
    wait_for_app(page)
    assert page.locator(EXCEPTION).count() == 0
    assert page.url == address
    assert page.get_by_role("tab", selected=True).inner_text().strip() == "Train"
    steps = int(address.split("steps=")[1].split("&")[0])
    page.get_by_role("button", name="Step", exact=True).click()  # and it goes on
    page.wait_for_function("n => location.search.includes('steps=' + n)", arg=steps + 1,
                           timeout=30_000)
    wait_for_app(page)
    assert page.locator(EXCEPTION).count() == 0
