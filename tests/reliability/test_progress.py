"""Defect class 5 (long runs): a large ensemble reports progress and answers Ctrl-C.

``slack-sim ensemble -n 100000`` took about 50 s with nothing on the screen. The ensemble
now runs in chunks of :data:`~slack_sim.analysis.ensemble.CHUNK_MEMBERS` members with a
``progress(done, n)`` callback between them, and the result is the same, bit for bit, as
one call over every member; the command line draws a progress line on stderr and a
Ctrl-C ends it with one line and exit 130.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import slack_sim as ss
from slack_sim.analysis import ensemble as ensemble_module

ROOT = Path(__file__).resolve().parents[2]


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.samples, b.samples, check_exact=True)
    pd.testing.assert_frame_equal(a.bands, b.bands, check_exact=True)
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes, check_exact=True)
    xr.testing.assert_identical(a.data, b.data)
    for name in a.data.data_vars:  # bit for bit, not only within a tolerance
        assert np.array_equal(a.data[name].values, b.data[name].values, equal_nan=True), name


@pytest.mark.parametrize("futures", ["history", "plausible"])
def test_an_ensemble_in_chunks_is_bit_identical_to_one_call(futures, monkeypatch):
    scenario = ss.preset("invest-to-save")
    baseline = ss.preset("austerity-then-covid")
    kwargs = {"n": 203, "seed": 7, "baseline": baseline, "futures": futures}
    one = ensemble_module.ensemble(scenario, **kwargs)
    calls = []
    monkeypatch.setattr(ensemble_module, "CHUNK_MEMBERS", 64)
    chunked = ensemble_module.ensemble(scenario, progress=lambda d, t: calls.append((d, t)),
                                       **kwargs)
    assert [d for d, _ in calls] == [51, 102, 152, 203]  # four near-equal chunks
    assert {t for _, t in calls} == {203}
    _same(chunked, one)
    assert chunked.probability("net_present_saving") == one.probability("net_present_saving")


def test_one_chunk_reports_once_and_changes_nothing():
    scenario = ss.preset("austerity-then-covid")
    calls = []
    ens = ensemble_module.ensemble(scenario, n=40, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(40, 40)]
    _same(ens, ensemble_module.ensemble(scenario, n=40))


def test_chunks_cover_every_member_once_and_none_is_tiny():
    for n in (1, 7, 2048, 2049, 5000, 100_000):
        parts = ensemble_module.member_chunks(n, 2048)
        members = np.concatenate([np.arange(n)[p] for p in parts])
        assert np.array_equal(members, np.arange(n))
        sizes = [p.stop - p.start for p in parts]
        assert max(sizes) <= 2048 and (len(sizes) == 1 or min(sizes) >= 1024)


def _cli(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    code = "import sys; from slack_sim.cli.main import main; sys.exit(main())"
    # bytes, not text: text mode would turn the progress line's "\r" into a newline
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_large_ensemble_shows_progress_and_ctrl_c_ends_it_in_one_line(tmp_path):
    out = tmp_path / "ens.csv"
    out.write_text("the previous good file\n")
    # plausible futures (the Effect sizes drawn afresh): the default profile's stored
    # history-consistent futures are 500, so without --groups the run would be short
    proc = _cli("ensemble", "-n", "100000", "--groups", "Effect sizes", "--out", str(out))
    seen = b""
    deadline = time.monotonic() + 240
    os.set_blocking(proc.stderr.fileno(), False)
    while b"futures: " not in seen and time.monotonic() < deadline:
        time.sleep(0.2)
        seen += proc.stderr.read() or b""
        assert proc.poll() is None, seen
    assert b"futures: " in seen, "no progress line within 240 s"
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=120)
    err = (seen + (rest or b"")).decode()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip()]
    assert lines[-1].startswith("slack-sim: interrupted (Ctrl-C)"), lines[-1]
    progress = [line for line in lines if line.startswith("futures: ")]
    done, total = progress[0].removeprefix("futures: ").split("/")
    assert total == "100,000" and 0 < int(done.replace(",", "")) < 100_000
    assert out.read_text() == "the previous good file\n"


def test_a_small_ensemble_ends_its_progress_line():
    proc = _cli("ensemble", "-n", "50")
    stdout, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    assert b"\rfutures: 50/50\n" in err
    assert b"50 futures" in stdout


def test_a_tipping_map_in_chunks_is_bit_identical_and_reports_progress(monkeypatch):
    from slack_sim.analysis import tipping

    x = ("Slack target", [0.05, 0.1, 0.15, 0.2, 0.25])
    y = ("Shock 1 demand surge", [0.2, 0.6, 1.0, 1.5])
    one = tipping.tipping_map(tipping.rb3_scenario(), x=x, y=y)
    calls = []
    monkeypatch.setattr(tipping, "CHUNK_MEMBERS", 8)
    chunked = tipping.tipping_map(tipping.rb3_scenario(), x=x, y=y,
                                  progress=lambda d, t: calls.append((d, t)))
    assert calls == [(7, 20), (13, 20), (20, 20)]
    pd.testing.assert_frame_equal(chunked.table, one.table, check_exact=True)
    pd.testing.assert_frame_equal(chunked.recovery, one.recovery, check_exact=True)


def test_the_tipping_map_command_shows_progress(tmp_path):
    # the chunking itself is tested above (in process, small chunks); this is the wiring
    out = tmp_path / "map.csv"
    proc = _cli("tipping-map", "--x-values", "0.05:0.35:10", "--y-values", "0:2:10",
                "--out", str(out))
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert b"\rgrid points: 100/100\n" in err
    assert out.is_file()


def test_a_ctrl_c_raised_inside_a_finaliser_is_delivered_again():
    """Python reports a KeyboardInterrupt raised in a ``__del__`` to the unraisable hook.

    The CLI's hook (``cli.main.quiet_unraisable``) drops the multi-line reports of
    finalisers; a Ctrl-C that landed in one must not be dropped with them, or the command
    runs on: the hook raises SIGINT again, so the interrupt reaches the command.
    """
    from types import SimpleNamespace

    from slack_sim.cli.main import quiet_unraisable

    seen = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        quiet_unraisable(SimpleNamespace(exc_type=OSError, exc_value=OSError("disk full")))
        assert seen == []  # other errors of finalisers stay dropped
        quiet_unraisable(SimpleNamespace(exc_type=KeyboardInterrupt,
                                         exc_value=KeyboardInterrupt()))
        assert seen == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous)
