"""Atomic writes and safe file names."""

import os
import signal
import subprocess
import sys
import time

import pytest

from slack_sim.fileio import OutputError, atomic_path, atomic_write, safe_filename


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    out = tmp_path / "x.csv"
    out.write_text("old")
    atomic_write(out, "new")
    assert out.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    out = tmp_path / "x.xlsx"
    out.write_text("good")
    with pytest.raises(RuntimeError), atomic_path(out) as tmp:
        tmp.write_text("half")
        raise RuntimeError("writer crashed")
    assert out.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]


def test_errors_name_the_destination(tmp_path):
    with pytest.raises(OutputError, match="nope/x.csv"):
        atomic_write(tmp_path / "nope" / "x.csv", "a")
    if os.path.exists("/dev/full") and os.geteuid() != 0:
        with pytest.raises(OutputError, match="/dev/full"):
            atomic_write("/dev/full", "a")


def test_killed_writer_leaves_the_previous_file(tmp_path):
    out = tmp_path / "big.csv"
    out.write_text("previous good file\n")
    code = ("import sys, time; from slack_sim.fileio import atomic_path\n"
            f"with atomic_path({str(out)!r}) as tmp:\n"
            "    fh = open(tmp, 'w')\n"
            "    for i in range(10**9):\n"
            "        fh.write('x' * 1000 + '\\n')\n"
            "        if i == 100: print('writing', flush=True)\n")
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                          text=True) as proc:
        assert proc.stdout.readline().strip() == "writing"
        time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert out.read_text() == "previous good file\n"


@pytest.mark.parametrize(("name", "expected"), [
    ("../../../tmp/x/escaped", "tmp-x-escaped"), ("/etc/passwd", "etc-passwd"),
    ("..", "scenario"), ("", "scenario"), ("a b\x1b[31mc", "a-b-31mc"),
    ("Invest to save", "Invest-to-save"), ("C:\\evil\\x", "C-evil-x"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected
    assert "/" not in safe_filename(name) and not safe_filename(name).startswith(".")
