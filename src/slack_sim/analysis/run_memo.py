"""A small in-process memo of batch runs: one scenario over one table of samples.

In the app a slider moves the scenario while its comparator (the no-austerity baseline of
the ensemble, the current-policy counterfactual of the appraisal) stays the same, so the
comparator's runs are kept here and a rerun runs only the scenario's members. The key is
everything that decides a run: the scenario's key, its profile's version (an edited
profile is never served an old run), what the caller says it computes, and the samples
(their columns and values, bit for bit). Entries are read-only and shared by the app's
sessions (threads): the memo is guarded by a lock and keeps the last ``size`` entries.

:class:`MemberRuns` keeps the runs one batch made so that another batch of the same
scenario over some of the same members can take them instead of running them again: the
app's ensemble runs the scenario over its 500 futures, and the appraisal's futures are a
seeded subset of those (issue 16: the appraisal then runs no policy members of its own).
A member is found only by its settings, compared bit for bit, under the same scenario key,
profile version and sampled columns; a run is the same numbers whichever batch made it
(the engine runs each member in its own lane).
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..engine.inputs import _profile_key
from ..model.parse import load_model
from ..scenarios import Scenario, profile_version
from ..scenarios.library import UNCALIBRATED

__all__ = ["MemberRuns", "RunMemo", "current_profile_version"]


def _stamp(profile: str) -> tuple[object, ...]:
    """Return what a profile's values are read from: the model version, its files' times."""
    # an uncalibrated build's values come from its base's files
    return _profile_key(load_model(), profile.removesuffix(UNCALIBRATED))


def current_profile_version(profile: str) -> str:
    """Return :func:`slack_sim.scenarios.profile_version`, hashed again only on a change.

    Keyed as the engine keys its profile rows (the model version and the modification
    times of the files a profile's values come from), so a key made on every rerun does
    not hash the profile's values again (a few ms each time).

    Parameters
    ----------
    profile : str
        A profile name.

    Returns
    -------
    str
        The profile's version.
    """
    return _version_of(profile, _stamp(profile))


@functools.lru_cache(maxsize=64)
def _version_of(profile: str, stamp: tuple[object, ...]) -> str:
    return profile_version(profile)


def _freeze(value: Any) -> None:
    """Make the arrays of a run read-only (shared by every caller)."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, dict | tuple | list):
        for item in value.values() if isinstance(value, dict) else value:
            _freeze(item)


class RunMemo:
    """The last ``size`` runs of scenarios over samples, keyed by what decides them.

    Parameters
    ----------
    size : int
        Entries kept (the oldest is dropped first).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._runs: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(scenario: Scenario, samples: pd.DataFrame, *, what: str) -> str:
        """Return the key of ``scenario`` run over ``samples`` computing ``what``."""
        head = json.dumps([scenario.key, current_profile_version(scenario.profile), what,
                           list(samples.columns)])
        body = np.ascontiguousarray(samples.to_numpy(dtype=float)).tobytes()
        return hashlib.sha256(head.encode() + body).hexdigest()

    def get(self, scenario: Scenario, samples: pd.DataFrame, *, what: str,
            compute: Callable[[], Any]) -> Any:
        """Return the memo's run of ``scenario`` over ``samples``, computing it if absent.

        Parameters
        ----------
        scenario : Scenario
            The scenario run.
        samples : pandas.DataFrame
            The table of samples it is run over (one row per member).
        what : str
            What ``compute`` returns (e.g. the outputs it keeps), part of the key.
        compute : callable
            ``compute()`` -> the run; its arrays are made read-only.

        Returns
        -------
        Any
            What ``compute`` returned for this key (the same object for every caller).
        """
        key = self.key(scenario, samples, what=what)
        with self._lock:
            if key in self._runs:
                self._runs.move_to_end(key)
                return self._runs[key]
        run = compute()
        _freeze(run)
        with self._lock:
            self._runs[key] = run
            while len(self._runs) > self.size:
                self._runs.popitem(last=False)
        return run

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._runs.clear()


class MemberRuns:
    """The outputs of the last ``size`` batches, by scenario, for taking members from.

    Parameters
    ----------
    size : int
        Batches kept (the oldest is dropped first).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._runs: OrderedDict[str, tuple[dict[bytes, int], dict[str, np.ndarray],
                                           np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _head(scenario: Scenario, columns: list[str]) -> str:
        return json.dumps([scenario.key, current_profile_version(scenario.profile), columns])

    @staticmethod
    def _rows(samples: pd.DataFrame) -> np.ndarray:
        return np.ascontiguousarray(samples.to_numpy(dtype=float))

    def put(self, scenario: Scenario, samples: pd.DataFrame, *,
            outputs: dict[str, np.ndarray], years: np.ndarray) -> None:
        """Keep a batch: ``scenario`` run over ``samples`` (members x times per output).

        Parameters
        ----------
        scenario : Scenario
            The scenario every member ran (the sampled columns override its values).
        samples : pandas.DataFrame
            One row per member, in the order of the outputs' rows.
        outputs : dict of str to numpy.ndarray
            Each output, members x times (copied: only these are kept).
        years : numpy.ndarray
            The output times (decimal years).
        """
        rows = self._rows(samples)
        # copies: a batch's outputs are views of one block holding every output it ran
        kept = {name: np.array(values, dtype=float) for name, values in outputs.items()}
        for name, values in kept.items():
            if values.ndim != 2 or values.shape[0] != len(rows):
                raise ValueError(f"outputs[{name!r}]: expected {len(rows)} members x times, "
                                 f"got shape {values.shape}")
        index: dict[bytes, int] = {}
        for i, row in enumerate(rows):
            index.setdefault(row.tobytes(), i)
        grid = np.array(years, dtype=float)
        _freeze((kept, grid))
        head = self._head(scenario, list(samples.columns))
        with self._lock:
            self._runs.pop(head, None)
            self._runs[head] = (index, kept, grid)
            while len(self._runs) > self.size:
                self._runs.popitem(last=False)

    def take(self, scenario: Scenario, samples: pd.DataFrame,
             outputs: list[str]) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
        """Return the kept runs of these members, or ``None`` if any is missing.

        Parameters
        ----------
        scenario : Scenario
            The scenario.
        samples : pandas.DataFrame
            The members wanted (their settings, with the kept batch's columns in order).
        outputs : list of str
            The outputs wanted.

        Returns
        -------
        (dict of str to numpy.ndarray, numpy.ndarray) or None
            Each output, one row per row of ``samples`` in its order, and the times;
            ``None`` when no kept batch of this scenario and profile version has every
            member (bit for bit) and every output.
        """
        head = self._head(scenario, list(samples.columns))
        with self._lock:
            found = self._runs.get(head)
            if found is not None:
                self._runs.move_to_end(head)
        if found is None:
            return None
        index, kept, grid = found
        if any(name not in kept for name in outputs):
            return None
        picks = [index.get(row.tobytes()) for row in self._rows(samples)]
        if any(p is None for p in picks):
            return None
        order = np.asarray(picks, dtype=int)
        return {name: kept[name][order] for name in outputs}, grid

    def clear(self) -> None:
        """Drop every batch."""
        with self._lock:
            self._runs.clear()
