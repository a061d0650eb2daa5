"""Report the model's reported series for England beside the published figures.

Usage::

    python tools/model_report.py            # the default preset on the England profile
    python tools/model_report.py --engine pysd

Prints, for the default scenario (``austerity-then-covid`` on ``children-services-england``,
whose values are England's), the model's value of each reported series in the years ending
31 March 2010, 2011, 2013, 2015, 2020 and 2024 beside the published England figure (sum of
councils in ``shared/data/local/la_children_services.csv``; s251 spending deflated to
2010-11 prices with ``shared/data/prices/gdp_deflator_fy.csv``). Conventions follow the data:
stocks at 31 March of the year, flows summed over April to March (the model's flows are
annual rates, averaged over the twelve months), spending by financial year. For 2010 the
flow is the model's rate over January-March 2010 (the model starts in January 2010).

Then it prints the elasticity of referrals and children in need to early-help (prevention)
spending at the 2010 operating point (central finite difference of a +-1% change in
``Prevention investment`` from January 2010, no austerity, no shock, read over the year to
March 2015), the implied return per pound of prevention within children's services
(spending avoided on social work and care over 2010-2030 per extra pound of early help,
undiscounted and at the Green Book 3.5%) beside Troubled Families' 2.28 and Sure Start's
2.05 (total benefit per pound, data/README.md), and Bennett et al.'s 2021 check.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import slack_sim as ss

SHARED = Path(os.environ.get("SLACK_SIM_SHARED", "/work/shared"))
YEARS = (2010, 2011, 2013, 2015, 2020, 2024)
#: reported series: model variable -> (data column, kind, scale for display)
SERIES = {
    "Referrals": ("referrals", "flow"),
    "Children in need": ("cin_at31", "stock"),
    "Child protection plans": ("cpp_at31", "stock"),
    "Children looked after": ("cla_31mar", "stock"),
    "Care starts": ("cla_starts", "flow"),
    "Care exits": ("cla_ceased", "flow"),
    "Spending on children looked after": ("s251_cla_gross_spend_gbp_m", "money"),
    "Early help spending": ("early_net_gbp_m", "money"),
}
BASELINE = {"Austerity depth": 0, "Shock 1 length": 0, "Shock 2 length": 0}


def published() -> pd.DataFrame:
    """Return England sums of councils by year (money in GBP at 2010-11 prices)."""
    df = pd.read_csv(SHARED / "data/local/la_children_services.csv", dtype={"old_la_code": str})
    cols = [c for c, _ in SERIES.values() if c in df.columns]
    out = df.groupby("year")[cols].sum(min_count=1)
    early = pd.read_csv(SHARED / "data/local/s251_early_late_2010_11.csv")
    out["early_net_gbp_m"] = np.nan
    out.loc[2011, "early_net_gbp_m"] = early["early_net_gbp_m"].sum()
    defl = pd.read_csv(SHARED / "data/prices/gdp_deflator_fy.csv")
    defl["year"] = defl["financial_year"].str[:4].astype(int) + 1
    index = defl.set_index("year")["index"]
    for col in ("s251_cla_gross_spend_gbp_m", "early_net_gbp_m"):
        real = out[col] * index.loc[2011] / index.reindex(out.index)
        out[col] = real * 1e6
    return out


def model_value(frame: pd.DataFrame, name: str, year: int, kind: str) -> float:
    """Return the model's value of a series for the year ending 31 March ``year``."""
    t = frame.index.to_numpy()
    end = year + 3 / 12  # 1 April of `year`, i.e. the end of 31 March
    if kind == "stock":
        return float(frame[name].iloc[int(np.argmin(np.abs(t - end)))])
    start = max(end - 1.0, 2010.0)
    mask = (t >= start - 1e-9) & (t < end - 1e-9)
    return float(frame[name][mask].mean())


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the model-against-published table for :data:`YEARS`."""
    data = published()
    rows = []
    for name, (col, kind) in SERIES.items():
        row = {"series": name}
        for y in YEARS:
            row[f"{y} model"] = model_value(frame, name, y, kind)
            pub = data[col].get(y, np.nan) if y in data.index else np.nan
            row[f"{y} published"] = pub
        rows.append(row)
    return pd.DataFrame(rows).set_index("series")


def _fy_mean(frame: pd.DataFrame, name: str, year: int) -> float:
    return model_value(frame, name, year, "flow")


def funded_prevention(step: float, profile: str = ss.DEFAULT_PROFILE) -> ss.Scenario:
    """Return the baseline with prevention spending changed by ``step`` (a fraction), funded.

    A rise is ring-fenced money from outside the budget (``Invest to save fund`` for the whole
    run), so that it does not crowd out statutory spending; a cut lowers ``Prevention
    investment`` with the saving kept in reserves.
    """
    values = dict(BASELINE)
    if step >= 0:
        values.update({"Invest to save fund": step, "Invest to save duration": 240})
    else:
        values.update({"Prevention investment": 1 + step})
    return ss.Scenario(profile=profile, values=values)


def elasticity(engine: str = "numpy", year: int = 2015, step: float = 0.01,
               profile: str = ss.DEFAULT_PROFILE) -> dict[str, float]:
    """Return the elasticity of referrals and children in need to early-help spending.

    Central finite difference of prevention spending -+ ``step`` from month 0 with no
    austerity and no shock (:func:`funded_prevention`), read as the mean over the year
    ending March ``year``.
    """
    runs = {s: ss.simulate(funded_prevention(s, profile), engine=engine) for s in (-step, step)}
    out = {}
    spend = {s: _fy_mean(r, "Early help spending", year) for s, r in runs.items()}
    dlog_s = np.log(spend[step] / spend[-step])
    for name in ("Referrals", "Children in need", "Child protection plans",
                 "Children looked after", "Care starts"):
        v = {s: _fy_mean(r, name, year) for s, r in runs.items()}
        out[name] = float(np.log(v[step] / v[-step]) / dlog_s)
    return out


def return_per_pound(engine: str = "numpy", start: float = 2010.0, end: float = 2030.0,
                     step: float = 0.01, profile: str = ss.DEFAULT_PROFILE,
                     rate: float = 0.035) -> dict[str, float]:
    """Return spending on social work and care avoided per extra pound of early help.

    +``step`` of funded prevention from month 0, no austerity, no shock; sums of
    monthly spending from ``start`` to ``end``, undiscounted and discounted at ``rate``.
    """
    b = ss.simulate(funded_prevention(0.0, profile), engine=engine)
    p = ss.simulate(funded_prevention(step, profile), engine=engine)
    t = b.index.to_numpy()
    mask = (t >= start) & (t < end)
    disc = (1 + rate) ** -(t[mask] - start)  # t in years
    d_early = (p["Early help spending"] - b["Early help spending"]).to_numpy()[mask] / 12
    d_statutory = (p["Crisis spending"] - b["Crisis spending"]).to_numpy()[mask]
    d_care_starts = (p["Care starts"] - b["Care starts"]).to_numpy()[mask]
    children = b["Child population"].to_numpy()[mask]
    # Bennett et al. 2021: entries to care per 100,000 children per 10 GBP per child cut a year
    per_child_change = d_early.sum() / mask.sum() * 12 / children.mean()
    return {
        "undiscounted": float(-d_statutory.sum() / d_early.sum()),
        "discounted": float(-(d_statutory * disc).sum() / (d_early * disc).sum()),
        "care_starts_per_100k_children_per_10gbp": float(
            -d_care_starts[-12:].mean() / children[-12:].mean() * 1e5 / (per_child_change / 10)
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", default="numpy", choices=sorted(ss.ENGINES))
    args = parser.parse_args(argv)
    frame = ss.simulate(ss.preset(), engine=args.engine)
    tab = table(frame)
    pd.set_option("display.width", 250)
    print("Default scenario (austerity-then-covid, profile children-services-england), England.")
    print("Years ending 31 March; stocks at 31 March, flows April-March (children a year),")
    print("money in GBP million a year at 2010-11 prices (published s251 deflated by the GDP")
    print("deflator); 'published' = sum of councils in shared/data/local (blank: not in the data).")
    print()
    header = f"{'series':36s}" + "".join(f"{y:>20d}" for y in YEARS)
    print(header)
    print(f"{'':36s}" + "".join(f"{'model / published':>20s}" for _ in YEARS))
    for name, row in tab.iterrows():
        money = SERIES[name][1] == "money"
        cells = []
        for y in YEARS:
            m, p = row[f"{y} model"], row[f"{y} published"]
            f = (lambda x: f"{x / 1e6:,.0f}") if money else (lambda x: f"{x:,.0f}")
            cells.append(f"{f(m)} / {'-' if np.isnan(p) else f(p)}".rjust(20))
        print(f"{name:36s}" + "".join(cells))
    print()
    el = elasticity(args.engine)
    print("Elasticity to early-help spending at the 2010 operating point (+-1% prevention")
    print("spending from January 2010, rises funded from outside; no austerity, no shock;")
    print("year to March 2015):")
    for k, v in el.items():
        print(f"  {k:28s} {v:+.3f}")
    print("  evidence: children in need -0.07 to -0.16 (Webb 2021)")
    rp = return_per_pound(args.engine)
    print()
    print("Implied return per 1 GBP of early help, spending on social work and care avoided,")
    print("2010-2030 (+1% prevention spending, funded from outside; no austerity, no shock):")
    print(f"  undiscounted {rp['undiscounted']:.2f}; discounted at 3.5% {rp['discounted']:.2f}")
    print("  beside total benefit per 1 GBP: Troubled Families 2.28 (MHCLG 2019), Sure Start 2.05")
    print("  (IFS 2019), which count benefits outside children's services (health, crime, work).")
    print(f"  care starts avoided per 100,000 children per 10 GBP per child a year (2029-30): "
          f"{rp['care_starts_per_100k_children_per_10gbp']:.2f}")
    print("  (Bennett et al. 2021: 1.9 per 100,000 16-17 year olds, 95% CI 0.7-2.9)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
