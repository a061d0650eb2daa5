"""The finance cards (appraisal against current policy) and the committee workbook."""

import io
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("streamlit")
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from slack_sim.analysis.appraise import appraise_scenario  # noqa: E402
from slack_sim.report.text import money  # noqa: E402
from slack_sim.scenarios import Scenario  # noqa: E402
from slack_sim.ui import finance  # noqa: E402
from slack_sim.ui.pages.appraisal import CARD_LINES, SETTINGS_OPEN, TABLE_OPEN  # noqa: E402
from slack_sim.validation import ValidationError  # noqa: E402

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 120
PROFILE = "children-services-england"
RING_FENCE = {"Prevention ring fence": 1.0, "Policy start time": 207.0}
FINANCE_LABELS = ["NPV of net cost", "Benefit-cost ratio", "Discounted payback",
                  "Return per £1 of extra prevention", "Lowest reserves",
                  "Probability of a net saving"]


@pytest.fixture(scope="module")
def run():
    scenario = Scenario(profile=PROFILE, values=RING_FENCE, name="ring fence")
    return appraise_scenario(scenario, start=2027.25, years=10, futures=60)


def ring_fenced_app(futures: int = 100) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    open_panel(at)
    at.slider(key="var:Prevention ring fence").set_value(1.0)
    at.slider(key="var:Policy start time").set_value(207.0)
    at.selectbox(key="fin:futures").set_value(futures)
    at.selectbox(key="fin:month").set_value(4)
    at.number_input(key="fin:year").set_value(2027)
    open_panel(at)
    return at


def open_panel(at: AppTest) -> None:
    """Open the appraisal panel's settings and table (drawn only when open) and run."""
    at.session_state[SETTINGS_OPEN] = True
    at.session_state[TABLE_OPEN] = True
    at.run()
    assert not at.exception


def finance_metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric if m.label in FINANCE_LABELS}


def captions(at: AppTest) -> list[str]:
    """Every caption line (a card's caption holds its range and its own run)."""
    return [line for c in at.caption for line in c.value.split(CARD_LINES)]


# -- the view model ---------------------------------------------------------------------------


def test_cards_show_the_median_of_the_futures_with_its_range(run):
    view = finance.finance_view(run)
    assert [c.label for c in view.cards] == FINANCE_LABELS
    # the futures alone: member 0, this run, is shown beside them, not counted among them
    npv = run.appraisal.totals["npv_net_cost"].to_numpy(dtype=float)[1:]
    low, mid, high = np.percentile(npv, [5, 50, 95])
    card = view.cards[0]
    assert card.number == pytest.approx(mid)
    assert card.value == money(mid, signed=True)
    assert card.range == f"90%: {money(low, signed=True)} to {money(high, signed=True)}"
    own = float(run.appraisal.own["npv_net_cost"])
    assert card.own == f"this run: {money(own, signed=True)}"
    assert own != pytest.approx(mid)  # the card is not the sliders' run
    share = run.appraisal.probability_of_saving()
    assert view.cards[-1].number == share
    assert f"of {len(npv):,} " in view.cards[-1].range
    assert view.futures == len(npv) == 60
    assert share == float(np.mean(npv < 0))


def test_payback_is_a_financial_year_or_not_within_the_window(run):
    card = finance.finance_view(run).cards[2]
    paybacks = run.appraisal.totals["payback_year"]
    starts = sorted(np.inf if p is None else float(p[:4]) for p in paybacks)
    median = starts[int(np.ceil(0.5 * len(starts))) - 1]
    expected = ("not within the window" if not np.isfinite(median)
                else f"{int(median)}-{(int(median) + 1) % 100:02d}")
    assert card.value == expected


def test_table_by_financial_year(run):
    table = finance.by_year_table(run)
    assert list(table.index) == [f"{y}-{(y + 1) % 100:02d}" for y in range(2027, 2037)]
    col = "Net cost (£ thousands)"
    assert table[col].to_numpy() == pytest.approx(
        (run.appraisal.by_year["Net cost"] / 1e3).round(0).to_numpy())


