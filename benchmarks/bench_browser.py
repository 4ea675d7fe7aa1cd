"""Visible updates per second of the live player in headless Chromium at 1280x800, with
its bytes on the wire and the server's CPU, playing and paused.

Run:  python benchmarks/bench_browser.py [--seconds 4] [--repeats 3] [--largest]

``--largest``: the largest network the app offers, 7-8-8-8-8-2 (all seven features, four
hidden layers of 8) with an L2 penalty, opened from its link.

One ``streamlit run app.py``. Reference in the same browser and run: a bare page whose
canvas is redrawn on every requestAnimationFrame (the most a page can show). In each page
an rAF loop hashes the canvas pixels and counts the frames whose pixels changed: for the
player, its decision map and its network canvas (the neuron maps). Bytes are the
websocket frames both ways and the pulls over HTTP (bodies and headers, Playwright's
request sizes); server CPU is the server process's
utime + stime (/proc) over the same window. Medians of the repeats, with min-max.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright
from st_client import cpu_seconds, serve  # one way to start the app (benchmarks/)

from nncore import FEATURES
from nncore.features import TEXT

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Count, per canvas, the animation frames whose pixels changed (rows sampled).
COUNT = """(canvases) => { const w = globalThis; w.__n = canvases.map(() => 0); w.__f = 0;
  const last = canvases.map(() => null), ctxs = canvases.map((c) => c.getContext('2d'));
  const tick = () => { w.__f++;
    canvases.forEach((c, k) => { const d = ctxs[k].getImageData(0, 0, c.width, c.height).data;
      let h = 0; for (let i = 0; i < d.length; i += 4 * 11) h = (h * 31 + d[i] + 7 * d[i + 2]) | 0;
      if (h !== last[k]) { w.__n[k]++; last[k] = h; } });
    if (!w.__stop) requestAnimationFrame(tick); };
  w.__stop = false; requestAnimationFrame(tick); }"""
BARE = """<canvas id=c width=340 height=340></canvas><script>
const c = document.getElementById('c'), x = c.getContext('2d'); let k = 0;
(function f() { k++; x.fillStyle = `hsl(${k % 360},60%,60%)`; x.fillRect(0, 0, 340, 340);
  x.fillStyle = '#000'; x.fillRect(k % 300, 100, 40, 40); requestAnimationFrame(f); })();
</script>"""


def count(page, handles: str, seconds: float) -> tuple[list[int], int]:
    page.evaluate(f"() => {{ const h = {handles}; ({COUNT})(h); }}")
    page.wait_for_timeout(seconds * 1000)
    page.evaluate("() => { globalThis.__stop = true; }")
    return page.evaluate("() => globalThis.__n"), page.evaluate("() => globalThis.__f")


def bare_rate(browser, seconds: float) -> float:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_content(BARE)
    page.wait_for_timeout(500)
    n, _ = count(page, "[document.getElementById('c')]", seconds)
    page.close()
    return n[0] / seconds


def player_rates(browser, url: str, pid: int, seconds: float) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sent, recv = [0], [0]

    def on_ws(ws):
        ws.on("framesent", lambda p: sent.__setitem__(0, sent[0] + len(p)))
        ws.on("framereceived", lambda p: recv.__setitem__(0, recv[0] + len(p)))

    def on_request(req):  # the pulls over HTTP (lab/player/route.py), headers included
        if req.url.endswith("/_bpl/pull"):
            z = req.sizes()
            recv[0] += z["responseBodySize"] + z["responseHeadersSize"]
            sent[0] += z["requestBodySize"] + z["requestHeadersSize"]

    page.on("websocket", on_ws)
    page.on("requestfinished", on_request)
    page.goto(url)
    page.wait_for_selector(IDLE, state="attached", timeout=60_000)
    page.get_by_role("tab", name="Train").click()
    page.locator(".bpl-ready").wait_for(state="attached", timeout=60_000)
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    out = {}
    for phase in ("playing", "paused"):
        b0, c0 = sent[0] + recv[0], cpu_seconds(pid)
        d0 = page.evaluate("() => [__bpl.player.drawn, __bpl.player.drawMs]")
        t0 = time.monotonic()
        n, frames = count(page, "[__bpl.player.el.map, __bpl.player.el.net]", seconds)
        wall = time.monotonic() - t0
        d1 = page.evaluate("() => [__bpl.player.drawn, __bpl.player.drawMs]")
        out[phase] = {"map/s": n[0] / seconds, "neurons/s": n[1] / seconds,
                      "rAF/s": frames / seconds, "KB/s": (sent[0] + recv[0] - b0) / wall / 1e3,
                      "server CPU ms/s": (cpu_seconds(pid) - c0) / wall * 1e3,
                      "JS ms/frame": (d1[1] - d0[1]) / max(1, d1[0] - d0[0])}
        if phase == "playing":
            page.get_by_role("button", name="Pause", exact=True).click()
            page.get_by_role("button", name="Play", exact=True).wait_for(timeout=30_000)
            page.wait_for_timeout(1000)
    page.close()
    return out


def spread(values) -> str:
    v = sorted(values)
    return f"{statistics.median(v):7.1f} ({v[0]:.1f}-{v[-1]:.1f})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--port", type=int, default=8641)
    ap.add_argument("--largest", action="store_true", help="7-8-8-8-8-2, every feature, L2")
    a = ap.parse_args()
    query = ""
    if a.largest:
        feats = "&".join("features=" + quote(TEXT[f]) for f in FEATURES)
        query = ("?layers=4&width1=8&width2=8&width3=8&width4=8&regularization=L2&"
                 "reg_rate=0.01&" + feats)
    proc = serve(a.port)
    bare, runs = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for _ in range(a.repeats):
                bare.append(bare_rate(browser, a.seconds))
                runs.append(player_rates(browser, f"http://127.0.0.1:{a.port}/{query}",
                                         proc.pid, a.seconds))
            browser.close()
    finally:
        proc.terminate()
        proc.wait()
    print(f"Network: {'7-8-8-8-8-2, every feature, L2' if a.largest else '2-3-4-2'}")
    print(f"Headless Chromium 1280x800, median (min-max) of {a.repeats} x {a.seconds:g} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"  reference: bare rAF canvas, changed frames/s   {spread(bare)}")
    for phase in ("playing", "paused"):
        for k in runs[0][phase]:
            print(f"  {phase:<8} {k:<36} {spread(r[phase][k] for r in runs)}")
    ratio = [r["playing"]["map/s"] / b for r, b in zip(runs, bare)]
    ratio_n = [r["playing"]["neurons/s"] / b for r, b in zip(runs, bare)]
    print(f"  ratio decision map / reference    {spread(ratio)}")
    print(f"  ratio neuron maps / reference     {spread(ratio_n)}")


if __name__ == "__main__":
    main()
