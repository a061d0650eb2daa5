"""The council picker, the Council page (neighbours, your own figures) and their view models."""

import time
from pathlib import Path

import pytest

from slack_sim.scenarios import preset, profile_info
from slack_sim.scenarios import profile_file as pf
from slack_sim.scenarios.councils import council

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from slack_sim.ui import cache  # noqa: E402
from slack_sim.ui import council as cv  # noqa: E402

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 120


def cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture(scope="module")
def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT).run()


def _label_search(labels: dict[str, str], text: str) -> list[str]:
    # Streamlit's selectbox filters its options on the label, case-insensitively
    return [k for k, v in labels.items() if text.lower() in v.lower()]


def test_picker_finds_kent_by_name_and_code(app):
    box = app.selectbox(key="profile")
    labels = {o: cache.titles()["profile"][o] for o in cache.titles()["profile"]}
    assert box.value == "children-services-england"  # default England
    assert box.options == [labels[o] for o in labels]  # every council, labelled
    assert _label_search(labels, "Kent") == ["kent"]
    assert _label_search(labels, "E10000016") == ["kent"]
    assert len(box.options) > 150


def test_switching_council_changes_the_cards(app):
    england = cards(app)
    start = time.perf_counter()
    app.selectbox(key="profile").set_value("kent").run()
    seconds = time.perf_counter() - start
    kent = cards(app)
    assert not app.exception
    assert kent["NPV of spending"] != england["NPV of spending"]
    assert kent["Harm (person-months)"] != england["Harm (person-months)"]
    # Kent's spending is a fraction of England's: its cards are in Kent's own pounds
    summary = cache.scenario_summary(preset(profile="kent").key)
    whole = cache.scenario_summary(preset(profile="children-services-england").key)
    assert summary["npv_total_spending"] < 0.1 * whole["npv_total_spending"]
    print(f"redraw on switching to Kent: {seconds:.2f} s (AppTest, first visit)")
    start = time.perf_counter()
    app.selectbox(key="profile").set_value("hartlepool").run()
    print(f"redraw on switching to Hartlepool: {time.perf_counter() - start:.2f} s")
    assert cards(app)["NPV of spending"] != kent["NPV of spending"]


def test_council_page_lists_the_dfe_neighbours():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.selectbox(key="profile").set_value("kent").run()
    at.segmented_control(key="page").set_value("Council").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "role" in d.value.columns)
    expected = council("kent")["statistical_neighbours"]
    assert list(table["code"]) == ["E10000016", *expected]
    assert table.iloc[0]["council"] == "Kent" and table.iloc[0]["role"] == "chosen"
    known = set(cv.councils()["code"])
    for code, data in zip(table["code"], table["data"], strict=True):
        if code not in known:  # a neighbour without data is listed as such
            assert data.startswith("no profile")


def test_neighbours_table_rates_per_10000():
    table = cv.neighbours_table("kent")
    row = table.iloc[0]
    obs = cv.ob.load_observed("kent")
    year = row["year:Children looked after"]
    cla = obs[(obs.series == "Children looked after") & (obs.year == year)]["value"].iloc[0]
    pop = obs[(obs.series == "Child population") & (obs.year == year)]["value"].iloc[0]
    assert row["Children looked after per 10,000 children"] == pytest.approx(cla / pop * 1e4)
    assert cv.neighbours_table("children-services-england").empty


def _template_with(edits: dict[tuple[str, int], str]) -> bytes:
    lines = cv.template_bytes().decode().splitlines()
    out = []
    for line in lines:
        parts = line.split(",")
        if len(parts) >= 6 and not line.startswith("#"):
            key = (parts[0], int(parts[1])) if parts[1].isdigit() else None
            if key in edits:
                parts[3] = edits[key]
        out.append(",".join(parts))
    return ("\n".join(out) + "\n").encode()


def _row_of(data: bytes, series: str, year: int) -> int:
    for i, line in enumerate(data.decode().splitlines(), start=1):
        if line.startswith(f"{series},{year},"):
            return i
    raise AssertionError


def test_upload_lists_every_problem_by_row_and_column():
    data = _template_with({("Referrals", 2012): "-3", ("Care starts", 2015): "lots",
                           ("Children looked after", 2011): "100"})
    check = cv.check_upload(data, "ours.csv")
    assert not check.ok
    got = check.problems[["row", "column"]].values.tolist()
    assert got == [[_row_of(data, "Referrals", 2012), "value"],
                   [_row_of(data, "Care starts", 2015), "value"]]
    assert "below zero" in check.problems.iloc[0]["expected"]


def test_upload_flags_a_value_ten_times_its_neighbours():
    figures = {("Children looked after", y): "1000" for y in range(2010, 2021)}
    figures[("Children looked after", 2015)] = "10000"
    check = cv.check_upload(_template_with(figures), "ours.csv")
    assert check.ok
    assert check.flags["row"].tolist() == [_row_of(_template_with(figures),
                                                   "Children looked after", 2015)]
    assert "Referrals" in check.missing
    empty = cv.check_upload(cv.template_bytes(), "blank.csv")
    assert not empty.ok and "at least one" in empty.problems.iloc[0]["expected"]


def test_upload_in_the_app_lists_problems():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.segmented_control(key="page").set_value("Council").run()
    assert not at.exception
    assert any(b.label == "Download the CSV template" for b in at.get("download_button"))


def test_own_profile_in_the_session(tmp_path):
    values = dict(profile_info("kent-uncalibrated")["values"], **{"Need scale": 1.2})
    own = {"title": "Ours", "base": "kent", "values": values, "record": {"converged": True},
           "futures": []}
    text = pf.profile_file_text(**own)
    loaded = pf.read_profile_text(text)
    assert loaded.scenario("austerity-then-covid").values["Need scale"] == 1.2
