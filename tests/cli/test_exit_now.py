"""The fast exit of ``slack-sim`` (:func:`slack_sim.cli.main.exit_now`): exit handlers, then out."""

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import atexit, pathlib, sys, tempfile, weakref
    from slack_sim.cli.main import exit_now

    out = pathlib.Path(sys.argv[1])
    atexit.register(lambda: out.write_text("exit handler ran"))
    folder = tempfile.TemporaryDirectory()          # removed by its finaliser at exit
    (pathlib.Path(folder.name) / "f").write_text("x")
    (out.parent / "folder").write_text(folder.name)
    sys.stdout.write("buffered, no newline")        # still in the buffer (stdout a pipe)
    sys.stderr.write("on stderr")
    exit_now(3)
    print("after exit_now")
""")


def test_exit_now_runs_exit_handlers_flushes_and_exits_with_the_status(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "handler")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert done.stdout == "buffered, no newline"
    assert done.stderr == "on stderr"
    assert (tmp_path / "handler").read_text() == "exit handler ran"
    folder = (tmp_path / "folder").read_text()
    assert not os.path.exists(folder)  # weakref.finalize ran too
