"""Time the app in a real browser: slider move to redrawn page, and first load (issue 16).

Starts ``streamlit run app.py`` on 127.0.0.1 at a free port (8600-8699), drives Debian's
Chromium (``/usr/bin/chromium``, never downloaded) with Playwright at 1440x900, with the
uncertainty bands on (the app's default), and measures:

- **first load**: from ``page.goto`` to the five headline cards showing a value, for the
  first visitor after a server start and for a second visitor (a fresh browser context,
  the server's caches warm);
- **slider moves**: ``--moves`` presses of ArrowRight on the *Slack target* slider (each a
  value not seen before), in two modes, each on its own server (``--mode``): *guessed*,
  the app as served, which after a move computes the slider's next step while the user
  reads the page (``slack_sim.ui.speculate``; the share of moves that landed on the
  guessed value is printed), and *unforeseen*, with ``SLACK_SIM_SPECULATE=0``, so every
  rerun runs the model afresh (a jump, a drag, a press before the guess is done); each
  timed from the key
  press (the ``keydown`` event's time stamp) to the last change of the page: the last
  DOM mutation anywhere in the document (a ``MutationObserver`` on the whole tree,
  attributes and text included), the last plotly ``plotly_afterplot`` event and the last
  websocket message from the server, whichever is later. A move is done when the app's
  script run has finished (the ``data-test-script-state`` of ``stApp`` back to
  ``notRunning``) and nothing has changed for ``--quiet`` ms (default 300) since; the
  quiet window itself is not counted. ``--pause`` ms more pass before the next press
  (default 0: presses as fast as the page settles; a facilitator who reads the page
  between presses waits a second or more, in which the next step's figures reach the
  browser).

Also reported per move: the time from the key press to the charts' last change (a
mutation inside a plotly chart, or its ``plotly_afterplot``), and whether the charts
changed before the server's first answer to the press (they do when the press lands on
the guessed step, whose figures the browser already has: ``slack_sim.ui.ahead``); the
bytes the server sent over the websocket, the number of DOM mutations, and the CPU time
of the app server and of Chromium (all its processes) over the moves: on this 2-core
machine they compete, so a move's wait is bounded below by their sum over two cores.
``--write-docs`` rewrites this script's section of ``docs/performance.md``.

Usage::

    python benchmarks/bench_browser.py [--moves 30] [--quiet 300] [--pause 0] [--mode both]
        [--write-docs]

Timings on a shared machine vary with its load (printed): re-measure on a quiet one.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from appserver import free_port_between, start_server, stop_server  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from bench_engine import DOC, machine, write_section  # noqa: E402

from slack_sim.ui.live_chart import CHART_CLASS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu"]
VIEWPORT = {"width": 1440, "height": 900}
SLIDER = "Slack target"
#: The Scenario page's chart elements (``ui.live_chart``'s component).
CHARTS = f".{CHART_CLASS}"
#: Targets (issue 16), ms: median and p90 of a slider move; first load, s.
TARGETS = {"median": 150.0, "p90": 300.0, "first load warm": 2.0, "first load cold": 5.0}

#: Installed before any page script: wraps the WebSocket to time (and size) what the
#: server sends, records key presses, and watches the document and every plotly chart.
PROBE = """
(() => {
  const p = window.__perf = {last: 0, recv: 0, sent: 0, nrecv: 0, nsent: 0, bytes: 0,
                             key: 0, mutations: 0, afterplots: 0, runs: 0, finished: 0,
                             state: '', chart: 0, first: 0};
  const Native = window.WebSocket;
  function Probed(...args) {
    const ws = new Native(...args);
    ws.addEventListener('message', (e) => {
      p.recv = performance.now(); p.nrecv += 1;
      if (p.first < p.key) { p.first = p.recv; }  // the server's first answer to the key
      const d = e.data; p.bytes += d.byteLength || d.size || d.length || 0;
    });
    const send = ws.send.bind(ws);
    ws.send = (d) => { p.sent = performance.now(); p.nsent += 1; return send(d); };
    return ws;
  }
  Probed.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Probed[k] = Native[k];
  window.WebSocket = Probed;
  window.addEventListener('keydown', (e) => { p.key = e.timeStamp; }, true);
  const hook = () => {
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
      if (!gd.__probed && gd.on) {
        gd.__probed = true;
        gd.on('plotly_afterplot', () => {
          p.last = p.chart = performance.now(); p.afterplots += 1;
        });
      }
    }
  };
  // script runs are counted from the records' old values, so a run that starts and ends
  // between two callbacks (a page with little to do) is still seen
  const watch = () => new MutationObserver((records) => {
    p.last = performance.now(); p.mutations += records.length; hook();
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (el && el.closest('.js-plotly-plot')) { p.chart = p.last; }  // a chart changed
      if (r.attributeName !== 'data-test-script-state') continue;
      if (r.oldValue === 'running') { p.finished += 1; } else { p.runs += 1; }
    }
    const app = document.querySelector('[data-testid="stApp"]');
    p.state = app ? app.getAttribute('data-test-script-state') : '';
  }).observe(document, {subtree: true, childList: true, attributes: true,
                        attributeOldValue: true, characterData: true});
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', watch);
  } else { watch(); }
})();
"""

CARDS_READY = ("() => { const v = [...document.querySelectorAll("
               "'[data-testid=\"stMetricValue\"]')]; return v.length === 5 && "
               "v.every(e => e.innerText.trim().length > 0); }")


#: Installed in a first-load context: the time of the server's last message so far.
LOAD_PROBE = """
(() => {
  const t = window.__load = {last: 0};
  const Native = window.WebSocket;
  function Probed(...args) {
    const ws = new Native(...args);
    ws.addEventListener('message', () => { t.last = performance.now(); });
    return ws;
  }
  Probed.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Probed[k] = Native[k];
  window.WebSocket = Probed;
})();
"""


def first_load(browser, url: str) -> tuple[float, float]:  # noqa: ANN001 - a Playwright Browser
    """Return seconds from ``goto`` to the five cards showing values, in a fresh context.

    Also returns the seconds from ``goto`` to the server's last message before the cards
    showed (the rest is the browser's: loading the frontend's code and drawing).
    """
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(LOAD_PROBE)
    try:
        page = context.new_page()
        t = time.perf_counter()
        page.goto(url)
        page.wait_for_function(CARDS_READY, timeout=120_000, polling=20)
        total = time.perf_counter() - t
        times = page.evaluate("({last: __load.last, now: performance.now()})")
        return total, max(0.0, total - (times["now"] - times["last"]) / 1000)
    finally:
        context.close()


def settle(page, quiet: float, timeout: float = 30.0) -> None:  # noqa: ANN001
    """Wait until no script runs and the page has not changed for ``quiet`` ms."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        idle = page.evaluate("__perf.state === 'running' ? 0 :"
                             " performance.now() - Math.max(__perf.last, __perf.recv)")
        if idle >= quiet:
            return
        page.wait_for_timeout(max(20.0, quiet - idle))
    raise TimeoutError("the page kept changing")


