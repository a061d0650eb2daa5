"""Interleaved A/B of the Scenario page's server-side computations after a slider move.

Usage::

    python benchmarks/ab_rerun.py --change reuse   # the appraisal taking the ensemble's runs
    python benchmarks/ab_rerun.py --change reuse --moves 30
    python benchmarks/ab_rerun.py --change version  # the URL sync's link encoding
    python benchmarks/ab_rerun.py --change all --moves 20  # restart + freeze, whole page

One process, the variants alternating move by move (each first in turn) on slider values
never seen before, so a busy machine slows both alike: compare the medians it prints, not
the absolute figures. Each move computes what a rerun of the Scenario page computes for a
new lever value with the bands on (the app's defaults): the scenario's ensemble view (500
futures, bands, outcomes; the baseline's runs under the same draws cached, as in the app)
and its appraisal against current policy (100 futures; the current-policy runs
remembered across moves, as in the app), one after the other on the calling thread.

``reuse``: A is the ensemble without the appraisal's outputs and an appraisal that runs
its own 101 policy members; B is this branch (the ensemble also runs the appraisal's
outputs and leaves them in ``analysis.appraise.POLICY_RUNS``; the appraisal runs member 0
alone; they are run and kept by ``analysis.ensemble.ensemble(keep=...)``, given no
bands). The appraisal totals of each move are compared across the variants: they must be
equal.

``version``: the link the URL sync encodes on every rerun (``ui.sharing.encode_query``):
A hashes the profile's values every time (``scenarios.profile_version``), B reads the
version kept until the profile's files change (``analysis.run_memo.current_profile_version``).

``restart``, ``freeze`` and ``all`` (issue 16: the server's CPU per slider move) time the
whole of the Scenario page's server work per move through the app's own cached functions
(``ui.cache``: the scenario's and the baseline's ensemble views, the single runs and their
outcomes, the appraisal, the cards, the 12 chart figures and their JSON), then the full
garbage collection Streamlit runs after every script run (``gc.collect(2)``, its
``runner.postScriptGC``), each as CPU time of the process (``time.process_time``: the
engine's threads included) and wall time. ``restart``: A runs the no-shock
counterfactuals of recovery from the initial time, B from the members' state at the
shock's start (``analysis.batch.RESTART``). ``freeze``: A as today, B with the heap frozen
(collected, then ``gc.freeze``, before each of its moves), so the collection walks only
what the move made; the app freezes once, after its first page
(``ui.memo.freeze_heap``), so in the server it also walks what later pages keep (15-25 ms
a run measured there, against 120-150 ms unfrozen). ``all``: A neither, B both. The
cards, the bands and the appraisal totals of each move are compared across the variants:
they must be equal.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from contextlib import contextmanager, nullcontext

import numpy as np

import slack_sim as ss
from slack_sim.analysis import appraise
from slack_sim.ui import charts, finance, risk


@contextmanager
def _before_reuse():
    """Today's main before the change: no outputs added, nothing left for the appraisal."""
    store = appraise.POLICY_RUNS
    outputs = risk.APPRAISAL_OUTPUTS
    risk.APPRAISAL_OUTPUTS = ()
    store.put = lambda *a, **k: None
    store.take = lambda *a, **k: None
    try:
        yield
    finally:
        risk.APPRAISAL_OUTPUTS = outputs
        del store.put, store.take


def _move(scenario: ss.Scenario, baseline: ss.Scenario, settings) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    risk.ensemble_view(scenario, baseline, n=risk.BANDS.members, seed=risk.BANDS.seed,
                       outputs=charts.band_outputs(), baseline_label="baseline")
    t1 = time.perf_counter()
    run = appraise.appraise_scenario(scenario, start=settings.start, years=settings.years,
                                     prices=settings.prices, rate=settings.rate,
                                     long_rate=settings.long_rate, futures=settings.futures)
    t2 = time.perf_counter()
    check = float(np.nansum(run.appraisal.totals.select_dtypes("number").to_numpy()))
    return (t1 - t0) * 1e3, (t2 - t1) * 1e3, check


