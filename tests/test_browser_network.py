"""Browser: the network picture plays through the stages in the page itself."""

from __future__ import annotations

import re
import time

import pytest
from browser_util import EXCEPTION, screenshot, wait_for_app

STAGE_CAPTION = re.compile(r"(\d+)/(\d+)")


def stage_shown(page) -> int:
    """The stage number in the picture's caption ("3/12 · …")."""
    # SVG text has no innerText: read textContent
    texts = page.locator("[data-testid='stPlotlyChart'] .main-svg text").evaluate_all(
        "els => els.map(e => e.textContent || '')")
    for t in texts:
        m = STAGE_CAPTION.match(t.strip())
        if m:
            return int(m.group(1))
    raise AssertionError(f"no stage caption among the chart texts: {texts[:20]}")


@pytest.mark.browser
def test_play_runs_through_the_stages(streamlit_server: str, page) -> None:
    page.goto(streamlit_server, wait_until="domcontentloaded")
    wait_for_app(page)
    page.wait_for_selector("[data-testid='stPlotlyChart'] .updatemenu-button", timeout=30_000)
    assert stage_shown(page) == 1
    page.locator(".updatemenu-button", has_text="Play").first.click()
    seen = {1}
    deadline = time.monotonic() + 8.0
    while time.monotonic() < deadline and len(seen) < 4:
        seen.add(stage_shown(page))
        time.sleep(0.2)
    assert len(seen) >= 3, f"the highlighted stage did not move on: saw {sorted(seen)}"
    page.locator(".updatemenu-button", has_text="Pause").first.click()
    time.sleep(0.5)
    paused_at = stage_shown(page)
    time.sleep(2.0)
    assert stage_shown(page) == paused_at, "Pause did not stop the animation"
    assert page.locator(EXCEPTION).count() == 0
    screenshot(page, "network_playing")


@pytest.mark.browser
def test_next_button_moves_the_equations(streamlit_server: str, page) -> None:
    page.goto(streamlit_server, wait_until="domcontentloaded")
    wait_for_app(page)
    page.get_by_role("button", name="Next ▶").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('h4')].some(h => h.innerText.includes('z⁽¹⁾'))",
        timeout=30_000)
    wait_for_app(page)
    assert stage_shown(page) == 2
    screenshot(page, "network_stage2")
