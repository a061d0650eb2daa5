"""Benchmark the compiled engine: one scenario, batches, outcomes-only runs (issues 3, 16).

Prints, measured in one run on this machine: PySD's seconds per run; ``simulate()`` of one
scenario with every variable (median of many); ``simulate_many`` for N = 100, 1,000 and
10,000 scenarios with 10 monthly outputs (wall time, every core, and the 10,000 batch on
one thread); its peak memory; and, in a child process of its own, 1,000,000 scenarios
run by ``simulate_outcomes`` keeping the headline outcomes only (wall time and the child's
peak resident memory). Each figure is printed with the model version and the date.

``--where`` prints instead where a run's time goes (issue 16, about a minute): the
cost of one libm call (``exp``, ``pow``) in numba, how many each step makes, how many
dynamic auxiliaries only the output needs, the one-lane kernel with and without its
recording steps, and both kernels compiled afresh with every libm call replaced by a
multiplication (timings only: their numbers are wrong), which is the floor that any
rearrangement of the same calls leaves.

``--quick`` (CI) uses small N and few repeats and skips the million. ``--write-docs``
rewrites this script's section of ``docs/performance.md`` (between its markers; the rest
of the file belongs to the other benchmarks). Works on an older checkout too (what it
lacks is reported as "n/a"), so that the same script measures before and after.

Usage::

    python benchmarks/bench_engine.py [--quick] [--no-million] [--backend auto|numba|numpy]
        [--write-docs] [--where]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

import slack_sim as ss
from slack_sim.engine import compiled as engine

OUTPUTS = ["Crisis queue", "Waiting time", "Children looked after", "Workforce", "Fatigue",
           "Partnership strength", "Prevention capacity", "Total spending", "Reserves",
           "Hidden need"]
#: Targets of issue 16 (seconds, bytes).
TARGETS = {"simulate": 0.4e-3, "batch": 0.5, "million_rss": 1e9}
DOC = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
MILLION = 1_000_000
#: Columns a million-scenario sweep varies (a policy grid over futures: few columns).
MILLION_COLUMNS = 10


def draws(n: int, seed: int = 7, columns: int | None = None) -> pd.DataFrame:
    model = ss.load_model()
    rng = np.random.default_rng(seed)
    names = (model.levers + model.uncertainties)[:columns]
    lo = np.array([model[x].minimum for x in names])
    hi = np.array([model[x].maximum for x in names])
    return pd.DataFrame(rng.uniform(lo, hi, size=(n, len(names))), columns=names)


def timed(fn, repeats: int, *, clock=time.perf_counter) -> float:
    """Median of ``clock``'s seconds over ``repeats`` calls of ``fn`` (wall time by default;
    ``time.thread_time``, this thread's CPU, is steadier on a shared machine)."""
    times = []
    for _ in range(repeats):
        t = clock()
        fn()
        times.append(clock() - t)
    return statistics.median(times)


def machine() -> dict[str, str]:
    import pysd

    numba_version = "-"
    if engine.numba_available():
        import numba

        numba_version = numba.__version__
    cpu = platform.processor() or platform.machine()
    try:  # the vector width and clock too: machines of one name differ (AVX-512 or not)
        info = Path("/proc/cpuinfo").read_text().splitlines()
        names = [x.split(":", 1)[1].strip() for x in info if x.startswith("model name")]
        flags = next((x.split(":", 1)[1].split() for x in info if x.startswith("flags")), [])
        mhz = next((float(x.split(":", 1)[1]) for x in info if x.startswith("cpu MHz")), 0.0)
        if names:
            widths = {"avx512f": "AVX-512", "avx2": "AVX2", "avx": "AVX"}
            widest = next((w for f, w in widths.items() if f in flags), "no AVX")
            cpu = f"{names[0]} ({widest}" + (f", {mhz / 1000:.2f} GHz)" if mhz else ")")
    except (OSError, ValueError):
        pass
    model = ss.load_model()
    return {
        "date": datetime.date.today().isoformat(),
        "machine": f"{cpu}, {len(os.sched_getaffinity(0))} cores, {platform.system()} "
                   f"{platform.release()}",
        "versions": f"Python {platform.python_version()}, numpy {np.__version__}, numba "
                    f"{numba_version}, pandas {pd.__version__}, PySD {pysd.__version__}",
        "model": f"{model.version} ({len(model.variables)} variables, {len(model.stocks)} "
                 f"stocks, TIME STEP {model.time_step:g}, {model.final_time:g} months)",
        "load": f"{os.getloadavg()[0]:.2f}",
    }


