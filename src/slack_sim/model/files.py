"""Where the model's files and the caches live.

``models_dir()`` is the folder of ``slack.mdl``, ``presets.toml`` and ``profiles/``
(``SLACK_SIM_MODELS`` overrides it); ``cache_dir()`` is where the parsed model, generated
code and translations are kept (``SLACK_SIM_CACHE``, else ``$XDG_CACHE_HOME/slack-sim``);
``fallback_cache_dir()`` is where they go when that folder cannot be written.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

__all__ = ["cache_dir", "cache_dirs", "default_model_path", "fallback_cache_dir", "is_private",
           "models_dir"]

#: The ``models/`` folder at the top of the source tree.
_SOURCE_MODELS = Path(__file__).resolve().parents[3] / "models"


def cache_dir() -> Path:
    """Return the cache folder: ``$SLACK_SIM_CACHE``, else ``$XDG_CACHE_HOME/slack-sim``."""
    root = os.environ.get("SLACK_SIM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "slack-sim"
    )
    return Path(root)


def _private_temp() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"slack-sim-{uid}"


def is_private(path: str | os.PathLike[str], *, folder: bool = True) -> bool:
    """Return whether a cache entry can be trusted: this user's own, writable only by them.

    A cache holds generated code that is executed; a folder or file another user could
    write (theirs, or group- or world-writable, or a symbolic link) could plant code in
    it, so nothing is read from such a place.

    Parameters
    ----------
    path : path-like
        A folder (or a file, with ``folder=False``).
    folder : bool
        Whether ``path`` must be a folder (else a regular file).

    Returns
    -------
    bool
        False also when the path does not exist.
    """
    try:
        st = os.lstat(path)
    except OSError:
        return False
    uid = os.getuid() if hasattr(os, "getuid") else st.st_uid
    kind = stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)
    return kind and st.st_uid == uid and not st.st_mode & 0o022


_is_private = is_private


def fallback_cache_dir() -> Path:
    """Return a private temporary cache folder, for when :func:`cache_dir` is unwritable.

    The folder is ``<temp>/slack-sim-<uid>``, created with mode 0700 and used only if it
    is a real folder owned by this user that nobody else can write; else a fresh
    ``mkdtemp`` folder, good for this process only.

    Returns
    -------
    pathlib.Path
        An existing folder this process can write.
    """
    path = _private_temp()
    try:
        path.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        pass
    if _is_private(path):
        return path
    return Path(tempfile.mkdtemp(prefix="slack-sim-"))


def cache_dirs() -> list[Path]:
    """Return the folders a cache entry is looked for in, in order.

    :func:`cache_dir`, then the private fallback folder if an earlier process had to
    write there; only folders that are :func:`is_private` (another user's folder, or one
    others can write, is never read).
    """
    folders = [cache_dir(), _private_temp()]
    return [f for i, f in enumerate(folders) if is_private(f) and f not in folders[:i]]


def models_dir() -> Path:
    """Return the folder holding ``slack.mdl``, ``presets.toml`` and ``profiles/``.

    The ``SLACK_SIM_MODELS`` environment variable overrides the default, which is the
    ``models/`` folder at the top of the source tree.

    Returns
    -------
    pathlib.Path
        The models folder.

    Raises
    ------
    FileNotFoundError
        If the folder has no ``slack.mdl``.
    """
    env = os.environ.get("SLACK_SIM_MODELS")
    folder = Path(env) if env else _SOURCE_MODELS
    if not (folder / "slack.mdl").is_file():
        raise FileNotFoundError(
            f"cannot find slack.mdl in {folder}; install slack-sim from its source tree "
            "(pip install -e .) or set SLACK_SIM_MODELS to the models folder"
        )
    return folder


def default_model_path() -> Path:
    """Return the path of the canonical model file ``models/slack.mdl``."""
    return models_dir() / "slack.mdl"
