"""Browser: while training plays, the server trains ahead of the screen. Whatever a user
takes from the page then (a download, a copied link, a setting changed) is of the frame on
screen, exactly: checked against nncore trained to that step in this process."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from browser_util import EXCEPTION, wait_for_app

from lab.downloads import FILES
from lab.io import history_csv
from lab.state import Settings, new_lab

pytestmark = pytest.mark.browser

# Records, in the same event as a click on `sel` (capture phase, before the element's own
# handler), the frame the player shows: what that click must describe.
SPY = """(sel) => { const b = document.querySelector('*') && [...document.querySelectorAll('*')]
    .flatMap((e) => e.shadowRoot ? [...e.shadowRoot.querySelectorAll(sel)] : [])
    .concat([...document.querySelectorAll(sel)])[0];
  b.addEventListener('click', () => { const p = globalThis.__bpl.player;
    globalThis.__atClick = { frame: p.frame(), theta: Array.from(p.shown.theta),
                              half: p.shown.half || 0 }; },
    { capture: true, once: true }); }"""


def open_playing(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)
    page.locator(".bpl-ready").wait_for(state="attached", timeout=30_000)
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => __bpl.player.running && __bpl.player.shown.step > 400",
                           timeout=30_000)


def drawn_at_click(at: dict, theta) -> None:
    """The weights drawn at the click are ``theta`` as the page or the wire sent it: exactly
    (a paused frame), its float32 values (a reply's keyframe), or within the snapshot's s/2
    of them (the snapshots after it: lab/player/wire.py)."""
    err = np.abs(np.array(at["theta"]) - theta.astype(np.float32).astype(np.float64))
    assert np.all(err <= at["half"] + np.abs(theta) * 2.0**-24), (err.max(), at["half"])
    assert at["half"] <= 0.01  # (a step of the default run moves far less)


def trained(steps: int, **settings):
    lab = new_lab(Settings(**settings))
    lab.trainer.step(steps)
    return lab


def test_every_download_while_playing_is_of_the_frame_on_screen(streamlit_server: str,
                                                                  browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    try:
        open_playing(page, streamlit_server + "/?tab=Train")
        page.get_by_text("Save and load").click()  # the sidebar's expander
        for file in FILES:
            page.evaluate(SPY, f".bpl-downloads button[data-file='{file}']")
            with page.expect_download(timeout=30_000) as got:
                page.locator(f".bpl-downloads button[data-file='{file}']").click()
            at = page.evaluate("() => globalThis.__atClick")
            step = at["frame"]["step"]
            text = open(got.value.path(), encoding="utf-8").read()  # noqa: SIM115
            ref = trained(step)
            assert 0 < step < ref.trainer.steps + 1
            if file == "weights":
                w = json.loads(text)
                assert (w["steps"], w["epoch"]) == (step, ref.trainer.epoch)
                theta = np.concatenate([np.ravel(x) for pair in zip(w["W"], w["b"])
                                        for x in pair])
                np.testing.assert_array_equal(theta, ref.net.get_flat())  # float64, exact
                # and the very weights drawn at the click (as sent: lab/player/wire.py)
                drawn_at_click(at, theta)
            elif file == "history":
                assert text == history_csv(ref.trainer.history, 3).decode()
                rows = list(csv.reader(io.StringIO(text)))
                assert int(rows[-1][0]) == ref.trainer.epoch
            elif file == "equations":
                assert f"training step {step}, epoch {ref.trainer.epoch}" in text
            else:
                assert repr(float(ref.net.W[0][0, 0])) in text
        assert page.evaluate("() => __bpl.player.running")  # downloads do not pause
        assert page.locator(EXCEPTION).count() == 0
    finally:
        context.close()


def test_a_link_copied_while_playing_opens_the_frame_on_screen(streamlit_server: str,
                                                               browser) -> None:
    maker = browser.new_context(viewport={"width": 1280, "height": 800})
    maker.grant_permissions(["clipboard-read", "clipboard-write"])
    page = maker.new_page()
    try:
        open_playing(page, streamlit_server + "/?tab=Train&dataset=moons")
        page.evaluate(SPY, ".copy-link button")
        page.locator(".copy-link button").click()
        page.wait_for_function("() => globalThis.__bplCopied", timeout=10_000)
        copied = page.evaluate("() => navigator.clipboard.readText()")
        at = page.evaluate("() => globalThis.__atClick")
    finally:
        maker.close()
    step = at["frame"]["step"]
    assert parse_qs(urlparse(copied).query)["steps"] == [str(step)]
    fresh = browser.new_context(viewport={"width": 1280, "height": 800})
    other = fresh.new_page()
    try:
        other.goto(copied, wait_until="domcontentloaded")
        try:
            other.wait_for_function(f"() => globalThis.__bpl?.player?.shown?.step === {step}",
                                    timeout=60_000)
        except Exception as e:  # say where the page was (a clean-clone run timed out here once)
            where = other.evaluate("""() => { const p = globalThis.__bpl?.player;
              return { url: location.href, player: !!p, step: p?.shown?.step,
                       running: p?.running, exceptions: document.querySelectorAll(
                         '[data-testid="stException"]').length,
                       status: p?.el?.status?.textContent }; }""")
            raise AssertionError(f"the link's page never showed step {step}: {where}") from e
        theta = np.array(other.evaluate("() => Array.from(__bpl.player.shown.theta)"))
        np.testing.assert_array_equal(theta, trained(step, dataset="moons").net.get_flat())
        drawn_at_click(at, theta)
        assert other.locator(EXCEPTION).count() == 0
    finally:
        fresh.close()


def test_a_setting_changed_while_playing_applies_from_the_frame_on_screen(
        streamlit_server: str, browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        open_playing(page, streamlit_server + "/?tab=Train&dataset=circles")
        wait_for_app(page)  # no full rerun under way: the slider stays the element focused
        slider = page.get_by_role("slider", name="Learning rate γ")
        slider.focus()
        page.keyboard.press("ArrowRight")  # learning rate 0.1 → 0.3, while playing
        # (one clean-clone run timed out below with no sign whether the key arrived)
        page.wait_for_function("e => e.getAttribute('aria-valuetext') === '0.3'",
                               arg=slider.element_handle(), timeout=30_000)
        page.wait_for_function("() => __bpl.player.restartedAt != null", timeout=30_000)
        start = page.evaluate("() => __bpl.player.restartedAt")
        page.wait_for_function(f"() => __bpl.player.shown.step > {start + 200}", timeout=30_000)
        page.get_by_role("button", name="Pause", exact=True).click()
        page.wait_for_function("() => { const p = __bpl.player;"
                               " return !p.running && !p.settling && p.shown.exact; }",
                               timeout=30_000)
        wait_for_app(page)
        paused = page.evaluate("() => [__bpl.player.shown.step, Array.from(__bpl.player.shown.theta)]")
        query = parse_qs(urlparse(page.url).query)
        assert query["log"] == [f"t{start}_0.1_32_0.9"] and query["lr"] == ["0.3"]
        assert query["steps"] == [str(paused[0])]
        ref = trained(start, dataset="circles")
        ref.trainer.lr = 0.3
        ref.trainer.step(paused[0] - start)
        np.testing.assert_array_equal(np.array(paused[1]), ref.net.get_flat())
        assert page.locator(EXCEPTION).count() == 0
    finally:
        context.close()
