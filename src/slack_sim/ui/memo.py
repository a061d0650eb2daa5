"""The app's shared result cache: bounded in bytes, one computation per key, copies out.

``st.cache_data`` bounds a cache by its number of entries; a model run is about 1.3 MB,
so 512 entries of it alone could hold 650 MB, and every function had its own bound. Here
every result cache of the app shares one budget in bytes (:data:`DEFAULT_BUDGET_MB`,
``SLACK_SIM_APP_CACHE_MB`` overrides it). Each result is stored compactly, as the bytes of
its pickle (made here, from our own results; nothing read from a user is unpickled), so
its size is exactly known and no Python objects are kept for it; a hit returns a fresh
copy (as ``st.cache_data`` does), so no session can change what another sees. The least
recently used entries are dropped when the budget is exceeded, entries unused for ten
minutes are dropped too (so a server whose sessions have closed comes back down), and
when two sessions ask for the same key at once it is computed once, the other waiting.
Functions memoised with ``persist=True`` also keep their results on disk, in this user's
own cache folder, for the server's next start (:mod:`slack_sim.ui.disk_memo`).

The module is plain Python (no streamlit), so it can be tested on its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import os
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from .disk_memo import DiskStore, megabytes_from_env

__all__ = ["ALLOCATOR", "DEFAULT_BUDGET_MB", "DEFAULT_IDLE_SECONDS", "SWEEP_SECONDS",
           "FREEZE_DELAY_SECONDS", "ByteBudgetCache", "CacheStats", "freeze_heap",
           "freeze_heap_later", "shared", "sweep_once",
           "trim_memory", "tune_allocator"]

#: Default budget of the shared result cache, in MB (about 150 model runs).
DEFAULT_BUDGET_MB = 200.0
#: Seconds an entry may go unused before the sweep drops it (10 minutes).
DEFAULT_IDLE_SECONDS = 600.0
#: Seconds between sweeps of the shared cache.
SWEEP_SECONDS = 30.0
#: Seconds after the first page's script run that the heap is frozen (:func:`freeze_heap_later`).
FREEZE_DELAY_SECONDS = 10.0
#: Largest single result kept, as a share of the budget (a bigger one is returned, not kept).
MAX_ENTRY_SHARE = 0.25

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class CacheStats:
    """What the cache holds, and its hits, misses and evictions since it was made.

    ``bytes`` counts the stored pickles; ``budget`` is the most it may hold; ``from_disk``
    counts the misses in memory that the disk store answered (no computation).
    """

    entries: int
    bytes: int
    budget: int
    hits: int
    misses: int
    evictions: int
    from_disk: int = 0


class ByteBudgetCache:
    """A thread-safe least-recently-used cache bounded by the bytes of what it stores.

    Parameters
    ----------
    budget_bytes : int
        Most bytes of stored results (pickles) kept at once.
    clock : callable
        Returns the time in seconds, for :meth:`expire` (tests pass a fake one).
    disk : slack_sim.ui.disk_memo.DiskStore, optional
        Where the results of functions memoised with ``persist=True`` are also kept, for
        the server's next process (:mod:`slack_sim.ui.disk_memo`).
    """

    def __init__(self, budget_bytes: int, *,
                 clock: Callable[[], float] = time.monotonic, disk: Any = None) -> None:
        if budget_bytes < 0:
            raise ValueError(f"budget_bytes must be at least 0, got {budget_bytes}")
        self.budget = int(budget_bytes)
        self._clock = clock
        self.disk = disk
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._used: dict[Hashable, float] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Lock] = {}
        self._hits = self._misses = self._evictions = self._read = 0

    def stats(self) -> CacheStats:
        """Return the cache's :class:`CacheStats`."""
        with self._lock:
            return CacheStats(len(self._entries), self._bytes, self.budget, self._hits,
                              self._misses, self._evictions, self._read)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
            self._used.clear()
            self._bytes = 0

    def discard(self, test: Callable[[Hashable], bool]) -> int:
        """Drop the entries whose key passes ``test``; return how many bytes went.

        E.g. every result of one scenario (its key string is in their arguments), so the
        next call computes it afresh (``benchmarks/ab_rerun.py`` times that).
        """
        freed = 0
        with self._lock:
            for key in [k for k in self._entries if test(k)]:
                blob = self._entries.pop(key)
                self._used.pop(key, None)
                self._bytes -= len(blob)
                freed += len(blob)
        return freed

    def expire(self, idle_seconds: float) -> int:
        """Drop the entries not used for ``idle_seconds``; return how many bytes went.

        With no sessions asking for them, results expire and the server's memory comes
        back down (:func:`shared` does this every :data:`SWEEP_SECONDS`).
        """
        cutoff = self._clock() - idle_seconds
        freed = 0
        with self._lock:
            for key in [k for k, t in self._used.items() if t < cutoff]:
                blob = self._entries.pop(key, None)
                self._used.pop(key, None)
                if blob is not None:
                    self._bytes -= len(blob)
                    freed += len(blob)
                    self._evictions += 1
        return freed

    def activity(self) -> int:
        """Return the number of lookups so far (hits plus misses): a clock of use."""
        with self._lock:
            return self._hits + self._misses

    def _lookup(self, key: Hashable) -> bytes | None:
        with self._lock:
            blob = self._entries.get(key)
            if blob is not None:
                self._entries.move_to_end(key)
                self._used[key] = self._clock()
                self._hits += 1
            return blob

    def _store(self, key: Hashable, blob: bytes) -> None:
        if len(blob) > self.budget * MAX_ENTRY_SHARE:
            return
        dropped = 0
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._entries[key] = blob
            self._used[key] = self._clock()
            self._bytes += len(blob)
            while self._bytes > self.budget and self._entries:
                gone_key, gone = self._entries.popitem(last=False)
                self._used.pop(gone_key, None)
                self._bytes -= len(gone)
                self._evictions += 1
                dropped += len(gone)
        if dropped >= 16 * 2**20:  # give freed memory back to the system now and then
            trim_memory()

    def get_or_compute(self, key: Hashable, compute: Callable[[], R], *,
                       persist: bool = False) -> R:
        """Return a copy of the result for ``key``, computing it (once) if absent.

        Parameters
        ----------
        key : hashable
            What identifies the result (the function's name and arguments).
        compute : callable
            Makes the result; called at most once at a time per key.
        persist : bool
            Also look for the result on disk before computing it, and keep it there
            after (the cache's ``disk``; nothing without one).

        Returns
        -------
        object
            A fresh copy of the stored result (callers may change it freely).
        """
        blob = self._lookup(key)
        if blob is not None:
            return pickle.loads(blob)  # noqa: S301 (our own pickle, made just below)
        with self._lock:
            gate = self._pending.setdefault(key, threading.Lock())
        with gate:  # a second caller of the same key waits for the first one's result
            blob = self._lookup(key)
            if blob is not None:
                return pickle.loads(blob)  # noqa: S301
            disk = self.disk if persist else None
            stored = None if disk is None else disk.load(key)
            with self._lock:
                self._misses += stored is None
                self._read += stored is not None
            try:
                if stored is not None:
                    with contextlib.suppress(Exception):  # a file no longer readable
                        value = pickle.loads(stored)  # noqa: S301 (this user's own folder)
                        self._store(key, stored)
                        return value
                    with self._lock:  # counted as a miss after all
                        self._misses += 1
                        self._read -= 1
                value = compute()
                blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                self._store(key, blob)
                if disk is not None:
                    disk.save(key, blob)
            finally:
                with self._lock:
                    self._pending.pop(key, None)
        return pickle.loads(blob)  # noqa: S301 (a copy: the caller never holds the original)

    def memoise(self, func: Callable[P, R] | None = None, *,
                persist: bool = False) -> Any:
        """Decorate a pure function of hashable arguments to cache its results here.

        ``@memoise`` or ``@memoise(persist=True)``: with ``persist``, results are also
        kept on the cache's ``disk`` (:meth:`get_or_compute`).
        """
        if func is None:
            return functools.partial(self.memoise, persist=persist)
        name = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            key = (name, args, tuple(sorted(kwargs.items())))
            return self.get_or_compute(key, lambda: func(*args, **kwargs), persist=persist)

        wrapper.cache = self  # type: ignore[attr-defined]
        return wrapper


