"""Prevention's effect beside the published evidence: elasticities and the return per pound.

Two computations on the model, each with the evidence it is checked against
(``data/README.md`` beside the model file):

* :func:`elasticity`: the elasticity of referrals, children in need, plans, children looked
  after and care starts to early-help (prevention) spending at the 2010 operating point,
  against Webb (2021): +1% early-help spending, -0.07% to -0.16% children in need
  (:data:`WEBB_BAND`).
* :func:`return_per_pound`: spending on social work and care avoided per extra pound of
  early help, against the total benefit per pound of Troubled Families (2.28) and Sure Start
  (2.05), which also count benefits outside children's services, and Bennett et al.'s (2021)
  care entries per 10 GBP per child.

Both use :func:`funded_prevention`: the no-austerity, no-shock run with prevention spending
changed from January 2010, a rise funded from outside the budget (so that it does not crowd
out statutory spending), a cut kept in reserves. ``tools/model_report.py`` prints them and
``tests/model/test_model_v2.py`` checks them.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from ..engine.run import simulate
from ..scenarios import DEFAULT_PROFILE, Scenario
from ..validation import Interval, validate

__all__ = [
    "BENNETT_CARE_ENTRIES",
    "Evidence",
    "NO_SHOCKS",
    "SURE_START_RATIO",
    "TROUBLED_FAMILIES_RATIO",
    "WEBB_BAND",
    "elasticities",
    "elasticity",
    "financial_year_mean",
    "funded_prevention",
    "return_per_pound",
]

#: Webb (2021, Journal of Social Policy): the elasticity of the children-in-need rate to
#: early-help spending, 2010/11-2014/15 (low, high).
WEBB_BAND: tuple[float, float] = (-0.16, -0.07)
#: Troubled Families: total benefit per pound spent (MHCLG national evaluation 2019).
TROUBLED_FAMILIES_RATIO = 2.28
#: Sure Start: total benefit per pound spent (IFS 2019).
SURE_START_RATIO = 2.05
#: Bennett et al. (2021, Children and Youth Services Review 131:106289): entries to care per
#: 100,000 16-17 year olds per 10 GBP per child cut in prevention spending a year (central,
#: 95% interval low, high).
BENNETT_CARE_ENTRIES: tuple[float, float, float] = (1.9, 0.7, 2.9)
#: No austerity and no shock: the 2010 operating point carried forward.
NO_SHOCKS: dict[str, float] = {"Austerity depth": 0, "Shock 1 length": 0, "Shock 2 length": 0}
#: Series whose elasticity :func:`elasticity` reports.
ELASTICITY_SERIES = ("Referrals", "Children in need", "Child protection plans",
                     "Children looked after", "Care starts")


@dataclasses.dataclass(frozen=True)
class Evidence:
    """A published effect size entered into the fit as a Gaussian prior.

    The elasticity of ``series`` to early-help spending over the financial year ending
    March ``year`` (:func:`slack_sim.analysis.evidence.elasticities`), whose published
    interval ``low`` to ``high`` is read as a 95% interval: mean its midpoint, standard
    deviation its half-width over 1.96.

    Attributes
    ----------
    series : str
        The series (a model variable), e.g. ``"Children in need"``.
    low, high : float
        The published interval (Webb 2021 for children in need: -0.16 to -0.07).
    year : int
        Financial year ending March in which the elasticity is read.
    source : str
        The study.
    """

    series: str
    low: float
    high: float
    year: int = 2015
    source: str = ""

    def __post_init__(self) -> None:
        validate({"year": self.year}, {"year": Interval("integer", 2011, 2045)})
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"evidence: the interval must be finite and low < high, got "
                             f"{self.low!r} to {self.high!r}")

    @property
    def mean(self) -> float:
        """The prior's mean (the interval's midpoint)."""
        return 0.5 * (self.low + self.high)

    @property
    def sd(self) -> float:
        """The prior's standard deviation (half the interval over 1.96)."""
        return 0.5 * (self.high - self.low) / 1.959963984540054


def financial_year_mean(frame: pd.DataFrame, name: str, year: int) -> float:
    """Return the mean of a series over the financial year ending 31 March ``year``.

    The months from 1 April ``year - 1`` to 31 March ``year`` (for 2010, the model's
    January to March 2010); for a flow in children a year this is the year's total, the
    convention of the published series.

    Parameters
    ----------
    frame : pandas.DataFrame
        A run (:func:`slack_sim.simulate`), indexed by year.
    name : str
        The variable.
    year : int
        The calendar year in which the financial year ends.

    Returns
    -------
    float
    """
    t = frame.index.to_numpy()
    end = year + 3 / 12  # 1 April of `year`, i.e. the end of 31 March
    start = max(end - 1.0, float(t[0]))
    mask = (t >= start - 1e-9) & (t < end - 1e-9)
    return float(frame[name][mask].mean())


