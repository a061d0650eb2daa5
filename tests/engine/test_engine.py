"""The compiled engine against PySD, the reference interpreter (issue 3).

Parity: every preset and 100 seeded random in-range draws equal the PySD run on every
variable at every output time, within 1e-9 of each variable's scale, on the numba path
and on the pure numpy fallback. Robustness: 10,000 seeded draws, no NaN, no infinity,
no negative stock (``slack_sim.analysis.input_checks``). The PySD runs are stored once
per model and PySD version (``pysd_reference.py``).
"""

from __future__ import annotations

import functools
import sys
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest
from engine.pysd_reference import reference
from simhelpers import MODEL

import slack_sim as ss
from slack_sim.analysis.input_checks import FLAGS, garbage_flags
from slack_sim.engine import compiled as engine
from slack_sim.engine.run import MAX_FINAL_TIME, run_scenario
from slack_sim.model.parse import load_model
from slack_sim.validation import ValidationError

TOL = 1e-9
BACKENDS = ["numba", "numpy"] if engine.numba_available() else ["numpy"]
NONNEGATIVE = [s for s in MODEL.stocks if MODEL[s].minimum is not None and MODEL[s].minimum >= 0]


def random_draws(n: int, seed: int) -> pd.DataFrame:
    """Levers and uncertainties drawn uniformly in their model ranges (seeded)."""
    rng = np.random.default_rng(seed)
    names = MODEL.levers + MODEL.uncertainties
    lo = np.array([MODEL[x].minimum for x in names])
    hi = np.array([MODEL[x].maximum for x in names])
    return pd.DataFrame(rng.uniform(lo, hi, size=(n, len(names))), columns=names)


@functools.cache
def parity_cases() -> tuple[list[ss.Scenario], list[pd.DataFrame]]:
    """Every preset plus 100 random draws on the default preset, with their PySD runs."""
    draws = random_draws(100, seed=3003)
    base = ss.preset()
    scenarios = [ss.preset(p) for p in ss.presets()]
    scenarios += [base.with_values(row) for row in draws.to_dict("records")]
    refs = [reference(sc) for sc in scenarios]
    return scenarios, refs


