"""Helpers for the real-browser (Playwright + headless Chromium) tests.

Kept out of conftest.py so test modules can import them:
``from browser_util import wait_for_app, screenshot``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # playwright is optional: only the browser tests need it
    from playwright.sync_api import Page

REPO_ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"

APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"


def wait_for_app(page: Page, timeout: float = 60_000) -> None:
    """Wait until the Streamlit script has finished a run, then insist it raised nothing.

    ``data-test-script-state`` is ``initial`` before the first run and ``notRunning``
    only once a run has completed, so this does not race the first page load.
    """
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout)
    exceptions = page.locator(EXCEPTION)
    count = exceptions.count()
    if count:
        texts = "\n---\n".join(exceptions.nth(i).inner_text() for i in range(count))
        raise AssertionError(f"the app shows {count} exception(s):\n{texts}")


def screenshot(page: Page, name: str) -> Path:
    """Save a PNG of the page to artifacts/screenshots/NAME.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path))
    return path
