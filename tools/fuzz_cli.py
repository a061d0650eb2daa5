"""Hostile command lines against ``slack-sim``: count clear errors, tracebacks, silent accepts.

Usage::

    python tools/fuzz_cli.py            # every case, then kills during writes and Ctrl-C
    python tools/fuzz_cli.py --list     # the cases, one a line
    python tools/fuzz_cli.py --verbose  # each case's outcome and its first stderr line
    python tools/fuzz_cli.py --kills 6  # kills per output kind (default 6)

Each case is a command line that must be refused (bad values, paths, names, injections,
nesting, huge numbers, a full device...), run in-process through
:func:`slack_sim.cli.main` in a scratch folder, each under a time limit. Its outcome is
one of

``clear``      exit status 2 and exactly one line on stderr, ``slack-sim: error: ...``
``traceback``  an exception escaped, ``Traceback`` on stderr, or exit status 1
``silent``     exit status 0: accepted although it should have been refused
``unclear``    refused, but not with one clear line (several lines, another status)
``slow``       still running after the time limit (no bound where there should be one)

Then, in subprocesses: ``run --out x.csv`` and ``compare --out x.xlsx`` killed (SIGKILL)
at spread-out moments while a good ``x`` exists (what is left at the destination: the old
file, a complete new one, or a partial one; and leftover temporary files), and ``run``
sent SIGINT (Ctrl-C) mid-run (exit status 130 and one line, no traceback). It prints the
counts; nothing it writes leaves the scratch folder.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

#: Seconds a refused case may take (the model is loaded and compiled before the first).
LIMIT_S = 20.0


class _Timeout(BaseException):
    """Raised by the alarm when a case runs past its limit."""


@dataclass
class Case:
    """One hostile command line.

    ``expect`` is ``"refuse"`` (one clear line) or ``"escape"`` (it runs, and the text it
    was given reaches the terminal escaped).
    """

    kind: str
    argv: list[str]
    expect: str = "refuse"


# -- the cases ------------------------------------------------------------------------------------

BAD_NUMBERS = [
    "", " ", "abc", "nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e400", "9" * 401,
    "0x10", "1_0", "0.3.3", "0,3", "１", "０.３", "٣", "1e", "--1", "+-1", "0.5000001",
    "-0.0000001", "1e-400x", "0.3\x1b[31m", "0.3\nslack-sim: error: forged", "'0.3'",
]
UNKNOWN_NAMES = ["", "Slack", "slack target", "Slack  target", "../../etc/passwd",
                 "Slack target\x1b[2J", "X" * 5000, "Cases in care", "TIME", "FINAL TIME",
                 "Time step", "Slack target\u202e"]
BAD_NAMES = ["", " ", "../presets", "..", "/tmp/x/evil", "generic/../generic", "generic\n",
             "GENERIC", "generic.toml", "E1000001", "kent\x00", "-generic", "x" * 300,
             "generic\x1b[31m", "ｇｅｎｅｒｉｃ", "~/generic", "%2e%2e%2fpresets", "generic "]


def _scenario(tmp: Path, name: str, text: str) -> str:
    path = tmp / f"{name}.json"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    return str(path)


def _file(values: str | None = None, **fields: object) -> str:
    body = {"format": "slack-sim scenario", "profile": "generic", "values": {}}
    body.update(fields)
    text = json.dumps(body)
    if values is not None:
        text = text.replace('"values": {}', f'"values": {values}')
    return text


def cases(tmp: Path) -> list[Case]:
    """Return every hostile case (files they need are written under ``tmp``)."""
    out: list[Case] = []
    add = out.append
    # bad values, on the command line and in a file
    for v in BAD_NUMBERS:
        add(Case("value: --set", ["run", "--set", f"Slack target={v}", "--out", "v.csv"]))
    for i, v in enumerate(["NaN", "Infinity", "-Infinity", "1e400", "9" * 401, '"0.3"', "true",
                           "null", "[0.3]", "{}", "0.51", "-1", "1e-400", "0x10"]):
        add(Case("value: in a file", ["run", "--scenario", _scenario(
            tmp, f"value{i}", _file(f'{{"Slack target": {v}}}')), "--out", "v.csv"]))
    for v in ["0.37", "2", "-1", "0.5", "nan"]:
        add(Case("value: a switch", ["run", "--set", f"Switch R2 burnout={v}",
                                     "--out", "v.csv"]))
    add(Case("value: repeated --set", ["run", "--set", "Slack target=0.2", "--set",
                                       "Slack target=0.3", "--out", "v.csv"]))
    add(Case("value: --set without =", ["run", "--set", "Slack target", "--out", "v.csv"]))
    for name in UNKNOWN_NAMES:
        add(Case("name: unknown variable", ["run", "--set", f"{name}=0.3", "--out", "v.csv"]))
    # names that must not become paths
    for name in BAD_NAMES:
        add(Case("name: --profile", ["run", "--profile", name, "--out", "v.csv"]))
        add(Case("name: --preset", ["run", "--preset", name, "--out", "v.csv"]))
    for name in ["../../../tmp/escaped", "/etc/passwd", "..", "a/b"]:
        add(Case("name: profile in a file", ["run", "--scenario", _scenario(
            tmp, f"prof{len(out)}", _file(profile=name)), "--out", "v.csv"]))
    # files: malformed, nested, oversized, special
    deep = "[" * 200_000 + "]" * 200_000
    files = {
        "not json": "not json", "empty": "", "a list": "[]", "deep arrays": deep,
        "deep objects": '{"a":' * 50_000 + "1" + "}" * 50_000,
        "deep in values": _file('{"Slack target": ' + "[" * 5000 + "]" * 5000 + "}"),
        "duplicate key": _file('{"Slack target": 0.2, "Slack target": 0.3}'),
        "extra field": _file(extra=1), "format_version 99": _file(format_version=99),
        "format_version text": _file(format_version="1"), "garbage settings":
            _file(settings={"Slack target": "x"}), "settings not an object": _file(settings=[1]),
        "name not text": _file(name=5), "values not an object": _file().replace(
            '"values": {}', '"values": [1]'),
        "no profile": json.dumps({"format": "slack-sim scenario", "values": {}}),
        "wrong format": json.dumps({"format": "other", "profile": "generic", "values": {}}),
        "bad utf-8": '{"format": "slack-sim scenario", "name": "\udcff", "profile": "generic", '
                     '"values": {}}',
        "lone surrogate escape": _file(name="\\ud800").replace("\\\\ud800", "\\ud800"),
        "BOM": "\ufeff" + _file(), "oversized": _file(description="x" * 2_000_000),
        "NUL": _file(name="a\x00b"),
    }
    for label, text in files.items():
        add(Case(f"file: {label}", ["run", "--scenario", _scenario(
            tmp, label.replace(" ", "-"), text), "--out", "v.csv"]))
    for path in ["/nonexistent.json", str(tmp), "/dev/null", "/dev/zero", "/proc/self/mem",
                 "/etc/shadow-none", str(tmp / "loop.json")]:
        add(Case("file: special path", ["run", "--scenario", path, "--out", "v.csv"]))
    with contextlib.suppress(OSError):
        os.symlink(tmp / "loop.json", tmp / "loop.json")
    fifo = tmp / "fifo.json"
    with contextlib.suppress(OSError, AttributeError):
        os.mkfifo(fifo)
        add(Case("file: a FIFO (never ends)", ["run", "--scenario", str(fifo), "--out", "v.csv"]))
    # outputs: unwritable, full, missing folders, directories, every writing command
    blocker = tmp / "a-file"
    blocker.write_text("x")
    def full(name: str) -> str:
        # a device that is always full; as root a private node of it, never /dev/full
        # itself (a writer that renames over its destination would replace the device)
        node = tmp / name
        if not node.exists():
            if os.geteuid() == 0:
                os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 7))
            else:
                node.symlink_to("/dev/full")
        return str(node)

    bad_outs = [str(tmp), str(blocker / "x.csv"), "/nonexistent/dir/x.csv", "/proc/x.csv",
                "x" * 300 + ".csv", ""]
    writers = [(["run", "--out"], ".csv"),
               (["compare", "--preset", "baseline", "--preset", "austerity", "--out"], ".xlsx"),
               (["doc", "--out"], ".txt"), (["save", "--out"], ".json")]
    for w, ext in writers:
        for o in [full("full" + ext), *bad_outs]:
            add(Case(f"output: {w[0]} --out", [*w, o]))
    for o in [full("full2.xlsx"), full("full.csv"), str(blocker / "x.xlsx")]:
        add(Case("output: compare --out", ["compare", "--preset", "baseline", "--out", o]))
    for cmd in (["ensemble", "-n", "8"], ["tipping-map", "--x-values", "0.1:0.2:2",
                                          "--y-values", "0:0.1:2"]):
        for o in [full("full3.csv"), full("full.json"), str(blocker / "x.csv")]:
            add(Case(f"output: {cmd[0]} --out", [*cmd, "--out", o]))
    add(Case("output: unknown extension", ["compare", "--preset", "baseline", "--out",
                                           "x.docx"]))
    # injections reaching the terminal
    for name in ["x\x1b[31mred", "x\nslack-sim: error: forged", "x\r\x1b[2K", "\u202eevil"]:
        path = _scenario(tmp, f"inj{len(out)}", _file(name=name, description=name))
        add(Case("injection: show a scenario named so", ["show", path], "escape"))
        add(Case("injection: run a scenario named so", ["run", "--scenario", path, "--out",
                                                        "i.csv"], "escape"))
        add(Case("injection: a refused value with it", ["run", "--scenario", path, "--set",
                                                        "Slack target=9"]))
    add(Case("injection: --name with a newline", ["save", "--name", "x\nslack-sim: error: y",
                                                  "--out", "s.json"], "escape"))
    add(Case("injection: a variable named so", ["run", "--set",
                                                "x\x1b[31m\nslack-sim: error: f=1"]))
    # run-shaping arguments and sizes
    for n in ["100001", "0", "-1", "1e3", "nan", "9" * 30]:
        add(Case("size: ensemble -n", ["ensemble", "-n", n]))
    for n in ["1000000", "0", "-5"]:
        add(Case("size: sensitivity -n", ["sensitivity", "-n", n]))
    for spec in ["0:1:100000", "0:1:0", "1:0:5", "a:b:c", "0:1", "nan:1:3", "0:1:3:4", "",
                 "1e400:2:3", "0.1,0.1,0.1", "0:1:2.5"]:
        add(Case("size: tipping-map --x-values", ["tipping-map", "--x-values", spec]))
    for flag, v in [("--maxiter", "100000000"), ("--popsize", "0"), ("--futures", "1000000"),
                    ("--max-seconds", "inf"), ("--max-seconds", "nan"), ("--max-seconds", "-1"),
                    ("--percentile", "101"), ("--percentile", "nan"), ("--waiting-cap", "-1")]:
        add(Case(f"size: optimise {flag}", ["optimise", flag, v]))
    for v in ["1e9", "nan", "-5", "inf", "2010.5x"]:
        add(Case("size: summary --base-year", ["summary", "--base-year", v]))
    for v in ["-1", "1e30", "nan", "x"]:
        add(Case("size: --seed", ["ensemble", "-n", "8", "--seed", v]))
    for r in ["Slack target=0.6:0.7", "Slack target=0.3:0.2", "Nope=0:1", "Slack target=nan:1",
              "Slack target=0.2", "Slack target=:"]:
        add(Case("size: --range", ["ensemble", "-n", "8", "--range", r]))
    for g in ["Nope", "", ",,", "Effect sizes,Nope"]:
        add(Case("name: --groups", ["ensemble", "-n", "8", "--groups", g]))
    # usage errors
    for argv in [[], ["nope"], ["run", "--nope"], ["run", "--engine", "fortran"],
                 ["show"], ["save"], ["compare"], ["run", "--profile"]]:
        add(Case("usage", argv))
    return out


# -- running a case -------------------------------------------------------------------------------


#: A progress line of the command line (``progress_line``: ``label: done/total``), which
#: ``str.splitlines`` cuts at each ``\r``.
_PROGRESS = re.compile(r"[A-Za-z][\w' ]*: [\d,]+/[\d,]+")


def is_progress(line: str) -> bool:
    """Return whether a line of stderr is a progress line (not an error or a message)."""
    return bool(_PROGRESS.fullmatch(line.strip())) or "progress" in line


def _alarm(signum, frame):  # noqa: ANN001, ARG001
    raise _Timeout


def run_case(case: Case, main) -> tuple[str, str]:  # noqa: ANN001
    """Run one case in-process; return its outcome and its stderr's first line."""
    out, err = io.StringIO(), io.StringIO()
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, LIMIT_S)
    code: object = None
    escaped = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(case.argv)
    except _Timeout:
        return "slow", f"still running after {LIMIT_S:.0f} s"
    except BaseException as exc:  # noqa: BLE001 - an escaped exception is the finding
        escaped = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    text = err.getvalue()
    if case.expect == "escape":
        shown = out.getvalue() + text
        forged = any(c in shown for c in "\x1b\r\u202e") or any(
            line.startswith("slack-sim: error: ") and "forged" in line or line.startswith(
                "slack-sim: error: y") for line in shown.splitlines())
        if escaped is not None or "Traceback" in text or code not in (0, 2):
            return "traceback", escaped or text[:140]
        return ("injected", "raw control text reached the terminal") if forged else (
            "clear", "escaped")
    lines = [line for line in text.splitlines() if line.strip()
             and not line.startswith(("slack-sim: compiling", "slack-sim: WARNING"))
             and not is_progress(line)]
    first = lines[0] if lines else ""
    if escaped is not None or "Traceback" in text or code == 1:
        return "traceback", escaped or first
    if code == 0:
        return "silent", first or "(exit 0)"
    if code == 2 and len(lines) == 1 and first.startswith("slack-sim: error: "):
        return "clear", first
    return "unclear", f"exit {code}: {' | '.join(lines)[:200]}"