def assert_parity(got: np.ndarray, ref: pd.DataFrame, label: str) -> None:
    want = ref.to_numpy().T  # variables x time
    scale = np.abs(want).max(axis=1, keepdims=True)
    scale[scale == 0] = 1.0
    err = np.abs(got - want) / scale
    worst = np.unravel_index(np.argmax(err), err.shape)
    assert err.max() < TOL, (
        f"{label}: {ref.columns[worst[0]]} at {ref.index[worst[1]]} differs by "
        f"{err.max():.2e} of its scale"
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_parity_with_pysd_presets_and_100_draws(backend):
    scenarios, refs = parity_cases()
    ds = ss.simulate_many(scenarios, list(MODEL.variables), backend=backend)
    np.testing.assert_array_equal(ds["year"].to_numpy(), refs[0].index.to_numpy())
    # variables x scenarios x time, read out of the dataset once (a dataset lookup costs
    # about 1 ms with 371 variables: once per variable, not once per variable and case)
    values = np.stack([ds[v].to_numpy() for v in MODEL.variables])
    for i, (sc, ref) in enumerate(zip(scenarios, refs, strict=True)):
        assert list(ref.columns) == list(MODEL.variables)
        got = values[:, i, :]
        assert_parity(got, ref, f"{backend} scenario {i} ({sc.name})")


def test_simulate_default_engine_is_the_compiled_one_and_matches_pysd():
    sc = ss.preset("second-shock")
    got = ss.simulate(sc)
    ref = reference(sc)
    pd.testing.assert_index_equal(got.index, ref.index)
    assert list(got.columns) == list(ref.columns)
    assert_parity(got.to_numpy().T, ref, "default engine")


@pytest.mark.parametrize("backend", BACKENDS)
def test_parity_at_every_time_step_and_other_control_values(backend):
    """Output at every integration step, a halved step and a shorter horizon."""
    sc = ss.preset("austerity-then-covid")
    dt = MODEL.time_step
    for kwargs in ({"output_step": dt}, {"time_step": dt / 2, "output_step": 3.0},
                   {"final_time": 150.0}):
        ref = reference(sc, **kwargs)
        got = run_scenario(sc, model=MODEL, time_step=kwargs.get("time_step"),
                           output_step=kwargs.get("output_step"),
                           final_time=kwargs.get("final_time"), backend=backend)
        pd.testing.assert_index_equal(got.index, ref.index)
        assert_parity(got.to_numpy().T, ref, f"{backend} {kwargs}")


def test_numpy_vector_path_equals_scalar_paths():
    """The numpy fallback's array path (batches) equals its scalar path and numba."""
    compiled = engine.compile_model()
    sched = compiled.schedule()
    settings = [ss.preset(p).settings() for p in ss.presets()]
    P = compiled.parameter_matrix(settings)
    vector = compiled.run(P, compiled.variables, sched=sched, backend="numpy")
    scalar = np.concatenate([compiled.run(P[i:i + 1], compiled.variables, sched=sched,
                                          backend="numpy") for i in range(len(P))], axis=1)
    scale = np.maximum(np.abs(scalar).max(axis=2, keepdims=True), 1e-300)
    assert (np.abs(vector - scalar) / scale).max() < TOL
    if "numba" in BACKENDS:
        fast = compiled.run(P, compiled.variables, sched=sched, backend="numba")
        assert (np.abs(fast - scalar) / scale).max() < TOL


@pytest.mark.slow
def test_robustness_10000_random_draws():
    """No NaN, no infinity, no negative stock (Reserves, a balance, excepted)."""
    draws = random_draws(10_000, seed=42)
    flags = garbage_flags(draws, profile=ss.DEFAULT_PROFILE, model=MODEL)
    bad = flags[list(FLAGS)].any(axis=1)
    assert not bad.any(), (f"{int(bad.sum())} draws give garbage, first: draw "
                           f"{flags.index[bad.to_numpy()][0]}: {flags[bad].iloc[0].to_dict()}")


def test_simulate_many_returns_labelled_arrays_of_the_requested_outputs_only():
    table = random_draws(5, seed=1)
    table.index = pd.Index([f"s{i}" for i in range(5)], name="case")
    ds = ss.simulate_many(table, ["Crisis queue", "Workforce"])
    assert list(ds.data_vars) == ["Crisis queue", "Workforce"]
    assert ds["Crisis queue"].dims == ("scenario", "year")
    # one row a month from January 2010 to the end of March 2046 (FINAL TIME 435): 436
    rows = int(round(MODEL.final_time - MODEL.initial_time)) + 1  # SAVEPER is one month
    assert rows == 436
    assert ds["Crisis queue"].shape == (5, rows)
    assert list(ds["scenario"].values) == list(table.index)
    assert ds["Workforce"].attrs["units"] == MODEL["Workforce"].units
    # a row equals the same scenario run alone
    sc = ss.Scenario(values=table.iloc[2].to_dict())
    alone = ss.simulate(sc)
    np.testing.assert_allclose(ds["Crisis queue"].sel(scenario="s2"), alone["Crisis queue"],
                               rtol=1e-12)


def test_simulate_many_checks_names_and_ranges():
    with pytest.raises(ValueError, match="did you mean 'Crisis queue'"):
        ss.simulate_many([ss.preset()], ["Crisis queu"])
    bad = pd.DataFrame({"Austerity depth": [0.2, 7.0]})
    with pytest.raises(ss.ScenarioError,
                       match=r"row 1: Austerity depth: 7 is outside the allowed range \[0, "):
        ss.simulate_many(bad, ["Crisis queue"])
    with pytest.raises(ss.ScenarioError, match="unknown column"):
        ss.simulate_many(pd.DataFrame({"Crisis queue": [1.0]}), ["Crisis queue"])


# -- the compiler on small models ------------------------------------------------------------

TINY = """{{UTF-8}}
Rate=
\t{rate}
\t~\t1/Month [0,1]
\t~\tA rate. Kind: uncertainty. Source: test.
\t|

Level= INTEG (
\tInflow,
\t\t10)
\t~\tPeople
\t~\tA stock.
\t|

Inflow=
\t{inflow}
\t~\tPeople/Month
\t~\tA flow.
\t|

INITIAL TIME = 0
\t~\tMonth
\t~\tStart. Origin: 2000-07.
\t|

FINAL TIME = 12
\t~\tMonth
\t~\tEnd.
\t|

TIME STEP = 0.25
\t~\tMonth
\t~\tStep.
\t|

SAVEPER = 1
\t~\tMonth
\t~\tOutput.
\t|
"""


def tiny_model(tmp_path, *, rate="0.1", inflow="Level * Rate"):
    path = tmp_path / "tiny.mdl"
    path.write_text(textwrap.dedent(TINY.format(rate=rate, inflow=inflow)), encoding="utf-8")
    return load_model(path)


@pytest.mark.parametrize(("equation", "function"), [
    ("ABS(Level) * Rate", "ABS"),
    ("SMOOTH(Level, 3) * Rate", "SMOOTH"),
    ("STEP(1, 3)", "STEP"),
    # logical operators the model does not use are not compiled either
    ("IF THEN ELSE(Level > 1 :OR: Rate > 1, 1, 0)", ":OR:"),
    ("IF THEN ELSE(:NOT: Level > 1, 1, 0)", ":NOT:"),
])
def test_unsupported_function_fails_at_compile_time_naming_it(tmp_path, monkeypatch,
                                                               equation, function):
    monkeypatch.setenv("SLACK_SIM_CACHE", str(tmp_path / "cache"))
    model = tiny_model(tmp_path, inflow=equation)
    with pytest.raises(engine.UnsupportedFunctionError) as info:
        engine.compile_model(model)
    assert function in str(info.value) and "'Inflow'" in str(info.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_cache_follows_the_model_and_is_never_stale(tmp_path, monkeypatch, backend):
    monkeypatch.setenv("SLACK_SIM_CACHE", str(tmp_path / "cache"))
    first = engine.compile_model(tiny_model(tmp_path, rate="0.1"))
    sched = first.schedule()
    grow = first.run(first.defaults[None, :], ["Level"], sched=sched, backend=backend)
    np.testing.assert_allclose(grow[0, 0, -1], 10 * (1 + 0.1 * 0.25) ** 48, rtol=1e-12)
    # editing the equations gives a new version: a new cache entry, new results
    second = engine.compile_model(tiny_model(tmp_path, rate="0.1", inflow="-Level * Rate"))
    assert second.version != first.version and second.path != first.path
    decay = second.run(second.defaults[None, :], ["Level"], sched=sched, backend=backend)
    np.testing.assert_allclose(decay[0, 0, -1], 10 * (1 - 0.1 * 0.25) ** 48, rtol=1e-12)
    assert first.version in first.path.read_text(encoding="utf-8")
    # a corrupted cache file fails its version check and is regenerated
    second.path.write_text("CODEGEN_KEY = 'stale'\n", encoding="utf-8")
    engine._COMPILED.clear()
    for name in [m for m in list(sys.modules) if m.startswith("_slack_sim_kernel")]:
        del sys.modules[name]
    again = engine.compile_model(tiny_model(tmp_path, rate="0.1", inflow="-Level * Rate"))
    out = again.run(again.defaults[None, :], ["Level"], sched=sched, backend=backend)
    np.testing.assert_allclose(out, decay, rtol=1e-15)


def test_supported_functions_are_listed_in_the_docs():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "engine.md").read_text()
    for fn in engine.SUPPORTED_FUNCTIONS:
        assert f"`{fn}`" in doc, fn


# -- engines, control values, the model's one parse --------------------------------------------


def test_engines_are_named_for_what_they_are_and_numpy_is_a_deprecated_alias():
    assert list(ss.ENGINES) == ["compiled", "pysd"]
    sc = ss.preset("second-shock")
    with pytest.warns(DeprecationWarning, match="engine='numpy' is deprecated; use "
                                                "engine='compiled'"):
        old = ss.simulate(sc, engine="numpy")
    pd.testing.assert_frame_equal(old, ss.simulate(sc, engine="compiled"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ss.simulate(sc)  # the default warns about nothing


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"final_time": 1e9}, "final_time: 1000000000 is outside the allowed range (0, 1200] "
                          "months"),
    ({"final_time": float("inf")}, "final_time: expected (0, 1200] months (or none), got inf"),
    ({"final_time": -5.0}, "final_time: -5 is outside the allowed range (0, 1200] months"),
    ({"time_step": 0.0}, "time_step: 0 is outside the allowed range [0.001, 1200] "
                         "months"),
    ({"time_step": float("nan")}, "time_step: expected [0.001, 1200] months (or none), "
                                  "got nan"),
    ({"output_step": -1.0}, "output_step: -1 is outside the allowed range (0, 1200] months"),
    ({"output_step": "1"}, "output_step: expected (0, 1200] months (or none), got '1'"),
])
def test_simulate_checks_control_values_in_the_one_message_format(kwargs, message):
    import re

    for run in (lambda: ss.simulate(ss.preset(), **kwargs),
                lambda: ss.simulate_many([ss.preset()], ["Crisis queue"], **kwargs)):
        with pytest.raises(ValidationError, match=re.escape(message)):
            run()
    assert MAX_FINAL_TIME == 1200


