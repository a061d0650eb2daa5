"""Build the project's derived tables of observed council series from ``../shared/data/local``.

Usage::

    python tools/build_local_tables.py                  # write models/data/*.csv
    python tools/build_local_tables.py --data DIR --out DIR

Reads the extract documented in ``<repo>/../shared/data/local/README.md`` and writes

* ``observed.csv``: tidy series per council and England (``area_code, series, year, date,
  value, units, note``);
* ``councils.csv``: one row per council and England (names, slugs, neighbours, 2010 base
  values, population growth, 2010-11 early/late intervention split, what is missing);
* ``england_check.csv``: England (the sum of councils) against the national totals the
  data carries (in its README tables).

Rules (reorganised councils, suppression, definitions) are in ``models/data/README.md``.
Progress goes to stderr as plain lines. Output is deterministic (byte for byte).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "local"
DEFAULT_OUT = REPO / "models" / "data"

from slack_sim.scenarios import observed  # noqa: E402  (after the paths above)

SERIES = observed.SERIES
ENGLAND = observed.ENGLAND_CODE

YEARS = range(2010, 2021)
PANEL_COLUMNS = {
    "pop_0_17": "Child population",
    "referrals": "Referrals",
    "cin_at31": "Children in need",
    "cpp_at31": "Child protection plans",
    "cpp_starts": "Child protection plan starts",
    "s47": "Section 47 enquiries",
    "cla_31mar": "Children looked after",
    "cla_starts": "Care starts",
    "cla_ceased": "Care exits",
}
CLA_SPEND = "Spending on children looked after"
EARLY = "Early help spending"

# Dorset-area reorganisation, 1 April 2019
BOURNEMOUTH, POOLE, DORSET_CC = "E06000028", "E06000029", "E10000009"
BCP, DORSET = "E06000058", "E06000059"
PREDECESSORS = (BOURNEMOUTH, POOLE, DORSET_CC)
SUCCESSORS = (BCP, DORSET)
BUCKS = "E06000060"

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Sources: Department for Education (Children looked after in England including adoptions; "
    "Characteristics of children in need; Children's social work workforce; Section 251 "
    "outturn) and Office for National Statistics (mid-year population estimates).")
SOURCE = ("../shared/data/local/ (la_children_services.csv, la_lookup.csv, "
          "la_statistical_neighbours_2021.csv, s251_outturn_2008_09_to_2013_14.csv, "
          "s251_early_late_2010_11.csv; national totals from its README.md), derived by "
          "tools/build_local_tables.py; rules in models/data/README.md")


def progress(step: int, total: int, text: str) -> None:
    """Print one progress line to stderr."""
    print(f"[{step}/{total}] {text}", file=sys.stderr, flush=True)


def slugify(name: str) -> str:
    """Lower-case hyphenated slug; drops DfE's ', City of' / ', County of' suffixes."""
    name = re.sub(r",\s*(City|County) of$", "", name)
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def fmt(x: float) -> str:
    """Deterministic number text: integers without decimals, others to 1 decimal."""
    r = round(float(x), 1)
    return f"{r:.0f}" if r == int(r) else f"{r:.1f}"


def year_ranges(years: list[int]) -> str:
    """Compress [2011, 2012, 2013, 2016] to '2011-2013, 2016'."""
    out: list[str] = []
    ys = sorted(years)
    i = 0
    while i < len(ys):
        j = i
        while j + 1 < len(ys) and ys[j + 1] == ys[j] + 1:
            j += 1
        out.append(str(ys[i]) if i == j else f"{ys[i]}-{ys[j]}")
        i = j + 1
    return ", ".join(out)


# --------------------------------------------------------------------------- reading

def read_inputs(data: Path) -> dict[str, pd.DataFrame]:
    """Read the raw CSVs (never copied; only read)."""
    def rd(name: str) -> pd.DataFrame:
        return pd.read_csv(data / name, dtype={"old_la_code": str, "neighbour_old_la_code": str})
    return {
        "panel": rd("la_children_services.csv"),
        "lookup": rd("la_lookup.csv"),
        "neighbours": rd("la_statistical_neighbours_2021.csv"),
        "outturn": rd("s251_outturn_2008_09_to_2013_14.csv"),
        "early_late": rd("s251_early_late_2010_11.csv"),
    }


