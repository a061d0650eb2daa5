"""Benchmark a run from cold: ``slack-sim run`` and a one-line ``simulate()`` (issue 16).

Each command runs in a fresh process, timed from start to exit (wall clock):

- **warm**: caches filled (the parsed model, the generated kernel and numba's machine
  code); the median of several runs;
- **cold**: an empty cache folder (``SLACK_SIM_CACHE`` a new temporary folder): the model
  is parsed, the kernel generated and compiled. Once each; the command's stderr is
  checked for the compile message.

Bytecode is written and reused (``PYTHONDONTWRITEBYTECODE`` is dropped from the
children's environment), as in an installed package. ``--write-docs`` rewrites this
script's section of ``docs/performance.md``. Works on an older checkout too.

``--no-cold`` times the warm runs only (each cold run compiles the engine afresh: 15 to
30 s of both cores); ``--only run`` (or ``simulate``, ``numpy``) times one command.
``--checkout DIR`` times another checkout's ``src`` with this machine's Python (its
``models/`` and the same cache folder), interleaved run by run with this one's, so the
two see the same load: ``--checkout /tmp/base --no-cold`` gives a before and after.

Usage::

    python benchmarks/bench_cold.py [--repeats 5] [--no-cold] [--only run]
                                    [--checkout DIR] [--write-docs]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_engine import DOC, machine, write_section  # noqa: E402

SIMULATE = "import slack_sim as ss; ss.simulate(ss.preset())"
#: The same single run on the generated plain-Python kernel: numba is never imported.
SIMULATE_NUMPY = "import slack_sim as ss; ss.simulate(ss.preset(), backend='numpy')"
TARGETS = {"run warm": 1.0, "run cold": 20.0}


#: ``--only`` choices: the label of each command.
ONLY = {"run": "slack-sim run", "simulate": "python -c simulate",
        "numpy": "python -c simulate, numpy backend"}


def commands(out: Path) -> dict[str, list[str]]:
    exe = shutil.which("slack-sim")
    cli = [exe] if exe else [sys.executable, "-m", "slack_sim.cli.main"]
    return {"slack-sim run": [*cli, "run", "--out", str(out)],
            "python -c simulate": [sys.executable, "-c", SIMULATE],
            "python -c simulate, numpy backend": [sys.executable, "-c", SIMULATE_NUMPY]}


def checkout_env(env: dict[str, str], checkout: Path) -> dict[str, str]:
    """Return ``env`` pointed at another checkout's package and model files."""
    return env | {"PYTHONPATH": str(checkout / "src"),
                  "SLACK_SIM_MODELS": str(checkout / "models")}


def checkout_command(cmd: list[str]) -> list[str]:
    """Return ``cmd`` run through the entry module on ``PYTHONPATH`` (not the installed one)."""
    if Path(cmd[0]).name == "slack-sim":
        return [sys.executable, "-c", "import sys; import slack_sim_cli; "
                "sys.argv[0] = 'slack-sim'; sys.exit(slack_sim_cli.main())", *cmd[1:]]
    return cmd


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str, float]:
    """Run ``cmd``; return wall seconds, exit code, stderr and the child's CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, done.returncode, done.stderr, cpu


def summary(runs: list[tuple[float, int, str, float]]) -> dict[str, object]:
    """Return the median, min and max wall seconds, the median CPU and the last exit."""
    return {"warm": statistics.median(w[0] for w in runs),
            "warm_min": min(w[0] for w in runs), "warm_max": max(w[0] for w in runs),
            "warm_rc": runs[-1][1], "stderr": runs[-1][2].strip().splitlines()[-1:],
            "warm_cpu": statistics.median(w[3] for w in runs)}


def print_quick(results: dict[str, dict[str, object]], other: dict[str, dict[str, object]],
                args: argparse.Namespace) -> None:
    """Print the figures of a partial run (no docs section is written from it)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"warm: median of {args.repeats} (min-max), wall s; CPU s; load {load:.2f} now")
    for label, r in results.items():
        line = (f"{label:<36} {r['warm']:.2f} ({r['warm_min']:.2f}-{r['warm_max']:.2f}) "
                f"CPU {r['warm_cpu']:.2f}, exit {r['warm_rc']}")
        if r["cold"] is not None:
            line += f"; cold {r['cold']:.1f} s, compile message {message(r)}"
        print(line)
        if label in other:
            o = other[label]
            print(f"{'  ' + str(args.checkout):<36} {o['warm']:.2f} ({o['warm_min']:.2f}-"
                  f"{o['warm_max']:.2f}) CPU {o['warm_cpu']:.2f}, exit {o['warm_rc']}")