def _budget_from_env() -> int:
    return megabytes_from_env("SLACK_SIM_APP_CACHE_MB", DEFAULT_BUDGET_MB)


def _idle_from_env() -> float:
    text = os.environ.get("SLACK_SIM_APP_CACHE_IDLE_S", "").strip()
    try:
        seconds = float(text) if text else DEFAULT_IDLE_SECONDS
    except ValueError:
        seconds = DEFAULT_IDLE_SECONDS
    return seconds if 0 < seconds <= 86_400 else DEFAULT_IDLE_SECONDS


def sweep_once(store: ByteBudgetCache, *, idle: float, seen: int) -> int:
    """One sweep of a cache: drop entries idle ``idle`` seconds, then give memory back.

    Memory is trimmed (:func:`trim_memory`) when entries went or the cache was used since
    the last sweep (its :meth:`~ByteBudgetCache.activity` differs from ``seen``).

    Returns
    -------
    int
        The activity now, the ``seen`` of the next sweep.
    """
    freed = store.expire(idle)
    now = store.activity()
    if freed or now != seen:
        trim_memory()
    return now


@functools.cache
def shared() -> ByteBudgetCache:
    """Return the one result cache the app's sessions share (its budget read once).

    A daemon thread sweeps it every :data:`SWEEP_SECONDS`: entries unused for
    :data:`DEFAULT_IDLE_SECONDS` (``SLACK_SIM_APP_CACHE_IDLE_S`` overrides it) are
    dropped, and after any activity freed memory is given back to the system
    (:func:`trim_memory`), so a server whose sessions have closed comes back down; the
    allocator is set for a server first (:func:`tune_allocator`). Results memoised with
    ``persist=True`` are also kept on disk for the server's next start
    (:class:`slack_sim.ui.disk_memo.DiskStore`).
    """
    tune_allocator()
    store = ByteBudgetCache(_budget_from_env(), disk=DiskStore())
    idle = _idle_from_env()

    def sweep() -> None:
        seen = -1
        while True:
            time.sleep(min(SWEEP_SECONDS, idle))
            seen = sweep_once(store, idle=idle, seen=seen)

    threading.Thread(target=sweep, name="slack-sim-cache-sweep", daemon=True).start()
    return store


