"""The app served for the real-browser tests: ``streamlit run app.py`` on 127.0.0.1.

One copy of starting the server at a free port, waiting for its health check and stopping
it by its process group, for ``tests/ui/test_browser.py``, ``test_presenter.py`` and any
later browser test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_between(low: int = 8600, high: int = 8700) -> int:
    """Return a free TCP port on 127.0.0.1 in ``[low, high)`` (the benchmarks' range)."""
    for port in range(low, high):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{high - 1}")


def start_server(port: int, log: Path, *, root: Path = ROOT,
                 env: dict[str, str] | None = None,
                 timeout: float = 90.0) -> subprocess.Popen:
    """Start ``streamlit run app.py`` of ``root`` on 127.0.0.1:``port``; wait for its health.

    Parameters
    ----------
    port : int
        The port (:func:`free_port`).
    log : Path
        File that receives the server's output.
    root : Path
        The checkout whose ``app.py`` is served.
    env : dict, optional
        Extra environment variables.
    timeout : float
        Seconds to wait for the health check.

    Returns
    -------
    subprocess.Popen
        The server, in its own process group (stop it with :func:`stop_server`).
    """
    streamlit = shutil.which("streamlit", path=os.path.dirname(sys.executable)) or "streamlit"
    environ = {**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1", **(env or {})}
    if "SLACK_SIM_PAGE_FRAGMENT" not in (env or {}):  # served as in production (conftest)
        environ.pop("SLACK_SIM_PAGE_FRAGMENT", None)
    with open(log, "w") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [streamlit, "run", "app.py", "--server.address", "127.0.0.1", "--server.port",
             str(port), "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=root, env=environ, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                        timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_server(proc)
                raise RuntimeError(f"streamlit did not start; see {log}") from None
            time.sleep(0.3)


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server's own process group, by its PID."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextlib.contextmanager
def app_server(log_name: str, *, timeout: float = 90.0,
               env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the app on 127.0.0.1 at a free port; yield its URL; stop it by its PID.

    Parameters
    ----------
    log_name : str
        File in ``test-artifacts/`` that receives the server's output.
    timeout : float
        Seconds to wait for the health check.
    env : dict, optional
        Extra environment variables of the server.
    """
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    proc = start_server(port, ARTIFACTS / log_name, timeout=timeout, env=env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)
