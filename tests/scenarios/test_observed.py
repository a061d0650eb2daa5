"""The derived observed-data tables (models/data) and the reader of users' own figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slack_sim.scenarios import observed as ob

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "models" / "data"
RAW = ROOT.parent / "shared" / "data" / "local"
SUCCESSORS = ("E06000058", "E06000059")
PREDECESSORS = ("E06000028", "E06000029", "E10000009")


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    df = pd.read_csv(DATA / "observed.csv", comment="#", dtype={"note": str},
                     keep_default_na=False, na_values=[""])
    df["note"] = df["note"].fillna("")
    return df


@pytest.fixture(scope="module")
def councils() -> pd.DataFrame:
    return ob.councils()


# --------------------------------------------------------------------------- committed tables

def test_tables_carry_source_and_licence() -> None:
    for name in ("observed.csv", "councils.csv", "england_check.csv"):
        head = (DATA / name).read_text().splitlines()[:4]
        assert any(h.startswith("# source: ") for h in head), name
        assert any(h.startswith("# licence: Contains public sector information licensed under "
                                "the Open Government Licence v3.0.") for h in head), name
    assert sum(p.stat().st_size for p in DATA.glob("*.csv")) < 5_000_000


def test_series_and_units_match_catalogue(obs: pd.DataFrame) -> None:
    assert set(obs["series"]) <= set(ob.SERIES)
    for name in ("Referrals", "Children in need", "Child protection plans",
                 "Children looked after", "Care starts", "Care exits",
                 "Spending on children looked after", "Early help spending", "Child population"):
        assert name in set(obs["series"]), name
    units = obs.groupby("series")["units"].unique()
    for s, u in units.items():
        assert list(u) == [ob.SERIES[s].units], s
    assert not obs.duplicated(["area_code", "series", "year"]).any()
    assert obs["value"].notna().all() and (obs["value"] >= 0).all()


def test_dates_follow_the_year_convention(obs: pd.DataFrame) -> None:
    pop = obs["series"] == "Child population"
    assert (obs.loc[pop, "date"] == (obs.loc[pop, "year"] - 1).astype(str) + "-06-30").all()
    assert (obs.loc[~pop, "date"] == obs.loc[~pop, "year"].astype(str) + "-03-31").all()


def test_england_is_the_sum_of_reporting_councils(obs: pd.DataFrame) -> None:
    eng = obs[obs["area_code"] == ob.ENGLAND_CODE].set_index(["series", "year"])["value"]
    rep = obs[(obs["area_code"] != ob.ENGLAND_CODE) & ~obs["note"].str.startswith("allocated:")]
    total = rep.groupby(["series", "year"])["value"].sum()
    assert set(eng.index) == set(total.index)
    pd.testing.assert_series_equal(eng.sort_index(), total.sort_index(), check_names=False,
                                   rtol=0, atol=0.6)


def test_england_against_national_totals() -> None:
    chk = pd.read_csv(DATA / "england_check.csv", comment="#", keep_default_na=False,
                      na_values=[""])
    assert "no" not in set(chk["matches_readme_sum"])
    cla = chk[chk["series"] == "Children looked after"]
    assert len(cla) == 11 and (cla["diff_pct"].abs() < 0.5).all()
    # councils missing from the CIN census in 2013-2014 are the only large gaps
    big = chk[(chk["diff_pct"].abs() > 0.5) & (chk["series"] != "Early help spending")]
    assert set(big["year"]) <= {2013, 2014, 2015, 2016, 2017, 2018, 2019}
    assert set(big.loc[big["year"] > 2014, "series"]) <= {"Child population"}


def test_every_council_in_lookup_has_rows(obs: pd.DataFrame, councils: pd.DataFrame) -> None:
    if RAW.is_dir():
        lookup = pd.read_csv(RAW / "la_lookup.csv", dtype=str)
        assert set(lookup["la_code"]) == set(councils["code"]) - {ob.ENGLAND_CODE}
    counts = obs.groupby("area_code").size()
    for code in councils["code"]:
        assert counts.get(code, 0) >= 20, code
    assert councils["slug"].is_unique and councils["code"].is_unique
    assert (councils["slug"] == councils["slug"].str.lower()).all()
    assert not councils["slug"].str.contains(r"[^a-z0-9-]").any()


def test_councils_table_columns(councils: pd.DataFrame) -> None:
    kent = councils.set_index("slug").loc["kent"]
    assert kent["code"] == "E10000016" and kent["region"] == "South East"
    assert len(kent["statistical_neighbours"].split(";")) == 10
    assert kent["children_looked_after_base_year"] == 2010
    assert kent["referrals_base_year"] == 2013  # referrals start in 2013 in the data
    assert 0 < float(kent["early_share_2010_11"]) < 1
    assert -0.05 < float(kent["child_population_growth_2010_2020"]) < 0.05
    scilly = councils.set_index("code").loc["E06000053"]
    assert "Children looked after: 2011-2017" in scilly["missing"]


@pytest.mark.parametrize("code", SUCCESSORS)
def test_reorganised_dorset_area_continuous(obs: pd.DataFrame, code: str) -> None:
    sub = obs[obs["area_code"] == code].set_index(["series", "year"])["value"]
    pred = obs[obs["area_code"].isin(PREDECESSORS)]
    for series in ("Children looked after", "Children in need", "Child protection plans",
                   "Referrals", "Care starts", "Spending on children looked after"):
        # every year the predecessors all reported is covered by the successor
        yrs = pred[pred["series"] == series].groupby("year")["area_code"].nunique()
        for y in yrs[yrs == 3].index:
            assert (series, y) in sub.index, (code, series, y)
        ratio = sub[(series, 2020)] / sub[(series, 2019)]
        assert 0.67 < ratio < 1.5, (code, series, ratio)
    # the successors' allocations add up to the predecessors' total
    both = obs[obs["area_code"].isin(SUCCESSORS) & (obs["year"] <= 2019)]
    s = both.groupby(["series", "year"])["value"].sum()
    p = pred.groupby(["series", "year"])["value"].sum().reindex(s.index)
    np.testing.assert_allclose(s, p, atol=0.2, rtol=1e-9)


def test_buckinghamshire_continuous(obs: pd.DataFrame) -> None:
    b = obs[obs["area_code"] == "E06000060"]
    cla = b[b["series"] == "Children looked after"].set_index("year")["value"]
    assert list(cla.index) == list(range(2010, 2021))
    assert (np.abs(np.diff(np.log(cla.to_numpy()))) < np.log(1.3)).all()
    assert not (obs["area_code"] == "E10000002").any()


# --------------------------------------------------------------------------- load_observed

def test_load_observed_by_code_slug_and_england() -> None:
    a = ob.load_observed("E10000016")
    b = ob.load_observed("kent")
    pd.testing.assert_frame_equal(a, b)
    assert set(a["kind"]) == {"stock", "flow", "spending"}
    eng = ob.load_observed("england")
    v = eng[(eng["series"] == "Children looked after") & (eng["year"] == 2010)]["value"]
    assert v.item() == 64378


def test_load_observed_unknown_area_suggests() -> None:
    with pytest.raises(ob.ObservedDataError, match=r"unknown area 'knet'.*kent"):
        ob.load_observed("knet")


# --------------------------------------------------------------------------- uploads

def _write(tmp_path: Path, text: str, name: str = "mine.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


GOOD = ("series,year,value\n"
        "Children looked after,2015,100\n"
        "Children looked after,2016,110\n"
        "Referrals,2016,900\n")


def test_read_good_file(tmp_path: Path) -> None:
    df = ob.read_observed_csv(_write(tmp_path, GOOD))
    assert list(df["series"]) == ["Children looked after", "Children looked after", "Referrals"]
    assert list(df["row"]) == [2, 3, 4]
    assert df.attrs["warnings"] == []
    assert df["standard_error"].isna().all()
    assert set(df["date"]) == {"2015-03-31", "2016-03-31"}


@pytest.mark.parametrize(("text", "pattern"), [
    ("series,value\nReferrals,5\n", r"mine\.csv: row 1, column 'year'.*expected a header"),
    ("series,year,value\nReferals,2015,5\n",
     r"mine\.csv: row 2, column 'series': got 'Referals'.*did you mean 'Referrals'"),
    ("series,year,value\nReferrals,2015,5\nReferrals,2051,5\n",
     r"row 3, column 'year': got '2051'; expected a year between 2010 and 2046.25"),
    ("series,year,value\nReferrals,2015,5\nCare starts,2016,-3\n",
     r"row 3, column 'value': got '-3'; expected a number >= 0"),
    ("series,year,value\nReferrals,2015,lots\n", r"row 2, column 'value': got 'lots'; expected a"
                                                 r" number"),
    ("series,year,value\nReferrals,twenty,5\n", r"row 2, column 'year': got 'twenty'"),
    ("series,year,value\nReferrals,2015,5\nReferrals,2016,6\nReferrals,2015,7\n",
     r"row 4, column 'year': got '2015'.*already in row 2"),
    ("series,year,value,standard_error\nReferrals,2015,5,x\n",
     r"row 2, column 'standard_error': got 'x'"),
    ("series,year,value,units\nReferrals,2015,5,GBP\n",
     r"row 2, column 'units': got 'GBP'; expected 'referrals per year'"),
    ("# a comment\n# another\nseries,year,value\nReferrals,2015,5\nReferrals,2016,-1\n",
     r"row 5, column 'value'"),
])
def test_bad_uploads_refused_with_row_and_column(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(ob.ObservedDataError, match=pattern) as err:
        ob.read_observed_csv(_write(tmp_path, text))
    assert "\n" not in str(err.value)


def test_upload_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = "".join(f"Referrals,{2010 + i},5\n" for i in range(30))
    monkeypatch.setattr(ob, "MAX_UPLOAD_ROWS", 10)
    with pytest.raises(ob.ObservedDataError, match=r"row 12: more than 10 data rows"):
        ob.read_observed_csv(_write(tmp_path, "series,year,value\n" + rows))
    monkeypatch.setattr(ob, "MAX_UPLOAD_BYTES", 50)
    with pytest.raises(ob.ObservedDataError, match=r"bytes; expected at most 50 bytes"):
        ob.read_observed_csv(_write(tmp_path, "series,year,value\n" + rows))


def test_ten_times_neighbours_flagged_not_refused(tmp_path: Path) -> None:
    text = ("series,year,value\nChildren looked after,2014,100\n"
            "Children looked after,2015,1500\nChildren looked after,2016,110\n"
            "Children looked after,2017,120\n")
    df = ob.read_observed_csv(_write(tmp_path, text))
    assert len(df) == 4
    assert len(df.attrs["warnings"]) == 1
    assert "row 3, column 'value': 1500" in df.attrs["warnings"][0]
    assert df.loc[df["year"] == 2015, "warning"].item() != ""


def test_template_reads_back(tmp_path: Path) -> None:
    path = ob.write_template(tmp_path / "template.csv")
    empty = ob.read_observed_csv(path)
    assert len(empty) == 0
    text = path.read_text()
    assert "year ending 31 March" in text
    lines = text.splitlines()
    i = next(k for k, line in enumerate(lines) if "Children looked after,2015" in line)
    cells = lines[i].split(",")
    cells[3] = "123"
    lines[i] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    df = ob.read_observed_csv(path)
    assert len(df) == 1 and df["value"].item() == 123 and df["row"].item() == i + 1


def test_observed_table_reads_as_upload(tmp_path: Path) -> None:
    kent = ob.load_observed("kent")
    p = tmp_path / "kent.csv"
    kent[["series", "year", "value", "units"]].to_csv(p, index=False)
    df = ob.read_observed_csv(p)
    assert len(df) == len(kent)


# --------------------------------------------------------------------------- freshness

@pytest.mark.skipif(not (RAW / "la_children_services.csv").is_file(),
                    reason="../shared/data/local is absent: cannot rebuild the tables")
def test_committed_tables_are_fresh(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_local_tables.py"),
                    "--data", str(RAW), "--out", str(tmp_path)], check=True,
                   capture_output=True, timeout=120)
    for name in ("observed.csv", "councils.csv", "england_check.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), (
            f"models/data/{name} is stale: run python tools/build_local_tables.py")
