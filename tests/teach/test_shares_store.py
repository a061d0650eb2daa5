"""The Teach steps' shares of futures are stored once per version of all they depend on."""

import os
import threading
import time

import pytest
from simhelpers import MODEL

from slack_sim.teach import shares_store
from slack_sim.teach.robustness import Robustness, robustness, step_robustness
from slack_sim.teach.storyline import step

SHARE = Robustness("x", "a", {"a": 4, "b": 1}, 5, "plausible futures")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A store of the test's own, in a private folder as the package makes it.

    Only the store moves: the compiled kernels stay in the shared cache (a fresh cache
    folder would compile the engine again, 15 to 40 s, for nothing this file checks).
    """
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    os.chmod(tmp_path, 0o700)
    monkeypatch.setattr(shares_store, "store_folder", lambda: folder / shares_store.FOLDER)
    return folder


def test_the_stored_share_is_the_computed_one(cache):
    # a step on its own profile's futures: stored, then read back in place of running it,
    # and equal to running it afresh (over 50 futures: storing does not depend on how many)
    step_robustness.cache_clear()
    try:
        first = step_robustness("austerity", 50)
        assert first.n == 50
        digest = shares_store.inputs_digest(kind="step", key="austerity", n=50)
        assert (cache / shares_store.FOLDER / f"{digest}.json").is_file()
        assert shares_store.load(digest) == first
        assert first == robustness(step("austerity"), n=50, model=MODEL)
    finally:
        step_robustness.cache_clear()


def test_a_share_is_computed_once_then_read(cache):
    calls = []

    def compute():
        calls.append(1)
        return SHARE

    assert shares_store.stored(kind="step", key="x", n=5, compute=compute) == SHARE
    assert shares_store.stored(kind="step", key="x", n=5, compute=compute) == SHARE
    assert len(calls) == 1
    # another step, kind or number of futures is another entry
    shares_store.stored(kind="step", key="y", n=5, compute=compute)
    shares_store.stored(kind="england", key="x", n=5, compute=compute)
    shares_store.stored(kind="step", key="x", n=6, compute=compute)
    assert len(calls) == 4


def test_the_entry_follows_every_file_of_the_models_folder(cache, models_copy):
    before = shares_store.inputs_digest(kind="step", key="x", n=5)
    assert shares_store.inputs_digest(kind="step", key="x", n=5) == before
    table = models_copy / "profiles" / "calibration.csv"
    table.write_text(table.read_text() + "\n")
    assert shares_store.inputs_digest(kind="step", key="x", n=5) != before, "a changed calibration"
    again = shares_store.inputs_digest(kind="step", key="x", n=5)
    (models_copy / "presets.toml").write_text(
        (models_copy / "presets.toml").read_text() + "\n# edited\n")
    assert shares_store.inputs_digest(kind="step", key="x", n=5) != again, "a changed preset file"


def test_a_damaged_or_foreign_entry_is_recomputed(cache):
    shares_store.stored(kind="step", key="x", n=5, compute=lambda: SHARE)
    digest = shares_store.inputs_digest(kind="step", key="x", n=5)
    path = cache / shares_store.FOLDER / f"{digest}.json"
    good = path.read_text()
    other = Robustness("x", "b", {"b": 5}, 5, "plausible futures")
    for bad in (good[: len(good) // 2], "[]", good.replace(digest, "0" * 64),
                good.replace('"n": 5', '"n": "five"')):
        path.write_text(bad)
        assert shares_store.load(digest) is None, bad
        assert shares_store.stored(kind="step", key="x", n=5, compute=lambda: other) == other
        path.write_text(good)
    os.chmod(path.parent, 0o777)  # a folder others can write: nothing in it is trusted
    try:
        assert shares_store.load(digest) is None
        assert shares_store.stored(kind="step", key="x", n=5, compute=lambda: other) == other
    finally:
        os.chmod(path.parent, 0o700)
    assert shares_store.load(digest) == SHARE, "the unsafe folder was not written to"


def test_two_at_once_compute_it_once(cache):
    calls, results = [], []

    def compute():
        calls.append(1)
        time.sleep(0.3)  # long enough for the other to ask while this one computes
        return SHARE

    threads = [threading.Thread(target=lambda: results.append(
        shares_store.stored(kind="step", key="x", n=5, compute=compute))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [SHARE, SHARE]
    assert len(calls) == 1