def single_run_parts(scenario: ss.Scenario, repeats: int) -> dict[str, float]:
    """Time the parts of one ``simulate()``: kernel, parameter row, frame, model lookup."""
    from slack_sim.engine import inputs

    model = ss.load_model()
    compiled = engine.compile_model(model)
    if not hasattr(compiled, "run_one") or not hasattr(compiled, "columns"):
        return {}  # an older checkout: no single-run path to split
    sched = compiled.schedule()
    p = inputs.scenario_row(scenario, model=model, compiled=compiled)
    block = compiled.run_one(p, sched=sched)
    return {
        "the one-lane kernel (`run_one`)": timed(lambda: compiled.run_one(p, sched=sched),
                                                 repeats),
        "the parameter row (profile and values)": timed(
            lambda: inputs.scenario_row(scenario, model=model, compiled=compiled), repeats),
        "the DataFrame": timed(lambda: pd.DataFrame(block, index=sched.year_index,
                                                    columns=compiled.columns, copy=False),
                               repeats),
        "`load_model()` (the file's freshness check)": timed(ss.load_model, repeats),
    }


def _without_libm(compiled: engine.CompiledModel):  # noqa: ANN202 (a generated module)
    """Return the generated module compiled afresh with each libm call a multiplication.

    ``math.exp(x)`` becomes ``(x)`` and ``x ** y`` becomes ``x * y``: the same kernels
    with the calls' cost taken out (timing only; the numbers are not the model's).
    """
    import types

    import numba

    source = compiled.path.read_text(encoding="utf-8")
    source = source.replace("math.exp(", "(").replace(" ** ", " * ")
    module = types.ModuleType("slack_kernel_without_libm")
    exec(compile(source, "<without libm>", "exec"), module.__dict__)  # noqa: S102 (ours)
    jit = numba.njit(cache=False, error_model="numpy", nogil=True)
    names = module.__dict__
    for name, plain in module._NUMBA_RENAMED.items():
        names[name] = jit(names[plain])
    for name, function in module._NUMBA_SOURCES.items():
        names[name] = jit(function)
    return module


