"""Browser: the live-training player in a real page (Playwright + headless Chromium).

The player exposes itself on ``globalThis.__bpl`` (mount count, the weights and grid it
drew, its forward pass); its canvases are in an open shadow root, which Playwright's
locators and ``page.evaluate`` reach.
"""

from __future__ import annotations

from urllib.parse import quote

import numpy as np
import pytest
from browser_util import EXCEPTION, screenshot, wait_for_app

from lab.player.view import GRID
from lab.player.wire import Format
from lab.state import Settings, inputs, new_lab
from nncore import ACTIVATIONS, MLP, features
from nncore.features import TEXT

STATE = """() => { const p = globalThis.__bpl?.player; if (!p || !p.shown) return null;
  return { mounts: __bpl.mounts, drawn: p.drawn, step: p.shown.step, epoch: p.shown.epoch,
           exact: !!p.shown.exact, running: p.running, theta: Array.from(p.shown.theta) }; }"""
# A hash of the decision map's pixels (rows sampled), redrawn first from the weights on
# screen (so a font that loaded in between cannot change the hash).
MAP_HASH = """() => { const p = globalThis.__bpl.player; p.redraw();
  const c = p.el.map, ctx = c.getContext('2d');
  const d = ctx.getImageData(0, 0, c.width, c.height).data; let h = 0;
  for (let i = 0; i < d.length; i += 4 * 7) h = (h * 31 + d[i] + 3 * d[i + 1] + 7 * d[i + 2]) | 0;
  return h; }"""
# Counts animation frames whose decision-map pixels changed, from now on.
COUNT_CHANGES = """() => { const w = globalThis; w.__chg = 0; w.__frm = 0; let last = null;
  const c = w.__bpl.player.el.map, ctx = c.getContext('2d', { willReadFrequently: true });
  const tick = () => { w.__frm++; const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let h = 0; for (let i = 0; i < d.length; i += 4 * 13) h = (h * 31 + d[i] + d[i + 2]) | 0;
    if (h !== last) { w.__chg++; last = h; } if (!w.__stopCount) requestAnimationFrame(tick); };
  w.__stopCount = false; requestAnimationFrame(tick); }"""


def counters(lab) -> tuple[list[float], list[float]]:
    """What the counters must show: nncore's loss and argmax accuracy, train then test."""
    d = lab.data
    sets = ((d.X_train, d.Y_train), (d.X_test, d.Y_test))
    return ([lab.net.loss(X, Y) for X, Y in sets],
            [float(np.mean(np.argmax(lab.net.predict(X), 1) == np.argmax(Y, 1)))
             for X, Y in sets])


def open_train_tab(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)
    page.get_by_role("tab", name="Train").click()
    page.locator(".bpl-ready").wait_for(state="attached", timeout=30_000)
    page.wait_for_function("() => globalThis.__bpl?.player?.shown != null", timeout=30_000)


def state(page) -> dict:
    return page.evaluate(STATE)


def press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def play(page) -> None:
    """Press Play and wait until the first pulled snapshot is on screen."""
    press(page, "Play")
    page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=30_000)
    page.wait_for_function("() => !__bpl.player.shown.exact", timeout=30_000)


def pause(page) -> None:
    """Press Pause and wait until the player draws the server's exact weights of the frame
    it stopped on (its settle acknowledged)."""
    press(page, "Pause")
    page.get_by_role("button", name="Play", exact=True).wait_for(timeout=30_000)
    settled(page)


def settled(page) -> None:
    page.wait_for_function("() => { const p = globalThis.__bpl.player;"
                           " return !p.running && !p.settling && p.shown.exact; }",
                           timeout=30_000)
    wait_for_app(page)


def choose(page, label: str, option: str) -> None:
    # a rerun (the live feed reruns its fragment while playing) may close the open list
    for attempt in range(4):
        page.get_by_test_id("stSelectbox").filter(has_text=label).click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=3_000)
            break
        except Exception:
            if attempt == 3:
                raise
            page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    wait_for_app(page)


