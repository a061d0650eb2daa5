"""Pages in a real browser: the Teach page's presenter mode, and the Model page's diagram.

Presenter mode: one step of the Teach page on one projector screen.

A 1280x720 projector at 125% zoom is a 1024x576 CSS viewport at device scale 1.25. For
every step, opened by its link in presenter mode (``?page=teach&step=N&present=1``), a
prediction is picked and run; then the question, the verdict (the room's prediction and
the model's answer, with the share of futures it holds in), the chart, the loop and the
Next button must each lie inside the viewport without scrolling, and every text of the
chart must be at least 16 px. Debian's Chromium (``/usr/bin/chromium``) is driven by
Playwright; the test is skipped, with the reason, where it is absent.

One server, one browser and one tab serve every case (module fixtures); each case opens
its step by its link, a new session of the app, and waits for the app to go idle and the
boxes to keep still rather than for a fixed time.

The Model page's whole-model view (:mod:`slack_sim.ui.diagram`) is checked here too, at a
1280x720 window in a context of its own: it shares this file's server and browser rather
than starting a second pair.
"""

import os
from pathlib import Path

import pytest
from appserver import app_server

from slack_sim.teach.storyline import STORYLINE
from slack_sim.ui import diagram

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu"]
VIEWPORT = {"width": 1024, "height": 576}
SCALE = 1.25
#: The elements that must be on screen once a step has run (container keys of the page).
BOXES = ("teach-question", "teach-verdict", "teach-chart", "teach-loop", "teach-next")
SHOTS = os.environ.get("SLACK_SIM_PRESENTER_SHOTS", "")

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)")



@pytest.fixture(scope="module")
def server():
    with app_server("presenter-streamlit.log", timeout=90) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def tab(browser):
    """One projector-sized tab for every case: each opens its step by its own link, which
    starts a new session of the app (nothing carries over from the case before)."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=SCALE)
    yield context.new_page()
    context.close()


#: True once the app's script has finished its run (no rerun pending).
_IDLE = ("() => { const app = document.querySelector('[data-testid=stApp]');"
         " return app && app.dataset.testScriptState !== 'running'; }")
#: Resolves once the boxes of BOXES have kept still for ten animation frames in a row
#: (the chart's final layout drawn), instead of waiting a fixed time.
_SETTLED = """keys => new Promise(done => {
  let last = "", still = 0;
  const tick = () => {
    const now = JSON.stringify(keys.map(k => {
      const e = document.querySelector(".st-key-" + k);
      if (!e) return null;
      const r = e.getBoundingClientRect();
      return [r.x, r.y, r.width, r.height];
    }));
    still = now === last ? still + 1 : 0;
    last = now;
    if (still >= 10) done(true); else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})"""


def _box(page, key: str) -> dict:
    locator = page.locator(f".st-key-{key}").first
    locator.wait_for(state="visible", timeout=120_000)
    return locator.bounding_box()


@pytest.mark.parametrize("number", range(1, len(STORYLINE) + 1))
def test_each_step_fits_a_projector_screen(server, tab, number):
    step = STORYLINE[number - 1]
    page = tab
    page.goto(f"{server}/?page=teach&step={number}&present=1")
    page.locator(".st-key-teach-question").wait_for(timeout=120_000)
    # presenter mode hides the sidebar, the title and the page tabs
    page.locator('[data-testid="stSidebar"]').wait_for(state="hidden", timeout=120_000)
    assert page.locator("h1").filter(has_text="austerity, shocks").first.is_hidden()
    assert page.locator(".st-key-page").is_hidden(), "page tabs hidden"
    page.locator('[data-testid="stRadio"] [role="radiogroup"] label').first.click()
    page.locator(".st-key-teach-run button:not([disabled])").first.click(timeout=60_000)
    page.locator(".st-key-teach-chart .js-plotly-plot").first.wait_for(timeout=180_000)
    page.locator(".st-key-teach-verdict").first.wait_for(timeout=60_000)
    page.locator(".st-key-teach-chart svg text").first.wait_for(timeout=60_000)
    page.wait_for_function(_IDLE, timeout=120_000)
    page.evaluate(_SETTLED, list(BOXES))
    assert page.evaluate("window.scrollY") == 0
    for key in BOXES:
        box = _box(page, key)
        assert box["width"] > 0 and box["height"] > 0, key
        assert box["x"] >= 0 and box["y"] >= 0, (step.key, key, box)
        assert box["x"] + box["width"] <= VIEWPORT["width"] + 1, (step.key, key, box)
        assert box["y"] + box["height"] <= VIEWPORT["height"] + 1, (step.key, key, box)
    # the chart's title is not cut off at the chart's edge
    chart = _box(page, "teach-chart")
    for title in page.locator(".st-key-teach-chart .gtitle").all():
        box = title.bounding_box()
        assert box["x"] + box["width"] <= chart["x"] + chart["width"] + 1, step.key
    sizes = page.eval_on_selector_all(
        ".st-key-teach-chart svg text",
        "els => els.filter(e => e.textContent.trim()).map("
        "e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 16, (step.key, sorted(sizes)[:5])
    if SHOTS:
        page.screenshot(path=f"{SHOTS}-{number}-{step.key}.png")


# -- the Model page's whole-model view at 1280x720 (the same server and browser) -----------


def test_whole_model_view_fits_the_column_at_1280_with_16px_labels(server, browser):
    """At a 1280x720 window the whole-model SVG is no wider than the column it sits in (no
    sideways scrolling) and every label is drawn at 16 px or more."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto(f"{server}/?view=Model")
        svg = None
        for _ in range(240):  # the page computes the loop scores first
            for frame in page.frames:
                if frame.locator("svg[role=img]").count():
                    svg = frame.locator("svg[role=img]").first
                    break
            if svg is not None:
                break
            page.wait_for_timeout(500)
        assert svg is not None, "the diagram's SVG was not drawn"
        frame_el = svg.evaluate_handle("e => e.ownerDocument.defaultView.frameElement")
        column = frame_el.evaluate(
            "f => { const r = f.getBoundingClientRect(); return [r.x, r.width]; }")
        inner = svg.evaluate("e => e.ownerDocument.documentElement.clientWidth")
        box = svg.bounding_box()
        assert box["width"] >= 600, box  # drawn at full size, not shrunk to fit
        assert box["width"] <= inner <= column[1] + 1, (box, inner, column)
        scroll = svg.evaluate("e => e.ownerDocument.documentElement.scrollWidth")
        assert scroll <= inner, ("scrolls sideways", scroll, inner)
        sizes = svg.evaluate(
            "e => [...e.querySelectorAll('text')].filter(t => t.textContent.trim())"
            ".map(t => t.getBoundingClientRect().height > 0 ? "
            "parseFloat(getComputedStyle(t).fontSize) * "
            "(e.getBoundingClientRect().width / e.viewBox.baseVal.width) : 99)")
        assert sizes and min(sizes) >= diagram.SVG_FONT_PX, sorted(sizes)[:5]
        lever = svg.locator("text").filter(has_text="Slack target")
        assert lever.count(), "slack and the levers are on the view"
    finally:
        context.close()
