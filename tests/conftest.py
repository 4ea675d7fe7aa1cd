"""Fixtures for the real-browser tests (marker ``browser``).

* ``streamlit_server`` (session): ``streamlit run app.py`` on a free local port; yields the base URL.
* ``browser`` (session): Playwright driving Debian's headless Chromium (no ``playwright install``).
* ``page`` (function): a fresh context + page at 1280x720, the size of a projector.

Without Chromium or Playwright the ``browser`` tests are skipped, except under CI
(``CI`` set to anything but empty/"0"/"false"), where a missing browser is a failure:
CI installs Chromium, so its absence there is a broken setup, not a reason to pass.
Skips are added in ``pytest_collection_modifyitems``; the CI failure is raised in
``pytest_runtest_setup`` (before the server starts) and, for unmarked tests that use
``browser``/``page``, by the ``browser_executable`` fixture.

``BACKPROP_LAB_CHROMIUM`` overrides the browser path (default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_util import (  # noqa: F401  (REPO_ROOT, screenshot, wait_for_app re-exported)
    REPO_ROOT,
    free_port,
    screenshot,
    start_app,
    stop_app,
    wait_for_app,
)


def _scan_component_manifests_once() -> None:
    """Every new AppTest has Streamlit scan the metadata of every installed distribution
    for component manifests (measured: 0.19 s of a 0.29 s first run of app.py, most of it
    parsing METADATA files). The installed set does not change during the suite, so the
    scan runs once per process and each AppTest gets a copy of its result. (AppTest's
    BidiComponentManager imports the function at call time, so patching the module's
    attribute reaches it.)"""
    from streamlit.components.v2 import manifest_scanner

    scan = functools.lru_cache(maxsize=1)(manifest_scanner.scan_component_manifests)
    manifest_scanner.scan_component_manifests = lambda max_workers=None: list(scan())


_scan_component_manifests_once()

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Shared memory in /tmp instead of /dev/shm: containers often give /dev/shm only 64 MB,
    # and Debian's launcher, which would add this itself, misreads the size on some hosts.
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1280, "height": 720}
SERVER_START_TIMEOUT = 60.0
SERVER_STOP_TIMEOUT = 10.0
LOG_TAIL_LINES = 40


def _chromium_path() -> str:
    return os.environ.get("BACKPROP_LAB_CHROMIUM") or DEFAULT_CHROMIUM


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def _browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    if importlib.util.find_spec("playwright") is None:
        return "playwright not installed"
    path = _chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return f"no browser: {path} not found"
    return None


def _skip_or_fail(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"{reason} (CI is set, so a missing browser is an error, not a skip)")
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow ``browser`` tests first (pytest-xdist's worksteal then ends the run on short
    tests, which balance the workers); outside CI, mark them as skipped when the browser
    cannot run."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)  # stable
    problem = _browser_problem()
    if problem is None or _in_ci():
        return
    skip = pytest.mark.skip(reason=problem)
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Under CI, fail a ``browser`` test whose browser is missing, before its fixtures run.

    A hook rather than an autouse fixture: pytest sets up session-scoped fixtures such as
    ``streamlit_server`` before function-scoped ones, so a fixture gate would start the
    server only to throw it away.
    """
    if _in_ci() and item.get_closest_marker("browser") is not None:
        problem = _browser_problem()
        if problem is not None:
            _skip_or_fail(problem)


@pytest.fixture(scope="session")
def browser_executable() -> str:
    """Path of the Chromium to drive; skips (or, under CI, fails) when it is unusable.

    Covers tests that use ``browser``/``page`` without the ``browser`` marker.
    """
    problem = _browser_problem()
    if problem is not None:
        _skip_or_fail(problem)
    return _chromium_path()


# --------------------------------------------------------------------------- server


def _log_tail(log_path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = log_path.read_text(errors="replace")
    except OSError as exc:
        return f"(could not read {log_path}: {exc})"
    return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run ``streamlit run app.py`` from the repo root and yield its base URL."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        try:
            proc = start_app(port, env=env, log=log, timeout=SERVER_START_TIMEOUT)
        except RuntimeError as exc:
            pytest.fail(f"{exc}; last {LOG_TAIL_LINES} lines of {log_path}:\n"
                        f"{_log_tail(log_path)}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_app(proc, SERVER_STOP_TIMEOUT)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser(browser_executable: str):
    """Playwright's Chromium API driving the system Chromium, headless."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=browser_executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page at 1280x720."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()