def count_changes(page, frames: int) -> tuple[int, int]:
    """Changed decision maps over the next ``frames`` animation frames (waits on the frame
    count, not on the clock: a busy machine draws fewer frames a second, never fewer
    frames)."""
    page.evaluate(COUNT_CHANGES)
    page.wait_for_function(f"() => globalThis.__frm >= {frames}", timeout=120_000)
    page.evaluate("() => { globalThis.__stopCount = true; }")
    return page.evaluate("() => [globalThis.__chg, globalThis.__frm]")


@pytest.mark.browser
def test_frames_change_while_playing_stop_when_paused_and_reset_returns(streamlit_server: str,
                                                                      page) -> None:
    """Playing, each frame shows the next snapshot; its counters are nncore's loss and
    accuracy of the weights drawn (as the wire sent them, no loss sent: the player measures
    them, to 1e-12). Paused, nothing changes. Reset returns the picture to the initial
    weights, pixel for pixel."""
    open_train_tab(page, streamlit_server)
    s0 = state(page)
    assert s0["step"] == 0 and s0["mounts"] == 1 and s0["exact"]
    assert page.locator("[data-counter='Epoch']").inner_text() == "0"
    start = page.evaluate(MAP_HASH)
    play(page)
    page.wait_for_function("() => __bpl.player.shown.step > 100", timeout=30_000)
    changed, frames = count_changes(page, 90)
    # each frame shows the next snapshot (a stall now and then is allowed: the frame rate
    # itself is benchmarks/bench_browser.py's to measure)
    assert changed >= 45, f"only {changed} changed frames of {frames} while playing"
    screenshot(page, "training_playing")
    got = page.evaluate("""() => { const s = __bpl.player.shown;
      return { theta: Array.from(s.theta), loss: s.loss, acc: s.acc, exact: !!s.exact,
               text: __bpl.player.el.counters["Train loss"].textContent }; }""")
    pause(page)
    held = state(page)
    changed, frames = count_changes(page, 60)
    assert changed <= 1, (changed, frames)
    after = state(page)
    assert after["step"] == held["step"] and after["drawn"] == held["drawn"]
    assert page.locator("[data-counter='Steps']").inner_text() == f"{held['step']:,}"
    assert page.locator(EXCEPTION).count() == 0
    screenshot(page, "training_paused")
    # the counters of the frame read while playing
    assert not got["exact"]
    lab = new_lab(Settings())
    lab.net.set_flat(np.array(got["theta"]))
    loss, acc = counters(lab)
    np.testing.assert_allclose(got["loss"], loss, rtol=1e-12, atol=0)
    assert got["acc"] == acc
    assert got["text"] == f"{loss[0]:.4f}"
    # Reset: the initial weights and the very same picture
    assert page.evaluate(MAP_HASH) != start
    press(page, "Reset weights")
    wait_for_app(page)
    page.wait_for_function("() => __bpl.player.shown.step === 0", timeout=30_000)
    s = state(page)
    np.testing.assert_array_equal(np.array(s["theta"]), MLP((2, 3, 4, 2), "tanh", 0).get_flat())
    assert page.evaluate(MAP_HASH) == start


SHOW_SPY = """() => { const p = globalThis.__bpl.player; const show = p.show.bind(p);
  globalThis.__shownSteps = [];
  p.show = (s) => { globalThis.__shownSteps.push([s.step, !!s.exact]); show(s); }; }"""


@pytest.mark.browser
def test_pause_stops_on_the_frame_on_screen_and_never_jumps(streamlit_server: str, page) -> None:
    """The server trains ahead of the screen; at Pause the player stops on the frame it
    shows, says which (its settle), and the server goes there: the exact weights that
    follow are that same step, never one further on or back."""
    open_train_tab(page, streamlit_server)
    page.evaluate(SHOW_SPY)
    for _ in range(3):
        play(page)
        page.wait_for_function("() => __bpl.player.shown.step > __bpl.player.stride * 60",
                               timeout=30_000)
        page.evaluate("() => { globalThis.__shownSteps = []; }")
        pause(page)
        shown = page.evaluate("() => globalThis.__shownSteps")
        drawn = [step for step, exact in shown if not exact]
        exact = [step for step, exact in shown if exact]
        assert exact and all(x == (drawn[-1] if drawn else exact[0]) for x in exact), shown
        assert page.locator("[data-counter='Steps']").inner_text() == f"{exact[-1]:,}"
    assert page.locator(EXCEPTION).count() == 0


