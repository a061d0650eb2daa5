"""Council profiles: built from the published tables, resolved by name or code, calibrated."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import slack_sim as ss
from slack_sim.scenarios import councils as cmod
from slack_sim.scenarios import profile_info

ROOT = Path(__file__).resolve().parents[2]


def test_every_council_has_a_profile_and_resolves_by_slug_and_code():
    table = cmod.councils()
    assert 149 <= len(table) <= 155
    assert table["slug"].is_unique and table["code"].is_unique
    kent = profile_info("kent")
    assert profile_info("E10000016")["values"] == kent["values"]
    assert kent["kind"] == "council" and kent["area"] == "E10000016"
    assert set(table["slug"]) <= set(ss.profiles())


@pytest.mark.parametrize("name", ["../presets", "/tmp/x/evil", "kent.toml", "", "a b",
                                  "..", "children-services-england/../generic"])
def test_a_profile_name_is_never_a_path(name):
    with pytest.raises(ss.ScenarioError, match="never a path|unknown profile"):
        profile_info(name)


def test_unknown_council_suggests_close_names():
    with pytest.raises(ss.ScenarioError, match="did you mean 'kent'"):
        profile_info("kentt")


def test_the_sum_of_councils_matches_england():
    table = cmod.councils()
    england = profile_info("children-services-england-uncalibrated")["values"]
    for name, tol in (("Children looked after 2010", 0.01), ("Care starts 2010", 0.01),
                      ("Child population 2010", 0.02), ("Early help spending 2010", 0.02)):
        total = table[name].sum()
        assert total == pytest.approx(england[name], rel=tol), name


def test_every_council_runs_with_finite_outputs():
    scenarios = [ss.preset("austerity-then-covid", profile=s) for s in cmod.councils()["slug"]]
    ds = ss.simulate_many(scenarios, ["Children looked after", "Referrals", "Total spending"])
    for name in ds.data_vars:
        assert np.isfinite(ds[name].to_numpy()).all(), name
    cla = ds["Children looked after"].isel(year=0).to_numpy()
    expected = cmod.councils()["Children looked after 2010"].to_numpy()
    assert cla == pytest.approx(expected)  # each council starts at its own 2010 figure


def test_missing_figures_are_filled_and_listed():
    table = cmod.councils()
    scilly = table[table["slug"] == "isles-of-scilly"]
    if scilly.empty:
        pytest.skip("the Isles of Scilly are not in this build")
    assert "England's rate per child" in scilly["missing"].iloc[0]


def test_a_stale_calibration_is_not_applied(monkeypatch):
    monkeypatch.setattr("slack_sim.scenarios.library.calibration_record",
                        lambda name: {"model_version": "0000", "converged": True})
    monkeypatch.setattr("slack_sim.scenarios.library.fitted_values",
                        lambda name: {"Need scale": 1.08})
    info = profile_info("kent")
    assert info["calibration"].startswith("calibration stale")
    assert info["values"].get("Need scale", 1.0) != 1.08


def test_committed_calibrations_are_for_this_model_version():
    path = ROOT / "models" / "profiles" / "calibration.csv"
    if not path.is_file():
        pytest.skip("no calibration table committed")
    table = pd.read_csv(path, comment="#")
    stale = table.loc[table["model_version"] != ss.load_model().version, "profile"].tolist()
    assert not stale, f"stale calibrations (run python tools/build_profiles.py): {stale[:5]}"


@pytest.mark.slow
def test_recalibrating_a_sample_reproduces_the_committed_rows():
    """One council recalibrated from its published series gives its committed row.

    One council, not two: every council goes through the same code (``fit_profile`` with
    ``council=True``; the council's kind, unitary or county, is only described, never
    used by the fit), so a second shows nothing the first does not. Hartlepool (a
    unitary, about 5 s to fit) rather than Kent (a county, about 17 s, its fit ending
    on ``xtol`` alone): the check covers every fitted value, bound, likelihood and
    kept-futures figure of the row all the same.
    """
    path = ROOT / "models" / "profiles" / "calibration.csv"
    if not path.is_file():
        pytest.skip("no calibration table committed")
    sys.path.insert(0, str(ROOT / "tools"))
    import build_profiles

    assert build_profiles.main(["--check", "hartlepool", "--jobs", "1"]) == 0
