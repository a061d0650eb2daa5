"""Time the machine's part of preparing a teaching session (the guide's preparation figures).

    python benchmarks/bench_teach.py              # the Teach page's work per step, cold
    python benchmarks/bench_teach.py --browser    # first load and each plan's rehearsal walk
    python benchmarks/bench_teach.py --install    # also install from the README (network)

Without options: in this process, each step's runs and verdict, its check across 500
futures and, for the round-number council's steps, the second check on England, one line
per step and the total. The engine's compiled code is cached on disk
(``SLACK_SIM_CACHE``); the first run on a machine also compiles it, reported separately.

``--browser``: the facilitator's day-before walk, timed in Chromium (``/usr/bin/chromium``,
1280x720): ``streamlit run app.py`` on a fresh server with an empty engine cache (a new
machine: the engine compiles on the first page), the first load of the Scenario page
(until its headline cards are drawn) and of the Teach page, then each plan's steps
walked as a rehearsal does it (open the step's link in presenter mode, pick an answer,
Run, until the verdict and the chart are on screen), each plan on its own fresh server
that keeps the engine cache of the first load (the facilitator's machine after the
install and the first start).

``--install``: the README's install command, ``python3 -m venv .venv && pip install -e
".[app]"``, in a temporary folder with pip's cache off (what a new machine downloads).

Figures are wall-clock seconds on this machine; print them, do not test them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu"]
#: The steps each plan runs (docs/facilitator-guide.md: the 60-minute plan passes over
#: steps 3 and 7 with Next).
PLANS = {"60-minute": (1, 2, 4, 5, 6, 8), "90-minute": (1, 2, 3, 4, 5, 6, 7, 8)}


def in_process() -> None:
    """Print each step's compute time: runs and verdict, 500 futures, England's check."""
    from slack_sim.engine.run import simulate
    from slack_sim.scenarios import preset
    from slack_sim.teach import storyline

    start = time.perf_counter()
    simulate(preset("baseline"))
    print(f"engine ready (compile or load): {time.perf_counter() - start:.1f} s")
    total = 0.0
    for number, item in enumerate(storyline.STORYLINE, 1):
        t0 = time.perf_counter()
        storyline.run_step(item)
        t1 = time.perf_counter()
        held = storyline.step_robustness(item.key)
        t2 = time.perf_counter()
        england = storyline.england_robustness(item.key)
        t3 = time.perf_counter()
        total += t3 - t0
        extra = (f"; on England {t3 - t2:.2f} s ({england.text()})" if england else "")
        print(f"step {number} {item.key}: runs and verdict {t1 - t0:.2f} s, "
              f"{held.n} futures {t2 - t1:.2f} s ({held.text()}){extra}")
    print(f"all eight steps, cold: {total:.1f} s")


def _server(cache: str, log: Path):
    from appserver import free_port_between, start_server

    port = free_port_between()
    proc = start_server(port, log, env={"SLACK_SIM_CACHE": cache}, timeout=180)
    return proc, f"http://127.0.0.1:{port}"


def _walk_step(browser, url: str, number: int) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(f"{url}/?page=teach&step={number}&present=1")
        page.locator('[data-testid="stRadio"] [role="radiogroup"] label').first.click(
            timeout=300_000)
        page.locator(".st-key-teach-run button:not([disabled])").first.click(timeout=60_000)
        page.locator(".st-key-teach-chart .js-plotly-plot").first.wait_for(timeout=300_000)
        page.locator(".st-key-teach-verdict").first.wait_for(timeout=60_000)
        return time.perf_counter() - t0
    finally:
        context.close()


def browser_walk() -> None:
    """Print the first loads and each plan's rehearsal walk, on fresh servers."""
    from appserver import ARTIFACTS, stop_server
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p, tempfile.TemporaryDirectory() as cache:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            t0 = time.perf_counter()
            proc, url = _server(cache, ARTIFACTS / "bench-teach-first.log")
            try:
                t1 = time.perf_counter()
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                page.goto(url)
                page.locator('[data-testid="stMetric"]').first.wait_for(timeout=600_000)
                t2 = time.perf_counter()
                page.goto(f"{url}/?page=teach&step=1")
                page.locator(".st-key-teach-question").first.wait_for(timeout=300_000)
                t3 = time.perf_counter()
                page.close()
            finally:
                stop_server(proc)
            print(f"server start: {t1 - t0:.1f} s; first load of the Scenario page (empty "
                  f"engine cache: compiles, 500 futures): {t2 - t1:.1f} s; Teach page: "
                  f"{t3 - t2:.1f} s")
            # each plan on a fresh server with the engine cache the first load left, as on
            # the facilitator's machine after the install and first start
            for plan, steps in PLANS.items():
                proc, url = _server(cache, ARTIFACTS / f"bench-teach-{plan}.log")
                try:
                    times = {n: _walk_step(browser, url, n) for n in steps}
                finally:
                    stop_server(proc)
                each = ", ".join(f"step {n} {t:.1f} s" for n, t in times.items())
                print(f"{plan} plan, rehearsal walk on a fresh server: "
                      f"{sum(times.values()):.1f} s ({each})", flush=True)
        finally:
            browser.close()


def install() -> None:
    """Print the time of the README's install command in a fresh venv (pip cache off)."""
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / ".venv"
        env = {**os.environ, "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-e", f"{ROOT}[app]"],
                       check=True, env=env)
        t1 = time.perf_counter()
        out = subprocess.run([str(venv / "bin" / "slack-sim"), "presets"], check=True,
                             capture_output=True, text=True, env={**env, "SLACK_SIM_CACHE":
                                                                  str(Path(tmp) / "cache")})
        t2 = time.perf_counter()
        print(f"install from the README (venv + pip install -e '.[app]', no pip cache): "
              f"{t1 - t0:.0f} s; first `slack-sim presets`: {t2 - t1:.1f} s "
              f"({len(out.stdout.splitlines())} lines)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true",
                        help="time the first load and each plan's walk in Chromium")
    parser.add_argument("--install", action="store_true",
                        help="time the README's install in a fresh venv (downloads)")
    args = parser.parse_args(argv)
    if args.install:
        install()
    if args.browser:
        browser_walk()
    if not (args.install or args.browser):
        in_process()


if __name__ == "__main__":
    main()