@pytest.mark.browser
def test_the_epoch_limit_is_played_to_its_last_frame(streamlit_server: str, page) -> None:
    """The server reaches the limit ahead of the screen; the player plays every frame up to
    it, and only then does the run stop, on that same frame (no jump to the end)."""
    open_train_tab(page, streamlit_server + "/?epochs_limit=20")
    page.evaluate(SHOW_SPY)
    play(page)
    page.get_by_role("button", name="Play", exact=True).wait_for(timeout=60_000)
    settled(page)
    shown = page.evaluate("() => globalThis.__shownSteps")
    end = 20 * 9  # 20 epochs of ⌈280 / 32⌉ = 9 steps
    assert shown[-1] == [end, True], shown[-5:]
    drawn = [s for s, exact in shown if not exact]
    assert drawn[-1] == end  # the last frame was played, then the exact weights came
    steps = np.diff(drawn)
    assert len(drawn) > 20 and steps.max() <= 5, steps  # no frame skipped: 5 steps a frame
    assert "epoch limit" in page.locator(".bpl-status").inner_text()
    assert page.locator(EXCEPTION).count() == 0
    screenshot(page, "train_epoch_limit_stop")


@pytest.mark.browser
def test_charts_never_run_ahead_of_the_frame_on_screen(streamlit_server: str, page) -> None:
    """A full rerun while playing hands the player the trainer's history, which runs ahead
    of the screen; the player charts those epochs only when its frames get there."""
    open_train_tab(page, streamlit_server)
    play(page)
    page.wait_for_function("() => __bpl.player.shown.epoch >= 3", timeout=30_000)
    page.get_by_text("Presenter mode").click()  # a full rerun that keeps playing
    wait_for_app(page)
    for _ in range(10):
        # (read from the player once it is there: a clean-clone run under heavy load found
        # no player at this moment once; mounting is test_player_mounts_once's to check)
        last, shown = page.wait_for_function(
            "() => { const p = globalThis.__bpl?.player;"
            " return p?.shown ? [p.hist.epoch.at(-1), p.shown.epoch] : null; }",
            timeout=30_000).json_value()
        assert last <= shown, (last, shown)
        page.wait_for_timeout(100)
    assert page.evaluate("() => __bpl.player.running")
    assert page.locator(EXCEPTION).count() == 0


@pytest.mark.browser
def test_player_mounts_once_across_sidebar_changes_and_tab_switches(streamlit_server: str,
                                                                    page) -> None:
    """Reruns never remount the player, nor do tab switches: tabs are lazy (a closed tab's
    elements leave the page), so the player lives below them, hidden on the other tabs.
    A tab clicked while playing pauses on the frame on screen, which the other tabs show.
    Exactly one animation loop runs."""
    open_train_tab(page, streamlit_server)
    play(page)
    page.wait_for_function("() => __bpl.player.shown.step > 50", timeout=30_000)
    choose(page, "Hidden activation", "sigmoid")  # resets the run: still the same element
    page.wait_for_timeout(500)
    assert state(page)["mounts"] == 1
    press(page, "Step epoch")
    wait_for_app(page)
    press(page, "Step")
    wait_for_app(page)
    assert state(page)["mounts"] == 1
    play(page)
    page.wait_for_function("() => __bpl.player.shown.step > 200", timeout=30_000)
    page.evaluate(SHOW_SPY)
    page.get_by_role("tab", name="Gradient check").click()
    settled(page)
    shown = page.evaluate("() => globalThis.__shownSteps")
    stopped = [step for step, exact in shown if not exact][-1] if any(
        not e for _, e in shown) else shown[0][0]
    assert shown[-1] == [stopped, True], shown[-4:]  # paused on the frame on screen
    assert not page.locator(".bpl-net").is_visible()
    before = page.evaluate("() => [__bpl.player.requests, __bpl.player.drawn]")
    page.wait_for_timeout(1000)  # hidden and paused: no pulls, no frames drawn
    assert page.evaluate("() => [__bpl.player.requests, __bpl.player.drawn]") == before
    page.get_by_role("tab", name="Train").click()
    page.locator(".bpl-net").wait_for(state="visible", timeout=10_000)
    wait_for_app(page)
    assert state(page)["step"] == stopped
    assert page.get_by_role("button", name="Play", exact=True).is_visible()
    assert page.evaluate("() => globalThis.__bpl.mounts") == 1
    assert page.evaluate("() => globalThis.__bpl.alive") == 1
    assert page.locator(EXCEPTION).count() == 0