def _version_ab(moves: int) -> None:
    from slack_sim.scenarios import profile_version
    from slack_sim.ui import sharing

    model = ss.load_model()
    base = ss.preset()
    kept = sharing.current_profile_version
    times: dict[str, list[float]] = {"A (before)": [], "B (this branch)": []}
    links: dict[str, list[dict]] = {k: [] for k in times}
    for i in range(moves):
        sc = base.with_values({"Slack target": 0.12 + i / (10 * moves)})
        for name in (list(times) if i % 2 == 0 else list(reversed(times))):
            sharing.current_profile_version = (
                kept if name.startswith("B") else (lambda p: profile_version(p, model=model)))
            t = time.perf_counter()
            links[name].append(sharing.encode_query(sc, preset_name="austerity-then-covid",
                                                    baseline="baseline", model=model))
            times[name].append((time.perf_counter() - t) * 1e3)
    sharing.current_profile_version = kept
    print(f"change version: {moves} links per variant, interleaved")
    for name, ms in times.items():
        print(f"  {name:16s} encode_query median {statistics.median(ms):5.2f} ms")
    print(f"  links equal: {links['A (before)'] == links['B (this branch)']}")


@contextmanager
def _no_restart():
    """The counterfactuals of recovery run from the initial time (before issue 16's change)."""
    from slack_sim.analysis import batch

    batch.RESTART = False
    try:
        yield
    finally:
        batch.RESTART = True


@contextmanager
def _frozen():
    """The heap frozen as the app freezes it after its first page (``memo.freeze_heap``)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _page(value: float, settings, model) -> tuple[dict[str, float], tuple]:
    """One slider move's server work on the Scenario page, through ``ui.cache``; times, checks."""
    import plotly.io as pio

    from slack_sim.analysis.ensemble import DEFAULT_GROUPS
    from slack_sim.ui import cache, headline

    times: dict[str, float] = {}
    c0, w0 = time.process_time(), time.perf_counter()
    scenario = ss.preset().with_values({"Slack target": value})
    base = ss.preset("baseline", profile=scenario.profile)
    key, base_key = cache.scenario_key(scenario), cache.scenario_key(base)
    groups = ",".join(DEFAULT_GROUPS)
    view = cache.ensemble_summary(key, "baseline", risk.BANDS.members, groups)
    base_view = cache.ensemble_summary(base_key, "baseline", risk.BANDS.members, groups)
    times["ensemble"] = time.process_time() - c0
    summary = cache.scenario_summary(key)
    run = cache.appraisal_run(key, settings.start, float(settings.years), settings.prices,
                              settings.rate, settings.long_rate, settings.futures)
    shown = headline.central_cards(summary, view.outcomes, baseline_futures=base_view.outcomes,
                                   source=view.source)
    finance.finance_view(run)
    frame, base_frame = cache.run_frame(key), cache.run_frame(base_key)
    chart_settings = scenario.settings(model=model)
    figures = [charts.scenario_figure(spec, frame, model=model, settings=chart_settings,
                                      baseline=base_frame, baseline_label="baseline",
                                      validate=False, bands=view.bands,
                                      outer=risk.BANDS.outer, inner=risk.BANDS.inner)
               for spec in charts.CHARTS]
    for fig in figures:
        pio.to_json(fig, validate=False)
    times["page"] = time.process_time() - c0
    del figures, frame, base_frame
    c1 = time.process_time()
    gc.collect(2)  # what Streamlit does after every script run (runner.postScriptGC)
    times["gc"] = time.process_time() - c1
    times["cpu"] = time.process_time() - c0
    times["wall"] = time.perf_counter() - w0
    check = (tuple((c.label, c.value, c.delta, c.range) for c in shown),
             float(np.nansum(view.bands.to_numpy())),
             float(np.nansum(view.outcomes.select_dtypes("number").to_numpy())),
             float(np.nansum(run.appraisal.totals.select_dtypes("number").to_numpy())))
    return times, check


