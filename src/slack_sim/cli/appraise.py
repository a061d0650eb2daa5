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

from ..analysis.appraise import AppraisalRun, appraise_scenario, next_april
from ..metrics.appraisal import Appraisal, fy_label
from ..metrics.prices import DEFAULT_PRICES
from ..model import START_YEAR, load_model
from ..model.calendar import month_text
from ..report.text import money, terminal_safe
from ..report.workbook import write_appraisal_workbook
from ..scenarios import Scenario, load_scenario, preset
from ..validation import Interval, number
from .options import CliError, check, json_records, scenario_from_args, write

__all__ = ["add_appraise_command", "parse_month", "summary_text"]

_MONTH = re.compile(r"(\d{4})-(\d{2})")
#: ``--futures``: futures besides the scenario's own settings.
FUTURES = Interval("integer", 0, 5_000)
#: ``--rate``, ``--long-rate``: discount rates a year, as fractions (Green Book 0.035, 0.030).
RATE = Interval("real", 0, 0.5, units="a year (a fraction: 0.035 is 3.5%)")


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


def _figure(key: str, x: float) -> str:
    """Return one figure as text (payback: a financial year)."""
    if key == "payback_year":
        return fy_label(x) or "not within the window"
    if not math.isfinite(x):
        return "n/a"
    if key in ("npv_net_cost", "costs", "savings", "lowest_reserves"):
        return money(x, signed=key in ("npv_net_cost", "lowest_reserves"))
    if key == "return_per_pound":
        return f"£{x:.2f}" if x >= 0 else f"-£{-x:.2f}"
    if key == "benefit_cost_ratio":
        return f"{x:.2f}"
    return f"{x:,.0f}"


_LINES = (
    ("npv_net_cost", "NPV of net cost (negative is a saving)"),
    ("benefit_cost_ratio", "benefit-cost ratio"),
    ("payback_year", "discounted payback"),
    ("return_per_pound", "return per £1 of extra prevention"),
    ("avoided_harm", "avoided harm (person-months)"),
    ("lowest_reserves", "lowest reserves"),
    ("months_below_zero", "months with reserves below zero"),
)
_UNDEFINED = {"benefit_cost_ratio": "n/a (no extra cost)",
              "return_per_pound": "n/a (no extra prevention)"}


def summary_text(run: AppraisalRun, name: str) -> str:
    """Return the printed summary: each figure's central estimate, 90% range and this run.

    Parameters
    ----------
    run : AppraisalRun
        The appraisal.
    name : str
        The scenario's name as the user gave it.

    Returns
    -------
    str
        Lines of text (terminal-safe: the name is escaped).
    """
    a = run.appraisal
    bands = a.bands()
    lines = [f"{terminal_safe(name)} against {terminal_safe(run.counterfactual.name)}, "
             f"{a.notes['window']}, {a.notes['prices']}",
             (f"central estimate (median of {run.futures:,} {run.futures_source}), its 90% "
              "range (5th to 95th percentile) and this run (the scenario's own settings, not "
              "one of the futures):" if run.futures
              else "this run (the scenario's own settings; no futures drawn):")]
    width = max(len(label) for _, label in _LINES) + 1
    for key, label in _LINES:
        b = bands.loc[key]
        if key != "payback_year" and b["defined"] == 0:
            text = _UNDEFINED.get(key, "n/a")
        else:
            text = _figure(key, b["central"])
            if run.futures > 0 and b["low"] != b["high"]:
                text += f" (90%: {_figure(key, b['low'])} to {_figure(key, b['high'])})"
        if key == "payback_year" and run.futures > 0:
            text += f"; pays back within the window in {b['defined']:.0%} of futures"
        own = _figure(key, b["own"]) if math.isfinite(b["own"]) or key == "payback_year" \
            else _UNDEFINED.get(key, "n/a")
        lines.append(f"  {label + ':':<{width}} {text}; this run: {own}")
    lines.append(f"  {run.probability_text()}")
    return "\n".join(lines)


def _bands_json(a: Appraisal) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for key, row in a.bands().iterrows():
        if key == "payback_year":
            out[str(key)] = {k: (fy_label(row[k]) if k != "defined" else row[k])
                             for k in ("low", "central", "high", "own", "defined")}
        else:
            out[str(key)] = {k: (None if not math.isfinite(v) else float(v))
                             for k, v in row.items()}
    return out


def appraise_command(args: argparse.Namespace) -> None:
    """Run ``slack-sim appraise`` (see the module docstring)."""
    if args.out and Path(args.out).suffix.lower() not in (".xlsx", ".csv", ".json"):
        raise CliError(f"--out must end in .xlsx, .csv or .json, got {args.out!r}")
    scenario = scenario_from_args(args)
    start = parse_month(args.start) if args.start else next_april()
    years = check(args.years, Interval("real", 0, 50, closed="right", units="years"), "--years")
    futures = check(args.futures, FUTURES, "--futures")
    rate = check(args.rate, RATE, "--rate")
    long_rate = check(args.long_rate, RATE, "--long-rate")
    against = _against(args.against, scenario.profile)
    run = appraise_scenario(scenario, against=against, start=start, years=years,
                            prices=args.prices, rate=rate, long_rate=long_rate,
                            futures=futures)
    a = run.appraisal
    print(summary_text(run, scenario.name))
    if not args.out:
        return
    suffix = Path(args.out).suffix.lower()
    if suffix == ".xlsx":
        write_appraisal_workbook({scenario.name: run}, args.out)
        print(f"wrote {terminal_safe(args.out)}")
    else:
        write(args.out, a.by_year, {
            "scenario": scenario.name, "against": run.counterfactual.name, "notes": a.notes,
            "this_run": {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                         for k, v in a.own.items()},
            "central_estimate": _bands_json(a),
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
    p.add_argument("--name", help="the scenario's name in the summary and the workbook "
                                  "(default: the preset's or file's, with \"(modified)\" "
                                  "after --set)")
    p.add_argument("--out", metavar="FILE.xlsx|FILE.csv|FILE.json")
    p.set_defaults(func=appraise_command)