def _md_table(readme: str, header_start: str) -> list[list[str]]:
    """Rows of the markdown table whose header line starts with ``header_start``."""
    lines = readme.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(header_start):
            rows = []
            for body in lines[i + 2:]:
                if not body.startswith("|"):
                    break
                rows.append([c.strip() for c in body.strip().strip("|").split("|")])
            return rows
    raise SystemExit(f"README table starting {header_start!r} not found")


def _num(text: str) -> float:
    return float(text.replace(",", "").replace("£", "")) if text else np.nan


def national_totals(readme: str) -> pd.DataFrame:
    """National figures quoted in the data README: (series, year, total, source, readme_sum)."""
    recs = []
    for r in _md_table(readme, "| year (31 March) | LAs with value |"):
        recs.append(("Children looked after", int(r[0]), _num(r[3]),
                     "published England total (data README reference list)", _num(r[2])))
    for r in _md_table(readme, "| column | year | LAs with value / rows |"):
        if r[0] in PANEL_COLUMNS:
            recs.append((PANEL_COLUMNS[r[0]], int(r[1]), _num(r[5]),
                         "national row of the source file (data README)", _num(r[3])))
    for r in _md_table(readme, "| financial_year | line | gross £m"):
        y = int(r[0][:4]) + 1
        if y >= 2010:
            recs.append((CLA_SPEND, y, np.nan, "", _num(r[2]) * 1e6))
    recs.append((EARLY, 2011, 3.6e9, "Turning the tide (2017) England early intervention "
                 "2010/11; its line mapping differs (not like for like)", np.nan))
    return pd.DataFrame(recs, columns=["series", "year", "national_total", "national_source",
                                       "readme_sum_of_councils"])


# --------------------------------------------------------------------------- series

