"""Stage 1, *model*: ``models/slack.mdl`` parsed once into plain dataclasses.

:class:`Model` (variables, stocks and flows, named loops, the dependency graph and
documentation), the model's files and cache folders, and its calendar.
"""

from .calendar import MONTHS_PER_YEAR, START_YEAR, to_years
from .files import cache_dir, default_model_path, models_dir
from .parse import (
    CONTROL_VARIABLES,
    SETTABLE_ROLES,
    Loop,
    Model,
    ModelFormatError,
    Variable,
    load_model,
    model_version,
)

__all__ = [
    "CONTROL_VARIABLES",
    "MONTHS_PER_YEAR",
    "SETTABLE_ROLES",
    "START_YEAR",
    "Loop",
    "Model",
    "ModelFormatError",
    "Variable",
    "cache_dir",
    "default_model_path",
    "load_model",
    "model_version",
    "models_dir",
    "to_years",
]