def test_settings_speak_months():
    s = finance.AppraisalSettings.from_month(2027, 4)
    assert (s.start, s.month, s.year, s.window_text()) == (2027.25, 4, 2027,
                                                            "April 2027 for 10 years")
    assert finance.setting_text("Policy start time", 207) == (
        "Policy start time = 207 (April 2027)")
    assert finance.price_choices()[-1] == "cash" and "2025-26" in finance.price_choices()


def test_summary_side_by_side(run):
    table = finance.summary_table({"Ring fence": run, "Again": run})
    assert list(table.columns) == ["figure", "Ring fence", "Again"]
    assert table.iloc[0, 1].startswith(finance.finance_view(run).cards[0].value)
    assert "Avoided harm" in table["figure"].iloc[-1]
    savings = table.set_index("figure").loc[
        "Present value of cashable savings (spending that falls)", "Ring fence"]
    values = run.appraisal.totals["savings"].to_numpy(dtype=float)
    assert savings.startswith(money(float(np.median(values))) + " (90%: ")
    assert savings.endswith(f" to {money(float(np.percentile(values, 95)))})")


# -- the Scenario page ------------------------------------------------------------------------


def test_scenario_page_shows_central_estimates_and_ranges():
    at = ring_fenced_app()
    shown = finance_metrics(at)
    assert list(shown) == FINANCE_LABELS
    scenario = Scenario(profile=PROFILE, values=RING_FENCE)
    expected = finance.finance_view(appraise_scenario(scenario, start=2027.25, futures=100))
    assert shown == {c.label: c.value for c in expected.cards}
    text = captions(at)
    for card in expected.cards:
        assert card.range in text and card.own in text
    assert any(t.startswith("Policy from April 2027") for t in text)
    assert any("in " in t and "of 100 " in t for t in text)  # says how many futures


def test_changing_the_start_month_changes_the_window():
    at = ring_fenced_app()
    assert any("April 2027 to March 2037" in t for t in captions(at))
    table = at.dataframe[0].value
    assert list(table.columns)[0] == "2027-28"
    before = finance_metrics(at)
    at.selectbox(key="fin:month").set_value(10)
    open_panel(at)
    assert any("October 2027 to September 2037" in t for t in captions(at))
    assert list(at.dataframe[0].value.columns) == [
        f"{y}-{(y + 1) % 100:02d}" for y in range(2027, 2038)]
    assert finance_metrics(at) != before
    at.number_input(key="fin:year").set_value(2030)
    open_panel(at)
    assert list(at.dataframe[0].value.columns)[0] == "2030-31"


def test_a_window_past_the_horizon_is_refused_with_a_reason():
    at = ring_fenced_app()
    at.number_input(key="fin:year").set_value(2040)
    open_panel(at)
    errors = " ".join(e.value for e in at.error)
    assert "appraisal window" in errors and "horizon" in errors
    assert not finance_metrics(at)


def test_every_typed_field_out_of_range_is_named_with_its_range_and_units():
    model_fields = {"month": 4, "year": 2099, "years": 0, "prices": "2025-26", "rate": 60.0,
                    "long_rate": -1.0, "futures": 100}
    with pytest.raises(ValidationError) as caught:
        finance.settings_from_fields(model_fields)
    lines = str(caught.value).splitlines()
    assert len(lines) == 4
    start, years, rate, long_rate = lines
    assert start.startswith("Start year: ") and "2099" in start and "2010 to 2046" in start
    assert "calendar year" in start
    assert years.startswith("Years: ") and "1 to 30 years" in years
    assert rate.startswith("Discount rate (%): 60 ") and "[0, 50] % a year" in rate
    assert long_rate.startswith("After year 30 (%): -1 ")
    fine = finance.settings_from_fields({**model_fields, "year": 2046, "years": 30,
                                         "rate": 50.0, "long_rate": 0.0})
    assert (fine.start, fine.years, fine.rate, fine.long_rate) == (2046.25, 30, 0.5, 0.0)