#: glibc's ``mallopt`` parameters: ``M_TRIM_THRESHOLD``, ``M_MMAP_THRESHOLD``, ``M_ARENA_MAX``.
_MALLOPT = {"trim_threshold": -1, "mmap_threshold": -3, "arena_max": -8}
#: The environment variable that sets each of them at start-up (it wins when set).
_MALLOC_ENV = {"trim_threshold": "MALLOC_TRIM_THRESHOLD_",
               "mmap_threshold": "MALLOC_MMAP_THRESHOLD_", "arena_max": "MALLOC_ARENA_MAX"}
#: The app server's allocator settings (glibc). By default glibc raises its mmap and trim
#: thresholds as large blocks are freed (up to 32 and 64 MB) and gives each thread its
#: own heap: a server whose sessions ran in 20 threads then keeps hundreds of MB of freed
#: memory that ``malloc_trim`` does not return (measured by
#: ``benchmarks/bench_sessions.py``). Fixed thresholds give a freed model run (blocks of
#: 256 kB and more) straight back and shrink a heap's free top past 1 MB; four heaps
#: bound how many hold free space at once. (A 4 MB mmap threshold cost less run time but
#: kept up to 38 MB of 160 MB freed by four threads, from run to run; 256 kB kept none.)
ALLOCATOR = {"mmap_threshold": 256 * 1024, "trim_threshold": 1 << 20, "arena_max": 4}