@pytest.mark.browser
def test_js_numbers_equal_nncore(streamlit_server: str, page) -> None:
    open_train_tab(page, streamlit_server)
    # the same run replayed here: the weights drawn must be the server's, bit for bit
    lab = new_lab(Settings())
    lab.trainer.step_epoch()
    lab.trainer.step(1)
    press(page, "Step epoch")
    wait_for_app(page)
    press(page, "Step")
    wait_for_app(page)
    page.wait_for_function(f"() => __bpl.player.shown.step === {lab.trainer.steps}",
                           timeout=30_000)
    got = page.evaluate("""() => { const p = __bpl.player;
      return { theta: Array.from(p.shown.theta), P: Array.from(p.P), A1: Array.from(p.fwd[1]),
               A2: Array.from(p.fwd[2]), Y: Array.from(p.fwd[3]), step: p.shown.step }; }""")
    assert got["step"] == lab.trainer.steps
    np.testing.assert_array_equal(np.array(got["theta"]), lab.net.get_flat())
    # the grid: numpy's linspace over the data's extent, x along a row, y down the rows
    R, extent = page.evaluate("() => [__bpl.player.R, __bpl.player.extent]")
    assert (R, extent) == (GRID, lab.data.extent)
    g = np.linspace(-extent, extent, R)
    gx, gy = np.meshgrid(g, g)
    P = np.array(got["P"]).reshape(-1, 2)
    np.testing.assert_array_equal(P, np.column_stack([gx.ravel(), gy.ravel()]))
    # the maps drawn are nncore's forward pass over the grid, to 1e-12
    fwd = lab.net.forward(P)
    for name, q in (("A1", 1), ("A2", 2), ("Y", 3)):
        js = np.array(got[name]).reshape(fwd.A[q].shape)
        assert np.max(np.abs(js - fwd.A[q])) <= 1e-12, name
    # the counters: loss and accuracy of those weights over the data points, as nncore's
    shown = page.evaluate("() => ({ loss: __bpl.player.shown.loss, acc: __bpl.player.shown.acc })")
    loss, acc = counters(lab)
    np.testing.assert_allclose(shown["loss"], loss, rtol=1e-12, atol=0)
    assert shown["acc"] == acc
    # every activation, random weights and points, through the player's own forward pass
    rng = np.random.default_rng(1)
    pts = rng.uniform(-3, 3, size=(500, 2))
    for act in ACTIVATIONS:
        net = MLP((2, 3, 4, 2), act, seed=int(rng.integers(1000)))
        theta = net.get_flat() * 2.5
        net.set_flat(theta)
        js = page.evaluate("""([t, p, a]) => { const s = [2, 3, 4, 2];
            return Array.from(__bpl.forward(t, __bpl.layout(s), s, p, a).at(-1)); }""",
                           [theta.tolist(), pts.ravel().tolist(), act])
        err = np.max(np.abs(np.array(js).reshape(-1, 2) - net.predict(pts)))
        assert err <= 1e-12, (act, err)
    # the player drops duplicate snapshots and never queues a non-finite one (same page)
    run, stream = page.evaluate("() => [__bpl.player.gen, __bpl.player.stream]")
    f = Format((2, 3, 4, 2))
    snaps = np.zeros(4, f.snapshot)
    snaps["step"] = [3, 4, 4, 5]  # 4 twice: a duplicate
    snaps["theta"] = 0.5
    snaps["theta"][3, 7] = np.nan  # a non-finite snapshot (the encoder refuses these)
    raw = f.encode(run, stream, 1, 0, snaps, f.epochs([]))
    got = page.evaluate("""(bytes) => { const p = __bpl.player;
        p.running = true; p.queue = []; p.lastStep = 2; p.nextAt = 1e12;  // hold playback
        const d0 = p.dupes, s0 = p.skipped;
        p.ingest(new Uint8Array(bytes)); p.ingest(new Uint8Array(bytes));  // twice: resent
        const out = { steps: p.queue.map((s) => s.step), dupes: p.dupes - d0,
                      skipped: p.skipped - s0 };
        p.running = false; p.queue = []; return out; }""", list(raw))
    # first reply: 4 again is a duplicate, 5 is skipped; the resent reply: 3, 4, 4 duplicates
    assert got == {"steps": [3, 4], "dupes": 1 + 3, "skipped": 1 + 1}, got