# -- kills during writes and Ctrl-C ---------------------------------------------------------------


def _cli(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    # the installed command's entry point (slack_sim_cli: a Ctrl-C while importing is
    # caught there), falling back to the package's module on an older checkout
    entry = "slack_sim_cli" if (ROOT / "src" / "slack_sim_cli.py").is_file() else \
        "slack_sim.cli.main"
    return subprocess.Popen([sys.executable, "-m", entry, *args], cwd=cwd,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kills(tmp: Path, tries: int) -> list[str]:
    """Kill writers at spread-out moments; return one line per output kind."""
    report = []
    for label, args, name in [("run --out x.csv", ["run"], "x.csv"),
                              ("compare --out x.xlsx", ["compare", "--preset", "baseline",
                                                        "--preset", "austerity"], "x.xlsx")]:
        folder = tmp / f"kill-{name}"
        folder.mkdir()
        target = folder / name
        good = _cli([*args, "--out", name], folder)
        good.communicate(timeout=600)
        reference = target.read_bytes()
        t = time.perf_counter()
        full = _cli([*args, "--out", name], folder)
        full.communicate(timeout=600)
        whole = time.perf_counter() - t
        outcomes: Counter[str] = Counter()
        for i in range(tries):
            p = _cli([*args, "--out", name], folder)
            time.sleep(whole * (0.3 + 0.7 * (i + 0.5) / tries))  # spread over its write
            p.send_signal(signal.SIGKILL)
            p.wait()
            data = target.read_bytes() if target.exists() else None
            if data is None:
                outcomes["missing"] += 1
            elif data == reference or _complete(name, data):
                outcomes["previous or complete"] += 1
            else:
                outcomes[f"partial ({len(data)} of {len(reference)} bytes)"] += 1
        leftovers = [p.name for p in folder.iterdir() if p.name != name]
        report.append(f"{label}: killed {tries} times over {whole:.1f} s runs: "
                      + ", ".join(f"{v} {k}" for k, v in outcomes.items())
                      + f"; temporary files left beside it: {len(leftovers)}")
    return report


def _complete(name: str, data: bytes) -> bool:
    if name.endswith(".csv"):
        return data.endswith(b"\n") and data.count(b"\n") >= 437
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return z.testzip() is None
    except zipfile.BadZipFile:
        return False


def ctrl_c(tmp: Path, tries: int) -> str:
    """Send SIGINT to runs mid-way; return one line: exit statuses and stderr lines."""
    results: Counter[str] = Counter()
    for i in range(tries):
        p = _cli(["ensemble", "-n", "2000", "--out", "e.csv"], tmp)
        time.sleep((0.3, 1.0, 3.0, 5.0)[i % 4])  # while importing, then while computing
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=120)
        lines = [x for x in err.decode(errors="replace").splitlines() if x.strip()
                 and not x.startswith("slack-sim: compiling") and not is_progress(x)]
        tb = "Traceback" in err.decode(errors="replace")
        results[f"exit {p.returncode}, {'traceback' if tb else f'{len(lines)} line(s)'}"] += 1
    return "Ctrl-C during ensemble: " + ", ".join(f"{v}x {k}" for k, v in results.items())


def main_() -> None:
    """Run the cases and print the counts (see the module's docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", action="store_true", help="list the cases and stop")
    ap.add_argument("--verbose", action="store_true", help="print every case's outcome")
    ap.add_argument("--kills", type=int, default=6, help="kills per output kind (default 6)")
    ap.add_argument("--no-subprocess", action="store_true",
                    help="skip the kills and Ctrl-C (in-process cases only)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fuzz-cli-") as tmp_name:
        tmp = Path(tmp_name)
        all_cases = cases(tmp)
        if args.list:
            for c in all_cases:
                print(f"{c.kind}: {' '.join(map(repr, c.argv))[:160]}")
            return
        from slack_sim.cli import main
        from slack_sim.engine.compiled import compile_model

        compile_model().warm_up()  # compiling is not a case's time
        work = tmp / "work"
        work.mkdir()
        os.chdir(work)
        counts: Counter[str] = Counter()
        findings: list[str] = []
        for case in all_cases:
            outcome, line = run_case(case, main)
            counts[outcome] += 1
            if outcome != "clear":
                findings.append(f"  {outcome:9} {case.kind}: {' '.join(case.argv)[:90]!r}"
                                f" -> {line[:140]!r}")
            if args.verbose:
                print(f"{outcome:9} {case.kind}: {line[:120]!r}")
        os.chdir(tmp)
        print(f"tried {len(all_cases)} hostile command lines ({len(set(c.kind for c in all_cases))}"
              f" kinds): {counts['clear']} clear one-line errors, {counts['traceback']} "
              f"tracebacks, {counts['silent']} silently accepted, {counts['unclear']} unclear, "
              f"{counts['slow']} slow (> {LIMIT_S:.0f} s), {counts['injected']} injected")
        if findings:
            print("not a clear one-line error:")
            print("\n".join(findings))
        if not args.no_subprocess:
            for line in kills(tmp, args.kills):
                print(line)
            print(ctrl_c(tmp, 4))


if __name__ == "__main__":
    main_()
