"""The reference interpreter: the model run by PySD (the ``"pysd"`` engine).

PySD's translation of ``slack.mdl`` is cached on disk by model version and PySD version,
under the compiled kernel's rule (:mod:`slack_sim.engine.kernel_cache`): in a folder
private to this user, with its SHA-256 written beside it, and executed only once the
folder, the file and the digest check out; anything else is translated again, with one
line on stderr saying why. PySD imports a model from a file, so the verified bytes are
written to a private temporary copy (one a process) and that copy is loaded: what runs is
what was verified, never a later change to the cache or a stale ``__pycache__`` beside it.
Every run gets a freshly loaded PySD model, so one scenario never leaks into the next
(PySD's ``run(params=...)`` persists in the model object).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model.calendar import to_years
from ..model.files import cache_dir, cache_dirs, fallback_cache_dir, is_private
from ..model.parse import load_model
from ..model.variables import Model
from ..scenarios import Scenario
from .kernel_cache import not_using, read_verified, write_verified

__all__ = ["PYSD_FILE", "fresh_pysd", "pysd_rhs", "run_pysd", "translated"]

#: The translation's file name in its cache folder (its SHA-256 in ``slack.sha256``).
PYSD_FILE = "slack.py"

#: Verified translations written out for PySD to import, by SHA-256 (one a process).
_RUNNABLE: dict[str, Path] = {}
_LOCK = threading.Lock()


def _folder_name(model: Model) -> str:
    from importlib.metadata import version

    return f"pysd-{model.version}-{version('pysd')}"


def _translate(model: Model) -> bytes:
    """Translate the model with PySD in a private temporary folder; the module's bytes."""
    import pysd

    with tempfile.TemporaryDirectory(prefix="slack-sim-pysd-") as tmp:
        mdl = Path(tmp) / "slack.mdl"
        shutil.copyfile(model.path, mdl)
        pysd.read_vensim(str(mdl))
        return (Path(tmp) / PYSD_FILE).read_bytes()


def _verified(model: Model) -> tuple[Path, bytes]:
    """Return the cached translation's path and its verified bytes (translating if need be)."""
    name = _folder_name(model)
    for base in cache_dirs():
        target = base / name / PYSD_FILE
        if not os.path.lexists(target):
            continue
        data, why = read_verified(target)
        if data is not None:
            return target, data
        not_using("PySD translation", target, why)
    source = _translate(model)
    errors = []
    for base_of in (cache_dir, fallback_cache_dir):
        try:
            return write_verified(base_of() / name, source, name=PYSD_FILE), source
        except OSError as exc:  # an unwritable or shared cache folder: the fallback
            errors.append(str(exc))
    raise OSError(f"cannot write PySD's translation in {cache_dir()} or a temporary "
                  f"folder ({'; '.join(errors)})")


def translated(model: Model) -> Path:
    """Return the PySD translation of the model, cached by model and PySD version.

    Parameters
    ----------
    model : Model
        The parsed model.

    Returns
    -------
    pathlib.Path
        ``<cache>/pysd-<model version>-<PySD version>/slack.py``, verified against the
        SHA-256 beside it (translated again, with one line on stderr, if it is not).

    Raises
    ------
    OSError
        If neither the cache folder nor a private temporary one can be written.
    """
    return _verified(model)[0]


def _runnable(data: bytes) -> Path:
    """Return a private copy of verified translation bytes for PySD to import."""
    digest = hashlib.sha256(data).hexdigest()
    with _LOCK:
        path = _RUNNABLE.get(digest)
        if path is not None and is_private(path.parent) and is_private(path, folder=False):
            return path
        folder = Path(tempfile.mkdtemp(prefix="slack-sim-pysd-"))  # mode 0700, ours
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / PYSD_FILE
        path.write_bytes(data)
        _RUNNABLE[digest] = path
        return path


def fresh_pysd(model: Model) -> Any:
    """Return a freshly loaded PySD model (no state from an earlier run).

    The translation is verified (:func:`translated`) on every call and its verified bytes
    are what PySD imports.
    """
    import pysd

    return pysd.load(str(_runnable(_verified(model)[1])))


def run_pysd(
    scenario: Scenario,
    *,
    model: Model,
    time_step: float | None,
    output_step: float | None,
    final_time: float | None,
) -> pd.DataFrame:
    """Run one scenario on PySD: the ``"pysd"`` entry of ``ENGINES``.

    Returns
    -------
    pandas.DataFrame
        Index ``year`` (decimal years), one column per model variable.

    Raises
    ------
    ValueError
        If the output step is not a multiple of the time step.
    """
    dt = float(time_step or model.time_step)
    step = float(output_step or model.saveper)
    end = float(final_time if final_time is not None else model.final_time)
    if abs(step / dt - round(step / dt)) > 1e-9:
        raise ValueError(f"output_step {step} must be a multiple of time_step {dt}")
    pmodel = fresh_pysd(model)
    n = int(round((end - model.initial_time) / step))
    stamps = model.initial_time + step * np.arange(n + 1)
    frame = pmodel.run(
        params=scenario.parameters(model=model),
        time_step=dt,
        saveper=step,
        final_time=end,
        return_timestamps=stamps,
    )
    names = [c for c in frame.columns if c in model.variables]
    out = frame[names].astype(float)
    out.index = pd.Index(to_years(frame.index.to_numpy(), start=model.start_year), name="year")
    return out


def pysd_rhs(
    scenario: Scenario,
) -> tuple[list[str], np.ndarray, Callable[[float, np.ndarray], np.ndarray], Any]:
    """Return the model's right-hand side from PySD, for an independent ODE solver.

    Used to cross-check Euler integration against :func:`scipy.integrate.solve_ivp`.

    Parameters
    ----------
    scenario : Scenario
        Scenario whose parameters are set.

    Returns
    -------
    names : list of str
        Stock names, in state-vector order.
    y0 : numpy.ndarray
        Initial stock values.
    rhs : callable
        ``rhs(t, y)`` returns d(stocks)/dt at month ``t``.
    pysd_model : pysd model
        The PySD model, whose auxiliaries reflect the last state passed to ``rhs``.
    """
    model = load_model()
    pm = fresh_pysd(model)
    pm.set_components(scenario.parameters(model=model))
    pm.initialize()
    elements = pm._dynamicstateful_elements
    py_to_name = {pm.namespace[n]: n for n in pm.namespace}
    names = []
    for el in elements:
        py = getattr(el, "py_name", "").removeprefix("_integ_")
        names.append(py_to_name.get(py, py))
    y0 = np.array([float(el.state) for el in elements])

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        pm.time.update(t)
        pm.state = np.asarray(y, dtype=float)
        pm.clean_caches()
        return np.array(pm.ddt(), dtype=float)

    return names, y0, rhs, pm