def funded_prevention(step: float, profile: str = DEFAULT_PROFILE) -> Scenario:
    """Return the no-austerity, no-shock run with prevention spending changed by ``step``.

    A rise (``step > 0``) is money from outside the budget for the whole run
    (``Invest to save fund`` = ``step`` for 240 months from January 2010), so that it does
    not crowd out statutory spending; a cut lowers ``Prevention investment`` to
    ``1 + step``, the saving kept in reserves.

    Parameters
    ----------
    step : float
        Change in prevention spending as a fraction of its 2010 level (0.01 is +1%).
    profile : str
        The profile (default: England).

    Returns
    -------
    Scenario
    """
    values = dict(NO_SHOCKS)
    if step >= 0:
        values.update({"Invest to save fund": step, "Invest to save duration": 240})
    else:
        values.update({"Prevention investment": 1 + step})
    return Scenario(profile=profile, values=values)


def elasticity(year: int = 2015, step: float = 0.01, profile: str = DEFAULT_PROFILE,
               engine: str = "compiled") -> dict[str, float]:
    r"""Return the elasticity of the pathway to early-help spending at the 2010 operating point.

    A central finite difference of a change of :math:`\pm` ``step`` in prevention spending
    from January 2010 (:func:`funded_prevention`), each series read as its mean over the
    financial year ending March ``year`` (:func:`financial_year_mean`):

    .. math::

        \varepsilon_X = \frac{\ln X_{+} - \ln X_{-}}{\ln S_{+} - \ln S_{-}}

    with :math:`S` the ``Early help spending`` and :math:`X` each of ``Referrals``,
    ``Children in need``, ``Child protection plans``, ``Children looked after`` and
    ``Care starts``.

    Known answer: Webb (2021) estimated, over English councils 2010/11-2014/15, that +1%
    early-help spending went with -0.07% to -0.16% in the children-in-need rate
    (:data:`WEBB_BAND`), no effect being found after; the model's referrals and children
    in need should lie in that band (``tests/model/test_model_v2.py``).

    Parameters
    ----------
    year : int
        Financial year (ending March) over which the series are read (2015: the end of
        Webb's period).
    step : float
        Relative change in prevention spending, each way.
    profile : str
        The profile (default: England).
    engine : str
        As for :func:`slack_sim.simulate`.

    Returns
    -------
    dict of str to float
        Elasticity of each series.

    References
    ----------
    Webb, C. (2021). In defence of ordinary help: estimating the effect of early help/family
    support spending on children in need rates in England using ALT-SR. *Journal of Social
    Policy*.
    """
    if engine != "compiled":
        runs = {s: simulate(funded_prevention(s, profile), engine=engine)
                for s in (-step, step)}
        spend = {s: financial_year_mean(r, "Early help spending", year) for s, r in runs.items()}
        dlog_s = np.log(spend[step] / spend[-step])
        return {name: float(np.log(financial_year_mean(runs[step], name, year)
                                   / financial_year_mean(runs[-step], name, year)) / dlog_s)
                for name in ELASTICITY_SERIES}
    table = elasticities(pd.DataFrame(index=[0]), profile=profile, year=year, step=step)
    return {name: float(table[name].iloc[0]) for name in ELASTICITY_SERIES}


def elasticities(parameters: pd.DataFrame, *, profile: str = DEFAULT_PROFILE,
                 year: int = 2015, step: float = 0.01,
                 series: tuple[str, ...] = ELASTICITY_SERIES) -> pd.DataFrame:
    r"""Return :func:`elasticity` for many parameter sets at once (two engine calls).

    The same central difference as :func:`elasticity`, each member's constants set from a
    row of ``parameters`` on top of :func:`funded_prevention`'s settings, every member
    run in one batch per direction through the compiled engine, keeping only the
    financial-year means it needs (``slack_sim.analysis.observe``).

    Parameters
    ----------
    parameters : pandas.DataFrame
        One row per member, one column per constant (Vensim names); no columns for the
        profile's own values.
    profile : str
        The profile.
    year : int
        Financial year (ending March) over which the series are read.
    step : float
        Relative change in prevention spending, each way.
    series : tuple of str
        The series whose elasticity is returned.

    Returns
    -------
    pandas.DataFrame
        One row per member (the index of ``parameters``), one column per series.
    """
    from .observe import observation_plan, simulate_observations

    names = ("Early help spending", *series)
    plan = observation_plan(pd.DataFrame({"series": list(names), "year": year, "value": 1.0,
                                          "kind": "flow"}))
    frame = parameters.reset_index(drop=True)
    low, high = (simulate_observations(funded_prevention(s, profile), frame, plan)
                 for s in (-step, step))
    logs = np.log(high) - np.log(low)
    out = logs[:, 1:] / logs[:, :1]
    return pd.DataFrame(out, columns=list(series), index=parameters.index)


