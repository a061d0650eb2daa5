"""Regenerate the generated tables of ``docs/technical-reference.md`` from the model.

Usage::

    python tools/write_reference.py            # rewrite the tables in place
    python tools/write_reference.py --check    # exit 1 if the file is out of date

The tables (stocks and flows, named loops, every constant with its range and source) sit
between ``<!-- BEGIN GENERATED -->`` and ``<!-- END GENERATED -->``; the prose around them
is written by hand. The test suite runs ``--check`` so the document stays current.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import slack_sim as ss

BEGIN = "<!-- BEGIN GENERATED: python tools/write_reference.py -->"
END = "<!-- END GENERATED -->"
DOC = Path(__file__).resolve().parents[1] / "docs" / "technical-reference.md"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _num(x: float | None) -> str:
    return "?" if x is None else f"{x:g}"


def generated_tables() -> str:
    """Return the generated Markdown: stocks, loops and constants by sector.

    Returns
    -------
    str
        Markdown text.
    """
    model = ss.load_model()
    out = [
        f"Model version `{model.version}`; {len(model.variables)} variables, "
        f"{len(model.stocks)} stocks.",
        "",
    ]
    out += [
        "### Stocks and their flows",
        "",
        "| stock | sector | units | inflows | outflows |",
        "|---|---|---|---|---|",
    ]
    for stock, flows in model.stock_flows.items():
        ins = ", ".join(f for f, s in flows if s > 0) or "-"
        outs = ", ".join(f for f, s in flows if s < 0) or "-"
        v = model[stock]
        out.append(f"| {stock} | {v.sector} | {v.units} | {ins} | {outs} |")
    out += [
        "",
        "### Named feedback loops",
        "",
        "| loop | polarity | name | causal chain | variables tagged |",
        "|---|---|---|---|---|",
    ]
    for loop in model.loops.values():
        out.append(
            f"| {loop.id} | {loop.polarity} | {loop.name} | {_cell(loop.description)} |"
            f" {', '.join(loop.variables)} |"
        )
    for role, title in (
        ("lever", "Levers (policies)"),
        ("uncertainty", "Uncertainties"),
        ("profile", "Profile inputs (calibration)"),
        ("switch", "Loop switches"),
    ):
        plausible = role == "uncertainty"
        out += [
            "",
            f"### {title}",
            "",
            "| name | group | default | range | "
            + ("plausible range (sampled) | " if plausible else "")
            + "units | definition | source |",
            "|---|---|---|---|" + ("---|" if plausible else "") + "---|---|---|",
        ]
        for name in model.names(role=role):
            v = model[name]
            extra = ""
            if plausible:
                extra = (f"[{_num(v.plausible_minimum)}, {_num(v.plausible_maximum)}]: "
                         f"{_cell(v.plausible_note)} | ")
            out.append(
                f"| {name} | {v.group or v.sector} | {_num(v.default)} | "
                f"[{_num(v.minimum)}, {_num(v.maximum)}] | {extra}{v.units} | "
                f"{_cell(v.definition)} | {_cell(v.source)} |"
            )
    return "\n".join(out) + "\n"


def render(text: str) -> str:
    """Return ``text`` with its generated part replaced by fresh tables."""
    head, sep, rest = text.partition(BEGIN)
    if not sep:
        raise SystemExit(f"{DOC}: missing marker {BEGIN!r}")
    _, sep2, tail = rest.partition(END)
    if not sep2:
        raise SystemExit(f"{DOC}: missing marker {END!r}")
    return f"{head}{BEGIN}\n\n{generated_tables()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite or check the document; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check it is current")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    fresh = render(current)
    if args.check:
        if fresh != current:
            print(f"{DOC} is out of date: run python tools/write_reference.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
