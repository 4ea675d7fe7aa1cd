"""Browser: the server restarts mid-session; the page reconnects, and its next interaction
gets a fresh, working session rebuilt from its address (settings, tab and training steps),
with a message, not a stack trace."""

from __future__ import annotations

import pytest
from browser_util import EXCEPTION, free_port, screenshot, start_app, stop_app, wait_for_app

pytestmark = pytest.mark.browser
APP = "[data-testid=stApp]"


def test_a_restart_mid_session_rebuilds_the_session_from_the_address(browser):
    port = free_port()
    proc = start_app(port)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"http://127.0.0.1:{port}/?dataset=moons&tab=Train",
                  wait_until="domcontentloaded")
        wait_for_app(page)
        page.get_by_role("button", name="Step epoch").click()
        page.wait_for_function("() => /[?&]steps=[1-9]/.test(location.search)", timeout=30_000)
        wait_for_app(page)
        address = page.url
        stop_app(proc)
        page.wait_for_selector(f"{APP}:not([data-test-connection-state=CONNECTED])",
                               state="attached", timeout=30_000)  # the page noticed
        proc = start_app(port)
        # Streamlit's page reconnects by itself; the next interaction runs the script in a
        # new session, which the address rebuilds (and says so)
        page.wait_for_selector(f"{APP}[data-test-connection-state=CONNECTED]",
                               state="attached", timeout=60_000)
        page.get_by_role("button", name="Step", exact=True).click()
        page.wait_for_function("() => document.body.innerText.includes('replayed to step')",
                               timeout=60_000)
        wait_for_app(page)
        assert page.locator(EXCEPTION).count() == 0
        assert page.url == address
        assert page.get_by_role("tab", selected=True).inner_text().strip() == "Train"
        steps = int(address.split("steps=")[1].split("&")[0])
        page.get_by_role("button", name="Step", exact=True).click()  # and it works
        page.wait_for_function("n => location.search.includes('steps=' + n)", arg=steps + 1,
                               timeout=30_000)
        wait_for_app(page)
        assert page.locator(EXCEPTION).count() == 0
        screenshot(page, "after_server_restart")
    finally:
        context.close()
        stop_app(proc)
