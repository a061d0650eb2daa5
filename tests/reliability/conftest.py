"""Fixtures of the reliability tests: a private copy of ``models/`` that a test may edit."""

import shutil
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture
def models_copy(tmp_path, monkeypatch) -> Path:
    """Return a copy of ``models/`` (without the futures) in use as the models folder."""
    target = tmp_path / "models"
    shutil.copytree(SOURCE, target, ignore=shutil.ignore_patterns("futures"))
    monkeypatch.setenv("SLACK_SIM_MODELS", str(target))
    return target

