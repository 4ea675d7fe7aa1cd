"""Browser: the step view fits the room, measured (bounding boxes in the page), at every
stage of both forms: presenter mode at 1024×768 and 1280×720, the default page at 1024×768
with the sidebar open. Screenshots land in artifacts/screenshots/."""

from __future__ import annotations

import pytest
from browser_util import EXCEPTION, screenshot, wait_for_app

from lab.stages import build_stages

pytestmark = pytest.mark.browser

# Every text of the network picture (numbers, names, headings, colour bars), its box and
# font size; the picture's and the first equation's boxes; the heading's text and box.
MEASURE = """() => {
  const chart = document.querySelector('.st-key-network_chart, [data-testid=stPlotlyChart]');
  const svg = chart.querySelector('.main-svg');
  const texts = [...chart.querySelectorAll('text')].filter((t) => t.textContent.trim()
      && !t.closest('.hoverlayer') && t.getBoundingClientRect().width > 0)
    .map((t) => { const r = t.getBoundingClientRect();
      return { s: t.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom,
               px: parseFloat(getComputedStyle(t).fontSize), node: !!t.closest('.textpoint') }; });
  const pic = svg.getBoundingClientRect();
  const head = document.querySelector('.st-key-stage_heading');
  const eq = document.querySelector('.st-key-eq_0_1 .katex');
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return { texts, picture: [pic.left, pic.top, pic.right, pic.bottom],
           heading: head ? [head.innerText, ...box(head)] : null, equation: eq ? box(eq) : null,
           view: [innerWidth, innerHeight] };
}"""


def overlaps(texts) -> list:
    """Pairs of texts whose boxes overlap by more than a pixel each way."""
    out = []
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            w = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            h = min(a["y1"], b["y1"]) - max(a["y0"], b["y0"])
            if w > 1 and h > 1:
                out.append((a["s"], b["s"]))
    return out


def walk(page, form: str):
    """Yield (stage number, measurements) at each of the 12 stages, clicking Next between
    them as a user would and waiting for the stage's heading."""
    n = len(build_stages(3, form))
    for k in range(1, n + 1):
        if k > 1:
            page.get_by_role("button", name="Next").click()
        page.wait_for_function("k => document.querySelector('.st-key-stage_heading')"
                               "?.innerText.startsWith(k + '/12')", arg=k, timeout=30_000)
        wait_for_app(page)
        page.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')",
                               timeout=30_000)
        yield k, page.evaluate(MEASURE)


def open_view(browser, url: str, size: tuple[int, int]):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)
    page.locator(".st-key-network_chart .main-svg").first.wait_for(timeout=30_000)
    return context, page


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
@pytest.mark.parametrize("form", ["sample", "batch"])
def test_presenter_mode_shows_picture_heading_and_first_equation_at_every_stage(
        streamlit_server: str, browser, size, form) -> None:
    context, page = open_view(browser, f"{streamlit_server}/?presenter=true&form={form}", size)
    try:
        for k, m in walk(page, form):
            W, H = m["view"]
            x0, y0, x1, y1 = m["picture"]
            assert 0 <= x0 and x1 <= W and 0 <= y0 and y1 <= H, (k, m["picture"], m["view"])
            assert m["heading"][4] <= H, (k, m["heading"])
            assert m["equation"] and m["equation"][3] <= H, (k, m["equation"])
            numbers = [t for t in m["texts"] if t["node"]]
            assert numbers and min(t["px"] for t in numbers) >= 16, (k, numbers[:2])
            assert not overlaps(m["texts"]), (k, overlaps(m["texts"]))
            if k in (1, 7, 9, 12):
                screenshot(page, f"presenter_{size[0]}x{size[1]}_{form}_stage{k}")
        assert page.locator(EXCEPTION).count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("form", ["sample", "batch"])
def test_default_page_at_1024_keeps_the_picture_whole_still_and_its_labels_apart(
        streamlit_server: str, browser, form) -> None:
    context, page = open_view(browser, f"{streamlit_server}/?form={form}", (1024, 768))
    try:
        assert page.locator("[data-testid='stSidebar']").is_visible()
        tops = set()
        for k, m in walk(page, form):
            W, H = m["view"]
            _, y0, x1, y1 = m["picture"]
            assert y1 <= H and x1 <= W, (k, m["picture"])
            tops.add(round(y0))
            assert not overlaps(m["texts"]), (k, overlaps(m["texts"]))
            if k in (1, 7, 9, 12):
                screenshot(page, f"default_1024_{form}_stage{k}")
        assert len(tops) == 1, f"the picture moved between stages: tops {sorted(tops)}"
    finally:
        context.close()


HEADINGS = """() => [...document.querySelectorAll('.st-key-network_chart .annotation-text')]
    .map((t) => t.textContent)"""


def test_the_picture_names_what_its_nodes_show(streamlit_server: str, browser) -> None:
    """Layer headings and node names say z, a or δ as the stage computes them."""
    context, page = open_view(browser, f"{streamlit_server}/?stage=1", (1280, 800))
    try:
        want = {2: ["layer 1z⁽¹⁾", "z₁⁽¹⁾"], 3: ["layer 1a⁽¹⁾", "a₁⁽¹⁾"],
                8: ["outputδ⁽³⁾", "δ₁⁽³⁾"], 10: ["layer 1δ⁽¹⁾", "δ₃⁽¹⁾"]}
        for k, _ in walk(page, "sample"):
            if k in want:
                texts = page.evaluate(HEADINGS)
                for w in want[k]:
                    assert w in texts, (k, w, texts)
                if k >= 8:
                    assert "a₁⁽¹⁾" not in texts or k < 10, (k, texts)
    finally:
        context.close()
