"""Mutation checks of the model (issue 11): plausible mistakes must each fail a behaviour test.

Usage::

    python tools/mutate.py              # every mutant, the fast subset of tests/model
    python tools/mutate.py --full       # the whole of tests/model (PySD runs, slow tests)
    python tools/mutate.py --only sign-fatigue-attrition --keep

Each mutant applies one mistake, alone, to a temporary copy of ``models/slack.mdl`` (a
folder holding the copy, ``presets.toml``, ``profiles/`` and ``data/``, pointed at by
``SLACK_SIM_MODELS``; a fresh ``SLACK_SIM_CACHE`` shared by the mutants of one call), runs
the behaviour tests of ``tests/model`` on it and records which fail. A mutant is *killed*
when at least one **behaviour** test fails (the files in :data:`BEHAVIOUR_FILES`: reference
behaviours, dynamics, v2 behaviours, sensitivity signs); failures of the structure and
documentation checks of ``tests/model/test_model.py`` are listed but do not count. The
unmutated copy runs first as a control: every test must pass on it, or no kill means
anything. The exit status is 0 when every mutant is killed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
#: test files whose failures count as kills (behaviour, not structure or documentation)
BEHAVIOUR_FILES = ("test_reference_behaviours.py", "test_dynamics.py", "test_model_v2.py",
                   "test_sensitivity_signs.py")
#: deselected by the fast subset: the PySD reference runs (minutes for a new model) and
#: the slow random-draw checks
FAST_DESELECT = ("-m", "not slow", "-k", "not pysd")


@dataclasses.dataclass(frozen=True)
class Mutant:
    """One plausible mistake: ``old`` replaced by ``new`` in the equation of ``variable``."""

    name: str
    mistake: str
    variable: str
    old: str
    new: str


MUTANTS: tuple[Mutant, ...] = (
    Mutant("prevention-built-as-fast-as-cut",
           "prevention capacity is built in the time it takes to cut it (3 months, not 24)",
           "Prevention capacity growth", "/ Time to build prevention", "/ Time to cut prevention"),
    Mutant("hidden-need-returns-during-shock",
           "hidden need returns in full while presentation is still suppressed",
           "Hidden need returning", " * Presentation open", ""),
    Mutant("fatigue-recovers-without-slack",
           "fatigue recovers at full speed however busy the service is",
           "Fatigue recovery", " * Slack for recovery", ""),
    Mutant("partnership-built-without-slack",
           "partnership is built whether or not staff have time for joint work",
           "Indicated partnership strength", " * Slack for joint work", ""),
    Mutant("outflow-dropped-leaving-care",
           "the Leaving care at 18 outflow is dropped from Children looked after",
           "Children looked after", " - Leaving care at 18", ""),
    Mutant("delay-twelvefold-shorter-escalation",
           "emerging need escalates in a twelfth of the time to escalate (1.5 months, not 18)",
           "Escalation to crisis", "Emerging need / Time to escalate",
           "Emerging need / (Time to escalate / 12)"),
    Mutant("sign-fatigue-attrition",
           "sign flip: fatigue lowers attrition instead of raising it",
           "Effect of fatigue on attrition", "1 + Switch R2 burnout", "1 - Switch R2 burnout"),
    Mutant("sign-pressure-threshold",
           "sign flip: pressure lowers the front-door threshold instead of raising it",
           "Indicated threshold", "1 + Switch B4 raising the bar", "1 - Switch B4 raising the bar"),
)


def mutate(text: str, mutant: Mutant) -> str:
    """Return the model text with ``mutant`` applied to its variable's equation.

    Raises
    ------
    ValueError
        If the variable is not defined once, or ``old`` is not found exactly once in its
        equation (the model has changed: update the mutant).
    """
    head = f"\n{mutant.variable}="
    if text.count(head) != 1:
        # a lookup or a stock: "Name= WITH LOOKUP" / "Name= INTEG"
        head = f"\n{mutant.variable}= "
    if text.count(head) != 1:
        raise ValueError(f"{mutant.name}: variable {mutant.variable!r} not found once")
    start = text.index(head) + len(head)
    end = text.index("\t~", start)  # the equation ends where its units begin
    equation = text[start:end]
    if equation.count(mutant.old) != 1:
        raise ValueError(f"{mutant.name}: {mutant.old!r} not found once in the equation of "
                         f"{mutant.variable!r}: {equation.strip()!r}")
    return text[:start] + equation.replace(mutant.old, mutant.new) + text[end:]


def model_copy(folder: Path, mutant: Mutant | None) -> Path:
    """Write a models folder (slack.mdl, mutated or not; presets; profiles; data)."""
    folder.mkdir(parents=True)
    for item in ("presets.toml", "profiles", "data"):
        src = MODELS / item
        if src.is_dir():
            shutil.copytree(src, folder / item)
        elif src.exists():
            shutil.copy2(src, folder / item)
    text = (MODELS / "slack.mdl").read_text(encoding="utf-8")
    if mutant is not None:
        text = mutate(text, mutant)
    (folder / "slack.mdl").write_text(text, encoding="utf-8")
    return folder


def run_tests(models: Path, cache: Path, report: Path, full: bool) -> tuple[list[str], str]:
    """Run tests/model on a models folder; return the failed test ids and pytest's tail."""
    env = dict(os.environ, SLACK_SIM_MODELS=str(models), SLACK_SIM_CACHE=str(cache),
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"),
                                           os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           f"--junitxml={report}"]
    if not full:
        cmd += list(FAST_DESELECT)
    cmd.append(str(ROOT / "tests" / "model"))
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    failed = []
    if report.is_file():
        for case in ET.parse(report).getroot().iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed.append(f"{Path(case.get('classname', '').replace('.', '/')).name}::"
                              f"{case.get('name')}")
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
    if not failed and proc.returncode not in (0, 5):
        failed.append(f"<pytest exit {proc.returncode}>")  # e.g. the model does not load
    return failed, tail


