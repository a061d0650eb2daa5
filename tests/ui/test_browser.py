"""The app in a real browser: Debian's Chromium driven by Playwright (never downloaded).

Starts ``streamlit run app.py`` on 127.0.0.1 at a free port, checks that the headline
cards and the charts render, moves a slider from the keyboard and checks that a headline
number changes, and saves screenshots to ``test-artifacts/``. With
``SLACK_SIM_UPDATE_SCREENSHOT=1`` it also refreshes the README's ``docs/screenshot.png``
(never by default: a test run leaves the tracked files alone).
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from appserver import app_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"
)



#: The server's record of its guesses of the next slider step (``ui.speculate``).
GUESSES = ARTIFACTS / "speculate.log"


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(exist_ok=True)
    GUESSES.write_text("")
    with app_server("streamlit.log", timeout=60,
                    env={"SLACK_SIM_SPECULATE_LOG": str(GUESSES)}) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for the file's tests (each opens its own page)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_app(browser, url: str, *, width: int, height: int):
    """Open the app in a new page of ``width`` x ``height``; return it once its cards show."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=90_000)
    return page


#: The five headline cards' values (the appraisal panel below them has cards of its own,
#: drawn once the scenario differs from current policy).
HEADLINE_VALUES = '.st-key-cards [data-testid="stMetricValue"]'


def metric_values(page) -> list[str]:
    """The headline cards' values."""
    return page.locator(HEADLINE_VALUES).all_inner_texts()


#: Every text element of a headline card that is wider than its box (cut off, ellipsis).
CUT_OFF = """() => [...document.querySelectorAll('[data-testid="stMetric"] *')]
  .filter(e => e.children.length === 0 && e.innerText)
  .filter(e => { for (let o = e; o && !o.matches('[data-testid="stMetric"]');
                      o = o.parentElement) { if (o.scrollWidth > o.clientWidth + 1) return true; }
                 return false; })
  .map(e => e.innerText)"""


def test_cards_are_not_cut_off_at_1280_px(server, chromium):
    page = open_app(chromium, server, width=1280, height=900)
    try:
        page.wait_for_function(
            "document.querySelectorAll('[data-testid=\"stMetricValue\"]').length === 5",
            timeout=90_000)
        page.wait_for_timeout(1000)
        texts = page.locator('[data-testid="stMetric"]').all_inner_texts()
        assert len(texts) == 5 and all(texts)
        page.screenshot(path=str(ARTIFACTS / "app-1280.png"))
        assert page.evaluate(CUT_OFF) == [], "card text cut off at 1280 px"
    finally:
        page.close()


#: Per chart of the Scenario page: the end of each trace's values (``null`` until drawn;
#: the figures send them as base64 typed arrays, ``{dtype, bdata}``).
CHART_TAILS = """() => [...document.querySelectorAll('.slack-live-chart')].map(gd =>
  gd.data ? JSON.stringify(gd.data.map(t => String((t.y || {}).bdata).slice(-40))) : null)"""


def draw_every_chart(page) -> None:
    """Scroll each chart into view (charts out of view are drawn when scrolled to)."""
    boxes = page.locator(".slack-live-chart")
    for i in range(boxes.count()):
        boxes.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("(i) => document.querySelectorAll('.slack-live-chart')[i]"
                               ".querySelector('.main-svg') !== null", arg=i, timeout=90_000)


def test_charts_render_and_keyboard_slider_changes_a_headline(server, chromium):
    page = open_app(chromium, server, width=1600, height=1000)
    try:
        page.wait_for_function(
            "document.querySelectorAll('.slack-live-chart').length === 6", timeout=90_000)
        draw_every_chart(page)
        charts = page.locator(".js-plotly-plot")
        assert charts.count() == 6
        # each chart drew its lines (an svg path per trace)
        assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 12
        before = metric_values(page)
        assert len(before) == 5 and before[0].startswith("£")
        tails = page.evaluate(CHART_TAILS)
        assert None not in tails
        # mark each chart's element: a redraw in place keeps it, a remount would not
        page.evaluate("document.querySelectorAll('.slack-live-chart')"
                      ".forEach((gd, i) => { gd.__mark = i + 1; })")
        page.locator(".slack-live-chart").first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "app-default.png"))
        if os.environ.get("SLACK_SIM_UPDATE_SCREENSHOT") == "1":
            shutil.copyfile(ARTIFACTS / "app-default.png", ROOT / "docs" / "screenshot.png")

        slider = page.get_by_role("slider", name=re.compile("^Slack target"))
        slider.focus()
        for _ in range(10):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "([sel, before]) => { const v = [...document.querySelectorAll(sel)]"
            ".map(e => e.innerText);"
            " return v.length === 5 && v.join('|') !== before.join('|'); }",
            arg=[HEADLINE_VALUES, before], timeout=30_000)
        page.wait_for_function(  # the URL follows the page's (fragment) rerun
            "() => /Slack(\\+|%20)target=0.25/.test(location.href)", timeout=30_000)
        page.wait_for_timeout(1000)
        after = metric_values(page)
        assert after != before
        page.screenshot(path=str(ARTIFACTS / "app-slack-0.25.png"))
        # the charts were redrawn in place: the same elements, new values in each
        # (the ones out of view drawn once scrolled to)
        draw_every_chart(page)
        page.wait_for_function(
            "(old) => (" + CHART_TAILS + ")().every((t, i) => t !== null && t !== old[i])",
            arg=tails, timeout=30_000)
        assert page.evaluate("[...document.querySelectorAll('.slack-live-chart')]"
                             ".map(gd => gd.__mark)") == [1, 2, 3, 4, 5, 6]
    finally:
        page.close()


