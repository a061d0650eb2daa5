"""The cache of generated code: a generated module is executed only once it is verified.

:func:`write_verified` writes a generated module and its SHA-256 (``<name>.sha256``
beside it) into a folder private to this user; :func:`read_verified` returns a cached
module's bytes only when the folder and file are this user's, nobody else can write them
and the bytes match their digest; :func:`load_verified` executes those verified bytes as
the kernel module; :func:`not_using` prints the one line saying why a cached module is
regenerated. The one copy of the rule, used by
:func:`slack_sim.engine.compiled.compile_model` (the compiled kernel) and
:func:`slack_sim.engine.pysd.translated` (PySD's translation).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
import sys
import tempfile
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from ..model.files import is_private

__all__ = ["DIGEST_FILE", "KERNEL_FILE", "announce_compile", "code_path", "digest_path",
           "load_verified", "not_using", "read_verified", "write_verified"]


#: The generated module's file name, and the file of its SHA-256 beside it.
KERNEL_FILE = "slack_kernel.py"
DIGEST_FILE = "slack_kernel.sha256"


def digest_path(path: Path) -> Path:
    """Return the file holding the SHA-256 of the cached module ``path`` (``<stem>.sha256``)."""
    return path.with_suffix(".sha256")


def not_using(what: str, path: Path, why: str) -> None:
    """Print the one line saying a cached module is not used, and why, on stderr."""
    print(f"slack-sim: not using the cached {what} {path}: {why}; regenerating it",
          file=sys.stderr, flush=True)


def read_verified(path: Path) -> tuple[bytes | None, str]:
    """Return a cached module's bytes if they can be trusted, else ``None`` and why.

    Trusted: the folder and its parent are :func:`~slack_sim.model.files.is_private`, the
    file is a regular file of this user's that nobody else can write, and its SHA-256 is
    the one in :func:`digest_path` beside it (:data:`DIGEST_FILE` for the kernel). The
    bytes are read once, from the file descriptor that was checked, so what is executed
    is what was verified.
    """
    folder = path.parent
    if not (is_private(folder) and is_private(folder.parent)):
        return None, ("its folder is not private to this user (another user's, or "
                      "writable by others)")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        return None, f"cannot read it ({exc.strerror})"
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        uid = os.getuid() if hasattr(os, "getuid") else st.st_uid
        if st.st_uid != uid or st.st_mode & 0o022:
            return None, "the file is another user's or writable by others"
        data = fh.read()
    try:
        expected = digest_path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None, f"it has no {digest_path(path).name} to check it against"
    if hashlib.sha256(data).hexdigest() != expected:
        return None, "its contents do not match their SHA-256 (truncated or changed)"
    return data, ""


def write_verified(folder: Path, source: bytes, *, name: str = KERNEL_FILE) -> Path:
    """Write a generated module and its SHA-256 into a private folder; return its path.

    ``name`` is the module's file name (the kernel's by default); its digest goes in
    :func:`digest_path` beside it.

    The folder is created with mode 0700 and must then be
    :func:`~slack_sim.model.files.is_private`; each file is written to a temporary file
    and renamed. A module already there with the same bytes is kept (numba's machine
    code beside it stays valid); only its digest is written.

    Raises
    ------
    OSError
        If the folder cannot be created or written, or is not private.
    """
    folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.mkdir(mode=0o700, exist_ok=True)
    if not (is_private(folder) and is_private(folder.parent)):
        raise OSError(f"{folder} is not private to this user")
    target = folder / name
    try:
        same = is_private(target, folder=False) and target.read_bytes() == source
    except OSError:
        same = False
    if not same:
        _replace(target, source)
    _replace(digest_path(target), hashlib.sha256(source).hexdigest().encode("ascii") + b"\n")
    return target


def _replace(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load_verified(path: Path, key: str, source: bytes) -> ModuleType | None:
    """Execute verified source as the kernel module (its ``__file__`` the cached path)."""
    name = f"_slack_sim_kernel_{key.replace('-', '_')}"
    module = sys.modules.get(name)
    if module is None or getattr(module, "__file__", None) != str(path):
        module = ModuleType(name)
        module.__file__ = str(path)
        try:
            code = _code(path, source)
        except (SyntaxError, ValueError):
            return None
        sys.modules[name] = module  # numba's cache finds functions through their module
        try:
            exec(code, module.__dict__)  # noqa: S102 (our own generated code, verified)
        except Exception:
            sys.modules.pop(name, None)
            return None
    if getattr(module, "CODEGEN_KEY", None) != key:
        sys.modules.pop(name, None)
        return None
    return module


def code_path(path: Path) -> Path:
    """Return the file of the compiled code of the cached module ``path`` (this Python's)."""
    return path.with_name(f"{path.stem}.{sys.implementation.cache_tag}.code")


def _code(path: Path, source: bytes) -> CodeType:
    """Return the code of verified ``source``: from :func:`code_path` when it was made from it.

    Compiling the generated kernel module (about 440 kB) took 75-140 ms in every process;
    its code is kept beside it as Python keeps a module's bytecode, headed by this
    Python's bytecode magic number and the SHA-256 of the source it was compiled from,
    and used only when both match and the file is this user's and nobody else's to write
    (in the same private folder as the source).
    """
    header = importlib.util.MAGIC_NUMBER + hashlib.sha256(source).digest()
    cached = code_path(path)
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
        fd = os.open(cached, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            uid = os.getuid() if hasattr(os, "getuid") else st.st_uid
            data = fh.read() if st.st_uid == uid and not st.st_mode & 0o022 else b""
        if data[:len(header)] == header:
            code = marshal.loads(data[len(header):])
            if isinstance(code, CodeType):
                return code
    code = compile(source, str(path), "exec")
    with contextlib.suppress(OSError):
        _replace(cached, header + marshal.dumps(code))
    return code


_ANNOUNCED: set[int] = set()


def announce_compile(kernel: object, compiled: Any) -> None:
    """Say on stderr that numba is about to compile a kernel (not load it from its cache).

    numba compiles on the first call in a process unless its cache (beside the
    generated file) has the machine code; compiling takes 10 to 20 s, once per model
    version, so a first run would otherwise sit silent.
    """
    if id(kernel) in _ANNOUNCED or getattr(kernel, "signatures", None):
        return
    _ANNOUNCED.add(id(kernel))
    try:
        index = kernel._cache._cache_file._index_path  # type: ignore[attr-defined]
    except AttributeError:
        return
    if not os.path.exists(index):
        print(f"slack-sim: compiling the engine for model version {compiled.version} "
              "(once per model version and machine; 10 to 20 s)...",
              file=sys.stderr, flush=True)
