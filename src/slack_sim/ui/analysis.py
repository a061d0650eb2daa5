"""The Risk page: uncertainty, sensitivity, tipping points and policy search (stub)."""

from __future__ import annotations

import streamlit as st

from ..model import Model
from ..scenarios import Scenario


def risk_page(model: Model, scenario: Scenario) -> None:
    """Draw the Risk page (not built yet)."""
    st.info("The Risk page is being built.")
