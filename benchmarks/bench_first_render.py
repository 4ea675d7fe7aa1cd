"""First render of the page: time from navigation to the first finished script run with
the Train tab's content drawn, in headless Chromium at 1280x800.

Run:  python benchmarks/bench_first_render.py [--repeats 7] [--port 8621]

One ``streamlit run app.py`` server; each repeat opens a fresh browser context (cold
page, warm server), waits for the app to finish its first run, and records
``performance.now()`` at that moment; then clicks the Train tab and records when its
first drawing is visible. Medians with min-max spread.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# What marks the Train tab as drawn: the new player's canvas, or the old view's counters.
TRAIN_READY = "[data-counter='Epoch'], .bpl-ready"


def serve(script: str, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(240):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health").read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.25)
    proc.terminate()
    raise RuntimeError(f"streamlit did not start for {script}")


def one(browser, url: str) -> tuple[float, float]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(IDLE, state="attached", timeout=60_000)
    first = page.evaluate("() => performance.now()")
    page.get_by_role("tab", name="Train").click()
    t0 = page.evaluate("() => performance.now()")
    page.locator(TRAIN_READY).first.wait_for(state="attached", timeout=60_000)
    train = page.evaluate("() => performance.now()") - t0
    ctx.close()
    return first, train


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--port", type=int, default=8621)
    a = ap.parse_args()
    proc = serve("app.py", a.port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            one(browser, f"http://127.0.0.1:{a.port}/")  # warm-up: first session imports
            runs = [one(browser, f"http://127.0.0.1:{a.port}/") for _ in range(a.repeats)]
            browser.close()
    finally:
        proc.terminate()
        proc.wait()
    for i, name in enumerate(("page: navigation to first finished run",
                              "Train tab: click to first drawing")):
        v = sorted(r[i] for r in runs)
        print(f"{name:<42} median {statistics.median(v):7.0f} ms  "
              f"(min {v[0]:.0f}, max {v[-1]:.0f}, n={len(v)})")


if __name__ == "__main__":
    main()
