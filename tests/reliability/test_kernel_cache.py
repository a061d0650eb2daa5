"""Defect class 10: the compiled-kernel cache is verified, private, and never a dead end.

A generated kernel in the cache is executed only when its bytes match the SHA-256 written
beside it and its folder and file are this user's alone; anything else (a line appended,
a truncated file, another user's or a group-writable folder) is regenerated, with one line
on stderr saying why. An unwritable cache folder falls back to a private temporary one.
These tests generate the kernel (no numba compilation: the runs use the numpy backend).
"""

import os
import sys
import tempfile

import numpy as np
import pytest

import slack_sim.engine.compiled as compiled
from slack_sim.model.files import cache_dir, cache_dirs, fallback_cache_dir, is_private

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """A new cache folder and a private temporary folder, and no kernel in memory."""
    monkeypatch.setenv("SLACK_SIM_CACHE", str(tmp_path / "cache"))
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(compiled, "_COMPILED", {})
    for name in [n for n in sys.modules if n.startswith("_slack_sim_kernel_")]:
        monkeypatch.delitem(sys.modules, name)
    yield tmp_path
    for name in [n for n in sys.modules if n.startswith("_slack_sim_kernel_")]:
        sys.modules.pop(name, None)


def _again(monkeypatch):
    """Forget the kernel in memory, as a new process would."""
    monkeypatch.setattr(compiled, "_COMPILED", {})
    for name in [n for n in sys.modules if n.startswith("_slack_sim_kernel_")]:
        monkeypatch.delitem(sys.modules, name)
    return compiled.compile_model()


def _runs(cm) -> bool:
    sched = cm.schedule(final_time=cm.model.initial_time + 12)
    out = cm.run(cm.defaults[None, :], cm.variables[:3], sched=sched, backend="numpy")
    return bool(np.isfinite(out).all())


def test_the_kernel_is_written_with_its_digest_in_a_private_folder(fresh_cache):
    cm = compiled.compile_model()
    assert cm.path.parent.parent == cache_dir()
    assert (cm.path.parent / compiled.DIGEST_FILE).is_file()
    assert is_private(cm.path.parent) and not cm.path.parent.stat().st_mode & 0o077
    data, why = compiled.read_verified(cm.path)
    assert data == cm.path.read_bytes() and why == ""


def test_an_appended_line_is_never_executed(fresh_cache, monkeypatch, capsys):
    path = compiled.compile_model().path
    marker = fresh_cache / "planted"
    with path.open("a") as fh:
        fh.write(f"\nopen({str(marker)!r}, 'w').close()\n")
    cm = _again(monkeypatch)
    assert not marker.exists(), "the planted line ran"
    assert "do not match their SHA-256" in capsys.readouterr().err
    assert "planted" not in cm.path.read_text() and _runs(cm)


def test_a_truncated_kernel_is_regenerated_not_a_traceback(fresh_cache, monkeypatch, capsys):
    path = compiled.compile_model().path
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    cm = _again(monkeypatch)
    assert "truncated or changed" in capsys.readouterr().err
    assert cm.path.read_bytes() == data and _runs(cm)


def test_a_kernel_without_its_digest_is_not_trusted(fresh_cache, monkeypatch, capsys):
    path = compiled.compile_model().path
    (path.parent / compiled.DIGEST_FILE).unlink()
    before = path.stat().st_mtime_ns
    marker = fresh_cache / "planted"
    # the same bytes are kept (numba's machine code stays valid), only the digest is added
    cm = _again(monkeypatch)
    assert "no slack_kernel.sha256" in capsys.readouterr().err
    assert cm.path.stat().st_mtime_ns == before
    assert compiled.read_verified(cm.path)[0] is not None and not marker.exists()


def test_a_folder_others_can_write_is_not_read(fresh_cache, monkeypatch, capsys):
    path = compiled.compile_model().path
    marker = fresh_cache / "planted"
    with path.open("a") as fh:  # a planted line, with a matching digest
        fh.write(f"\nopen({str(marker)!r}, 'w').close()\n")
    import hashlib

    (path.parent / compiled.DIGEST_FILE).write_text(hashlib.sha256(path.read_bytes()).hexdigest())
    os.chmod(path.parent, 0o777)
    cm = _again(monkeypatch)
    assert not marker.exists(), "code from a world-writable folder ran"
    assert "not private" in capsys.readouterr().err
    assert cm.path.parent.parent != cache_dir() and is_private(cm.path.parent)


@pytest.mark.skipif(not ROOT, reason="needs root to give a folder to another user")
def test_another_users_cache_is_never_executed(fresh_cache, monkeypatch):
    path = compiled.compile_model().path
    marker = fresh_cache / "planted"
    with path.open("a") as fh:
        fh.write(f"\nopen({str(marker)!r}, 'w').close()\n")
    import hashlib

    (path.parent / compiled.DIGEST_FILE).write_text(hashlib.sha256(path.read_bytes()).hexdigest())
    for p in (cache_dir(), path.parent, path, path.parent / compiled.DIGEST_FILE):
        os.chown(p, NOBODY, NOBODY)
    assert cache_dir() not in cache_dirs()
    cm = _again(monkeypatch)
    assert not marker.exists(), "another user's kernel ran"
    assert cm.path.parent.parent == fallback_cache_dir() and _runs(cm)


def test_an_unwritable_cache_falls_back_to_a_private_temporary_one(tmp_path, fresh_cache,
                                                                   monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SLACK_SIM_CACHE", str(blocker / "cache"))  # cannot be created
    cm = _again(monkeypatch)
    assert cm.path.parent.parent == fallback_cache_dir()
    assert str(cm.path).startswith(tempfile.gettempdir()) and _runs(cm)
    # a later process finds it there instead of regenerating it
    assert _again(monkeypatch).path == cm.path


def test_the_fallback_is_private_even_if_someone_made_it_first(fresh_cache):
    planted = fresh_cache / "tmp" / f"slack-sim-{os.getuid()}"
    planted.mkdir(mode=0o777)
    os.chmod(planted, 0o777)
    folder = fallback_cache_dir()
    assert folder != planted and is_private(folder)
