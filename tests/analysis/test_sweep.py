"""Sweeps (issue 16): councils x futures x policies in chunks, on Dask or in process."""

from __future__ import annotations

import argparse
import json
import os

import pandas as pd
import pyarrow.parquet as pq
import pytest
from simhelpers import MODEL

import slack_sim as ss
from slack_sim.analysis import sweep as sw
from slack_sim.cli.options import CliError
from slack_sim.cli.sweep import add_sweep_command

LEVER = "Prevention investment"


def small_spec(**kwargs) -> sw.SweepSpec:
    # a council with history-consistent futures, one without (sampled), the generic
    # profile; 2 policies x 6 futures; chunks of 5 runs so that a council spans chunks
    options = {"councils": ["kent", "middlesbrough", "generic"], "futures": 6,
               "chunk_runs": 5, "values_at": {"Children looked after": [2030.0]}}
    return sw.SweepSpec.make({LEVER: [0.0, MODEL[LEVER].maximum]}, **(options | kwargs))


def test_policy_grid_is_the_product_of_the_levers_values_first_slowest():
    grid = sw.policy_grid({LEVER: [0.0, 0.1], "Slack target": [0.05, 0.1, 0.15]})
    assert grid.index.name == "policy" and len(grid) == 6
    assert grid.iloc[:3][LEVER].tolist() == [0.0] * 3
    assert grid["Slack target"].tolist() == [0.05, 0.1, 0.15] * 2
    assert len(sw.policy_grid({})) == 1  # no lever: the preset's own policy
    with pytest.raises(ss.ScenarioError, match="not levers"):
        sw.policy_grid({"Austerity depth": [0.1]})  # an uncertainty, not a lever


def test_chunks_cover_every_council_policy_and_future_once():
    spec = small_spec()
    chunks, sources = sw.sweep_chunks(spec)
    assert sources["generic"] == "plausible futures (not history-matched)"
    assert sources["kent"] == "futures consistent with 2010-2020"
    assert all(c.runs <= 5 for c in chunks)
    keys = pd.concat([c.table().index.to_frame(index=False) for c in chunks])
    assert not keys.duplicated().any()
    counts = keys.groupby("council").size()
    for council in spec.councils:
        n = len(next(c for c in chunks if c.council == council).futures)
        assert counts[council] == len(spec.policies) * n
    # a row's values: the policy's lever, the future's uncertainties
    chunk = chunks[1]
    table = chunk.table()
    council, policy, future = table.index[0]
    assert table[LEVER].iloc[0] == spec.policies[LEVER].iloc[policy]
    name = chunk.futures.columns[0]
    assert table[name].iloc[0] == chunk.futures[name].iloc[future]


def test_chunk_size_gives_every_worker_several_chunks_within_its_bounds():
    # the spec's size for a sweep big enough, in process, or when it is the smaller
    assert sw.chunk_size(2 * 10**8, most=8192, workers=2) == 8192
    assert sw.chunk_size(43_200, most=8192, workers=None) == 8192
    assert sw.chunk_size(43_200, most=500, workers=2) == 500
    # a dozen councils' sweep on two workers: 32 chunks at least, none of fewer runs
    # than the floor
    assert sw.chunk_size(43_200, most=8192, workers=2) == 43_200 // 32
    assert sw.chunk_size(43_200, most=8192, workers=8) == sw.MIN_CHUNK_RUNS


def test_a_sweep_for_workers_is_cut_finer_into_equal_chunks_with_the_same_rows(
        monkeypatch):
    spec = small_spec(chunk_runs=100)  # 3 councils x 2 policies x 6 futures = 36 runs
    whole, _ = sw.sweep_chunks(spec)
    assert [c.runs for c in whole] == [12, 12, 12]  # one chunk a council, in process
    monkeypatch.setattr("slack_sim.analysis.sweep_plan.MIN_CHUNK_RUNS", 1)
    chunks, _ = sw.sweep_chunks(spec, workers=1)  # 16 chunks at least: 2 runs at most
    assert len(chunks) >= sw.CHUNKS_PER_WORKER
    assert all(1 <= c.runs <= 2 for c in chunks)
    for council in spec.councils:  # a council's chunks: equal sizes, in order, no gap
        own = [c for c in chunks if c.council == council]
        assert max(c.runs for c in own) - min(c.runs for c in own) <= 1
        assert [c.first for c in own[1:]] == [c.stop for c in own[:-1]]
        assert own[0].first == 0 and own[-1].stop == 12
    assert [c.number for c in chunks] == list(range(len(chunks)))
    rows = pd.concat([sw.run_chunk(c) for c in chunks], ignore_index=True)
    pd.testing.assert_frame_equal(rows, sw.sweep_in_process(spec), check_exact=True)


