"""A small in-process memo of batch runs: one scenario over one table of samples.

In the app a slider moves the scenario while its comparator (the no-austerity baseline of
the ensemble, the current-policy counterfactual of the appraisal) stays the same, so the
comparator's runs are kept here and a rerun runs only the scenario's members. The key is
everything that decides a run: the scenario's key, its profile's version (an edited
profile is never served an old run), what the caller says it computes, and the samples
(their columns and values, bit for bit). Entries are read-only and shared by the app's
sessions (threads): the memo is guarded by a lock and keeps the last ``size`` entries.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..scenarios import Scenario, profile_version

__all__ = ["RunMemo"]


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
        head = json.dumps([scenario.key, profile_version(scenario.profile), what,
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