def message(result: dict[str, object]) -> str:
    """Say whether a cold run that compiled said so (one that compiled nothing need not)."""
    if result["message"]:
        return "shown"
    return "MISSING" if result["compiled"] else "not needed (nothing compiled)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-cold", action="store_true",
                        help="time the warm runs only (no run with an empty cache)")
    parser.add_argument("--only", choices=sorted(ONLY), action="append",
                        help="time only this command (repeatable)")
    parser.add_argument("--checkout", type=Path,
                        help="another checkout to time against this one, interleaved")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats: expected at least 1, got {args.repeats}")
    if args.checkout is not None and not (args.checkout / "src" / "slack_sim").is_dir():
        parser.error(f"--checkout: {args.checkout} has no src/slack_sim")
    if args.write_docs and (args.no_cold or args.only or args.checkout):
        parser.error("--write-docs needs the full run (no --no-cold, --only or --checkout)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    wanted = {ONLY[o] for o in args.only} if args.only else set(ONLY.values())
    results: dict[str, dict[str, object]] = {}
    other: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        out = Path(tmp) / "run.csv"
        for label, cmd in commands(out).items():
            if label not in wanted:
                continue
            cold = rc_cold = None
            err, compiled = "", False
            if not args.no_cold:
                cold_cache = Path(tmp) / f"cache-{len(results)}"
                cold_env = env | {"SLACK_SIM_CACHE": str(cold_cache)}
                cold, rc_cold, err, _ = timed(cmd, cold_env)
                # numba's cache index files: did the cold run compile a kernel at all?
                compiled = any(cold_cache.rglob("*.nbi"))
            timed(cmd, env)  # fills the usual caches, writes bytecode
            warm, then = [], []
            if args.checkout is not None:
                there = (checkout_command(cmd), checkout_env(env, args.checkout))
                timed(*there)
            for _ in range(args.repeats):
                warm.append(timed(cmd, env))
                if args.checkout is not None:
                    then.append(timed(*there))
            results[label] = summary(warm) | {
                "cold": cold, "cold_rc": rc_cold,
                "message": "compiling the engine" in err, "compiled": compiled}
            if then:
                other[label] = summary(then)
    if args.no_cold or args.only or args.checkout:
        print_quick(results, other, args)
        return 0
    info = machine()
    lines = [
        "## From cold: `python benchmarks/bench_cold.py`",
        "",
        f"Measured {info['date']} on model `{info['model']}`; machine: {info['machine']} "
        f"(load average {info['load']} at the start, shared with other sessions). Each "
        "command in a fresh process, start to exit; warm: median of "
        f"{args.repeats} (min-max), caches filled; cold: an empty cache folder "
        "(parse, code generation and numba compilation). Warm CPU: the child's user and "
        "system seconds (median), which a busy machine changes less than the wall time.",
        "",
        "| command | warm s (min-max) | warm CPU s | cold s | numba compiled (cold) | "
        "compile message on stderr (cold) | exit |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for label, r in results.items():
        lines.append(f"| `{label}` | {r['warm']:.2f} ({r['warm_min']:.2f}-{r['warm_max']:.2f})"
                     f" | {r['warm_cpu']:.2f} | {r['cold']:.1f} | "
                     f"{'yes' if r['compiled'] else 'no'} | "
                     f"{'yes' if r['message'] else 'no'} | "
                     f"{r['warm_rc']} warm, {r['cold_rc']} cold |")
    run = results["slack-sim run"]
    bad = [f"`{k}` exits {r['warm_rc']} ({'; '.join(r['stderr'])})"
           for k, r in results.items() if r["warm_rc"]]
    lines += ["", f"`python -c` is `{SIMULATE}`; with the numpy backend "
              f"`{SIMULATE_NUMPY}` (an older checkout without the keyword exits 1)."]
    if bad:
        lines += ["", "Non-zero exits (the times are still those of the whole process): "
                  + "; ".join(bad) + "."]
    lines += ["", "Targets (issue 16): `slack-sim run` warm "
              f"{run['warm']:.2f} s vs {TARGETS['run warm']:g} s "
              f"{'met' if run['warm'] <= TARGETS['run warm'] else 'MISSED'}; cold "
              f"{run['cold']:.1f} s vs {TARGETS['run cold']:g} s "
              f"{'met' if run['cold'] <= TARGETS['run cold'] else 'MISSED'}, compile message "
              f"{message(run)}; `python -c simulate` (numba) cold "
              f"{results['python -c simulate']['cold']:.1f} s, compile message "
              f"{message(results['python -c simulate'])}."]
    print("\n".join(lines))
    if args.write_docs:
        write_section(DOC, "bench_cold", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