def council_series(inp: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Long table of reported values: area_code, series, year, value, note."""
    panel = inp["panel"]
    frames = []
    for col, series in PANEL_COLUMNS.items():
        f = panel[["la_code", "year", col]].dropna().rename(
            columns={"la_code": "area_code", col: "value"})
        f["series"] = series
        f["note"] = ""
        if series == "Child population":
            f.loc[f["year"] == 2010, "note"] = "mid-2009, pre-2011-Census vintage, rounded to 100"
        frames.append(f)

    # CLA spending, gross, harmonised to the FY 2012-13 line definition
    g = panel[["la_code", "year", "s251_cla_gross_spend_gbp_m"]].dropna().rename(
        columns={"la_code": "area_code", "s251_cla_gross_spend_gbp_m": "value"})
    g["value"] = g["value"] * 1e6
    out = inp["outturn"]
    add = out[out["year"].between(2010, 2012)
              & out["line_description"].isin(["Adoption services", "Special guardianship support"])]
    add = add.groupby(["la_code", "year"])["total_expenditure"].sum(min_count=2).rename("add")
    g = g.join(add, on=["area_code", "year"])
    early_years = g["year"] <= 2012
    if g.loc[early_years, "add"].isna().any():
        raise SystemExit("adoption / special guardianship lines missing for some council")
    g.loc[early_years, "value"] += g.loc[early_years, "add"]
    g["note"] = np.select(
        [early_years, g["year"] >= 2015],
        ["CLA line + adoption + special guardianship (outturn), as defined from FY 2012-13",
         "gross s251 line 3.1.11 via placement_data_final.csv"], "")
    g["series"] = CLA_SPEND
    frames.append(g.drop(columns="add"))

    # early help 2010-11 (year 2011), net, from the early/late reconstruction
    el = inp["early_late"][["la_code", "early_net_gbp_m"]].dropna()
    e = pd.DataFrame({"area_code": el["la_code"], "year": 2011,
                      "value": el["early_net_gbp_m"] * 1e6, "series": EARLY,
                      "note": "FY 2010-11 only; 'Turning the tide' style reconstruction (data "
                              "README): lines 3+8+26-29+41-45"})
    frames.append(e)
    df = pd.concat(frames, ignore_index=True)
    df["year"] = df["year"].astype(int)
    return df[["area_code", "series", "year", "value", "note"]]


def successor_shares(rep: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Each successor's share of the Dorset-area total in 2020, per series.

    The three predecessors (Bournemouth, Poole, Dorset CC, to March 2019) and the two
    successors (BCP, Dorset Council, from April 2019) cover the same area. The data have no
    Christchurch figures, so the split of the area total before 2020 is taken as the
    successors' own split in 2020 (per series; the child-population split where a series
    has no 2020 value for both).
    """
    r20 = rep[rep["area_code"].isin(SUCCESSORS) & (rep["year"] == 2020)]
    wide = r20.pivot_table(index="series", columns="area_code", values="value", aggfunc="first")
    wide = wide.dropna()
    pop = wide.loc["Child population"]
    out: dict[str, dict[str, float]] = {}
    for s in SERIES:
        row = wide.loc[s] if s in wide.index and wide.loc[s].sum() > 0 else pop
        out[s] = {c: float(row[c] / row.sum()) for c in SUCCESSORS}
    return out


def allocate_successors(rep: pd.DataFrame, shares: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Rows for BCP and Dorset Council before 2020: the Dorset-area total x 2020 share."""
    wide = rep[rep["area_code"].isin(PREDECESSORS) & (rep["year"] <= 2019)].pivot_table(
        index=["series", "year"], columns="area_code", values="value", aggfunc="first")
    wide = wide.dropna(subset=list(PREDECESSORS))  # allocate only when all three are known
    area = wide[list(PREDECESSORS)].sum(axis=1).rename("area").reset_index()
    frames = []
    for code, short in ((BCP, "BCP"), (DORSET, "Dorset Council")):
        f = area.copy()
        sh = f["series"].map(lambda s, c=code: shares[s][c])
        f["value"] = f["area"] * sh
        f["area_code"] = code
        f["note"] = [f"allocated: Dorset-area total (Bournemouth + Poole + Dorset CC) x {x:.3f}, "
                     f"{short}'s 2020 share" for x in sh]
        frames.append(f.drop(columns="area"))
    return pd.concat(frames, ignore_index=True)


def england_rows(rep: pd.DataFrame, nat: pd.DataFrame, n_councils: dict[int, int]
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """England = sum over reporting councils, with the check against national totals."""
    grp = rep.groupby(["series", "year"])["value"]
    eng = pd.DataFrame({"value": grp.sum(), "councils_summed": grp.count()}).reset_index()
    eng["councils_in_year"] = eng["year"].map(n_councils)
    eng = eng.merge(nat, on=["series", "year"], how="left")
    eng["diff_pct"] = 100 * (eng["value"] / eng["national_total"] - 1)
    notes = []
    for r in eng.itertuples():
        t = f"sum of {r.councils_summed} of {r.councils_in_year} councils"
        if np.isfinite(r.national_total):
            t += f"; national total {r.national_total:,.0f} ({r.diff_pct:+.2f}%)"
        notes.append(t)
    eng["note"] = notes
    eng["area_code"] = ENGLAND
    check = eng[["series", "year", "councils_summed", "councils_in_year", "value",
                 "national_total", "diff_pct", "national_source", "readme_sum_of_councils"]]
    check = check.rename(columns={"value": "england_sum_of_councils"})
    check = check.assign(matches_readme_sum=np.where(
        check["readme_sum_of_councils"].isna(), "",
        np.where(np.isclose(check["england_sum_of_councils"], check["readme_sum_of_councils"],
                            rtol=0, atol=0.6 * np.where(check["series"] == CLA_SPEND, 1e5, 1)),
                 "yes", "no")))
    harmonised = (check["series"] == CLA_SPEND) & (check["year"] <= 2012)
    check.loc[harmonised, "matches_readme_sum"] = "n/a: README sum is the CLA line only"
    return eng[["area_code", "series", "year", "value", "note"]], check


# --------------------------------------------------------------------------- councils table

def councils_table(inp: dict[str, pd.DataFrame], obs: pd.DataFrame,
                   shares: dict[str, dict[str, float]]) -> pd.DataFrame:
    """One row per council plus England."""
    lk = inp["lookup"].copy()
    sn = inp["neighbours"].sort_values(["la_code", "sn_rank"])
    neighbours = sn.groupby("la_code")["neighbour_la_code"].apply(";".join)
    el = inp["early_late"].set_index("la_code")
    rows = []
    eng = {"la_code": ENGLAND, "la_name": "England", "old_la_code": "", "region": "",
           "la_type": "Country (sum of councils)", "first_year_in_file": 2010,
           "last_year_in_file": 2020, "note": ""}
    for r in [*lk.to_dict("records"), eng]:
        code = r["la_code"]
        if code in PREDECESSORS:
            role = "predecessor"
            reorg = ("abolished 1 Apr 2019; reported 2010-2019; successors "
                     f"{BCP} (BCP) and {DORSET} (Dorset) carry allocated estimates for these years")
            years = "2010-2019"
        elif code in SUCCESSORS:
            role = "successor"
            reorg = ("created 1 Apr 2019; reported from 2020; 2010-2019 allocated: Dorset-area "
                     "total (Bournemouth + Poole + Dorset CC) x this council's 2020 share of each "
                     f"series (child population {shares['Child population'][code]:.3f})")
            years = "2020 (2010-2019 allocated)"
        elif code == ENGLAND:
            role, reorg, years = "england", "sum of reporting councils in each year", "2010-2020"
        else:
            role = "council"
            reorg = ""
            years = f"{r['first_year_in_file']}-{r['last_year_in_file']}"
            if code == BUCKS:
                reorg = ("county council E10000002 became unitary E06000060 on 1 Apr 2020, same "
                         "area for children's services; one continuous series under E06000060")
            elif isinstance(r.get("predecessor_codes_merged_here"), str):
                reorg = f"recode only, merged: {r['predecessor_codes_merged_here']}"
            if code in ("E09000021", "E09000027"):
                reorg = (reorg + "; " if reorg else "") + (
                    "workforce published jointly with "
                    + ("Richmond" if code == "E09000021" else "Kingston") + " (not used here)")
        name = r["la_name"]
        rows.append({
            "code": code, "name": name, "slug": "england" if code == ENGLAND else slugify(name),
            "old_la_code": r["old_la_code"], "region": r["region"], "la_type": r["la_type"],
            "role": role, "years_present": years, "reorganisation": reorg,
            "statistical_neighbours": neighbours.get(code, ""),
        })
    ct = pd.DataFrame(rows)
    if ct["slug"].duplicated().any():
        raise SystemExit(f"duplicate slugs: {ct.loc[ct['slug'].duplicated(), 'slug'].tolist()}")

    # base (2010 or nearest available) values, population growth, missing
    by = {k: g.set_index("year")["value"] for k, g in obs.groupby(["area_code", "series"])}
    expected = {s: set(g["year"]) for s, g in obs[obs["area_code"] == ENGLAND].groupby("series")}
    extra: dict[str, list[object]] = {}
    for code, role in zip(ct["code"], ct["role"], strict=True):
        span = set(range(2010, 2020)) if role == "predecessor" else set(YEARS)
        missing = []
        for s in SERIES:
            col = re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")
            ser = by.get((code, s))
            if ser is not None and len(ser):
                y0 = int(ser.index.min())
                extra.setdefault(f"{col}_base", []).append(fmt(ser[y0]))
                extra.setdefault(f"{col}_base_year", []).append(y0)
            else:
                extra.setdefault(f"{col}_base", []).append("")
                extra.setdefault(f"{col}_base_year", []).append("")
            have = set() if ser is None else set(ser.index)
            gap = sorted((expected.get(s, set()) & span) - have)
            if gap:
                missing.append(f"{s}: {year_ranges(gap)}")
        pop = by.get((code, "Child population"))
        if pop is not None and 2010 in pop.index and 2020 in pop.index:
            extra.setdefault("child_population_growth_2010_2020", []).append(
                f"{(pop[2020] / pop[2010]) ** 0.1 - 1:.5f}")
        else:
            extra.setdefault("child_population_growth_2010_2020", []).append("")
        extra.setdefault("missing", []).append("; ".join(missing))
    for k, v in extra.items():
        ct[k] = v

    # s251 2010-11 early / late split (net, GBP)
    el_net = el[["early_net_gbp_m", "late_net_gbp_m"]] * 1e6
    area = el_net.loc[list(PREDECESSORS)].sum()
    for c in SUCCESSORS:  # no 2020 s251 split exists: allocate by the child-population share
        el_net.loc[c] = area * shares["Child population"][c]
    el_net.loc[ENGLAND] = el_net.drop(index=list(SUCCESSORS)).sum()
    ct["early_net_gbp_2010_11"] = ct["code"].map(el_net["early_net_gbp_m"]).map(fmt)
    ct["late_net_gbp_2010_11"] = ct["code"].map(el_net["late_net_gbp_m"]).map(fmt)
    tot = el_net["early_net_gbp_m"] + el_net["late_net_gbp_m"]
    ct["early_share_2010_11"] = ct["code"].map(el_net["early_net_gbp_m"] / tot).map(
        lambda x: f"{x:.4f}")
    return ct


# --------------------------------------------------------------------------- writing

def write_table(df: pd.DataFrame, path: Path, title: str, extra: list[str]) -> None:
    """Write ``df`` with the comment header; deterministic text."""
    head = [f"# {title}", f"# source: {SOURCE}", f"# licence: {ATTRIBUTION}", *extra]
    body = df.to_csv(index=False, lineterminator="\n")
    path.write_text("\n".join(head) + "\n" + body, encoding="utf-8")


def build(data: Path, out: Path) -> dict[str, Path]:
    """Build all tables from ``data`` into ``out``; return the paths written."""
    steps = 6
    t0 = time.perf_counter()
    progress(1, steps, f"reading {data}")
    inp = read_inputs(data)
    readme = (data / "README.md").read_text(encoding="utf-8")
    nat = national_totals(readme)

    progress(2, steps, "council series (panel, s251 outturn, early/late table)")
    rep = council_series(inp)
    spend = rep["series"].map(lambda s: SERIES[s].kind) == "spending"
    rep.loc[spend, "value"] = rep.loc[spend, "value"].round(0)  # whole pounds before summing
    known = set(inp["lookup"]["la_code"])
    if set(rep["area_code"]) - known:
        raise SystemExit(f"codes not in la_lookup: {set(rep['area_code']) - known}")

    progress(3, steps, "allocating Dorset-area successors over 2010-2019")
    shares = successor_shares(rep)
    alloc = allocate_successors(rep, shares)

    progress(4, steps, "England = sum of reporting councils; check against national totals")
    panel = inp["panel"]
    reporting = panel[~(panel["la_code"].isin(SUCCESSORS) & (panel["year"] <= 2019))]
    n_councils = reporting.groupby("year")["la_code"].nunique().to_dict()
    eng, check = england_rows(rep, nat, n_councils)

    obs = pd.concat([rep, alloc, eng], ignore_index=True)
    obs["units"] = obs["series"].map(lambda s: SERIES[s].units)
    obs["date"] = [observed._date_for(s, int(y)) for s, y in zip(obs["series"], obs["year"],
                                                                   strict=True)]
    order = {s: i for i, s in enumerate(SERIES)}
    obs = obs.assign(_o=obs["series"].map(order)).sort_values(["area_code", "_o", "year"])
    spend = obs["series"].map(lambda s: SERIES[s].kind) == "spending"
    obs.loc[spend, "value"] = obs.loc[spend, "value"].round(0)  # whole pounds
    obs["value"] = obs["value"].map(fmt)
    obs = obs[["area_code", "series", "year", "date", "value", "units", "note"]]

    progress(5, steps, "councils table")
    numeric = obs.assign(value=obs["value"].astype(float))
    ct = councils_table(inp, numeric, shares)

    progress(6, steps, f"writing {out}")
    out.mkdir(parents=True, exist_ok=True)
    paths = {k: out / f"{k}.csv" for k in ("observed", "councils", "england_check")}
    write_table(obs, paths["observed"], "slack-sim observed series per council and England",
                ["# year = year ending 31 March; date = the date the value refers to (stocks: 31 "
                 "March; flows and spending: end of the financial year; Child population: 30 "
                 "June of year-1). Suppressed or missing values have no row."])
    write_table(ct, paths["councils"], "slack-sim councils: one row per council and England",
                ["# *_base = first available value (year in *_base_year), see "
                 "models/data/README.md"])
    chk = check.copy()
    for c in ("england_sum_of_councils", "national_total", "readme_sum_of_councils"):
        chk[c] = chk[c].map(lambda x: "" if pd.isna(x) else fmt(x))
    chk["diff_pct"] = chk["diff_pct"].map(lambda x: "" if pd.isna(x) else f"{x:+.2f}")
    write_table(chk, paths["england_check"], "England (sum of councils) against national totals",
                ["# diff_pct = 100*(sum/national - 1); matches_readme_sum: our sum equals the "
                 "sum the data README reports"])
    bad = chk[chk["matches_readme_sum"] == "no"]
    if len(bad):
        raise SystemExit(f"England sum differs from the data README's sum:\n{bad}")
    print(f"done in {time.perf_counter() - t0:.1f} s: "
          + ", ".join(f"{p.name} {p.stat().st_size:,} B" for p in paths.values()),
          file=sys.stderr)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help=f"folder of the local extract (default {DEFAULT_DATA})")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT,
                    help=f"output folder (default {DEFAULT_OUT})")
    args = ap.parse_args(argv)
    if not (args.data / "la_children_services.csv").is_file():
        print(f"error: {args.data}: no la_children_services.csv (give --data DIR)",
              file=sys.stderr)
        return 2
    build(args.data, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
