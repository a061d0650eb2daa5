"""The Teach steps' shares of futures, computed once per version of what they depend on.

A step's share (:func:`slack_sim.teach.robustness.step_robustness`, and the teaching
council's second share on England) runs the step's scenarios in 500 futures: a second or
two a step, about 17 s for the storyline. It is a pure function of the step, the model,
its profiles and futures, the package's code and the numerical libraries, so it is kept on
disk, as the compiled kernels are, and every later process (an app server, a test worker,
the next session) reads it instead of recomputing it.

The entry's name is the SHA-256 of everything the share can depend on
(:func:`inputs_digest`): every file of the models folder (``slack.mdl``, the presets, the
profiles, their calibrations and futures), every source file of the package (the steps,
their rules, the engine, the batch runs) and the versions of Python and the numerical
libraries; a change to any of them gives a new entry, so a stored share is never stale.
Entries live in ``<cache>/teach-shares/`` (:func:`slack_sim.model.files.cache_dir`),
a folder private to this user (:func:`~slack_sim.model.files.is_private`, as for the
kernels): an entry in a folder another user could write is never read. Each is written
to a temporary file and renamed, so a reader sees a whole entry or none; a process that
finds the entry missing takes a lock on it first (``fcntl.flock``, where there is one), so
two processes asking at once compute it once: the second waits and reads it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import platform
from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..fileio import OutputError, atomic_write
from ..model.files import cache_dir, is_private, models_dir
from .share import Robustness

__all__ = ["FOLDER", "code_and_data", "inputs_digest", "load", "save", "store_folder", "stored"]

#: The cache sub-folder of the stored shares.
FOLDER = "teach-shares"
#: The entry format (bump it when :func:`save` writes something else).
_FORMAT = 1
#: Libraries whose numbers a share depends on.
_LIBRARIES = ("numpy", "pandas", "numba", "scipy", "xarray", "pysd")
_PACKAGE = Path(__file__).resolve().parents[1]


@functools.cache
def _package_digest() -> str:
    """SHA-256 of every source file of the package (one process never sees it change)."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def _files_digest(folder: str, signature: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, _size, _mtime in signature:
        digest.update(name.encode() + b"\0")
        digest.update((Path(folder) / name).read_bytes() + b"\0")
    return digest.hexdigest()


def _models_digest() -> str:
    """SHA-256 of every file of the models folder (re-read when one's size or time moves)."""
    folder = models_dir()
    signature = tuple(
        (p.relative_to(folder).as_posix(), (st := p.stat()).st_size, st.st_mtime_ns)
        for p in sorted(folder.rglob("*")) if p.is_file())
    return _files_digest(str(folder), signature)


def _library_versions(names: tuple[str, ...] = _LIBRARIES) -> str:
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} absent")
    return f"python {platform.python_version()}; " + "; ".join(found)


def inputs_digest(*, kind: str, key: str, n: int) -> str:
    """Return the name of a share's entry: the SHA-256 of all it depends on.

    Parameters
    ----------
    kind : str
        Which share (``"step"``: on the step's own profile; ``"england"``: a teaching
        step's experiment on England).
    key : str
        The step's key.
    n : int
        Futures.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    text = json.dumps({"format": _FORMAT, "kind": kind, "step": key, "n": int(n),
                       **code_and_data()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def code_and_data(libraries: tuple[str, ...] = _LIBRARIES) -> dict[str, str]:
    """Return digests of all a stored result can depend on besides its own arguments.

    Parameters
    ----------
    libraries : tuple of str
        The installed distributions whose versions count (by default the numerical ones).

    Returns
    -------
    dict
        ``models``: the SHA-256 of every file of the models folder (read again when one's
        size or time moves); ``package``: of every source file of the package (once per
        process); ``libraries``: the versions of Python and of ``libraries``.
    """
    return {"models": _models_digest(), "package": _package_digest(),
            "libraries": _library_versions(libraries)}


def store_folder() -> Path:
    """Return the folder of the stored shares: :data:`FOLDER` in the cache folder."""
    return cache_dir() / FOLDER


def _entry(digest: str) -> Path:
    return store_folder() / f"{digest}.json"


def _trusted(folder: Path) -> bool:
    return is_private(folder) and is_private(folder.parent)


def load(digest: str) -> Robustness | None:
    """Return the stored share of an entry, or ``None`` (absent, untrusted or malformed)."""
    path = _entry(digest)
    if not _trusted(path.parent) or not is_private(path, folder=False):
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("digest") != digest:
            return None
        counts = {str(k): int(v) for k, v in dict(doc["counts"]).items()}
        return Robustness(step=str(doc["step"]), answer=str(doc["answer"]), counts=counts,
                          n=int(doc["n"]), source=str(doc["source"]))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def save(digest: str, result: Robustness) -> Path | None:
    """Store a share under its entry (atomically); return the file, or ``None`` if unwritable."""
    folder = store_folder()
    try:
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    if not _trusted(folder):
        return None
    doc = {"digest": digest, "step": result.step, "answer": result.answer,
           "counts": dict(result.counts), "n": result.n, "source": result.source}
    try:
        return atomic_write(_entry(digest), json.dumps(doc, sort_keys=True) + "\n")
    except OutputError:
        return None


@contextlib.contextmanager
def _locked(digest: str) -> Iterator[None]:
    """Hold an exclusive lock on an entry while it is computed (nothing where none can be)."""
    try:
        import fcntl
    except ImportError:  # not on this platform: two processes may both compute it
        yield
        return
    folder = store_folder()
    try:
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        if not _trusted(folder):
            raise OSError("not private")
        fd = os.open(folder / f".{digest}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def stored(*, kind: str, key: str, n: int, compute: Callable[[], Robustness]) -> Robustness:
    """Return a share from its entry, computing and storing it the first time.

    Parameters
    ----------
    kind, key, n
        As for :func:`inputs_digest`.
    compute : callable
        Computes the share when no entry holds it.

    Returns
    -------
    Robustness
    """
    digest = inputs_digest(kind=kind, key=key, n=n)
    found = load(digest)
    if found is not None:
        return found
    with _locked(digest):
        found = load(digest)  # another process may have stored it while this one waited
        if found is None:
            found = compute()
            save(digest, found)
    return found
