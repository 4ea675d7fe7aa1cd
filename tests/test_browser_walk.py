"""Browser: a walk through every tab leaves nothing in the server's log. On a server of its
own, with its log captured: every stage of both forms of the step view and one SGD step,
Next through the first lesson steps, Play then Pause on the Train tab, the gradient check and
the derivation. Streamlit logs its warnings (such as a widget given a default while Back
and Next set its value through the session state) and tracebacks there, not on the page,
so the page looking right is not enough. Its log lines carry no level by default: the
server here is told to write it (``logger.messageFormat``)."""

from __future__ import annotations

import os
import re

import pytest
from browser_util import EXCEPTION, free_port, start_app, stop_app, wait_for_app

from lab.lesson import STEPS
from lab.links import TABS

pytestmark = pytest.mark.browser
N_STAGES = 12
BAD_LINE = re.compile(r"WARNING|Warning|ERROR|Traceback|Stack \(most recent call last\)")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@pytest.fixture
def own_server(tmp_path):
    """``streamlit run app.py`` on a free port; yields (base URL, path of its log)."""
    log_path, port = tmp_path / "streamlit.log", free_port()
    with open(log_path, "wb") as log:
        env = {**os.environ, "PYTHONUNBUFFERED": "1",
               "STREAMLIT_LOGGER_MESSAGE_FORMAT": LOG_FORMAT}
        proc = start_app(port, env=env, log=log)
        try:
            yield f"http://127.0.0.1:{port}", log_path
        finally:
            stop_app(proc)


def _text_on_page(page, text: str) -> None:
    page.wait_for_function("t => document.body.innerText.includes(t)", arg=text,
                           timeout=30_000)
    wait_for_app(page)


def _open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.wait_for_function("n => [...document.querySelectorAll('[role=tab]')].some("
                           "t => t.innerText.trim() === n && "
                           "t.getAttribute('aria-selected') === 'true')", arg=name,
                           timeout=30_000)
    wait_for_app(page)


def _walk_the_stages(page) -> None:
    """From stage 1, Next through the first stages, each one on screen before the next
    (every stage of both forms is walked by tests/test_browser_layout.py)."""
    nxt = page.locator(".st-key-next_stage button").first
    for k in range(2, 5):
        nxt.click()
        _text_on_page(page, f"{k}/{N_STAGES} ·")


def test_a_walk_through_every_tab_logs_no_warning(own_server, browser) -> None:
    url, log_path = own_server
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(url, wait_until="domcontentloaded")
        wait_for_app(page)
        # Backprop, step by step: every stage of the one-sample form ...
        _text_on_page(page, f"1/{N_STAGES} ·")
        _walk_the_stages(page)
        # ... then of the mini-batch form, from stage 1 again. Next's tooltip (the pointer
        # is still on Next) sits over "batch": the click must reach the radio all the same
        page.get_by_role("tooltip").filter(has_text="One stage forward").wait_for(
            timeout=30_000)
        at = page.get_by_text("batch", exact=True).bounding_box()
        hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.closest('label')"
                            "?.innerText.trim()", [at["x"] + at["width"] / 2,
                                                   at["y"] + at["height"] / 2])
        assert hit == "batch", f"a click on 'batch' lands on {hit!r}, not the radio"
        page.get_by_text("batch", exact=True).click()
        # the radio takes the click (in the page), then the rerun redraws the bar (server)
        page.wait_for_function("() => [...document.querySelectorAll('input[type=radio]')]"
                               ".some(r => r.checked && r.closest('label')?.innerText.trim()"
                               " === 'batch')", timeout=30_000)
        page.get_by_role("button", name="Batch: 4 rows from 0").first.wait_for(timeout=60_000)
        wait_for_app(page)
        page.locator(".st-key-stage input[type='range']").focus()
        page.keyboard.press("Home")
        _text_on_page(page, f"1/{N_STAGES} ·")
        _walk_the_stages(page)
        page.locator(".st-key-apply_step button").first.click()
        _text_on_page(page, "The last SGD step: loss on those rows")

        # Lesson: Next through the first steps (tests/test_browser_lesson.py walks them all)
        _open_tab(page, TABS[1])
        _text_on_page(page, f"Step 1 of {len(STEPS)}: {STEPS[0].title}")
        nxt = page.locator(".st-key-lesson_next button").first
        for k in range(2, 6):
            nxt.click()
            _text_on_page(page, f"Step {k} of {len(STEPS)}: {STEPS[k - 1].title}")

        # Train: Play until the player shows trained frames, then Pause
        _open_tab(page, TABS[2])
        page.locator(".bpl-ready").wait_for(state="attached", timeout=30_000)
        page.wait_for_function("() => globalThis.__bpl?.player?.shown != null", timeout=30_000)
        page.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_function("() => globalThis.__bpl.player.shown.step >= 100",
                               timeout=30_000)
        page.get_by_role("button", name="Pause", exact=True).click()
        page.get_by_role("button", name="Play", exact=True).wait_for(timeout=30_000)
        page.wait_for_function("() => globalThis.__bpl.player.shown.exact", timeout=30_000)
        wait_for_app(page)

        # Gradient check and Derivation
        _open_tab(page, TABS[3])
        page.locator(".st-key-gradcheck_table").wait_for(timeout=30_000)
        _text_on_page(page, "parameters on the mini-batch")
        _open_tab(page, TABS[4])
        _text_on_page(page, "Backpropagation in the 2-3-4-2 network")
        assert page.locator(EXCEPTION).count() == 0
    finally:
        context.close()
    log = log_path.read_text(errors="replace")
    assert " INFO " in log or "You can now view" in log  # the log was captured
    bad = [line for line in log.splitlines() if BAD_LINE.search(line)]
    assert not bad, "the server logged:\n" + "\n".join(bad[:20])
