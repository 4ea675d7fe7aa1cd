"""Browser: the step-by-step view at projector sizes: a click on the scatter shows that
sample at once, Play keeps picture and equations in step, and the open tab stays open when
notices come and go (that every equation fits its column: tests/test_browser_layout.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from browser_util import EXCEPTION, screenshot, wait_for_app

from lab.stages import build_stages
from lab.state import Settings, make_data

SMALL = {"width": 1024, "height": 768}
def _stage_marker(page, k: int) -> None:
    page.wait_for_function("t => document.body.innerText.includes(t)", arg=f"{k + 1}/12 ·",
                           timeout=30_000)
    wait_for_app(page)


def _open(browser, url: str, size=SMALL):
    context = browser.new_context(viewport=size)
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)
    return context, page


@pytest.mark.browser
def test_clicking_a_point_shows_that_sample_at_once(streamlit_server: str, browser) -> None:
    context, page = _open(browser, streamlit_server)
    try:
        d = make_data(Settings())
        rows = np.flatnonzero(d.y_train == 0)  # trace 0 of the picker: class 1, in row order
        j = 5
        picked = int(rows[j])
        page.get_by_role("button", name="Sample 0").first.click()  # the popover with the plane
        scatter = page.locator(".st-key-sample_scatter [data-testid='stPlotlyChart']")
        scatter.wait_for(timeout=30_000)
        point = scatter.locator(".scatterlayer .trace").first.locator("path.point").nth(j)
        point.click(force=True)
        x = d.X_train[picked]
        page.wait_for_function("t => document.body.innerText.includes(t)",
                               arg=f"sample {picked}: x = ({x[0]:.3f}, {x[1]:.3f})",
                               timeout=30_000)
        wait_for_app(page)
        box = page.get_by_role("spinbutton", name="Sample (training row)")
        assert box.input_value() == str(picked)
        # the picture's input nodes show the picked sample's x in the same run
        texts = page.locator(".st-key-network_chart [data-testid='stPlotlyChart']").locator(
            "text").evaluate_all("els => els.map(e => e.textContent)")
        assert f"{x[0]:.2f}" in texts and f"{x[1]:.2f}" in texts, texts[:40]
        page.keyboard.press("Escape")
        screenshot(page, "step_view_after_click_1024")
    finally:
        context.close()


@pytest.mark.browser
def test_play_keeps_slider_heading_and_picture_in_step(streamlit_server: str, browser) -> None:
    """While the stages play, every state the page shows (checked at each animation frame,
    in the page) has the "k/12" caption and the heading at the same stage, and each stage
    reaches a frame where the slider agrees too (it follows a moment later: the widget
    animates to its new value)."""
    context, page = _open(browser, streamlit_server, {"width": 1280, "height": 800})
    try:
        titles = [s.title.split(":")[0] for s in build_stages(3)]
        page.evaluate("""(titles) => { const w = globalThis; w.__seen = {}; w.__bad = [];
          const tick = () => {
            const h = [document.querySelector('.st-key-stage_heading')?.innerText ?? ''];
            const m = document.body.innerText.match(/(\\d+)\\/12 ·/);
            const v = document.querySelector(
                '[data-testid="stMain"] [data-testid="stSlider"] input[type="range"]');
            const idle = document.querySelector("[data-test-script-state='notRunning']");
            if (m && v && idle) {
              const k = +m[1];
              if (!h.some(x => x.includes(titles[k - 1]))) w.__bad.push([k, +v.value, h]);
              else if (k === +v.value) w.__seen[k] = 1;
            }
            if (!w.__stopSeen) requestAnimationFrame(tick); };
          requestAnimationFrame(tick); }""", titles)
        page.locator(".st-key-play_stages_button button").first.click()  # (help= draws two)
        page.wait_for_function("() => Object.keys(globalThis.__seen).length >= 5",
                               timeout=120_000)
        page.evaluate("() => { globalThis.__stopSeen = true; }")
        bad = page.evaluate("() => globalThis.__bad")
        assert not bad, f"stage caption and heading disagreed: {bad[:5]}"
        assert page.locator(EXCEPTION).count() == 0
    finally:
        context.close()


@pytest.mark.browser
def test_the_open_tab_stays_open_when_notices_come_and_go(streamlit_server: str,
                                                          browser) -> None:
    context, page = _open(browser, streamlit_server)
    try:
        page.get_by_role("tab", name="Train").click()
        wait_for_app(page)
        page.get_by_role("button", name="Step epoch").click()
        wait_for_app(page)
        for name in ("circles", "moons"):
            page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
            page.get_by_role("option", name=name).click()
            wait_for_app(page)
            selected = page.get_by_role("tab", selected=True).inner_text()
            assert "Train" in selected, f"after choosing {name} the open tab is {selected!r}"
            page.get_by_role("button", name="Step epoch").click()
            wait_for_app(page)
        page.get_by_role("button", name="Reset weights").click()
        wait_for_app(page)
        assert "Train" in page.get_by_role("tab", selected=True).inner_text()
        screenshot(page, "train_tab_after_reset_1024")
    finally:
        context.close()


@pytest.mark.browser
def test_presenter_mode_keyboard_at_1024(streamlit_server: str, browser) -> None:
    context, page = _open(browser, streamlit_server + "/?presenter=1")
    try:
        page.wait_for_function("() => document.body.innerText.includes('1/12 ·')",
                               timeout=30_000)
        sidebar = page.locator("[data-testid='stSidebar']")
        assert sidebar.get_attribute("aria-expanded") == "false" or not sidebar.is_visible()
        # the listener arrives with presenter mode (after the link's ?presenter=1 is applied)
        page.wait_for_function("() => globalThis.__bplKeys && globalThis.__bplKeys.handler",
                               timeout=30_000)
        wait_for_app(page)
        page.mouse.click(6, 420)  # focus the page itself, no widget
        page.keyboard.press("ArrowRight")
        _stage_marker(page, 1)
        page.keyboard.press("ArrowRight")
        _stage_marker(page, 2)
        page.keyboard.press("ArrowLeft")
        _stage_marker(page, 1)
        screenshot(page, "presenter_1024")
        page.keyboard.press(" ")  # play: the stages move on by themselves
        _stage_marker(page, 3)
        page.keyboard.press(" ")  # pause
        page.wait_for_timeout(2500)
        wait_for_app(page)
        shown = page.evaluate("() => +document.body.innerText.match(/(\\d+)\\/12 ·/)[1]")
        page.wait_for_timeout(2500)
        assert page.evaluate("() => +document.body.innerText.match(/(\\d+)\\/12 ·/)[1]") == shown
        assert page.locator(EXCEPTION).count() == 0
    finally:
        context.close()


@pytest.mark.browser
def test_clicking_an_edge_sets_its_weight(streamlit_server: str, browser) -> None:
    """Click the edge of W⁽¹⁾[1, 2] (unit 2 of the input to unit 1 of layer
    1), type 0.5, press Set: the forward equation of layer 1 shows it at once."""
    context, page = _open(browser, streamlit_server + "/?stage=2")
    try:
        chart = page.locator(".st-key-network_chart [data-testid='stPlotlyChart']")
        chart.wait_for(timeout=30_000)
        edges = chart.locator(".scatterlayer .trace").last.locator("path.point")
        edges.nth(1).click(force=True)  # q = 1: index i·n₀ + j = 0·2 + 1
        box = page.get_by_role("spinbutton", name="Set w⁽¹⁾₁,₂", exact=False)
        box.wait_for(timeout=30_000)
        box.fill("0.5")
        box.press("Enter")
        wait_for_app(page)
        page.get_by_role("button", name="Set", exact=True).click()
        page.wait_for_function("() => document.body.innerText.includes('to 0.5')",
                               timeout=30_000)  # the notice
        wait_for_app(page)
        tex = page.locator(".katex-mathml annotation").evaluate_all(
            "els => els.map(e => e.textContent).join(' ')")
        # W⁽¹⁾'s first row, its second entry: the value set
        assert re.search(r"\\begin\{bmatrix\}-?[0-9.]+ & 0\.500 \\\\", tex), tex[:400]
        assert page.locator(EXCEPTION).count() == 0
        screenshot(page, "edge_weight_set_1024")
    finally:
        context.close()
