"""The first session's warm-up (:mod:`slack_sim.ui.warmup`): the page's own work, started early.

Each case runs the app with Streamlit's AppTest in a fresh process (the warm-up and the
shared cache are once per process) and records every computation the shared cache makes
(a miss: the key and the thread that computed it).
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("streamlit")

APP = str(Path(__file__).resolve().parents[2] / "app.py")

SCRIPT = textwrap.dedent("""
    import json, sys, threading
    from streamlit.testing.v1 import AppTest
    from slack_sim.ui import memo, warmup

    computed = []
    original = memo.ByteBudgetCache.get_or_compute

    def logged(self, key, compute):
        def run():
            computed.append([repr(key), threading.current_thread().name])
            return compute()
        return original(self, key, run)

    memo.ByteBudgetCache.get_or_compute = logged
    started = []
    warm = warmup.warm_first_page

    def counted(model):
        jobs = warm(model)
        started.append(len(jobs))
        return jobs

    warmup.warm_first_page = counted
    out = {}
    for visit in ("first", "second"):
        computed.clear()
        at = AppTest.from_file(sys.argv[1], default_timeout=300).run()
        metrics = [m.value for m in at.metric]
        out[visit] = {"computed": list(computed), "started": started[-1],
                      "exception": bool(at.exception), "metrics": metrics}
    print(json.dumps(out))
""")


def _visits(warm: bool) -> dict:
    env = {**os.environ, "SLACK_SIM_WARMUP": "1" if warm else "0"}
    out = subprocess.run([sys.executable, "-c", SCRIPT, APP], capture_output=True, text=True,
                         env=env, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def visits() -> dict:
    return {"on": _visits(True), "off": _visits(False)}


def _keys(visit: dict) -> list[str]:
    return sorted(key for key, _ in visit["computed"])


def test_the_warm_up_computes_what_the_page_asks_for_and_nothing_twice(visits):
    on, off = visits["on"]["first"], visits["off"]["first"]
    assert not on["exception"] and not off["exception"]
    assert on["started"] > 0 and off["started"] == 0
    # the same computations with the warm-up as without it: its keys are the page's own
    assert _keys(on) == _keys(off)
    assert len(set(_keys(on))) == len(_keys(on))  # no key computed twice
    # the page's outcomes and ensembles ran on the warm-up's and prefetch threads
    early = {key for key, thread in on["computed"]
             if thread.startswith(("slack-sim-warmup", "slack-sim-prefetch"))}
    for name in ("scenario_summary", "ensemble_summary", "appraisal_run"):
        assert any(name in key for key in early), name
    assert not any("scenario_summary" in key for key, thread in off["computed"]
                   if thread.startswith("slack-sim-warmup"))
    # and the cards are the same
    assert on["metrics"] == off["metrics"]


def test_only_the_first_session_of_a_process_is_warmed(visits):
    second = visits["on"]["second"]
    assert second["started"] == 0
    assert not second["exception"]
    # everything the second visitor's page needs was computed for the first one
    assert not [key for key, _ in second["computed"] if "summary" in key]
    assert second["metrics"] == visits["on"]["first"]["metrics"]
