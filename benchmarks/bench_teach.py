"""Time the Teach page's work per step, cold (a fresh server process): the runs, the verdict
and the check across 500 futures. Prints one line per step and the total.

    python benchmarks/bench_teach.py

The engine's compiled code is cached on disk (``SLACK_SIM_CACHE``); the first run on a
machine also compiles it (10 to 20 s), reported separately.
"""

import time

from slack_sim.engine.run import simulate
from slack_sim.scenarios import preset
from slack_sim.teach import storyline


def main() -> None:
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
        total += t2 - t0
        print(f"step {number} {item.key}: runs and verdict {t1 - t0:.2f} s, "
              f"{held.n} futures {t2 - t1:.2f} s ({held.text()})")
    print(f"all eight steps, cold: {total:.1f} s")


if __name__ == "__main__":
    main()
