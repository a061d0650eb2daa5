"""What a slider move costs any page that Streamlit redraws from a rerun (issue 16).

``bench_browser.py`` times the Scenario page. This script times minimal pages, each served
by ``streamlit run`` on 127.0.0.1 with the project's ``.streamlit/config.toml`` and driven
the same way (Debian's Chromium, 1440x900, presses of ArrowRight on a slider, from the key
press to the last change of the page: ``bench_browser.move``), so that the figures say how
much of a move no change to the Scenario page can remove:

- ``slider``: a slider and one line of text showing its value (Streamlit's own floor: the
  websocket round trip, the script run, React's update);
- ``cards``: the slider and five ``st.metric`` cards whose values follow it;
- ``cards + N charts``: the cards and ``N`` of the Scenario page's own charts, two a row
  as on that page, drawn with its component (``slack_sim.ui.live_chart``) from the figures
  it sends for two neighbouring *Slack target* values (bands on, computed once before the
  servers start), alternating move by move, so that every move redraws every chart.

Nothing is computed on a move (the figures are read from a file when the app starts): what
is left is the framework's and the browser's part of a move.

Usage::

    python benchmarks/bench_floor.py [--moves 20] [--quiet 300] [--charts 0,2,4] [--write-docs]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from appserver import free_port_between, start_server, stop_server  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from bench_browser import (  # noqa: E402
    ARGS,
    CHROMIUM,
    PROBE,
    ROOT,
    TARGETS,
    VIEWPORT,
    _cpu_seconds,
    chromium_processes,
    move,
    settle,
)
from bench_engine import DOC, machine, write_section  # noqa: E402

#: The minimal app (written to a temporary folder): the variant and the figures come from
#: ``floor.json`` beside it.
APP = '''
import json
from pathlib import Path

import streamlit as st

from slack_sim.ui.live_chart import live_chart

spec = json.loads((Path(__file__).parent / "floor.json").read_text())
value = st.slider("Value", 0, 1000, 500)
st.write(f"The value is {value}.")
if spec["cards"]:
    for i, col in enumerate(st.columns(5)):
        col.metric(f"Card {i + 1}", f"{value * (i + 1):,}", f"{value - 500:+,}")
figures = spec["figures"][value % 2]
for i in range(0, spec["charts"], 2):
    for k, col in enumerate(st.columns(2)):
        if i + k < spec["charts"]:
            live_chart(col, figures[i + k], key=f"chart{i + k}", config={"displaylogo": False})
'''


def page_figures() -> list[list[dict]]:
    """Return the Scenario page's six figures for two neighbouring *Slack target* values."""
    import slack_sim as ss
    from slack_sim.analysis.ensemble import DEFAULT_GROUPS
    from slack_sim.ui import cache, risk

    out = []
    base = ss.preset()
    baseline = ss.preset("baseline", profile=base.profile)
    for value in (0.11, 0.12):
        key = cache.scenario_key(base.with_values({"Slack target": value}))
        out.append(cache.chart_figures(key, cache.scenario_key(baseline), "baseline",
                                       risk.BANDS.members, ",".join(DEFAULT_GROUPS)))
    return out


