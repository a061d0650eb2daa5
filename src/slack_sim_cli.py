"""The ``slack-sim`` command's entry point: a Ctrl-C while it starts is one line, status 130.

Importing :mod:`slack_sim` (numpy, pandas, the model) takes a second or two; a Ctrl-C in
that time would otherwise end in a ``KeyboardInterrupt`` (or, inside a C extension's
initialisation, an ``ImportError``) traceback, before :func:`slack_sim.cli.main` can catch
it. This module is outside the package so that it can note a Ctrl-C while the package is
imported and exit with one line once the imports are done.
"""

from __future__ import annotations

import signal
import sys

__all__ = ["main"]


def main() -> int:
    """Run :func:`slack_sim.cli.main` and return its exit status (130 on Ctrl-C)."""
    # a Ctrl-C while a C extension initialises (pandas) would surface as an ImportError
    # traceback, not a KeyboardInterrupt: it is noted during the imports, acted on after
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        from slack_sim.cli.main import exit_now, quiet_unraisable
        from slack_sim.cli.main import main as run
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        print("slack-sim: interrupted (Ctrl-C) while starting; nothing was written",
              file=sys.stderr)
        return 130
    sys.unraisablehook = quiet_unraisable  # also at exit, when the last objects go
    try:
        status = run()
    except KeyboardInterrupt:  # between the import and the command's own handler
        print("slack-sim: interrupted (Ctrl-C); nothing was written", file=sys.stderr)
        return 130
    exit_now(status)  # the exit handlers, then the process ends (no slow teardown)


if __name__ == "__main__":
    sys.exit(main())
