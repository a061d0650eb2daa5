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

Then it prints, computed by :mod:`slack_sim.analysis.evidence`, the elasticity of
referrals and children in need to early-help (prevention) spending at the 2010 operating
point (central finite difference of a +-1% change in prevention spending from January 2010,
the rise funded from outside the budget; no austerity, no shock; read over the year to
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
from slack_sim.analysis.evidence import (
    BENNETT_CARE_ENTRIES,
    SURE_START_RATIO,
    TROUBLED_FAMILIES_RATIO,
    WEBB_BAND,
    elasticity,
    financial_year_mean,
    return_per_pound,
)

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
    return financial_year_mean(frame, name, year)


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


def main(argv: list[str] | None = None) -> int:
    """Print the report; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", default="compiled", choices=sorted(ss.ENGINES))
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
    el = elasticity(engine=args.engine)
    print("Elasticity to early-help spending at the 2010 operating point (+-1% prevention")
    print("spending from January 2010, rises funded from outside; no austerity, no shock;")
    print("year to March 2015):")
    for k, v in el.items():
        print(f"  {k:28s} {v:+.3f}")
    print(f"  evidence: children in need {WEBB_BAND[0]} to {WEBB_BAND[1]} (Webb 2021)")
    rp = return_per_pound(engine=args.engine)
    print()
    print("Implied return per 1 GBP of early help, spending on social work and care avoided,")
    print("2010-2030 (+1% prevention spending, funded from outside; no austerity, no shock):")
    print(f"  undiscounted {rp['undiscounted']:.2f}; discounted at 3.5% {rp['discounted']:.2f}")
    print(f"  beside total benefit per 1 GBP: Troubled Families {TROUBLED_FAMILIES_RATIO} "
          f"(MHCLG 2019), Sure Start {SURE_START_RATIO}")
    print("  (IFS 2019), which count benefits outside children's services (health, crime, work).")
    print(f"  care starts avoided per 100,000 children per 10 GBP per child a year (2029-30): "
          f"{rp['care_starts_per_100k_children_per_10gbp']:.2f}")
    mid, lo, hi = BENNETT_CARE_ENTRIES
    print(f"  (Bennett et al. 2021: {mid} per 100,000 16-17 year olds, 95% CI {lo}-{hi})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