def test_charts_follow_their_column_when_the_sidebar_is_closed(server, chromium):
    """At a projector's 1280x720, closing the sidebar widens the charts with their column.

    Closing it reruns nothing, and the window keeps its size: the charts, kept on the
    page between reruns (``ui.live_chart``), must follow their column themselves
    (plotly.js's ``responsive``; without it this fails); compact mode (which hides the
    sidebar too) then keeps them so, redrawing the same charts in place.
    """
    width = ("() => [...document.querySelectorAll('.slack-live-chart .main-svg')]"
             ".map(s => s.getBoundingClientRect().width)[0] || 0")
    page = open_app(chromium, server, width=1280, height=720)
    try:
        page.wait_for_function(
            "document.querySelectorAll('.slack-live-chart').length === 6", timeout=90_000)
        draw_every_chart(page)
        narrow = page.evaluate(width)
        assert narrow > 200
        page.locator('[data-testid="stSidebar"]').hover()  # the button shows on hover
        page.get_by_label("Collapse sidebar").click()
        page.wait_for_function(f"({width})() > {narrow} + 50", timeout=30_000)
        wide = page.evaluate(width)
        box = page.locator(".slack-live-chart").first.bounding_box()
        assert wide <= box["width"] + 1  # drawn to its column, not past it
        page.evaluate("document.querySelectorAll('.slack-live-chart')"
                      ".forEach((gd, i) => { gd.__mark = i + 1; })")
        page.get_by_text("Compact (projector)").click()
        page.wait_for_url("**compact=1**", timeout=30_000)
        page.wait_for_function(f"({width})() >= {wide} - 1", timeout=30_000)
        # redrawn in place, not made anew (a new chart is blank until drawn)
        assert page.evaluate("[...document.querySelectorAll('.slack-live-chart')]"
                             ".map(gd => gd.__mark)") == [1, 2, 3, 4, 5, 6]
        page.screenshot(path=str(ARTIFACTS / "app-compact-1280.png"))
    finally:
        page.close()


def test_the_next_slider_step_is_guessed_as_the_browser_lands_on_it(server, chromium):
    """Each arrow press lands on the value guessed after the press before (bit for bit).

    The server guesses the next step in the direction of the last move
    (``slack_sim.ui.speculate``) and records, on each page run after a move, whether
    the scenario asked for is the one guessed: a guess rounded otherwise than the
    browser's slider rounds would key another cache entry and record a miss.
    """
    page = open_app(chromium, server, width=1440, height=900)
    try:
        slider = page.get_by_role("slider", name=re.compile("^Slack target"))
        slider.focus()
        start = len(GUESSES.read_text().split())
        expected = []
        for key, value, word in [("ArrowRight", "0.16", "none"), ("ArrowRight", "0.17", "hit"),
                                 ("ArrowRight", "0.18", "hit"), ("ArrowLeft", "0.17", "miss"),
                                 ("ArrowLeft", "0.16", "hit")]:
            page.keyboard.press(key)
            page.wait_for_function(
                "(v) => new URL(location.href).searchParams.get('Slack target') === v",
                arg=value, timeout=60_000)
            expected.append(word)
            page.wait_for_function(  # the page's run is over: its guess has been made
                "() => document.querySelector('[data-testid=\"stApp\"]')"
                ".getAttribute('data-test-script-state') === 'notRunning'", timeout=60_000)
            page.wait_for_timeout(300)
        assert GUESSES.read_text().split()[start:] == expected
    finally:
        page.close()