def _page_ab(change: str, moves: int) -> None:
    import slack_sim.ui.pages.scenario  # noqa: F401 (the app's modules, as the server holds them)

    model = ss.load_model()
    settings = finance.default_settings()
    wraps = {"restart": (_no_restart, None), "freeze": (None, _frozen),
             "all": (_no_restart, _frozen)}[change]
    variants = {"A (before)": (wraps[0], None), "B (this branch)": (None, wraps[1])}
    for v in (0.1101, 0.1102):  # warm: the engine, the baseline's runs, lazy imports
        _page(v, settings, model)
    rows: dict[str, list[dict[str, float]]] = {k: [] for k in variants}
    checks: dict[str, list[tuple]] = {k: [] for k in variants}
    values = np.linspace(0.12, 0.30, moves)
    for i in range(moves):
        for name in list(variants)[i % 2:] + list(variants)[:i % 2]:  # each first in turn
            # the same new value for both: this scenario's results are dropped from the
            # app's cache in between (the baseline's stay, as in the app)
            from slack_sim.ui import cache, memo
            key = cache.scenario_key(ss.preset().with_values(
                {"Slack target": round(float(values[i]), 6)}))
            memo.shared().discard(lambda k, key=key: key in k[1])
            off, on = variants[name]
            with (off or nullcontext)(), (on or nullcontext)():
                times, check = _page(round(float(values[i]), 6), settings, model)
            rows[name].append(times)
            checks[name].append(check)
    print(f"change {change}: {moves} moves per variant, interleaved, CPU ms of the process "
          f"per move (engine threads included; SLACK_SIM_THREADS="
          f"{__import__('os').environ.get('SLACK_SIM_THREADS', 'all')})")
    for name, got in rows.items():
        med = {k: statistics.median(r[k] for r in got) * 1e3 for k in got[0]}
        p90 = sorted(r["cpu"] for r in got)[int(0.9 * (len(got) - 1))] * 1e3
        print(f"  {name:16s} CPU {med['cpu']:6.1f} ms (p90 {p90:6.1f}): ensembles "
              f"{med['ensemble']:6.1f}, whole page {med['page']:6.1f}, gc.collect(2) "
              f"{med['gc']:6.1f}; wall {med['wall']:6.1f} ms")
    same = checks["A (before)"] == checks["B (this branch)"]
    print(f"  cards, bands, outcomes and appraisal totals equal move by move: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--change", choices=["reuse", "version", "restart", "freeze", "all"],
                        default="reuse")
    parser.add_argument("--moves", type=int, default=20, help="moves per variant")
    args = parser.parse_args()
    if args.change == "version":
        _version_ab(args.moves)
        return
    if args.change in ("restart", "freeze", "all"):
        _page_ab(args.change, args.moves)
        return
    base = ss.preset()
    baseline = ss.preset("baseline")
    settings = finance.default_settings()
    variants = {"A (before)": _before_reuse, "B (this branch)": None}
    _move(base.with_values({"Slack target": 0.111}), baseline, settings)  # warm
    with _before_reuse():
        _move(base.with_values({"Slack target": 0.112}), baseline, settings)
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    checks: dict[str, list[float]] = {k: [] for k in variants}
    values = np.linspace(0.12, 0.30, args.moves)
    for i in range(args.moves):
        order = list(variants)[i % 2:] + list(variants)[:i % 2]  # each first in turn
        for name in order:
            # both variants of a move run the same value (their checksums must be equal;
            # A neither leaves nor takes runs, so B's do not help it)
            sc = base.with_values({"Slack target": round(float(values[i]), 6)})
            wrap = variants[name]
            if wrap is None:
                ens_ms, app_ms, check = _move(sc, baseline, settings)
            else:
                with wrap():
                    ens_ms, app_ms, check = _move(sc, baseline, settings)
            times[name].append((ens_ms, app_ms))
            checks[name].append(check)
    print(f"change {args.change}: {args.moves} moves per variant, interleaved "
          f"(SLACK_SIM_THREADS={__import__('os').environ.get('SLACK_SIM_THREADS', 'all')})")
    for name, rows in times.items():
        ens = [r[0] for r in rows]
        app = [r[1] for r in rows]
        tot = [a + b for a, b in rows]
        print(f"  {name:16s} ensemble median {statistics.median(ens):6.1f} ms, appraisal "
              f"{statistics.median(app):6.1f} ms, both {statistics.median(tot):6.1f} ms "
              f"(p90 {sorted(tot)[int(0.9 * (len(tot) - 1))]:6.1f})")
    same = checks["A (before)"] == checks["B (this branch)"]
    print(f"  appraisal totals equal move by move (bit for bit): {same}")


if __name__ == "__main__":
    main()
