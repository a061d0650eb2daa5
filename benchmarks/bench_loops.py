"""Time loop dominance (Loops that Matter) and the teaching diagrams' redraw.

Usage::

    python benchmarks/bench_loops.py            # 5 repeats of each step
    python benchmarks/bench_loops.py --repeats 20

Prints the median time of each step for the default scenario on slack.mdl: the run of
every variable at every time step (the compiled engine, once compiled), the loop scores,
the link polarities (levers included), and the layout and SVG of the whole-model view and
of every named loop's view. The Model page caches the first three per scenario; a redraw
after choosing another view or variable is the last two (target: under 1 s).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from slack_sim.analysis import loops as ltm
from slack_sim.model.parse import load_model
from slack_sim.ui import diagram


def timed(label: str, fn: Callable[[], object], repeats: int) -> object:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    print(f"{label:<46} median {statistics.median(times) * 1000:8.1f} ms  "
          f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}, n={repeats})")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    model = load_model()
    ltm.loop_run()  # compile (once per model version and machine) and warm up
    run = timed("run: every variable at every step", ltm.loop_run, repeats)
    analysis = timed("loop scores (link, loop, relative)",
                     lambda: ltm.analyse_loops(run=run), repeats)
    signs = timed("link polarities, levers included",
                  lambda: ltm.link_polarities(model, run, extra=diagram.lever_links(model)),
                  repeats)
    timed("whole-model view: layout + SVG",
          lambda: diagram.to_svg(diagram.overview_layout(model, analysis.loops, signs)),
          repeats)
    named = [lp for lp in analysis.loops if lp.named]
    timed(f"all {len(named)} loop views: layout + SVG",
          lambda: [diagram.to_svg(diagram.loop_layout(model, lp, signs)) for lp in named],
          repeats)
    shares = analysis.shares("Crisis queue")
    timed("dominance bands + figure (Crisis queue)",
          lambda: diagram.dominance_figure(
              run["Crisis queue"], diagram.dominance_bands(shares, list(model.loops)),
              labels={k: analysis.label(k) for k in model.loops}, title="Crisis queue"),
          repeats)
    for v in ("Crisis queue", "Children looked after", "Workforce"):
        print(analysis.sentence(v, named_only=True))


if __name__ == "__main__":
    main()
