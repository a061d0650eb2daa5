"""Where the model's files and the caches live.

``models_dir()`` is the folder of ``slack.mdl``, ``presets.toml`` and ``profiles/``
(``SLACK_SIM_MODELS`` overrides it); ``cache_dir()`` is where generated code and
translations are kept (``SLACK_SIM_CACHE``, else ``$XDG_CACHE_HOME/slack-sim``).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "default_model_path", "models_dir"]

#: The ``models/`` folder at the top of the source tree.
_SOURCE_MODELS = Path(__file__).resolve().parents[3] / "models"


def cache_dir() -> Path:
    """Return the cache folder: ``$SLACK_SIM_CACHE``, else ``$XDG_CACHE_HOME/slack-sim``."""
    root = os.environ.get("SLACK_SIM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "slack-sim"
    )
    return Path(root)


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
