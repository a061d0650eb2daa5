"""The fast paths (issue 16): the parse cache, the one-lane kernel, outcomes-only runs.

Each fast path must give the very numbers of the slow one it replaces: a cached parse is
the fresh parse, the one-lane kernel is the block kernel, outcomes computed chunk by
chunk are those of the whole batch, values kept at chosen dates are those of the full
run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from engine.test_engine import random_draws, tiny_model
from simhelpers import MODEL

import slack_sim as ss
from slack_sim.engine import compiled as engine
from slack_sim.engine import simulate_outcomes
from slack_sim.metrics.headline import HEADLINE_OUTPUTS, headline_outcomes
from slack_sim.model import files, parse

# -- the parse, cached on disk ---------------------------------------------------------


def _cache_file(tmp_path, model_path) -> os.PathLike[str]:
    key = parse.cache_key(model_path.read_bytes())
    return tmp_path / "cache" / f"model-{key}.json"


def test_cached_parse_is_the_fresh_parse_syntax_tree_included(tmp_path, monkeypatch):
    monkeypatch.setenv("SLACK_SIM_CACHE", str(tmp_path / "cache"))
    path = files.default_model_path()
    fresh = parse._parse(path)
    parse._write_cache(fresh, parse.cache_key(path.read_bytes()))
    cached = parse._load(path)
    assert type(cached.elements).__name__ == "_LazyElements"  # it came from the file
    assert cached == fresh
    assert tuple(cached.elements) == tuple(fresh.elements)
    # and the code generated from it is the same
    from slack_sim.engine.codegen import generate
    from slack_sim.engine.plan import make_plan

    assert generate(make_plan(cached), "k") == generate(make_plan(fresh), "k")


def test_cache_is_keyed_on_the_file_pysd_and_the_parser(tmp_path):
    data = files.default_model_path().read_bytes()
    key = parse.cache_key(data)
    assert key.startswith(__import__("hashlib").sha256(data).hexdigest()[:16])
    assert parse.cache_key(data + b" ") != key
    assert key.endswith(parse.parser_key())


@pytest.mark.parametrize("damage", ["body", "header", "key", "class"])
def test_a_damaged_cache_is_never_used_and_is_rewritten(tmp_path, monkeypatch, damage):
    monkeypatch.setenv("SLACK_SIM_CACHE", str(tmp_path / "cache"))
    model = tiny_model(tmp_path)  # parses and writes the cache
    file = _cache_file(tmp_path, model.path)
    head, _, body = file.read_bytes().partition(b"\n")
    if damage == "body":  # a changed value: fails the SHA-256 check
        body = body.replace(b'"Level"', b'"Lever"', 1)
    elif damage == "header":
        head = b"{not json"
    elif damage == "key":
        head = json.dumps(json.loads(head) | {"key": "0" * 16}).encode()
    else:  # a class outside PySD's syntax tree, with a valid hash: refused when decoded
        body = body.replace(b"pysd.translators.structures.abstract_model:AbstractElement",
                            b"subprocess:Popen", 1)
        head = json.dumps(json.loads(head) | {
            "sha256": __import__("hashlib").sha256(body).hexdigest()}).encode()
    file.write_bytes(head + b"\n" + body)
    if damage == "class":
        # the header and hash check pass: rebuilding the tree refuses the class and
        # parses the file instead; with no file left, it is an error
        with pytest.raises(ValueError, match="not a PySD structure"):
            parse._decode(json.loads(body)["elements"][0])
        loaded = parse._load(model.path)
        assert tuple(loaded.elements) == tuple(parse._parse(model.path).elements)
        key = parse.cache_key(model.path.read_bytes())
        model.path.unlink()
        with pytest.raises(ValueError, match="not a PySD structure"):
            list(parse._read_cache(file, key, model.path).elements)
        return
    again = parse._load(model.path)
    assert "Level" in again.variables and "Lever" not in again.variables
    assert parse._read_cache(file, parse.cache_key(model.path.read_bytes()),
                             model.path) is not None  # rewritten, valid again


def test_an_unwritable_cache_folder_falls_back_to_a_private_temporary_one(tmp_path,
                                                                          monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SLACK_SIM_CACHE", str(blocker / "cache"))  # cannot be created
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    model = tiny_model(tmp_path, rate="0.0625")  # a model no other test compiles
    key = parse.cache_key(model.path.read_bytes())
    fallback = files.fallback_cache_dir()
    assert fallback.parent == tmp_path / "tmp"
    assert (fallback.stat().st_mode & 0o777) == 0o700
    assert (fallback / f"model-{key}.json").is_file()
    assert fallback in files.cache_dirs()
    compiled = engine.compile_model(model)  # the kernel goes there too
    assert compiled.path.is_relative_to(fallback)
    out = compiled.run(compiled.defaults[None, :], ["Level"], sched=compiled.schedule())
    np.testing.assert_allclose(out[0, 0, -1], 10 * (1 + 0.0625 * 0.25) ** 48, rtol=1e-12)


def test_a_fallback_folder_others_can_write_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    shared = tmp_path / f"slack-sim-{os.getuid()}"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    assert shared not in files.cache_dirs()
    assert files.fallback_cache_dir() != shared


def test_a_run_from_warm_caches_imports_neither_pysd_nor_the_translator(tmp_path):
    code = textwrap.dedent("""
        import sys
        import slack_sim as ss
        ss.simulate(ss.preset())
        loaded = [m for m in ("pysd", "slack_sim.engine.translate") if m in sys.modules]
        print("LOADED", loaded)
    """)
    env = dict(os.environ)
    for _ in range(2):  # the first fills the caches if they are empty
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, timeout=600, check=True)
    assert "LOADED []" in done.stdout, done.stdout + done.stderr
    assert "compiling" not in done.stderr


def test_compiling_says_so_on_stderr_and_loading_from_the_cache_does_not(tmp_path,
                                                                        monkeypatch, capsys):
    monkeypatch.setenv("SLACK_SIM_CACHE", str(tmp_path / "cache"))
    model = tiny_model(tmp_path, rate="0.125")
    compiled = engine.compile_model(model)
    compiled.run(compiled.defaults[None, :], ["Level"], sched=compiled.schedule(),
                 backend="numba")
    assert "slack-sim: compiling the engine" in capsys.readouterr().err
    # a new process (here: the module loaded again) finds numba's cache: no message
    engine._COMPILED.clear()
    for name in [m for m in list(sys.modules) if m.startswith("_slack_sim_kernel")]:
        del sys.modules[name]
    again = engine.compile_model(model)
    again.run(again.defaults[None, :], ["Level"], sched=again.schedule(), backend="numba")
    assert "compiling" not in capsys.readouterr().err


# -- single runs: the one-lane kernel --------------------------------------------------


@pytest.mark.skipif(not engine.numba_available(), reason="the one-lane kernel is numba's")
def test_one_lane_kernel_gives_the_block_kernels_numbers_exactly():
    scenarios = [ss.preset(p) for p in ss.presets()]
    alone = [ss.simulate(sc) for sc in scenarios]
    batch = ss.simulate_many(scenarios, list(MODEL.variables), backend="numba")
    values = np.stack([batch[v].to_numpy() for v in MODEL.variables], axis=2)  # once each
    for i, frame in enumerate(alone):
        got = values[i]
        np.testing.assert_array_equal(got, frame.to_numpy())
    # and run() of one or two rows (the one-lane path) equals the block path's rows
    compiled = engine.compile_model()
    P = compiled.parameter_matrix([sc.settings() for sc in scenarios])
    block = compiled.run(P, compiled.variables, sched=compiled.schedule())
    pair = compiled.run(P[:2], compiled.variables, sched=compiled.schedule())
    np.testing.assert_array_equal(pair, block[:, :2, :])


@pytest.mark.skipif(not engine.numba_available(), reason="the one-lane kernel is numba's")
def test_one_lane_kernel_gathers_a_subset_of_outputs_in_any_order():
    # every variable in model order is copied row by row; any other choice is gathered
    compiled = engine.compile_model()
    P = compiled.parameter_matrix([ss.preset(p).settings() for p in ss.presets()[:2]])
    sched = compiled.schedule()
    every = compiled.run(P, compiled.variables, sched=sched)
    for names in (compiled.variables[::-1], compiled.variables[1:], ["Crisis queue"],
                  compiled.variables[:-1]):
        rows = [compiled.variables.index(n) for n in names]
        np.testing.assert_array_equal(compiled.run(P, names, sched=sched), every[rows])


def test_a_numpy_single_run_never_imports_numba_and_gives_numbas_numbers(tmp_path):
    code = textwrap.dedent("""
        import sys
        import numpy as np
        import slack_sim as ss
        frame = ss.simulate(ss.preset(), backend="numpy")
        print("NUMBA", "numba" in sys.modules)
        np.save(sys.argv[1], frame.to_numpy())
    """)
    out = tmp_path / "numpy.npy"
    done = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True,
                          text=True, env=dict(os.environ), timeout=600, check=True)
    assert "NUMBA False" in done.stdout, done.stdout + done.stderr
    reference = ss.simulate(ss.preset(), backend="numba" if engine.numba_available()
                            else "numpy")
    np.testing.assert_allclose(np.load(out), reference.to_numpy(), rtol=1e-12, atol=0)


def test_simulate_frame_is_built_without_copying_the_kernels_output():
    frame = ss.simulate(ss.preset())
    assert frame.shape == (len(frame.index), len(MODEL.variables))
    assert list(frame.columns) == list(MODEL.variables)
    assert frame.index.name == "year"
    frame.iloc[0, 0] = -1.0  # the shared index and columns are not changed by this
    assert ss.simulate(ss.preset()).iloc[0, 0] != -1.0


# -- outcomes inside the run ------------------------------------------------------------


def test_values_at_chosen_dates_are_the_full_runs_values():
    table = random_draws(40, seed=11)
    outputs = ["Children looked after", "Reserves", "Crisis queue"]
    full = ss.simulate_many(table, outputs)
    years = [2020.0, 2030.25, 2045.5]
    at = ss.simulate_many(table, outputs, at=years)
    assert list(at["year"].values) == years
    for v in outputs:
        np.testing.assert_array_equal(at[v].to_numpy(), full[v].sel(year=years).to_numpy())
    with pytest.raises(ValueError, match="2020.1 is not an output time"):
        ss.simulate_many(table, outputs, at=[2020.1])


@pytest.mark.parametrize("threads", [1, 2])
def test_outcomes_chunk_by_chunk_equal_the_whole_batchs(threads, monkeypatch):
    from slack_sim.engine import inputs

    table = random_draws(300, seed=5)
    largest: list[int] = []
    rows = inputs.ParameterSource.rows

    def spy(self, start, stop):
        largest.append(stop - start)
        return rows(self, start, stop)

    monkeypatch.setattr(inputs.ParameterSource, "rows", spy)
    got = simulate_outcomes(table, HEADLINE_OUTPUTS, headline_outcomes, chunk_size=64,
                            threads=threads)
    assert max(largest) == 64 and sum(largest) == len(table)  # never the whole matrix
    full = ss.simulate_many(table, list(HEADLINE_OUTPUTS))
    compiled = engine.compile_model()
    P = inputs.parameters(table, model=MODEL, compiled=compiled, profile=ss.DEFAULT_PROFILE)[0]
    settings = {n: P[:, j] for j, n in enumerate(compiled.parameters)}
    want = headline_outcomes({v: full[v].to_numpy() for v in HEADLINE_OUTPUTS},
                             full["year"].to_numpy(), settings=settings)
    assert list(got.columns) == list(want)
    pd.testing.assert_index_equal(got.index, table.index)
    for name, values in want.items():
        np.testing.assert_array_equal(got[name].to_numpy(), np.asarray(values), err_msg=name)


def test_a_reduction_must_give_one_value_per_scenario():
    def bad(series, years, *, settings):
        return {"total": series["Reserves"].sum()}

    with pytest.raises(ValueError, match="expected one value per scenario"):
        simulate_outcomes(random_draws(10, seed=1), ["Reserves"], bad)
