"""Defect class 10 for PySD: its cached translation is verified before it is executed.

The reference interpreter (``engine="pysd"``) imports PySD's translation of the model from
the cache. It follows the compiled kernel's rule (``engine/kernel_cache.py``, the one
copy): written with its SHA-256 into a folder private to this user, executed only when
folder, file and digest check out, else translated again with one line on stderr saying
why; an unwritable or shared cache falls back to a private temporary one. What PySD
imports is a private copy of the verified bytes, so neither a later change to the cache
nor a bytecode file planted beside it runs. The tests use a two-variable model (its
translation takes well under a second).
"""

import hashlib
import importlib.util
import os
import tempfile
import textwrap
from importlib._bootstrap_external import _code_to_timestamp_pyc

import pytest
from engine.test_engine import TINY

import slack_sim.engine.pysd as pysd_engine
from slack_sim.engine.kernel_cache import read_verified
from slack_sim.model import load_model
from slack_sim.model.files import cache_dir, fallback_cache_dir, is_private

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534
RATE = 0.046875  # a rate no other test uses
WANT = 10 * (1 + RATE * 0.25) ** 48  # Level after 12 months of Euler steps of 0.25


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """The tiny model, a fresh cache folder, a private temporary folder, no copy in memory."""
    monkeypatch.setenv("SLACK_SIM_CACHE", str(tmp_path / "cache"))
    temp = tmp_path / "tmp"
    temp.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(pysd_engine, "_RUNNABLE", {}, raising=False)
    mdl = tmp_path / "tiny.mdl"
    mdl.write_text(textwrap.dedent(TINY.format(rate=RATE, inflow="Level * Rate")),
                   encoding="utf-8")
    return load_model(mdl)


def _again(monkeypatch):
    """Forget the private copies in memory, as a new process would."""
    monkeypatch.setattr(pysd_engine, "_RUNNABLE", {}, raising=False)


def digest_path(path):
    """The digest's file beside a cached module: ``slack.py`` -> ``slack.sha256``."""
    return path.with_suffix(".sha256")


def _level(model) -> float:
    frame = pysd_engine.fresh_pysd(model).run(return_columns=["Level"])
    return float(frame["Level"].iloc[-1])


def _plant(path, marker) -> None:
    with path.open("a") as fh:
        fh.write(f"\nopen({str(marker)!r}, 'w').close()\n")


def _redigest(path) -> None:
    digest_path(path).write_text(hashlib.sha256(path.read_bytes()).hexdigest() + "\n")


def test_the_translation_is_written_with_its_digest_in_a_private_folder(tiny):
    path = pysd_engine.translated(tiny)
    assert path.parent.parent == cache_dir() and path.name == "slack.py"
    assert digest_path(path).is_file()
    assert is_private(path.parent) and not path.parent.stat().st_mode & 0o077
    data, why = read_verified(path)
    assert data == path.read_bytes() and why == ""
    assert abs(_level(tiny) - WANT) <= 1e-12 * WANT


def test_an_appended_line_is_never_executed(tiny, tmp_path, monkeypatch, capsys):
    path = pysd_engine.translated(tiny)
    marker = tmp_path / "planted"
    _plant(path, marker)
    _again(monkeypatch)
    level = _level(tiny)
    assert not marker.exists(), "the planted line ran"
    err = capsys.readouterr().err
    assert "not using the cached PySD translation" in err and "do not match their SHA-256" in err
    assert len(err.strip().splitlines()) == 1
    assert "planted" not in path.read_text() and abs(level - WANT) <= 1e-12 * WANT


def test_a_truncated_translation_is_translated_again_not_a_traceback(tiny, monkeypatch,
                                                                     capsys):
    path = pysd_engine.translated(tiny)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _again(monkeypatch)
    level = _level(tiny)
    assert "truncated or changed" in capsys.readouterr().err
    assert path.read_bytes() == data and abs(level - WANT) <= 1e-12 * WANT


def test_a_translation_without_its_digest_is_not_trusted(tiny, tmp_path, monkeypatch, capsys):
    path = pysd_engine.translated(tiny)
    marker = tmp_path / "planted"
    _plant(path, marker)  # what a cache written before digests, then changed, looks like
    digest_path(path).unlink()
    _again(monkeypatch)
    _level(tiny)
    assert not marker.exists(), "an unverified translation ran"
    assert "no slack.sha256 to check it against" in capsys.readouterr().err
    assert read_verified(path)[0] is not None


def test_a_folder_others_can_write_is_not_read(tiny, tmp_path, monkeypatch, capsys):
    path = pysd_engine.translated(tiny)
    marker = tmp_path / "planted"
    _plant(path, marker)
    _redigest(path)  # a planted line with a matching digest
    os.chmod(path.parent, 0o777)
    _again(monkeypatch)
    level = _level(tiny)
    assert not marker.exists(), "code from a world-writable folder ran"
    assert "not private" in capsys.readouterr().err
    fallback = pysd_engine.translated(tiny)
    assert fallback.parent.parent == fallback_cache_dir() and is_private(fallback.parent)
    assert abs(level - WANT) <= 1e-12 * WANT


def test_a_file_others_can_write_is_not_read(tiny, tmp_path, monkeypatch, capsys):
    path = pysd_engine.translated(tiny)
    marker = tmp_path / "planted"
    _plant(path, marker)
    _redigest(path)
    os.chmod(path, 0o666)
    _again(monkeypatch)
    _level(tiny)
    assert not marker.exists(), "a group- and world-writable translation ran"
    assert "writable by others" in capsys.readouterr().err


@pytest.mark.skipif(not ROOT, reason="needs root to give a folder to another user")
def test_another_users_translation_is_never_executed(tiny, tmp_path, monkeypatch):
    path = pysd_engine.translated(tiny)
    marker = tmp_path / "planted"
    _plant(path, marker)
    _redigest(path)
    for p in (cache_dir(), path.parent, path, digest_path(path)):
        os.chown(p, NOBODY, NOBODY)
    _again(monkeypatch)
    level = _level(tiny)
    assert not marker.exists(), "another user's translation ran"
    assert pysd_engine.translated(tiny).parent.parent == fallback_cache_dir()
    assert abs(level - WANT) <= 1e-12 * WANT


def test_a_bytecode_file_planted_beside_the_translation_never_runs(tiny, tmp_path,
                                                                  monkeypatch):
    path = pysd_engine.translated(tiny)
    marker = tmp_path / "planted"
    st = path.stat()
    # bytecode Python would take for the verified source (same mtime and size in its header)
    code = compile(path.read_text() + f"\nopen({str(marker)!r}, 'w').close()\n",
                   str(path), "exec")
    pyc = importlib.util.cache_from_source(str(path))
    os.makedirs(os.path.dirname(pyc), exist_ok=True)
    with open(pyc, "wb") as fh:
        fh.write(_code_to_timestamp_pyc(code, int(st.st_mtime), st.st_size))
    _again(monkeypatch)
    level = _level(tiny)
    assert not marker.exists(), "bytecode beside the cached translation ran"
    assert abs(level - WANT) <= 1e-12 * WANT


def test_an_unwritable_cache_falls_back_to_a_private_temporary_one(tiny, tmp_path,
                                                                   monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SLACK_SIM_CACHE", str(blocker / "cache"))  # cannot be created
    path = pysd_engine.translated(tiny)
    assert path.parent.parent == fallback_cache_dir()
    assert str(path).startswith(tempfile.gettempdir())
    assert abs(_level(tiny) - WANT) <= 1e-12 * WANT
    assert pysd_engine.translated(tiny) == path  # found there, not translated again