@pytest.mark.browser
@pytest.mark.parametrize("name", ["spiral"])  # the hardest of the sets to learn
def test_screenshot_after_3000_steps_of_play(streamlit_server: str, page, name) -> None:
    open_train_tab(page, f"{streamlit_server}/?dataset={name}&train_speed=3000")
    play(page)
    page.wait_for_function("() => __bpl.player.shown.step >= 3000", timeout=60_000)
    s = state(page)
    assert np.all(np.isfinite(s["theta"]))
    screenshot(page, f"train_{name}_3000")
    page.locator(".bpl").screenshot(path=str(screenshot(page, f"train_{name}_3000")
                                             .with_name(f"train_{name}_3000_player.png")))
    pause(page)


@pytest.mark.browser
def test_clicking_a_training_point_picks_it_for_the_step_by_step_tab(streamlit_server: str,
                                                                    page) -> None:
    open_train_tab(page, streamlit_server)
    # where training point i is on screen, and the one nearest to it (points overlap)
    i = 17
    xy = page.evaluate("""(i) => { const p = __bpl.player, r = p.el.map.getBoundingClientRect();
        const { x0, y0, size } = p.mapBox, e = p.extent;
        return [r.left + x0 + ((p.X[2 * i] + e) / (2 * e)) * size,
                r.top + y0 + size - ((p.X[2 * i + 1] + e) / (2 * e)) * size]; }""", i)
    page.mouse.move(*xy)
    tip = page.locator(".bpl-tip")
    tip.wait_for(state="visible", timeout=5_000)
    assert "Training point" in tip.inner_text()
    picked = int(tip.inner_text().split()[2].rstrip(","))
    page.mouse.click(*xy)
    page.wait_for_timeout(500)
    wait_for_app(page)
    page.get_by_role("tab", name="Backprop, step by step").click()
    wait_for_app(page)
    page.get_by_role("button", name=f"Sample {picked}").first.wait_for(timeout=30_000)  # the bar names it