def test_a_start_year_out_of_range_is_named_and_no_card_shows_the_old_window():
    """Typed, it is not refused by the widget (which kept the old value without a word)."""
    at = ring_fenced_app()
    assert finance_metrics(at)
    at.number_input(key="fin:year").set_value(2099)
    at.run()
    errors = " ".join(e.value for e in at.error)
    assert "Start year" in errors and "2099" in errors and "2046" in errors
    assert "calendar year" in errors
    assert not finance_metrics(at)  # no card computed on a window other than the one shown
    assert at.number_input(key="fin:year").value == 2099  # kept as typed, beside the error
    at.number_input(key="fin:year").set_value(2028)
    at.run()
    assert not at.error and finance_metrics(at)
    assert any("April 2028 to March 2038" in t for t in captions(at))


# -- the Compare page -------------------------------------------------------------------------


def test_compare_downloads_the_committee_workbook_under_the_pinned_names(monkeypatch):
    from openpyxl import load_workbook

    stored: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        if isinstance(path_or_data, bytes):
            stored[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    at = ring_fenced_app()
    at.segmented_control(key="page").set_value("Compare").run()
    names = ["Ring fence from April 2027", "Current policy *as is*"]
    at.text_input(key="pin_name").set_value(names[0]).run()
    at.button(key="pin").click().run()
    at.slider(key="var:Prevention ring fence").set_value(0.0).run()
    at.text_input(key="pin_name").set_value(names[1]).run()
    at.button(key="pin").click().run()
    assert not at.exception
    summary = at.dataframe[-1].value
    assert list(summary.columns) == ["figure", *names]
    # the outcome table above is another comparison, and says so beside its own ratio
    said = next(c.value for c in at.caption if c.value.startswith("Outcomes of each pinned"))
    assert "own run" in said and "January 2010" in said and "not these" in said
    button = at.get("download_button")
    workbook = [b for b in button if b.proto.id.endswith("-workbook")]
    assert workbook, "no workbook download on the Compare page"
    data = stored[workbook[0].proto.url.rsplit("/", 1)[1].split(".")[0]]
    wb = load_workbook(io.BytesIO(data))
    sheets = [ws for ws in wb.worksheets if ws.title not in ("Summary", "Assumptions")]
    assert len(sheets) == len(names)
    assert [ws["A1"].value.split(": this run")[0] for ws in sheets] == names
    # the sheets are named as the user named them, as far as Excel allows (no "*")
    assert [ws.title for ws in sheets] == [names[0], names[1].replace("*", "-")]
    assert [c.value for c in wb["Summary"][1][1:] if c.value] == names




def test_current_policy_is_not_appraised_against_itself(model):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    levers = {n: at.session_state["values"][n] for n in model.levers}
    if levers != {n: model[n].default for n in model.levers}:
        pytest.skip("the default preset sets a lever away from current policy")
    assert not finance_metrics(at)
    assert any("spends exactly as current policy" in i.value for i in at.info)
    ring = ring_fenced_app()
    assert not any("spends exactly as current policy" in i.value for i in ring.info)
    assert list(finance_metrics(ring)) == FINANCE_LABELS


def test_the_panels_settings_and_table_are_drawn_only_when_open():
    """Closed (the default), a rerun sends neither the seven settings nor the table."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.slider(key="var:Prevention ring fence").set_value(1.0).run()  # a change to appraise
    assert not at.exception
    assert finance_metrics(at)  # the panel's cards are drawn
    keys = {getattr(w, "key", None) for w in (*at.selectbox, *at.number_input)}
    assert not any(str(k).startswith("fin:") for k in keys)
    assert not at.dataframe and not [b for b in at.get("download_button")
                                     if getattr(b, "key", None) == "fin:csv"]
    open_panel(at)
    keys = {getattr(w, "key", None) for w in (*at.selectbox, *at.number_input)}
    assert {"fin:month", "fin:year", "fin:futures"} <= keys
    assert at.dataframe  # the table by financial year
    # closing keeps the settings chosen while open
    at.selectbox(key="fin:month").set_value(10)
    open_panel(at)
    at.session_state[SETTINGS_OPEN] = False
    at.run()
    assert any("October" in c.value for c in at.caption)
