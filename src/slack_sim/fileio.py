"""Writing files safely: atomically, with the destination named in every error.

Every output of the package (CSV, Excel, JSON, Markdown, tables) is written to a
temporary file in the destination's folder, flushed to disk, then renamed over the
destination: a reader sees the old file or the new one, never a partial one, and a
killed process leaves the previous good file where it was. A destination that is a device
or a pipe (``/dev/null``, ``/dev/stdout``, a FIFO) is written, never renamed over (that
would replace ``/dev/full`` itself when run as root); a symbolic link's target is replaced,
not the link.

Names that come from users (a scenario's name) become file names only through
:func:`safe_filename`, which keeps letters, digits, ``-``, ``_`` and ``.``, and never a
path separator or a leading dot.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

__all__ = ["OutputError", "atomic_path", "atomic_write", "safe_filename"]


class OutputError(OSError):
    """An output could not be written; the message names the file and the reason."""


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    Use it for writers that want a file name (openpyxl, pandas)::

        with atomic_path("out.xlsx") as tmp:
            workbook.save(tmp)

    Parameters
    ----------
    path : path-like
        The destination.
    suffix : str, optional
        Suffix of the temporary file (default the destination's, so writers that look at
        it choose the same format).

    Yields
    ------
    pathlib.Path

    Raises
    ------
    OutputError
        Naming the destination, if the folder is missing or unwritable, the disk is full
        or the rename fails (an OSError of the writer, or lxml's IO error under openpyxl).
        The temporary file is removed; the destination is untouched; any other error of
        the writer is raised as it is.
    """
    dest = Path(path)
    if _is_special(dest):  # (through any link: /dev/stdout)
        yield from _through_a_temporary(dest, suffix)
        return
    if dest.is_symlink():  # replace the file the link points to, as a plain write would
        dest = Path(os.path.realpath(dest))
    folder = dest.parent if str(dest.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{dest.name}.",
                                        suffix=suffix if suffix is not None else dest.suffix)
    except OSError as exc:
        raise OutputError(f"cannot write {str(path)!r}: {_describe(exc)}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            yield tmp
        except Exception as exc:
            # lxml (under openpyxl) reports a failed write (a full disk: IO_ENOSPC, a
            # size limit: IO_EFBIG) as its own SerialisationError, not an OSError
            if type(exc).__module__.startswith("lxml") and "IO_" in str(exc):
                raise OutputError(f"cannot write {str(path)!r}: {exc}") from exc
            raise
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if dest.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, dest.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, dest)
    except OutputError:  # already names the destination
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(f"cannot write {str(path)!r}: {_describe(exc)}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _is_special(dest: Path) -> bool:
    """Return whether ``dest`` is an existing device or pipe (``/dev/null``, a FIFO...)."""
    try:
        mode = dest.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _through_a_temporary(dest: Path, suffix: str | None) -> Iterator[Path]:
    # a device or a pipe is written, not replaced (renaming over /dev/full would replace
    # the device itself): the writer fills a private temporary file, then it is copied
    with tempfile.TemporaryDirectory(prefix="slack-sim-out-") as folder:
        tmp = Path(folder) / f"out{suffix if suffix is not None else dest.suffix}"
        yield tmp
        try:
            with open(tmp, "rb") as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
                out.flush()
        except OSError as exc:
            raise OutputError(f"cannot write {str(dest)!r}: {_describe(exc)}") from None


def atomic_write(path: str | os.PathLike[str], data: str | bytes, *,
                 encoding: str = "utf-8") -> Path:
    """Write text or bytes to ``path`` atomically and return the path.

    Raises
    ------
    OutputError
        Naming the destination (see :func:`atomic_path`).
    """
    payload = data.encode(encoding) if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        try:
            tmp.write_bytes(payload)
        except OSError as exc:
            raise OutputError(f"cannot write {str(path)!r}: {_describe(exc)}") from None
    return Path(path)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, *, default: str = "scenario", max_length: int = 80) -> str:
    """Return a file name made from a user's name: no separators, no leading dot.

    Examples
    --------
    >>> safe_filename("../../../tmp/x/escaped")
    'tmp-x-escaped'
    >>> safe_filename("Austerity then Covid (modified)")
    'Austerity-then-Covid-modified'
    """
    text = unicodedata.normalize("NFKC", str(name))
    text = _UNSAFE.sub("-", text).strip("-._")
    text = re.sub(r"-{2,}", "-", text)[:max_length].strip("-._")
    return text or default
