"""Visible updates per second of the live training view, in a real headless Chromium.

Run:  python benchmarks/bench_browser.py [--seconds 5] [--repeats 3]

Starts ``streamlit run`` twice on 127.0.0.1: the reference (ref_fragment_app.py, a bare
fragment with a metric and two small charts) and Backprop Lab with Play pressed on the
Train tab. In each page an in-page timer (every 10 ms) counts how often the "Epoch"
metric's text changes; medians over the repeats, and the ratio to the reference.
Needs Debian's chromium at /usr/bin/chromium and the playwright package.
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
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COUNT = """() => { window.__n = 0; window.__last = null;
  setInterval(() => {
    const m = document.querySelector("[data-counter='Epoch']") || [...document
      .querySelectorAll('[data-testid=stMetric]')].find(e => e.innerText.includes('Epoch'));
    const v = m ? (m.dataset.counter ? m : m.querySelector('[data-testid=stMetricValue]'))
      .innerText : null;
    if (v !== window.__last) { window.__n++; window.__last = v; } }, 10); }"""
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def serve(script: str, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health").read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"streamlit did not start for {script}")


def rate(browser, url: str, seconds: float, play: bool) -> float:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=60_000)
    if play:
        page.get_by_role("tab", name="Train").click()
        page.get_by_role("button", name="▶ Play").click()
        page.get_by_role("button", name="❚❚ Pause").wait_for(timeout=30_000)
    time.sleep(1.0)
    page.evaluate(COUNT)
    time.sleep(seconds)
    n = page.evaluate("() => window.__n")
    page.close()
    return n / seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, script, port, play in (
                ("reference: bare fragment, metric + 2 small charts", "benchmarks/ref_fragment_app.py",
                 8611, False),
                ("Backprop Lab, Train tab playing", "app.py", 8612, True)):
            proc = serve(script, port)
            try:
                results[name] = statistics.median(
                    rate(browser, f"http://127.0.0.1:{port}/", a.seconds, play)
                    for _ in range(a.repeats))
            finally:
                proc.terminate()
                proc.wait()
        browser.close()
    ref = next(iter(results.values()))
    print(f"Visible updates per second (median of {a.repeats} × {a.seconds:g} s):")
    for name, r in results.items():
        print(f"  {name:<52} {r:5.1f}/s   ratio {r / ref:4.2f}")


if __name__ == "__main__":
    main()
