"""docs/levers/: one page per lever, with a settings table that respects the model."""

from pathlib import Path

import pytest
from doctools import run_tool
from simhelpers import MODEL

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "levers"
ROWS = ["status quo", "low", "medium", "high"]


def slug(lever: str) -> str:
    return lever.lower().replace(" ", "-")


def settings_table(text: str) -> dict[str, float]:
    """Rows of the table whose header starts '| setting | value |': label -> value."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip().lower() for c in line.strip().strip("|").split("|")]
        if cells[:2] == ["setting", "value"]:
            assert set(lines[i + 1].replace("|", "").strip()) <= {"-", ":", " "}, \
                "the header must be followed by a separator row"
            out = {}
            for row in lines[i + 2:]:
                if not row.strip().startswith("|"):
                    break
                label, value = [c.strip() for c in row.strip().strip("|").split("|")][:2]
                assert label.lower() not in out, f"row {label!r} twice"
                out[label.lower()] = float(value)
            return out
    raise AssertionError("no slider-settings table (a header starting '| setting | value |')")


def test_every_lever_has_a_page_and_every_page_is_a_lever():
    pages = {p.stem for p in DOCS.glob("*.md")} - {"README"}
    levers = {slug(name): name for name in MODEL.levers}
    assert sorted(set(levers) - pages) == [], "levers without a page"
    assert sorted(pages - set(levers)) == [], "pages that are not levers of the model"


def test_index_links_every_page():
    index = (DOCS / "README.md").read_text()
    for name in MODEL.levers:
        assert f"]({slug(name)}.md)" in index, name


@pytest.mark.parametrize("lever", MODEL.levers)
def test_page_sections_and_settings_table(lever):
    path = DOCS / f"{slug(lever)}.md"
    text = path.read_text()
    assert text.startswith(f"# {lever}\n"), "the title is the lever's model name"
    assert "**In one line:**" in text
    for heading in ("## Examples", "## Key dynamics", "## Slider settings", "## Sources"):
        assert heading in text, heading
    var = MODEL.variables[lever]
    table = settings_table(text)
    assert list(table) == ROWS
    assert table["status quo"] == pytest.approx(var.default), "status quo must be the default"
    for label, value in table.items():
        assert var.minimum <= value <= var.maximum, (
            f"{label} = {value} outside the lever's range {var.range_text}")
    # the model default and range are stated in the header bullets too
    assert f"Model default **{var.default:g}**" in text
    assert f"Range {var.minimum:g} to {var.maximum:g}," in " ".join(text.split())


def test_index_defaults_and_ranges_are_the_models():
    rows = {}
    for line in (DOCS / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("["):
            rows[cells[0][1:cells[0].index("]")]] = cells
    assert set(rows) == set(MODEL.levers)
    for name, (_, _, default, span) in rows.items():
        var = MODEL.variables[name]
        assert float(default) == pytest.approx(var.default), name
        low, _, high = span.removesuffix(" months").partition(" to ")
        assert (float(low), float(high)) == (var.minimum, var.maximum), name


def test_quoted_profile_inputs_are_the_models():
    """A lever page that quotes a profile input quotes its current value."""
    text = " ".join((DOCS / "community-fund.md").read_text().split())
    value = MODEL.variables["Reference community capacity"].default
    assert f"`Reference community capacity` {value:,.0f} volunteers" in text


def test_lever_pages_model_runs_are_current():
    """The 'What the model shows' tables equal a fresh run (python tools/write_lever_docs.py)."""
    code, output = run_tool("write_lever_docs.py", "--check")
    assert code == 0, output
