"""The app's results kept on disk for the server's next start (``slack_sim.ui.disk_memo``).

A server's first visitor used to wait for the whole first page to be computed (the 500
futures, the appraisal, the runs, the charts). The store keeps those results in files
named by the code, model and data they came from; these tests check that a new process
reads them instead of computing, that nothing from another version, another user or a
damaged file is read, and that the folder stays within its budget.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slack_sim.ui import disk_memo, memo
from slack_sim.ui.disk_memo import DiskStore
from slack_sim.ui.memo import ByteBudgetCache


def _cache(folder: Path, budget: int = 10**7) -> tuple[ByteBudgetCache, list[int]]:
    """A fresh memory cache (a new server process) over the disk store in ``folder``."""
    store = ByteBudgetCache(10**7, disk=DiskStore(folder, budget))
    calls: list[int] = []

    @store.memoise(persist=True)
    def square(x: int) -> dict[str, int]:
        calls.append(x)
        return {"x": x, "square": x * x}

    store.square = square  # type: ignore[attr-defined]
    return store, calls


def test_a_result_computed_by_one_process_is_read_by_the_next(tmp_path):
    first, calls = _cache(tmp_path)
    assert first.square(7) == {"x": 7, "square": 49}
    first.disk.flush()
    later, later_calls = _cache(tmp_path)
    assert later.square(7) == {"x": 7, "square": 49}
    assert later_calls == []  # read, not computed
    assert later.stats().from_disk == 1 and later.stats().misses == 0
    assert later.square(8) == {"x": 8, "square": 64} and later_calls == [8]
    assert calls == [7]


def test_functions_not_marked_are_not_kept_on_disk(tmp_path):
    store = ByteBudgetCache(10**7, disk=DiskStore(tmp_path, 10**7))
    store.memoise(lambda x: x + 1)(1)
    store.disk.flush()
    assert not list(tmp_path.glob("*.res"))


def test_another_version_of_the_code_model_or_data_reads_nothing(tmp_path, monkeypatch):
    first, _ = _cache(tmp_path)
    first.square(3)
    first.disk.flush()
    monkeypatch.setattr(disk_memo, "stamp", lambda: "another-version")
    later, calls = _cache(tmp_path)
    assert later.square(3)["square"] == 9 and calls == [3]


def test_the_stamp_follows_the_models_the_code_and_the_backend(models_copy, monkeypatch):
    from slack_sim.teach import shares_store

    monkeypatch.delenv("SLACK_SIM_BACKEND", raising=False)
    monkeypatch.setattr(disk_memo, "STAMP_SECONDS", 0.0)  # looked at on every call
    before = disk_memo.stamp()
    assert disk_memo.stamp() == before  # the same inputs, the same stamp
    presets = models_copy / "presets.toml"
    presets.write_text(presets.read_text() + "\n# one more line\n")
    model_changed = disk_memo.stamp()
    monkeypatch.setattr(shares_store, "_package_digest", lambda: "another package")
    code_changed = disk_memo.stamp()
    monkeypatch.setenv("SLACK_SIM_BACKEND", "numpy")
    backend_changed = disk_memo.stamp()
    assert len({before, model_changed, code_changed, backend_changed}) == 4


def test_a_file_others_could_write_is_not_read(tmp_path):
    first, _ = _cache(tmp_path)
    first.square(4)
    first.disk.flush()
    (path,) = tmp_path.glob("*.res")
    path.chmod(0o666)
    later, calls = _cache(tmp_path)
    assert later.square(4)["square"] == 16 and calls == [4]


def test_a_folder_others_could_write_is_not_used(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    store, calls = _cache(folder)
    store.square(5)
    store.disk.flush()
    assert not list(folder.iterdir())
    assert store.disk.load(("anything",)) is None


@pytest.mark.parametrize("damage", ["truncated", "other key", "not ours"])
def test_a_damaged_or_foreign_file_is_a_miss(tmp_path, damage):
    first, _ = _cache(tmp_path)
    first.square(6)
    first.disk.flush()
    (path,) = tmp_path.glob("*.res")
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[:-10])
    elif damage == "other key":  # a file whose header names another key
        path.write_bytes(data.replace(b"square", b"squish"))
    else:
        path.write_bytes(b"not a results file")
    later, calls = _cache(tmp_path)
    assert later.square(6)["square"] == 36 and calls == [6]


def _key(store: ByteBudgetCache, x: int) -> tuple:
    """The memory cache's key of ``store.square(x)``."""
    return (f"{store.square.__module__}.{store.square.__qualname__}", (x,), ())


def test_an_unreadable_pickle_is_computed_again(tmp_path):
    first, _ = _cache(tmp_path)
    first.disk.save(_key(first, 2), b"not a pickle")
    first.disk.flush()
    later, calls = _cache(tmp_path)
    assert later.square(2)["square"] == 4 and calls == [2]
    assert later.stats().from_disk == 0 and later.stats().misses == 1


