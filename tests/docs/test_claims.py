"""Figures the docs quote are recomputed on the current model (``docs/checks.toml``).

In the spirit of SDEverywhere's ``checks.yaml``: each claim names a document, the exact
phrase it prints with ``{value}`` where the figure stands, one computation from the small
declared set :data:`COMPUTATIONS` (each a few lines over the public API: ``ss.ensemble``,
``ss.compare``, ``ss.load_model`` ...; no code is read from the data file) with its
arguments, and a tolerance in the units of the figure as printed. A claim without
``{value}`` gives ``between = [lo, hi]`` instead, for words such as "about half".

The test fails when the phrase is no longer in the document (say what changed, or update
the claim) or when the figure in it is further from the recomputed one than the tolerance
(the message gives the current figure to write). Whitespace is normalised, so a phrase may
run across a line break. Runs are shared for the session (``tests/simhelpers.py``).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats
from simhelpers import MODEL, ensemble, run, standard_map

import slack_sim as ss
from slack_sim.analysis import tipping

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ROOT / "docs" / "checks.toml"
NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"

# -- scenarios a claim can name ----------------------------------------------------------------


def make_scenario(spec: str | Mapping[str, Any]) -> ss.Scenario:
    """A preset name, or ``{preset = ..., profile = ..., values = {...}}``, or
    ``{experiment = "rb3", values = {...}}`` (:func:`slack_sim.analysis.tipping.rb3_scenario`).
    """
    if isinstance(spec, str):
        return ss.preset(spec)
    spec = dict(spec)
    unknown = set(spec) - {"preset", "profile", "experiment", "values"}
    assert not unknown, f"unknown scenario keys {unknown}"
    if "experiment" in spec:
        assert spec["experiment"] == "rb3", spec
        base = tipping.rb3_scenario(**({"profile": spec["profile"]} if "profile" in spec
                                       else {}))
    else:
        base = ss.preset(spec.get("preset", ss.DEFAULT_PRESET),
                         **({"profile": spec["profile"]} if "profile" in spec else {}))
    return base.with_values(spec["values"]) if spec.get("values") else base


def _ranges(kind: str | None, parameters: list[str] | None) -> dict[str, tuple[float, float]]:
    """``"declared"``: every sampled parameter over its declared (slider) range."""
    if kind is None:
        return {}
    assert kind == "declared", kind
    names = parameters or ss.analysis.ensemble.default_parameters()
    return {n: (MODEL[n].minimum, MODEL[n].maximum) for n in names}


def _ensemble(*, scenario_spec: Any, n: int, seed: int, baseline: Any = None,
              ranges: str | None = None, parameters: list[str] | None = None) -> ss.Ensemble:
    # the claims read only the members' outcomes: ask for one output series (the bands of
    # the default outputs are not needed, and cost memory)
    kwargs: dict[str, Any] = {"n": n, "seed": seed, "outputs": ["Crisis queue"]}
    if parameters:
        kwargs["parameters"] = parameters
    if ranges:
        kwargs["ranges"] = _ranges(ranges, parameters)
    return ensemble(make_scenario(scenario_spec),
                    baseline=None if baseline is None else make_scenario(baseline), **kwargs)


# -- the declared computations -----------------------------------------------------------------


def ensemble_share(*, scenario: Any, n: int, seed: int, outcome: str, op: str = ">",
                   threshold: float = 0.0, baseline: Any = None, ranges: str | None = None,
                   parameters: list[str] | None = None) -> float:
    """Percentage of the ensemble's members where ``outcome op threshold``."""
    ens = _ensemble(scenario_spec=scenario, n=n, seed=seed, baseline=baseline, ranges=ranges,
                    parameters=parameters)
    return 100.0 * ens.probability(outcome, op, threshold)


def ensemble_rank(*, scenario: Any, n: int, seed: int, outcome: str) -> float:
    """Percentile of the scenario's own (deterministic) run among the members: the share
    of members with a lower value, in percent."""
    ens = _ensemble(scenario_spec=scenario, n=n, seed=seed)
    own = ss.summarize(ens.scenario, runner=run)[outcome]
    return 100.0 * float(np.mean(ens.outcomes[outcome].to_numpy(dtype=float) < own))


def ensemble_spearman(*, scenario: Any, n: int, seed: int, parameter: str,
                      outcome: str) -> float:
    """Spearman rank correlation of a sampled parameter with an outcome over the members
    (a rank correlation: the same with the outcome's logarithm)."""
    ens = _ensemble(scenario_spec=scenario, n=n, seed=seed)
    return float(stats.spearmanr(ens.samples[parameter], ens.outcomes[outcome]).statistic)


def outcome(*, scenario: Any, row: str, baseline: Any = None, change: bool = False,
            scale: float = 1.0) -> float:
    """A row of :func:`slack_sim.compare` for one scenario (its change against the
    baseline with ``change``), times ``scale`` (``1e-6`` for GBP million)."""
    sc = make_scenario(scenario).with_values({}, name="claim scenario")
    base = (None if baseline is None
            else make_scenario(baseline).with_values({}, name="claim baseline"))
    table = ss.compare([sc], baseline=base, runner=run)
    column = "claim scenario - claim baseline" if change else "claim scenario"
    value = table.loc[row, column]
    assert isinstance(value, int | float), f"{row} is {value!r}, not a number"
    return float(value) * scale


