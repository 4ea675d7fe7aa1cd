"""Browser: a link copied with "Copy link" opens, in a fresh page, the same screen with the
same numbers as the session that made it."""

from __future__ import annotations

import pytest
from browser_util import EXCEPTION, wait_for_app

pytestmark = pytest.mark.browser

KATEX_TEXT = """() => [...document.querySelectorAll('.katex-mathml annotation')]
    .map(a => a.textContent)"""


def test_copy_link_reproduces_the_screen_in_a_fresh_page(streamlit_server: str, browser):
    maker = browser.new_context(viewport={"width": 1280, "height": 800})
    maker.grant_permissions(["clipboard-read", "clipboard-write"])
    page = maker.new_page()
    try:
        page.goto(streamlit_server + "/?dataset=moons&lr=0.3&tab=Train",
                  wait_until="domcontentloaded")
        wait_for_app(page)
        page.get_by_role("button", name="Step epoch").click()
        page.wait_for_function("() => /[?&]steps=[1-9]/.test(location.search)",
                               timeout=30_000)
        wait_for_app(page)
        page.get_by_role("tab", name="Backprop, step by step").click()
        page.locator(".katex").nth(2).wait_for(timeout=30_000)
        wait_for_app(page)
        for k in range(2, 10):  # one click, then its stage on screen, as a user would
            page.get_by_role("button", name="Next").click()
            page.wait_for_function("t => document.body.innerText.includes(t)",
                                   arg=f"{k}/12 ·", timeout=30_000)
        wait_for_app(page)
        page.locator("button", has_text="Copy link").click()
        page.wait_for_function("() => globalThis.__bplCopied", timeout=10_000)
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == page.url and "stage=9" in copied and "steps=" in copied
        made = page.evaluate(KATEX_TEXT)
        assert len(made) >= 3 and any("0." in m for m in made)
    finally:
        maker.close()
    fresh = browser.new_context(viewport={"width": 1280, "height": 800})
    other = fresh.new_page()
    try:
        other.goto(copied, wait_until="domcontentloaded")
        other.wait_for_function("() => document.body.innerText.includes('9/12 ·')",
                                timeout=60_000)
        wait_for_app(other)
        # KaTeX typesets after the elements arrive: wait until as many equations are drawn
        other.wait_for_function(f"() => ({KATEX_TEXT})().length >= {len(made)}",
                                timeout=60_000)
        assert other.evaluate(KATEX_TEXT) == made  # the same equations, number for number
        assert other.locator(EXCEPTION).count() == 0
    finally:
        fresh.close()