def test_the_longest_run_allowed_runs():
    ds = ss.simulate_many([ss.preset()], ["Crisis queue"], final_time=MAX_FINAL_TIME,
                          output_step=12.0)
    assert ds["year"].values[-1] == MODEL.start_year + MAX_FINAL_TIME / 12
    assert np.isfinite(ds["Crisis queue"].values).all()


def test_years_count_from_the_models_origin(tmp_path, monkeypatch):
    monkeypatch.setenv("SLACK_SIM_CACHE", str(tmp_path / "cache"))
    model = tiny_model(tmp_path)
    assert model.origin == "2000-07" and model.start_year == 2000.5
    compiled = engine.compile_model(model)
    np.testing.assert_allclose(compiled.schedule().years[:2], [2000.5, 2000.5 + 1 / 12])
    assert ss.simulate().index[0] == MODEL.start_year


def test_compiling_reads_the_models_parse_not_the_file(tmp_path, monkeypatch):
    """The plan is built from Model.elements: no second parse, no file read."""
    import pysd.translators.vensim.vensim_file as vensim_file

    monkeypatch.setenv("SLACK_SIM_CACHE", str(tmp_path / "cache"))
    model = tiny_model(tmp_path)
    model.path.unlink()  # nothing left to parse a second time

    def no_parse(*args, **kwargs):
        raise AssertionError("the model file was parsed again")

    monkeypatch.setattr(vensim_file.VensimFile, "parse", no_parse)
    compiled = engine.compile_model(model, cache=False)
    out = compiled.run(compiled.defaults[None, :], ["Level"], sched=compiled.schedule())
    np.testing.assert_allclose(out[0, 0, -1], 10 * (1 + 0.1 * 0.25) ** 48, rtol=1e-12)


