"""The ``slack-sim`` command's entry point: a Ctrl-C while it starts is one line, status 130.

Importing :mod:`slack_sim` (numpy, pandas, the model) takes a second or two; a Ctrl-C in
that time would otherwise end in a ``KeyboardInterrupt`` traceback, before
:func:`slack_sim.cli.main` can catch it. This module is outside the package so that it can
catch it while the package is imported.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> int:
    """Run :func:`slack_sim.cli.main` and return its exit status (130 on Ctrl-C)."""
    try:
        from slack_sim.cli.main import main as run
        from slack_sim.cli.main import quiet_unraisable
    except KeyboardInterrupt:
        print("slack-sim: interrupted (Ctrl-C) while starting; nothing was written",
              file=sys.stderr)
        return 130
    sys.unraisablehook = quiet_unraisable  # also at exit, when the last objects go
    try:
        return run()
    except KeyboardInterrupt:  # between the import and the command's own handler
        print("slack-sim: interrupted (Ctrl-C); nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
