"""Benchmark the test suite as CI runs it: ``python -m pytest -q`` (issue 10).

Runs the README's test command in a fresh process (both cores, as pyproject.toml's
pytest options say) and prints its wall time, the CPU time of the run and of all its
child processes (xdist workers, app servers, CLI subprocesses), the number of tests and,
from a JUnit report, the files that take longest (the sum of their tests' durations: with
``--dist loadfile`` a file is one worker's unit of work, so a long file bounds the wall
time from below). The issue's baseline is 174-300 s wall for ``python -m pytest -q``;
its target at most 60% of it. The machine's load average before the run is printed:
a figure taken on a busy machine is an upper bound.

Usage::

    python benchmarks/bench_suite.py [--top 15] [-- extra pytest arguments]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _test_file(classname: str) -> str:
    """Return the test file of a JUnit class name (``tests.ui.test_app.TestX`` -> path)."""
    parts = classname.split(".")
    for n in range(len(parts), 0, -1):
        if (ROOT / Path(*parts[:n])).with_suffix(".py").is_file():
            return "/".join(parts[:n])
    return classname


def file_totals(report: Path) -> tuple[dict[str, float], dict[str, int]]:
    """Return each test file's summed test durations (s) and outcome counts."""
    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for case in ET.parse(report).iter("testcase"):
        totals[_test_file(case.get("classname", ""))] += float(case.get("time", 0))
        if case.find("skipped") is not None:
            counts["skipped"] += 1
        elif case.find("failure") is not None or case.find("error") is not None:
            counts["failed"] += 1
        else:
            counts["passed"] += 1
    return dict(totals), dict(counts)


def main(argv: list[str] | None = None) -> int:
    """Run the suite once and print the figures; return pytest's exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="longest files to list")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               f"--junitxml={report}", *args.pytest_args], cwd=ROOT,
                              capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        tail = [x for x in proc.stdout.splitlines() if x.strip()][-1:]
        totals, counts = file_totals(report) if report.is_file() else ({}, {})
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"python -m pytest -q: {wall:.0f} s wall, {cpu:.0f} s CPU (all processes), "
          f"load average before {load[0]:.1f}")
    print(f"  {counts.get('passed', 0)} passed, {counts.get('skipped', 0)} skipped, "
          f"{counts.get('failed', 0)} failed; pytest: {tail[0] if tail else '(no output)'}")
    if not args.pytest_args:  # the whole suite: the target applies
        verdict = "met" if wall <= 104 else "within the range" if wall <= 180 else "missed"
        print(f"  issue 10's target: at most 60% of 174-300 s, i.e. 104-180 s ({verdict})")
    print(f"  longest files (sum of their tests' durations, s), top {args.top}:")
    for path, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"    {seconds:6.1f}  {path}.py")
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