def measure(folder: Path, moves: int, quiet: float) -> dict[str, float]:
    """Serve ``folder``'s app, press ArrowRight ``moves`` times; return the medians."""
    from playwright.sync_api import sync_playwright

    port = free_port_between()
    log = ROOT / "test-artifacts" / "bench-floor-streamlit.log"
    log.parent.mkdir(exist_ok=True)
    proc = start_server(port, log, root=folder)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_context(viewport=VIEWPORT).new_page()
                page.add_init_script(PROBE)
                page.goto(f"http://127.0.0.1:{port}")
                slider = page.get_by_role("slider", name="Value")
                slider.wait_for(timeout=60_000)
                spec = json.loads((folder / "floor.json").read_text())
                if spec["charts"]:
                    page.wait_for_function(
                        "n => document.querySelectorAll('.js-plotly-plot .main-svg').length"
                        " >= n", arg=min(spec["charts"], 4), timeout=120_000)
                settle(page, quiet)
                move(page, slider, quiet)  # one move unmeasured: lazy code loaded
                drawn = page.evaluate("document.querySelectorAll('.js-plotly-plot').length")
                pids = [c.pid for c in chromium_processes()]
                cpu0 = (_cpu_seconds([proc.pid]), _cpu_seconds(pids))
                rows = [move(page, slider, quiet) for _ in range(moves)]
                cpu = (_cpu_seconds([proc.pid]) - cpu0[0], _cpu_seconds(pids) - cpu0[1])
            finally:
                browser.close()
    finally:
        stop_server(proc)
    ms = [r["ms"] for r in rows]
    return {"median": statistics.median(ms), "p90": statistics.quantiles(ms, n=10)[-1],
            "server": statistics.median(r["server"] for r in rows),
            "drawing": statistics.median(r["drawing"] for r in rows),
            "kib": statistics.median(r["bytes"] for r in rows) / 1024,
            "drawn": drawn, "cpu_server": cpu[0] / moves * 1e3,
            "cpu_chromium": cpu[1] / moves * 1e3}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--quiet", type=float, default=300.0,
                        help="ms without change that ends a move (not counted)")
    parser.add_argument("--charts", default="0,2,4",
                        help="comma-separated numbers of charts with the cards (0: cards only)")
    parser.add_argument("--write-docs", action="store_true",
                        help="rewrite this script's section of docs/performance.md")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.charts.split(",") if c.strip()]
    if any(c < 0 or c > 6 for c in counts):
        parser.error(f"--charts: {args.charts!r}; each number must be 0 to 6 (the page's six)")
    figures = page_figures() if any(counts) else [[], []]
    load = os.getloadavg()[0]
    variants = [("a slider and one line of text", False, 0)]
    variants += [("the slider and five cards" + (f" and {c} of the Scenario page's charts"
                                                   if c else ""), True, c) for c in counts]
    rows = []
    with tempfile.TemporaryDirectory(prefix="slack-floor-") as tmp:
        folder = Path(tmp)
        (folder / "app.py").write_text(APP)
        shutil.copytree(ROOT / ".streamlit", folder / ".streamlit")
        for title, cards, charts in variants:
            (folder / "floor.json").write_text(json.dumps(
                {"cards": cards, "charts": charts,
                 "figures": [f[:charts] for f in figures] if charts else [[], []]}))
            rows.append((title, measure(folder, args.moves, args.quiet)))
    info = machine()
    lines = [
        "## What any Streamlit page's slider move costs: `python benchmarks/bench_floor.py`",
        "",
        f"Measured {info['date']} (model `{info['model']}` for the charts' figures); "
        f"machine: {info['machine']} (load average {load:.2f} at the start). Chromium "
        f"headless at {VIEWPORT['width']}x{VIEWPORT['height']}, {args.moves} presses of "
        "ArrowRight a page (after one unmeasured), each from the key press to the last "
        "change of the page, as `bench_browser.py`; nothing is computed on a move.",
        "",
        "| page | median ms | p90 ms | key to server's last message, median | drawing "
        "after it, median | KiB a move | CPU a move: server / Chromium ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for title, r in rows:
        lines.append(f"| {title} | {r['median']:.0f} | {r['p90']:.0f} | {r['server']:.0f} | "
                     f"{r['drawing']:.0f} | {r['kib']:,.0f} | {r['cpu_server']:.0f} / "
                     f"{r['cpu_chromium']:.0f} |")
    lines += ["", f"Target for the Scenario page (issue 16): median {TARGETS['median']:g} ms, "
                  f"p90 {TARGETS['p90']:g} ms."]
    print("\n".join(lines))
    if args.write_docs:
        write_section(DOC, "bench_floor", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
