"""Smoke test: the served app loads in a real browser without an exception."""

from __future__ import annotations

import pytest
from browser_util import screenshot, wait_for_app


@pytest.mark.browser
def test_app_loads(streamlit_server: str, page) -> None:
    page.goto(streamlit_server, wait_until="domcontentloaded")
    wait_for_app(page)
    app = page.locator("[data-testid='stApp']")
    assert app.is_visible(), "[data-testid='stApp'] is not visible"
    body = page.locator("body").inner_text()
    assert "Backprop Lab" in body, f"'Backprop Lab' not on the page; it shows:\n{body[:2000]}"
    path = screenshot(page, "smoke")
    assert path.is_file() and path.stat().st_size > 0
