"""Browser: the Lesson tab at 1024x768 with the sidebar open. Every step renders without a
KaTeX error, its equations fit their column, nothing runs off the side, all step numbers
are visible, and Back / Next walk the whole lesson. Screenshots of every step (the text,
then the picture and equations) land in artifacts/screenshots/lesson_*.png."""

from __future__ import annotations

import pytest
from browser_util import EXCEPTION, REPO_ROOT, screenshot, wait_for_app

from lab.lesson import STEPS, render
from lab.panels.lesson import step_view
from lab.state import Settings, View, current_pass, new_lab

SMALL = {"width": 1024, "height": 768}
N_STEPS = len(STEPS)
# The lead adds the panel to app.py's "Lesson" tab; until then there is nothing to drive.
HAS_LESSON = "lesson_panel(" in (REPO_ROOT / "app.py").read_text()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAS_LESSON, reason="app.py does not draw lesson_panel in its "
                       "'Lesson' tab yet, so the lesson is not on the page to test"),
]

# Each rendered equation of the lesson (KaTeX's box) against the width of its column.
FIT_JS = """() => [...document.querySelectorAll('[class*="st-key-lesson_"]')].map(c => {
    const m = c.className.match(/st-key-(lesson_\\d+_\\d+)/), k = c.querySelector('.katex');
    if (!m || !k) return null;
    return [m[1], k.getBoundingClientRect().width, c.getBoundingClientRect().width,
            parseFloat(getComputedStyle(k).fontSize)];
}).filter(x => x)"""
# Displayed equations in the lesson's text (not the scaled equations beside the picture)
# that need a scroll bar: wider than the text column.
WIDE_JS = """() => [...document.querySelectorAll('[data-testid="stMarkdownContainer"] .katex-display')]
    .filter(d => !d.closest('[class*="st-key-lesson_"]'))
    .map(d => [d.scrollWidth > d.clientWidth + 1, d.innerText])"""
# The step numbers, each button's box against the control's box.
STEPPER_JS = """() => { const c = document.querySelector('.st-key-lesson');
    const box = c.getBoundingClientRect();
    return [...c.querySelectorAll('button')].filter(b => b.innerText.trim()).map(b => {
        const r = b.getBoundingClientRect();
        return [b.innerText.trim(), r.left >= box.left - 0.5 && r.right <= box.right + 0.5]; });
}"""

NEXT_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def displays(k: int) -> int:
    """The displayed equations of step k's text, as the default network's lesson renders
    it (a placeholder may hold one: the row form's rule going down)."""
    lab = new_lab(Settings())
    step = STEPS[k - 1]
    return render(step, current_pass(lab, step_view(lab, View("sample", [0]), step))).count(
        "$$") // 2


def _open_lesson(browser):
    context = browser.new_context(viewport=SMALL)
    page = context.new_page()
    return context, page


def _at_step(page, k: int) -> None:
    page.get_by_text(f"Step {k} of {N_STEPS}: {STEPS[k - 1].title}").wait_for(timeout=30_000)
    wait_for_app(page)
    # KaTeX typesets after the elements arrive: wait for this step's displayed equations
    # and the equations beside the picture, then for two frames of layout.
    want = displays(k)
    page.wait_for_function(f"() => ({WIDE_JS})().length === {want} && ({FIT_JS})().length > 0",
                           timeout=30_000)
    page.evaluate(NEXT_FRAMES)


def test_every_step_reads_well_at_1024(streamlit_server: str, browser) -> None:
    context, page = _open_lesson(browser)
    try:
        page.goto(streamlit_server, wait_until="domcontentloaded")
        wait_for_app(page)
        assert page.locator("[data-testid='stSidebar']").is_visible()  # the sidebar is open
        page.get_by_role("tab", name="Lesson").click()
        _at_step(page, 1)
        # (Streamlit draws a button with help= twice inside its container: take the first)
        back = page.locator(".st-key-lesson_back button").first
        nxt = page.locator(".st-key-lesson_next button").first
        assert back.is_disabled() and not nxt.is_disabled()
        stepper = page.evaluate(STEPPER_JS)
        assert [t for t, _ in stepper] == [str(k) for k in range(1, N_STEPS + 1)]
        assert all(inside for _, inside in stepper), f"step numbers cut off: {stepper}"
        for k in range(1, N_STEPS + 1):
            if k > 1:
                nxt.click()
                _at_step(page, k)
            errors = page.locator(".katex-error").all_inner_texts()
            assert not errors, f"step {k}: KaTeX could not parse {errors[0][:200]}"
            fits = page.evaluate(FIT_JS)
            assert fits, f"step {k}: no equations on the page"
            for key, width, column, font in fits:
                assert width <= column + 0.5, (k, key, width, column)
                assert font >= 9.5, f"step {k} {key}: font {font:.1f} px, unreadable"
            shown = page.evaluate(WIDE_JS)
            assert len(shown) == displays(k), (k, len(shown))
            wide = [text for scrolls, text in shown if scrolls]
            assert not wide, f"step {k}: a displayed equation scrolls: {wide[0][:80]!r}"
            overflow = page.evaluate("() => { const m = document.querySelector("
                                     "'[data-testid=\"stMain\"]'); "
                                     "return m.scrollWidth - m.clientWidth; }")
            assert overflow <= 1, f"step {k}: the page scrolls sideways by {overflow} px"
            screenshot(page, f"lesson_{k:02d}_text")
            if k % 2 or k == N_STEPS:  # the picture below the text, every other step
                page.locator(".st-key-lesson_chart").scroll_into_view_if_needed()
                page.evaluate(NEXT_FRAMES)
                screenshot(page, f"lesson_{k:02d}_view")
                page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')"
                              ".scrollTo(0, 0)")
        assert nxt.is_disabled() and not back.is_disabled()
        back.click()
        _at_step(page, N_STEPS - 1)
        assert page.locator(EXCEPTION).count() == 0
    finally:
        context.close()
