"""Stage 1, *model*: ``models/slack.mdl`` parsed once into plain dataclasses.

:mod:`~slack_sim.model.variables` (:class:`Model`, :class:`Variable`, :class:`Loop`),
:mod:`~slack_sim.model.parse` (the one parse, with PySD's translator),
:mod:`~slack_sim.model.files` (the model's files and cache folders) and
:mod:`~slack_sim.model.calendar` (model months <-> dates, from the model's origin).
"""

from typing import Any

from . import calendar
from .calendar import MONTHS_PER_YEAR, start_year, to_years
from .files import cache_dir, default_model_path, models_dir
from .parse import load_model, model_version, py_name
from .variables import (
    CONTROL_VARIABLES,
    SETTABLE_ROLES,
    Loop,
    Model,
    ModelFormatError,
    Variable,
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
    "py_name",
    "start_year",
    "to_years",
]


def __getattr__(name: str) -> Any:
    # START_YEAR comes from the model (its Origin tag), read when first asked for
    if name == "START_YEAR":
        return calendar.start_year()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