def tune_allocator(settings: dict[str, int] | None = None) -> dict[str, int]:
    """Set glibc's allocator for a long-running server (:data:`ALLOCATOR`); what was set.

    Called once by :func:`shared` (so by the app, before its session threads start). A
    setting whose ``MALLOC_*`` environment variable is set is left as the environment
    says; elsewhere than glibc nothing is done.

    Parameters
    ----------
    settings : dict, optional
        Settings to apply instead of :data:`ALLOCATOR` (keys ``mmap_threshold``,
        ``trim_threshold``, ``arena_max``).

    Returns
    -------
    dict
        The settings applied (empty without glibc's ``mallopt``).
    """
    lib = _libc()
    if lib is None or not hasattr(lib, "mallopt"):
        return {}
    done = {}
    for name, value in (ALLOCATOR if settings is None else settings).items():
        if os.environ.get(_MALLOC_ENV[name]):
            continue
        if lib.mallopt(_MALLOPT[name], int(value)) == 1:
            done[name] = int(value)
    return done


@functools.cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    with contextlib.suppress(OSError):
        lib = ctypes.CDLL(name)
        if hasattr(lib, "malloc_trim"):
            return lib
    return None


def trim_memory() -> bool:
    """Return freed heap memory to the system (glibc's ``malloc_trim``), where available.

    Freed Python objects stay in the process's heap arenas until trimmed, so a server's
    memory would not come back down after its sessions close without it.

    Returns
    -------
    bool
        Whether a trim was done.
    """
    lib = _libc()
    if lib is None:
        return False
    lib.malloc_trim(0)
    return True


_FROZEN = threading.Lock()
_FROZEN_DONE: list[int] = []


def freeze_heap() -> int:
    """Once per process: collect the garbage, then exempt what is left from the collector.

    Streamlit runs a full garbage collection (``gc.collect(2)``, its
    ``runner.postScriptGC``) after every script run, and Python runs one now and then
    by itself; each walks every container object the process holds. An app server holds
    about 300,000 of them once it has imported its libraries and served a page (the
    modules, the parsed model, plotly's validators), nearly all of them for good, and the
    walk took 120-150 ms of CPU after every slider move (measured by
    ``benchmarks/ab_rerun.py --change freeze``), holding the GIL, so the page's last
    messages waited for it. The first call collects everything collectable and moves
    the survivors to the collector's permanent generation (:func:`gc.freeze`): later
    collections walk only what was made since. Objects frozen are still freed when
    nothing refers to them; only a reference cycle among them is never collected, so
    this is done once, after the first page is served (what exists then lives as long
    as the server), never per run.

    Returns
    -------
    int
        The number of objects frozen by this call (0 after the first call).
    """
    with _FROZEN:
        if _FROZEN_DONE:
            return 0
        gc.collect()
        gc.freeze()
        _FROZEN_DONE.append(gc.get_freeze_count())
        return _FROZEN_DONE[0]


_LATER: list[threading.Timer] = []


def freeze_heap_later(seconds: float = FREEZE_DELAY_SECONDS) -> threading.Timer | None:
    """Once per process: call :func:`freeze_heap` on a timer thread ``seconds`` from now.

    The freeze's collection holds the GIL for 0.1 to 0.25 s (about 300,000 objects). At
    the end of the first page's script run it held up what the server still had to do
    for that page (its last messages, and the browser's requests for the code of the
    page's elements, served by the same process), so the first visitor's cards waited for
    it. Ten seconds later that page has been sent and drawn (a first visit takes 5 to 9 s
    on this 2-core machine; at 3 s the freeze fell in the next visitor's load in
    ``benchmarks/bench_first_load.py``, whose visitors follow each other at once); the
    freeze then finds the same long-lived heap (the modules, the model, the engine) and
    costs whatever the server does at that moment its 0.1 to 0.25 s, once.

    Parameters
    ----------
    seconds : float
        Delay (default :data:`FREEZE_DELAY_SECONDS`); at least 0.

    Returns
    -------
    threading.Timer or None
        The timer started by this call; ``None`` when one was started before (or the
        heap was frozen already).
    """
    if not seconds >= 0:
        raise ValueError(f"seconds: expected a delay of at least 0 s, got {seconds!r}")
    with _FROZEN:
        if _LATER or _FROZEN_DONE:
            return None
        timer = threading.Timer(seconds, freeze_heap)
        timer.name = "slack-sim-freeze-heap"
        timer.daemon = True
        _LATER.append(timer)
    timer.start()
    return timer
