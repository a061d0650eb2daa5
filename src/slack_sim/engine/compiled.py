"""The compiled engine: the model's equations as generated code, N scenarios in one pass.

:func:`compile_model` runs the stages of :mod:`slack_sim.engine` -- translate
(:mod:`~slack_sim.engine.translate`), plan (:mod:`~slack_sim.engine.plan`) and code
generation (:mod:`~slack_sim.engine.codegen`) -- on the model's one parse and loads the
generated module, cached on disk. :class:`CompiledModel` runs a parameter matrix on one
of its three dialects:

``numba``
    Scalar equations in a loop over a block of 8 scenario lanes, branch-free so that
    LLVM vectorises it across scenarios; blocks are shared among threads (one per
    core; the kernel releases the GIL). The fast path. A run of one or two scenarios
    takes the one-lane variant of the same code (``kernel_numba1``: no padding lanes),
    which gives the very same numbers.
``vector``
    Pure numpy: every variable an array over scenarios; one numpy call per operation
    and time step. The fallback for large batches when numba is not installed.
``python``
    The scalar kernel run by the Python interpreter. The fallback for a handful of
    scenarios (one Python float operation is cheaper than one numpy call).

No equation is typed in this package: change the ``.mdl`` and the generated code
follows. Semantics follow PySD, the reference interpreter; see ``docs/engine.md``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from ..model.files import cache_dir, cache_dirs, fallback_cache_dir
from ..model.parse import load_model
from ..model.variables import Model
from .kernel_cache import DIGEST_FILE as DIGEST_FILE  # re-exported (tests, tools)
from .kernel_cache import (
    KERNEL_FILE,
    announce_compile,
    load_verified,
    not_using,
    read_verified,
    write_verified,
)
from .schedule import Schedule, schedule
from .state import run_state as _run_state
from .support import LANES, SMALL_VENSIM, SUPPORTED_FUNCTIONS, UnsupportedFunctionError

__all__ = [
    "BACKENDS",
    "SMALL_VENSIM",
    "SUPPORTED_FUNCTIONS",
    "CompiledModel",
    "Schedule",
    "UnsupportedFunctionError",
    "compile_model",
    "numba_available",
    "resolve_backend",
    "schedule",
]

#: Backends of the compiled engine; ``"auto"`` is numba when installed, else numpy.
BACKENDS = ("auto", "numba", "numpy")

#: Batches up to this size run the scalar kernel in plain Python on the numpy backend.
SCALAR_PYTHON_MAX = 4
#: Batches up to this size run the one-lane numba kernel (a block of 8 lanes costs
#: about as much as three one-lane runs).
ONE_LANE_MAX = 2

_CODEGEN_FORMAT = 1  # bump when the generated code's layout changes
#: Fewest scenarios per thread worth a thread of their own.
_MIN_PER_THREAD = 16
_COMPILED: dict[str, CompiledModel] = {}


def numba_available() -> bool:
    """Return whether numba can be imported (the fast backend)."""
    return importlib.util.find_spec("numba") is not None


@functools.cache
def _generator_hash() -> str:
    # every file of the engine package (translator, planner, code generator, this
    # loader...), the generated code's format and the translator it reads (PySD's
    # parser): a change to any of them makes a new cache entry
    from importlib.metadata import version

    digest = hashlib.sha256(f"{_CODEGEN_FORMAT}|pysd {version('pysd')}".encode())
    for path in sorted(p for p in Path(__file__).parent.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


class CompiledModel:
    """The model compiled to generated code: run many scenarios at once.

    Use :func:`compile_model` rather than constructing it.

    Attributes
    ----------
    version : str
        The model version (hash of ``slack.mdl``'s equations) it was compiled from.
    variables : list of str
        Every model variable, in model-file order (the columns of
        :func:`~slack_sim.simulate`).
    parameters : list of str
        The constants, in the column order of a parameter matrix.
    defaults : numpy.ndarray
        Their values in the model file.
    path : pathlib.Path
        The generated source file.
    """

    def __init__(self, module: ModuleType, path: Path, model: Model) -> None:
        self._module = module
        self.path = path
        self.model = model
        self.version: str = module.MODEL_VERSION
        self.variables: list[str] = list(module.VARIABLES)
        self.parameters: list[str] = list(module.PARAMETERS)
        self.defaults = np.array(module.DEFAULTS, dtype=float)
        self._param_index = {n: i for i, n in enumerate(self.parameters)}
        #: Column of each parameter in a parameter matrix (read it, do not change it).
        self.parameter_index = self._param_index
        self._var_index = {n: i for i, n in enumerate(self.variables)}
        self._dynamic = list(module.DYNAMIC)
        self._static = list(module.STATIC)
        self._all_rows = np.arange(len(self.variables), dtype=np.int64)

    @functools.cached_property
    def columns(self) -> pd.Index:
        """The variables as a (shared, immutable) pandas Index: a run's columns."""
        return pd.Index(self.variables)

    # -- parameters --------------------------------------------------------------------
    def parameter_matrix(self, settings: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Return the (scenarios x parameters) matrix for a list of settings.

        Parameters
        ----------
        settings : sequence of mapping
            Constant values by Vensim name; unnamed constants take their defaults.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(settings), len(parameters))``, float64.
        """
        P = np.tile(self.defaults, (len(settings), 1))
        for i, values in enumerate(settings):
            for name, value in values.items():
                P[i, self._param_index[name]] = value
        return P

    def schedule(
        self,
        *,
        time_step: float | None = None,
        output_step: float | None = None,
        final_time: float | None = None,
    ) -> Schedule:
        """Return the run's schedule, defaulting to the model's control values."""
        m = self.model
        return schedule(
            initial_time=m.initial_time,
            time_step=float(time_step or m.time_step),
            output_step=float(output_step or m.saveper),
            final_time=float(final_time if final_time is not None else m.final_time),
            start_year=m.start_year,
        )

    # -- running -----------------------------------------------------------------------
    def run(
        self,
        P: np.ndarray,
        outputs: Sequence[str],
        *,
        sched: Schedule,
        backend: str = "auto",
        threads: int | None = None,
    ) -> np.ndarray:
        """Integrate every row of ``P`` and return the requested outputs.

        Parameters
        ----------
        P : numpy.ndarray
            Parameter matrix, shape ``(N, len(parameters))`` (see :meth:`parameter_matrix`).
        outputs : sequence of str
            Variables to keep (only their time series are stored).
        sched : Schedule
            Integration and output times (see :meth:`schedule`).
        backend : str
            ``"auto"``, ``"numba"`` or ``"numpy"`` (see :data:`BACKENDS`).
        threads : int, optional
            Threads for the numba kernel (default: one per core, ``SLACK_SIM_THREADS``
            overrides, at least 16 scenarios each); 1 when the caller runs chunks on
            threads of its own.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(outputs), N, len(sched.stamps))``: ``out[k, i, r]`` is output
            ``k`` of scenario ``i`` at output time ``r`` (for one or two scenarios on
            numba, a view of a scenario-major array).
        """
        P = np.ascontiguousarray(P, dtype=float)
        if P.ndim != 2 or P.shape[1] != len(self.parameters):
            raise ValueError(f"P must have shape (N, {len(self.parameters)}), got {P.shape}")
        rows = self._rows(tuple(outputs))
        n, r = P.shape[0], len(sched.stamps)
        chosen = resolve_backend(backend)
        if chosen == "numba" and 0 < n <= ONE_LANE_MAX:
            return self._run_one_lane(P, rows, sched).transpose(2, 0, 1)
        out = np.empty((len(rows), n, r), dtype=float)
        if n == 0:
            return out
        args = (sched.time_step, sched.initial_time, sched.final_time, sched.output_step)
        if chosen == "numba":
            self._run_blocks(self._module.kernel_numba, P, rows, out, sched, threads, ())
        elif n <= SCALAR_PYTHON_MAX:
            self._run_python(P, list(outputs), sched, out)
        else:
            slots = np.full(len(self.variables), -1, dtype=np.int64)
            slots[rows] = np.arange(len(rows))
            with np.errstate(all="ignore"):
                self._module.kernel_vector(P, sched.times, sched.record, slots, out, *args)
        return out

    def _run_blocks(self, kernel: Any, P: np.ndarray, rows: np.ndarray, out: np.ndarray,
                    sched: Schedule, threads: int | None, extra: tuple) -> None:
        """Run a block kernel over every row of ``P`` on threads (``extra``: its last args)."""
        announce_compile(kernel, self)
        n = P.shape[0]
        args = (sched.time_step, sched.initial_time, sched.final_time, sched.output_step)
        pad = -n % LANES
        if pad:  # whole blocks of lanes; the padding lanes are never recorded
            P = np.concatenate([P, np.repeat(P[-1:], pad, axis=0)])
        workers = threads if threads is not None else _threads(n)
        if workers <= 1:
            kernel(P, sched.times, sched.record, rows, out, *args, 0, n, *extra)
            return
        # the kernel releases the GIL: chunks of whole blocks on the shared pool's
        # threads, several per thread, so a thread slowed by another process's work
        # takes fewer of them (each block's numbers are the same whichever thread runs
        # it: lanes never mix)
        chunks = _chunks(n, min(workers * _CHUNKS_PER_THREAD, max(1, n // _MIN_PER_CHUNK)))
        pool = _pool(workers)
        futures = [pool.submit(kernel, P, sched.times, sched.record, rows, out, *args, a, b,
                               *extra) for a, b in chunks]
        for f in futures:
            f.result()

    @property
    def stocks(self) -> list[str]:
        """The stocks, in the order of a state (:meth:`run_state`)."""
        return list(self._module.STOCKS)

    def run_state(self, P: np.ndarray, outputs: Sequence[str], **options: Any,
                  ) -> tuple[np.ndarray, np.ndarray | None]:
        """Run from a state at an integration step and keep one: :func:`.state.run_state`."""
        if resolve_backend("auto") != "numba":
            raise ValueError("run_state needs the numba backend (numba is not installed "
                             "or SLACK_SIM_BACKEND chose another)")
        return _run_state(self, P, outputs, **options)

    def run_one(self, p: np.ndarray, *, sched: Schedule, backend: str = "auto") -> np.ndarray:
        """Run one scenario and return every variable: shape ``(len(sched.stamps), V)``.

        The single-run path of :func:`~slack_sim.simulate`: on numba the one-lane kernel
        writes each output time as one contiguous row, so the result is the DataFrame's
        block as it is (C order, no transpose); the same numbers as :meth:`run`.

        Parameters
        ----------
        p : numpy.ndarray
            One row of parameters, shape ``(len(parameters),)``.
        sched : Schedule
            Integration and output times.
        backend : str
            As for :meth:`run`.
        """
        P = np.ascontiguousarray(np.reshape(p, (1, -1)), dtype=float)
        if P.shape[1] != len(self.parameters):
            raise ValueError(f"p must have {len(self.parameters)} values, got {P.shape[1]}")
        if resolve_backend(backend) == "numba":
            return self._run_one_lane(P, self._all_rows, sched)[0]
        return np.ascontiguousarray(self.run(P, self.variables, sched=sched,
                                             backend=backend)[:, 0, :].T)

    def _run_one_lane(self, P: np.ndarray, rows: np.ndarray, sched: Schedule) -> np.ndarray:
        # out[i, r, k]: scenario-major, each output time a contiguous row
        kernel = self._module.kernel_numba1
        announce_compile(kernel, self)
        out = np.empty((P.shape[0], len(sched.stamps), len(rows)), dtype=float)
        kernel(P, sched.times, sched.record, rows, out, sched.time_step, sched.initial_time,
               sched.final_time, sched.output_step, 0, P.shape[0])
        return out

    @functools.lru_cache(maxsize=64)  # noqa: B019 (one per compiled model, kept for good)
    def _rows(self, outputs: tuple[str, ...]) -> np.ndarray:
        unknown = [o for o in outputs if o not in self._var_index]
        if unknown:
            raise ValueError(f"unknown output variable(s): {', '.join(map(repr, unknown))}")
        rows = np.array([self._var_index[o] for o in outputs], dtype=np.int64)
        rows.setflags(write=False)
        return rows

    def _run_python(
        self, P: np.ndarray, outputs: Sequence[str], sched: Schedule, out: np.ndarray
    ) -> None:
        dyn = {n: j for j, n in enumerate(self._dynamic)}
        sta = {n: j for j, n in enumerate(self._static)}
        times, rec = sched.times.tolist(), sched.record.tolist()
        args = (sched.time_step, sched.initial_time, sched.final_time, sched.output_step)
        for i, row in enumerate(P.tolist()):
            rows, static = self._module.kernel_python(row, times, rec, *args)
            table = np.array(rows, dtype=float).reshape(len(rows), len(self._dynamic))
            for k, name in enumerate(outputs):
                if name in dyn:
                    out[k, i, :] = table[:, dyn[name]]
                else:
                    out[k, i, :] = static[sta[name]]

    def warm_up(self, *, backend: str = "auto") -> None:
        """Compile (or load from numba's cache) the kernels by running short scenarios."""
        sched = self.schedule(final_time=self.model.initial_time + self.model.saveper)
        for n in (1, LANES):  # the one-lane kernel (single runs) and the block kernel
            self.run(np.repeat(self.defaults[None, :], n, axis=0), self.variables[:1],
                     sched=sched, backend=backend)
        if resolve_backend(backend) == "numba":  # the restartable block kernel
            self.run_state(np.repeat(self.defaults[None, :], LANES, axis=0),
                           self.variables[:1], sched=sched, keep=0)


#: Chunks per thread in a threaded batch (balances the load between busy cores).
_CHUNKS_PER_THREAD = 4
#: Fewest scenarios per chunk.
_MIN_PER_CHUNK = 64
_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0
_POOL_LOCK = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    """Return the engine's thread pool (created once, grown when more threads are asked).

    Starting threads for every batch cost a few milliseconds under load (a small batch
    of the app's ensemble runs in tens of milliseconds). The pool runs kernel calls only,
    which never wait on other tasks, so batches from several threads can share it.
    """
    global _POOL, _POOL_SIZE  # noqa: PLW0603 (one pool per process)
    with _POOL_LOCK:
        if _POOL is None or _POOL_SIZE < workers:
            # a smaller pool is left to finish what it has (never shut down under a
            # caller that may still submit to it)
            _POOL = ThreadPoolExecutor(workers, thread_name_prefix="slack-sim")
            _POOL_SIZE = workers
        return _POOL


def _forget_pool() -> None:
    """In a forked child: the parent's pool threads do not exist there, so start afresh.

    A fork copies the pool object but not its threads: work submitted to it in the child
    would wait for ever (a ``ProcessPoolExecutor`` with the fork start method, as
    ``tools/build_profiles.py`` uses, forks a process that has run threaded batches).
    """
    global _POOL, _POOL_SIZE, _POOL_LOCK  # noqa: PLW0603 (one pool per process)
    _POOL, _POOL_SIZE, _POOL_LOCK = None, 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _threads(n: int) -> int:
    env = os.environ.get("SLACK_SIM_THREADS")
    cores = int(env) if env else len(os.sched_getaffinity(0)) if hasattr(
        os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, n // _MIN_PER_THREAD))


def _chunks(n: int, parts: int) -> list[tuple[int, int]]:
    # edges on whole blocks of lanes, so no block is split between threads
    edges = (np.linspace(0, n, parts + 1) / LANES).round().astype(int) * LANES
    edges[-1] = n
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def resolve_backend(backend: str = "auto") -> str:
    """Return the backend to use: ``"numba"`` or ``"numpy"``.

    ``"auto"`` takes the ``SLACK_SIM_BACKEND`` environment variable if set, else numba
    when installed, else numpy.

    Raises
    ------
    ValueError
        For an unknown backend, or ``"numba"`` when numba is not installed.
    """
    if backend == "auto":
        backend = os.environ.get("SLACK_SIM_BACKEND", "auto").strip().lower() or "auto"
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if backend == "auto":
        return "numba" if numba_available() else "numpy"
    if backend == "numba" and not numba_available():
        raise ValueError("backend 'numba' needs numba installed (pip install numba)")
    return backend


def compile_model(model: Model | None = None, *, cache: bool = True) -> CompiledModel:
    """Compile the model's equations into generated code (cached by the model's hash).

    The generated module lives in ``<cache>/engine-<model version>-<generator hash>/``
    (the cache folder is ``$SLACK_SIM_CACHE`` or ``~/.cache/slack-sim``; when it cannot be
    written, a private temporary folder: :func:`~slack_sim.model.files.fallback_cache_dir`);
    numba keeps its machine code beside it. The generator hash covers every file of
    :mod:`slack_sim.engine` and PySD's version, so a changed model, code generator or
    translator gives a new folder and a stale cache is never used. The equations are
    read from ``model.elements`` (the model's one parse), not from the file again.

    A cached module is executed only if its folder and file are this user's own and
    writable by nobody else (:func:`~slack_sim.model.files.is_private`) and its bytes
    match the SHA-256 written beside it (``slack_kernel.sha256``); the verified bytes
    are the ones executed. A module that fails (truncated, appended to, another user's)
    is regenerated, with a line on stderr saying why.

    Parameters
    ----------
    model : Model, optional
        The parsed model (default: :func:`~slack_sim.load_model`).
    cache : bool
        Read and write the on-disk cache (``False`` compiles into a temporary folder).

    Returns
    -------
    CompiledModel

    Raises
    ------
    UnsupportedFunctionError
        If an equation uses a function the engine does not support (the message names
        the function and the variable).
    """
    model = model or load_model()
    key = f"{model.version}-{_generator_hash()}"
    if cache and key in _COMPILED:
        return _COMPILED[key]
    name = f"engine-{key}"
    module, target = None, Path()
    for base in cache_dirs() if cache else []:  # the cache folder, then the fallback
        target = base / name / KERNEL_FILE
        if not os.path.lexists(target):
            continue
        verified, why = read_verified(target)
        if verified is not None:
            module = load_verified(target, key, verified)
            if module is not None:
                break
            why = "it is not the engine of this model version"
        not_using("engine", target, why)
    if module is None:
        # the translator imports PySD: only when there is code to generate
        from .codegen import generate
        from .plan import make_plan

        source = generate(make_plan(model), key).encode("utf-8")
        writable = ([cache_dir, fallback_cache_dir] if cache
                    else [lambda: Path(tempfile.mkdtemp(prefix="slack-sim-"))])
        errors = []
        for base_of in writable:
            try:
                target = write_verified(base_of() / name, source)
                break
            except OSError as exc:  # an unwritable or shared cache folder: the fallback
                errors.append(str(exc))
                continue
        else:
            raise OSError(f"cannot write the generated engine in {cache_dir()} or a "
                          f"temporary folder ({'; '.join(errors)})")
        module = load_verified(target, key, source)
        if module is None:
            raise RuntimeError(f"generated engine {target} failed its version check")
    compiled = CompiledModel(module, target, model)
    if cache:
        _COMPILED[key] = compiled
    return compiled