@pytest.fixture(scope="module")
def dark_server(tmp_path_factory):
    """The app with Streamlit's dark theme (the repository's config sets a light one)."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from browser_util import REPO_ROOT

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = open(tmp_path_factory.mktemp("dark") / "streamlit.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
         "--theme.base=dark", "--theme.textColor=#fafafa", "--theme.backgroundColor=#0e1117"],
        cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_projector_size_layout_fits_both_themes(request, browser, theme) -> None:
    """At 1024x768 the map stays beside the network, nothing overflows sideways, the
    smallest text is ≥ 13 px, and the player's text takes the theme's colour."""
    url = request.getfixturevalue("streamlit_server" if theme == "light" else "dark_server")
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        open_train_tab(page, url)
        press(page, "Step epoch")
        wait_for_app(page)
        # the player sizes itself in its animation loop: wait for it to have measured the
        # room where the picture is now, then one more frame
        page.wait_for_function("""() => { const p = __bpl.player, n = p.el.net;
            return p.roomKey.endsWith('@' + Math.round(n.getBoundingClientRect().top))
                && p.el.map.style.width !== ''; }""", timeout=30_000)
        page.wait_for_function("() => new Promise((r) => requestAnimationFrame(() => r(true)))")
        box = page.evaluate("""() => { const p = __bpl.player, b = p.root.querySelector('.bpl');
            const n = p.el.net.getBoundingClientRect(), m = p.el.map.getBoundingClientRect();
            const small = Math.min(...[...b.querySelectorAll('*')].filter((e) => e.textContent.trim()
                && !e.children.length).map((e) => parseFloat(getComputedStyle(e).fontSize)));
            const rgb = getComputedStyle(b).color.match(/[0-9.]+/g).map(Number);
            return { overflow: b.scrollWidth - b.clientWidth, beside: m.left > n.right - 1 &&
                     Math.abs(m.top - n.top) < 2, map: m.width, small,
                     light_text: (rgb[0] + rgb[1] + rgb[2]) / 3 > 128 }; }""")
        assert box["overflow"] <= 0 and box["beside"] and box["map"] >= 220, box
        assert box["small"] >= 13, box
        assert box["light_text"] == (theme == "dark"), box
        shot = screenshot(page, f"train_1024_{theme}")
        page.locator(".bpl").screenshot(path=str(shot.with_name(f"train_1024_{theme}_player.png")))
    finally:
        context.close()


@pytest.mark.browser
def test_pulls_go_over_the_route_and_fall_back_to_the_feed(streamlit_server: str, page) -> None:
    """Playing, the pulls after a stream's first go over HTTP beside the app (no rerun);
    when the route stops knowing the page (here: a token it never gave, as after a
    restart), the player goes on through its feed, without a gap the counters show."""
    import urllib.error
    import urllib.request

    def post(data: bytes) -> int:
        rq = urllib.request.Request(streamlit_server.rstrip("/") + "/_bpl/pull", data=data,
                                    headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(rq, timeout=30) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    assert post(b'{"token": "not-a-session"}') == 404
    assert post(b"x" * 5000) == 400  # never read
    open_train_tab(page, streamlit_server)
    routed = []
    page.on("response", lambda r: routed.append(r) if r.url.endswith("/_bpl/pull") else None)
    play(page)
    page.wait_for_function("() => __bpl.player.routed >= 2", timeout=60_000)
    # gzipped (the page's fetch unpacks it): the steps of the wire are mostly small integers
    assert [r.status for r in routed[:2]] == [200, 200]
    assert all(r.headers.get("content-encoding") == "gzip" for r in routed[:2])
    assert routed[1].body()[:4] == b"3LPB"  # the reply's magic, little-endian
    # read the counts and change the token in one go: only a pull already sent can still
    # come back over the route (two evaluates let one more pull go out between them)
    r = page.evaluate("""() => { const p = __bpl.player, r = [p.routed, p.replies];
                                 p.route.token = 'not-a-session'; return r; }""")
    page.wait_for_function("() => __bpl.player.route === null", timeout=60_000)
    page.wait_for_function(f"() => __bpl.player.replies >= {r[1] + 3}", timeout=60_000)
    step = state(page)["step"]
    page.wait_for_function(f"() => __bpl.player.shown.step > {step + 50}", timeout=60_000)
    assert page.evaluate("() => __bpl.player.routed") <= r[0] + 1  # (one may be on its way)
    pause(page)
    assert page.locator(EXCEPTION).count() == 0


@pytest.mark.browser
def test_js_numbers_equal_nncore_for_a_shaped_network(streamlit_server: str, page) -> None:
    """A deep network fed every feature, with a penalty: the player's inputs (the features
    of the grid and of the points), every layer's map and the counters are nncore's."""
    feats = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sin1", "sin2")
    query = ("?layers=4&width1=8&width2=8&width3=8&width4=8&regularization=L2&reg_rate=0.01&"
             + "&".join("features=" + quote(TEXT[f]) for f in feats))
    open_train_tab(page, streamlit_server + query)
    lab = new_lab(Settings(hidden=(8, 8, 8, 8), features=feats, regularization="L2",
                           reg_rate=0.01))
    lab.trainer.step(1)
    press(page, "Step")
    wait_for_app(page)
    page.wait_for_function("() => __bpl.player.shown.step === 1", timeout=30_000)
    got = page.evaluate("""() => { const p = __bpl.player;
      return { sizes: p.sizes, theta: Array.from(p.shown.theta), P: Array.from(p.P),
               Xin: Array.from(p.Xin), A: p.fwd.slice(1).map((a) => Array.from(a)),
               names: p.inputNames, loss: p.shown.loss, acc: p.shown.acc }; }""")
    assert got["sizes"] == [7, 8, 8, 8, 8, 2]
    assert got["names"] == [TEXT[f] for f in feats]
    np.testing.assert_array_equal(np.array(got["theta"]), lab.net.get_flat())
    R, extent = GRID, lab.data.extent
    g = np.linspace(-extent, extent, R)
    gx, gy = np.meshgrid(g, g)
    P = features.expand(np.column_stack([gx.ravel(), gy.ravel()]), feats)
    # the features: products exactly, sin to a rounding of numpy's
    np.testing.assert_allclose(np.array(got["P"]).reshape(P.shape), P, rtol=0, atol=1e-15)
    X = np.vstack(inputs(lab))
    np.testing.assert_allclose(np.array(got["Xin"]).reshape(X.shape), X, rtol=0, atol=1e-15)
    fwd = lab.net.forward(P)
    for q, a in enumerate(got["A"], 1):
        assert np.max(np.abs(np.array(a).reshape(fwd.A[q].shape) - fwd.A[q])) <= 1e-12, q
    d = lab.data
    sets = ((inputs(lab)[0], d.Y_train), (inputs(lab)[1], d.Y_test))
    np.testing.assert_allclose(got["loss"], [lab.net.data_loss(X, Y) for X, Y in sets],
                               rtol=1e-12, atol=0)
    assert got["acc"] == [float(np.mean(np.argmax(lab.net.predict(X), 1) == np.argmax(Y, 1)))
                          for X, Y in sets]
    # a reply of 1.5 s of this network's training, with a non-finite snapshot in it:
    # wire.js decodes every snapshot to the very bits of wire.py's decode
    f = Format(tuple(got["sizes"]))
    tr = lab.trainer.trace(90, 5)
    snaps = f.snapshots(tr.steps, tr.epochs, tr.theta)
    snaps["theta"][40, 3] = np.nan
    raw = f.encode(1, 2, 3, 0, snaps, f.epochs(tr.metrics))
    js = page.evaluate("""(b) => { const s = [7, 8, 8, 8, 8, 2];
        const r = __bpl.readReply(new Uint8Array(b), __bpl.layout(s));
        return { snaps: r.snaps.map((x) => ({ step: x.step, epoch: x.epoch, half: x.half,
                   finite: x.finite, theta: Array.from(x.theta) })), epochs: r.epochs }; }""",
                       list(raw))
    ref = f.decode(raw)
    assert len(js["snaps"]) == 90 and len(js["epochs"]) == len(ref["epochs"]) > 0
    for k, (a, b) in enumerate(zip(js["snaps"], ref["snapshots"])):
        assert (a["step"], a["epoch"], a["finite"]) == (b["step"], b["epoch"], k != 40)
        if k != 40:
            assert a["theta"] == b["theta"].tolist() and a["half"] == b["half"].max(), k
    # every chart's legend (five gradient norms, four saturation rows) stays in its chart,
    # at this width and at a projector's
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 768})
        page.wait_for_function("() => __bpl.player.legends && Object.values("
                               "__bpl.player.legends).length === 4 && "
                               "__bpl.player.el.charts.clientWidth > 0", timeout=30_000)
        page.evaluate("() => { __bpl.player.legends = {}; __bpl.player.chartsDirty = true; }")
        page.wait_for_function("() => Object.values(__bpl.player.legends).length === 4",
                               timeout=30_000)
        legends = page.evaluate("() => __bpl.player.legends")
        for title, lg in legends.items():
            assert lg["right"] <= lg["limit"] and lg["size"] >= 11, (width, title, lg)
    # the player's expand, on random points, against nncore.features for each feature
    pts = np.random.default_rng(2).uniform(-4, 4, size=(300, 2))
    for f in feats:
        js = page.evaluate("([p, f]) => Array.from(__bpl.expand(p, f))", [pts.ravel().tolist(),
                                                                          [f]])
        np.testing.assert_allclose(js, features.expand(pts, (f,))[:, 0], rtol=0, atol=1e-15)
    assert page.locator(EXCEPTION).count() == 0


@pytest.mark.browser
def test_the_maps_toggles_in_the_browser(streamlit_server: str, page) -> None:
    """Discretize paints each side of the boundary in one colour (the class picked); the
    test points leave the map when Test data is off, and come back."""
    open_train_tab(page, streamlit_server + "?discretize=true&show_test=false")
    colours = """() => { const d = __bpl.player.tiles.map.img.data, seen = new Set();
        for (let i = 0; i < d.length; i += 4) seen.add(d[i] * 65536 + d[i + 1] * 256 + d[i + 2]);
        return seen.size; }"""
    got = page.evaluate("() => [__bpl.player.discrete, __bpl.player.showTest, "
                        "__bpl.player.pointsDrawn, __bpl.player.nTrain, __bpl.player.y.length]")
    assert got[:2] == [True, False] and got[2] == got[3] < got[4]  # the training points only
    assert page.evaluate(colours) <= 3  # the two classes' colours (white exactly on ŷ₁ = ŷ₂)
    page.get_by_text("Test data", exact=True).click()
    page.wait_for_function("() => __bpl.player.pointsDrawn === __bpl.player.y.length",
                           timeout=30_000)  # drawn again, every point
    page.get_by_text("Discretize", exact=True).click()
    page.wait_for_function("() => __bpl.player.discrete === false", timeout=30_000)
    assert page.evaluate(colours) > 50  # the shade of ŷ₂ − ŷ₁ again
    assert page.locator(EXCEPTION).count() == 0


@pytest.mark.browser
def test_js_numbers_equal_nncore_for_regression(streamlit_server: str, page) -> None:
    """A regression network: the counters are nncore's loss over the real targets, no
    accuracy; the map is ŷ itself."""
    open_train_tab(page, streamlit_server + "?dataset=plane&layers=1&width1=5")
    lab = new_lab(Settings(dataset="plane", hidden=(5,)))
    lab.trainer.step(1)
    press(page, "Step")
    wait_for_app(page)
    page.wait_for_function("() => __bpl.player.shown.step === 1", timeout=30_000)
    got = page.evaluate("""() => { const p = __bpl.player;
      return { sizes: p.sizes, loss: p.shown.loss, acc: p.shown.acc.map(String),
               diff: Array.from(p.diff), Y: Array.from(p.fwd.at(-1)),
               shown: [...p.root.querySelectorAll('.bpl-key-reg, .bpl-key-cls')].map((e) => !e.hidden),
               counter: p.el.counters["Train accuracy"].textContent }; }""")
    assert got["sizes"] == [2, 5, 1]
    d = lab.data
    want = [lab.net.data_loss(X, Y) for X, Y in ((d.X_train, d.Y_train), (d.X_test, d.Y_test))]
    np.testing.assert_allclose(got["loss"], want, rtol=1e-12, atol=0)
    assert got["acc"] == ["NaN", "NaN"] and got["counter"] == "—"
    assert got["diff"] == got["Y"]  # the map: ŷ
    assert got["shown"] == [True, False]  # the regression legend, not the classes'
    assert page.locator(EXCEPTION).count() == 0
