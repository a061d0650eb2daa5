"""Run a ``tools/write_*.py`` script's ``main(argv)`` in the test process.

In-process rather than in a subprocess: the package, PySD and the compiled model are
already loaded, so a ``--check`` costs only its own work. Each script is loaded from its
file once (the scripts are not a package).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

TOOLS = Path(__file__).resolve().parents[2] / "tools"


@functools.cache
def tool(script: str) -> ModuleType:
    """The module of ``tools/<script>``, loaded once."""
    spec = importlib.util.spec_from_file_location(f"_tool_{Path(script).stem}", TOOLS / script)
    assert spec is not None and spec.loader is not None, script
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run_tool(script: str, *argv: str) -> tuple[int, str]:
    """Return the exit status of ``tools/<script> argv...`` and what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = tool(script).main(list(argv))
    return code, out.getvalue()
