r"""``slack-sim appraise``: appraise a policy from a month, by financial year, in real terms.

Example (the question a finance officer asks)::

    slack-sim appraise --preset austerity-then-covid --set "Prevention ring fence=1" \
        --set "Policy start time=207" --start 2027-04 --years 10 --prices 2025-26 \
        --against current-policy --out appraisal.xlsx

prints the NPV of net cost, the benefit-cost ratio, the discounted payback year, the
return per £1 of extra prevention, the probability of a net saving over the futures and
the lowest reserves, and writes the committee workbook (``.xlsx``), the by-year table
(``.csv``) or everything (``.json``).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from pathlib import Path

from ..analysis.appraise import appraise_scenario, next_april
from ..metrics.prices import DEFAULT_PRICES
from ..model import START_YEAR, load_model
from ..model.calendar import month_text
from ..report.text import money
from ..report.workbook import write_appraisal_workbook
from ..scenarios import Scenario, load_scenario, preset
from ..validation import Interval, number
from .options import CliError, check, json_records, scenario_from_args, write

__all__ = ["add_appraise_command", "parse_month"]

_MONTH = re.compile(r"(\d{4})-(\d{2})")
#: ``--futures``: futures besides the scenario's own settings.
FUTURES = Interval("integer", 0, 5_000)


def parse_month(text: str, option: str = "--start") -> float:
    """Return ``"2027-04"`` as a decimal year on the model's monthly grid.

    Raises
    ------
    CliError
        For text that is not ``YYYY-MM``, a month outside 1-12 or a date before the model.
    """
    m = _MONTH.fullmatch(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise CliError(f"{option}: expected a month as YYYY-MM (e.g. 2027-04), got {text!r}")
    year = int(m.group(1)) + (int(m.group(2)) - 1) / 12
    model = load_model()
    end = START_YEAR + model.final_time / 12
    if not START_YEAR <= year < end:
        raise CliError(f"{option}: {text} is outside the model's horizon "
                       f"({month_text(START_YEAR)} to {month_text(end - 1 / 12)})")
    return year


def _against(text: str, profile: str) -> Scenario | None:
    if text == "current-policy":
        return None
    if text.endswith(".json"):
        return load_scenario(text)
    return preset(text, profile=profile)


def appraise_command(args: argparse.Namespace) -> None:
    """Run ``slack-sim appraise`` (see the module docstring)."""
    if args.out and Path(args.out).suffix.lower() not in (".xlsx", ".csv", ".json"):
        raise CliError(f"--out must end in .xlsx, .csv or .json, got {args.out!r}")
    scenario = scenario_from_args(args)
    start = parse_month(args.start) if args.start else next_april()
    years = check(args.years, Interval("real", 0, 50, closed="right", units="years"), "--years")
    futures = check(args.futures, FUTURES, "--futures")
    against = _against(args.against, scenario.profile)
    run = appraise_scenario(scenario, against=against, start=start, years=years,
                            prices=args.prices, rate=args.rate, long_rate=args.long_rate,
                            futures=futures)
    a = run.appraisal
    c = a.central
    npv = a.totals["npv_net_cost"]
    print(f"{scenario.name} against {run.counterfactual.name}, {a.notes['window']}, "
          f"{a.notes['prices']}")
    print(f"  NPV of net cost:        {money(c['npv_net_cost'], signed=True)} "
          f"(negative is a saving; 90% of futures {money(npv.quantile(0.05), signed=True)} to "
          f"{money(npv.quantile(0.95), signed=True)})")
    bcr = c["benefit_cost_ratio"]
    bcr_text = "n/a (no extra cost)" if not math.isfinite(bcr) else f"{bcr:.2f}"
    print(f"  benefit-cost ratio:     {bcr_text}")
    print(f"  discounted payback:     {c['payback_year'] or 'not within the window'}")
    per = c["return_per_pound"]
    print(f"  return per £1 of extra prevention: "
          f"{'n/a (no extra prevention)' if not math.isfinite(per) else f'£{per:.2f}'}")
    print(f"  {run.probability_text()}")
    print(f"  avoided harm:           {c['avoided_harm']:,.0f} person-months")
    print(f"  lowest reserves:        {money(c['lowest_reserves'], signed=True)}; "
          f"{c['months_below_zero']} months below zero")
    if not args.out:
        return
    suffix = Path(args.out).suffix.lower()
    if suffix == ".xlsx":
        write_appraisal_workbook({scenario.name: run}, args.out)
        print(f"wrote {args.out}")
    else:
        write(args.out, a.by_year, {
            "scenario": scenario.name, "against": run.counterfactual.name, "notes": a.notes,
            "central": {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                        for k, v in c.items()},
            "probability_of_saving": a.probability_of_saving(),
            "by_year": json_records(a.by_year.reset_index())})


def add_appraise_command(sub: argparse._SubParsersAction,
                         scenario_args: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``appraise`` to the parser (``scenario_args`` adds --preset/--profile/--set)."""
    p = sub.add_parser("appraise", help="appraise a policy from a month, by financial year, "
                                        "in today's prices, against current policy")
    scenario_args(p)
    p.add_argument("--start", metavar="YYYY-MM", help="first month (default: the next April)")
    p.add_argument("--years", type=number, default=10.0, help="length (default 10)")
    p.add_argument("--prices", default=DEFAULT_PRICES,
                   help=f"'cash' or a financial year such as 2025-26 (default {DEFAULT_PRICES})")
    p.add_argument("--rate", type=number, default=0.035, help="discount rate to year 30")
    p.add_argument("--long-rate", type=number, default=0.030, help="discount rate after 30")
    p.add_argument("--against", default="current-policy",
                   help="current-policy (default), a preset or a scenario file")
    p.add_argument("--futures", type=int, default=500, help="futures (default 500)")
    p.add_argument("--out", metavar="FILE.xlsx|FILE.csv|FILE.json")
    p.set_defaults(func=appraise_command)
