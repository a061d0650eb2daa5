"""Defect class 1: every output is written atomically; nothing partial is left behind.

The writers are stopped mid-write deterministically: the CLI runs in a subprocess whose
file-size limit (``RLIMIT_FSIZE``) is below the output's size, so its write fails in the
middle of the file (EFBIG; Python ignores the SIGXFSZ that would kill a C program),
whatever the writer. The previous good file must still be at the destination, byte for
byte, with no temporary file left and the destination named in one line.
"""

import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from slack_sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 32_000  # bytes: well under every output below


def _killed_mid_write(args, cwd):
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "slack_sim_cli", *args], cwd=cwd,
                          env=env, capture_output=True, preexec_fn=limit, timeout=600)
    return proc


@pytest.mark.parametrize(("args", "name"), [
    (["run"], "x.csv"),
    (["compare", "--preset", "baseline", "--preset", "austerity"], "x.xlsx"),
    (["doc", "--format", "csv"], "x.csv"),
])
def test_a_writer_killed_mid_write_leaves_the_previous_file(tmp_path, args, name):
    target = tmp_path / name
    assert main([*args, "--out", str(target)]) == 0
    good = target.read_bytes()
    assert len(good) > 2 * LIMIT
    proc = _killed_mid_write([*args, "--out", name], tmp_path)
    err = proc.stderr.decode()
    assert proc.returncode in (2, -signal.SIGXFSZ), err[-500:]
    assert target.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == [name]
    if proc.returncode == 2:  # one line naming the file (the writer's own words after it)
        lines = [x for x in err.strip().splitlines() if "RuntimeWarning" not in x]
        assert len(lines) == 1 and lines[0].startswith(
            f"slack-sim: error: cannot write {name!r}: "), err


def _device(tmp_path, name, minor):
    """A character device ``name`` in ``tmp_path``: /dev/full (minor 7) or /dev/null (3).

    As root, a private node of the same device (renaming over the real /dev/full, as a
    non-atomic fix once did, would replace it for every process on the machine); else a
    link to the real one.
    """
    node = tmp_path / name
    if os.geteuid() == 0:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    else:
        real = Path("/dev/full" if minor == 7 else "/dev/null")
        if not real.exists():
            pytest.skip(f"no {real}")
        node.symlink_to(real)
    return node


@pytest.mark.parametrize(("argv", "name"), [
    (["run"], "full.csv"), (["save"], "full.json"), (["doc"], "full.txt"),
    (["compare", "--preset", "baseline"], "full.xlsx"),
    (["compare", "--preset", "baseline"], "full.csv"),
])
def test_a_full_device_is_one_line_naming_it_and_stays_a_device(argv, name, tmp_path,
                                                                  capsys):
    full = _device(tmp_path, name, 7)
    assert main([*argv, "--out", str(full)]) == 2, argv
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and repr(str(full)) in err and "No space left" in err, err
    assert "Exception ignored" not in err
    assert stat.S_ISCHR(os.stat(full).st_mode), "the device was replaced"


def test_a_device_is_written_not_replaced(tmp_path, capsys):
    null = _device(tmp_path, "null.json", 3)
    assert main(["save", "--out", str(null)]) == 0
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_a_successful_write_leaves_only_the_file_and_keeps_its_mode(tmp_path):
    target = tmp_path / "s.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    assert main(["save", "--out", str(target)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() != "old"


def test_a_link_is_followed_not_replaced(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert main(["save", "--out", str(link)]) == 0
    assert link.is_symlink() and '"slack-sim scenario"' in real.read_text()
