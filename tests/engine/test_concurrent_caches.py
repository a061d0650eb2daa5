"""The caches under concurrent first use: what running the suite on several cores relies on.

pytest-xdist workers (and Dask workers) that start on an empty cache folder parse the
model, generate and compile its kernel, and translate it for PySD at the same moment.
Each cache entry is written to a temporary file and renamed into place, so every process
must end with the right numbers and the folder with one whole entry of each kind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

from engine.test_engine import TINY

from slack_sim.model.parse import cache_key, model_version

#: Processes racing on one empty cache folder (the machine's cores, at least two).
RACERS = max(2, min(4, os.cpu_count() or 2))

_SCRIPT = textwrap.dedent("""
    import json, os, sys, time
    go = sys.argv[2]
    while not os.path.exists(go):  # start together
        time.sleep(0.005)
    from slack_sim.engine import compiled as engine
    from slack_sim.engine.pysd import translated
    from slack_sim.model import load_model
    model = load_model(sys.argv[1])
    kernel = engine.compile_model(model)
    sched = kernel.schedule()
    out = {b: float(kernel.run(kernel.defaults[None, :], ["Level"], sched=sched,
                               backend=b)[0, 0, -1]) for b in ("numba", "numpy")}
    out["translation"] = os.path.getsize(translated(model))
    print(json.dumps(out))
""")


def test_processes_filling_one_empty_cache_at_once_all_get_the_right_numbers(tmp_path):
    cache = tmp_path / "cache"
    mdl = tmp_path / "tiny.mdl"
    # a rate no other test uses: nothing of it is in any cache yet
    mdl.write_text(textwrap.dedent(TINY.format(rate="0.0390625", inflow="Level * Rate")),
                   encoding="utf-8")
    go = tmp_path / "go"
    env = {**os.environ, "SLACK_SIM_CACHE": str(cache)}
    procs = [subprocess.Popen([sys.executable, "-c", _SCRIPT, str(mdl), str(go)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(RACERS)]
    time.sleep(0.5)  # let them all reach the starting line
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    want = 10 * (1 + 0.0390625 * 0.25) ** 48
    for result in results:
        assert abs(result["numba"] - want) <= 1e-12 * want
        assert abs(result["numpy"] - want) <= 1e-12 * want
    assert len({r["translation"] for r in results}) == 1  # one whole translation
    # one whole entry of each kind for the tiny model, no temporary file left behind
    version = model_version(mdl.read_text(encoding="utf-8"))
    assert len(list(cache.glob(f"engine-{version}-*/slack_kernel.py"))) == 1
    assert len(list(cache.glob(f"pysd-{version}-*/slack.py"))) == 1
    assert (cache / f"model-{cache_key(mdl.read_bytes())}.json").is_file()
    leftovers = [p for p in cache.rglob("*") if p.suffix == ".tmp" or p.name.startswith(".model-")]
    assert not leftovers
