"""Browser: live training in a real page: Play makes the epoch counter climb, Pause stops it."""

from __future__ import annotations

import itertools
import time

import pytest
from browser_util import EXCEPTION, screenshot, wait_for_app


def epoch_shown(page) -> int:
    """The value of the "Epoch" metric on screen."""
    counter = page.locator(".counters b[data-counter='Epoch']").first
    return int(counter.inner_text().replace(",", ""))


def open_train_tab(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)
    page.get_by_role("tab", name="Train").click()
    page.locator(".counters b[data-counter='Epoch']").first.wait_for(timeout=30_000)


@pytest.mark.browser
def test_play_then_pause(streamlit_server: str, page) -> None:
    open_train_tab(page, streamlit_server)
    assert epoch_shown(page) == 0
    page.get_by_role("button", name="▶ Play").click()
    page.get_by_role("button", name="❚❚ Pause").wait_for(timeout=30_000)
    start = time.monotonic()
    seen = []
    while time.monotonic() - start < 3.0:
        seen.append(epoch_shown(page))
        time.sleep(0.1)
    assert seen[-1] > seen[0], f"the epoch counter did not rise in 3 s: {seen[:5]} … {seen[-5:]}"
    changes = sum(1 for a, b in itertools.pairwise(seen) if a != b)
    assert changes >= 5, f"only {changes} visible updates in 3 s"
    screenshot(page, "training_playing")
    page.get_by_role("button", name="❚❚ Pause").click()
    page.get_by_role("button", name="▶ Play").wait_for(timeout=30_000)
    wait_for_app(page)
    held = epoch_shown(page)
    time.sleep(1.5)
    assert epoch_shown(page) == held, "training went on after Pause"
    assert page.locator(EXCEPTION).count() == 0
    screenshot(page, "training_paused")
