"""Threaded batches and the single-run fast path (issue 16).

A batch split over threads must give the serial batch's numbers bit for bit, whatever
the number of threads and chunks; the shared thread pool is started once, not per
batch; the profile row's cache still notices an edited profile file; skipping the
control-value check on the common path does not skip it when a value is given.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from engine.test_engine import random_draws

import slack_sim as ss
from slack_sim.engine import compiled as engine
from slack_sim.engine import inputs
from slack_sim.validation import ValidationError

OUTPUTS = ["Crisis queue", "Waiting time", "Children looked after", "Reserves",
           "Fatigue", "Partnership strength"]


@pytest.fixture(scope="module")
def batch():
    compiled = engine.compile_model()
    table = random_draws(203, seed=3)  # not a multiple of the 8 lanes: padding too
    P, _, _ = inputs.parameters(table, model=ss.load_model(), compiled=compiled,
                                profile=ss.DEFAULT_PROFILE)
    return compiled, P


@pytest.mark.skipif(not engine.numba_available(), reason="threads are the numba kernel's")
@pytest.mark.parametrize("threads", [2, 3, 5])
def test_a_threaded_batch_is_the_serial_batch_bit_for_bit(batch, threads, monkeypatch):
    compiled, P = batch
    sched = compiled.schedule()
    serial = compiled.run(P, OUTPUTS, sched=sched, backend="numba", threads=1)
    monkeypatch.setattr(engine, "_MIN_PER_CHUNK", 8)  # many small chunks
    parallel = compiled.run(P, OUTPUTS, sched=sched, backend="numba", threads=threads)
    np.testing.assert_array_equal(parallel, serial)
    # and each scenario's numbers are those of its run alone (one-lane kernel)
    for i in (0, 101, len(P) - 1):
        alone = compiled.run(P[i:i + 1], OUTPUTS, sched=sched, backend="numba")
        np.testing.assert_array_equal(parallel[:, i, :], alone[:, 0, :])


@pytest.mark.skipif(not engine.numba_available(), reason="threads are the numba kernel's")
def test_threaded_batches_share_one_pool(batch, monkeypatch):
    compiled, P = batch
    started = []
    real = engine.ThreadPoolExecutor

    def counting(*args, **kwargs):
        started.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "ThreadPoolExecutor", counting)
    monkeypatch.setattr(engine, "_POOL", None)
    sched = compiled.schedule()
    first = compiled.run(P, OUTPUTS[:1], sched=sched, backend="numba", threads=2)
    for _ in range(3):
        again = compiled.run(P, OUTPUTS[:1], sched=sched, backend="numba", threads=2)
    assert len(started) == 1  # one pool for every batch
    np.testing.assert_array_equal(again, first)
    compiled.run(P, OUTPUTS[:1], sched=sched, backend="numba", threads=3)
    assert len(started) == 2  # grown once when more threads are asked for


def test_the_profile_row_cache_notices_an_edited_profile_file(tmp_path, monkeypatch):
    model = ss.load_model()
    files = [tmp_path / "p.toml", tmp_path / "councils.csv", tmp_path / "calibration.csv"]
    for f in files[:2]:
        f.write_text("x")
    monkeypatch.setattr(inputs, "_profile_files", lambda env, profile: tuple(map(str, files)))
    key = inputs._profile_key(model, "p")
    assert key[-1] == "-"  # a missing file has no stamp
    os.utime(files[1], ns=(1, 10**18))
    assert inputs._profile_key(model, "p") != key
    files[2].write_text("y")
    assert inputs._profile_key(model, "p")[-1] != "-"


def test_the_profile_files_follow_the_models_folder(tmp_path, monkeypatch):
    (tmp_path / "slack.mdl").write_text("")
    here = inputs._profile_files(os.environ.get("SLACK_SIM_MODELS"), "x")
    monkeypatch.setenv("SLACK_SIM_MODELS", str(tmp_path))
    there = inputs._profile_files(os.environ.get("SLACK_SIM_MODELS"), "x")
    assert here != there
    assert there[0] == str(tmp_path / "profiles" / "x.toml")


@pytest.mark.parametrize("given", [{"final_time": -5.0}, {"time_step": 0.0},
                                   {"output_step": float("nan")}])
def test_given_control_values_are_still_checked(given):
    with pytest.raises(ValidationError):
        ss.simulate(ss.preset(), **given)


@pytest.mark.skipif(not engine.numba_available() or not hasattr(os, "fork"),
                    reason="threads are the numba kernel's; fork is POSIX")
def test_a_forked_child_runs_threaded_batches(batch):
    """A child forked after a threaded batch gets a pool of its own, not the parent's.

    The parent's pool threads are not copied by a fork: a child submitting to the copied
    pool waited for ever (``tools/build_profiles.py`` forks its worker processes).
    """
    import multiprocessing

    compiled, P = batch
    sched = compiled.schedule()
    want = compiled.run(P, OUTPUTS, sched=sched, backend="numba", threads=2)  # pool started
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        job = pool.apply_async(_threaded_batch_sum, (P,))
        got = job.get(timeout=120)  # a hang fails here, not for ever
    assert got == float(want.sum())


def _threaded_batch_sum(P: np.ndarray) -> float:
    compiled = engine.compile_model()
    return float(compiled.run(P, OUTPUTS, sched=compiled.schedule(), backend="numba",
                              threads=2).sum())