def move(page, slider, quiet: float, timeout: float = 30.0, *,  # noqa: ANN001
         pause: float = 0.0) -> dict[str, float]:
    """Press ArrowRight on ``slider``; return ms from the key press to the last change.

    The press comes ``pause`` ms after the page has settled (a reader's pause).
    """
    slider.focus()
    settle(page, quiet)
    if pause > 0:
        page.wait_for_timeout(pause)
    before = page.evaluate("({...__perf})")
    page.keyboard.press("ArrowRight")
    deadline = time.monotonic() + timeout
    while True:
        now = page.evaluate("({...__perf, now: performance.now()})")
        # a run so short that its start and end reach the page in one update shows no
        # 'running' state: a message from the server after the key then answers
        ran = now["finished"] > before["finished"] or now["nrecv"] > before["nrecv"]
        answered = ran and now["state"] == "notRunning"
        if answered and now["now"] - max(now["last"], now["recv"]) >= quiet:
            break
        if time.monotonic() > deadline:
            raise TimeoutError("no rerun after the key press")
        page.wait_for_timeout(25)
    return {"ms": max(now["last"], now["recv"]) - now["key"],
            "charts": now["chart"] - now["key"] if now["chart"] > now["key"] else math.nan,
            "early": float(now["key"] < now["chart"] < now["first"]),
            "server": now["recv"] - now["key"],
            "drawing": max(0.0, now["last"] - now["recv"]),
            "bytes": now["bytes"] - before["bytes"],
            "mutations": now["mutations"] - before["mutations"],
            "afterplots": now["afterplots"] - before["afterplots"],
            "runs": now["runs"] - before["runs"]}


