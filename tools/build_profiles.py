"""Build every profile: council inputs from the derived tables, then calibrate each.

One command rebuilds all profiles (about 150 councils and England)::

    python tools/build_profiles.py                 # inputs, then calibrate England and councils
    python tools/build_profiles.py --inputs-only   # councils.csv only (seconds)
    python tools/build_profiles.py --only kent,E10000016,children-services-england
    python tools/build_profiles.py --check kent     # recalibrate, compare with the committed row

Writes ``models/profiles/councils.csv`` (each council's profile inputs, from
``models/data/councils.csv`` and ``observed.csv``), ``models/profiles/calibration.csv``
(one row per calibrated profile) and ``models/profiles/futures/<slug>.csv.gz`` (its
history-consistent futures), atomically. Progress goes to stderr with the time left.

How a council's inputs are made (documented in ``models/data/README.md`` too):

- its published 2010 (year ending March 2010) stocks and flows where they exist; for
  referrals, children in need and plans, whose series start in 2013, the 2013 figure held
  for 2010 (the same judgement as England's profile); care exits the mean of 2010 and 2011
  (as England's: 2009-10 exits are low beside every later year);
- spending: early help its 2010-11 s251 early-intervention net spend; the annual cost of a
  child in care its 2010-11 looked-after spending over the mean children looked after at
  March 2010 and 2011; social work spending its 2010-11 late-intervention net spend less
  looked-after spending (England's ratio of net to gross applied), at least 10% of late
  spend;
- what it lacks (a suppressed or missing figure, or a 2010 figure of 0, from which no rate
  can be taken: the Isles of Scilly) England's rate per child times its child population,
  listed in ``missing``;
- every other input (shares, costs per post, partnership) England's, community capacity
  scaled by child population.
"""

from __future__ import annotations

import argparse
import gzip
import io
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "models"
sys.path.insert(0, str(REPO / "src"))

from slack_sim.fileio import atomic_write  # noqa: E402
from slack_sim.scenarios import observed as ob  # noqa: E402
from slack_sim.scenarios.library import _read_toml  # noqa: E402

ENGLAND_PROFILE = "children-services-england"
LICENCE = ("# licence: Contains public sector information licensed under the Open Government "
           "Licence v3.0.")
SOURCE = ("# source: built by tools/build_profiles.py from models/data/councils.csv and "
          "models/data/observed.csv (DfE and ONS statistics via ../shared/data/local)")

#: profile input -> (series in observed.csv, years to average, scale by)
FROM_SERIES = {
    "Children looked after 2010": ("Children looked after", (2010,)),
    "Care starts 2010": ("Care starts", (2010,)),
    "Care exits 2010": ("Care exits", (2010, 2011)),
    "Referrals 2010": ("Referrals", (2013,)),
    "Children in need 2010": ("Children in need", (2013,)),
    "Child protection plans 2010": ("Child protection plans", (2013,)),
    "Child protection plan starts 2010": ("Child protection plan starts", (2013,)),
}


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", dtype={"code": str, "area_code": str})


def build_inputs() -> pd.DataFrame:
    """Return the council profile table (one row per council, profile inputs as columns)."""
    table = _read(MODELS / "data" / "councils.csv")
    obs = _read(MODELS / "data" / "observed.csv")
    england = _read_toml(MODELS / "profiles" / f"{ENGLAND_PROFILE}.toml")["values"]
    eng_obs = obs[obs["area_code"] == ob.ENGLAND_CODE]
    eng_pop = float(england["Child population 2010"])

    def value(frame: pd.DataFrame, series: str, years: tuple[int, ...]) -> float:
        rows = frame[(frame["series"] == series) & frame["year"].isin(years)]
        return float(rows["value"].mean()) if len(rows) == len(years) else math.nan

    eng_cla_gross = value(eng_obs, "Spending on children looked after", (2011,))
    net_to_gross = 2.912e9 / eng_cla_gross  # England: s251 2010-11 looked-after net / gross
    rows = []
    for c in table[table["role"].isin(["council", "successor"])].to_dict(orient="records"):
        mine = obs[obs["area_code"] == c["code"]]
        pop = float(c["child_population_base"])
        share = pop / eng_pop
        values: dict[str, float] = {}
        missing = []
        values["Child population 2010"] = pop
        growth = c.get("child_population_growth_2010_2020")
        values["Child population growth to 2020"] = float(growth) if pd.notna(growth) else (
            float(england["Child population growth to 2020"]))
        for name, (series, years) in FROM_SERIES.items():
            v = value(mine, series, years)
            if not math.isfinite(v) or v <= 0:  # none published, or none to take rates from
                what = "none published" if not math.isfinite(v) else "0 published"
                v = share * float(england[name])
                missing.append(f"{series} {'/'.join(map(str, years))}: {what} (England's rate "
                               "per child)")
            values[name] = round(v, 1)
        early = c.get("early_net_gbp_2010_11")
        late = c.get("late_net_gbp_2010_11")
        cla_spend = value(mine, "Spending on children looked after", (2011,))
        cla_mean = value(mine, "Children looked after", (2010, 2011))
        if pd.notna(early) and early > 0:
            values["Early help spending 2010"] = round(float(early), -3)
        else:
            values["Early help spending 2010"] = round(share * england["Early help spending 2010"])
            missing.append("early help spending 2010-11 (England's per child)")
        if math.isfinite(cla_spend) and math.isfinite(cla_mean) and cla_mean > 0:
            values["Annual cost per child in care"] = round(cla_spend / cla_mean, -2)
        else:
            values["Annual cost per child in care"] = england["Annual cost per child in care"]
            missing.append("looked-after spending 2010-11 (England's cost per child)")
        if pd.notna(late) and late > 0 and math.isfinite(cla_spend):
            values["Social work spending 2010"] = round(
                max(float(late) - cla_spend * net_to_gross, 0.1 * float(late)), -3)
        else:
            values["Social work spending 2010"] = round(
                share * england["Social work spending 2010"])
            missing.append("late-intervention spending 2010-11 (England's per child)")
        values["Reference community capacity"] = round(
            share * float(england["Reference community capacity"]))
        for name, v in england.items():
            values.setdefault(name, v)
        rows.append({"code": c["code"], "slug": c["slug"], "name": c["name"],
                     "region": c["region"], "la_type": c["la_type"],
                     "statistical_neighbours": c["statistical_neighbours"],
                     "missing": "; ".join(missing), "notes": c.get("reorganisation") or "",
                     **values})
    return pd.DataFrame(rows)


