"""The generated kernel's compiled code is kept beside it and used only for the same source."""

import builtins

import pytest

from slack_sim.engine import kernel_cache

SOURCE = b"CODEGEN_KEY = 'k'\nVALUE = 6 * 7\n"
OTHER = b"CODEGEN_KEY = 'k'\nVALUE = 7\n"


def _value(code) -> int:
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 (the test's own source)
    return namespace["VALUE"]


def test_the_code_is_read_back_instead_of_compiled(tmp_path, monkeypatch):
    path = tmp_path / kernel_cache.KERNEL_FILE
    path.write_bytes(SOURCE)
    assert _value(kernel_cache._code(path, SOURCE)) == 42
    assert kernel_cache.code_path(path).is_file()

    def refuse(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(builtins, "compile", refuse)
    assert _value(kernel_cache._code(path, SOURCE)) == 42


@pytest.mark.parametrize("damage", ["other source", "truncated", "not marshal", "other magic"])
def test_code_that_does_not_match_its_source_is_compiled_afresh(tmp_path, damage):
    path = tmp_path / kernel_cache.KERNEL_FILE
    kernel_cache._code(path, SOURCE)
    cached = kernel_cache.code_path(path)
    data = cached.read_bytes()
    if damage == "truncated":
        cached.write_bytes(data[:-7])
    elif damage == "not marshal":
        cached.write_bytes(data[:36] + b"\xff" * 40)
    elif damage == "other magic":
        cached.write_bytes(b"\x00\x00\r\n" + data[4:])
    source = OTHER if damage == "other source" else SOURCE
    assert _value(kernel_cache._code(path, source)) == (7 if source is OTHER else 42)


def test_code_writable_by_others_is_not_used(tmp_path, monkeypatch):
    path = tmp_path / kernel_cache.KERNEL_FILE
    kernel_cache._code(path, SOURCE)
    cached = kernel_cache.code_path(path)
    cached.chmod(0o666)
    compiled = []
    real = builtins.compile
    monkeypatch.setattr(builtins, "compile", lambda *a, **k: compiled.append(1) or real(*a, **k))
    assert _value(kernel_cache._code(path, SOURCE)) == 42
    assert compiled