def chromium_processes() -> list[psutil.Process]:
    """Return this process's Chromium descendants (one that exits while listed is skipped)."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" in child.name():
                found.append(child)
        except psutil.NoSuchProcess:  # a helper process that ended between the two calls
            continue
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """Return the user and system CPU seconds of these processes so far (gone ones: 0)."""
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def measure(moves: int, quiet: float, *, pause: float = 0.0, preload: bool = False,
            guess: bool = True, loads: bool = True) -> dict[str, object]:
    """Start the server, time the first loads and ``moves`` slider moves; stop it.

    ``guess``: the server guesses the next slider step and computes it while idle
    (``slack_sim.ui.speculate``; ``False`` serves with ``SLACK_SIM_SPECULATE=0``, so every
    move's value is computed when it arrives); the share of moves whose value was the
    one guessed is returned as ``hits`` (from the server's ``SLACK_SIM_SPECULATE_LOG``).
    ``loads``: time the first loads (else ``nan``).
    """
    from playwright.sync_api import sync_playwright

    port = free_port_between()
    log = ROOT / "test-artifacts" / "bench-browser-streamlit.log"
    log.parent.mkdir(exist_ok=True)
    guesses = log.parent / "bench-browser-guesses.log"
    guesses.write_text("")
    # results kept on disk (slack_sim.ui.disk_memo) in a folder of this server's own, so
    # that every move's value and the first loads are computed, not read from a file an
    # earlier run wrote (benchmarks/bench_first_load.py times a start that finds them)
    results = tempfile.mkdtemp(prefix="bench-browser-results-")
    env = {"SLACK_SIM_SPECULATE": "1" if guess else "0",
           "SLACK_SIM_SPECULATE_LOG": str(guesses), "SLACK_SIM_APP_DISK_DIR": results}
    if preload:
        env["SLACK_SIM_PRELOAD"] = "1"
    proc = start_server(port, log, env=env)
    url = f"http://127.0.0.1:{port}"
    nan = float("nan")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                cold, cold_server = first_load(browser, url) if loads else (nan, nan)
                warm, warm_server = first_load(browser, url) if loads else (nan, nan)
                context = browser.new_context(viewport=VIEWPORT)
                context.add_init_script(PROBE)
                page = context.new_page()
                page.goto(url)
                page.wait_for_function(CARDS_READY, timeout=120_000)
                # watch the charts, as a user moving a slider does: the first row of
                # charts in the window (charts out of view are drawn when scrolled to)
                page.locator(CHARTS).first.scroll_into_view_if_needed()
                page.wait_for_function(
                    "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4",
                    timeout=120_000)
                bands = page.evaluate(
                    "[...document.querySelectorAll('.js-plotly-plot')].reduce((n, gd) =>"
                    " n + (gd.data || []).filter(t => (t.name || '').includes('of futures'))"
                    ".length, 0)")
                if not bands:
                    raise RuntimeError("the uncertainty bands are not drawn (bands on?)")
                drawn = page.evaluate("document.querySelectorAll('.js-plotly-plot').length")
                slider = page.get_by_role("slider", name=SLIDER)
                settle(page, quiet)
                chromium = [c.pid for c in chromium_processes()]
                cpu0 = (_cpu_seconds([proc.pid]), _cpu_seconds(chromium))
                logged = len(guesses.read_text().split())
                rows = [move(page, slider, quiet, pause=pause) for _ in range(moves)]
                words = guesses.read_text().split()[logged:]
                cpu = (_cpu_seconds([proc.pid]) - cpu0[0], _cpu_seconds(chromium) - cpu0[1])
                value = slider.get_attribute("aria-valuetext")
                page.screenshot(path=str(log.parent / "bench-browser.png"))
            finally:
                browser.close()
    finally:
        stop_server(proc)
        shutil.rmtree(results, ignore_errors=True)
    return {"cold": cold, "warm": warm, "cold_server": cold_server, "warm_server": warm_server,
            "rows": rows, "bands": bands, "drawn": drawn, "value": value,
            "hits": words.count("hit") / max(1, len(words)),
            "cpu_server": cpu[0] / moves * 1e3, "cpu_chromium": cpu[1] / moves * 1e3}


def _quantiles(values: list[float]) -> str:
    """Return ``"median (p90) ms"`` of ``values``, or a dash when there are too few."""
    if len(values) < 2:
        return "-"
    return (f"{statistics.median(values):.0f} ms "
            f"({statistics.quantiles(values, n=10)[-1]:.0f} ms)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=30)
    parser.add_argument("--pause", type=float, default=0.0,
                        help="ms from the page settling to the next press (a reader's pause)")
    parser.add_argument("--quiet", type=float, default=300.0,
                        help="ms without change that ends a move (not counted)")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--preload", action="store_true",
                        help="serve the app with SLACK_SIM_PRELOAD=1 (the chart code fetched "
                             "with the first message: slack_sim.ui.preload), to compare")
    parser.add_argument("--mode", choices=["both", "guessed", "unforeseen"], default="both",
                        help="guessed: the server computes the next step while idle (the "
                             "app's default); unforeseen: guessing off, every move's value "
                             "computed when it arrives; both (default): one after the other")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    modes = ["guessed", "unforeseen"] if args.mode == "both" else [args.mode]
    runs = {m: measure(args.moves, args.quiet, pause=args.pause, preload=args.preload,
                       guess=m == "guessed", loads=i == 0) for i, m in enumerate(modes)}
    r = runs[modes[0]]
    info = machine()

    def verdict(value: float, target: float) -> str:
        return "met" if value <= target else "MISSED"

    titles = {"guessed": "slider step (the next step guessed and computed while idle: "
                         "the app's default)",
              "unforeseen": "slider move to a value not computed before (guessing off)"}
    rows_md = []
    for mode, run in runs.items():
        ms = [row["ms"] for row in run["rows"]]
        median, p90 = statistics.median(ms), statistics.quantiles(ms, n=10)[-1]
        server = statistics.median(row["server"] for row in run["rows"])
        drawing = statistics.median(row["drawing"] for row in run["rows"])
        kib = statistics.median(row["bytes"] for row in run["rows"]) / 1024
        muts = statistics.median(row["mutations"] for row in run["rows"])
        plots = statistics.median(row["afterplots"] for row in run["rows"])
        title = titles[mode]
        drawn_ms = [row["charts"] for row in run["rows"] if not math.isnan(row["charts"])]
        early = statistics.mean(row["early"] for row in run["rows"])
        rows_md += [
            f"| {title}: median | {median:.0f} ms | "
            f"{TARGETS['median']:g} ms ({verdict(median, TARGETS['median'])}) |",
            f"| {title}: p90 | {p90:.0f} ms | "
            f"{TARGETS['p90']:g} ms ({verdict(p90, TARGETS['p90'])}) |",
            f"| {title}: min - max | {min(ms):.0f} - {max(ms):.0f} ms | |",
            f"| key press to the charts' last change, median (p90) | "
            f"{_quantiles(drawn_ms)} | |",
            f"| moves whose charts changed before the server's first answer | {early:.0%} | |",
            f"| of which: key press to the server's last message, median | {server:.0f} ms | |",
            f"| of which: drawing after the last message, median | {drawing:.0f} ms | |",
            f"| websocket bytes from the server per move, median | {kib:,.0f} KiB | |",
            f"| DOM mutation records per move, median (plotly afterplots) | {muts:,.0f} "
            f"({plots:.0f}) | |",
            f"| CPU per move: the app server / Chromium (all its processes), mean | "
            f"{run['cpu_server']:.0f} ms / {run['cpu_chromium']:.0f} ms | |",
        ]
        if mode == "guessed":
            rows_md.append(f"| moves whose value was the one guessed | {run['hits']:.0%} | |")

    lines = [
        "## In the browser: `python benchmarks/bench_browser.py`",
        "",
        f"Measured {info['date']} on model `{info['model']}`; machine: {info['machine']} "
        f"(load average {load:.2f} at the start, shared with other sessions). Chromium "
        f"(`{CHROMIUM}`, headless) via Playwright at {VIEWPORT['width']}x"
        f"{VIEWPORT['height']}, uncertainty bands on ({r['bands']} band traces on the "
        f"{r['drawn']} charts in the window, scrolled to the first row of charts; the "
        "page's other charts are drawn when scrolled to); "
        f"{args.moves} presses of ArrowRight on *{SLIDER}* (to {r['value']}) in each mode, "
        "each from the key press to the last change of the page (DOM mutation, plotly "
        f"afterplot or websocket message), done after {args.quiet:g} ms without change "
        f"(not counted), the next press {args.pause:g} ms after that. "
        "Modes, each on its own server: *guessed*, the app as served (after "
        "a move the server computes the slider's next step in the same direction while "
        "the user reads the page, `slack_sim.ui.speculate`); *unforeseen*, with "
        "`SLACK_SIM_SPECULATE=0`, so every move's value is computed when it arrives (a "
        "jump, a drag, or a press faster than the guess).",
        "",
        "| figure | value | target |",
        "|---|---:|---:|",
        *rows_md,
        f"| first load to the headline cards, first visitor after a server start | "
        f"{r['cold']:.2f} s | {TARGETS['first load cold']:g} s "
        f"({verdict(r['cold'], TARGETS['first load cold'])}) |",
        f"| first load to the headline cards, a second visitor | {r['warm']:.2f} s | "
        f"{TARGETS['first load warm']:g} s "
        f"({verdict(r['warm'], TARGETS['first load warm'])}) |",
        f"| of which: to the server's last message before the cards (first, second "
        f"visitor) | {r['cold_server']:.2f} s, {r['warm_server']:.2f} s | |",
    ]
    if args.preload:
        lines.insert(3, "Served with `SLACK_SIM_PRELOAD=1` (`--preload`): the chart code "
                        "is fetched with the page's first message.")
    print("\n".join(lines))
    for mode, run in runs.items():
        print(f"\nper move, ms ({mode}):", " ".join(f"{row['ms']:.0f}" for row in run["rows"]))
        print(f"charts per move, ms ({mode}):",
              " ".join(f"{row['charts']:.0f}" for row in run["rows"]))
    if args.write_docs:
        write_section(DOC, "bench_browser", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
