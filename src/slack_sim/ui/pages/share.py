"""The Share and export page: the link, scenario JSON in and out, CSV and Excel downloads."""

from __future__ import annotations

import urllib.parse

import streamlit as st

from ...model.parse import Model, load_model
from ...scenarios import MAX_SCENARIO_BYTES, Scenario
from .. import cache, sharing
from ..state import load_shared, notice

__all__ = ["share_page"]


def _on_upload() -> None:
    state = st.session_state
    upload = state.get("upload")
    if upload is None:
        return
    try:
        shared = sharing.parse_upload(upload.getvalue(), model=load_model(),
                                      baseline=state["baseline"])
    except sharing.ShareError as exc:
        notice("error", f"Could not load {upload.name}: {exc}. The scenario is unchanged.")
        return
    if load_shared(shared, stale="The scenario is unchanged; use the button below to load "
                                 "the file anyway."):
        notice("success", f"Loaded {upload.name}.")


def share_page(model: Model, scenario: Scenario, params: dict[str, str]) -> None:
    """Draw the Share page: the link, scenario JSON in and out, CSV and Excel downloads."""
    state = st.session_state
    st.subheader("Share this scenario")
    query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
    try:
        base_url = (st.context.url or "").split("?")[0]
    except Exception:  # noqa: BLE001 - no browser context (tests)
        base_url = ""
    st.markdown("The address bar always holds the current scenario, with the model version: "
                "copy it to share. The link:")
    st.code(f"{base_url.rstrip('/')}/?{query}", language=None, wrap_lines=True)
    slug = scenario.name.replace(" ", "-").replace("(", "").replace(")", "")
    st.download_button("Download scenario (JSON)", scenario.to_json(),
                       file_name=f"{slug}.json", mime="application/json", key="dl_json")
    st.file_uploader("Load a scenario file (JSON)", type=["json"], key="upload",
                     on_change=_on_upload, max_upload_size=max(1, MAX_SCENARIO_BYTES // 10**6),
                     help="A file saved here or with `slack-sim save`. Read as data only; "
                          f"at most {MAX_SCENARIO_BYTES:,} bytes.")
    st.subheader("Export")
    st.download_button("Time series, every variable (CSV)",
                       cache.csv_text(cache.scenario_key(scenario)),
                       file_name=f"{slug}.csv", mime="text/csv", key="dl_csv")
    scenario_json = scenario.to_json()
    baseline = state["baseline"]
    st.download_button(
        f"Workbook against {baseline} (Excel)",
        lambda: cache.excel_bytes(scenario_json, baseline),
        file_name=f"{slug}-vs-{baseline}.xlsx", key="dl_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    st.caption("The workbook has three sheets: every assumption with its source, the "
               "outcomes side by side with deltas, and the monthly time series.")
