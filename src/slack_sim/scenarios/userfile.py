"""Files users give: the one set of checks before their contents are parsed as data.

A scenario file (JSON) and a profile file (TOML) are both read from a path the user
names, bounded in size and decoded as UTF-8 text, and both refuse with one line that
names the file and the problem. :func:`read_user_file` does the path checks (a folder,
a missing file, too large before reading a byte), :func:`check_size` the bound on text
already in memory (an upload) and :func:`decode_text` the decoding; the readers of each
format (:mod:`~slack_sim.scenarios.jsonfile`, :mod:`~slack_sim.scenarios.profile_file`)
then parse the text strictly.
"""

from __future__ import annotations

import os
from pathlib import Path

from .values import ScenarioError

__all__ = ["check_size", "decode_text", "read_user_file"]


def check_size(size: int, *, what: str, limit: int) -> None:
    """Refuse contents larger than ``limit`` bytes.

    Parameters
    ----------
    size : int
        The contents' size in bytes.
    what : str
        The file as named in the message (e.g. ``"profile file 'kent.toml'"``).
    limit : int
        Largest size allowed, in bytes.

    Raises
    ------
    ScenarioError
        ``"<what> too large (<size> bytes; at most <limit>)"``.
    """
    if size > limit:
        raise ScenarioError(f"{what} too large ({size:,} bytes; at most {limit:,})")


def decode_text(raw: bytes, *, what: str, expected: str) -> str:
    """Return ``raw`` decoded as UTF-8, refusing anything else with one line.

    Parameters
    ----------
    raw : bytes
        The contents.
    what : str
        The file as named in the message.
    expected : str
        What the file should be, in words (e.g. ``"a TOML profile file"``).

    Raises
    ------
    ScenarioError
        ``"<what>: not <expected> (not UTF-8 text: ...)"``.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{what}: not {expected} (not UTF-8 text: {exc})") from None


def read_user_file(path: str | os.PathLike[str], *, kind: str, expected: str,
                   limit: int) -> bytes:
    """Return the bytes of a file a user named, after the checks every such file gets.

    Parameters
    ----------
    path : path-like
        The file.
    kind : str
        What it is, for messages (``"scenario file"``, ``"profile file"``).
    expected : str
        What a folder is not, in words (``"a JSON file"``).
    limit : int
        Largest size read, in bytes (checked before reading).

    Returns
    -------
    bytes

    Raises
    ------
    ScenarioError
        One line naming the file: a folder, not found, too large, or unreadable.
    """
    p = Path(path)
    what = f"{kind} {str(p)!r}"
    if p.is_dir():
        raise ScenarioError(f"{what} is a directory, not {expected}")
    if not p.is_file():
        raise ScenarioError(f"{what} not found")
    try:
        check_size(p.stat().st_size, what=what, limit=limit)
        return p.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{what} cannot be read: {exc.strerror or exc}") from None