def where(outputs: list[str]) -> list[str]:
    """Return the lines of ``--where``: where one run's and one batch's time goes."""
    import math

    import numba

    from slack_sim.engine.plan import make_plan

    model = ss.load_model()
    compiled = engine.compile_model(model)
    compiled.warm_up()
    plan = make_plan(model)
    v = plan.by_key()
    step = [v[q].expr["python"] for q in plan.dynamic_order + plan.stocks]
    n_exp = sum(e.count("math.exp(") for e in step)
    n_pow = sum(e.count(" ** ") for e in step)
    needed: set[str] = set()
    todo = [d for q in plan.stocks for d in v[q].deps]
    while todo:
        q = todo.pop()
        if q not in needed:
            needed.add(q)
            todo.extend(v[q].deps)
    output_only = [q for q in plan.dynamic_order if q not in needed]

    @numba.njit(error_model="numpy")
    def exps(x, out):  # noqa: ANN001, ANN202
        for i in range(x.size):
            out[i] = math.exp(x[i])

    @numba.njit(error_model="numpy")
    def pows(x, y, out):  # noqa: ANN001, ANN202
        for i in range(x.size):
            out[i] = x[i] ** y[i]

    rng = np.random.default_rng(0)
    x, y = rng.uniform(0.5, 2.0, 1_000_000), rng.uniform(-1.0, 2.0, 1_000_000)
    out = np.empty_like(x)
    exps(x, out)
    pows(x, y, out)
    ns_exp = timed(lambda: exps(x * 0.01, out), 7, clock=time.thread_time) / x.size * 1e9
    ns_pow = timed(lambda: pows(x, y, out), 7, clock=time.thread_time) / x.size * 1e9

    sched = compiled.schedule()
    steps = len(sched.times)
    control = (sched.time_step, sched.initial_time, sched.final_time, sched.output_step)
    p = compiled.parameter_matrix([ss.preset().settings()])
    every = np.arange(len(compiled.variables), dtype=np.int64)
    last = np.full_like(sched.record, -1)
    last[-1] = 0

    def one_lane(module, record, n_out):  # noqa: ANN001, ANN202
        buf = np.empty((1, n_out, len(every)))
        return lambda: module.kernel_numba1(p, sched.times, record, every, buf, *control,
                                            0, 1)

    table = draws(1024)
    P = compiled.parameter_matrix([dict(r) for _, r in table.iterrows()])
    rows = np.array([compiled.variables.index(o) for o in outputs], dtype=np.int64)

    def block(module):  # noqa: ANN001, ANN202
        buf = np.empty((len(rows), len(P), len(sched.stamps)))
        return lambda: module.kernel_numba(P, sched.times, sched.record, rows, buf,
                                           *control, 0, len(P))

    real = compiled._module
    full = timed(one_lane(real, sched.record, len(sched.stamps)), 51, clock=time.thread_time)
    quiet = timed(one_lane(real, last, 1), 51, clock=time.thread_time)
    batch = timed(block(real), 5, clock=time.thread_time) / len(P)
    bare = _without_libm(compiled)
    one_lane(bare, sched.record, len(sched.stamps))()  # compile
    block(bare)()
    bare_one = timed(one_lane(bare, sched.record, len(sched.stamps)), 51, clock=time.thread_time)
    bare_batch = timed(block(bare), 5, clock=time.thread_time) / len(P)
    libm = steps * (n_exp * ns_exp + n_pow * ns_pow) * 1e-9
    cores = len(os.sched_getaffinity(0))
    return [
        "## Where the time goes: `python benchmarks/bench_engine.py --where`",
        "",
        f"CPU time of one thread (medians), model `{model.version}`, {steps:,} integration "
        f"steps, {len(sched.stamps)} output times, load average {os.getloadavg()[0]:.2f}.",
        "",
        f"- Each step makes {n_exp} `exp` and {n_pow} `pow` calls to libm; in numba one "
        f"costs {ns_exp:.1f} ns (`exp`) and {ns_pow:.1f} ns (`pow`) when they do not wait "
        f"on each other: {libm * 1e6:,.0f} us a scenario at the least, whatever the "
        "arrangement.",
        f"- {len(output_only)} of the {len(plan.dynamic_order)} dynamic auxiliaries feed no "
        "stock (only the output needs them); the steps that record nothing already skip "
        "them (the non-recording step stores nothing, and LLVM drops what nothing uses).",
        f"- One-lane kernel (`simulate()`), every variable: {full * 1e6:,.0f} us; recording "
        f"nothing but the last step: {quiet * 1e6:,.0f} us; with each libm call a "
        f"multiplication: {bare_one * 1e6:,.0f} us.",
        f"- Block kernel, 1,024 scenarios drawn x {len(rows)} outputs: {batch * 1e6:,.1f} us "
        f"a scenario; with each libm call a multiplication: {bare_batch * 1e6:,.1f} us. "
        f"10,000 scenarios on {cores} cores take at least "
        f"{1e4 * (bare_batch + libm) / cores:.2f} s of kernel alone (no libm call left out,"
        " perfect sharing).",
    ]


