"""A teaching session kept on the server under a random code, so a reload loses nothing.

The Teach page puts a session code in the URL (``?session=<code>``); what the room did
(the step shown, each step's prediction and which steps were run, in order) is saved here
under that code after every change, and a new browser session opened with the code (a
reload, or the same link on another machine) restores it. The results themselves are not
stored: they are recomputed from the steps, which are deterministic.

The store is bounded (at most :data:`MAX_SESSIONS` codes, the least recently used dropped
first; a record of at most :data:`MAX_RECORD_BYTES`) and expiring (a code unused for
:data:`TTL_SECONDS` is forgotten). A code is 128 random bits (:func:`new_code`,
:func:`secrets.token_urlsafe`), so it cannot be guessed, and it is checked
(:func:`check_code`) before it is used. Every record is stored and returned as a fresh
copy (a JSON round trip), so two codes never share a mutable object. Nothing here imports
streamlit.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from ..validation import ValidationError, given_text

__all__ = ["CODE_LENGTH", "MAX_RECORD_BYTES", "MAX_SESSIONS", "STORE", "TTL_SECONDS",
           "SessionStore", "check_code", "new_code"]

#: Characters in a session code (``secrets.token_urlsafe(16)``: 128 random bits).
CODE_LENGTH = 22
#: Most sessions kept at once.
MAX_SESSIONS = 500
#: A session unused for this long is forgotten (12 hours: a workshop day).
TTL_SECONDS = 12 * 3600.0
#: Largest record kept (a full storyline's record is under 1 kB).
MAX_RECORD_BYTES = 16_384

_CODE = re.compile(rf"[A-Za-z0-9_-]{{{CODE_LENGTH}}}")


def new_code() -> str:
    """Return a new random session code (22 URL-safe characters, 128 bits)."""
    return secrets.token_urlsafe(16)


def check_code(code: Any) -> str:
    """Return a session code if it is well formed.

    Raises
    ------
    slack_sim.validation.ValidationError
        Naming the field, the value given (shortened) and what is allowed.
    """
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise ValidationError(
            f"session: expected a code of {CODE_LENGTH} letters, digits, '-' or '_', got "
            f"{given_text(str(code)[:40])}")
    return code


class SessionStore:
    """Records by session code, bounded in number and size, forgotten when unused.

    Parameters
    ----------
    max_sessions : int
        Most codes kept; saving another drops the least recently used.
    ttl : float
        Seconds after its last use that a code is forgotten.
    clock : callable
        Returns the time in seconds (tests pass a fake one).
    """

    def __init__(self, *, max_sessions: int = MAX_SESSIONS, ttl: float = TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_sessions = int(max_sessions)
        self.ttl = float(ttl)
        self._clock = clock
        self._records: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()  # the app's sessions run in threads

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._records)

    def _expire(self) -> None:
        now = self._clock()
        for code in [c for c, (used, _) in self._records.items() if now - used > self.ttl]:
            del self._records[code]

    def save(self, code: str, record: Mapping[str, Any]) -> None:
        """Keep a record (JSON-serialisable) under a code, replacing what it held.

        Raises
        ------
        slack_sim.validation.ValidationError
            For a malformed code or a record over :data:`MAX_RECORD_BYTES`.
        """
        check_code(code)
        text = json.dumps(record, sort_keys=True)
        if len(text.encode()) > MAX_RECORD_BYTES:
            raise ValidationError(f"session record: {len(text.encode())} bytes is outside the "
                                  f"allowed range [0, {MAX_RECORD_BYTES}] bytes")
        with self._lock:
            self._expire()
            self._records.pop(code, None)
            self._records[code] = (self._clock(), text)
            while len(self._records) > self.max_sessions:
                self._records.popitem(last=False)

    def load(self, code: str) -> dict[str, Any] | None:
        """Return a fresh copy of the record under a code (``None``: unknown or expired).

        Raises
        ------
        slack_sim.validation.ValidationError
            For a malformed code.
        """
        check_code(code)
        with self._lock:
            self._expire()
            found = self._records.pop(code, None)
            if found is None:
                return None
            self._records[code] = (self._clock(), found[1])  # used: most recent, kept longer
        return json.loads(found[1])

    def drop(self, code: str) -> None:
        """Forget a code."""
        with self._lock:
            self._records.pop(check_code(code), None)


#: The app's store (one per server process).
STORE = SessionStore()
