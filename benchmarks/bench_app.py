"""Time the app's rerun after a slider change, server side, with Streamlit's AppTest.

Usage::

    python benchmarks/bench_app.py               # 40 slider moves per slider, 3 sliders,
                                                 # uncertainty bands on (the app's default)
    python benchmarks/bench_app.py --quick       # 10 moves per slider (CI)
    python benchmarks/bench_app.py --bands off   # the main view without the bands
    python benchmarks/bench_app.py --members 1000
    python benchmarks/bench_app.py --quick --profile   # also: where a rerun's time goes

Each move sets a value not seen before, so every rerun runs the model afresh (the cached
baseline is reused, as in the app): the number is the full redraw of the main view --
widgets, two simulations' worth of outcomes, five cards and six charts and, with the bands
on, the scenario's ensemble (500 futures by default: runs, percentile bands of the charted
variables, headline outcomes of every future and the cards' probability statements; the
baseline's runs under the same draws are cached, as in the app). AppTest runs the script
in-process without a browser, so this is the server-side time the targets refer to (150 ms
without the bands, 300 ms with them); the browser's drawing comes on top.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import time
from pathlib import Path

import streamlit.runtime.scriptrunner.script_runner as script_runner
from streamlit.testing.v1 import AppTest

# AppTest keeps only the last run's elements: a slider move that reran the Scenario page's
# fragment alone (the app's default, ui.sidebar.lever_moved) would leave no sidebar to move
# next. Every move is a whole run here, as in the test suite (tests/conftest.py).
os.environ.setdefault("SLACK_SIM_PAGE_FRAGMENT", "0")
# Each move is a value not computed before: no guessed next step (ui.speculate) computing
# on a thread beside the timed run (the browser benchmark times the guessed steps).
os.environ.setdefault("SLACK_SIM_SPECULATE", "0")
# Nothing read back from an earlier run's results on disk (ui.disk_memo).
os.environ.setdefault("SLACK_SIM_APP_DISK_MB", "0")

#: Wall time of each execution of the app script itself (the server's work), in ms.
SCRIPT_MS: list[float] = []
#: The profiler of the script runs while ``--profile`` measures (``None``: not profiling).
PROFILE: dict[str, cProfile.Profile | None] = {"on": None}
_exec = script_runner.exec_func_with_error_handling


def _timed_exec(func, ctx):  # noqa: ANN001, ANN202 - same signature as Streamlit's
    t = time.perf_counter()
    prof = PROFILE["on"]
    if prof is not None:
        prof.enable()
    try:
        return _exec(func, ctx)
    finally:
        if prof is not None:
            prof.disable()
        SCRIPT_MS.append((time.perf_counter() - t) * 1000)


#: The parts of a rerun reported by ``--profile``: label -> (file's ending, function).
PARTS = {
    "sidebar (widgets)": ("ui/sidebar.py", "sidebar"),
    "URL sync": ("ui/state.py", "sync_query_params"),
    "Scenario page": ("pages/scenario.py", "scenario_page"),
    "  ensembles (bands, cards' central estimates)": ("ui/cache.py", "ensemble_summary"),
    "  appraisal runs (finance cards)": ("ui/cache.py", "appraisal_run"),
    "  single runs and outcomes": ("ui/cache.py", "scenario_summary"),
    "  figures built (the six charts' dicts)": ("ui/cache.py", "chart_figures"),
    "  figures sent (the live charts)": ("ui/live_chart.py", "live_chart"),
    "  appraisal panel (fragment)": ("pages/appraisal.py", "appraisal_panel"),
    "engine's batches (the kernel, or the wait for its threads)": ("engine/compiled.py",
                                                                   "_run_blocks"),
    "percentile bands (sort)": ("analysis/ensemble.py", "_percentiles_over_members"),
    "no-shock counterfactual runs": ("analysis/batch.py", "no_shock_queue"),
    "cached results copied out (unpickle)": ("~", "<built-in method _pickle.loads>"),
}


def report_profile(prof: cProfile.Profile, reruns: int) -> None:
    """Print the cumulative time per rerun of each of :data:`PARTS` (the script thread)."""
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    print(f"\nwhere a rerun's time goes (cProfile of the script thread over {reruns} "
          "reruns, the page's prefetch threads off so that every computation is in it; "
          "the engine's kernel too with SLACK_SIM_THREADS=1):")
    print("| part (mean) | ms per rerun |\n|---|---:|")
    mean = statistics.fmean(SCRIPT_MS[-reruns:])
    print(f"| the app script (wall, profiled) | {mean:.0f} |")
    for label, name in PARTS.items():  # cumulative: a part includes the parts under it
        total = sum(v[3] for (file, _, func), v in stats.items()
                    if file.endswith(name[0]) and func == name[1])
        print(f"| {label} | {1000 * total / reruns:.0f} |")


script_runner.exec_func_with_error_handling = _timed_exec

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SLIDERS = ("Slack target", "Austerity depth", "Prevention investment")
#: Server-side targets per slider move, ms: without and with the uncertainty bands.
TARGET_MS = {"off": 150.0, "on": 300.0}


def main() -> None:
    from slack_sim.ui.risk import BANDS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 moves per slider")
    parser.add_argument("--bands", choices=("on", "off"), default="on" if BANDS.on else "off",
                        help="uncertainty bands and probabilities on the Scenario page "
                             "(default: the app's default)")
    parser.add_argument("--members", type=int, choices=BANDS.choices, default=BANDS.members,
                        help="futures drawn for the bands (default: the app's default)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile the reruns of new settings and print where their "
                             "time goes (slower; run with SLACK_SIM_THREADS=1 to count the "
                             "engine's kernel in the script's thread)")
    args = parser.parse_args()
    moves = 10 if args.quick else 40
    target = TARGET_MS[args.bands]

    at = AppTest.from_file(APP, default_timeout=300)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    assert not at.exception, at.exception
    at.toggle(key="bands_on").set_value(args.bands == "on")
    at.selectbox(key="bands_n").set_value(args.members).run()
    assert not at.exception, at.exception
    # the Scenario page's charts are ui.live_chart components: the figure is in their data
    bands = sum("of futures" in t.get("name", "") for e in at.get("bidi_component")
                for t in (json.loads(e.proto.json).get("figure") or {}).get("data", []))
    assert (bands > 0) == (args.bands == "on"), "the bands are not drawn as asked"
    # warm up: a few reruns so that imports and first-call costs are out of the way
    for value in (0.16, 0.17):
        at.slider(key="var:Slack target").set_value(value).run()

    rows = []
    cpu: list[float] = []
    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:  # every computation in the profiled thread: no prefetch
        from slack_sim.ui.pages import scenario as page

        page.prefetch = lambda *a, **k: []
    for name in SLIDERS:
        s = at.slider(key=f"var:{name}")
        lo, hi, step = s.min, s.max, s.step
        original = s.value
        values = [lo + step * k for k in range(int(round((hi - lo) / step)) + 1)]
        values = [v for v in values if abs(v - original) > step / 2][:moves]
        times, script = [], []
        for v in values:
            at.slider(key=f"var:{name}").set_value(round(v, 10))
            t, c = time.perf_counter(), time.process_time()
            PROFILE["on"] = profiler
            at.run()
            PROFILE["on"] = None
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            script.append(SCRIPT_MS[-1])
            assert not at.exception, at.exception
        at.slider(key=f"var:{name}").set_value(original).run()
        rows.append((name, times, script))

    # an already-seen setting (every run served from the cache)
    at.slider(key="var:Slack target").set_value(0.2).run()
    cached = []
    for v in (0.15, 0.2) * 5:
        at.slider(key="var:Slack target").set_value(v)
        t = time.perf_counter()
        at.run()
        cached.append((time.perf_counter() - t) * 1000)

    print(f"uncertainty bands {args.bands}"
          + (f" ({args.members} futures, {bands} band traces on the page)"
             if args.bands == "on" else ""))
    print(f"first run of a new session (model parse, engine load): {first:.2f} s")
    print()
    print("| slider moved | reruns | AppTest rerun: median ms | p90 ms | max ms | "
          "app script alone: median ms | p90 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    every, every_script = [], []
    for name, times, script in rows:
        every += times
        every_script += script
        q = statistics.quantiles(times, n=10)
        qs = statistics.quantiles(script, n=10)
        print(f"| {name} | {len(times)} | {statistics.median(times):.0f} | {q[-1]:.0f} | "
              f"{max(times):.0f} | {statistics.median(script):.0f} | {qs[-1]:.0f} |")
    q = statistics.quantiles(every, n=10)
    qs = statistics.quantiles(every_script, n=10)
    print(f"| **all new settings** | {len(every)} | {statistics.median(every):.0f} | "
          f"{q[-1]:.0f} | {max(every):.0f} | {statistics.median(every_script):.0f} | "
          f"{qs[-1]:.0f} |")
    print(f"| setting seen before (cached) | {len(cached)} | {statistics.median(cached):.0f} "
          f"| {statistics.quantiles(cached, n=10)[-1]:.0f} | {max(cached):.0f} | | |")
    print(f"| CPU time of the process per new-setting rerun (all threads) | {len(cpu)} | "
          f"{statistics.median(cpu):.0f} | {statistics.quantiles(cpu, n=10)[-1]:.0f} | "
          f"{max(cpu):.0f} | | |")
    print(f"\nload average while measuring: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")
    median, p90 = statistics.median(every), statistics.quantiles(every, n=10)[-1]
    for label, value in (("median", median), ("p90", p90)):
        verdict = "met" if value <= target else "MISSED"
        print(f"target (bands {args.bands}): {label} slider change at most {target:.0f} ms "
              f"server side: {value:.0f} ms, {verdict}")
    if profiler is not None:
        report_profile(profiler, len(every))


if __name__ == "__main__":
    main()