def million_child(n: int) -> dict[str, float]:
    """Run n scenarios keeping the headline outcomes only; report time and peak RSS."""
    from slack_sim.engine import run as run_module
    from slack_sim.metrics.headline import HEADLINE_OUTPUTS, headline_outcomes

    if not hasattr(run_module, "simulate_outcomes"):
        return {"available": 0.0}
    table = draws(n, seed=1, columns=MILLION_COLUMNS)
    run_module.simulate_outcomes(table.iloc[:64], HEADLINE_OUTPUTS, headline_outcomes)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t = time.perf_counter()
    result = run_module.simulate_outcomes(table, HEADLINE_OUTPUTS, headline_outcomes)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"available": 1.0, "n": float(n), "seconds": seconds, "peak_rss": float(peak),
            "rss_before": float(before), "result_bytes": float(result.memory_usage().sum()),
            "table_bytes": float(table.memory_usage().sum())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small N, few repeats (CI)")
    parser.add_argument("--backend", default="auto", choices=engine.BACKENDS)
    parser.add_argument("--write-docs", action="store_true",
                        help="rewrite this benchmark's section of docs/performance.md")
    parser.add_argument("--no-million", action="store_true",
                        help="skip the 1,000,000-scenario outcomes-only run (minutes)")
    parser.add_argument("--where", action="store_true",
                        help="print where a run's time goes instead (about a minute)")
    parser.add_argument("--million-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.million_child:
        print(json.dumps(million_child(args.million_child)))
        return 0
    model = ss.load_model()
    outputs = [o for o in OUTPUTS if o in model.variables]
    if args.where:
        if not engine.numba_available():
            print("--where times the numba kernels: numba is not installed")
            return 1
        print("\n".join(where(outputs)))
        return 0
    backend = engine.resolve_backend(args.backend)
    os.environ["SLACK_SIM_BACKEND"] = backend  # simulate() (the N = 1 row) follows it
    sizes = [100] if args.quick else [100, 1_000, 10_000]

    t = time.perf_counter()
    compiled = engine.compile_model(model)
    compiled.warm_up(backend=backend)
    ss.simulate_many(draws(16), outputs, backend=backend)  # both kernels loaded
    startup = time.perf_counter() - t
    info = machine()

    sc = ss.preset()
    ss.simulate(sc, engine="pysd")  # translation cached, imports warm
    pysd = timed(lambda: ss.simulate(sc, engine="pysd"), 1 if args.quick else 3)

    rows: list[tuple[str, float, float]] = [("PySD, 1 scenario", pysd, pysd)]
    one = ss.Scenario(values=draws(1).iloc[0].to_dict())
    ss.simulate(one)
    single = timed(lambda: ss.simulate(one), 50 if args.quick else 501)
    rows.append(("simulate(), 1 scenario, every variable", single, single))
    parts = single_run_parts(one, 50 if args.quick else 501)
    batch: dict[int, float] = {}
    for n in sizes:
        table = draws(n)
        repeats = 3 if args.quick else (7 if n <= 1_000 else 5)
        sec = timed(lambda table=table: ss.simulate_many(table, outputs, backend=backend),
                    repeats)
        batch[n] = sec
        rows.append((f"simulate_many, N = {n:,}, 10 outputs", sec, sec / n))
    one_thread = None
    if not args.quick and backend == "numba":
        os.environ["SLACK_SIM_THREADS"] = "1"
        table = draws(10_000)
        one_thread = timed(lambda: ss.simulate_many(table, outputs, backend=backend), 3)
        del os.environ["SLACK_SIM_THREADS"]
        rows.append(("simulate_many, N = 10,000, one thread", one_thread, one_thread / 1e4))

    n_mem = 1_000 if args.quick else 10_000
    table = draws(n_mem)
    tracemalloc.start()
    ds = ss.simulate_many(table, outputs, backend=backend)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = sum(v.nbytes for v in ds.data_vars.values())

    million = None
    if not args.quick and not args.no_million:
        done = subprocess.run([sys.executable, __file__, "--million-child", str(MILLION)],
                              capture_output=True, text=True, check=True,
                              env=os.environ | {"SLACK_SIM_BACKEND": backend})
        million = json.loads(done.stdout.strip().splitlines()[-1])

    lines = report(info, backend, startup, rows, pysd, peak, size, n_mem, batch, single,
                   one_thread, million)
    if parts:
        lines += ["", "Where `simulate()`'s time goes (medians of the same number of calls, "
                  "each part timed alone): " + "; ".join(
                      f"{name} {sec * 1e6:,.0f} us" for name, sec in parts.items())
                  + f"; the rest (the calls between them) "
                  f"{max(0.0, single - sum(parts.values())) * 1e6:,.0f} us."]
    if args.no_million:
        lines += ["", "The 1,000,000-scenario outcomes-only run was skipped this time "
                  "(`--no-million`); run the script without it for that figure."]
    print("\n".join(lines))
    if args.write_docs and not args.quick:
        write_section(DOC, f"bench_engine ({backend})", lines)
        print(f"\nwrote {DOC.relative_to(DOC.parents[1])}")
    return 0


def report(info, backend, startup, rows, pysd, peak, size, n_mem, batch, single,
           one_thread, million) -> list[str]:
    lines = [
        f"## Engine: `python benchmarks/bench_engine.py` ({backend} backend)",
        "",
        f"Measured {info['date']} on model `{info['model']}`.",
        f"Machine: {info['machine']} (load average {info['load']} at the start, shared "
        "with other sessions). Versions: " + info["versions"] + ".",
        f"Kernel cache load and warm-up: {startup:.2f} s.",
        "",
        "| run | seconds | ms per scenario | x faster than PySD |",
        "|---|---:|---:|---:|",
    ]
    for label, sec, per in rows:
        lines.append(f"| {label} | {sec:.4f} | {per * 1e3:.4f} | {pysd / per:,.0f} |")
    lines += ["", f"Peak memory of the N = {n_mem:,} batch with 10 monthly outputs: "
              f"{peak / 2**20:.0f} MiB (tracemalloc; the outputs themselves are "
              f"{size / 2**20:.0f} MiB)."]
    if million is not None:
        if million.get("available"):
            lines += ["", f"Outcomes only (`simulate_outcomes(table, HEADLINE_OUTPUTS, "
                      f"headline_outcomes)`), N = {million['n']:,.0f} scenarios varying "
                      f"{MILLION_COLUMNS} columns, in a process of its own: "
                      f"{million['seconds']:.1f} s ({million['seconds'] / million['n'] * 1e3:.4f}"
                      f" ms per scenario), peak resident memory of the whole process "
                      f"{million['peak_rss'] / 1e6:,.0f} MB ({million['rss_before'] / 1e6:,.0f}"
                      f" MB before the run: libraries, the input table of "
                      f"{million['table_bytes'] / 1e6:,.0f} MB; the outcomes are "
                      f"{million['result_bytes'] / 1e6:,.0f} MB)."]
        else:
            lines += ["", "Outcomes only: n/a (this checkout has no simulate_outcomes)."]
    status = [f"simulate() {single * 1e3:.3f} ms vs {TARGETS['simulate'] * 1e3:g} ms "
              f"{'met' if single <= TARGETS['simulate'] else 'MISSED'}"]
    if 10_000 in batch:
        status.append(f"N = 10,000 {batch[10_000]:.3f} s vs {TARGETS['batch']:g} s "
                      f"{'met' if batch[10_000] <= TARGETS['batch'] else 'MISSED'}")
    if million and million.get("available"):
        ok = million["peak_rss"] <= TARGETS["million_rss"]
        status.append(f"1,000,000 outcomes-only {million['peak_rss'] / 1e6:,.0f} MB vs 1,000 MB "
                      f"{'met' if ok else 'MISSED'}")
    lines += ["", "Targets (issue 16): " + "; ".join(status) + "."]
    return lines


def write_section(path: Path, name: str, lines: list[str]) -> None:
    """Replace the text between this benchmark's markers in ``path`` (append if absent).

    The markers are ``<!-- begin NAME -->`` and ``<!-- end NAME -->``; what lies outside
    them belongs to other scripts and is kept as it is.
    """
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    block = "\n".join([begin, *lines, end])
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