def test_a_chunks_rows_are_its_runs_outcomes():
    spec = small_spec(councils=["generic"], futures=3, chunk_runs=100)
    (chunk,), _ = sw.sweep_chunks(spec)
    rows = sw.run_chunk(chunk)
    assert list(rows.columns[:4]) == ["council", "policy", "future", LEVER]
    assert "npv_total_spending" in rows and "Children looked after 2030" in rows
    # row 4 is policy 1, future 1: the same scenario run alone
    table = chunk.table()
    values = table.iloc[4].to_dict()
    alone = ss.simulate(ss.Scenario(profile="generic", values=values))
    assert rows.loc[4, "Children looked after 2030"] == alone.loc[2030.0,
                                                                  "Children looked after"]


@pytest.fixture
def environ_kept():
    """Put the environment back as it was: a local cluster sets variables for its workers
    (``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``,
    ``MALLOC_TRIM_THRESHOLD_``, ``PYTHONHASHSEED``, ``__DASK_PARENT_PID``) in this process's
    ``os.environ`` and leaves them, so every later subprocess of the worker would get them
    (tests/conftest.py, rule 6)."""
    saved = dict(os.environ)
    yield
    for name in set(os.environ) - set(saved):
        del os.environ[name]
    os.environ.update(saved)


def test_sweep_on_a_two_worker_local_cluster_equals_the_in_process_sweep(tmp_path,
                                                                         environ_kept):
    from distributed import Client, LocalCluster

    spec = small_spec()
    expected = sw.sweep_in_process(spec)
    assert len(expected) == sum(c.runs for c in sw.sweep_chunks(spec)[0])
    path = tmp_path / "sweep.parquet"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        workers = client.scheduler_info()["workers"]
        assert len(workers) == 2
        assert all(address.startswith("tcp://127.0.0.1:") for address in workers)
        info = sw.sweep(spec, path, client=client, progress=False)
    assert info["runs"] == len(expected) and info["workers"] == 2
    got = pd.read_parquet(path)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    meta = json.loads(pq.read_schema(path).metadata[b"slack_sim"])
    assert meta["spec"]["model_version"] == MODEL.version
    assert meta["spec"]["councils"] == list(spec.councils)
    assert set(meta["futures_source"]) == set(spec.councils)


def test_progress_bar_reports_runs_and_chunks():
    lines: list[str] = []
    bar = sw._Progress(100, 4, enabled=True, write=lines.append)
    bar.tty = False
    for _ in range(4):
        bar.update(25)
    assert lines[-1].startswith("sweep [") and "100/100 runs, 4/4 chunks" in lines[-1]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_sweep_command(parser.add_subparsers(dest="command"))
    return parser


@pytest.mark.parametrize(("argv", "message"), [
    (["--lever", "Prevention investment"], "--lever: expected"),
    (["--lever", "Prevention investment=a,b"], "--lever: expected"),
    (["--at", "Reserves"], "--at: expected"),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "--workers is for the local"),
    (["--scheduler", "127.0.0.1:8786"], "--scheduler expects an address"),
    (["--futures", "0"], "--futures"),
])
def test_sweep_command_refuses_bad_options_in_one_line(tmp_path, argv, message):
    args = _parser().parse_args(["sweep", *argv, "--out", str(tmp_path / "s.parquet")])
    with pytest.raises(CliError, match=message):
        args.func(args)


def test_sweep_command_wants_a_parquet_file(tmp_path):
    args = _parser().parse_args(["sweep", "--out", str(tmp_path / "s.csv")])
    with pytest.raises(CliError, match="must end in .parquet"):
        args.func(args)


def test_an_unknown_council_is_an_error_naming_it():
    with pytest.raises(ss.ScenarioError, match="no-such-council"):
        sw.SweepSpec.make({LEVER: [0.0]}, councils=["no-such-council"])