def return_per_pound(start: float = 2010.0, end: float = 2030.0, step: float = 0.01,
                     profile: str = DEFAULT_PROFILE, rate: float = 0.035,
                     engine: str = "compiled") -> dict[str, float]:
    r"""Return the spending on social work and care avoided per extra pound of early help.

    The run with prevention spending raised by ``step`` from January 2010
    (:func:`funded_prevention`) against the same run without it; sums over the months
    from ``start`` to ``end`` (years), undiscounted and discounted at ``rate`` a year
    (:math:`d_t = (1 + r)^{-(t - t_0)}`):

    .. math::

        R = -\frac{\sum_t d_t\,\Delta C_t}{\sum_t d_t\,\Delta E_t}

    with :math:`\Delta C` the change in ``Crisis spending`` (social work and care) and
    :math:`\Delta E` the change in ``Early help spending`` (both GBP a month). Also the
    care starts avoided per 100,000 children per 10 GBP a year per child of extra early
    help, over the last twelve months of the window.

    Known answers: the total benefit per pound of Troubled Families, 2.28 (MHCLG 2019),
    and Sure Start, 2.05 (IFS 2019), count health, crime and employment benefits the model
    leaves out, so :math:`R` within children's services lies below them; the Troubled
    Families result (children looked after 32% lower among supported families) at 5,500
    per family and 46,700 a year per child in care is worth about 0.2 per pound in care
    costs alone. Bennett et al. (2021): 1.9 entries to care per 100,000 16-17 year olds
    per 10 GBP per child cut (95% CI 0.7-2.9; :data:`BENNETT_CARE_ENTRIES`).

    Parameters
    ----------
    start, end : float
        Window, in years (``end`` excluded).
    step : float
        Relative rise in prevention spending.
    profile : str
        The profile (default: England).
    rate : float
        Discount rate a year (HM Treasury Green Book: 3.5%).
    engine : str
        As for :func:`slack_sim.simulate`.

    Returns
    -------
    dict of str to float
        ``undiscounted`` and ``discounted`` ratios, and
        ``care_starts_per_100k_children_per_10gbp``.

    References
    ----------
    Bennett, D. L., Webb, C. J. R., Mason, K. E. et al. (2021). Funding for preventative
    children's services and rates of children becoming looked after: a natural experiment
    using longitudinal area-level data in England. *Children and Youth Services Review*
    131:106289.

    MHCLG (2019). National evaluation of the Troubled Families Programme 2015 to 2020.

    Institute for Fiscal Studies (2019, 2021, 2025): evaluations of Sure Start (the 2.05
    benefit-cost ratio as quoted in ``data/README.md``).
    """
    b = simulate(funded_prevention(0.0, profile), engine=engine)
    p = simulate(funded_prevention(step, profile), engine=engine)
    t = b.index.to_numpy()
    mask = (t >= start) & (t < end)
    disc = (1 + rate) ** -(t[mask] - start)  # t in years
    d_early = (p["Early help spending"] - b["Early help spending"]).to_numpy()[mask] / 12
    d_statutory = (p["Crisis spending"] - b["Crisis spending"]).to_numpy()[mask]
    d_care_starts = (p["Care starts"] - b["Care starts"]).to_numpy()[mask]
    children = b["Child population"].to_numpy()[mask]
    # extra early help a year per child, in GBP
    per_child_change = d_early.sum() / mask.sum() * 12 / children.mean()
    return {
        "undiscounted": float(-d_statutory.sum() / d_early.sum()),
        "discounted": float(-(d_statutory * disc).sum() / (d_early * disc).sum()),
        "care_starts_per_100k_children_per_10gbp": float(
            -d_care_starts[-12:].mean() / children[-12:].mean() * 1e5 / (per_child_change / 10)
        ),
    }
