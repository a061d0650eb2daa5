"""Build the project's deflator table from ``../shared/data/prices/`` (HM Treasury GDP deflator).

Writes ``models/data/deflator.csv``: one row per financial year with the index rebased so
that 2010-11 = 1 (the model's price base) and whether the year is an OBR forecast, under
comment lines naming the source, the vintage and the licence. Usage::

    python tools/build_prices.py [--data DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "prices"
DEFAULT_OUT = REPO / "models" / "data" / "deflator.csv"
BASE = "2010-11"
VINTAGE = ("HM Treasury, GDP deflators at market prices, and money GDP: March 2026 "
           "(Quarterly National Accounts); outturn to 2024-25 ONS L8GG, 2025-26 onward OBR "
           "March 2026 forecast")
LICENCE = ("Contains public sector information licensed under the Open Government Licence "
           "v3.0. (HM Treasury, ONS, OBR)")


def build(data: Path) -> str:
    """Return the derived table as CSV text."""
    with (data / "gdp_deflator_fy.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    index = {r["financial_year"]: float(r["index"]) for r in rows}
    if BASE not in index:
        raise SystemExit(f"{data}: no {BASE} row to rebase on")
    out = io.StringIO()
    out.write(f"# source: {VINTAGE}; read from ../shared/data/prices/gdp_deflator_fy.csv\n")
    out.write(f"# licence: {LICENCE}\n")
    out.write(f"# index: GDP deflator at market prices, {BASE} = 1 (the model's price base)\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["financial_year", "index", "is_forecast"])
    for r in rows:
        writer.writerow([r["financial_year"], f"{index[r['financial_year']] / index[BASE]:.6f}",
                         r["is_forecast"]])
    return out.getvalue()


def main() -> None:
    """Build the table and write it atomically."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    text = build(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=args.out.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, args.out)
    print(f"wrote {args.out} ({text.count(chr(10)) - 4} financial years)")


if __name__ == "__main__":
    main()
