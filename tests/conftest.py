"""Shared fixtures."""

import pytest
from simhelpers import MODEL

import slack_sim as ss


@pytest.fixture(scope="session")
def model() -> ss.Model:
    return MODEL
