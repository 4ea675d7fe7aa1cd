"""Browser: the step view fits the room, measured (bounding boxes in the page), at every
stage: presenter mode at 1280×720 (both forms) and 1024×768 (the mini-batch form), the
default page at 1024×768 with the sidebar open (both forms). Screenshots land in artifacts/screenshots/."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from browser_util import EXCEPTION, screenshot, wait_for_app

from lab.stages import build_stages
from nncore.features import TEXT

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


def walk(page, form: str, L: int = 3):
    """Yield (stage number, measurements) at each of the 3L + 3 stages of ``form``, clicking
    Next between them as a user would and waiting for the stage's heading. The page shows
    the one-sample form at stage 1 to begin with; the batch form is chosen with its radio,
    then the slider is brought back to stage 1 with the Home key."""
    if form == "batch":
        page.get_by_text("batch", exact=True).click()
        page.wait_for_function("() => [...document.querySelectorAll('input[type=radio]')]"
                               ".some((r) => r.checked && r.value !== undefined && r.closest"
                               "('label')?.innerText.trim() === 'batch')", timeout=30_000)
        wait_for_app(page)
        page.locator(".st-key-stage [role='slider'], .st-key-stage input").first.focus()
        page.keyboard.press("Home")
        page.wait_for_function("() => document.querySelector('.st-key-stage_heading')"
                               "?.innerText.includes('mini-batch')", timeout=30_000)
    n = len(build_stages(L, form))
    for k in range(1, n + 1):
        if k > 1:
            page.get_by_role("button", name="Next").click()
        page.wait_for_function("([k, n]) => document.querySelector('.st-key-stage_heading')"
                               "?.innerText.startsWith(k + '/' + n)", arg=[k, n],
                               timeout=30_000)
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
def test_presenter_mode_shows_picture_heading_and_first_equation_at_every_stage(
        streamlit_server: str, browser, size) -> None:
    context, page = open_view(browser, f"{streamlit_server}/?presenter=true", size)
    try:
        # 1280×720, the shorter room: both forms. 1024×768: the mini-batch form, which
        # bounds it (measured at its tightest stage: 52 px below the first equation, the
        # one-sample form 174 px; the picture's room is the same in both forms)
        for form in ("sample", "batch") if size[1] == 720 else ("batch",):
            for k, m in walk(page, form):
                W, H = m["view"]
                x0, y0, x1, y1 = m["picture"]
                assert 0 <= x0 and x1 <= W and 0 <= y0 and y1 <= H, (form, k, m["picture"])
                assert m["heading"][4] <= H, (form, k, m["heading"])
                assert m["equation"] and m["equation"][3] <= H, (form, k, m["equation"])
                numbers = [t for t in m["texts"] if t["node"]]
                assert numbers and min(t["px"] for t in numbers) >= 16, (form, k, numbers[:2])
                assert not overlaps(m["texts"]), (form, k, overlaps(m["texts"]))
                if k in (1, 7, 9, 12):
                    screenshot(page, f"presenter_{size[0]}x{size[1]}_{form}_stage{k}")
        assert page.locator(EXCEPTION).count() == 0
    finally:
        context.close()


HEADINGS = """() => [...document.querySelectorAll('.st-key-network_chart .annotation-text')]
    .map((t) => t.textContent)"""
# what layer headings and node names say at some stages of the one-sample form
NAMES = {2: ["layer 1z⁽¹⁾", "z₁⁽¹⁾"], 3: ["layer 1a⁽¹⁾", "a₁⁽¹⁾"], 8: ["outputδ⁽³⁾", "δ₁⁽³⁾"],
         10: ["layer 1δ⁽¹⁾", "δ₃⁽¹⁾"]}


# Each rendered equation line (KaTeX's box) against the width of the column it sits in.
FIT = """() => [...document.querySelectorAll('[class*="st-key-eq_"]')].map(c => {
    const k = c.querySelector('.katex');
    if (!k) return null;
    return [c.className.match(/st-key-(eq_\\d+_\\d+)/)[1], k.getBoundingClientRect().width,
            c.getBoundingClientRect().width, parseFloat(getComputedStyle(k).fontSize)];
}).filter(x => x)"""


def test_default_page_at_1024_keeps_the_picture_whole_still_named_and_its_labels_apart(
        streamlit_server: str, browser) -> None:
    """Sidebar open, both forms (the mini-batch at its widest, N = 8), every stage: the
    picture whole above the fold, at the same place, no two of its texts overlapping; it
    names what its nodes show (layer headings and node names say z, a or δ as the stage
    computes them); every equation fits its column, no smaller than 9.5 px."""
    context, page = open_view(browser, f"{streamlit_server}/?view_batch_size=8", (1024, 768))
    try:
        assert page.locator("[data-testid='stSidebar']").is_visible()
        tops = set()
        for form in ("sample", "batch"):
            for k, m in walk(page, form):
                W, H = m["view"]
                _, y0, x1, y1 = m["picture"]
                assert y1 <= H and x1 <= W, (form, k, m["picture"])
                tops.add(round(y0))
                assert not overlaps(m["texts"]), (form, k, overlaps(m["texts"]))
                errors = page.locator(".katex-error").all_inner_texts()
                assert not errors, f"{form} stage {k}: KaTeX could not parse {errors[0][:200]}"
                for key, width, column, font in page.evaluate(FIT):
                    assert width <= column + 0.5, (form, k, key, width, column)
                    assert font >= 9.5, f"{form} stage {k} {key}: font {font:.1f} px"
                if form == "sample" and k in NAMES:
                    texts = page.evaluate(HEADINGS)
                    assert all(w in texts for w in NAMES[k]), (k, NAMES[k], texts)
                    assert k < 10 or "a₁⁽¹⁾" not in texts, (k, texts)
                if k in (1, 7, 9, 12):
                    screenshot(page, f"default_1024_{form}_stage{k}")
        assert len(tops) == 1, f"the picture moved between stages: tops {sorted(tops)}"
    finally:
        context.close()


LARGEST = ("layers=4&width1=8&width2=8&width3=8&width4=8&regularization=L2&reg_rate=0.01&"
           + "&".join("features=" + quote(t) for t in TEXT.values()))


def test_the_largest_network_fits_at_1024_in_both_forms(streamlit_server: str, browser) -> None:
    """7-8-8-8-8-2 fed every feature, with L2, sidebar open, both forms (N = 8), all 18
    stages: the picture whole above the fold, at one place, its texts apart; every equation
    fits its column, no smaller than 9.5 px (8-column matrices leave out their middle)."""
    context, page = open_view(browser, f"{streamlit_server}/?view_batch_size=8&{LARGEST}",
                              (1024, 768))
    try:
        tops = set()
        for form in ("sample", "batch"):
            for k, m in walk(page, form, L=5):
                W, H = m["view"]
                _, y0, x1, y1 = m["picture"]
                assert y1 <= H and x1 <= W, (form, k, m["picture"])
                tops.add(round(y0))
                assert not overlaps(m["texts"]), (form, k, overlaps(m["texts"]))
                assert not page.locator(".katex-error").all_inner_texts()
                for key, width, column, font in page.evaluate(FIT):
                    assert width <= column + 0.5, (form, k, key, width, column)
                    assert font >= 9.5, f"{form} stage {k} {key}: font {font:.1f} px"
                if k in (2, 8, 17):
                    screenshot(page, f"largest_1024_{form}_stage{k}")
        assert len(tops) == 1, f"the picture moved between stages: tops {sorted(tops)}"
        assert page.locator(EXCEPTION).count() == 0
    finally:
        context.close()


TRAIN_BOXES = """() => { const p = globalThis.__bpl.player, box = (e) => {
    const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const counters = [...p.root.querySelectorAll('.bpl-counters b')];
  return { net: box(p.el.net), map: box(p.el.map), counters: counters.map(box),
           counterPx: parseFloat(getComputedStyle(counters[0]).fontSize), scale: p.scale,
           view: [innerWidth, innerHeight] }; }"""


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_presenter_train_tab_fits_with_larger_text_and_takes_its_keys(
        streamlit_server: str, browser, size) -> None:
    """The network, the map and the counters on screen; the player's text 1.35 × larger;
    space plays and pauses, . takes one step."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    try:
        page.goto(f"{streamlit_server}/?presenter=true&tab=Train",
                  wait_until="domcontentloaded")
        wait_for_app(page)
        page.wait_for_function("() => globalThis.__bpl?.player?.shown != null"
                               " && globalThis.__bplKeys?.handler", timeout=30_000)
        # the player sizes itself in its animation loop, to the room below the picture:
        # wait for it to have measured the room where the picture is now
        page.wait_for_function("""() => { const p = __bpl.player, n = p.el.net;
            return p.roomKey.endsWith('@' + Math.round(n.getBoundingClientRect().top))
                && p.room === innerHeight - p.pageTop(n) - 24
                && p.el.map.style.width !== ''; }""", timeout=30_000)
        page.wait_for_function("() => new Promise((r) => requestAnimationFrame(() => r(true)))")
        m = page.evaluate(TRAIN_BOXES)
        screenshot(page, f"presenter_{size[0]}x{size[1]}_train")
        W, H = m["view"]
        for name in ("net", "map"):
            x0, y0, x1, y1 = m[name]
            assert 0 <= x0 and x1 <= W and 0 <= y0 and y1 <= H, (name, m[name], m["view"])
        assert all(b[3] <= H for b in m["counters"]), m["counters"]
        assert m["scale"] == 1.35 and m["counterPx"] >= 24 * 1.35 - 0.5, m
        page.mouse.click(6, size[1] - 6)  # the page itself, no widget
        page.keyboard.press(" ")  # play
        page.wait_for_function("() => __bpl.player.running && __bpl.player.shown.step > 20",
                               timeout=30_000)
        page.keyboard.press(" ")  # pause, on the frame on screen
        page.wait_for_function("() => { const p = __bpl.player;"
                               " return !p.running && !p.settling && p.shown.exact; }",
                               timeout=30_000)
        wait_for_app(page)
        held = page.evaluate("() => __bpl.player.shown.step")
        page.keyboard.press(".")  # one step
        page.wait_for_function(f"() => __bpl.player.shown.step === {held + 1}", timeout=30_000)
        assert page.locator(EXCEPTION).count() == 0
    finally:
        context.close()