def is_behaviour(test_id: str) -> bool:
    """Whether a failed test id (``file::name``) is a behaviour test (counts as a kill)."""
    return test_id.split("::")[0].split("/")[-1] in {f[:-3] for f in BEHAVIOUR_FILES}


def main(argv: list[str] | None = None) -> int:
    """Run the mutants; print the table; return 0 when every mutant is killed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="the whole of tests/model")
    parser.add_argument("--only", nargs="*", help="mutant names to run")
    parser.add_argument("--skip-control", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    mutants = [m for m in MUTANTS if not args.only or m.name in args.only]
    work = Path(tempfile.mkdtemp(prefix="slack-mutate-"))
    cache = work / "cache"
    rows = []
    try:
        if not args.skip_control:
            failed, tail = run_tests(model_copy(work / "control", None), cache,
                                     work / "control.xml", args.full)
            print(f"control (unmutated copy): {tail.splitlines()[-1] if tail else ''}",
                  flush=True)
            if failed:
                print("the unmutated model fails: " + ", ".join(failed))
                return 2
        for m in mutants:
            failed, tail = run_tests(model_copy(work / m.name, m), cache,
                                     work / f"{m.name}.xml", args.full)
            killers = [f for f in failed if is_behaviour(f)]
            rows.append((m, killers, [f for f in failed if f not in killers]))
            print(f"{m.name}: {len(killers)} behaviour tests fail", flush=True)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"{'mutant':38s} {'killed':6s} killed by (behaviour tests that fail)")
    for m, killers, other in rows:
        shown = ", ".join(killers[:3]) + (f" (+{len(killers) - 3} more)" if len(killers) > 3
                                          else "")
        print(f"{m.name:38s} {'yes' if killers else 'NO':6s} {shown or '-'}")
        if other:
            print(f"{'':45s} also: {', '.join(other[:3])}")
    survivors = [m.name for m, killers, _ in rows if not killers]
    print()
    print(f"{len(rows) - len(survivors)} of {len(rows)} mutants killed"
          + (f"; survivors: {', '.join(survivors)}" if survivors else ""))
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
