"""Command line: ``slack-sim presets | run | summary | compare | doc | save | show | ...``.

Also ``ensemble | sensitivity | tipping-map | optimise`` (uncertainty and policy search).
The parser is in :mod:`slack_sim.cli.parser`, the subcommands in
:mod:`slack_sim.cli.commands` and :mod:`slack_sim.cli.analysis`.

Errors exit with status 2 and one clear line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import io
import os
import signal
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn, TextIO

from ..report.text import terminal_safe
from ..scenarios import ScenarioError, ScenarioVersionWarning
from .commands import SUMMARY_COLUMNS
from .options import CliError, end_progress
from .parser import build_parser

__all__ = ["SUMMARY_COLUMNS", "TerminalText", "build_parser", "check_arguments", "exit_now",
           "main", "quiet_unraisable"]


#: The one line of a Ctrl-C during a command (exit 130).
INTERRUPTED = "interrupted (Ctrl-C); nothing partial was left where an output was to be written"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on a user error, 130 on Ctrl-C, 1 on an internal error.
    """
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error, already reported on one line
        return exc.code if isinstance(exc.code, int) else 2
    except KeyboardInterrupt:
        _say("interrupted (Ctrl-C) before starting; nothing was written")
        return 130
    hook = sys.unraisablehook
    sys.unraisablehook = quiet_unraisable
    try:
        status = _run(args)
        if status:  # a failed writer's generators are finalised here, quietly (a full
            gc.collect()  # collection of pandas' heap costs 30-40 ms: not after a success)
    except KeyboardInterrupt:  # a Ctrl-C as the command ends: still one line, never a traceback
        _say(INTERRUPTED)
        status = 130
    finally:
        sys.unraisablehook = hook
    return status


def exit_now(status: int) -> NoReturn:
    """End the process with ``status`` at once, after what an exit must still do.

    A command has written its files and printed its output by the time it returns;
    Python's own shutdown then takes 60 to 150 ms to tear down the modules and objects
    of numpy, pandas and the model one by one, which the operating system does at once.
    Here the exit handlers registered with :mod:`atexit` run (temporary folders, PySD's
    translated models, worker pools' and Dask's clean-up, ``weakref.finalize``), the
    standard streams are flushed, and the process ends (:func:`os._exit`). For the
    ``slack-sim`` command's entry point only, never inside a program that imports the
    package.

    Parameters
    ----------
    status : int
        The exit status.
    """
    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed pipe ('| head'): nothing to do
                stream.flush()
        os._exit(status)


def quiet_unraisable(unraisable: object) -> None:
    """Ignore an error raised while an object is finalised (``Exception ignored in ...``).

    After a failed write (a full disk), the writer's half-finished objects (openpyxl's
    worksheet generators, a ZipFile) raise again as they are collected; the failure has
    already been reported in one line, so these multi-line reports are dropped. A Ctrl-C
    whose ``KeyboardInterrupt`` was raised inside a finaliser (Python reports it here
    instead of raising it) is delivered again, so that it interrupts the command: it was
    lost before, and a long ensemble ran on after Ctrl-C.
    """
    if getattr(unraisable, "exc_type", None) is KeyboardInterrupt:
        signal.raise_signal(signal.SIGINT)


def _run(args: argparse.Namespace) -> int:
    try:
        check_arguments(args)
        with warnings.catch_warnings(record=True) as caught, \
                contextlib.redirect_stdout(TerminalText(sys.stdout)):
            warnings.simplefilter("always", ScenarioVersionWarning)
            args.func(args)
        for w in caught:
            if issubclass(w.category, ScenarioVersionWarning):
                _say(f"WARNING: {w.message}")
    except BrokenPipeError:  # output piped into e.g. 'head'
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        _say(INTERRUPTED)
        return 130
    except (CliError, ScenarioError, OSError, ValueError) as exc:
        _say(f"error: {exc}")
        return 2
    except RecursionError:
        _say("error: the input is nested too deeply to read")
        return 2
    except (OverflowError, MemoryError) as exc:
        _say(f"error: a number or an input is too large ({type(exc).__name__}: {exc})")
        return 2
    except Exception as exc:  # an internal error: one line, never a traceback
        _say(f"internal error: {type(exc).__name__}: {exc} (please report this, with the "
             "command you ran)")
        return 1
    return 0


class TerminalText(io.TextIOBase):
    """A text stream that escapes control characters on their way to another one.

    Every command's standard output goes through it, so text a user supplied (a
    scenario's name or description, a file name) cannot recolour the terminal, move the
    cursor or overwrite a line: ANSI escapes, carriage returns, bidirectional overrides
    and lone surrogates are written as their Python escapes; newlines and tabs pass.
    (A newline inside user text is escaped where the commands print it.)
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` with its control characters escaped; return its length."""
        safe = "\n".join(terminal_safe(part) for part in text.split("\n"))
        if any("\ud800" <= ch <= "\udfff" for ch in safe):  # not encodable: escape them
            safe = "".join(ch.encode("unicode_escape").decode("ascii")
                           if "\ud800" <= ch <= "\udfff" else ch for ch in safe)
        self._stream.write(safe)
        return len(text)

    def flush(self) -> None:
        """Flush the stream written to."""
        self._stream.flush()

    def writable(self) -> bool:
        """Return True: it is an output stream."""
        return True

    def isatty(self) -> bool:
        """Return whether the stream written to is a terminal."""
        return self._stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """The encoding of the stream written to."""
        return getattr(self._stream, "encoding", "utf-8")


#: Options whose empty value a command would take as "not given" (``args.preset or
#: DEFAULT_PRESET``): given as empty text, they are refused instead.
FALLBACK_OPTIONS = frozenset({"preset", "presets", "profile", "profile_file", "scenario",
                              "scenario_files", "baseline", "name", "description", "out",
                              "file", "groups"})


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse what every command would otherwise take silently, before it runs.

    An option given as empty text (``--preset ''`` fell back to the default preset) and a
    ``--set`` that names a variable twice (the last one won).

    Raises
    ------
    CliError
        One line naming the option and the value given.
    """
    for key, value in vars(args).items():
        if key not in FALLBACK_OPTIONS:  # the others refuse an empty value themselves
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and not item.strip():
                option = key if key == "file" else "--" + key.replace("_", "-")
                raise CliError(f"{option}: got {item!r}, an empty value; give one or leave "
                               "the option out")
    names = [item.partition("=")[0].strip() for item in getattr(args, "set", None) or []]
    twice = [n for i, n in enumerate(names) if n in names[:i]]
    if twice:
        raise CliError(f"--set gives {twice[0]!r} more than once; give each variable once")


def _say(message: str) -> None:
    """Print one line on stderr, prefixed ``slack-sim:``, with control characters escaped."""
    end_progress()  # after a progress line cut short, on a line of its own
    print(f"slack-sim: {terminal_safe(message)}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