#: Draw chart ``i``'s last figure afresh (``Plotly.newPlot``) in a new element of the same
#: size; resolve to what each picture draws (:data:`DRAWN`), the chart's and the copy's.
FRESH_COPY = """(i) => {
  const gd = document.querySelectorAll('.slack-live-chart')[i];
  const copy = document.createElement('div');
  Object.assign(copy.style, {width: gd.clientWidth + 'px', height: gd.clientHeight + 'px'});
  gd.parentElement.appendChild(copy);
  const f = gd.__slackSimFigure;
  const drawn = (el) => ({
    lines: [...el.querySelectorAll('.scatterlayer .trace path')].map(p => p.getAttribute('d')),
    ticks: [...el.querySelectorAll('.yaxislayer-above .ytick, .overaxes-above .y2tick,'
                                  + ' .yaxislayer-above .y2tick, .xaxislayer-above .xtick')]
      .map(t => { const x = t.querySelector('text') || t;  // label and where it stands
                  return [x.textContent, x.getAttribute('transform'), x.getAttribute('x'),
                          x.getAttribute('y')].join('|'); })
      .sort(),  // the same ticks: an update may leave them in another order in the page
    shapes: [...el.querySelectorAll('.shapelayer path')].map(p => p.getAttribute('d')),
    legend: [...el.querySelectorAll('.legendtext')].map(t => t.textContent),
    hover: JSON.stringify(el.calcdata.map(cd => cd.map(pt => [pt.x, pt.y]))),  // hover's data
  });
  return Plotly.newPlot(copy, JSON.parse(JSON.stringify(f.data)),
                        JSON.parse(JSON.stringify(f.layout)), {displaylogo: false})
    .then(() => { const out = [drawn(gd), drawn(copy)]; Plotly.purge(copy); copy.remove();
                  return out; });
}"""


#: Chart 0's value axes' ranges as drawn, and as its last figure gives them.
RANGES = ("() => { const gd = document.querySelector('.slack-live-chart');"
          " return ['yaxis', 'yaxis2'].map(k => gd._fullLayout[k].range.map(Number)); }")
FIGURE_RANGES = ("() => { const gd = document.querySelector('.slack-live-chart');"
                 " return ['yaxis', 'yaxis2'].map(k => gd.__slackSimFigure.layout[k].range); }")


def test_a_slider_move_moves_the_lines_and_axes_as_a_fresh_drawing_would(server, chromium):
    """After moves, each chart in view draws what drawing its figure afresh draws.

    A move whose figure differs from the drawn one only in its traces' values and its
    value axes' ranges is drawn by ``Plotly.animate`` without a redraw (``ui.live_chart``,
    about half of ``Plotly.react``'s time). What it draws must be what ``Plotly.newPlot``
    of that figure draws: every line's and band's path, every tick label and where it
    stands, the shading, the legend and the points a hover label reads (an animate that
    left the old ranges, or missed a band's trace, draws other paths or ticks); and a
    double click after a zoom goes back to the figure's ranges, not the first drawing's.
    """
    page = open_app(chromium, server, width=1440, height=900)
    try:
        page.locator(".slack-live-chart").first.scroll_into_view_if_needed()
        page.wait_for_function("document.querySelectorAll('.slack-live-chart .main-svg')"
                               ".length >= 2", timeout=90_000)
        before = page.evaluate(CHART_TAILS)
        first = page.evaluate(FIGURE_RANGES)
        slider = page.get_by_role("slider", name=re.compile("^Slack target"))
        slider.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(1500)
        page.wait_for_function(  # the first two charts moved their lines in place
            "() => [...document.querySelectorAll('.slack-live-chart')].slice(0, 2)"
            ".every(gd => (gd.__slackSimMoved || 0) >= 1)", timeout=60_000)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stApp\"]')"
            ".getAttribute('data-test-script-state') === 'notRunning'", timeout=60_000)
        page.wait_for_timeout(1500)
        after = page.evaluate(CHART_TAILS)
        assert page.evaluate(FIGURE_RANGES) != first  # the moves changed an axis's range
        # zoom into chart 0 by dragging across it, then double-click: back to the ranges
        # of the figure now drawn (not those of the first drawing, before the moves)
        box = page.locator(".slack-live-chart .nsewdrag").first.bounding_box()
        x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 120, y + 80, steps=5)
        page.mouse.up()
        page.wait_for_timeout(500)
        assert page.evaluate(RANGES) != page.evaluate(FIGURE_RANGES)  # zoomed
        page.mouse.dblclick(x + 60, y + 40)
        page.wait_for_timeout(800)
        assert page.evaluate(RANGES) == page.evaluate(FIGURE_RANGES)
        page.mouse.move(5, 895)
        for i in range(2):
            assert after[i] != before[i]  # new values in the chart's data
            moved, fresh = page.evaluate(FRESH_COPY, i)
            assert len(moved["lines"]) >= 8 and len(moved["ticks"]) >= 8
            assert moved == fresh, f"chart {i} draws otherwise than a fresh drawing"
    finally:
        page.close()


