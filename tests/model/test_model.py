"""The model file: loads cleanly and documents every variable."""

import warnings

import pytest

import slack_sim as ss
from slack_sim.model.parse import load_model


def test_model_loads_without_warning():
    # parse afresh (load_model is cached, so calling it would parse nothing here)
    from slack_sim.model.parse import _parse, default_model_path

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = _parse(default_model_path())
    assert m.version and len(m.version) == 16
    assert m.version == load_model().version


def test_every_variable_has_units_and_definition(model):
    missing = [v.name for v in model.variables.values() if not v.units or not v.definition]
    assert not missing, f"variables without units or definition: {missing}"


def test_every_constant_has_range_source_and_default_inside(model):
    problems = []
    for v in model.variables.values():
        if v.kind != "constant":
            continue
        if v.role is None:
            problems.append(f"{v.name}: no Kind tag")
        if not v.source:
            problems.append(f"{v.name}: no Source")
        elif v.source.strip(" .").lower() in {"judgement", "judgment", "assumption"}:
            problems.append(f"{v.name}: a bare '{v.source}' states no judgement")
        if v.minimum is None or v.maximum is None:
            problems.append(f"{v.name}: no [min,max] range")
            continue
        if not (v.minimum <= v.default <= v.maximum):
            problems.append(f"{v.name}: default {v.default} outside [{v.minimum}, {v.maximum}]")
    assert not problems, problems


def test_structure_stocks_sectors_and_loops(model):
    # DESIGN.md: about 10-16 stocks (v2 has 16: the reported pathway is three of them)
    assert 10 <= len(model.stocks) <= 16
    for sector in ("Need and demand", "Pathway", "Capacity and slack",
                   "Prevention and capability", "Partnership and community",
                   "Finance and austerity", "Shocks"):
        assert sector in model.sectors
        assert any(v.sector == sector for v in model.variables.values())
    for loop in ("R1", "R2", "R3", "R6", "B1", "B2", "B4", "B5"):
        assert loop in model.loops, loop
    assert model.loops["R1"].name == "firefighting trap"
    assert model.loops["R6"].name == "capability trap"
    assert model.loops["B4"].name == "raising the bar"
    assert all(model.loops[k].variables for k in model.loops)


def test_time_step_justified(model):
    # January 2010 to the end of March 2046 (DESIGN.md: at least March 2046)
    assert model.initial_time == 0 and model.final_time == 435
    shortest = min(model[n].minimum for n in ("Minimum processing time", "Minimum time to support"))
    assert model.time_step <= shortest / 4


def test_inline_lookups_only(model):
    text = model.path.read_text()
    assert "GET XLS" not in text and "LOOKUP EXTRAPOLATE" not in text
    for v in model.variables.values():
        if v.kind == "lookup":
            assert "WITH LOOKUP" in v.equation


def test_levers_and_uncertainties_are_disjoint_and_grouped(model):
    assert set(model.levers).isdisjoint(model.uncertainties)
    assert all(model[n].group for n in model.uncertainties)
    assert model.levers and len(model.uncertainties) > 10


def test_required_columns_exist(model):
    required = ["Children looked after", "Care starts", "Care exits", "Referrals",
                "Children in need", "Child protection plans", "Spending on children looked after",
                "Early help spending", "Harm", "Crisis queue", "Waiting time", "Utilisation",
                "Emerging need", "Hidden need", "Workforce", "Fatigue", "Prevention capacity",
                "Capability", "Front door threshold", "Partnership strength",
                "Community capacity", "Prevention spending", "Crisis spending",
                "Total spending", "Reserves"]
    for name in required:
        assert name in model.variables, name


def test_doc_table(model):
    doc = model.doc()
    assert len(doc) == len(model.variables)
    assert {"name", "units", "min", "max", "definition", "source", "equation"} <= set(doc.columns)
    assert list(doc["name"]) == list(model.variables)


def test_origin_is_a_model_fact(model):
    from slack_sim.model import calendar

    assert model.origin == "2010-01" and model.start_year == 2010.0
    assert f"Origin: {model.origin}." in model.path.read_text()
    assert calendar.START_YEAR == model.start_year == ss.model.START_YEAR
    assert calendar.to_years(12) == model.start_year + 1
    assert calendar.model_month_text(138) == "July 2021"
    assert calendar.month_label(model.start_year + 6.5) == "2016-07"


def test_a_model_without_origin_is_refused(tmp_path, model):
    from slack_sim.model import ModelFormatError

    text = model.path.read_text(encoding="utf-8").replace(f"Origin: {model.origin}.", "")
    path = tmp_path / "no-origin.mdl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelFormatError, match="Origin: YYYY-MM"):
        load_model(path)


def test_model_keeps_pysds_parse_for_the_engine_and_the_sketch(model):
    names = [el.name for el in model.elements]
    assert [n for n in names if n in model.variables] == list(model.variables)
    assert set(names) - set(model.variables) == set(ss.model.CONTROL_VARIABLES)
    for v in model.variables.values():
        assert v.depends_on == tuple(r for r in v.references if r != "Time")
    assert "Time" in model["Funding recovered fraction"].references


def test_stocks_have_signed_named_flows(model):
    for stock, flows in model.stock_flows.items():
        assert flows, stock
        for flow, sign in flows:
            assert flow in model.variables and sign in (1, -1)


@pytest.mark.parametrize("name", ["Crisis queue", "Workforce"])
def test_dependency_graph(model, name):
    edges = model.edges()
    assert any(e == name for _, e in edges)
    assert all(c in model.variables for c, _ in edges)


def test_api_names():
    assert "austerity-then-covid" in ss.presets()
    assert set(ss.profiles()) >= {"children-services-england", "generic"}