def model_fact(*, fact: str) -> float:
    """A count or setting of the parsed model."""
    facts: dict[str, Callable[[], float]] = {
        "stocks": lambda: len(MODEL.stocks),
        "sectors": lambda: len(MODEL.sectors),
        "time_step": lambda: MODEL.time_step,
        "final_time": lambda: MODEL.final_time,
        # the calendar year of the last month simulated (FINAL TIME is its closing state)
        "final_year": lambda: math.floor(MODEL.start_year
                                         + (MODEL.final_time - MODEL.saveper) / 12),
        "output_rows": lambda: len(np.arange(MODEL.initial_time,
                                             MODEL.final_time + MODEL.saveper / 2,
                                             MODEL.saveper)),
        "default_parameters": lambda: len(ss.analysis.ensemble.default_parameters()),
    }
    return float(facts[fact]())


def sensitivity_runs(*, method: str, n: int) -> float:
    """Model runs of :func:`slack_sim.sensitivity` on the default parameters:
    Sobol' ``N (D + 2)``, Morris ``r (D + 1)`` (SALib's designs)."""
    d = len(ss.analysis.ensemble.default_parameters())
    return float({"sobol": n * (d + 2), "morris": n * (d + 1)}[method])


def tipping_threshold(*, map: str, x: float) -> float:
    """Smallest shock size that does not recover at ``x`` on a standard map (``nan``:
    none up to the largest)."""
    threshold = standard_map(map).threshold()
    return float(threshold.loc[min(threshold.index, key=lambda v: abs(v - x))])


def tipping_never_from(*, map: str) -> float:
    """Smallest ``x`` from which no shock on the map tips the service (at every larger
    ``x`` too)."""
    threshold = standard_map(map).threshold()
    tips = [x for x, t in threshold.items() if not math.isnan(t)]
    safe = [x for x in threshold.index if not tips or x > max(tips)]
    assert safe, "every x tips somewhere"
    return float(min(safe))


def halving_step_change(*, scenario: Any, rows: list[str]) -> float:
    """Largest relative change (percent) of the rows when the time step is halved."""
    sc = make_scenario(scenario)
    step = MODEL.time_step
    fine = ss.compare([sc.with_values({}, name="fine")],
                      runner=lambda s: run(s, time_step=step / 2, output_step=1.0))
    coarse = ss.compare([sc.with_values({}, name="coarse")], runner=run)
    return max(100.0 * abs(fine.loc[r, "fine"] / coarse.loc[r, "coarse"] - 1) for r in rows)


def calibration(*, profile: str, column: str, scale: float = 1.0) -> float:
    """A figure of a profile's committed calibration (``models/profiles/calibration.csv``)
    times ``scale``; the record must have been made for the current model version."""
    from slack_sim.scenarios.councils import calibration_record

    record = calibration_record(profile)
    assert record is not None, f"{profile}: no calibration record"
    assert record["model_version"] == MODEL.version, f"{profile}: calibrated for another model"
    return float(record[column]) * scale


def elasticity(*, profile: str, series: str) -> float:
    """The model's elasticity of ``series`` to early-help spending at the 2010 operating
    point (:func:`slack_sim.analysis.evidence.elasticity`)."""
    from slack_sim.analysis.evidence import elasticity as model_elasticity

    return model_elasticity(profile=profile)[series]


#: The computations a claim may name (``compute = "..."``), with their arguments.
COMPUTATIONS: dict[str, Callable[..., float]] = {
    f.__name__: f for f in (ensemble_share, ensemble_rank, ensemble_spearman, outcome,
                            model_fact, sensitivity_runs, tipping_threshold,
                            tipping_never_from, halving_step_change, calibration,
                            elasticity)
}
CLAIM_KEYS = {"doc", "phrase", "compute", "args", "tolerance", "between", "bound", "why",
              "known_stale"}


def load_claims(path: Path = CHECKS) -> list[dict[str, Any]]:
    """The claims of ``docs/checks.toml``, each checked for its keys."""
    claims = tomllib.loads(path.read_text(encoding="utf-8"))["claim"]
    for c in claims:
        assert set(c) <= CLAIM_KEYS, f"unknown keys {set(c) - CLAIM_KEYS} in {c}"
        assert c["compute"] in COMPUTATIONS, f"unknown computation {c['compute']!r}"
        has_value = "{value}" in c["phrase"]
        assert has_value == ("tolerance" in c or "bound" in c), c["phrase"]
        assert has_value != ("between" in c), c["phrase"]
    return claims


def _normal(text: str) -> str:
    return " ".join(text.split())


def printed_figures(text: str, phrase: str) -> list[str]:
    """Every figure, as printed, where ``{value}`` stands in ``phrase``."""
    head, _, tail = _normal(phrase).partition("{value}")
    pattern = re.escape(head) + f"({NUMBER})" + re.escape(tail)
    return re.findall(pattern, _normal(text))