#: Installed before the page's scripts: on the first message from the server after
#: ``window.__pressed`` is set, the figure each chart was last given (its fingerprint).
FIRST_ANSWER = """
(() => {
  const Native = window.WebSocket;
  function Probed(...args) {
    const ws = new Native(...args);
    ws.addEventListener('message', () => {
      if (window.__pressed && !window.__atAnswer) {
        window.__atAnswer = [...document.querySelectorAll('.slack-live-chart')]
          .map(gd => gd.__slackSimFp || null);
      }
    });
    return ws;
  }
  Probed.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Probed[k] = Native[k];
  window.WebSocket = Probed;
})();
"""

IDLE = ("() => document.querySelector('[data-testid=\"stApp\"]')"
        ".getAttribute('data-test-script-state') === 'notRunning'")


def test_the_guessed_steps_charts_are_drawn_before_the_server_answers(server, chromium):
    """A press that lands on the guessed step redraws the charts from its figures at once.

    The page hands the browser the guessed next step (``slack_sim.ui.ahead``): when the
    slider lands on it, every chart is given that step's figure before any answer from
    the server; each chart in view then draws exactly the figure in the step's file, and
    the rerun that the press causes draws nothing more (its figures have the same
    fingerprints). A press the other way was not guessed: the server's answer draws it.
    """
    page = chromium.new_page(viewport={"width": 1440, "height": 900})
    page.add_init_script(FIRST_ANSWER)
    try:
        page.goto(server)
        page.locator(".slack-live-chart").first.scroll_into_view_if_needed()
        page.wait_for_function("document.querySelectorAll('.slack-live-chart .main-svg')"
                               ".length >= 2", timeout=90_000)
        slider = page.get_by_role("slider", name=re.compile("^Slack target"))
        slider.focus()
        page.keyboard.press("ArrowRight")  # a move: the server guesses the next one
        page.wait_for_function("() => !!(window.__slackSimAhead || {}).figures",
                               timeout=90_000)
        page.wait_for_function(IDLE, timeout=60_000)
        step = page.evaluate("({...window.__slackSimAhead, figures: undefined})")
        moved = page.evaluate("[...document.querySelectorAll('.slack-live-chart')]"
                              ".map(gd => gd.__slackSimMoved || 0)")
        page.evaluate("window.__pressed = true")
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "(v) => new URL(location.href).searchParams.get('Slack target') === v",
            arg=str(step["value"]), timeout=60_000)
        page.wait_for_function(IDLE, timeout=60_000)
        page.wait_for_timeout(1500)  # the rerun's figures have reached the charts
        expected = [f"{step['digest']}:{i}" for i in range(6)]
        assert page.evaluate("window.__atAnswer") == expected
        assert page.evaluate("window.__slackSimLanded") >= 1
        same = page.evaluate(
            """(url) => fetch(url, {cache: 'no-store'}).then(r => r.json()).then(body =>
              [...document.querySelectorAll('.slack-live-chart')].slice(0, 2).map((gd, i) =>
                JSON.stringify(gd.__slackSimFigure) === JSON.stringify(body.figures[i])))""",
            step["url"])
        assert same == [True, True], "a chart draws other than its figure in the step's file"
        now = page.evaluate("[...document.querySelectorAll('.slack-live-chart')]"
                            ".map(gd => gd.__slackSimMoved || 0)")
        assert now[:2] == [m + 1 for m in moved[:2]], "drawn again when the rerun came"
        # the other way: not guessed, so drawn when the server's answer comes
        page.evaluate("window.__atAnswer = null")
        page.keyboard.press("ArrowLeft")
        page.wait_for_function(IDLE, timeout=60_000)
        page.wait_for_function("() => window.__atAnswer !== null", timeout=60_000)
        assert page.evaluate("window.__atAnswer") == expected  # still the step before
        page.wait_for_function(
            "(n) => [...document.querySelectorAll('.slack-live-chart')].slice(0, 2)"
            ".every((gd, i) => gd.__slackSimMoved === n[i] + 1)", arg=now, timeout=60_000)
    finally:
        page.close()