def test_translator_dispatches_through_its_builder_table():
    from pysd.translators.structures import abstract_expressions as ae

    from slack_sim.engine.translate import Translator

    table = Translator.builders
    for node in (ae.ReferenceStructure, ae.ArithmeticStructure, ae.LogicStructure,
                 ae.CallStructure, ae.InlineLookupsStructure, float, int):
        assert callable(getattr(Translator, table[node]))
    assert ae.SmoothStructure not in table


def test_cache_key_covers_every_file_of_the_engine():
    from importlib.metadata import version
    from pathlib import Path

    folder = Path(engine.__file__).parent
    files = sorted(p.name for p in folder.iterdir() if p.is_file())
    assert {"translate.py", "plan.py", "codegen.py", "schedule.py", "compiled.py",
            "inputs.py", "pysd.py", "run.py"} <= set(files)
    engine._generator_hash.cache_clear()
    try:
        import hashlib

        digest = hashlib.sha256(f"{engine._CODEGEN_FORMAT}|pysd {version('pysd')}".encode())
        for name in files:
            digest.update(name.encode() + b"\0" + (folder / name).read_bytes())
        assert engine._generator_hash() == digest.hexdigest()[:12]
    finally:
        engine._generator_hash.cache_clear()


def test_stored_pysd_references_are_checked_for_freshness(tmp_path, monkeypatch):
    """A stored PySD run that records another model version is an error, not used.

    The references go to a folder of the test's own; PySD's translation of the model is
    the shared cache's (a fresh cache would translate the model again, about 8 s, and
    nothing here is about the translation).
    """
    from engine import pysd_reference

    folder = tmp_path / "pysd-reference"
    monkeypatch.setattr(pysd_reference, "reference_folder", lambda: folder)
    monkeypatch.setattr(pysd_reference, "_MEMO", {})
    sc = ss.preset()
    first = reference(sc, final_time=12.0)
    pd.testing.assert_frame_equal(first, ss.simulate(sc, engine="pysd", final_time=12.0))
    (path,) = folder.glob("*.npz")
    with np.load(path) as data:
        stored = dict(data)
    np.savez_compressed(path, **(stored | {"model_version": "0123456789abcdef"}))
    pysd_reference._MEMO.clear()
    with pytest.raises(AssertionError, match="stale PySD reference"):
        reference(sc, final_time=12.0)
