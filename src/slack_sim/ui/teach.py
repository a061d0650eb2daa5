"""The Teach page: a predict-then-run storyline for workshops (stub)."""

from __future__ import annotations

import streamlit as st

from ..model import Model


def teach_page(model: Model) -> None:
    """Draw the Teach page (not built yet)."""
    st.info("The Teach page is being built.")