def _csv(frame: pd.DataFrame, header: list[str]) -> str:
    buf = io.StringIO()
    buf.write("\n".join(header) + "\n")
    frame.to_csv(buf, index=False, lineterminator="\n", float_format="%.10g")
    return buf.getvalue()


def _area(profile: str, councils: pd.DataFrame) -> str:
    if profile == ENGLAND_PROFILE:
        return "england"
    rows = councils[(councils["slug"] == profile) | (councils["code"] == profile)]
    if rows.empty:
        raise SystemExit(f"build_profiles: unknown profile {profile!r}")
    return str(rows["code"].iloc[0])


def _slug(profile: str, councils: pd.DataFrame) -> str:
    rows = councils[councils["code"] == profile]
    return str(rows["slug"].iloc[0]) if len(rows) else profile


def fit_one(profile: str, area: str) -> tuple[dict, str]:
    """Calibrate one profile (a worker process): its calibration row and futures CSV."""
    from slack_sim.analysis.profiles import fit_profile, record

    result = fit_profile(profile, ob.load_observed(area), council=profile != ENGLAND_PROFILE)
    futures = result.futures.to_csv(index=False, lineterminator="\n", float_format="%.5g")
    return record(result), futures


def _write_futures(slug: str, text: str) -> None:
    folder = MODELS / "profiles" / "futures"
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / f"{slug}.csv.gz", gzip.compress(text.encode(), mtime=0))


def _progress(done: int, total: int, start: float, label: str) -> None:
    elapsed = time.time() - start
    left = elapsed / done * (total - done) if done else math.nan
    bar = "#" * int(30 * done / total)
    sys.stderr.write(f"\r[{bar:<30}] {done}/{total} {label[:30]:<30} "
                     f"{elapsed:5.0f} s, about {left:4.0f} s left")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    """Build the profile tables; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs-only", action="store_true")
    parser.add_argument("--only", help="comma-separated profiles (slugs, codes or the England "
                        "profile) to calibrate")
    parser.add_argument("--check", help="recalibrate these profiles and compare with the "
                        "committed rows (no files written)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    councils = build_inputs()
    if not args.check:
        atomic_write(MODELS / "profiles" / "councils.csv",
                     _csv(councils, [SOURCE, LICENCE]))
        print(f"wrote models/profiles/councils.csv ({len(councils)} councils)")
    if args.inputs_only:
        return 0
    wanted = args.check or args.only
    profiles = ([p.strip() for p in wanted.split(",") if p.strip()] if wanted
                else [ENGLAND_PROFILE, *councils["slug"]])
    profiles = [_slug(p, councils) for p in profiles]
    path = MODELS / "profiles" / "calibration.csv"
    existing = _read(path) if path.is_file() else pd.DataFrame(columns=["profile"])
    start = time.time()
    rows, failed = {}, []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        jobs = {pool.submit(fit_one, p, _area(p, councils)): p for p in profiles}
        for done, future in enumerate(jobs, 1):
            name = jobs[future]
            try:
                rows[name], futures = future.result()
                if not args.check:
                    _write_futures(name, futures)
            except Exception as exc:  # a council that cannot be calibrated is reported
                failed.append(f"{name}: {type(exc).__name__}: {exc}")
            _progress(done, len(profiles), start, name)
    sys.stderr.write("\n")
    if args.check:
        bad = []
        for name, row in rows.items():
            old = existing[existing["profile"] == name]
            if old.empty:
                bad.append(f"{name}: not in calibration.csv")
                continue
            for key, value in row.items():
                was = old[key].iloc[0] if key in old else None
                if isinstance(value, float) and not np.isclose(value, float(was), rtol=1e-6,
                                                               atol=1e-12):
                    bad.append(f"{name}: {key} is {value!r}, committed {was!r}")
        print("\n".join(bad) if bad else f"{len(rows)} profile(s) reproduce the committed rows")
        return 1 if bad or failed else 0
    merged = existing[~existing["profile"].isin(rows)]
    table = pd.concat([merged, pd.DataFrame(list(rows.values()))], ignore_index=True)
    order = {p: i for i, p in enumerate([ENGLAND_PROFILE, *councils["slug"]])}
    table = table.sort_values("profile", key=lambda s: s.map(order).fillna(1e9))
    atomic_write(path, _csv(table, [
        "# source: tools/build_profiles.py (calibration and history matching of each profile "
        "on its published series 2010-2020; models/calibration.toml)", LICENCE]))
    print(f"calibrated {len(rows)} profile(s) in {time.time() - start:.0f} s; "
          f"wrote models/profiles/calibration.csv")
    for line in failed:
        print(f"could not calibrate {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
