"""Browser: the server restarts mid-session; the page reconnects, and its next interaction
gets a fresh, working session rebuilt from its address (settings, tab and training steps),
with a message, not a stack trace."""

from __future__ import annotations

import pytest
from browser_util import (
    check_rebuilt_from,
    free_port,
    screenshot,
    start_app,
    stop_app,
    train_an_epoch,
    wait_disconnected,
)

pytestmark = pytest.mark.browser


def test_a_restart_mid_session_rebuilds_the_session_from_the_address(browser):
    port = free_port()
    proc = start_app(port)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        address = train_an_epoch(page, f"http://127.0.0.1:{port}")
        stop_app(proc)
        wait_disconnected(page)
        proc = start_app(port)
        check_rebuilt_from(page, address)
        screenshot(page, "after_server_restart")
    finally:
        context.close()
        stop_app(proc)
