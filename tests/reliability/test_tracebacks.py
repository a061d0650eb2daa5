"""Defect class 4: no traceback reaches a user; errors are one line with exit status 2.

Deeply nested JSON, numbers with hundreds of digits, a full disk, Ctrl-C and a broken
cached kernel each used to end in a traceback (``RecursionError``, ``OverflowError``,
``Errno 28`` then ``Exception ignored in ZipFile.__del__``, ``KeyboardInterrupt``,
``AttributeError ... kernel_numba``).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import slack_sim as ss
from slack_sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("slack-sim: error: "), err
    assert "Traceback" not in err
    return lines[0]


HOSTILE_FILES = {
    "deep arrays": "[" * 200_000 + "]" * 200_000,
    "deep objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "401 digits": '{"format": "slack-sim scenario", "profile": "generic", '
                  '"values": {"Slack target": ' + "9" * 401 + "}}",
    "1e400": '{"format": "slack-sim scenario", "profile": "generic", '
             '"values": {"Slack target": 1e400}}',
    "not UTF-8": b'{"format": "slack-sim scenario", "name": "\xff"}',
}


@pytest.mark.parametrize("label", HOSTILE_FILES)
def test_hostile_files_are_one_line_in_the_cli_and_an_error_in_the_api(label, tmp_path,
                                                                        capsys):
    path = tmp_path / "f.json"
    content = HOSTILE_FILES[label]
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    for argv in (["run", "--scenario", str(path)], ["show", str(path)]):
        assert main(argv) == 2, argv
        _one_line(capsys.readouterr().err)
    with pytest.raises(ss.ScenarioError):
        ss.load_scenario(path)


@pytest.mark.parametrize("delay", [0.2, 0.6])
def test_ctrl_c_while_starting_is_one_line_not_a_traceback(delay, tmp_path):
    # the command's entry point (slack_sim_cli, outside the package) catches a Ctrl-C
    # that arrives while slack_sim and its dependencies are being imported
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "slack_sim_cli", "presets"], cwd=tmp_path,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    if proc.returncode == 0 or (proc.returncode == -signal.SIGINT and not err.strip()):
        # finished, or already shutting down (Python exits by the signal, printing nothing:
        # no code of ours runs then)
        pytest.skip("the command finished before the Ctrl-C arrived")
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("slack-sim: interrupted"), err


def test_a_huge_integer_on_the_command_line_is_one_line(capsys):
    for argv in (["run", "--set", "Slack target=" + "9" * 401],
                 ["ensemble", "-n", "9" * 401], ["summary", "--base-year", "9" * 401],
                 ["tipping-map", "--x-values", "0:1:" + "9" * 401]):
        assert main(argv) == 2, argv
        _one_line(capsys.readouterr().err)


def test_a_huge_integer_upload_in_the_app_is_an_error_without_server_paths():
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120).run()
    at.segmented_control(key="page").set_value("Share and export").run()
    data = json.dumps({"format": "slack-sim scenario", "profile": "generic",
                       "values": {}}).replace("{}", '{"Slack target": ' + "9" * 401 + "}")
    at.file_uploader(key="upload").set_value(("big.json", data.encode(),
                                              "application/json")).run()
    assert not at.exception
    assert "more than 40 digits" in at.error[0].value
    assert str(ROOT) not in at.error[0].value and "Traceback" not in at.error[0].value


def test_ctrl_c_mid_run_exits_130_with_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    # --groups: 50,000 fresh draws (the default profile's history-consistent futures are
    # only 500, which would finish before the signal)
    proc = subprocess.Popen([sys.executable, "-m", "slack_sim_cli", "ensemble", "-n",
                             "50000", "--groups", "Effect sizes", "--out", "e.csv"],
                            cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    import psutil

    with proc:
        child, deadline = psutil.Process(proc.pid), time.monotonic() + 120
        while child.cpu_times().user < 4.0 and time.monotonic() < deadline:  # past imports
            time.sleep(0.2)
        assert proc.poll() is None, "the run ended before the Ctrl-C"
        proc.send_signal(signal.SIGINT)
        err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    last = [x for x in err.replace("\r", "\n").splitlines() if x.strip()][-1]
    assert last.startswith("slack-sim: interrupted"), err
    assert not (tmp_path / "e.csv").exists()


def test_ctrl_c_in_any_command_exits_130_with_one_line(monkeypatch, capsys):
    import slack_sim.cli.commands as commands

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "presets_command", interrupted)
    from slack_sim.cli import parser

    monkeypatch.setattr(parser, "presets_command", interrupted)
    assert main(["presets"]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "interrupted" in err[0]