def figures_in(text: str, phrase: str) -> list[float]:
    """Every figure the document prints where ``{value}`` stands in ``phrase``."""
    return [float(m.replace(",", "")) for m in printed_figures(text, phrase)]


def as_printed(value: float, printed: str) -> str:
    """``value`` written as ``printed`` is: the same decimals, thousands separators."""
    decimals = len(printed.partition(".")[2])
    comma = "," if "," in printed else ""
    sign = "+" if printed.startswith("+") else ""
    return f"{value:{sign}{comma}.{decimals}f}"


CLAIMS = load_claims()


@pytest.fixture(scope="module")
def docs() -> dict[str, str]:
    return {c["doc"]: (ROOT / c["doc"]).read_text(encoding="utf-8") for c in CLAIMS}


def _param(claim: dict[str, Any]) -> Any:
    marks = []
    if "known_stale" in claim:  # strict: once the document is fixed, remove the key
        marks = [pytest.mark.xfail(reason=claim["known_stale"], strict=True)]
    return pytest.param(claim, marks=marks, id=f"{claim['doc']}: {claim['phrase'][:48]}")


@pytest.mark.parametrize("claim", [_param(c) for c in CLAIMS])
def test_claim_holds_on_the_current_model(claim, docs):
    value = COMPUTATIONS[claim["compute"]](**claim.get("args", {}))
    problems = check(claim, docs[claim["doc"]], value)
    assert not problems, "\n".join(problems)


def check(claim: Mapping[str, Any], text: str, value: float) -> list[str]:
    """What is wrong with one claim of a document, given the recomputed figure."""
    doc, phrase = claim["doc"], claim["phrase"]
    if "between" in claim:
        if _normal(phrase) not in _normal(text):
            return [f"{doc} no longer says {phrase!r}: update docs/checks.toml"]
        lo, hi = claim["between"]
        if not lo <= value <= hi:
            return [f"{doc} says {phrase!r}, but {claim['compute']} now gives {value:g}, "
                    f"outside [{lo:g}, {hi:g}]"]
        return []
    shown = printed_figures(text, phrase)
    if not shown:
        return [f"{doc} no longer has the phrase {phrase!r} (with a figure where {{value}} "
                f"is): update docs/checks.toml"]
    problems = []
    for printed in shown:
        figure = float(printed.replace(",", ""))
        if claim.get("bound") == "upper":
            ok, want = value <= figure, f"at most {figure:g}"
        else:
            ok = not math.isnan(value) and abs(figure - value) <= claim["tolerance"]
            want = f"within {claim['tolerance']:g} of {figure:g}"
        if not ok:
            problems.append(
                f"{doc}: {phrase.replace('{value}', printed)!r} is stale: the current model "
                f"(version {MODEL.version}) gives {value:g} (wanted {want}); write "
                f"{phrase.replace('{value}', as_printed(value, printed))!r}")
    return problems


# -- the checker itself ------------------------------------------------------------------------


def test_figures_are_read_across_line_breaks_and_thousands():
    text = "harm over 2010-2040 about\n179,000 against 139,000 person-months; 49%** of"
    assert figures_in(text, "about {value} against") == [179000.0]
    assert figures_in(text, "{value}%** of") == [49.0]
    assert figures_in(text, "about {value} for") == []
    assert figures_in("(-0.27) and (+0.43)", "({value})") == [-0.27, 0.43]


def test_a_stale_figure_is_reported_with_the_figure_to_write():
    assert as_printed(22260.4, "22,000") == "22,260"
    assert as_printed(0.4329, "0.43") == "0.43"
    assert as_printed(60.4, "56") == "60"


def test_every_computation_is_documented_and_keyword_only():
    import inspect

    for name, f in COMPUTATIONS.items():
        assert f.__doc__, name
        params = inspect.signature(f).parameters.values()
        assert all(p.kind is p.KEYWORD_ONLY for p in params), name
    assert as_printed(-0.2746, "-0.27") == "-0.27"
    assert as_printed(0.4329, "+0.43") == "+0.43"


def test_the_check_fails_on_a_stale_figure_a_lost_phrase_and_a_broken_bound():
    claim = {"doc": "d.md", "phrase": "recovers in **{value}%** of", "compute": "x",
             "tolerance": 0.5}
    assert check(claim, "recovers in\n**49%** of", 49.4) == []
    [stale] = check(claim, "recovers in **49%** of", 60.4)
    assert "is stale" in stale and "write 'recovers in **60%** of'" in stale
    assert "no longer has the phrase" in check(claim, "recovers in most", 49.0)[0]
    assert check(claim, "recovers in **49%** of", math.nan)
    bound = {**claim, "bound": "upper"}
    del bound["tolerance"]
    assert check(bound, "recovers in **1%** of", 0.2) == []
    assert check(bound, "recovers in **1%** of", 1.2)
    words = {"doc": "d.md", "phrase": "about half", "compute": "x", "between": [40, 60]}
    assert check(words, "about half of them", 49.0) == []
    assert "outside [40, 60]" in check(words, "about half of them", 85.0)[0]
