"""The app's results kept on disk, so a server's first visitor finds them computed.

The shared result cache (:mod:`slack_sim.ui.memo`) lives in the server's memory and is
empty after every start, so the first visitor waited for the whole page to be computed:
the 500 futures behind the bands and cards, the appraisal, the single runs and the six
charts' figures, and before them the import of the compiled engine (numba) and of
``dask.array`` (which xarray imports to build its first dataset). Measured on the 2-core
machine (in process, Streamlit's ``AppTest``, imports done): the first page took 3.6 to
4.0 s with an empty cache and 1.0 s with its ten results at hand.

Here the results of the functions the app marks (``memoise(persist=True)``) are also
written to files, and a miss in memory reads the file before computing:

- **What a file holds**: the same pickle the memory cache keeps, after a header that
  names its key in full (``repr`` of the function's name and arguments). A file whose
  key differs (a hash collision) or that cannot be read whole is a miss.
- **When a file is valid**: its name is a hash of the key and of a *stamp*: the content
  of every source file of the installed package and of every file of the models folder
  (``slack.mdl``, presets, profiles and their futures), the versions of Python and of
  the libraries whose numbers or objects are stored (the digests the Teach page's stored
  shares are named by, :mod:`slack_sim.teach.shares_store`), and ``SLACK_SIM_BACKEND``.
  Any change to the code, the model or the data gives new names, so a result is never
  served from another version; the old files age out.
- **Where**: ``app-results/`` in the cache folder (:func:`slack_sim.model.files.cache_dir`),
  or ``SLACK_SIM_APP_DISK_DIR``,
  read only when it is this user's and nobody else can write it
  (:func:`slack_sim.model.files.is_private`, as for the generated code), since a pickle
  is code.
- **How much**: at most :data:`DEFAULT_BUDGET_MB` (``SLACK_SIM_APP_DISK_MB`` sets it;
  ``0`` switches the store off); the least recently used files go first (a read touches
  its file).
- **When written**: on a thread of its own after the result is computed, so a page
  never waits for the disk; :meth:`DiskStore.flush` waits for the writes (tests).

The module is plain Python (no streamlit), so it can be tested on its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
import time
from collections.abc import Hashable
from pathlib import Path

from ..model import files
from ..teach.shares_store import code_and_data

__all__ = ["DEFAULT_BUDGET_MB", "FOLDER", "RESCAN_WRITES", "STAMP_SECONDS", "DiskStore",
           "budget_from_env", "megabytes_from_env", "stamp"]

#: Default bytes of results kept on disk, in MB (about fifty pages' results).
DEFAULT_BUDGET_MB = 256.0
#: The store's folder, inside the cache folder.
FOLDER = "app-results"
#: First bytes of every file (the format's version).
_MAGIC = b"slack-sim results 1\n"
#: Libraries whose numbers or objects the stored results hold (a new version may compute
#: them or read them differently).
_LIBRARIES = ("numpy", "pandas", "numba", "scipy", "xarray", "pysd", "plotly", "streamlit")
#: Files written between two looks at the folder's sizes when this process's own tally
#: stays within the budget (:meth:`DiskStore._write`): other processes' files are found
#: then.
RESCAN_WRITES = 64
#: A temporary file older than this (seconds) was left by a process that stopped mid-write.
_STALE_TEMP_SECONDS = 3600.0


def megabytes_from_env(name: str, default_mb: float) -> int:
    """Return the bytes of the environment variable ``name``, in MB, else ``default_mb``.

    A value that is not a number from 0 to 10^6 gives the default (a server starts
    rather than stops on a mistyped budget).
    """
    text = os.environ.get(name, "").strip()
    try:
        mb = float(text) if text else default_mb
    except ValueError:
        mb = default_mb
    if not 0 <= mb <= 1e6:
        mb = default_mb
    return int(mb * 2**20)


def budget_from_env() -> int:
    """Return the store's budget in bytes: ``SLACK_SIM_APP_DISK_MB``, else the default.

    ``0`` switches the store off; a value that is not a number from 0 to 10^6 gives the
    default (as the memory cache's ``SLACK_SIM_APP_CACHE_MB``).
    """
    return megabytes_from_env("SLACK_SIM_APP_DISK_MB", DEFAULT_BUDGET_MB)


#: Seconds a stamp is used before the models folder is looked at again (a look is about
#: 12 ms of ``stat`` calls on the 2-core machine; a page's misses would pay it each).
STAMP_SECONDS = 10.0
_stamped: dict[str, tuple[float, str]] = {}


def stamp() -> str:
    """Return the stamp of this code, model and data (looked at again after :data:`STAMP_SECONDS`).

    A hash of :func:`slack_sim.teach.shares_store.code_and_data` (the content of every
    file of the models folder and of every source file of the package, and the versions
    of Python and of :data:`_LIBRARIES`: the digests the Teach page's stored shares are
    named by) and of ``SLACK_SIM_BACKEND`` (the numpy backend's numbers may differ from
    numba's in the last bits). The package is hashed once per process (about 70 ms with
    the models folder on the 2-core machine); the models folder again when a file's size
    or time moves.
    """
    backend = os.environ.get("SLACK_SIM_BACKEND", "auto").strip().lower() or "auto"
    where = f"{files.models_dir()}|{backend}"
    now = time.monotonic()
    known = _stamped.get(where)
    if known is not None and now - known[0] < STAMP_SECONDS:
        return known[1]
    text = json.dumps({**code_and_data(_LIBRARIES), "backend": backend}, sort_keys=True)
    value = hashlib.sha256(text.encode()).hexdigest()[:24]
    _stamped[where] = (now, value)
    return value


class DiskStore:
    """Results on disk, keyed by the memory cache's keys (see the module's description).

    Parameters
    ----------
    folder : Path, optional
        Where the files go; by default ``SLACK_SIM_APP_DISK_DIR``, else ``app-results/`` in
        the first private cache folder (:func:`slack_sim.model.files.cache_dirs`), looked
        up at each use.
    budget_bytes : int, optional
        Most bytes kept; by default :func:`budget_from_env` at each use (``0``: off).
    """

    def __init__(self, folder: Path | None = None, budget_bytes: int | None = None) -> None:
        self.folder = folder
        self.budget_bytes = budget_bytes
        self._queue: queue.Queue[tuple[Path, bytes, bytes]] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()
        #: the writer's tally of each folder's bytes: (bytes, files written since the
        #: folder was last looked at); see :meth:`_write`
        self._tally: dict[Path, tuple[int, int]] = {}

    # -- where and how much -------------------------------------------------------------------

    def budget(self) -> int:
        """Return the budget in bytes (``0``: the store is off)."""
        return budget_from_env() if self.budget_bytes is None else int(self.budget_bytes)

    def _folder(self) -> Path | None:
        if self.folder is not None or os.environ.get("SLACK_SIM_APP_DISK_DIR"):
            folder = Path(self.folder or os.environ["SLACK_SIM_APP_DISK_DIR"])
        else:
            roots = files.cache_dirs()
            if not roots:
                root = files.cache_dir()
                try:
                    root.mkdir(mode=0o700, parents=True, exist_ok=True)
                except OSError:
                    return None
                if not files.is_private(root):
                    return None
                roots = [root]
            folder = roots[0] / FOLDER
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return None
        return folder if files.is_private(folder) else None

    def _path(self, key: Hashable) -> tuple[Path, bytes] | None:
        if self.budget() <= 0:
            return None
        folder = self._folder()
        if folder is None:
            return None
        named = repr(key).encode()
        name = hashlib.sha256(stamp().encode() + b"\0" + named).hexdigest()[:40]
        return folder / f"{name}.res", named

    # -- reading and writing ----------------------------------------------------------------------

    def load(self, key: Hashable) -> bytes | None:
        """Return the stored pickle of ``key``, or ``None`` (absent, not ours, or damaged)."""
        found = self._path(key)
        if found is None:
            return None
        path, named = found
        if not files.is_private(path, folder=False):
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        head = _MAGIC + len(named).to_bytes(8, "little") + named
        size_at = len(head)
        if not data.startswith(head) or len(data) < size_at + 8:
            return None
        size = int.from_bytes(data[size_at:size_at + 8], "little")
        blob = data[size_at + 8:]
        if len(blob) != size:
            return None
        try:
            os.utime(path)  # least recently used goes first
        except OSError:
            pass
        return blob

    def save(self, key: Hashable, blob: bytes) -> None:
        """Queue ``blob`` (a pickle) to be written as ``key``'s file; return at once."""
        found = self._path(key)
        if found is None or len(blob) > self.budget():
            return
        path, named = found
        self._queue.put((path, named, blob))
        with self._lock:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write_all,
                                                name="slack-sim-results-writer", daemon=True)
                self._writer.start()

    def flush(self) -> None:
        """Wait until every queued result is written."""
        self._queue.join()

    def _write_all(self) -> None:
        while True:
            path, named, blob = self._queue.get()
            try:
                self._write(path, named, blob)
            finally:
                self._queue.task_done()

    def _write(self, path: Path, named: bytes, blob: bytes) -> None:
        temp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
        head = _MAGIC + len(named).to_bytes(8, "little") + named + len(blob).to_bytes(8, "little")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(head)
                out.write(blob)
            os.replace(temp, path)  # a reader sees the whole file or none
        except OSError:
            temp.unlink(missing_ok=True)
            return
        # The folder is looked at (every file's size and age) only when this process's
        # tally says it is over the budget, or after RESCAN_WRITES files, which finds what
        # other processes wrote: a look after every file cost the writer thread 2-3 ms a
        # file (7 files a slider move, the server's CPU beside the page's run), growing
        # with the folder. An overwritten file counts twice: a look comes sooner.
        size = len(head) + len(blob)
        known, since = self._tally.get(path.parent, (None, 0))
        if known is None or since + 1 >= RESCAN_WRITES or known + size > self.budget():
            self.prune(path.parent)
        else:
            self._tally[path.parent] = (known + size, since + 1)

    def prune(self, folder: Path | None = None) -> int:
        """Delete the least recently used files past the budget; return the bytes freed."""
        folder = folder or self._folder()
        if folder is None:
            return 0
        now, entries = time.time(), []
        with os.scandir(folder) as found:
            for entry in found:
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if entry.name.endswith(".tmp"):
                    if now - info.st_mtime > _STALE_TEMP_SECONDS:
                        Path(entry.path).unlink(missing_ok=True)
                    continue
                if entry.name.endswith(".res"):
                    entries.append((info.st_mtime, info.st_size, entry.path))
        total, freed, budget = sum(e[1] for e in entries), 0, self.budget()
        for _, size, name in sorted(entries):
            if total <= budget:
                break
            Path(name).unlink(missing_ok=True)
            total -= size
            freed += size
        self._tally[folder] = (total, 0)
        return freed
