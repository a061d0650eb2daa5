"""Regenerate the "What the model shows" tables of ``docs/levers/*.md`` from model runs.

Usage::

    python tools/write_lever_docs.py            # rerun the model, rewrite the tables in place
    python tools/write_lever_docs.py --check    # exit 1 if any page is out of date

Each lever page has a hand-written slider-settings table (status quo, low, medium, high).
This script reads that table, runs every setting through :func:`slack_sim.comparison`
against the status quo (same context, lever at its model default) and writes the outcomes
between ``<!-- BEGIN GENERATED -->`` and ``<!-- END GENERATED -->``. So every figure quoted
on a lever page comes from a run of the package, with the preset and settings named above
the table. The prose around the tables is written by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import slack_sim as ss
from slack_sim.analysis.tipping import RB3_SHOCK
from slack_sim.model.calendar import START_YEAR, model_month_text, month_text
from slack_sim.teach.steps import TEACHING_PROFILE

BEGIN = "<!-- BEGIN GENERATED: python tools/write_lever_docs.py -->"
END = "<!-- END GENERATED -->"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "levers"
ROWS = ("status quo", "low", "medium", "high")
_Y0 = int(START_YEAR)

#: Preset and extra values each lever is tried in (the lever itself is added on top).
#: Levers act from ``Policy start time`` (default 0: from the first month of the run).
CONTEXT: dict[str, tuple[str, dict[str, float]]] = {
    "Policy start time": ("invest-to-save", {}),
    "Invest to save duration": ("austerity-then-covid", {"Invest to save fund": 0.2}),
}
DEFAULT_CONTEXT: tuple[str, dict[str, float]] = ("austerity-then-covid", {})

#: The tipping-point experiment on the Slack target page (as in notebook 03 and the Teach
#: page): on the flat teaching profile (status quo slack 0.20), so "back to where it was" is
#: well defined (England's population and need grow, so its queue never returns to 2020's).
TIPPING_PROFILE = TEACHING_PROFILE
TIPPING_SLACKS = (0.10, 0.15, 0.20, 0.25, 0.30, 0.35)
TIPPING_SIZES = tuple(round(0.1 * i, 1) for i in range(1, 21))
TIPPING_SHOCK = RB3_SHOCK


def slug(lever: str) -> str:
    """Return the page name of a lever: lowercased, spaces to hyphens."""
    return lever.lower().replace(" ", "-")


def settings_table(text: str) -> dict[str, float]:
    """Return the slider-settings table of a lever page: row label -> value.

    The table is the first whose header starts ``| setting | value |``.

    Raises
    ------
    ValueError
        If there is no such table or a value is not a number.
    """
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip().lower() for c in line.strip().strip("|").split("|")]
        if cells[:2] == ["setting", "value"]:
            out: dict[str, float] = {}
            for row in lines[i + 2:]:
                if not row.strip().startswith("|"):
                    break
                label, value = [c.strip() for c in row.strip().strip("|").split("|")][:2]
                out[label.lower()] = float(value)
            return out
    raise ValueError("no slider-settings table (a header starting '| setting | value |')")


def _fmt(x: Any, digits: int = 3) -> str:
    if isinstance(x, str):
        return x
    if x is None:
        return "-"
    return f"{x:,.{digits}g}" if abs(x) < 10 ** digits else f"{x:,.0f}"


def _money(x: Any) -> str:
    return x if isinstance(x, str) else f"{x / 1e9:,.2f}"


def _signed_money(x: Any) -> str:
    return x if isinstance(x, str) else f"{x / 1e9:+,.2f}"


def _span() -> str:
    """Return the run, January 2010 to its last month (from the FINAL TIME)."""
    model = ss.load_model()
    return f"{month_text(START_YEAR)} to {model_month_text(model.final_time - model.saveper)}"


def _context_text(preset: str, extra: dict[str, float]) -> str:
    more = "".join(f", `{k}` = {v:g}" for k, v in extra.items())
    return f"preset `{preset}`{more}"


def outcomes_section(lever: str, settings: dict[str, float]) -> str:
    """Return the generated Markdown for one lever page."""
    preset, extra = CONTEXT.get(lever, DEFAULT_CONTEXT)
    model = ss.load_model()
    default = model.variables[lever].default
    base = ss.preset(preset).with_values({**extra, lever: default}, name="status quo")
    scenarios = [
        base.with_values({lever: settings[row]}, name=row)
        for row in ROWS[1:]
        if row in settings
    ]
    comp = ss.comparison(scenarios, baseline=base)
    t = comp.table
    lines = [
        f"Each row is one run of {_context_text(preset, extra)} with `{lever}` set as shown, "
        f"compared with the status quo (`{lever}` = {default:g}, the model default), on the "
        f"default profile (`{ss.DEFAULT_PROFILE}`: England, every council together). Money "
        f"is GBP billion at {_Y0}/{(_Y0 + 1) % 100:02d} prices, discounted to {_Y0} (HM "
        f"Treasury Green Book), over {_span()}. Harm is the model's `Harm` (children "
        "waiting in the crisis queue or with unmet need) summed over the months, in "
        f"million person-months. Model version `{model.version}`.",
        "",
        "| setting | value | NPV of total spending (£bn) | change | of which crisis staff | "
        "of which care placements | of which prevention | cumulative harm "
        "(million person-months) | change | peak crisis queue (children) | Covid recovery "
        "(months after the shock ends) | break-even year |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label in comp.labels:
        row = "status quo" if label == comp.baseline else label
        value = default if label == comp.baseline else settings[row]
        col = t[label]
        delta = t.get(f"{label} - {comp.baseline}")
        harm_change = "-"
        npv_change = ["-"] * 4
        if delta is not None:
            npv_change = [_signed_money(delta[k]) for k in (
                "npv_total_spending", "npv_crisis_staff_spending",
                "npv_care_placement_spending", "npv_prevention_spending")]
            # as a share of the status quo's harm (the row it is a change from)
            before = col["cumulative_harm"] - delta["cumulative_harm"]
            harm_change = f"{delta['cumulative_harm'] / before * 100:+.1f}%"
            harm_change = f"{delta['cumulative_harm'] / 1e6:+,.2f} ({harm_change})"
        recovery = col.get("shock_1_recovery_months")
        recovery = recovery if isinstance(recovery, str) else _fmt(recovery)
        even = col["break_even_year"] if label != comp.baseline else "-"
        even = even if isinstance(even, str) else f"{even:d}"
        lines.append(
            f"| {row} | {value:g} | {_money(col['npv_total_spending'])} | "
            f"{' | '.join(npv_change)} | {col['cumulative_harm'] / 1e6:,.2f} | {harm_change} | "
            f"{_fmt(col['peak_crisis_queue'])} | {recovery} | {even} |"
        )
    if lever == "Slack target":
        lines += ["", *tipping_section()]
    return "\n".join(lines)


def tipping_section() -> list[str]:
    """Return the tipping-point table: the largest one-year shock that recovers, by slack."""
    base = ss.preset("baseline", profile=TIPPING_PROFILE)
    lines = [
        "**The tipping point moves with slack.** Preset `baseline` (no austerity) on the "
        f"`{TIPPING_PROFILE}` teaching profile (a round-number council of 50,000 children "
        "with population, need and unit costs held flat, planned for slack 0.20; the Teach "
        "page's tipping-point and slack steps use it), a one-year shock from January 2020 "
        "(`Shock 1 start` = 120, `Shock 1 length` = 12) with 10% capacity loss and no "
        "suppression, emergency funding or collaboration boost; the demand surge is tried "
        "from 0.1 to 2.0 in steps of 0.1. \"Recovers\" means the crisis queue is back "
        "within 5% of its pre-shock level by the end of the run and stays there "
        "(`slack_sim.metrics.shock_response`).",
        "",
        "| Slack target | largest surge that recovers | smallest surge that does not |",
        "|---|---|---|",
    ]
    for slack in TIPPING_SLACKS:
        ok, tipped = [], []
        for size in TIPPING_SIZES:
            sc = base.with_values({**TIPPING_SHOCK, "Shock 1 demand surge": size,
                                   "Slack target": slack})
            frame = ss.simulate(sc)
            resp = ss.shock_response(frame["Crisis queue"], start=120, length=12)
            (ok if resp["recovered"] else tipped).append(size)
        best = f"{max(ok):g}" if ok else "none tried"
        worst = f"{min(tipped):g}" if tipped else "none up to 2 (the range's end)"
        lines.append(f"| {slack:g} | {best} | {worst} |")
    return lines


def render(path: Path, lever: str) -> str:
    """Return the page text with its generated section brought up to date."""
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise ValueError(f"{path}: no generated section ({BEGIN} ... {END})")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    body = outcomes_section(lever, settings_table(text))
    return f"{head}{BEGIN}\n\n{body}\n\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with ``--check``, verify) the generated tables of every lever page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a page is stale")
    parser.add_argument("levers", nargs="*", help="only these levers (default: all)")
    args = parser.parse_args(argv)
    stale = []
    for lever in args.levers or ss.load_model().levers:
        path = DOCS / f"{slug(lever)}.md"
        if not path.is_file():
            print(f"missing page {path} for lever {lever!r}", file=sys.stderr)
            stale.append(lever)
            continue
        new = render(path, lever)
        if new != path.read_text(encoding="utf-8"):
            stale.append(lever)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        print("out of date: " + ", ".join(stale) + " (run python tools/write_lever_docs.py)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