def test_the_folder_keeps_to_its_budget_and_drops_the_least_recently_used(tmp_path):
    store, _ = _cache(tmp_path)
    names = {}
    for x in range(3):
        seen = set(tmp_path.glob("*.res"))
        store.square(x)
        store.disk.flush()
        (names[x],) = set(tmp_path.glob("*.res")) - seen
    for x, path in names.items():  # written long ago, 0 first
        os.utime(path, (1_000_000 + x, 1_000_000 + x))
    per_file = max(p.stat().st_size for p in names.values())
    budget = 3 * per_file + per_file // 2  # room for three files, not four
    reader, calls = _cache(tmp_path, budget=budget)
    reader.square(0)  # read: now the most recently used
    reader.square(3)  # a fourth file: the least recently used (1) goes
    reader.disk.flush()
    files = set(tmp_path.glob("*.res"))
    assert sum(p.stat().st_size for p in files) <= budget
    assert names[0] in files and names[2] in files and names[1] not in files
    assert calls == [3]


def test_the_writer_looks_at_the_folder_seldom_yet_finds_what_others_wrote(tmp_path,
                                                                          monkeypatch):
    """The folder's sizes are looked at when the tally passes the budget, or after a while."""
    looks = []
    store, _ = _cache(tmp_path)
    prune = store.disk.prune
    monkeypatch.setattr(store.disk, "prune", lambda folder=None: looks.append(1) or
                        prune(folder))
    for x in range(10):  # within the budget: one look, at the first file
        store.square(x)
    store.disk.flush()
    assert len(looks) == 1
    # another process fills the folder past this one's budget
    per_file = max(p.stat().st_size for p in tmp_path.glob("*.res"))
    (tmp_path / ("f" * 40 + ".res")).write_bytes(b"\0" * (10**7 - 5 * per_file))
    for x in range(10, 10 + disk_memo.RESCAN_WRITES):
        store.square(x)
    store.disk.flush()
    assert len(looks) >= 2
    assert sum(p.stat().st_size for p in tmp_path.glob("*.res")) <= 10**7
    # this process's own files past the budget are found at once, by its tally
    looks.clear()
    small, _ = _cache(tmp_path / "small", budget=3 * per_file + per_file // 2)
    monkeypatch.setattr(small.disk, "prune", lambda folder=None: looks.append(1) or
                        DiskStore.prune(small.disk, folder))
    for x in range(4):
        small.square(x)
        small.disk.flush()
        assert sum(p.stat().st_size for p in (tmp_path / "small").glob("*.res")) <= \
            3 * per_file + per_file // 2
    assert len(looks) == 2  # the first file, and the fourth


def test_a_budget_of_zero_switches_the_store_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SLACK_SIM_APP_DISK_MB", "0")
    store = ByteBudgetCache(10**7, disk=DiskStore(tmp_path))
    store.memoise(persist=True)(lambda x: x)(1)
    store.disk.flush()
    assert not list(tmp_path.iterdir())
    monkeypatch.setenv("SLACK_SIM_APP_DISK_MB", "1")
    assert DiskStore(tmp_path).budget() == 2**20
    monkeypatch.setenv("SLACK_SIM_APP_DISK_MB", "lots")
    assert DiskStore(tmp_path).budget() == int(disk_memo.DEFAULT_BUDGET_MB * 2**20)


def test_the_app_serves_its_first_page_from_disk_after_a_restart(tmp_path, monkeypatch):
    """A new server process (its memory cache empty) draws the first page computing nothing."""
    from streamlit.testing.v1 import AppTest

    from slack_sim.ui import cache

    monkeypatch.setenv("SLACK_SIM_APP_DISK_MB", "256")
    app = str(Path(__file__).resolve().parents[2] / "app.py")
    shared = memo.shared()
    monkeypatch.setattr(shared.disk, "folder", tmp_path / disk_memo.FOLDER)
    shared.clear()
    first = AppTest.from_file(app, default_timeout=180).run()
    assert not first.exception
    cards = [(m.label, m.value, m.delta) for m in first.metric]
    shared.disk.flush()
    assert list((tmp_path / disk_memo.FOLDER).glob("*.res"))
    shared.clear()  # as after a restart

    def computed(*args, **kwargs):
        raise AssertionError("computed, not read from disk")

    monkeypatch.setattr(cache, "simulate", computed)
    monkeypatch.setattr(cache.risk, "ensemble_view", computed)
    before = shared.stats()
    again = AppTest.from_file(app, default_timeout=180).run()
    assert not again.exception
    assert [(m.label, m.value, m.delta) for m in again.metric] == cards
    assert shared.stats().from_disk > before.from_disk
    shared.clear()


def test_the_folder_can_be_set_apart_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SLACK_SIM_APP_DISK_DIR", str(tmp_path / "results"))
    store = ByteBudgetCache(10**7, disk=DiskStore(budget_bytes=10**7))
    store.memoise(persist=True)(lambda x: x)(1)
    store.disk.flush()
    assert len(list((tmp_path / "results").glob("*.res"))) == 1
