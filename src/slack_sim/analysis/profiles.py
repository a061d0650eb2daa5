"""Calibrate and history-match a profile as ``models/calibration.toml`` specifies.

One function, :func:`fit_profile`, used by ``tools/build_profiles.py`` for England and
every council and by the app for a council's own uploaded figures: it fits the declared
parameters to the published series (:func:`~slack_sim.analysis.calibration.calibrate`),
then history-matches the fitted scenario's uncertainties
(:func:`~slack_sim.analysis.history.history_match`) and keeps a compact sample of the
history-consistent futures. :func:`record` turns the result into the one-row summary
stored in ``models/profiles/calibration.csv``.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..model import load_model, models_dir
from ..scenarios import Scenario, preset
from .calibration import CalibrationResult, Evidence, calibrate
from .history import HistoryMatch, history_match

__all__ = ["ProfileFit", "calibration_spec", "evidence_prior", "fit_profile", "record"]


@functools.cache
def _spec(path: str, mtime_ns: int) -> dict[str, Any]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def calibration_spec() -> dict[str, Any]:
    """Return ``models/calibration.toml``: series, fitted parameters, matching settings."""
    path = models_dir() / "calibration.toml"
    return _spec(str(path), path.stat().st_mtime_ns)


def evidence_prior() -> Evidence | None:
    """Return the published effect size every fit uses as a prior (``[fit.evidence]``)."""
    table = calibration_spec()["fit"].get("evidence")
    return Evidence(**table) if table else None


@dataclasses.dataclass(frozen=True)
class ProfileFit:
    """A profile's calibration, history match and kept futures."""

    profile: str
    calibration: CalibrationResult
    match: HistoryMatch
    futures: pd.DataFrame
    observed: pd.DataFrame


def fit_profile(
    profile: str,
    observed: pd.DataFrame,
    *,
    council: bool = False,
    futures: int | None = None,
    keep: int | None = None,
    final_year: int = 2020,
    progress: Callable[[str, float], None] | None = None,
) -> ProfileFit:
    """Calibrate and history-match one profile on its observed series.

    Parameters
    ----------
    profile : str
        Profile name; it is fitted from its uncalibrated values (``<name>-uncalibrated``),
        so a rebuild never depends on an earlier fit.
    observed : pandas.DataFrame
        Tidy figures (``series``, ``year``, ``value``), e.g. ``load_observed(area)``.
    council : bool
        Use the council settings of the spec (fewer futures, fewer kept).
    futures, keep : int, optional
        Override the spec's number of futures per wave and kept futures stored.
    final_year : int
        Last year (ending March) used.
    progress : callable, optional
        ``progress(stage, fraction)``.

    Returns
    -------
    ProfileFit
    """
    spec = calibration_spec()
    say = progress or (lambda stage, frac: None)
    series = list(spec["series"])
    data = observed[observed["series"].isin(series) & (observed["year"] <= final_year)]
    base = preset(spec["preset"], profile=f"{profile}-uncalibrated")
    fit_spec, hm_spec = spec["fit"], spec["history"]
    say("calibrating", 0.0)
    fit = calibrate(base, data, list(fit_spec["parameters"]), evidence=evidence_prior(),
                    discrepancy=float(fit_spec["discrepancy"]), starts=int(fit_spec["starts"]),
                    refine=int(fit_spec["refine"]), seed=int(fit_spec["seed"]),
                    profile_points=int(fit_spec.get(
                        "council_profile_points" if council else "profile_points", 8)),
                    progress=lambda stage, frac: say(f"calibrating ({stage})", 0.3 * frac))
    n = futures or int(hm_spec["council_futures" if council else "futures"])
    say("history matching", 0.3)
    match = history_match(
        fit.scenario, data, n=n, waves=int(hm_spec["waves"]), cutoff=float(hm_spec["cutoff"]),
        discrepancy=float(hm_spec["council_discrepancy" if council else "discrepancy"]),
        rank=int(hm_spec["council_rank" if council else "rank"]), seed=int(hm_spec["seed"]),
        progress=lambda wave, done, total: say(
            "history matching", 0.3 + 0.7 * ((wave - 1) + done / total) / int(hm_spec["waves"])))
    count = keep or int(hm_spec["council_keep" if council else "keep"])
    kept = match.kept
    if len(kept) > count:
        kept = kept.sample(count, random_state=int(hm_spec["seed"]))
    say("done", 1.0)
    return ProfileFit(profile=profile, calibration=fit, match=match,
                      futures=kept.reset_index(drop=True), observed=data)


def record(result: ProfileFit) -> dict[str, Any]:
    """Return the one-row summary of a fit, as stored in ``models/profiles/calibration.csv``."""
    fit, match = result.calibration, result.match
    row: dict[str, Any] = {
        "profile": result.profile,
        "model_version": load_model().version,
        "converged": bool(fit.converged),
        "message": fit.message,
        "negative_log_likelihood": round(fit.negative_log_likelihood, 6),
        "figures": int(len(fit.residuals)),
        "futures": int(match.waves["futures"].iloc[0]),
        "kept_fraction": round(match.kept_fraction, 6),
        "kept": int(len(match.kept)),
        "stored": int(len(result.futures)),
        "elasticity": (round(fit.elasticity, 6) if fit.elasticity is not None else None),
        "not_identified": "; ".join(fit.parameters.index[~fit.parameters["identified"]]),
        "skipped": "; ".join(f"{r['series']} {r['year']}: {r['reason']}"
                             for r in fit.skipped.to_dict(orient="records")),
    }
    for name, p in fit.parameters.iterrows():
        row[f"fit:{name}"] = float(f"{p['value']:.6g}")
        row[f"lower:{name}"] = float(f"{p['lower']:.6g}")
        row[f"upper:{name}"] = float(f"{p['upper']:.6g}")
    for name, s in fit.statistics.iterrows():
        for stat in ("mape", "um", "us", "uc"):
            row[f"{stat}:{name}"] = round(float(s[stat]), 6) if pd.notna(s[stat]) else None
    return row


def scenario_of(result: ProfileFit) -> Scenario:
    """Return the calibrated scenario of a fit (the history preset on the fitted values)."""
    return result.calibration.scenario
