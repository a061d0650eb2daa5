"""The guessed next slider step's charts, in the browser before the slider lands on them.

:mod:`slack_sim.ui.speculate` computes the Scenario page of the slider's next step (in
the direction of the last move) while the user reads this one. Until now the browser
saw none of it until the next press had gone to the server and the page had been rerun
and sent back: 500-600 ms a guessed step on the 2-core benchmark machine, most of it
Streamlit's rerun and the browser drawing what it sends (``docs/performance.md``).

This module hands the guessed step's six figures to the browser ahead of time. The
guessing thread writes them as a JSON file, named by their :func:`fingerprint`, into a
directory that the app server serves (a file-only Streamlit component, as
:mod:`slack_sim.ui.live_chart` serves plotly.js). The page tells each chart where that
file will be and which slider value it belongs to (:class:`Ahead`); the browser fetches
it once written. When the slider lands on that value (a press of the arrow key, a click
or a drag), the charts are redrawn from it at once, while the press goes to the server
as before. The rerun then sends figures with the same fingerprint, and the charts,
already showing them, are left alone. The cards and everything else are redrawn by
the rerun, as before.

Nothing is shown that the page would not show. The file holds the figures that
:func:`slack_sim.ui.cache.chart_figures` returns for the scenario the slider then
describes (the guess is the value the browser's slider sets, bit for bit:
:func:`slack_sim.ui.speculate.next_step`). A fingerprint covers everything those
figures depend on. If anything else moved first, the rerun's figures differ in
fingerprint and are drawn as they arrive.

The files are the figures of public scenarios (no session's data). They live in one
temporary directory per server process, which keeps the newest :data:`KEEP` and is
removed at exit.

A page whose figures are already in such a file (a step that was guessed) sends the
charts the file's address instead of the figures (about 1 kB instead of 340 kB with the
bands on): the browser has usually fetched it already, and draws from it.
"""

from __future__ import annotations

import atexit
import collections
import dataclasses
import functools
import hashlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import streamlit as st

__all__ = ["KEEP", "Ahead", "digest", "directory", "fingerprints", "promise", "served_path",
           "url", "write", "written"]

#: Files kept in the directory (the newest; one per guessed step, about 0.3 MB each).
KEEP = 128

_COMPONENT = "slack_sim_ahead"


@dataclasses.dataclass(frozen=True)
class Ahead:
    """Where the browser finds the charts of the slider's guessed next step.

    Attributes
    ----------
    slider : str
        The slider's label (its ``aria-label`` in the page).
    value : float
        The value the slider lands on for that step.
    url : str
        Where the figures' file will be (:func:`url`); not found until written.
    digest : str
        The figures' :func:`digest`: chart ``i`` of that step has fingerprint
        ``f"{digest}:{i}"``.
    """

    slider: str
    value: float
    url: str
    digest: str

    def to_json(self) -> dict[str, Any]:
        """Return the fields as the browser reads them."""
        return dataclasses.asdict(self)


def digest(key: str, base_key: str, baseline: str, members: int | None, groups: str) -> str:
    """Return a digest of what the Scenario page's figures depend on.

    The arguments are :func:`slack_sim.ui.cache.chart_figures`'s: equal digests, equal
    figures.

    Parameters
    ----------
    key, base_key : str
        The scenario's and the baseline's cache keys.
    baseline : str
        The baseline preset's name.
    members : int or None
        Futures behind the bands, ``None`` for none.
    groups : str
        Uncertainty groups sampled.

    Returns
    -------
    str
        24 hex digits.
    """
    text = json.dumps([key, base_key, baseline, members, groups])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def fingerprints(page_digest: str, count: int) -> list[str]:
    """Return the fingerprints of the ``count`` charts of the page with ``page_digest``."""
    return [f"{page_digest}:{i}" for i in range(count)]


@functools.cache
def directory() -> Path:
    """Return this process's directory of figure files (made on first use)."""
    path = Path(tempfile.mkdtemp(prefix="slack-sim-ahead-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@functools.cache
def _served_name() -> str:
    """Register the directory as a file-only component (once a process); return its name."""
    import streamlit.components.v1 as components_v1

    return components_v1.declare_component(_COMPONENT, path=str(directory())).name


def url(page_digest: str) -> str:
    """Return the path the app server serves the figures of ``page_digest`` at.

    Parameters
    ----------
    page_digest : str
        The figures' :func:`digest`.

    Returns
    -------
    str
        ``/component/<name>/<digest>.json`` under ``server.baseUrlPath``.
    """
    return served_path(_served_name(), f"{page_digest}.json")


def served_path(component: str, filename: str) -> str:
    """Return the path the app server serves a file-only component's file at.

    Parameters
    ----------
    component : str
        The component's registered name (``declare_component(...).name``).
    filename : str
        The file, relative to the component's directory.

    Returns
    -------
    str
        ``/component/<component>/<filename>`` under ``server.baseUrlPath``.
    """
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + "/".join(p for p in (base, "component", component, filename) if p)


#: Digests whose complete file is in the directory, oldest first (at most :data:`KEEP`).
_WRITTEN: collections.OrderedDict[str, None] = collections.OrderedDict()
_LOCK = threading.Lock()


def _put(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole: to a temporary name, then renamed over it."""
    part = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.part")
    part.write_text(text, encoding="utf-8")
    os.replace(part, path)


def promise(page_digest: str) -> None:
    """Write a file saying the figures of ``page_digest`` are being computed.

    The browser asks for the file until it holds the figures; a file that is there from
    the start spares it a "not found" a time (which it would log as an error).

    Parameters
    ----------
    page_digest : str
        The figures' :func:`digest`.
    """
    with _LOCK:
        if page_digest in _WRITTEN:
            return
        _put(directory() / f"{page_digest}.json",
             json.dumps({"digest": page_digest, "figures": None}))


def write(page_digest: str, figures: list[dict[str, Any]]) -> Path:
    """Write the figures of ``page_digest`` for the browser to fetch; return the file.

    Written whole to a temporary name and then renamed, so the browser never reads part
    of a file. Only the newest :data:`KEEP` are kept.

    Parameters
    ----------
    page_digest : str
        The figures' :func:`digest`.
    figures : list of dict
        plotly's figure dicts, in the page's order (what the charts would be sent).

    Returns
    -------
    pathlib.Path
    """
    folder = directory()
    path = folder / f"{page_digest}.json"
    with _LOCK:
        if page_digest in _WRITTEN:
            _WRITTEN.move_to_end(page_digest)
            return path
        _put(path, json.dumps({"digest": page_digest, "figures": figures},
                              separators=(",", ":")))
        _WRITTEN[page_digest] = None
        while len(_WRITTEN) > KEEP:
            old, _ = _WRITTEN.popitem(last=False)
            (folder / f"{old}.json").unlink(missing_ok=True)
    return path


def written(page_digest: str) -> bool:
    """Return whether the figures of ``page_digest`` are in a file the browser can fetch.

    Parameters
    ----------
    page_digest : str
        The figures' :func:`digest`.

    Returns
    -------
    bool
    """
    with _LOCK:
        return page_digest in _WRITTEN
